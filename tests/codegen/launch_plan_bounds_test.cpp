// Launch-plan expressions are evaluated with values from workloads and
// clients: overflow, deep nesting and long input are errors, never undefined
// behaviour or a stack overflow (found by tests/fuzz/launch_plan_fuzz.cpp's
// targets; UBSan flagged the signed overflows).
#include <gtest/gtest.h>

#include <limits>

#include "jit/codegen/launch_plan.h"

namespace kjit::jit {
namespace {

TEST(LaunchPlanBoundsTest, OverflowIsAnError) {
  Bindings vars{{"big", std::numeric_limits<std::int64_t>::max()}, {"min", std::numeric_limits<std::int64_t>::min()}};
  for (const char* expr : {"big + 1", "0 - big - 2", "big * 2", "-min", "min / -1", "ceil_div(big, 2)",
                           "3037000500 * 3037000500"}) {
    auto v = eval_expr(expr, vars);
    ASSERT_FALSE(v) << expr << " = " << *v;
    EXPECT_NE(v.error().message.find("overflows a 64-bit integer"), std::string::npos) << v.error().message;
  }
  auto mod = eval_expr("min % -1", vars);
  ASSERT_TRUE(mod);
  EXPECT_EQ(*mod, 0);
  auto neg = eval_expr("-7 / -1", vars);
  ASSERT_TRUE(neg);
  EXPECT_EQ(*neg, 7);
}

TEST(LaunchPlanBoundsTest, DeepNestingIsAnErrorNotAStackOverflow) {
  for (std::string expr : {std::string(100000, '(') + "1" + std::string(100000, ')'), std::string(100000, '-') + "1",
                           std::string(200, '(') + "1" + std::string(200, ')')}) {
    auto v = eval_expr(expr, {});
    ASSERT_FALSE(v);
    EXPECT_TRUE(v.error().message.find("nested more than 64 levels deep") != std::string::npos ||
                v.error().message.find("over the limit of 4096") != std::string::npos)
        << v.error().message;
  }
  auto ok = eval_expr(std::string(30, '(') + "1" + std::string(30, ')'), {});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, 1);
}

TEST(LaunchPlanBoundsTest, CeilDivNeedsAPositiveDivisor) {
  auto v = eval_expr("ceil_div(5, -1)", {});
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("ceil_div needs a positive divisor"), std::string::npos);
}

TEST(LaunchPlanBoundsTest, MalformedPlanFieldsAreErrorsNotExceptions) {
  auto plan = LaunchPlan::from_json(nlohmann::json::parse(
      R"({"workspace": [{"name": "w", "bytes": 4, "zero": "yes"}], "launches": [{"entry": "k"}]})"));
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("/workspace/0/zero: expected true or false"), std::string::npos)
      << plan.error().message;
  auto huge = LaunchPlan::from_json(
      nlohmann::json::parse(R"({"launches": [{"entry": "k", "grid": [18446744073709551615]}]})"));
  ASSERT_TRUE(huge);
  auto resolved = resolve_plan(*huge, {}, 132);
  ASSERT_FALSE(resolved);
  EXPECT_NE(resolved.error().message.find("integer too large"), std::string::npos) << resolved.error().message;
}

}  // namespace
}  // namespace kjit::jit
