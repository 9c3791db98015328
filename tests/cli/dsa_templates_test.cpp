// CLI tests for the DeepSeek sparse attention templates (issue 23, op type dsa_paged): the 3
// dataset definitions and the test variants in tests/gpu/definitions/dsa (20 and 128 query
// heads; a 32-head, page-size-32, topk-512 indexer) lint, are served by dsa_paged/indexer and
// dsa_paged/sparse_attention, and compile with NVRTC for sm_90a and sm_80 without spills (the
// indexer's sm_90a scoring kernel runs 8 warps per SM so that it may use 255 registers:
// dsa_paged/indexer/choices.j2). Runs build/kjit with a private cache; skips without the dataset
// outside CI.
#include <set>

#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

const std::string k_variants = std::string(KJIT_SOURCE_DIR) + "/tests/gpu/definitions/dsa";

bool dataset_present() { return dataset_has({"dsa_paged"}); }

TEST(DsaTemplatesTest, DefinitionsLintAndAreServedByStructure) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  expect_lint_clean({k_dataset + "/dsa_paged", k_variants});
  const auto served = served_templates({k_variants}, {"dsa_paged"});
  for (const auto& [name, tmpl] : served) {
    const bool indexer = name.find("topk_indexer") != std::string::npos;
    EXPECT_EQ(tmpl, indexer ? "dsa_paged/indexer" : "dsa_paged/sparse_attention") << name;
  }
  EXPECT_EQ(served.size(), 6u);  // 3 dataset, 3 variants
}

TEST(DsaTemplatesTest, EveryDefinitionCompilesForSm90aAndSm80) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  const std::vector<WarmupCase> cases = {
      {"--no-builtin-definitions --definitions '" + k_dataset + "' --definitions '" + k_variants + "' warmup --filter 'dsa*'", 6},
  };
  for_each_warmup_item(cases, [](const json& it) { expect_compiled(it); });
}

}  // namespace
}  // namespace kjit::tools
