// Tests for the attention references (gqa_paged, gqa_ragged, mla_paged,
// mla_ragged): hand-computed tiny cases (one key gives v, equal keys
// average, base-2 lse, empty sequences), bottom-right causal masks and
// partially filled pages against a naive oracle, GQA head mapping, errors,
// and thread-count independence.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;
using Shape = std::vector<std::string>;

constexpr double k_inf = std::numeric_limits<double>::infinity();

// gqa_paged with H qo heads, KV kv heads, head dim D, page size P.
Definition gqa_paged_definition(bool prefill, bool last_page_len, std::int64_t h, std::int64_t kv, std::int64_t d,
                                std::int64_t p) {
  std::vector<AxisDecl> axes = {{"num_qo_heads", h}, {"num_kv_heads", kv}, {"head_dim", d}, {"page_size", p},
                                {"num_pages", std::nullopt}, {"len_indptr", std::nullopt},
                                {"num_kv_indices", std::nullopt}, {prefill ? "total_q" : "batch_size", std::nullopt}};
  const std::string rows = prefill ? "total_q" : "batch_size";
  if (prefill) axes.push_back({"batch_size", std::nullopt});
  std::vector<SpecDecl> inputs = {{"q", Shape{rows, "num_qo_heads", "head_dim"}},
                                  {"k_cache", Shape{"num_pages", "page_size", "num_kv_heads", "head_dim"}},
                                  {"v_cache", Shape{"num_pages", "page_size", "num_kv_heads", "head_dim"}}};
  if (prefill) inputs.push_back({"qo_indptr", Shape{"len_indptr"}, Dtype::int32});
  inputs.push_back({"kv_indptr", Shape{"len_indptr"}, Dtype::int32});
  inputs.push_back({"kv_indices", Shape{"num_kv_indices"}, Dtype::int32});
  if (last_page_len) inputs.push_back({"kv_last_page_len", Shape{"batch_size"}, Dtype::int32});
  inputs.push_back({"sm_scale", std::nullopt, Dtype::float32});
  return make_definition(prefill ? "gqa_paged_prefill_causal_test" : "gqa_paged_decode_test", "gqa_paged", axes,
                         inputs,
                         {{"output", Shape{rows, "num_qo_heads", "head_dim"}},
                          {"lse", Shape{rows, "num_qo_heads"}, Dtype::float32}});
}

Definition ragged_definition(std::string op_type, std::int64_t h, std::int64_t kv, std::int64_t dqk,
                             std::int64_t dv) {
  return make_definition(op_type + "_prefill_causal_test", op_type,
                         {{"num_qo_heads", h}, {"num_kv_heads", kv}, {"qk_dim", dqk}, {"vo_dim", dv},
                          {"total_q", std::nullopt}, {"total_kv", std::nullopt}, {"len_indptr", std::nullopt}},
                         {{"q", Shape{"total_q", "num_qo_heads", "qk_dim"}},
                          {"k", Shape{"total_kv", "num_kv_heads", "qk_dim"}},
                          {"v", Shape{"total_kv", "num_kv_heads", "vo_dim"}},
                          {"qo_indptr", Shape{"len_indptr"}, Dtype::int32},
                          {"kv_indptr", Shape{"len_indptr"}, Dtype::int32},
                          {"sm_scale", std::nullopt, Dtype::float32}},
                         {{"output", Shape{"total_q", "num_qo_heads", "vo_dim"}},
                          {"lse", Shape{"total_q", "num_qo_heads"}, Dtype::float32}});
}

Definition mla_paged_definition(bool prefill, std::int64_t h, std::int64_t ckv, std::int64_t kpe, std::int64_t p) {
  const std::string rows = prefill ? "total_q" : "batch_size";
  std::vector<SpecDecl> inputs = {{"q_nope", Shape{rows, "num_qo_heads", "head_dim_ckv"}},
                                  {"q_pe", Shape{rows, "num_qo_heads", "head_dim_kpe"}},
                                  {"ckv_cache", Shape{"num_pages", "page_size", "head_dim_ckv"}},
                                  {"kpe_cache", Shape{"num_pages", "page_size", "head_dim_kpe"}}};
  if (prefill) inputs.push_back({"qo_indptr", Shape{"len_indptr"}, Dtype::int32});
  inputs.push_back({"kv_indptr", Shape{"len_indptr"}, Dtype::int32});
  inputs.push_back({"kv_indices", Shape{"num_kv_indices"}, Dtype::int32});
  if (p > 1) inputs.push_back({"kv_last_page_len", Shape{"batch_size"}, Dtype::int32});
  inputs.push_back({"sm_scale", std::nullopt, Dtype::float32});
  return make_definition(prefill ? "mla_paged_prefill_causal_test" : "mla_paged_decode_test", "mla_paged",
                         {{"num_qo_heads", h}, {"head_dim_ckv", ckv}, {"head_dim_kpe", kpe}, {"page_size", p},
                          {rows, std::nullopt}, {"batch_size", std::nullopt}, {"num_pages", std::nullopt},
                          {"len_indptr", std::nullopt}, {"num_kv_indices", std::nullopt}},
                         inputs,
                         {{"output", Shape{rows, "num_qo_heads", "head_dim_ckv"}},
                          {"lse", Shape{rows, "num_qo_heads"}, Dtype::float32}});
}

TEST(AttentionReferenceTest, OneKeyGivesItsValueAndLseIsTheScaledLogitInBase2) {
  auto def = gqa_paged_definition(false, false, 2, 1, 2, 1);
  TensorMap in;
  in["q"] = tensor({1, 2, 2}, {1, 0, 0, 2});
  in["k_cache"] = tensor({1, 1, 1, 2}, {3, 4});
  in["v_cache"] = tensor({1, 1, 1, 2}, {5, -6});
  in["kv_indptr"] = index_tensor({0, 1});
  in["kv_indices"] = index_tensor({0});
  in["sm_scale"] = scalar_tensor(0.5);
  auto out = run_reference(def, {{"batch_size", 1}, {"num_qo_heads", 2}, {"num_kv_heads", 1}, {"head_dim", 2},
                                 {"page_size", 1}, {"num_pages", 1}, {"len_indptr", 2}, {"num_kv_indices", 1}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("output").data, (std::vector<double>{5, -6, 5, -6}));
  // lse = logit / ln 2: head 0: 3 * 0.5 = 1.5; head 1: 8 * 0.5 = 4.
  EXPECT_DOUBLE_EQ(out->at("lse").data[0], 1.5 / std::numbers::ln2);
  EXPECT_DOUBLE_EQ(out->at("lse").data[1], 4.0 / std::numbers::ln2);
}

TEST(AttentionReferenceTest, TwoEqualKeysAverageValuesAndAddOneToLse) {
  auto def = gqa_paged_definition(false, false, 1, 1, 2, 1);
  TensorMap in;
  in["q"] = tensor({1, 1, 2}, {1, 1});
  in["k_cache"] = tensor({2, 1, 1, 2}, {1, 0, 0, 1});  // q.k = 1 for both
  in["v_cache"] = tensor({2, 1, 1, 2}, {2, 4, 6, 0});
  in["kv_indptr"] = index_tensor({0, 2});
  in["kv_indices"] = index_tensor({1, 0});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"batch_size", 1}, {"num_qo_heads", 1}, {"num_kv_heads", 1}, {"head_dim", 2},
                                 {"page_size", 1}, {"num_pages", 2}, {"len_indptr", 2}, {"num_kv_indices", 2}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_DOUBLE_EQ(out->at("output").data[0], 4.0);
  EXPECT_DOUBLE_EQ(out->at("output").data[1], 2.0);
  // log2(e^1 + e^1) = 1 / ln 2 + 1.
  EXPECT_DOUBLE_EQ(out->at("lse").data[0], 1.0 / std::numbers::ln2 + 1.0);
}

TEST(AttentionReferenceTest, EmptySequenceGivesZerosAndMinusInfinity) {
  auto def = gqa_paged_definition(false, true, 2, 1, 2, 4);
  TensorMap in;
  in["q"] = tensor({3, 2, 2}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  in["k_cache"] = tensor({1, 4, 1, 2}, std::vector<double>(8, 1));
  in["v_cache"] = tensor({1, 4, 1, 2}, std::vector<double>(8, 3));
  in["kv_indptr"] = index_tensor({0, 0, 1, 2});  // seq 0 no pages; seq 2 one page with 0 tokens
  in["kv_indices"] = index_tensor({0, 0});
  in["kv_last_page_len"] = index_tensor({0, 2, 0});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"batch_size", 3}, {"num_qo_heads", 2}, {"num_kv_heads", 1}, {"head_dim", 2},
                                 {"page_size", 4}, {"num_pages", 1}, {"len_indptr", 4}, {"num_kv_indices", 2}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  const auto& o = out->at("output").data;
  const auto& lse = out->at("lse").data;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(o[i], 0.0);
  EXPECT_EQ(lse[0], -k_inf);
  EXPECT_EQ(lse[1], -k_inf);
  for (int i = 4; i < 8; ++i) EXPECT_DOUBLE_EQ(o[i], 3.0);
  EXPECT_DOUBLE_EQ(lse[2], 2.0 / std::numbers::ln2 + 1.0);  // two tokens, logit 2 each
  for (int i = 8; i < 12; ++i) EXPECT_EQ(o[i], 0.0);
  EXPECT_EQ(lse[4], -k_inf);
}

// Random prefill over pages of size `page` with partially filled last pages,
// compared with the naive oracle on explicitly gathered, causally cut keys.
void check_paged_prefill(std::int64_t page, unsigned threads) {
  const std::int64_t h = 4, kv = 2, d = 8, group = h / kv;
  const std::vector<std::int64_t> q_lens = {3, 1, 0, 5, 2};
  const std::vector<std::int64_t> kv_lens = {7, 1, 4, 5, 0};  // q_len <= kv_len except where empty
  std::mt19937_64 rng(page * 31 + threads);
  std::vector<std::int64_t> qo_indptr{0}, kv_indptr{0}, indices, last;
  std::int64_t next_page = 0;
  for (std::size_t b = 0; b < q_lens.size(); ++b) {
    qo_indptr.push_back(qo_indptr.back() + q_lens[b]);
    std::int64_t pages = (kv_lens[b] + page - 1) / page;
    for (std::int64_t i = 0; i < pages; ++i) indices.push_back((next_page++ * 5) % 23);  // scattered page ids
    kv_indptr.push_back(static_cast<std::int64_t>(indices.size()));
    last.push_back(pages ? kv_lens[b] - (pages - 1) * page : 0);
  }
  const std::int64_t total_q = qo_indptr.back(), num_pages = 23, batch = 5;
  TensorMap in;
  in["q"] = random_tensor({total_q, h, d}, rng);
  in["k_cache"] = random_tensor({num_pages, page, kv, d}, rng);
  in["v_cache"] = random_tensor({num_pages, page, kv, d}, rng);
  in["qo_indptr"] = index_tensor(qo_indptr);
  in["kv_indptr"] = index_tensor(kv_indptr);
  in["kv_indices"] = index_tensor(indices);
  in["kv_last_page_len"] = index_tensor(last);
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  in["sm_scale"] = scalar_tensor(scale);
  auto def = gqa_paged_definition(true, true, h, kv, d, page);
  auto out = run_reference(def,
                           {{"total_q", total_q}, {"batch_size", batch}, {"num_qo_heads", h}, {"num_kv_heads", kv},
                            {"head_dim", d}, {"page_size", page}, {"num_pages", num_pages}, {"len_indptr", batch + 1},
                            {"num_kv_indices", static_cast<std::int64_t>(indices.size())}},
                           in, {.threads = threads});
  ASSERT_TRUE(out) << out.error().message;
  auto row = [&](const RefTensor& t, std::int64_t offset, std::int64_t n) {
    return std::vector<double>(t.data.begin() + offset, t.data.begin() + offset + n);
  };
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t i = 0; i < q_lens[b]; ++i) {
      const std::int64_t qi = qo_indptr[b] + i;
      const std::int64_t visible = std::min(kv_lens[b], i + kv_lens[b] - q_lens[b] + 1);  // bottom-right
      for (std::int64_t hh = 0; hh < h; ++hh) {
        std::vector<std::vector<double>> keys, values;
        for (std::int64_t t = 0; t < visible; ++t) {
          std::int64_t pg = indices[kv_indptr[b] + t / page];
          std::int64_t off = ((pg * page + t % page) * kv + hh / group) * d;
          keys.push_back(row(in["k_cache"], off, d));
          values.push_back(row(in["v_cache"], off, d));
        }
        auto expect = naive_attention(row(in["q"], (qi * h + hh) * d, d), keys, values, scale, d);
        for (std::int64_t x = 0; x < d; ++x) {
          ASSERT_NEAR(out->at("output").data[(qi * h + hh) * d + x], expect.out[x], 1e-12)
              << "page " << page << " seq " << b << " query " << i << " head " << hh;
        }
        if (std::isinf(expect.lse)) {
          ASSERT_EQ(out->at("lse").data[qi * h + hh], expect.lse);  // no visible key
        } else {
          ASSERT_NEAR(out->at("lse").data[qi * h + hh], expect.lse, 1e-12);
        }
      }
    }
  }
}

TEST(AttentionReferenceTest, PagedPrefillPageSizeOneMatchesNaiveCausal) { check_paged_prefill(1, 1); }
TEST(AttentionReferenceTest, PagedPrefillPageSize64PartialLastPageMatchesNaive) { check_paged_prefill(64, 4); }
TEST(AttentionReferenceTest, PagedPrefillPageSize3MatchesNaive) { check_paged_prefill(3, 2); }

TEST(AttentionReferenceTest, CausalMaskIsBottomRightAligned) {
  // One sequence, 2 queries, 3 keys, all logits 0: query 0 sees keys 0..1,
  // query 1 sees keys 0..2 (top-left alignment would give 1 and 2 keys).
  auto def = ragged_definition("gqa_ragged", 1, 1, 1, 1);
  TensorMap in;
  in["q"] = tensor({2, 1, 1}, {0, 0});
  in["k"] = tensor({3, 1, 1}, {1, 1, 1});
  in["v"] = tensor({3, 1, 1}, {3, 6, 30});
  in["qo_indptr"] = index_tensor({0, 2});
  in["kv_indptr"] = index_tensor({0, 3});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"num_qo_heads", 1}, {"num_kv_heads", 1}, {"qk_dim", 1}, {"vo_dim", 1},
                                 {"total_q", 2}, {"total_kv", 3}, {"len_indptr", 2}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_DOUBLE_EQ(out->at("output").data[0], 4.5);
  EXPECT_DOUBLE_EQ(out->at("output").data[1], 13.0);
  EXPECT_DOUBLE_EQ(out->at("lse").data[0], 1.0);  // log2(2)
  EXPECT_DOUBLE_EQ(out->at("lse").data[1], std::log2(3.0));
}

TEST(AttentionReferenceTest, QueriesBeyondKeysSeeNothing) {
  // 3 queries, 1 key: delta = -2, so only the last query sees the key.
  auto def = ragged_definition("gqa_ragged", 1, 1, 1, 1);
  TensorMap in;
  in["q"] = tensor({3, 1, 1}, {1, 1, 1});
  in["k"] = tensor({1, 1, 1}, {1});
  in["v"] = tensor({1, 1, 1}, {7});
  in["qo_indptr"] = index_tensor({0, 3});
  in["kv_indptr"] = index_tensor({0, 1});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"num_qo_heads", 1}, {"num_kv_heads", 1}, {"qk_dim", 1}, {"vo_dim", 1},
                                 {"total_q", 3}, {"total_kv", 1}, {"len_indptr", 2}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("output").data, (std::vector<double>{0, 0, 7}));
  EXPECT_EQ(out->at("lse").data[0], -k_inf);
  EXPECT_EQ(out->at("lse").data[1], -k_inf);
  EXPECT_DOUBLE_EQ(out->at("lse").data[2], 1.0 / std::numbers::ln2);
}

TEST(AttentionReferenceTest, GqaHeadsShareKvHeadByIntegerDivision) {
  // 4 qo heads, 2 kv heads: heads 0,1 read kv head 0; heads 2,3 read kv head 1.
  auto def = ragged_definition("gqa_ragged", 4, 2, 1, 1);
  TensorMap in;
  in["q"] = tensor({1, 4, 1}, {1, 1, 1, 1});
  in["k"] = tensor({1, 2, 1}, {1, 1});
  in["v"] = tensor({1, 2, 1}, {10, 20});
  in["qo_indptr"] = index_tensor({0, 1});
  in["kv_indptr"] = index_tensor({0, 1});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"num_qo_heads", 4}, {"num_kv_heads", 2}, {"qk_dim", 1}, {"vo_dim", 1},
                                 {"total_q", 1}, {"total_kv", 1}, {"len_indptr", 2}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("output").data, (std::vector<double>{10, 10, 20, 20}));
}

TEST(AttentionReferenceTest, MlaRaggedUsesSeparateValueDim) {
  auto def = ragged_definition("mla_ragged", 2, 2, 3, 2);
  std::mt19937_64 rng(11);
  TensorMap in;
  in["q"] = random_tensor({4, 2, 3}, rng);
  in["k"] = random_tensor({5, 2, 3}, rng);
  in["v"] = random_tensor({5, 2, 2}, rng);
  in["qo_indptr"] = index_tensor({0, 1, 4});
  in["kv_indptr"] = index_tensor({0, 2, 5});
  in["sm_scale"] = scalar_tensor(0.7);
  auto out = run_reference(def, {{"num_qo_heads", 2}, {"num_kv_heads", 2}, {"qk_dim", 3}, {"vo_dim", 2},
                                 {"total_q", 4}, {"total_kv", 5}, {"len_indptr", 3}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(out->at("output").shape, (std::vector<std::int64_t>{4, 2, 2}));
  // Query 2 (second of sequence 1, 3 queries over 3 keys) sees keys 2..3 for head 1.
  auto slice = [](const RefTensor& t, std::size_t off, std::size_t n) {
    return std::vector<double>(t.data.begin() + off, t.data.begin() + off + n);
  };
  auto expect = naive_attention(slice(in["q"], (2 * 2 + 1) * 3, 3),
                                {slice(in["k"], (2 * 2 + 1) * 3, 3), slice(in["k"], (3 * 2 + 1) * 3, 3)},
                                {slice(in["v"], (2 * 2 + 1) * 2, 2), slice(in["v"], (3 * 2 + 1) * 2, 2)}, 0.7, 2);
  EXPECT_NEAR(out->at("output").data[(2 * 2 + 1) * 2], expect.out[0], 1e-13);
  EXPECT_NEAR(out->at("output").data[(2 * 2 + 1) * 2 + 1], expect.out[1], 1e-13);
  EXPECT_NEAR(out->at("lse").data[2 * 2 + 1], expect.lse, 1e-13);
}

TEST(AttentionReferenceTest, MlaPagedCombinesCkvAndKpeAndReturnsCkv) {
  // 1 head, ckv dim 2, kpe dim 1, page size 2, one sequence of 3 tokens
  // on pages {1, 0} (last page holds 1 token).
  auto def = mla_paged_definition(false, 1, 2, 1, 2);
  TensorMap in;
  in["q_nope"] = tensor({1, 1, 2}, {1, 0});
  in["q_pe"] = tensor({1, 1, 1}, {1});
  // page 0: tokens (ckv, kpe) = ([0, 9], 0), ([9, 9], 9 - unused slot)
  // page 1: tokens ([1, 1], 0), ([0, 2], 1)
  in["ckv_cache"] = tensor({2, 2, 2}, {0, 9, 9, 9, 1, 1, 0, 2});
  in["kpe_cache"] = tensor({2, 2, 1}, {0, 9, 0, 1});
  in["kv_indptr"] = index_tensor({0, 2});
  in["kv_indices"] = index_tensor({1, 0});
  in["kv_last_page_len"] = index_tensor({1});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"batch_size", 1}, {"num_qo_heads", 1}, {"head_dim_ckv", 2}, {"head_dim_kpe", 1},
                                 {"page_size", 2}, {"num_pages", 2}, {"len_indptr", 2}, {"num_kv_indices", 2}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  // Logits: token0 [1,1]: 1 + 0 = 1; token1 [0,2]: 0 + 1 = 1; token2 [0,9]: 0 + 0 = 0.
  const double e = std::exp(1.0), z = 2 * e + 1;
  EXPECT_NEAR(out->at("output").data[0], e / z, 1e-15);
  EXPECT_NEAR(out->at("output").data[1], (e * 1 + e * 2 + 9) / z, 1e-14);
  EXPECT_NEAR(out->at("lse").data[0], std::log(z) / std::numbers::ln2, 1e-14);
}

TEST(AttentionReferenceTest, MlaPagedPrefillIsCausal) {
  auto def = mla_paged_definition(true, 1, 1, 1, 1);
  TensorMap in;
  in["q_nope"] = tensor({2, 1, 1}, {0, 0});
  in["q_pe"] = tensor({2, 1, 1}, {0, 0});
  in["ckv_cache"] = tensor({3, 1, 1}, {3, 6, 30});
  in["kpe_cache"] = tensor({3, 1, 1}, {0, 0, 0});
  in["qo_indptr"] = index_tensor({0, 2});
  in["kv_indptr"] = index_tensor({0, 3});
  in["kv_indices"] = index_tensor({0, 1, 2});
  in["sm_scale"] = scalar_tensor(1.0);
  auto out = run_reference(def, {{"total_q", 2}, {"batch_size", 1}, {"num_qo_heads", 1}, {"head_dim_ckv", 1},
                                 {"head_dim_kpe", 1}, {"page_size", 1}, {"num_pages", 3}, {"len_indptr", 2},
                                 {"num_kv_indices", 3}},
                           in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_DOUBLE_EQ(out->at("output").data[0], 4.5);
  EXPECT_DOUBLE_EQ(out->at("output").data[1], 13.0);
}

TEST(AttentionReferenceTest, MalformedIndexStructuresAreNamed) {
  auto def = gqa_paged_definition(false, true, 1, 1, 1, 2);
  std::map<std::string, std::int64_t> axes{{"batch_size", 1}, {"num_qo_heads", 1}, {"num_kv_heads", 1},
                                           {"head_dim", 1},   {"page_size", 2},    {"num_pages", 2},
                                           {"len_indptr", 2}, {"num_kv_indices", 1}};
  TensorMap in;
  in["q"] = tensor({1, 1, 1}, {1});
  in["k_cache"] = tensor({2, 2, 1, 1}, {1, 2, 3, 4});
  in["v_cache"] = tensor({2, 2, 1, 1}, {1, 2, 3, 4});
  in["kv_indptr"] = index_tensor({0, 1});
  in["kv_indices"] = index_tensor({2});
  in["kv_last_page_len"] = index_tensor({1});
  in["sm_scale"] = scalar_tensor(1.0);
  auto bad_page = run_reference(def, axes, in);
  ASSERT_FALSE(bad_page);
  EXPECT_EQ(bad_page.error().message,
            "reference for 'gqa_paged_decode_test': kv_indices[0] = 2 is outside [0, num_pages = 2)");
  in["kv_indices"] = index_tensor({1});
  in["kv_last_page_len"] = index_tensor({3});
  auto bad_last = run_reference(def, axes, in);
  ASSERT_FALSE(bad_last);
  EXPECT_EQ(bad_last.error().message,
            "reference for 'gqa_paged_decode_test': kv_last_page_len[0] = 3 is outside [0, page_size = 2]");
  in["kv_last_page_len"] = index_tensor({2});
  in["kv_indptr"] = index_tensor({1, 0});
  auto bad_indptr = run_reference(def, axes, in);
  ASSERT_FALSE(bad_indptr);
  EXPECT_NE(bad_indptr.error().message.find("kv_indptr decreases at [1]"), std::string::npos);
  in["kv_indptr"] = index_tensor({0, 1});
  in["kv_indices"] = tensor({1}, {0.5});
  auto fractional = run_reference(def, axes, in);
  ASSERT_FALSE(fractional);
  EXPECT_NE(fractional.error().message.find("'kv_indices'[0] = 0.5 is not an integer"), std::string::npos);
}

TEST(AttentionReferenceTest, ThreadCountDoesNotChangeBits) {
  auto def = ragged_definition("gqa_ragged", 8, 2, 16, 16);
  std::mt19937_64 rng(3);
  const std::vector<std::int64_t> qo{0, 100, 101, 180}, kv{0, 150, 300, 380};
  TensorMap in;
  in["q"] = random_tensor({180, 8, 16}, rng);
  in["k"] = random_tensor({380, 2, 16}, rng);
  in["v"] = random_tensor({380, 2, 16}, rng);
  in["qo_indptr"] = index_tensor(qo);
  in["kv_indptr"] = index_tensor(kv);
  in["sm_scale"] = scalar_tensor(0.25);
  std::map<std::string, std::int64_t> axes{{"num_qo_heads", 8}, {"num_kv_heads", 2}, {"qk_dim", 16},
                                           {"vo_dim", 16},      {"total_q", 180},    {"total_kv", 380},
                                           {"len_indptr", 4}};
  auto one = run_reference(def, axes, in, {.threads = 1});
  auto many = run_reference(def, axes, in, {.threads = 5});
  auto again = run_reference(def, axes, in, {.threads = 5});
  ASSERT_TRUE(one && many && again);
  EXPECT_EQ(one->at("output").data, many->at("output").data);
  EXPECT_EQ(one->at("lse").data, many->at("lse").data);
  EXPECT_EQ(many->at("output").data, again->at("output").data);
}

}  // namespace
}  // namespace kjit::runtime::reference
