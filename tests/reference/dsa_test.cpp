// Tests for the dsa_paged references: the indexer's FP8 dequantization and
// scores against hand values and a naive loop, top-k order, ties and -1
// padding, shuffled block tables, errors; the sparse attention against the
// naive attention oracle with -1 entries anywhere, empty rows, page-size
// flattening and errors; dispatch between the two ops.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "jit/definition/parse.h"
#include "runtime/dsa_inputs.h"
#include "runtime/dtype_convert.h"
#include "runtime/reference/dsa.h"
#include "tests/reference/dsa_definitions.h"
#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference {
namespace {

using namespace testing;
constexpr double k_inf = std::numeric_limits<double>::infinity();

// A packed cache as the reference receives it (int8 values as doubles).
RefTensor cache_tensor(const std::vector<float>& keys, std::int64_t pages, std::int64_t ps, std::int64_t dim) {
  HostTensor packed = pack_fp8_key_cache(keys, pages, ps, dim);
  return RefTensor{packed.shape, packed.to_doubles()};
}

// One small indexer problem: `lens` rows, keys chosen by `key(token_slot, d)`.
struct IndexerCase {
  Definition def;
  std::map<std::string, std::int64_t> axes;
  TensorMap in;
};

IndexerCase indexer_case(std::int64_t heads, std::int64_t dim, std::int64_t ps, std::int64_t topk,
                         const std::vector<std::int64_t>& lens, std::int64_t max_pages, std::int64_t pages,
                         const std::vector<std::vector<std::int64_t>>& table, std::mt19937_64& rng) {
  IndexerCase c{dsa_indexer_definition(heads, dim, ps, topk), {}, {}};
  const auto batch = static_cast<std::int64_t>(lens.size());
  c.axes = {{"batch_size", batch}, {"num_index_heads", heads}, {"index_head_dim", dim}, {"page_size", ps},
            {"topk", topk}, {"max_num_pages", max_pages}, {"num_pages", pages}, {"kv_cache_num_heads", 1},
            {"head_dim_with_scale", dim + 4}};
  std::normal_distribution<double> normal(0.0, 1.0);
  RefTensor q{{batch, heads, dim}, {}};
  for (std::int64_t i = 0; i < batch * heads * dim; ++i)
    q.data.push_back(e4m3fn_bits_to_float(float_to_e4m3fn_bits(static_cast<float>(std::clamp(normal(rng), -2.0, 2.0)))));
  std::vector<float> keys(static_cast<std::size_t>(pages * ps * dim));
  for (auto& k : keys) k = bf16_bits_to_float(float_to_bf16_bits(static_cast<float>(normal(rng))));
  RefTensor w{{batch, heads}, {}};
  for (std::int64_t i = 0; i < batch * heads; ++i) w.data.push_back(static_cast<float>(normal(rng)));
  RefTensor bt{{batch, max_pages}, std::vector<double>(static_cast<std::size_t>(batch * max_pages), 0.0)};
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::size_t j = 0; j < table[static_cast<std::size_t>(b)].size(); ++j)
      bt.data[static_cast<std::size_t>(b * max_pages) + j] = static_cast<double>(table[static_cast<std::size_t>(b)][j]);
  c.in["q_index_fp8"] = q;
  c.in["k_index_cache_fp8"] = cache_tensor(keys, pages, ps, dim);
  c.in["weights"] = w;
  c.in["seq_lens"] = index_tensor(lens);
  c.in["block_table"] = bt;
  return c;
}

TEST(DsaIndexerReferenceTest, DequantizesTheDeepGemmPageLayout) {
  // Page of 2 tokens x 4 dims: FP8 bytes token-major, then the two float32 scales.
  const std::vector<std::uint8_t> fp8 = {0x38, 0xb8, 0x40, 0x00, /* token 1 */ 0x30, 0x3c, 0x48, 0x01};
  // e4m3: 0x38 = 1, 0xb8 = -1, 0x40 = 2, 0x00 = 0, 0x30 = 0.5, 0x3c = 1.5, 0x48 = 4, 0x01 = 2^-9
  const float scales[2] = {0.25f, 3.0f};
  RefTensor cache{{1, 2, 1, 8}, {}};
  std::vector<std::uint8_t> bytes(fp8);
  for (float s : scales) {
    std::uint8_t raw[4];
    std::memcpy(raw, &s, 4);
    bytes.insert(bytes.end(), raw, raw + 4);
  }
  for (auto b : bytes) cache.data.push_back(static_cast<double>(static_cast<std::int8_t>(b)));
  Definition def = dsa_indexer_definition(1, 4, 2, 2);
  TensorMap in{{"q_index_fp8", tensor({1, 1, 4}, {1, 0, 0, 0})},
               {"k_index_cache_fp8", cache},
               {"weights", tensor({1, 1}, {1})},
               {"seq_lens", index_tensor({2})},
               {"block_table", tensor({1, 1}, {0})}};
  auto p = indexer_problem(def, in, 2);
  ASSERT_TRUE(p) << p.error().message;
  const std::vector<float> want = {0.25f, -0.25f, 0.5f, 0.0f, 1.5f, 4.5f, 12.0f, 3.0f * 0.001953125f};
  ASSERT_EQ(p->keys.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(p->keys[i], want[i]) << i;
  EXPECT_TRUE(std::isnan(dequantize_e4m3(0x7f, 1.0f)));
}

TEST(DsaIndexerReferenceTest, ScoresAreReluOfDotsWeightedOverHeads) {
  // 2 heads, dim 4, one page of 4 tokens, scale 1 (keys of amax 448 pack with scale exactly 1).
  Definition def = dsa_indexer_definition(2, 4, 4, 3);
  std::vector<float> keys = {448, 0, 0, 0, /**/ 0, 448, 0, 0, /**/ 448, 448, 0, 0, /**/ -448, 0, 0, 0};
  TensorMap in{{"q_index_fp8", tensor({1, 2, 4}, {1, 0, 0, 0, /* head 1 */ 0, 1, 0, 0})},
               {"k_index_cache_fp8", cache_tensor(keys, 1, 4, 4)},
               {"weights", tensor({1, 2}, {2.0, -1.0})},
               {"seq_lens", index_tensor({4})},
               {"block_table", tensor({1, 1}, {0})}};
  auto p = indexer_problem(def, in, 3);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_DOUBLE_EQ(p->score(0, 0), 2.0 * 448);               // relu(448) * 2 + relu(0) * -1
  EXPECT_DOUBLE_EQ(p->score(0, 1), -448.0);                   // head 1 only, weight -1
  EXPECT_DOUBLE_EQ(p->score(0, 2), 2.0 * 448 - 448);
  EXPECT_DOUBLE_EQ(p->score(0, 3), 0.0);                      // relu(-448) = 0
  std::map<std::string, std::int64_t> axes{{"batch_size", 1}, {"num_index_heads", 2}, {"index_head_dim", 4},
                                           {"page_size", 4}, {"topk", 3}, {"max_num_pages", 1}, {"num_pages", 1},
                                           {"kv_cache_num_heads", 1}, {"head_dim_with_scale", 8}};
  auto out = run_reference(def, axes, in);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->at("topk_indices").data, (std::vector<double>{0, 2, 3}));  // best first
}

TEST(DsaIndexerReferenceTest, MatchesANaiveLoopOverShuffledPagesWithPadding) {
  std::mt19937_64 rng(7);
  // 3 rows: longer than topk (selects), exactly topk, shorter (padded); pages scattered.
  const std::int64_t ps = 4, topk = 6;
  IndexerCase c = indexer_case(3, 8, ps, topk, {11, 6, 3}, 3, 9, {{7, 2, 5}, {0, 8}, {4}}, rng);
  auto out = run_reference(c.def, c.axes, c.in);
  ASSERT_TRUE(out) << out.error().message;
  const auto& got = out->at("topk_indices");
  ASSERT_EQ(got.shape, (std::vector<std::int64_t>{3, topk}));
  auto p = indexer_problem(c.def, c.in, topk);
  ASSERT_TRUE(p);
  const std::vector<std::vector<std::int64_t>> pages = {{7, 2, 5}, {0, 8}, {4}};
  for (std::int64_t b = 0; b < 3; ++b) {
    const std::int64_t len = p->seq_lens[static_cast<std::size_t>(b)];
    std::vector<std::pair<double, std::int64_t>> naive;
    for (std::int64_t j = 0; j < len; ++j) {
      const std::int64_t slot = pages[static_cast<std::size_t>(b)][static_cast<std::size_t>(j / ps)] * ps + j % ps;
      double s = 0;
      for (std::int64_t h = 0; h < 3; ++h) {
        double dot = 0;
        for (std::int64_t d = 0; d < 8; ++d)
          dot += c.in["q_index_fp8"].data[static_cast<std::size_t>((b * 3 + h) * 8 + d)] * p->keys[static_cast<std::size_t>(slot * 8 + d)];
        s += c.in["weights"].data[static_cast<std::size_t>(b * 3 + h)] * std::max(dot, 0.0);
      }
      naive.push_back({-s, slot});
    }
    std::sort(naive.begin(), naive.end());
    for (std::int64_t i = 0; i < topk; ++i) {
      const double want = i < len ? static_cast<double>(naive[static_cast<std::size_t>(i)].second) : -1.0;
      EXPECT_EQ(got.data[static_cast<std::size_t>(b * topk + i)], want) << "row " << b << " position " << i;
    }
  }
}

TEST(DsaIndexerReferenceTest, TiesGoToTheEarlierTokenAndEmptyRowsArePadding) {
  // Every key equal: all scores tie; the first topk tokens (in sequence order) are kept.
  Definition def = dsa_indexer_definition(1, 4, 2, 3);
  std::vector<float> keys(4 * 2 * 4, 1.0f);
  TensorMap in{{"q_index_fp8", tensor({2, 1, 4}, {1, 1, 1, 1, 1, 1, 1, 1})},
               {"k_index_cache_fp8", cache_tensor(keys, 4, 2, 4)},
               {"weights", tensor({2, 1}, {1, 1})},
               {"seq_lens", index_tensor({5, 0})},
               {"block_table", tensor({2, 3}, {3, 0, 2, 1, 1, 1})}};
  std::map<std::string, std::int64_t> axes{{"batch_size", 2}, {"num_index_heads", 1}, {"index_head_dim", 4},
                                           {"page_size", 2}, {"topk", 3}, {"max_num_pages", 3}, {"num_pages", 4},
                                           {"kv_cache_num_heads", 1}, {"head_dim_with_scale", 8}};
  auto out = run_reference(def, axes, in);
  ASSERT_TRUE(out) << out.error().message;
  // row 0: tokens 0, 1, 2 -> slots 3*2+0, 3*2+1, 0*2+0; row 1 is empty
  EXPECT_EQ(out->at("topk_indices").data, (std::vector<double>{6, 7, 0, -1, -1, -1}));
}

TEST(DsaIndexerReferenceTest, RejectsLengthsAndPagesOutsideTheCache) {
  std::mt19937_64 rng(3);
  IndexerCase c = indexer_case(2, 8, 4, 4, {9}, 2, 3, {{0, 1}}, rng);
  auto out = run_reference(c.def, c.axes, c.in);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("seq_lens[0] = 9 is outside [0, max_num_pages * page_size = 8]"), std::string::npos)
      << out.error().message;
  IndexerCase d = indexer_case(2, 8, 4, 4, {5}, 2, 3, {{0, 3}}, rng);
  out = run_reference(d.def, d.axes, d.in);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("block_table[0, 1] = 3 is not a page in [0, 3)"), std::string::npos)
      << out.error().message;
}

TEST(DsaSparseAttentionReferenceTest, MatchesNaiveAttentionSkippingPaddingAnywhere) {
  for (std::int64_t ps : {1, 4}) {
    std::mt19937_64 rng(11 + ps);
    const std::int64_t heads = 3, ckv = 8, kpe = 4, topk = 6, pages = 12 / ps, tokens = 3;
    Definition def = dsa_sparse_definition(heads, ckv, kpe, ps, topk);
    TensorMap in;
    in["q_nope"] = random_tensor({tokens, heads, ckv}, rng);
    in["q_pe"] = random_tensor({tokens, heads, kpe}, rng);
    in["ckv_cache"] = random_tensor({pages, ps, ckv}, rng);
    in["kpe_cache"] = random_tensor({pages, ps, kpe}, rng);
    // token 0: padding scattered; token 1: valid first; token 2: all padding
    in["sparse_indices"] = tensor({tokens, topk}, {5, -1, 0, 11, -1, 7, /**/ 3, 2, 1, -1, -1, -1, /**/ -1, -1, -1, -1, -1, -1});
    const double scale = 0.3;
    in["sm_scale"] = scalar_tensor(scale);
    std::map<std::string, std::int64_t> axes{{"num_tokens", tokens}, {"num_qo_heads", heads}, {"head_dim_ckv", ckv},
                                             {"head_dim_kpe", kpe}, {"page_size", ps}, {"topk", topk}, {"num_pages", pages}};
    auto out = run_reference(def, axes, in, {.threads = 2});
    ASSERT_TRUE(out) << out.error().message;
    const auto& o = out->at("output");
    const auto& lse = out->at("lse");
    const std::vector<std::vector<std::int64_t>> rows = {{5, 0, 11, 7}, {3, 2, 1}, {}};
    for (std::int64_t t = 0; t < tokens; ++t) {
      for (std::int64_t h = 0; h < heads; ++h) {
        std::vector<double> q;
        for (std::int64_t d = 0; d < ckv; ++d) q.push_back(in["q_nope"].data[static_cast<std::size_t>((t * heads + h) * ckv + d)]);
        for (std::int64_t d = 0; d < kpe; ++d) q.push_back(in["q_pe"].data[static_cast<std::size_t>((t * heads + h) * kpe + d)]);
        std::vector<std::vector<double>> keys, values;
        for (std::int64_t slot : rows[static_cast<std::size_t>(t)]) {
          std::vector<double> k, v;
          for (std::int64_t d = 0; d < ckv; ++d) k.push_back(in["ckv_cache"].data[static_cast<std::size_t>(slot * ckv + d)]);
          v = k;
          for (std::int64_t d = 0; d < kpe; ++d) k.push_back(in["kpe_cache"].data[static_cast<std::size_t>(slot * kpe + d)]);
          keys.push_back(k);
          values.push_back(v);
        }
        NaiveResult want = naive_attention(q, keys, values, scale, static_cast<std::size_t>(ckv));
        for (std::int64_t d = 0; d < ckv; ++d)
          EXPECT_NEAR(o.data[static_cast<std::size_t>((t * heads + h) * ckv + d)], want.out[static_cast<std::size_t>(d)], 1e-12);
        if (std::isinf(want.lse)) {
          EXPECT_EQ(lse.data[static_cast<std::size_t>(t * heads + h)], -k_inf);
        } else {
          EXPECT_NEAR(lse.data[static_cast<std::size_t>(t * heads + h)], want.lse, 1e-12);
        }
      }
    }
  }
}

TEST(DsaSparseAttentionReferenceTest, RejectsIndicesOutsideTheCache) {
  Definition def = dsa_sparse_definition(1, 2, 2, 2, 2);
  std::mt19937_64 rng(5);
  std::map<std::string, std::int64_t> axes{{"num_tokens", 1}, {"num_qo_heads", 1}, {"head_dim_ckv", 2},
                                           {"head_dim_kpe", 2}, {"page_size", 2}, {"topk", 2}, {"num_pages", 2}};
  for (double bad : {4.0, -2.0}) {
    TensorMap in{{"q_nope", random_tensor({1, 1, 2}, rng)}, {"q_pe", random_tensor({1, 1, 2}, rng)},
                 {"ckv_cache", random_tensor({2, 2, 2}, rng)}, {"kpe_cache", random_tensor({2, 2, 2}, rng)},
                 {"sparse_indices", tensor({1, 2}, {1, bad})}, {"sm_scale", scalar_tensor(1.0)}};
    auto out = run_reference(def, axes, in);
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().message.find("sparse_indices[0, 1]"), std::string::npos) << out.error().message;
  }
}

TEST(DsaReferenceDispatchTest, TwoOpsShareTheOpTypeAndAreToldApartByInputs) {
  EXPECT_TRUE(has_reference(dsa_indexer_definition(64, 128, 64, 2048)));
  EXPECT_TRUE(has_reference(dsa_sparse_definition(16, 512, 64, 1, 2048)));
  Definition odd = dsa_sparse_definition(16, 512, 64, 1, 2048);
  odd.inputs.push_back({"mask", std::vector<std::string>{"num_tokens"}, Dtype::int32, {}, false});
  EXPECT_FALSE(has_reference(odd));
  auto r = run_reference(odd, {}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("input 'mask' is not one the dsa_paged reference understands"), std::string::npos)
      << r.error().message;
  const std::filesystem::path dir = std::filesystem::path(KJIT_SHARED_DIR) / "flashinfer-trace/definitions/dsa_paged";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "dataset not found at " << dir;
  int seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto def = kjit::jit::load_definition_file(e.path());
    ASSERT_TRUE(def) << e.path();
    EXPECT_TRUE(has_reference(*def)) << def->name;
    ++seen;
  }
  EXPECT_EQ(seen, 3);
}

}  // namespace
}  // namespace kjit::runtime::reference
