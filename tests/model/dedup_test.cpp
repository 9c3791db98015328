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
  for (const auto& x : llama->definitions) {
    DedupResult r = index.classify(x.definition);
    if (x.definition.op_type == "gemm") {
      // The dataset's GEMMs are float16; Llama 3.1 (torch_dtype bfloat16) runs them in bfloat16.
      if (r.status != DedupStatus::new_definition) {
        EXPECT_EQ(r.differences, (std::vector<std::string>{"inputs", "outputs"})) << x.definition.name;
      }
    } else if (x.definition.op_type != "rope") {
      EXPECT_EQ(r.status, DedupStatus::exists) << x.definition.name;
    }
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

TEST(DedupTest, AgainstKjitsOwnDefinitionsLlamaHasNoConflict) {
  auto set = DefinitionSet::load({fs::path(KJIT_SOURCE_DIR) / "definitions"});
  ASSERT_TRUE(set) << set.error().message;
  DefinitionIndex index(set->all());
  auto llama = derive_fixture("llama-3.1-8b");
  ASSERT_TRUE(llama);
  std::size_t exists = 0;
  for (const auto& x : llama->definitions) {
    DedupResult r = index.classify(x.definition);
    EXPECT_NE(r.status, DedupStatus::conflict) << x.definition.name << ": " << r.differences.size();
    if (r.status == DedupStatus::exists) ++exists;
  }
  EXPECT_EQ(exists, 11u);  // kjit's 2 norms, 4 GEMMs and 5 attention definitions of Llama 3.1 8B
}

}  // namespace
}  // namespace kjit::jit::model_test
