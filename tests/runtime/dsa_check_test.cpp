// Tests for flashinfer-bench's DSA evaluators in C++ (runtime/dsa_check.h):
// the indexer's set rule (order-free, ties at the k-th score either way, a
// wrong set, unreachable and duplicate indices, -1 padding) and the sparse
// attention's non-finite rule, plus which definitions each rule judges.
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/dsa_check.h"
#include "runtime/inputs.h"
#include "runtime/reference/dsa.h"
#include "tests/reference/dsa_definitions.h"

namespace kjit::runtime {
namespace {

using reference::testing::dsa_indexer_definition;
using reference::testing::make_definition;
using Shape = std::vector<std::string>;

jit::Definition indexer_def(std::int64_t topk) { return dsa_indexer_definition(4, 16, 4, topk); }

// Generated inputs (kjit's DSA plan), their float64 copies and the reference output.
struct Case {
  jit::Definition def;
  InputSet set;
  reference::TensorMap inputs;
  HostTensor ref;
};

Case make_case(std::int64_t topk, const AxisValues& axes, std::optional<std::int64_t> kv_len = std::nullopt) {
  Case c{indexer_def(topk), {}, {}, {}};
  InputOptions options;
  options.seed = 5;
  options.sequences.kv_len = kv_len;
  auto set = make_inputs(c.def, nullptr, axes, options);
  EXPECT_TRUE(set) << (set ? "" : set.error().message);
  c.set = std::move(*set);
  for (const auto& [name, t] : c.set.inputs) c.inputs[name] = reference::RefTensor{t.shape, t.to_doubles()};
  auto out = reference::run_reference(c.def, c.set.binding.values, c.inputs);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  const auto& r = out->at("topk_indices");
  c.ref = *HostTensor::from_doubles(Dtype::int32, r.shape, r.data);
  return c;
}

DsaIndexerReport judge(const Case& c, const HostTensor& output) {
  auto r = compare_dsa_topk_indices(c.def, c.inputs, output, c.ref);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return *r;
}

TEST(DsaCheckTest, TheReferenceInAnyOrderPasses) {
  Case c = make_case(8, {{"batch_size", 5}});
  DsaIndexerReport same = judge(c, c.ref);
  EXPECT_EQ(same.compare.status, CompareStatus::passed) << same.compare.message;
  EXPECT_EQ(same.compare.max_abs_error, 0.0);
  EXPECT_EQ(same.compare.matched_ratio, 1.0);
  HostTensor reversed = c.ref;
  for (std::int64_t b = 0; b < 5; ++b) {
    std::vector<std::int64_t> row;
    for (std::int64_t i = 0; i < 8; ++i) row.push_back(c.ref.get_int(b * 8 + i));
    std::reverse(row.begin(), row.end());
    for (std::int64_t i = 0; i < 8; ++i) reversed.set_int(b * 8 + i, row[static_cast<std::size_t>(i)]);
  }
  DsaIndexerReport r = judge(c, reversed);
  EXPECT_EQ(r.compare.status, CompareStatus::passed) << r.compare.message;
  const auto f = r.figures();
  EXPECT_EQ(f["evaluator"], "DsaTopkIndexerEvaluator");
  EXPECT_EQ(f["status"], "PASSED");
  EXPECT_EQ(f["out_of_range_rows"].size(), 0u);
  EXPECT_EQ(f["padded_reference"], f["padded_output"]);
}

TEST(DsaCheckTest, ATieAtTheKthScoreMayBeBrokenEitherWay) {
  // One row whose every key is equal: all 12 tokens tie; the reference keeps the first 8, a
  // kernel that keeps the last 8 is as right.
  Case c = make_case(8, {{"batch_size", 1}}, 12);
  auto& cache = c.inputs["k_index_cache_fp8"];
  const std::int64_t pages = cache.shape[0];
  std::vector<float> keys(static_cast<std::size_t>(pages * 4 * 16), 0.5f);
  HostTensor packed = pack_fp8_key_cache(keys, pages, 4, 16);
  cache.data = packed.to_doubles();
  auto out = reference::run_reference(c.def, c.set.binding.values, c.inputs);
  ASSERT_TRUE(out);
  c.ref = *HostTensor::from_doubles(Dtype::int32, out->at("topk_indices").shape, out->at("topk_indices").data);
  const HostTensor* table = c.set.find("block_table");
  HostTensor last8 = c.ref;
  for (std::int64_t i = 0; i < 8; ++i) {
    const std::int64_t j = 4 + i;  // tokens 4 .. 11
    last8.set_int(i, table->get_int(j / 4) * 4 + j % 4);
  }
  ASSERT_NE(last8.bytes, c.ref.bytes);
  DsaIndexerReport r = judge(c, last8);
  EXPECT_EQ(r.compare.status, CompareStatus::passed) << r.compare.message;
  EXPECT_EQ(r.compare.max_abs_error, 0.0);
}

TEST(DsaCheckTest, AWrongSetIsRejectedByItsScores) {
  Case c = make_case(8, {{"batch_size", 1}}, 40);
  auto p = reference::indexer_problem(c.def, c.inputs, 8);
  ASSERT_TRUE(p);
  // Swap the best selected token for the worst unselected one.
  const HostTensor* table = c.set.find("block_table");
  std::vector<std::int64_t> chosen;
  for (std::int64_t i = 0; i < 8; ++i) chosen.push_back(c.ref.get_int(i));
  std::int64_t worst = -1;
  double worst_score = 0;
  for (std::int64_t j = 0; j < 40; ++j) {
    const std::int64_t slot = table->get_int(j / 4) * 4 + j % 4;
    if (std::find(chosen.begin(), chosen.end(), slot) != chosen.end()) continue;
    const double s = p->score(0, slot);
    if (worst < 0 || s < worst_score) worst = slot, worst_score = s;
  }
  ASSERT_LT(worst_score, p->score(0, chosen[0]) - 0.1);
  HostTensor wrong = c.ref;
  wrong.set_int(0, worst);
  DsaIndexerReport r = judge(c, wrong);
  EXPECT_EQ(r.compare.status, CompareStatus::incorrect_numerical) << r.compare.message;
  EXPECT_GT(r.compare.mismatched, 0);
  EXPECT_LT(r.compare.matched_ratio, 1.0);
  EXPECT_TRUE(r.out_of_range_rows.empty());
}

TEST(DsaCheckTest, UnreachableAndDuplicateIndicesAreRejectedWithTheirRows) {
  Case c = make_case(8, {{"batch_size", 3}}, 18);   // 5 pages per row, the last holding 2 tokens
  const HostTensor* table = c.set.find("block_table");
  // Row 1 names a token of row 0's first page: that page is not in row 1's table.
  HostTensor foreign = c.ref;
  foreign.set_int(8 + 3, table->get_int(0) * 4 + 1);
  DsaIndexerReport r = judge(c, foreign);
  EXPECT_EQ(r.compare.status, CompareStatus::incorrect_numerical);
  EXPECT_EQ(r.out_of_range_rows, (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(std::isinf(r.compare.max_abs_error));
  EXPECT_NE(r.compare.message.find("out-of-range indices in batch [1]"), std::string::npos) << r.compare.message;
  // A slot of the row's last page past its length (token 19 of 18) is out of range too.
  HostTensor past = c.ref;
  past.set_int(2 * 8, table->get_int(2 * table->shape[1] + 4) * 4 + 3);
  EXPECT_EQ(judge(c, past).out_of_range_rows, (std::vector<std::int64_t>{2}));
  HostTensor dup = c.ref;
  dup.set_int(2 * 8 + 1, dup.get_int(2 * 8));
  r = judge(c, dup);
  EXPECT_EQ(r.compare.status, CompareStatus::incorrect_numerical);
  EXPECT_EQ(r.duplicate_rows, (std::vector<std::int64_t>{2}));
  EXPECT_NE(r.compare.message.find("duplicate indices in batch [2]"), std::string::npos) << r.compare.message;
}

TEST(DsaCheckTest, PaddingMustSitWhereTheReferencePads) {
  // Rows of 5 tokens with topk 8: 3 entries of -1 each.
  Case c = make_case(8, {{"batch_size", 2}}, 5);
  DsaIndexerReport ok = judge(c, c.ref);
  EXPECT_EQ(ok.compare.status, CompareStatus::passed) << ok.compare.message;
  EXPECT_EQ(ok.padded_reference, 6);
  HostTensor other_negative = c.ref;   // any negative value is padding to the evaluator
  for (std::int64_t i = 0; i < 16; ++i)
    if (other_negative.get_int(i) == -1) other_negative.set_int(i, -7);
  EXPECT_EQ(judge(c, other_negative).compare.status, CompareStatus::passed);
  HostTensor dropped = c.ref;   // a selected token dropped for padding
  dropped.set_int(0, -1);
  DsaIndexerReport r = judge(c, dropped);
  EXPECT_EQ(r.compare.status, CompareStatus::incorrect_numerical);
  EXPECT_EQ(r.compare.non_finite_mismatched, 1);
  EXPECT_TRUE(std::isinf(r.compare.max_abs_error));
}

TEST(DsaCheckTest, ShapeAndDtypeComeFirst) {
  Case c = make_case(8, {{"batch_size", 2}});
  HostTensor narrow = HostTensor::zeros(Dtype::int32, {2, 7});
  EXPECT_EQ(judge(c, narrow).compare.status, CompareStatus::incorrect_shape);
  HostTensor wide = HostTensor::zeros(Dtype::int64, {2, 8});
  EXPECT_EQ(judge(c, wide).compare.status, CompareStatus::incorrect_dtype);
}

TEST(DsaCheckTest, SparseAttentionRejectsAnyInfEvenWhereTheReferenceHasIt) {
  jit::Definition def = make_definition("dsa_sparse_attention_test", "dsa_paged",
                                        {{"num_tokens", std::nullopt}, {"topk", 4}},
                                        {{"sparse_indices", Shape{"num_tokens", "topk"}, Dtype::int32}},
                                        {{"lse", Shape{"num_tokens"}, Dtype::float32}});
  EXPECT_EQ(dsa_rule_for(def), DsaRule::sparse_attention);
  EXPECT_EQ(dsa_evaluator_name(DsaRule::sparse_attention), "DsaSparseAttentionEvaluator");
  const double inf = std::numeric_limits<double>::infinity();
  HostTensor lse = *HostTensor::from_doubles(Dtype::float32, {2}, std::vector<double>{1.0, -inf});
  nlohmann::ordered_json figures;
  auto r = compare_dsa_output(def, "lse", {}, lse, lse, {}, figures);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->status, CompareStatus::incorrect_numerical);
  EXPECT_EQ(figures["evaluator"], "DsaSparseAttentionEvaluator");
  EXPECT_EQ(figures["lse"]["status"], "INCORRECT_NUMERICAL");
  HostTensor near = *HostTensor::from_doubles(Dtype::float32, {2}, std::vector<double>{1.0, 2.0});
  HostTensor off = *HostTensor::from_doubles(Dtype::float32, {2}, std::vector<double>{1.005, 2.5});
  r = compare_dsa_output(def, "lse", {}, off, near, {}, figures);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->mismatched, 1);   // 2.5 vs 2.0 fails both atol and rtol; 1.005 vs 1.0 passes
}

TEST(DsaCheckTest, RulesApplyByStructure) {
  EXPECT_EQ(dsa_rule_for(indexer_def(8)), DsaRule::topk_indexer);
  jit::Definition other = indexer_def(8);
  other.op_type = "gqa_paged";
  EXPECT_EQ(dsa_rule_for(other), DsaRule::none);
  nlohmann::ordered_json figures;
  EXPECT_FALSE(compare_dsa_output(other, "topk_indices", {}, HostTensor{}, HostTensor{}, {}, figures).has_value());
}

}  // namespace
}  // namespace kjit::runtime
