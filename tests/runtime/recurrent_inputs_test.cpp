// Tests for the gdn / mamba_ssu input generation (recurrent_inputs.h) on the
// dataset's own definitions: cu_seqlens plans (lengths, empty first sequence,
// totals, contradictions), state pools (defaults, distinct shuffled slots,
// the pad slot), unit-norm gdn keys, negative mamba A, zeroed mtp
// intermediate states; the --alias parser; and the perf model's pool rule.
#include <cmath>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "runtime/inputs.h"
#include "runtime/perf_model.h"
#include "runtime/recurrent_inputs.h"
#include "runtime/runner.h"
#include "runtime/runner_io.h"

namespace kjit::runtime {
namespace {

const std::filesystem::path k_defs = KJIT_SHARED_DIR "/flashinfer-trace/definitions";

std::optional<jit::Definition> dataset(const std::string& rel) {
  auto path = k_defs / (rel + ".json");
  if (!std::filesystem::exists(path)) {
    if (std::getenv("CI")) ADD_FAILURE() << "dataset missing in CI: " << path;
    return std::nullopt;
  }
  auto def = jit::load_definition_file(path);
  EXPECT_TRUE(def.has_value()) << def.error().message;
  if (!def) return std::nullopt;
  return *def;
}

std::vector<std::int64_t> ints(const HostTensor& t) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < t.numel(); ++i) out.push_back(t.get_int(i));
  return out;
}

TEST(RecurrentInputsTest, PrefillCuSeqlensFromQLenWithAnEmptyFirstSequence) {
  auto def = dataset("gdn/gdn_prefill_qk4_v8_d128_k_last");
  if (!def) GTEST_SKIP() << "no dataset";
  InputOptions opt;
  opt.sequences.q_len = 65;
  opt.sequences.include_empty = true;
  auto set = make_inputs(*def, nullptr, {{"num_seqs", 3}}, opt);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(ints(*set->find("cu_seqlens")), (std::vector<std::int64_t>{0, 0, 65, 130}));
  EXPECT_EQ(set->binding.values.at("total_seq_len"), 130);
  EXPECT_EQ(set->binding.values.at("len_cu_seqlens"), 4);
  EXPECT_EQ(set->find("q")->shape, (std::vector<std::int64_t>{130, 4, 128}));
  EXPECT_EQ(set->find("state")->shape, (std::vector<std::int64_t>{3, 8, 128, 128}));
  // k rows have unit norm (to bf16 precision); q does not.
  const HostTensor& k = *set->find("k");
  for (std::int64_t r = 0; r < 130 * 4; r += 37) {
    double n = 0;
    for (std::int64_t c = 0; c < 128; ++c) n += k.get(r * 128 + c) * k.get(r * 128 + c);
    EXPECT_NEAR(std::sqrt(n), 1.0, 0.01) << "row " << r;
  }
}

TEST(RecurrentInputsTest, PrefillTotalIsSplitAndContradictionsAreNamed) {
  auto def = dataset("gdn/gdn_prefill_qk8_v16_d128_k_last");
  if (!def) GTEST_SKIP() << "no dataset";
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    InputOptions opt;
    opt.seed = seed;
    auto set = make_inputs(*def, nullptr, {{"total_seq_len", 1000}, {"len_cu_seqlens", 18}}, opt);
    ASSERT_TRUE(set) << set.error().message;
    auto cu = ints(*set->find("cu_seqlens"));
    ASSERT_EQ(cu.size(), 18u);
    EXPECT_EQ(cu.front(), 0);
    EXPECT_EQ(cu.back(), 1000);
    for (std::size_t i = 1; i < cu.size(); ++i) EXPECT_GE(cu[i] - cu[i - 1], 1);
    EXPECT_EQ(set->binding.values.at("num_seqs"), 17);
  }
  InputOptions opt;
  opt.sequences.q_len = 10;
  auto bad = make_inputs(*def, nullptr, {{"total_seq_len", 7}, {"num_seqs", 2}}, opt);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "gdn_prefill_qk8_v16_d128_k_last: --q-len 10 over 2 non-empty sequence(s) contradicts total_seq_len=7; "
            "give one of them");
  auto bad2 = make_inputs(*def, nullptr, {{"num_seqs", 2}, {"len_cu_seqlens", 4}}, {});
  ASSERT_FALSE(bad2);
  EXPECT_NE(bad2.error().message.find("len_cu_seqlens=4 contradicts num_seqs=2"), std::string::npos);
  // Defaults: 4 sequences of 64 tokens.
  auto dflt = make_inputs(*def, nullptr, {}, {});
  ASSERT_TRUE(dflt) << dflt.error().message;
  EXPECT_EQ(ints(*dflt->find("cu_seqlens")), (std::vector<std::int64_t>{0, 64, 128, 192, 256}));
}

TEST(RecurrentInputsTest, MtpPoolHasDistinctShuffledSlotsAndZeroIntermediateStates) {
  auto def = dataset("gdn/gdn_mtp_qk4_v8_d128_k_last");
  if (!def) GTEST_SKIP() << "no dataset";
  auto set = make_inputs(*def, nullptr, {{"batch_size", 7}, {"seq_len", 3}}, {});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->binding.values.at("pool_size"), 14);  // default 2 * batch_size
  auto idx = ints(*set->find("initial_state_indices"));
  std::set<std::int64_t> distinct(idx.begin(), idx.end());
  EXPECT_EQ(distinct.size(), 7u);
  for (auto i : idx) EXPECT_TRUE(i >= 0 && i < 14);
  EXPECT_NE(idx, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));  // shuffled
  const HostTensor& inter = *set->find("intermediate_states_buffer");
  EXPECT_EQ(inter.shape, (std::vector<std::int64_t>{14, 3, 8, 128, 128}));
  for (std::int64_t i = 0; i < inter.numel(); i += 4099) ASSERT_EQ(inter.get(i), 0.0);
  auto small = make_inputs(*def, nullptr, {{"batch_size", 7}, {"seq_len", 2}, {"pool_size", 6}}, {});
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().message,
            "gdn_mtp_qk4_v8_d128_k_last: pool_size=6 is smaller than batch_size=7; every batch entry needs its own slot");
}

TEST(RecurrentInputsTest, MambaSlotsPadEntryAndNegativeA) {
  auto def = dataset("mamba_ssu/mamba_ssu_decode_h64_d64_s128_ng4");
  if (!def) GTEST_SKIP() << "no dataset";
  InputOptions opt;
  opt.sequences.include_empty = true;
  auto set = make_inputs(*def, nullptr, {{"batch_size", 5}, {"state_cache_size", 9}}, opt);
  ASSERT_TRUE(set) << set.error().message;
  auto idx = ints(*set->find("state_batch_indices"));
  EXPECT_EQ(idx[0], -1);
  std::set<std::int64_t> distinct(idx.begin() + 1, idx.end());
  EXPECT_EQ(distinct.size(), 4u);
  for (std::size_t i = 1; i < idx.size(); ++i) EXPECT_TRUE(idx[i] >= 0 && idx[i] < 9);
  const HostTensor& a = *set->find("A");
  for (std::int64_t i = 0; i < a.numel(); i += 97) ASSERT_LT(a.get(i), 0.0);
  auto dflt = make_inputs(*def, nullptr, {{"batch_size", 3}}, {});
  ASSERT_TRUE(dflt) << dflt.error().message;
  EXPECT_EQ(dflt->binding.values.at("state_cache_size"), 6);
  EXPECT_EQ(state_pool_default("pool_size", {{"batch_size", 4}}), 8);
  EXPECT_EQ(state_pool_default("pool_size", {}), std::nullopt);
  EXPECT_EQ(state_pool_default("batch_size", {{"batch_size", 4}}), std::nullopt);
}

TEST(RecurrentInputsTest, DecodeScaleDefaultsFromItsDescription) {
  auto def = dataset("gdn/gdn_decode_qk8_v16_d128_k_last");
  if (!def) GTEST_SKIP() << "no dataset";
  auto set = make_inputs(*def, nullptr, {{"batch_size", 2}}, {});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_FLOAT_EQ(static_cast<float>(set->find("scale")->get(0)), static_cast<float>(1.0 / std::sqrt(128.0)));
}

TEST(AliasTest, ParsesPairsAndRefusesMalformedOnes) {
  auto one = parse_aliases_text("new_state=state");
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, (Aliases{{"new_state", "state"}}));
  auto two = parse_aliases_text("a=b,c=d");
  ASSERT_TRUE(two);
  EXPECT_EQ(two->size(), 2u);
  for (const char* bad : {"", "new_state", "=state", "new_state=", "a=b=c", "a=b,"}) {
    auto r = parse_aliases_text(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("is not OUTPUT=INPUT"), std::string::npos) << r.error().message;
  }
}

TEST(AliasTest, AliasesAreCheckedAgainstTheDefinition) {
  auto def = dataset("gdn/gdn_mtp_qk4_v8_d128_k_last");
  if (!def) GTEST_SKIP() << "no dataset";
  auto set = make_inputs(*def, nullptr, {{"batch_size", 2}, {"seq_len", 2}}, {});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_TRUE(detail::check_aliases(*def, *set, {{"final_state", "initial_state"}}));
  struct Case {
    Aliases aliases;
    const char* message;
  } cases[] = {
      {{{"new_state", "initial_state"}}, "'new_state' is not an output"},
      {{{"final_state", "state"}}, "'state' is not an input"},
      {{{"final_state", "scale"}}, "'scale' is a scalar"},
      {{{"output", "q"}}, "the output is bfloat16[2, 2, 8, 128], the input bfloat16[2, 2, 4, 128]; they must match"},
      {{{"final_state", "intermediate_states_buffer"}}, "; they must match"},
      {{{"final_state", "initial_state"}, {"final_state", "initial_state"}}, "output 'final_state' is aliased twice"},
      {{{"final_state", "initial_state"}, {"output", "initial_state"}}, "input 'initial_state' is aliased to two outputs"},
  };
  for (const auto& c : cases) {
    auto r = detail::check_aliases(*def, *set, c.aliases);
    ASSERT_FALSE(r) << c.message;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
  }
}

TEST(PerfModelTest, RecurrentPoolsCountTheBatchSlots) {
  auto def = dataset("mamba_ssu/mamba_ssu_decode_h64_d64_s128_ng4");
  auto mtp = dataset("gdn/gdn_mtp_qk4_v8_d128_k_last");
  auto dec = dataset("gdn/gdn_decode_qk4_v8_d128_k_last");
  if (!def || !mtp || !dec) GTEST_SKIP() << "no dataset";
  const double slot = 64.0 * 64 * 128 * 2;  // one mamba slot, bf16
  auto m = perf_counts(*def, {{"batch_size", 4}, {"state_cache_size", 16}, {"nheads", 64}, {"head_dim", 64},
                              {"dstate", 128}, {"ngroups", 4}}, {});
  // state read + new_state written for 4 slots; x, dt, out, B, C, D, dt_bias, indices; A fp32.
  const double rest = 3 * 4 * 64 * 64 * 2 + 2 * 4 * 4 * 128 * 2 + 2 * 64 * 64 * 2 + 4 * 4 + 64.0 * 64 * 128 * 4;
  EXPECT_DOUBLE_EQ(m.bytes, 2 * 4 * slot + rest);
  const double head = 128.0 * 128 * 4;
  auto t = perf_counts(*mtp, {{"batch_size", 2}, {"seq_len", 3}, {"pool_size", 10}, {"num_q_heads", 4},
                              {"num_k_heads", 4}, {"num_v_heads", 8}, {"head_size", 128}}, {});
  // initial_state: 2 slots read; intermediate states: 2 slots x 3 tokens written; final_state: 0.
  const double tokens = 2 * 3;
  const double small = tokens * (4 + 4 + 8 + 8) * 128 * 2 + 2 * 4 + 2 * 8 * 4 + 2 * tokens * 8 * 2 + 4;
  EXPECT_DOUBLE_EQ(t.bytes, 2 * 8 * head + 2 * 3 * 8 * head + small);
  EXPECT_DOUBLE_EQ(t.flops, 6.0 * 128 * 128 * tokens * 8);
  auto d = perf_counts(*dec, {{"batch_size", 256}, {"seq_len", 1}, {"num_q_heads", 4}, {"num_k_heads", 4},
                              {"num_v_heads", 8}, {"head_size", 128}}, {});
  EXPECT_GT(d.bytes, 2 * 256 * 8 * head);
  EXPECT_LT(d.bytes, 2 * 256 * 8 * head * 1.01);
}

}  // namespace
}  // namespace kjit::runtime
