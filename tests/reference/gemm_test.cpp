// Tests for the gemm reference: a hand 2x2, B stored [K, N], and sizes that
// cross every blocking edge compared with a naive triple loop.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;

Definition gemm_definition(bool b_transposed) {
  return make_definition("gemm_test", "gemm", {{"M", std::nullopt}, {"N", std::nullopt}, {"K", std::nullopt}},
                         {{"A", std::vector<std::string>{"M", "K"}, Dtype::float16},
                          {"B", b_transposed ? std::vector<std::string>{"N", "K"} : std::vector<std::string>{"K", "N"},
                           Dtype::float16}},
                         {{"C", std::vector<std::string>{"M", "N"}, Dtype::float16}},
                         "def run(A, B):\n    return torch.matmul(A, B.T)\n");
}

TEST(GemmReferenceTest, TwoByTwoIsABTransposed) {
  TensorMap inputs;
  inputs["A"] = tensor({2, 2}, {1, 2, 3, 4});
  inputs["B"] = tensor({2, 2}, {5, 6, 7, 8});  // rows are B's N dimension
  auto out = run_reference(gemm_definition(true), {{"M", 2}, {"N", 2}, {"K", 2}}, inputs);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("C").shape, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(out->at("C").data, (std::vector<double>{17, 23, 39, 53}));
}

TEST(GemmReferenceTest, BDeclaredKByNIsPlainProduct) {
  TensorMap inputs;
  inputs["A"] = tensor({2, 2}, {1, 2, 3, 4});
  inputs["B"] = tensor({2, 2}, {5, 6, 7, 8});
  auto out = run_reference(gemm_definition(false), {{"M", 2}, {"N", 2}, {"K", 2}}, inputs);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("C").data, (std::vector<double>{19, 22, 43, 50}));
}

TEST(GemmReferenceTest, BlockEdgesMatchNaiveLoop) {
  struct Case {
    std::int64_t m, n, k;
  };
  for (Case c : {Case{1, 1, 1}, Case{3, 5, 7}, Case{67, 131, 300}, Case{130, 257, 513}, Case{5, 3, 0}}) {
    std::mt19937_64 rng(c.m * 1000 + c.n);
    TensorMap inputs;
    inputs["A"] = random_tensor({c.m, c.k}, rng);
    inputs["B"] = random_tensor({c.n, c.k}, rng);
    auto out = run_reference(gemm_definition(true), {{"M", c.m}, {"N", c.n}, {"K", c.k}}, inputs, {.threads = 3});
    ASSERT_TRUE(out) << out.error().message;
    const auto& a = inputs["A"].data;
    const auto& b = inputs["B"].data;
    for (std::int64_t i = 0; i < c.m; ++i) {
      for (std::int64_t j = 0; j < c.n; ++j) {
        double s = 0;
        for (std::int64_t k = 0; k < c.k; ++k) s += a[i * c.k + k] * b[j * c.k + k];
        ASSERT_NEAR(out->at("C").data[i * c.n + j], s, 1e-11) << c.m << "x" << c.n << "x" << c.k << " at " << i
                                                                 << "," << j;
      }
    }
  }
}

TEST(GemmReferenceTest, ThreadCountDoesNotChangeBits) {
  std::mt19937_64 rng(7);
  TensorMap inputs;
  inputs["A"] = random_tensor({150, 700}, rng);
  inputs["B"] = random_tensor({300, 700}, rng);
  std::map<std::string, std::int64_t> axes{{"M", 150}, {"N", 300}, {"K", 700}};
  auto one = run_reference(gemm_definition(true), axes, inputs, {.threads = 1});
  auto many = run_reference(gemm_definition(true), axes, inputs, {.threads = 7});
  auto again = run_reference(gemm_definition(true), axes, inputs, {.threads = 7});
  ASSERT_TRUE(one && many && again);
  EXPECT_EQ(one->at("C").data, many->at("C").data);
  EXPECT_EQ(many->at("C").data, again->at("C").data);
}

}  // namespace
}  // namespace kjit::runtime::reference
