// Tests for lint: the dedup report on a crafted tree, invalid files, the
// public dataset (skipped when absent) and kjit's own definitions.
#include <algorithm>

#include <gtest/gtest.h>

#include "jit/definition/lint.h"
#include "tests/definition/temp_dir.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;
const fs::path k_data = fs::path(KJIT_TEST_DATA) / "definitions";

std::string all_errors(const LintReport& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

TEST(LintTest, DedupReportOnCraftedTree) {
  auto report = lint({k_data / "dedup/first", k_data / "dedup/second"});
  ASSERT_TRUE(report.has_value()) << report.error().full();
  EXPECT_EQ(report->valid, 6u);
  EXPECT_EQ(report->invalid, 0u);

  ASSERT_EQ(report->duplicates.size(), 2u);
  EXPECT_EQ(report->duplicates[0].name, "toy_gemm_n8_k8");
  EXPECT_FALSE(report->duplicates[0].identical);
  EXPECT_EQ(report->duplicates[1].name, "toy_norm_h8");
  EXPECT_TRUE(report->duplicates[1].identical);
  ASSERT_EQ(report->duplicates[1].files.size(), 2u);
  EXPECT_EQ(report->duplicates[1].files[0], k_data / "dedup/first/rmsnorm/toy_norm_h8.json");

  ASSERT_EQ(report->conflicts.size(), 1u);
  EXPECT_EQ(report->conflicts[0].name, "toy_gemm_n8_k8");
  EXPECT_EQ(report->conflicts[0].fields, (std::vector<std::string>{"inputs", "outputs"}));

  // The copy differs only in its name (also inside its reference comment).
  ASSERT_EQ(report->identical_but_name.size(), 1u);
  EXPECT_EQ(report->identical_but_name[0].names, (std::vector<std::string>{"toy_norm_h8", "toy_norm_h8_copy"}));

  ASSERT_EQ(report->shared_across_models.size(), 1u);
  EXPECT_EQ(report->shared_across_models.at("toy_norm_h8"), (std::vector<std::string>{"alpha", "beta"}));

  // Same structure with another reference still counts as one kernel for several models.
  ASSERT_EQ(report->structurally_shared.size(), 1u);
  EXPECT_EQ(report->structurally_shared[0].names,
            (std::vector<std::string>{"toy_norm_h8", "toy_norm_h8_copy", "toy_norm_h8_other_ref"}));
  EXPECT_EQ(report->structurally_shared[0].models,
            (std::vector<std::string>{"alpha", "beta", "delta", "gamma"}));

  auto j = report->to_json();
  for (const char* key : {"valid", "invalid", "errors", "warnings", "duplicates", "conflicts", "identical_but_name",
                          "shared_across_models"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_NE(report->to_text().find("6 valid, 0 invalid\n"), std::string::npos);
}

TEST(LintTest, InvalidAndMalformedFilesAreReportedWithLocations) {
  auto report = lint({k_data / "invalid", k_data / "malformed"});
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->valid, 0u);
  EXPECT_EQ(report->invalid, 2u);
  EXPECT_FALSE(report->clean());
  std::vector<std::string> pointers;
  for (const auto& e : report->errors) pointers.push_back(e.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/axes/width/value", "/inputs/x/shape/1", "/outputs/y/dtype", ""}));
  EXPECT_EQ(report->errors[3].line, 4);
  EXPECT_EQ(report->errors[3].column, 35);
  EXPECT_EQ(report->errors[3].to_string().rfind((k_data / "malformed/broken.json").string() + ":4:35: ", 0), 0u);
}

TEST(LintTest, MissingPathIsNotFound) {
  auto report = lint({k_data / "does-not-exist"});
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::not_found);
}

TEST(LintTest, SignaturesIgnoreAxisOrderButNotInputOrder) {
  auto a = testing::minimal_definition("a");
  auto b = testing::minimal_definition("b");
  nlohmann::ordered_json axes;
  axes["width"] = a["axes"]["width"];
  axes["rows"] = a["axes"]["rows"];
  b["axes"] = axes;
  testing::TempDir tmp;
  tmp.write("d/x/a.json", a.dump());
  tmp.write("d/x/b.json", b.dump());
  auto report = lint({tmp.path() / "d"});
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->identical_but_name.size(), 1u);
  nlohmann::ordered_json inputs;
  inputs["w"] = b["inputs"]["w"];
  inputs["x"] = b["inputs"]["x"];
  b["inputs"] = inputs;
  tmp.write("d/x/b.json", b.dump());
  report = lint({tmp.path() / "d"});
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->identical_but_name.empty());
}

TEST(LintTest, PublicDatasetLintsClean) {
  fs::path dataset = fs::path(KJIT_SHARED_DIR) / "flashinfer-trace/definitions";
  if (!fs::is_directory(dataset)) GTEST_SKIP() << "public dataset not found at " << dataset << "; skipping";
  auto report = lint({dataset});
  ASSERT_TRUE(report.has_value()) << report.error().full();
  EXPECT_EQ(report->valid, 118u);
  EXPECT_EQ(report->invalid, 0u) << all_errors(*report);
  EXPECT_TRUE(report->conflicts.empty());
  // Models share definitions in the dataset (e.g. DeepSeek-V3 and R1).
  ASSERT_TRUE(report->shared_across_models.contains("mla_paged_decode_h16_ckv512_kpe64_ps1"));
  EXPECT_EQ(report->shared_across_models.at("mla_paged_decode_h16_ckv512_kpe64_ps1"),
            (std::vector<std::string>{"deepseek-r1", "deepseek-v3"}));
}

TEST(LintTest, KjitDefinitionsLintCleanWithoutWarnings) {
  fs::path own = fs::path(KJIT_SOURCE_DIR) / "definitions";
  auto report = lint({own});
  ASSERT_TRUE(report.has_value()) << report.error().full();
  EXPECT_EQ(report->valid, 22u);  // 17 + 3 gdn (definitions/gdn) + 2 moe (definitions/moe)
  EXPECT_EQ(report->invalid, 0u) << all_errors(*report);
  EXPECT_TRUE(report->warnings.empty());
  EXPECT_TRUE(report->duplicates.empty());
}

}  // namespace
}  // namespace kjit::jit
