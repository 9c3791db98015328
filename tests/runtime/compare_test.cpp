// Tests for compare_tensors: each flashinfer-bench rule (shape, dtype,
// non-finite, atol AND rtol, matched ratio) and the per-op overrides.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/compare.h"

namespace kjit::runtime {
namespace {

const double k_inf = std::numeric_limits<double>::infinity();
const double k_nan = std::numeric_limits<double>::quiet_NaN();

HostTensor tensor(std::vector<std::int64_t> shape, std::vector<double> values,
                  Dtype dtype = Dtype::float32) {
  auto t = HostTensor::from_doubles(dtype, std::move(shape), values);
  EXPECT_TRUE(t.has_value());
  return *t;
}

TEST(CompareTest, IdenticalTensorsPass) {
  const auto a = tensor({2, 2}, {1, 2, 3, 4});
  const CompareReport r = compare_tensors(a, a);
  EXPECT_EQ(r.status, CompareStatus::passed);
  EXPECT_EQ(r.max_abs_error, 0.0);
  EXPECT_EQ(r.matched_ratio, 1.0);
  EXPECT_EQ(r.total, 4);
  EXPECT_EQ(to_string(r.status), "PASSED");
}

TEST(CompareTest, ShapeIsCheckedBeforeDtype) {
  const auto a = tensor({2, 2}, {1, 2, 3, 4});
  const auto b = tensor({4}, {1, 2, 3, 4}, Dtype::bfloat16);
  const CompareReport r = compare_tensors(a, b);
  EXPECT_EQ(r.status, CompareStatus::incorrect_shape);
  EXPECT_EQ(to_string(r.status), "INCORRECT_SHAPE");
  EXPECT_NE(r.message.find("[2, 2]"), std::string::npos);
}

TEST(CompareTest, DtypeMismatch) {
  const auto a = tensor({2}, {1, 2});
  const auto b = tensor({2}, {1, 2}, Dtype::bfloat16);
  EXPECT_EQ(compare_tensors(a, b).status, CompareStatus::incorrect_dtype);
}

// An element fails only when BOTH the absolute and the relative errors
// exceed their tolerances.
TEST(CompareTest, ElementFailsOnlyWhenAbsAndRelExceed) {
  struct Case {
    double out, ref;
    bool fails;
  } cases[] = {
      {1000.0, 1005.0, false},  // abs 5 > atol, rel 0.005 < rtol
      {0.001, 0.015, false},    // abs 0.014 > atol? yes; rel 0.93 > rtol -> fails? see below
      {0.0, 0.009, false},      // abs 0.009 <= atol
      {1.0, 1.02, true},        // abs 0.02, rel 0.0196
      {-3.0, 3.0, true},
  };
  cases[1].fails = true;  // abs 0.014 > 0.01 and rel 0.93 > 0.01
  for (const auto& c : cases) {
    const CompareReport r = compare_tensors(tensor({1}, {c.out}), tensor({1}, {c.ref}));
    EXPECT_EQ(r.status == CompareStatus::incorrect_numerical, c.fails) << c.out << " vs " << c.ref;
    EXPECT_EQ(r.mismatched, c.fails ? 1 : 0);
  }
}

TEST(CompareTest, ReportsWorstIndexMultiDim) {
  std::vector<double> ref(24, 1.0), out(24, 1.0);
  out[1 * 12 + 2 * 4 + 3] = 1.5;  // index [1, 2, 3]
  out[5] = 1.001;                 // within tolerance
  const CompareReport r = compare_tensors(tensor({2, 3, 4}, out), tensor({2, 3, 4}, ref));
  EXPECT_EQ(r.status, CompareStatus::incorrect_numerical);
  EXPECT_EQ(r.worst_index, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_NEAR(r.max_abs_error, 0.5, 1e-7);
  EXPECT_NEAR(r.max_rel_error, 0.5, 1e-6);
  EXPECT_EQ(r.mismatched, 1);
  ASSERT_EQ(r.first_mismatches.size(), 1u);
  EXPECT_EQ(r.first_mismatches[0].output, 1.5);
}

TEST(CompareTest, MatchedRatioThreshold) {
  std::vector<double> ref(100, 1.0), out(100, 1.0);
  for (int i = 0; i < 5; ++i) out[i] = 2.0;
  const auto o = tensor({100}, out), rf = tensor({100}, ref);
  Tolerance t;
  EXPECT_EQ(compare_tensors(o, rf, t).status, CompareStatus::incorrect_numerical);
  t.required_matched_ratio = 0.95;
  const CompareReport r = compare_tensors(o, rf, t);
  EXPECT_EQ(r.status, CompareStatus::passed);
  EXPECT_DOUBLE_EQ(r.matched_ratio, 0.95);
  out[5] = 2.0;
  EXPECT_EQ(compare_tensors(tensor({100}, out), rf, t).status, CompareStatus::incorrect_numerical);
}

TEST(CompareTest, MatchingInfinitiesAreEqual) {
  const auto a = tensor({3}, {-k_inf, k_inf, 1.0});
  const CompareReport r = compare_tensors(a, a);
  EXPECT_EQ(r.status, CompareStatus::passed);
  EXPECT_EQ(r.max_abs_error, 0.0);
}

TEST(CompareTest, NonFiniteMismatchesFail) {
  struct Case {
    double out, ref;
  } cases[] = {{k_nan, 1.0}, {k_inf, 1.0}, {1.0, -k_inf}, {k_inf, -k_inf}, {1.0, k_nan}};
  for (const auto& c : cases) {
    Tolerance loose;
    loose.atol = 1e30;  // tolerances cannot excuse a non-finite mismatch
    const CompareReport r = compare_tensors(tensor({1}, {c.out}), tensor({1}, {c.ref}), loose);
    EXPECT_EQ(r.status, CompareStatus::incorrect_numerical) << c.out << " vs " << c.ref;
    EXPECT_EQ(r.non_finite_mismatched, 1);
    EXPECT_TRUE(std::isinf(r.max_abs_error));
  }
  EXPECT_TRUE(compare_tensors(tensor({1}, {k_nan}), tensor({1}, {k_nan})).passed());
}

TEST(CompareTest, FlashinferBenchPolicyRejectsAnyNonFiniteOutput) {
  Tolerance t;
  t.non_finite = NonFinite::flashinfer_bench;
  const auto a = tensor({2}, {-k_inf, 1.0});
  const CompareReport r = compare_tensors(a, a, t);
  EXPECT_EQ(r.status, CompareStatus::incorrect_numerical);
  EXPECT_TRUE(std::isinf(r.max_abs_error));
  const CompareReport n = compare_tensors(tensor({1}, {k_nan}), tensor({1}, {k_nan}), t);
  EXPECT_EQ(n.status, CompareStatus::incorrect_numerical);
  EXPECT_TRUE(std::isnan(n.max_abs_error));
}

TEST(CompareTest, EmptyTensorPasses) {
  const auto a = HostTensor::zeros(Dtype::bfloat16, {0, 4});
  const CompareReport r = compare_tensors(a, a);
  EXPECT_TRUE(r.passed());
  EXPECT_EQ(r.matched_ratio, 1.0);
  EXPECT_TRUE(r.worst_index.empty());
}

TEST(CompareTest, ComparesInFloat32AfterDecoding) {
  // bf16 output 1.0 vs float32 reference: dtype differs -> rejected first.
  const auto o = tensor({1}, {1.0}, Dtype::bfloat16);
  const auto r = tensor({1}, {1.0}, Dtype::bfloat16);
  EXPECT_TRUE(compare_tensors(o, r).passed());
  // int outputs compare by value too.
  EXPECT_FALSE(compare_tensors(tensor({2}, {3, 4}, Dtype::int64), tensor({2}, {3, 5}, Dtype::int64)).passed());
}

TEST(CompareTest, PerOpOverrides) {
  EXPECT_EQ(tolerance_for("gqa_paged", "gqa_paged_decode_h32_kv8_d128_ps1").required_matched_ratio, 1.0);
  EXPECT_EQ(tolerance_for("moe", "trtllm_fp4_block_scale_moe_topk8_e128_h2048_i768").required_matched_ratio, 0.95);
  EXPECT_EQ(tolerance_for("other", "moe_fp8_block_scale_x").required_matched_ratio, 0.95);
  EXPECT_EQ(tolerance_for("rmsnorm", "rmsnorm_h128").atol, 1e-2);
}

}  // namespace
}  // namespace kjit::runtime
