// Tests for the moe input profiles (runtime/input_profiles_moe.h), on kjit's small moe test
// definitions (tests/gpu/definitions/moe): routed with the reference's routing, one_expert
// puts one expert (a local one for DeepSeek) in every token's picks, half_empty leaves every odd
// expert without a token, no_local leaves the local slice without a pick; the profiles a
// definition offers follow its structure.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <set>

#include "jit/definition/parse.h"
#include "runtime/input_profiles.h"
#include "runtime/reference/moe_routing.h"

namespace kjit::runtime {
namespace {

jit::Definition load(const std::string& name) {
  auto def = jit::load_definition_file(std::string(KJIT_SOURCE_DIR) + "/tests/gpu/definitions/moe/" + name + ".json");
  EXPECT_TRUE(def) << name << ": " << (def ? "" : def.error().message);
  return def ? *def : jit::Definition{};
}

// The global expert of every pick of `set`'s routing.
std::vector<std::int64_t> picks(const jit::Definition& def, const InputSet& set) {
  auto s = reference::moe_structure(def, set.binding.values);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  const std::int64_t tokens = set.binding.values.at("seq_len");
  std::vector<double> logits, bias, ids;
  if (const HostTensor* t = set.find("routing_logits")) logits = t->to_doubles();
  if (const HostTensor* t = set.find("routing_bias")) bias = t->to_doubles();
  if (const HostTensor* t = set.find("topk_ids")) ids = t->to_doubles();
  reference::MoeRoutingInputs in;
  in.logits = logits;
  in.bias = bias;
  in.topk_ids = ids;
  return reference::moe_route(*s, tokens, in).expert;
}

InputSet inputs(const jit::Definition& def, const std::string& profile, std::int64_t tokens) {
  InputOptions options;
  options.profile = profile;
  options.seed = 3;
  auto set = make_inputs(def, nullptr, {{"seq_len", tokens}}, options);
  EXPECT_TRUE(set) << (set ? "" : set.error().message);
  return set ? std::move(*set) : InputSet{};
}

TEST(MoeInputProfilesTest, OneExpertIsInEveryTokensPicks) {
  for (const char* name : {"moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8", "moetest_fp8_block_renorm_topk4_e8",
                           "moetest_fp4_llama4_topk1_e8", "moetest_fp4_routed_topk4_e8"}) {
    const auto def = load(name);
    const InputSet set = inputs(def, "one_expert", 40);
    const auto experts = picks(def, set);
    const std::int64_t k = static_cast<std::int64_t>(experts.size()) / 40;
    std::set<std::int64_t> common(experts.begin(), experts.begin() + k);
    for (std::int64_t t = 1; t < 40; ++t) {
      std::set<std::int64_t> mine(experts.begin() + t * k, experts.begin() + (t + 1) * k), both;
      std::set_intersection(common.begin(), common.end(), mine.begin(), mine.end(), std::inserter(both, both.end()));
      common = both;
    }
    // (Another expert may be common by chance: DeepSeek's bias dominates its N(0, 1) logits.)
    ASSERT_GE(common.size(), 1u) << name;
    if (std::string(name).find("_ds_") != std::string::npos) {
      EXPECT_LT(*common.begin(), 8) << "no local expert common to every token";
    }
  }
}

TEST(MoeInputProfilesTest, HalfEmptyRoutesOnlyEvenExperts) {
  for (const char* name : {"moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8", "moetest_fp8_tensor_renorm_topk4_e8",
                           "moetest_fp4_routed_topk4_e8", "moetest_fp4_routed_topk1_e8"}) {
    const auto def = load(name);
    const auto experts = picks(def, inputs(def, "half_empty", 50));
    ASSERT_FALSE(experts.empty());
    for (auto e : experts) EXPECT_EQ(e % 2, 0) << name;
  }
}

TEST(MoeInputProfilesTest, NoLocalLeavesTheLocalSliceEmpty) {
  const auto def = load("moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8");  // local experts 0..7 of 16 (offset 0)
  for (auto e : picks(def, inputs(def, "no_local", 50))) EXPECT_GE(e, 8);
}

TEST(MoeInputProfilesTest, ProfilesFollowTheStructure) {
  EXPECT_EQ(input_profiles(load("moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8")),
            (std::vector<std::string>{"one_expert", "half_empty", "no_local"}));
  EXPECT_EQ(input_profiles(load("moetest_fp4_routed_topk1_e8")), (std::vector<std::string>{"one_expert", "half_empty"}));
  InputOptions options;
  options.profile = "onehot";
  auto bad = make_inputs(load("moetest_fp4_renorm_topk4_e8"), nullptr, {{"seq_len", 2}}, options);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("(profiles: one_expert, half_empty)"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace kjit::runtime
