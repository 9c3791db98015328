// `kjit model` end to end through build/kjit: the table and --json, --out
// (new definitions + tag_updates.jsonl, lint clean, idempotent), dedup against
// --definitions folders (exists, conflict with exit 1), --warmup through the
// warm-up engine (with only the rmsnorm templates, so it compiles two small
// kernels), --check saying it skipped without a GPU, and the errors.
// ModelCliTest.ReadmeOnboardingExample runs the README's "Onboard a model" steps.
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

const std::string k_llama = (k_fixtures / "llama-3.1-8b.json").string();

// Global flags for a private world: no kjit definitions, a private cache.
std::string isolated(const TempDir& dir) {
  return "--no-builtin-definitions --cache-dir '" + (dir.path() / "cache").string() + "'";
}

// A templates root with only the rmsnorm templates (and their includes).
fs::path rmsnorm_templates(const TempDir& dir) {
  fs::path root = dir.path() / "templates";
  fs::path src = fs::path(KJIT_SOURCE_DIR) / "templates";
  fs::create_directories(root);
  fs::copy(src / "include", root / "include", fs::copy_options::recursive);
  fs::copy(src / "rmsnorm", root / "rmsnorm", fs::copy_options::recursive);
  return root;
}

TEST(ModelCliTest, TablePrintsEveryDefinitionWithStatusAndServing) {
  TempDir dir;
  CliRun r = run_kjit(isolated(dir) + " model '" + k_llama + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("model llama-3.1-8b: Llama (model_type llama), 32 layers (32 attention, 32 dense MLP), "
                       "hidden 4096, vocab 128256"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("derived: head_dim = 128 (hidden_size / num_attention_heads (config has no head_dim))"),
            std::string::npos);
  EXPECT_NE(r.out.find("OP TYPE      NAME"), std::string::npos);
  EXPECT_NE(r.out.find("gqa_paged_decode_h32_kv8_d128_ps64"), std::string::npos);
  EXPECT_NE(r.out.find("18 definitions: 18 new, 0 exist, 0 conflict;"), std::string::npos) << r.out;
}

TEST(ModelCliTest, JsonReportsDefinitionsTotalsAndNotes) {
  TempDir dir;
  CliRun r = run_kjit(isolated(dir) + " model '" + (k_fixtures / "gemma-3-27b.json").string() + "' --json",
                      "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["model"]["name"], "gemma-3-27b");
  EXPECT_EQ(doc["architecture"]["model_type"], "gemma3");
  EXPECT_EQ(doc["totals"]["definitions"], doc["definitions"].size());
  EXPECT_EQ(doc["totals"]["new"], doc["definitions"].size());
  bool found = false;
  for (const auto& d : doc["definitions"])
    if (d["name"] == "gemma_rmsnorm_h5376") {
      found = true;
      EXPECT_EQ(d["status"], "new");
      EXPECT_EQ(d["served"], false);  // no template computes the (1 + weight) scale
    }
  EXPECT_TRUE(found);
  EXPECT_FALSE(doc["notes"].empty());
}

TEST(ModelCliTest, OutWritesNewDefinitionsThatLintCleanAndASecondRunFindsThemAll) {
  TempDir dir;
  fs::path out = dir.path() / "defs";
  CliRun r = run_kjit(isolated(dir) + " model '" + k_llama + "' --out '" + out.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(out / "rmsnorm" / "rmsnorm_h4096.json"));
  EXPECT_TRUE(fs::exists(out / "rmsnorm" / "fused_add_rmsnorm_h4096.json"));
  EXPECT_TRUE(fs::exists(out / "gqa_paged" / "gqa_paged_decode_h32_kv8_d128_ps1.json"));
  EXPECT_EQ(read_text(out / "tag_updates.jsonl"), "");  // nothing existed before
  CliRun lint = run_kjit("--no-builtin-definitions lint '" + out.string() + "'");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_NE(lint.out.find("18 valid, 0 invalid"), std::string::npos) << lint.out;

  // Second run with the output on the search path: everything exists, the
  // 70B's shared definitions are tagged for it.
  CliRun again = run_kjit(isolated(dir) + " --definitions '" + out.string() + "' model '" + k_llama + "' --json",
                          "2>/dev/null");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  auto doc = nlohmann::json::parse(again.out);
  EXPECT_EQ(doc["totals"]["exists"], 18);
  fs::path out70 = dir.path() / "defs70";
  CliRun other = run_kjit(isolated(dir) + " --definitions '" + out.string() + "' model '" +
                              (k_fixtures / "llama-3.1-70b.json").string() + "' --tp 4 --out '" + out70.string() + "'",
                          "2>/dev/null");
  ASSERT_EQ(other.exit_code, 0) << other.out;
  const std::string lines = read_text(out70 / "tag_updates.jsonl");
  bool sampling = false;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    auto u = nlohmann::json::parse(line);
    EXPECT_EQ(u["model"], "llama-3.1-70b");
    if (u["name"] == "top_k_top_p_sampling_from_probs_v128256") {
      sampling = true;
      EXPECT_EQ(u["add_tags"], nlohmann::json::array({"model:llama-3.1-70b"}));
    }
  }
  EXPECT_TRUE(sampling) << lines;
  EXPECT_FALSE(fs::exists(out70 / "sampling" / "top_k_top_p_sampling_from_probs_v128256.json"));
  EXPECT_TRUE(fs::exists(out70 / "gqa_paged" / "gqa_paged_decode_h16_kv2_d128_ps64.json"));
}

TEST(ModelCliTest, AConflictIsReportedNotWrittenAndExitsOne) {
  TempDir dir;
  fs::path mine = dir.path() / "mine";
  CliRun first = run_kjit(isolated(dir) + " model '" + k_llama + "' --out '" + mine.string() + "'");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  // Qwen3-235B shares hidden size 4096 with Llama 3.1 8B, but its epsilon is 1e-6.
  fs::path out = dir.path() / "qwen";
  CliRun r = run_kjit(isolated(dir) + " --definitions '" + mine.string() + "' model '" +
                      (k_fixtures / "qwen3-235b-a22b.json").string() + "' --tp 8 --out '" + out.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("  rmsnorm_h4096 differs from " + (mine / "rmsnorm" / "rmsnorm_h4096.json").string() +
                       " in: constant EPS (1e-05 there, 1e-06 here)\n"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(out / "rmsnorm" / "rmsnorm_h4096.json"));
  EXPECT_TRUE(fs::exists(out / "rmsnorm" / "rmsnorm_h128.json"));
}

TEST(ModelCliTest, WarmupCompilesTheServedDefinitionsWithTheWarmupEngine) {
  TempDir dir;
  fs::path templates = rmsnorm_templates(dir);
  std::string flags = isolated(dir) + " --templates '" + templates.string() + "'";
  CliRun r = run_kjit(flags + " model '" + k_llama + "' --warmup --arch sm_90a -j 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("warm-up of 18 definition(s):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("compiled        2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skipped        16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("failed          0"), std::string::npos) << r.out;
  CliRun again = run_kjit(flags + " model '" + k_llama + "' --warmup --arch sm_90a --json", "2>/dev/null");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  auto doc = nlohmann::json::parse(again.out);
  EXPECT_EQ(doc["warmup"]["totals"]["hit"], 2);
  EXPECT_EQ(doc["warmup"]["totals"]["compiled"], 0);
}

TEST(ModelCliTest, CheckSaysWhenItSkipped) {
  TempDir dir;
  fs::create_directories(dir.path() / "none");  // a templates root without templates: nothing is served
  CliRun r = run_kjit(isolated(dir) + " --templates '" + (dir.path() / "none").string() + "' model '" + k_llama +
                      "' --check");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("check skipped: "), std::string::npos) << r.out;
}

TEST(ModelCliTest, ErrorsAreSpecificWithTheirExitCodes) {
  TempDir dir;
  CliRun missing = run_kjit(isolated(dir) + " model /no/such/config.json");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.out.find("/no/such/config.json: no such config file"), std::string::npos) << missing.out;
  write_text(dir.path() / "gpt2.json", R"({"model_type": "gpt2", "n_embd": 768})");
  CliRun unknown = run_kjit(isolated(dir) + " model '" + (dir.path() / "gpt2.json").string() + "'");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.out.find("model_type 'gpt2' is not supported"), std::string::npos) << unknown.out;
  CliRun tp = run_kjit(isolated(dir) + " model '" + k_llama + "' --tp 3");
  EXPECT_EQ(tp.exit_code, 2);
  EXPECT_NE(tp.out.find("--tp 3 does not divide num_attention_heads (32)"), std::string::npos) << tp.out;
  CliRun quant = run_kjit(isolated(dir) + " model '" + k_llama + "' --quant int4");
  EXPECT_EQ(quant.exit_code, 2);
  EXPECT_NE(quant.out.find("--quant: unknown value 'int4'"), std::string::npos) << quant.out;
  CliRun pages = run_kjit(isolated(dir) + " model '" + k_llama + "' --page-sizes 1,x");
  EXPECT_EQ(pages.exit_code, 2);
  CliRun name = run_kjit(isolated(dir) + " model '" + k_llama + "' --name 'Bad Name'");
  EXPECT_EQ(name.exit_code, 2);
  EXPECT_NE(name.out.find("model name 'Bad Name' must be"), std::string::npos) << name.out;
}

// The README's "Onboard a model" section, step by step (derive to a folder,
// lint it, warm it with the folder on the search path, check).
TEST(ModelCliTest, ReadmeOnboardingExample) {
  TempDir dir;
  fs::path templates = rmsnorm_templates(dir);
  std::string flags = "--cache-dir '" + (dir.path() / "cache").string() + "' --templates '" + templates.string() + "'";
  fs::path out = dir.path() / "my-definitions";
  const std::string qwen = (k_fixtures / "qwen3-30b-a3b.json").string();
  CliRun derive = run_kjit(flags + " model '" + qwen + "' --tp 1 --out '" + out.string() + "'");
  ASSERT_EQ(derive.exit_code, 0) << derive.out;
  CliRun lint = run_kjit(flags + " --definitions '" + out.string() + "' lint '" + out.string() + "'");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  CliRun warm = run_kjit(flags + " --definitions '" + out.string() + "' model '" + qwen +
                         "' --tp 1 --warmup --arch sm_90a --check");
  EXPECT_EQ(warm.exit_code, 0) << warm.out;
  EXPECT_NE(warm.out.find("failed          0"), std::string::npos) << warm.out;
}

}  // namespace
}  // namespace kjit::jit::model_test
