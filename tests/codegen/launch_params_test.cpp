// Tests for launch parameters in plans (docs/templates.md "Launch
// parameters"): parsing, round trip, resolution with defaults and caller
// values, advance amounts, and the errors for bad declarations and unknown
// names.
#include <gtest/gtest.h>

#include "jit/codegen/launch_plan.h"

namespace kjit::jit {
namespace {

const char* k_plan = R"J({
  "params": [{"name": "seed", "default": 0}, {"name": "offset", "default": "batch_size * 2", "advance": "1 + vocab % 2"}],
  "lets": [{"name": "twice", "expr": "offset * 2"}],
  "launches": [{"entry": "k", "grid": ["batch_size"], "block": [256], "args": ["probs", "seed", "offset", "twice"]}]})J";

TEST(LaunchParamsTest, RoundTripsAndResolvesDefaultsAndGivenValues) {
  auto plan = LaunchPlan::from_json(nlohmann::json::parse(k_plan));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->params.size(), 2u);
  EXPECT_EQ(plan->params[0].name, "seed");
  EXPECT_TRUE(plan->params[0].advance.empty());
  auto again = LaunchPlan::from_json(plan->to_json());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_json(), plan->to_json());

  auto r = resolve_plan(*plan, {{"batch_size", 3}, {"vocab", 7}}, 132);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->params.size(), 2u);
  EXPECT_EQ(r->params[0].value, 0);
  EXPECT_FALSE(r->params[0].given);
  EXPECT_EQ(r->params[0].advance, 0);
  EXPECT_EQ(r->params[1].value, 6);    // batch_size * 2
  EXPECT_EQ(r->params[1].advance, 2);  // 1 + 7 % 2
  EXPECT_EQ(r->values.at("twice"), 12);  // lets see the parameters

  auto given = resolve_plan(*plan, {{"batch_size", 3}, {"vocab", 7}}, 132, {{"seed", -5}, {"offset", 1000}});
  ASSERT_TRUE(given) << given.error().message;
  EXPECT_EQ(given->params[0].value, -5);
  EXPECT_TRUE(given->params[0].given);
  EXPECT_EQ(given->params[1].value, 1000);
  EXPECT_EQ(given->values.at("offset"), 1000);
}

TEST(LaunchParamsTest, UnknownNamesAndBadDeclarationsAreErrors) {
  auto plan = LaunchPlan::from_json(nlohmann::json::parse(k_plan));
  ASSERT_TRUE(plan);
  auto r = resolve_plan(*plan, {{"batch_size", 3}, {"vocab", 7}}, 132, {{"sed", 1}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("launch parameter 'sed' is not one the kernel's plan declares (declared: seed, offset)"),
            std::string::npos)
      << r.error().message;
  auto none = LaunchPlan::from_json(nlohmann::json::parse(R"J({"launches": [{"entry": "k"}]})J"));
  ASSERT_TRUE(none);
  auto r2 = resolve_plan(*none, {}, 1, {{"seed", 1}});
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("it declares none"), std::string::npos) << r2.error().message;

  struct Bad {
    const char* json;
    const char* says;
  } bad[] = {
      {R"J({"params": {}, "launches": [{"entry": "k"}]})J", "/params: expected an array"},
      {R"J({"params": [{"name": "1x"}], "launches": [{"entry": "k"}]})J", "/params/0: expected"},
      {R"J({"params": [{"name": "a"}, {"name": "a"}], "launches": [{"entry": "k"}]})J", "declared twice"},
      {R"J({"params": [{"name": "num_sms"}], "launches": [{"entry": "k"}]})J", "reserved"},
      {R"J({"params": [{"name": "a", "step": 1}], "launches": [{"entry": "k"}]})J", "unknown field 'step'"},
      {R"J({"params": [{"name": "a", "default": 1.5}], "launches": [{"entry": "k"}]})J", "/params/0/default"},
  };
  for (const auto& b : bad) {
    auto p = LaunchPlan::from_json(nlohmann::json::parse(b.json));
    ASSERT_FALSE(p) << b.json;
    EXPECT_NE(p.error().message.find(b.says), std::string::npos) << p.error().message;
  }
  // A parameter may not shadow an axis.
  auto shadow = LaunchPlan::from_json(nlohmann::json::parse(R"J({"params": [{"name": "batch_size"}], "launches": [{"entry": "k"}]})J"));
  ASSERT_TRUE(shadow);
  auto r3 = resolve_plan(*shadow, {{"batch_size", 3}}, 1);
  ASSERT_FALSE(r3);
  EXPECT_NE(r3.error().message.find("has the name of an axis"), std::string::npos);
}

}  // namespace
}  // namespace kjit::jit
