// CLI tests for `kjit warmup`: sharding covers every item exactly once, the
// report's fields, unserved definitions skipped, a failing item exits 1, and kjit's own
// definitions all compile.
// Uses the public dataset's rmsnorm definitions (served by a template) and a
// private cache per test.
#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

std::string base_args(const TempDir& dir) {
  return "--cache-dir '" + (dir.path / "cache").string() + "' --definitions '" + k_dataset + "' ";
}

TEST(WorkflowsWarmupTest, ShardsCoverEveryItemExactlyOnce) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  std::map<std::string, int> seen;
  for (int i = 0; i < 4; ++i) {
    CliRun r = run_kjit(base_args(dir) + "warmup --arch sm_90a --filter 'rmsnorm_h*' -j 2 --json --shard " +
                         std::to_string(i) + "/4",
                     "2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    json doc = json::parse(r.out);
    for (const auto& it : doc["items"]) {
      EXPECT_EQ(it["status"], "compiled") << it.dump();
      seen[it["name"].get<std::string>()]++;
    }
  }
  // The whole set, now all hits.
  CliRun all = run_kjit(base_args(dir) + "warmup --arch sm_90a --filter 'rmsnorm_h*' --json", "2>/dev/null");
  ASSERT_EQ(all.exit_code, 0) << all.out;
  json doc = json::parse(all.out);
  ASSERT_GE(doc["items"].size(), 6u) << all.out;
  for (const auto& it : doc["items"]) {
    EXPECT_EQ(it["status"], "hit") << it.dump();
    EXPECT_EQ(seen[it["name"].get<std::string>()], 1) << it["name"];
  }
  EXPECT_EQ(seen.size(), doc["items"].size());
}

TEST(WorkflowsWarmupTest, ReportHasItemsAndTotals) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  fs::path report = dir.path / "out" / "report.json";
  CliRun r = run_kjit(base_args(dir) + "warmup --arch sm_90a --filter 'rmsnorm_h5*' --report '" + report.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("compiled"), std::string::npos) << r.out;  // the summary table
  json doc = json::parse(read_text(report));
  ASSERT_EQ(doc["items"].size(), 2u) << doc.dump(2);  // rmsnorm_h512, rmsnorm_h5120
  for (const auto& it : doc["items"]) {
    for (const char* k : {"name", "arch", "status", "ms", "key", "registers", "spill_bytes"})
      EXPECT_TRUE(it.contains(k)) << k << " in " << it.dump();
    EXPECT_EQ(it["status"], "compiled");
    EXPECT_EQ(it["key"].get<std::string>().size(), 32u);
    EXPECT_GT(it["registers"].get<int>(), 0);
  }
  EXPECT_EQ(doc["totals"]["compiled"], 2);
  EXPECT_EQ(doc["totals"]["failed"], 0);
  EXPECT_EQ(doc["totals"]["items"], 2);
  for (const auto& entry : fs::directory_iterator(report.parent_path()))  // no temp left behind
    EXPECT_EQ(entry.path().filename(), "report.json");
}

TEST(WorkflowsWarmupTest, CommaSeparatedFilterTakesEachGlob) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  fs::path report = dir.path / "report.json";
  CliRun r = run_kjit(base_args(dir) + "warmup --arch sm_90a --filter 'rmsnorm_h512,rmsnorm_h51*,,no_such_*' --report '" +
                      report.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json doc = json::parse(read_text(report));
  std::vector<std::string> names;
  for (const auto& it : doc["items"]) names.push_back(it["name"]);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"rmsnorm_h512", "rmsnorm_h5120"})) << doc.dump(2);
}

TEST(WorkflowsWarmupTest, UnservedDefinitionsAreSkippedNotFailed) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  copy_rmsnorm_templates(dir.path / "templates");  // only rmsnorm templates: gemm is unserved
  CliRun r = run_kjit(base_args(dir) + "--templates '" + (dir.path / "templates").string() +
                       "' warmup --arch sm_90a --filter 'gemm_n4096_k4096' --json",
                   "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["items"].size(), 1u) << r.out;
  EXPECT_EQ(doc["items"][0]["status"], "skipped");
  EXPECT_EQ(doc["totals"]["skipped"], 1);
  EXPECT_EQ(doc["totals"]["failed"], 0);
}

TEST(WorkflowsWarmupTest, FailingItemExitsOneAndIsListed) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset;
  TempDir dir;
  fs::path templates = dir.path / "templates";
  copy_rmsnorm_templates(templates);
  fs::path src = templates / "rmsnorm" / "rmsnorm.cu.j2";
  write_text(src, read_text(src) + "\nthis_is_not_cuda kjit_broken;\n");
  CliRun r = run_kjit(base_args(dir) + "--templates '" + templates.string() +
                   "' warmup --arch sm_90a --filter 'rmsnorm_h128' --report '" + (dir.path / "r.json").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("1 item(s) failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rmsnorm_h128 (sm_90a)"), std::string::npos) << r.out;
  json doc = json::parse(read_text(dir.path / "r.json"));
  EXPECT_EQ(doc["totals"]["failed"], 1);
  EXPECT_EQ(doc["items"][0]["status"], "failed");
}

// Every one of kjit's own definitions compiles, with no spills, for the default arch and for
// sm_80 (the mma.sync / register-pipeline fallbacks): a change to a shared include that breaks
// one op type's template (say a helper defined twice) fails here, without a GPU. The exception:
// gdn/prefill requires sm >= 90 (its shared memory exceeds sm_80's), so warmup skips kjit's gdn
// prefill definitions on sm_80.
TEST(WorkflowsWarmupTest, EveryOwnDefinitionCompilesWithoutSpills) {
  TempDir dir;
  CliRun list = run_kjit("list --json", "2>/dev/null");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  const std::size_t own = json::parse(list.out).size();
  ASSERT_GE(own, 10u) << list.out;
  CliRun r = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' warmup --arch sm_90a,sm_80 -j 2 --json",
                      "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["totals"]["failed"], 0) << r.out;
  ASSERT_EQ(doc["items"].size(), 2 * own) << r.out;
  int sm90_only = 0;
  for (const auto& it : doc["items"]) {
    if (it["name"].get<std::string>().starts_with("gdn_prefill_") && it["arch"] == "sm_80") {
      EXPECT_EQ(it["status"], "skipped") << it.dump();
      ++sm90_only;
      continue;
    }
    EXPECT_EQ(it["status"], "compiled") << it.dump();
    EXPECT_EQ(it["spill_bytes"], 0) << it.dump();
  }
  EXPECT_EQ(doc["totals"]["skipped"], sm90_only) << r.out;
}

// The tensor-core prefill templates take the shapes issue #7 asked for beyond the dataset:
// head_dim 256 (Q fragments re-read from smem) and 64 / page size 16 (made-up definitions in
// tests/gpu/definitions/attention, checked on the GPU by tools/gpu_sweep.sh), and the absorbed
// MLA paged prefill (kjit's own definitions). Each must be served by a *_mma template, not the
// scalar fallback (gqa_paged/prefill_full_pages, mla_paged/prefill_last_page_len, ...), and compile for sm_90a and sm_80 with no spills.
TEST(WorkflowsWarmupTest, PrefillShapesGetTensorCoreTemplatesWithoutSpills) {
  TempDir dir;
  const std::string made_up = (fs::path(KJIT_SOURCE_DIR) / "tests" / "gpu" / "definitions" / "attention").string();
  const std::string cache = "--cache-dir '" + (dir.path / "cache").string() + "' ";
  struct Case {
    std::string args;  // definition search path and names
    std::size_t count;
  };
  const Case cases[] = {
      {"--no-builtin-definitions --definitions '" + made_up + "' ", 4},
      {"", 2},  // kjit's own, filtered to the MLA prefill names below
  };
  const std::string mla = " --filter 'mla_paged_prefill_*'";
  for (const auto& c : cases) {
    const bool own = c.args.empty();
    CliRun list = run_kjit(c.args + "list --json", "2>/dev/null");
    ASSERT_EQ(list.exit_code, 0) << list.out;
    std::size_t served = 0;
    for (const auto& d : json::parse(list.out)) {
      const std::string name = d["name"];
      if (own && name.rfind("mla_paged_prefill_", 0) != 0) continue;
      ++served;
      const std::string tmpl = d.value("template", "");
      // e.g. gqa_ragged/prefill_mma, gqa_paged/prefill_mma_full_pages, mla_paged/prefill_full_pages_mma
      EXPECT_TRUE(tmpl.find("/prefill") != std::string::npos && tmpl.find("mma") != std::string::npos)
          << name << " served by '" << tmpl << "'";
    }
    EXPECT_EQ(served, c.count) << list.out;
    for (const auto& it : warmup_items(cache + c.args + "warmup" + (own ? mla : ""), 2 * c.count)) expect_compiled(it);
  }
}

TEST(WorkflowsWarmupTest, BadShardIsAUsageError) {
  TempDir dir;
  for (const char* s : {"4/4", "1", "a/b", "0/0"}) {
    CliRun r = run_kjit(base_args(dir) + "warmup --shard " + s);
    EXPECT_NE(r.exit_code, 0) << s;
    EXPECT_NE(r.out.find("expected I/N"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace kjit::tools
