// CLI tests for `kjit lint`, `kjit list` and `kjit show`: runs the built
// binary (KJIT_BINARY) and checks output shapes and exit codes.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

namespace fs = std::filesystem;

using CliResult = flows_test::CliRun;

// Runs `kjit ARGS` (KJIT_DEFINITIONS unset so only the given folders count);
// stderr is kept only when asked.
CliResult run_kjit(const std::string& args, bool with_stderr = false) {
  return flows_test::run_kjit(args, with_stderr ? "2>&1" : "2>/dev/null");
}

const std::string k_dataset = std::string(KJIT_SHARED_DIR) + "/flashinfer-trace/definitions";
const std::string k_data = std::string(KJIT_TEST_DATA) + "/definitions";

TEST(CliDefinitionTest, LintJsonCountsTheDataset) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset << "; skipping";
  CliResult r = run_kjit("lint " + k_dataset + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], 118);
  EXPECT_EQ(j["invalid"], 0);
  EXPECT_TRUE(j["errors"].empty());
  for (const char* key : {"warnings", "duplicates", "conflicts", "identical_but_name", "shared_across_models"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["shared_across_models"]["rmsnorm_h7168"], nlohmann::json({"deepseek-r1", "deepseek-v3"}));
}

TEST(CliDefinitionTest, LintWithoutArgumentsChecksKjitsOwnDefinitions) {
  CliResult r = run_kjit("lint");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("22 valid, 0 invalid\n"), std::string::npos) << r.out;
}

// kjit's own definitions shadow same-named dataset ones; --no-builtin-definitions
// takes them off the search path so the dataset's own files are used.
TEST(CliDefinitionTest, NoBuiltinDefinitionsUsesOnlyTheGivenFolders) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset << "; skipping";
  CliResult with = run_kjit("--definitions " + k_dataset + " show rmsnorm_h4096 --json");
  ASSERT_EQ(with.exit_code, 0) << with.out;
  EXPECT_NE(with.out.find("/definitions/rmsnorm/rmsnorm_h4096.json"), std::string::npos);
  EXPECT_EQ(with.out.find(k_dataset), std::string::npos) << "kjit's own definition should win";
  CliResult without = run_kjit("--no-builtin-definitions --definitions " + k_dataset + " show rmsnorm_h4096 --json");
  ASSERT_EQ(without.exit_code, 0) << without.out;
  EXPECT_NE(without.out.find(k_dataset + "/rmsnorm/rmsnorm_h4096.json"), std::string::npos) << without.out;
  CliResult none = run_kjit("--no-builtin-definitions show rmsnorm_h4096");
  EXPECT_EQ(none.exit_code, 3) << none.out;
}

TEST(CliDefinitionTest, LintReportsErrorsAndExitsOne) {
  CliResult r = run_kjit("lint " + k_data + "/invalid " + k_data + "/malformed");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(k_data + "/invalid/rmsnorm/toy_bad.json: /axes/width/value: const axis 'width' has value -1; "
                                "it must be a non-negative integer\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(k_data + "/malformed/broken.json:4:35: malformed JSON: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 valid, 2 invalid\n"), std::string::npos) << r.out;
}

TEST(CliDefinitionTest, LintMissingFolderExitsThree) {
  EXPECT_EQ(run_kjit("lint " + k_data + "/no-such-folder").exit_code, 3);
}

TEST(CliDefinitionTest, ListShowsColumnsAndFilters) {
  CliResult r = run_kjit("list");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("NAME ", 0), 0u) << r.out;
  bool found = false;
  std::size_t pos = 0;
  while ((pos = r.out.find('\n', pos)) != std::string::npos) {
    std::string line = r.out.substr(pos + 1, r.out.find('\n', pos + 1) - pos - 1);
    if (line.rfind("rmsnorm_h4096 ", 0) == 0) {
      found = true;
      EXPECT_NE(line.find(" rmsnorm "), std::string::npos) << line;
      EXPECT_NE(line.find(" hidden_size=4096 "), std::string::npos) << line;
      EXPECT_NE(line.find(" batch_size "), std::string::npos) << line;
      EXPECT_NE(line.find(" builtin "), std::string::npos) << line;
    }
    ++pos;
  }
  EXPECT_TRUE(found) << r.out;

  CliResult gemm = run_kjit("list --op-type gemm --json");
  ASSERT_EQ(gemm.exit_code, 0);
  auto j = nlohmann::json::parse(gemm.out);
  ASSERT_EQ(j.size(), 4u);
  for (const auto& row : j) {
    EXPECT_EQ(row["op_type"], "gemm");
    EXPECT_EQ(row["var_axes"], nlohmann::json({"M"}));
    EXPECT_TRUE(row["const_axes"].contains("N"));
  }
  EXPECT_EQ(run_kjit("list --op-type no_such_op").exit_code, 3);
}

TEST(CliDefinitionTest, ListIncludesExtraFolders) {
  if (!fs::is_directory(k_dataset)) GTEST_SKIP() << "public dataset not found at " << k_dataset << "; skipping";
  CliResult r = run_kjit("--definitions " + k_dataset + " list --json");
  ASSERT_EQ(r.exit_code, 0);
  // 22 own + 118 dataset - 17 names both define (kjit's own come first; its 3 gdn and 2 moe
  // definitions are its own).
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 123u);
}

TEST(CliDefinitionTest, ShowPrintsEverything) {
  CliResult r = run_kjit("show gqa_paged_decode_h32_kv8_d128_ps64 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["op_type"], "gqa_paged");
  EXPECT_EQ(j["inputs"].back()["name"], "sm_scale");
  EXPECT_TRUE(j["inputs"].back()["shape"].is_null());
  EXPECT_EQ(j["outputs"][1]["name"], "lse");
  EXPECT_EQ(j["constraints"].size(), 2u);
  EXPECT_TRUE(j.contains("template"));
  EXPECT_NE(j["file"].get<std::string>().find("definitions/gqa_paged/"), std::string::npos);

  CliResult text = run_kjit("show rmsnorm_h4096");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("op_type:     rmsnorm\n"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("template:    rmsnorm/"), std::string::npos) << text.out;  // whichever rmsnorm variant
  CliResult scalar = run_kjit("show gqa_ragged_prefill_causal_h32_kv8_d128");
  EXPECT_NE(scalar.out.find("scalar"), std::string::npos) << scalar.out;
}

TEST(CliDefinitionTest, ShowUnknownNameExitsThreeWithSuggestions) {
  CliResult r = run_kjit("show rmsnorm_h4069", /*with_stderr=*/true);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("kjit: unknown definition 'rmsnorm_h4069'; did you mean 'rmsnorm_h4096'"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("kjit list"), std::string::npos);
}

}  // namespace
}  // namespace kjit::tools
