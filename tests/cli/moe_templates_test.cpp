// CLI tests for the fused-MoE templates (issue 21): the 14 dataset moe definitions and kjit's own
// (DeepSeek-V3 without expert parallelism, Qwen3-30B-A3B at TP 2) lint, are served by the
// template of their form (moe/<quantization>_<routing>), and compile with NVRTC for sm_90a and
// sm_80 without register spills. Runs build/kjit with a private cache; skips without the dataset
// outside CI.
#include <set>

#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

bool dataset_present() { return dataset_has({"moe"}); }

// The template a definition's name says it needs (the templates themselves match structure only).
std::string expected_template(const std::string& name) {
  const bool routed = name.find("_routed_") != std::string::npos;
  if (name.find("fp8_block_scale_ds_routing") != std::string::npos) return "moe/fp8_block_deepseek";
  if (name.find("fp8_block_scale_renorm") != std::string::npos) return "moe/fp8_block_renorm";
  if (name.find("fp8_per_tensor") != std::string::npos)
    return name.find("_topk1_") != std::string::npos ? "moe/fp8_tensor_llama4" : "moe/fp8_tensor_renorm";
  if (routed) return "moe/float_routed";
  return name.find("_topk1_") != std::string::npos ? "moe/float_llama4" : "moe/float_renorm";
}

TEST(MoeTemplatesTest, DefinitionsLintAndAreServed) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  const std::string own = std::string(KJIT_SOURCE_DIR) + "/definitions/moe";
  expect_lint_clean({k_dataset + "/moe", own});
  const auto served = served_templates({own}, {"moe"});
  for (const auto& [name, tmpl] : served) EXPECT_EQ(tmpl, expected_template(name)) << name;
  EXPECT_EQ(served.size(), 16u);  // 14 dataset, 2 kjit's own
}

TEST(MoeTemplatesTest, EveryDefinitionCompilesForSm90aAndSm80WithoutSpills) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  const std::vector<WarmupCase> cases = {
      {"--no-builtin-definitions --definitions '" + k_dataset + "' warmup --filter '*moe*'", 14},
      {"warmup --filter 'moe_*'", 2},  // kjit's own
  };
  for_each_warmup_item(cases, [](const json& it) { expect_compiled(it); });
}

}  // namespace
}  // namespace kjit::tools
