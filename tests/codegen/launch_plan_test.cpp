// Tests for launch plan parsing, expression evaluation and resolution.
#include <gtest/gtest.h>

#include "jit/codegen/launch_plan.h"

namespace kjit::jit {
namespace {

TEST(LaunchPlanTest, EvaluatesExpressions) {
  Bindings v{{"batch_size", 7}, {"num_sms", 132}};
  struct Case { const char* expr; std::int64_t want; } cases[] = {
      {"1", 1}, {"batch_size", 7}, {"batch_size * 2 + 1", 15}, {"(batch_size + 1) * 2", 16},
      {"ceil_div(batch_size, 4)", 2}, {"min(batch_size, 3)", 3}, {"max(1, min(32, ceil_div(2 * num_sms, batch_size * 8)))", 5},
      {"-3 + 10", 7}, {"17 % 5", 2}, {"17 / 5", 3},
  };
  for (const auto& c : cases) {
    auto r = eval_expr(c.expr, v);
    ASSERT_TRUE(r) << c.expr << ": " << r.error().message;
    EXPECT_EQ(*r, c.want) << c.expr;
  }
}

TEST(LaunchPlanTest, ExpressionErrorsNameTheProblem) {
  Bindings v{{"a", 1}};
  auto r = eval_expr("a + b", v);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown name 'b'"), std::string::npos);
  EXPECT_NE(eval_expr("4 / (a - 1)", v).error().message.find("division by zero"), std::string::npos);
  EXPECT_NE(eval_expr("foo(1, 2)", v).error().message.find("unknown function 'foo'"), std::string::npos);
  EXPECT_FALSE(eval_expr("1 +", v));
  EXPECT_FALSE(eval_expr("(1", v));
  EXPECT_FALSE(eval_expr("1 2", v));
}

TEST(LaunchPlanTest, RoundTripsAndResolves) {
  auto j = nlohmann::json::parse(R"J({
    "lets": [{"name": "splits", "expr": "max(1, ceil_div(num_sms, batch_size))"}],
    "workspace": [{"name": "ws", "bytes": "batch_size * splits * 4", "zero": true}],
    "launches": [{"entry": "k1", "grid": ["batch_size", "splits"], "block": [256], "shared_bytes": 1024,
                  "args": ["x", "out", "batch_size", "splits", "ws"]},
                 {"entry": "k2", "grid": ["batch_size"], "block": [128], "args": ["ws", "out"]}]})J");
  auto plan = LaunchPlan::from_json(j);
  ASSERT_TRUE(plan) << plan.error().message;
  auto again = LaunchPlan::from_json(plan->to_json());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_json(), plan->to_json());
  auto r = resolve_plan(*plan, {{"batch_size", 10}}, 132);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->values.at("splits"), 14);
  ASSERT_EQ(r->workspace_bytes.size(), 1u);
  EXPECT_EQ(r->workspace_bytes[0].second, 10u * 14 * 4);
  EXPECT_TRUE(r->workspace_zero[0]);
  ASSERT_EQ(r->launches.size(), 2u);
  EXPECT_EQ(r->launches[0].grid[0], 10u);
  EXPECT_EQ(r->launches[0].grid[1], 14u);
  EXPECT_EQ(r->launches[0].grid[2], 1u);
  EXPECT_EQ(r->launches[0].block[0], 256u);
  EXPECT_EQ(r->launches[0].shared_bytes, 1024u);
  EXPECT_EQ(r->launches[1].args, (std::vector<std::string>{"ws", "out"}));
}

TEST(LaunchPlanTest, RejectsMalformedPlans) {
  EXPECT_FALSE(LaunchPlan::from_json(nlohmann::json::parse(R"J({"launches": []})J")));
  auto r = LaunchPlan::from_json(nlohmann::json::parse(R"J({"launches": [{"entry": "k", "grid": [1.5]}]})J"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/launches/0/grid/0"), std::string::npos);
  auto neg = LaunchPlan::from_json(nlohmann::json::parse(R"J({"launches": [{"entry": "k", "grid": ["0 - 1"]}]})J"));
  ASSERT_TRUE(neg);
  EXPECT_FALSE(resolve_plan(*neg, {}, 1));
}

TEST(LaunchPlanTest, ProgrammaticDependentLaunchFlag) {
  auto j = nlohmann::json::parse(R"J({"launches": [{"entry": "main", "grid": [4]},
                                                  {"entry": "merge", "grid": [2], "pdl": true}]})J");
  auto plan = LaunchPlan::from_json(j);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_FALSE(plan->launches[0].pdl);
  EXPECT_TRUE(plan->launches[1].pdl);
  // Written only when set, and kept through a round trip and resolution.
  const auto out = plan->to_json();
  EXPECT_FALSE(out["launches"][0].contains("pdl"));
  EXPECT_EQ(out["launches"][1]["pdl"], true);
  auto again = LaunchPlan::from_json(out);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->launches[1].pdl);
  auto r = resolve_plan(*plan, {}, 132);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->launches[0].pdl);
  EXPECT_TRUE(r->launches[1].pdl);

  auto not_bool = LaunchPlan::from_json(nlohmann::json::parse(
      R"J({"launches": [{"entry": "a"}, {"entry": "b", "pdl": "yes"}]})J"));
  ASSERT_FALSE(not_bool);
  EXPECT_NE(not_bool.error().message.find("/launches/1/pdl"), std::string::npos);
  auto first = LaunchPlan::from_json(nlohmann::json::parse(R"J({"launches": [{"entry": "a", "pdl": true}]})J"));
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("no earlier launch"), std::string::npos);
}

}  // namespace
}  // namespace kjit::jit
