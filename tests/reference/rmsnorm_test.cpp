// Tests for the rmsnorm / fused_add_rmsnorm reference: hand-computed rows,
// EPS read from the reference text, fused add, and named errors.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;

Definition rmsnorm_definition(bool fused, std::string reference) {
  std::vector<SpecDecl> inputs = {{"hidden_states", std::vector<std::string>{"batch_size", "hidden_size"}}};
  if (fused) inputs.push_back({"residual", std::vector<std::string>{"batch_size", "hidden_size"}});
  inputs.push_back({"weight", std::vector<std::string>{"hidden_size"}});
  return make_definition(fused ? "fused_add_rmsnorm_h4" : "rmsnorm_h4", "rmsnorm",
                         {{"batch_size", std::nullopt}, {"hidden_size", 4}}, inputs,
                         {{"output", std::vector<std::string>{"batch_size", "hidden_size"}}}, std::move(reference));
}

const std::map<std::string, std::int64_t> k_axes = {{"batch_size", 3}, {"hidden_size", 4}};

TEST(RmsnormReferenceTest, UnitWeightMatchesHandValues) {
  auto def = rmsnorm_definition(false, "def run(hidden_states, weight):\n    EPS = 1e-6\n");
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, {1, 1, 1, 1, 1, 2, 3, 4, 0, 0, 0, 0});
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto out = run_reference(def, k_axes, inputs);
  ASSERT_TRUE(out) << out.error().message;
  const auto& y = out->at("output");
  ASSERT_EQ(y.shape, (std::vector<std::int64_t>{3, 4}));
  // Row 0: mean(x^2) = 1 -> x / sqrt(1 + 1e-6).
  EXPECT_DOUBLE_EQ(y.data[0], 1.0 / std::sqrt(1.0 + 1e-6));
  // Row 1: mean(x^2) = 30 / 4 = 7.5.
  const double inv = 1.0 / std::sqrt(7.5 + 1e-6);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(y.data[4 + i], (i + 1) * inv);
  // Row 2: zeros stay zeros (EPS keeps the rsqrt finite).
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y.data[8 + i], 0.0);
}

TEST(RmsnormReferenceTest, WeightScalesEachColumn) {
  auto def = rmsnorm_definition(false, "EPS = 1e-6\n");
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2});
  inputs["weight"] = tensor({4}, {1, -2, 0.5, 0});
  auto out = run_reference(def, k_axes, inputs);
  ASSERT_TRUE(out) << out.error().message;
  const double n = 2.0 / std::sqrt(4.0 + 1e-6);
  EXPECT_DOUBLE_EQ(out->at("output").data[4], n);
  EXPECT_DOUBLE_EQ(out->at("output").data[5], -2 * n);
  EXPECT_DOUBLE_EQ(out->at("output").data[6], 0.5 * n);
  EXPECT_EQ(out->at("output").data[7], 0.0);
}

TEST(RmsnormReferenceTest, EpsComesFromTheReferenceText) {
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, std::vector<double>(12, 0.01));
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto small = run_reference(rmsnorm_definition(false, "    EPS = 1e-6\n"), k_axes, inputs);
  auto large = run_reference(rmsnorm_definition(false, "    EPS = 1e-2  # large\n"), k_axes, inputs);
  ASSERT_TRUE(small && large);
  EXPECT_DOUBLE_EQ(small->at("output").data[0], 0.01 / std::sqrt(1e-4 + 1e-6));
  EXPECT_DOUBLE_EQ(large->at("output").data[0], 0.01 / std::sqrt(1e-4 + 1e-2));
}

TEST(RmsnormReferenceTest, MissingEpsIsAnError) {
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, std::vector<double>(12, 1));
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto out = run_reference(rmsnorm_definition(false, "def run(x):\n    return x\n"), k_axes, inputs);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(out.error().message.find("EPS"), std::string::npos) << out.error().message;
}

TEST(RmsnormReferenceTest, FusedAddNormalisesTheSum) {
  auto def = rmsnorm_definition(true, "EPS = 1e-5\n");
  EXPECT_TRUE(has_reference(def));
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, {1, 2, 3, 4, 0, 0, 0, 0, 1, 1, 1, 1});
  inputs["residual"] = tensor({3, 4}, {0, 0, 0, 0, 1, 2, 3, 4, -2, -2, -2, -2});
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto out = run_reference(def, k_axes, inputs);
  ASSERT_TRUE(out) << out.error().message;
  const auto& y = out->at("output").data;
  const double inv = 1.0 / std::sqrt(7.5 + 1e-5);
  for (int i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(y[i], (i + 1) * inv);      // x + 0
    EXPECT_DOUBLE_EQ(y[4 + i], (i + 1) * inv);  // 0 + r
    EXPECT_DOUBLE_EQ(y[8 + i], -1.0 / std::sqrt(1.0 + 1e-5));
  }
  EXPECT_EQ(out->size(), 1u);  // the definitions declare only `output`
}

TEST(RmsnormReferenceTest, ResidualOutputWhenDeclared) {
  auto def = rmsnorm_definition(true, "EPS = 1e-5\n");
  def.outputs.push_back(TensorSpec{"residual", std::vector<std::string>{"batch_size", "hidden_size"},
                                   Dtype::bfloat16, {}, false});
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, std::vector<double>(12, 1.5));
  inputs["residual"] = tensor({3, 4}, std::vector<double>(12, 0.25));
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto out = run_reference(def, k_axes, inputs);
  ASSERT_TRUE(out) << out.error().message;
  for (double v : out->at("residual").data) EXPECT_EQ(v, 1.75);
}

TEST(RmsnormReferenceTest, ShapeMismatchNamesTheInput) {
  auto def = rmsnorm_definition(false, "EPS = 1e-6\n");
  TensorMap inputs;
  inputs["hidden_states"] = tensor({2, 4}, std::vector<double>(8, 1));
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto out = run_reference(def, k_axes, inputs);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "reference for 'rmsnorm_h4': input 'hidden_states' has shape [2, 4], the definition and axes give [3, 4]");
}

TEST(RmsnormReferenceTest, MissingInputAndUnboundAxisAreNamed) {
  auto def = rmsnorm_definition(false, "EPS = 1e-6\n");
  TensorMap inputs;
  inputs["hidden_states"] = tensor({3, 4}, std::vector<double>(12, 1));
  auto missing = run_reference(def, k_axes, inputs);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "reference for 'rmsnorm_h4': input 'weight' is missing");
  inputs["weight"] = tensor({4}, {1, 1, 1, 1});
  auto unbound = run_reference(def, {{"hidden_size", 4}}, inputs);
  ASSERT_FALSE(unbound);
  EXPECT_NE(unbound.error().message.find("axis 'batch_size' has no value"), std::string::npos);
}

}  // namespace
}  // namespace kjit::runtime::reference
