// CLI tests for the DeepSeek sparse attention templates (issue 23, op type dsa_paged): the 3
// dataset definitions and the test variants in tests/gpu/definitions/dsa (20 and 128 query
// heads; a 32-head, page-size-32, topk-512 indexer) lint, are served by dsa_paged/indexer and
// dsa_paged/sparse_attention, and compile with NVRTC for sm_90a and sm_80. Spills: none but the
// indexer's scoring kernel on sm_90a, which ptxas caps at 168 registers for two CTAs per SM and
// which spills a few bytes outside its mma loop (dsa_paged/indexer/choices.j2 says why that is
// kept); the test bounds it at 16 bytes so a real regression still fails. Runs build/kjit with a
// private cache; skips without the dataset outside CI.
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

const std::string k_variants = std::string(KJIT_SOURCE_DIR) + "/tests/gpu/definitions/dsa";

bool dataset_present() {
  if (fs::is_directory(k_dataset + "/dsa_paged")) return true;
  if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") ADD_FAILURE() << "dataset missing in CI: " << k_dataset;
  return false;
}

TEST(DsaTemplatesTest, DefinitionsLintAndAreServedByStructure) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  CliRun lint = run_kjit("lint '" + k_dataset + "/dsa_paged' '" + k_variants + "' --json", "2>/dev/null");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  const auto served = served_templates({k_variants}, {"dsa_paged"});
  for (const auto& [name, tmpl] : served) {
    const bool indexer = name.find("topk_indexer") != std::string::npos;
    EXPECT_EQ(tmpl, indexer ? "dsa_paged/indexer" : "dsa_paged/sparse_attention") << name;
  }
  EXPECT_EQ(served.size(), 6u);  // 3 dataset, 3 variants
}

TEST(DsaTemplatesTest, EveryDefinitionCompilesForSm90aAndSm80) {
  if (!dataset_present()) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  const std::string cache = "--cache-dir '" + (dir.path / "cache").string() + "' ";
  CliRun r = run_kjit(cache + "--no-builtin-definitions --definitions '" + k_dataset + "' --definitions '" + k_variants +
                          "' warmup --filter 'dsa*' --arch sm_90a,sm_80 -j 2 --json",
                      "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["items"].size(), 12u) << r.out;
  for (const auto& it : doc["items"]) {
    const std::string name = it["name"], arch = it["arch"];
    EXPECT_TRUE(it["status"] == "compiled" || it["status"] == "hit") << it.dump();
    EXPECT_GT(it["registers"].get<int>(), 0) << it.dump();
    const bool capped = name.find("topk_indexer_fp8_h64") != std::string::npos && arch == "sm_90a";
    if (capped)
      EXPECT_LE(it["spill_bytes"].get<int>(), 16) << it.dump();
    else
      EXPECT_EQ(it["spill_bytes"], 0) << it.dump();
  }
}

}  // namespace
}  // namespace kjit::tools
