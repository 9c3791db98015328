// Tests for the sampling references as distributions (reference/sampling.h)
// and the rope reference: each filter's semantics on hand-made rows (ties at
// the k-th value, the token crossing p, renormalization before top-p, p <= 0,
// invalid k, p >= 1 and NaN, zeros and negatives, an all-zero row), the
// dispatcher entries, and rope's two styles on hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "runtime/reference/sampling.h"
#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;

SamplingParams k_only(std::int64_t k) { return {true, false, k, 1.0}; }
SamplingParams p_only(double p) { return {false, true, 0, p}; }
SamplingParams both(std::int64_t k, double p) { return {true, true, k, p}; }

void expect_dist(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "token " << i;
}

TEST(SamplingReferenceTest, OrderIsDescendingWithTiesByIndex) {
  const std::vector<double> row = {0.1, 0.3, 0.1, 0.3, -1.0, std::nan("")};
  EXPECT_EQ(sampling_order(row), (std::vector<std::int64_t>{1, 3, 0, 2, 4, 5}));
}

TEST(SamplingReferenceTest, TopKKeepsTheLowestIndexTiesAtTheKthValue) {
  const std::vector<double> row = {0.1, 0.2, 0.2, 0.2, 0.3};
  // k = 3: 0.3 and the first two of the three 0.2s (indices 1, 2).
  expect_dist(sampling_distribution(row, k_only(3)), {0, 0.2 / 0.7, 0.2 / 0.7, 0, 0.3 / 0.7});
  // k <= 0 and k >= vocab: no filter.
  for (std::int64_t k : {0, -5, 5, 100}) expect_dist(sampling_distribution(row, k_only(k)), {0.1, 0.2, 0.2, 0.2, 0.3});
}

TEST(SamplingReferenceTest, TopPKeepsTheTokenThatCrossesP) {
  const std::vector<double> row = {0.2, 0.4, 0.4};
  // Sorted 0.4 (1), 0.4 (2), 0.2: mass before them 0, 0.4, 0.8. p = 0.5 keeps two tokens.
  expect_dist(sampling_distribution(row, p_only(0.5)), {0, 0.5, 0.5});
  // p = 0.4: the second 0.4 has exactly 0.4 before it (<= p): kept too.
  expect_dist(sampling_distribution(row, p_only(0.4)), {0, 0.5, 0.5});
  // p = 0.3: only the first (the lowest index of the tie).
  expect_dist(sampling_distribution(row, p_only(0.3)), {0, 1, 0});
  // A tiny p keeps exactly the top token.
  expect_dist(sampling_distribution(row, p_only(1e-9)), {0, 1, 0});
}

TEST(SamplingReferenceTest, TopPOnTheRawRowIsNotRenormalized) {
  // The row sums to 0.5: the cumulative mass never exceeds p = 0.6, so everything is kept.
  const std::vector<double> row = {0.25, 0.15, 0.1};
  expect_dist(sampling_distribution(row, p_only(0.6)), {0.5, 0.3, 0.2});
}

TEST(SamplingReferenceTest, TopKTopPRenormalizesBeforeTopP) {
  const std::vector<double> row = {0.3, 0.3, 0.2, 0.2};
  // Top-2: {0.3, 0.3} renormalized to {0.5, 0.5}; p = 0.4: mass before the second is 0.5 > 0.4.
  expect_dist(sampling_distribution(row, both(2, 0.4)), {1, 0, 0, 0});
  // Without renormalization (raw 0.3 before it <= 0.4) it would have kept both: p = 0.5 does.
  expect_dist(sampling_distribution(row, both(2, 0.5)), {0.5, 0.5, 0, 0});
  // k invalid: top-p on the raw row.
  expect_dist(sampling_distribution(row, both(0, 0.5)), {0.5, 0.5, 0, 0});
}

TEST(SamplingReferenceTest, NonPositivePIsTheArgmaxAndLargePOrNaNIsNoFilter) {
  const std::vector<double> row = {0.2, 0.4, 0.4};
  expect_dist(sampling_distribution(row, p_only(0.0)), {0, 1, 0});
  expect_dist(sampling_distribution(row, p_only(-3.0)), {0, 1, 0});
  expect_dist(sampling_distribution(row, both(1, -1.0)), {0, 1, 0});
  expect_dist(sampling_distribution(row, p_only(1.0)), {0.2, 0.4, 0.4});
  expect_dist(sampling_distribution(row, p_only(std::nan(""))), {0.2, 0.4, 0.4});
}

TEST(SamplingReferenceTest, ZerosNegativesAndAllZeroRows) {
  // Negative and NaN count as zero; zeros are never drawn.
  expect_dist(sampling_distribution(std::vector<double>{0.0, -0.5, 0.5, std::nan(""), 0.5}, k_only(4)),
              {0, 0, 0.5, 0, 0.5});
  // Ties at zero inside the top-k: kept but never drawn.
  expect_dist(sampling_distribution(std::vector<double>{0.0, 1.0, 0.0, 0.0}, k_only(3)), {0, 1, 0, 0});
  // Nothing to draw from: the argmax (first index) with probability 1.
  expect_dist(sampling_distribution(std::vector<double>{0.0, 0.0, 0.0}, k_only(2)), {1, 0, 0});
  EXPECT_EQ(sampling_mode(std::vector<double>{0.2, 0.4, 0.4}), 1);
}

TEST(SamplingReferenceTest, DispatcherReturnsModesAndDistributions) {
  auto def = make_definition("top_k_top_p_sampling_from_probs_v4", "sampling", {{"batch_size", std::nullopt}, {"vocab_size", 4}},
                             {{"probs", std::vector<std::string>{"batch_size", "vocab_size"}, Dtype::float32},
                              {"top_k", std::vector<std::string>{"batch_size"}, Dtype::int32},
                              {"top_p", std::vector<std::string>{"batch_size"}, Dtype::float32}},
                             {{"samples", std::vector<std::string>{"batch_size"}, Dtype::int64}});
  ASSERT_TRUE(has_reference(def));
  TensorMap in;
  in["probs"] = tensor({2, 4}, {0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25});
  in["top_k"] = tensor({2}, {2, 0});
  in["top_p"] = tensor({2}, {0.9, 0.0});
  auto out = run_reference(def, {{"batch_size", 2}, {"vocab_size", 4}}, in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("samples").data, (std::vector<double>{3, 0}));
  const auto& f = out->at("filtered_probs");
  ASSERT_EQ(f.shape, (std::vector<std::int64_t>{2, 4}));
  EXPECT_NEAR(f.data[2], 3.0 / 7, 1e-12);
  EXPECT_NEAR(f.data[3], 4.0 / 7, 1e-12);
  EXPECT_EQ(f.data[4], 1.0);  // p = 0: argmax of a uniform row is token 0
}

Definition rope_definition(std::int64_t head, std::int64_t rd, const std::string& reference) {
  return make_definition("rope_test", "rope",
                         {{"num_tokens", std::nullopt}, {"num_qo_heads", std::nullopt}, {"num_kv_heads", std::nullopt},
                          {"head_size", head}, {"rotary_dim", rd}, {"max_seq_len", std::nullopt}},
                         {{"q", std::vector<std::string>{"num_tokens", "num_qo_heads", "head_size"}},
                          {"k", std::vector<std::string>{"num_tokens", "num_kv_heads", "head_size"}},
                          {"cos_sin_cache", std::vector<std::string>{"max_seq_len", "rotary_dim"}, Dtype::float32},
                          {"positions", std::vector<std::string>{"num_tokens"}, Dtype::int64}},
                         {{"q_out", std::vector<std::string>{"num_tokens", "num_qo_heads", "head_size"}},
                          {"k_out", std::vector<std::string>{"num_tokens", "num_kv_heads", "head_size"}}},
                         reference);
}

TEST(RopeReferenceTest, NeoxAndGptjRotateTheirPairsAndPassTheRest) {
  // head 6, rotary 4: pairs (0,2),(1,3) NeoX; (0,1),(2,3) GPT-J; dims 4, 5 pass through.
  // Cache row 1: cos = (0, 1), sin = (1, 0) -> pair 0 rotates by 90 degrees, pair 1 by 0.
  const std::map<std::string, std::int64_t> axes = {{"num_tokens", 1}, {"num_qo_heads", 1}, {"num_kv_heads", 1},
                                                    {"head_size", 6},  {"rotary_dim", 4},   {"max_seq_len", 2}};
  TensorMap in;
  in["q"] = tensor({1, 1, 6}, {1, 2, 3, 4, 5, 6});
  in["k"] = tensor({1, 1, 6}, {-1, -2, -3, -4, -5, -6});
  in["cos_sin_cache"] = tensor({2, 4}, {9, 9, 9, 9, 0, 1, 1, 0});
  in["positions"] = tensor({1}, {-1});  // -1 -> the last row (torch indexing)
  auto neox = run_reference(rope_definition(6, 4, "def apply_rotary_emb_neox(x):\n"), axes, in);
  ASSERT_TRUE(neox) << neox.error().message;
  // NeoX pair (x0, x2) = (1, 3) by 90 degrees -> (-3, 1); pair (x1, x3) = (2, 4) unchanged.
  EXPECT_EQ(neox->at("q_out").data, (std::vector<double>{-3, 2, 1, 4, 5, 6}));
  EXPECT_EQ(neox->at("k_out").data, (std::vector<double>{3, -2, -1, -4, -5, -6}));
  auto gptj = run_reference(rope_definition(6, 4, "def run():\n    is_neox = 0\n"), axes, in);
  ASSERT_TRUE(gptj) << gptj.error().message;
  // GPT-J pair (x0, x1) = (1, 2) by 90 degrees -> (-2, 1); pair (x2, x3) = (3, 4) unchanged.
  EXPECT_EQ(gptj->at("q_out").data, (std::vector<double>{-2, 1, 3, 4, 5, 6}));
}

TEST(RopeReferenceTest, UnknownStyleAndOutOfRangePositionsAreRefused) {
  auto unknown = rope_definition(6, 4, "def run(q, k, cos_sin_cache, positions):\n    pass\n");
  EXPECT_FALSE(has_reference(unknown));
  const std::map<std::string, std::int64_t> axes = {{"num_tokens", 1}, {"num_qo_heads", 1}, {"num_kv_heads", 1},
                                                    {"head_size", 6},  {"rotary_dim", 4},   {"max_seq_len", 2}};
  TensorMap in;
  in["q"] = tensor({1, 1, 6}, {1, 2, 3, 4, 5, 6});
  in["k"] = tensor({1, 1, 6}, {1, 2, 3, 4, 5, 6});
  in["cos_sin_cache"] = tensor({2, 4}, {1, 1, 0, 0, 1, 1, 0, 0});
  in["positions"] = tensor({1}, {2});
  auto out = run_reference(rope_definition(6, 4, "neox"), axes, in);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("positions[0] = 2 is outside"), std::string::npos) << out.error().message;
}

}  // namespace
}  // namespace kjit::runtime::reference
