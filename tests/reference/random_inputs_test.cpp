// Tests for the fidelity input generator's dtype rounding (bf16 / fp16
// round-to-nearest-even) and index structures.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/reference/fidelity/random_inputs.h"
#include "tests/reference/reference_test_util.h"

namespace kjit::runtime::reference::fidelity {
namespace {

TEST(RandomInputsTest, Bfloat16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16_bits(1.0f + 0x1p-8f), 0x3f80);           // tie -> even (down)
  EXPECT_EQ(float_to_bf16_bits(1.0f + 3 * 0x1p-8f), 0x3f82);       // tie -> even (up)
  EXPECT_EQ(float_to_bf16_bits(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);  // above tie
  EXPECT_EQ(float_to_bf16_bits(-2.0f), 0xc000);
  EXPECT_EQ(bf16_bits_to_float(0x3f81), 1.0f + 0x1p-7f);
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(NAN))));
}

TEST(RandomInputsTest, HalfRoundsToNearestEvenWithSubnormalsAndOverflow) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half_bits(0.1f), 0x2e66);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half_bits(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7c00);
  EXPECT_EQ(float_to_half_bits(0x1p-24f), 0x0001);
  EXPECT_EQ(float_to_half_bits(-0x1p-14f), 0x8400);
  EXPECT_EQ(float_to_half_bits(1.0f + 0x1p-11f), 0x3c00);  // tie -> even
  for (std::uint16_t h : {0x0001, 0x03ff, 0x0400, 0x3c01, 0x7bff, 0x8001, 0xbc00}) {
    EXPECT_EQ(float_to_half_bits(half_bits_to_float(h)), h) << h;
  }
}

TEST(RandomInputsTest, PagedPrefillStructureIsValidAndSeeded) {
  using namespace kjit::runtime::reference::testing;
  using Shape = std::vector<std::string>;
  auto def = make_definition(
      "gqa_paged_prefill_causal_t", "gqa_paged",
      {{"num_qo_heads", 2}, {"num_kv_heads", 1}, {"head_dim", 4}, {"page_size", 16}, {"total_q", std::nullopt},
       {"num_pages", std::nullopt}, {"len_indptr", std::nullopt}, {"num_kv_indices", std::nullopt}},
      {{"q", Shape{"total_q", "num_qo_heads", "head_dim"}},
       {"k_cache", Shape{"num_pages", "page_size", "num_kv_heads", "head_dim"}},
       {"v_cache", Shape{"num_pages", "page_size", "num_kv_heads", "head_dim"}},
       {"qo_indptr", Shape{"len_indptr"}, Dtype::int32},
       {"kv_indptr", Shape{"len_indptr"}, Dtype::int32},
       {"kv_indices", Shape{"num_kv_indices"}, Dtype::int32},
       {"kv_last_page_len", Shape{"len_indptr"}, Dtype::int32},
       {"sm_scale", std::nullopt, Dtype::float32}},
      {{"output", Shape{"total_q", "num_qo_heads", "head_dim"}}, {"lse", Shape{"total_q", "num_qo_heads"}}});
  GenParams params;
  params.batch = 4;
  params.max_kv_len = 40;
  auto a = generate_inputs(def, params);
  auto b = generate_inputs(def, params);
  EXPECT_EQ(a.inputs.at("q").data, b.inputs.at("q").data);
  EXPECT_EQ(a.inputs.at("kv_last_page_len").shape, (std::vector<std::int64_t>{5}));
  EXPECT_EQ(a.inputs.at("kv_indptr").data[2], a.inputs.at("kv_indptr").data[1]);  // sequence 1 is empty
  EXPECT_FLOAT_EQ(static_cast<float>(a.inputs.at("sm_scale").data[0]), 0.5f);
  for (double v : a.inputs.at("q").data) EXPECT_EQ(v, round_to_dtype(v, Dtype::bfloat16));
  auto out = run_reference(def, a.axes, a.inputs);
  ASSERT_TRUE(out) << out.error().message;
}

}  // namespace
}  // namespace kjit::runtime::reference::fidelity
