// Deduplication against existing definitions (jit/model/dedup.h): exists
// (same name; or another name with the same structure), conflict (structure
// or a reference constant), new; the tags an existing definition lacks.
#include "jit/definition/definition_set.h"
#include "jit/definition/parse.h"
#include "jit/model/dedup.h"
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

Definition derived_named(const std::string& name) {
  auto d = derive_fixture("llama-3.1-8b");
  EXPECT_TRUE(d);
  for (auto& x : d->definitions)
    if (x.definition.name == name) return x.definition;
  ADD_FAILURE() << name << " not derived";
  return {};
}

Definition parsed(const nlohmann::ordered_json& doc) {
  auto d = parse_definition(doc, "test");
  EXPECT_TRUE(d) << (d ? "" : d.error().message);
  return d ? *d : Definition{};
}

TEST(DedupTest, SameNameAndStructureExistsAndListsTheTagsItLacks) {
  Definition mine = derived_named("rmsnorm_h4096");
  nlohmann::ordered_json other = mine.raw;
  other["tags"] = {"model:someone-else"};
  other["description"] = "written by someone else";
  other["reference"] = "import torch\nEPS = 1e-5\ndef run(hidden_states, weight):\n    return hidden_states\n";
  Definition existing = parsed(other);
  DefinitionIndex index({&existing});
  DedupResult r = index.classify(mine);
  EXPECT_EQ(r.status, DedupStatus::exists);
  EXPECT_EQ(r.existing, &existing);
  EXPECT_EQ(r.missing_tags, (std::vector<std::string>{"model:llama-3.1-8b"}));
}

TEST(DedupTest, SameNameWithAnotherStructureIsAConflictNamingTheFields) {
  Definition mine = derived_named("rmsnorm_h4096");
  nlohmann::ordered_json other = mine.raw;
  other["inputs"]["weight"]["dtype"] = "float32";
  other["axes"]["hidden_size"]["value"] = 4097;
  Definition existing = parsed(other);
  DefinitionIndex index({&existing});
  DedupResult r = index.classify(mine);
  EXPECT_EQ(r.status, DedupStatus::conflict);
  EXPECT_EQ(r.differences, (std::vector<std::string>{"axes", "inputs"}));
}

TEST(DedupTest, AnotherEpsilonIsAConflict) {
  Definition mine = derived_named("rmsnorm_h4096");  // EPS = 1e-05
  nlohmann::ordered_json other = mine.raw;
  other["reference"] = "import torch\n\ndef run(hidden_states, weight):\n    EPS = 1e-6\n    return hidden_states\n";
  Definition existing = parsed(other);
  DefinitionIndex index({&existing});
  DedupResult r = index.classify(mine);
  EXPECT_EQ(r.status, DedupStatus::conflict);
  EXPECT_EQ(r.differences, (std::vector<std::string>{"constant EPS (1e-06 there, 1e-05 here)"}));
}

TEST(DedupTest, AnotherNameWithTheSameStructureIsReused) {
  Definition mine = derived_named("gemm_n6144_k4096");
  nlohmann::ordered_json other = mine.raw;
  other["name"] = "llama3_qkv_proj";
  Definition existing = parsed(other);
  DefinitionIndex index({&existing});
  DedupResult r = index.classify(mine);
  EXPECT_EQ(r.status, DedupStatus::exists);
  ASSERT_TRUE(r.existing);
  EXPECT_EQ(r.existing->name, "llama3_qkv_proj");
}

TEST(DedupTest, NothingAlikeIsNew) {
  Definition mine = derived_named("gemm_n6144_k4096");
  Definition other = derived_named("gemm_n4096_k4096");
  DefinitionIndex index({&other});
  EXPECT_EQ(index.classify(mine).status, DedupStatus::new_definition);
  EXPECT_EQ(index.classify(mine).existing, nullptr);
}

TEST(DedupTest, AgainstTheDatasetLlamaExistsAndQwen3_235bEpsilonConflicts) {
  std::string why;
  if (!dataset_present_or_skip_message(&why)) GTEST_SKIP() << why;
  auto set = DefinitionSet::load({k_dataset});
  ASSERT_TRUE(set);
  DefinitionIndex index(set->all());
  auto llama = derive_fixture("llama-3.1-8b");
  ASSERT_TRUE(llama);
  for (const char* name : {"rmsnorm_h4096", "fused_add_rmsnorm_h4096", "gemm_n6144_k4096",
                           "gqa_paged_decode_h32_kv8_d128_ps64", "gqa_paged_prefill_causal_h32_kv8_d128_ps64",
                           "top_k_top_p_sampling_from_probs_v128256"}) {
    const Definition* d = nullptr;
    for (const auto& x : llama->definitions)
      if (x.definition.name == name) d = &x.definition;
    ASSERT_TRUE(d) << name;
    EXPECT_EQ(index.classify(*d).status, DedupStatus::exists) << name;
  }
  // Qwen3-235B has hidden 4096 like Llama 3.1 8B but epsilon 1e-6: the dataset's rmsnorm_h4096 is Llama's.
  auto qwen = derive_fixture("qwen3-235b-a22b", 8, 1);
  ASSERT_TRUE(qwen);
  for (const auto& x : qwen->definitions) {
    if (x.definition.name != "rmsnorm_h4096") continue;
    DedupResult r = index.classify(x.definition);
    EXPECT_EQ(r.status, DedupStatus::conflict);
    EXPECT_EQ(r.differences, (std::vector<std::string>{"constant EPS (1e-05 there, 1e-06 here)"}));
  }
}

}  // namespace
}  // namespace kjit::jit::model_test
