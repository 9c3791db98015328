// CLI tests for the fused-MoE templates (issue 21): the 14 dataset moe definitions and kjit's own
// (DeepSeek-V3 without expert parallelism, Qwen3-30B-A3B at TP 2) lint, are served by the
// template of their form (moe/<quantization>_<routing>), and compile with NVRTC for sm_90a and
// sm_80 without register spills. Runs build/kjit with a private cache; skips without the dataset
// outside CI.
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

bool dataset_present() {
  if (fs::is_directory(k_dataset + "/moe")) return true;
  if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") ADD_FAILURE() << "dataset missing in CI: " << k_dataset;
  return false;
}

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
  CliRun lint = run_kjit("lint '" + k_dataset + "/moe' '" + own + "' --json", "2>/dev/null");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  const auto served = served_templates({own}, {"moe"});
  for (const auto& [name, tmpl] : served) EXPECT_EQ(tmpl, expected_template(name)) << name;
  EXPECT_EQ(served.size(), 16u);  // 14 dataset, 2 kjit's own
}

TEST(MoeTemplatesTest, EveryDefinitionCompilesForSm90aAndSm80WithoutSpills) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  const std::string cache = "--cache-dir '" + (dir.path / "cache").string() + "' ";
  struct Case {
    std::string args;
    std::size_t definitions;
  } cases[] = {
      {"--no-builtin-definitions --definitions '" + k_dataset + "' warmup --filter '*moe*'", 14},
      {"warmup --filter 'moe_*'", 2},  // kjit's own
  };
  for (const auto& c : cases) {
    CliRun r = run_kjit(cache + c.args + " --arch sm_90a,sm_80 -j 2 --json", "2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    json doc = json::parse(r.out);
    ASSERT_EQ(doc["items"].size(), 2 * c.definitions) << r.out;
    for (const auto& it : doc["items"]) {
      EXPECT_TRUE(it["status"] == "compiled" || it["status"] == "hit") << it.dump();
      EXPECT_EQ(it["spill_bytes"], 0) << it.dump();
      EXPECT_GT(it["registers"].get<int>(), 0) << it.dump();
    }
  }
}

}  // namespace
}  // namespace kjit::tools
