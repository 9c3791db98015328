// Tests for the search path: precedence, duplicate reporting, skipped files,
// ordering, and not-found suggestions.
#include <gtest/gtest.h>

#include "jit/definition/definition_set.h"
#include "jit/definition/suggest.h"
#include "tests/definition/temp_dir.h"

namespace kjit::jit {
namespace {

using testing::minimal_definition;
using testing::TempDir;

std::string with_description(const std::string& name, const std::string& description) {
  auto doc = minimal_definition(name);
  doc["description"] = description;
  return doc.dump(2);
}

TEST(DefinitionSetTest, BuiltinThenEnvThenFlagsFirstWins) {
  TempDir tmp;
  tmp.write("builtin/rmsnorm/a.json", with_description("a", "builtin"));
  tmp.write("env/rmsnorm/a.json", with_description("a", "env"));
  tmp.write("env/rmsnorm/b.json", with_description("b", "env"));
  tmp.write("flag/rmsnorm/b.json", with_description("b", "flag"));
  tmp.write("flag/rmsnorm/c.json", with_description("c", "flag"));
  auto set = DefinitionSet::load(
      std::vector<std::filesystem::path>{tmp.path() / "builtin", tmp.path() / "env", tmp.path() / "flag"});
  ASSERT_TRUE(set.has_value()) << set.error().full();
  ASSERT_EQ(set->size(), 3u);
  EXPECT_EQ(set->find("a")->description, "builtin");
  EXPECT_EQ(set->find("b")->description, "env");
  EXPECT_EQ(set->find("c")->description, "flag");
  EXPECT_EQ(set->source_dir(*set->find("a")), tmp.path() / "builtin");
  EXPECT_EQ(set->source_dir(*set->find("c")), tmp.path() / "flag");
  ASSERT_EQ(set->warnings().size(), 2u);
  EXPECT_EQ(set->warnings()[0], "definition 'a' in " + (tmp.path() / "env/rmsnorm/a.json").string() +
                                    " differs from the one in " + (tmp.path() / "builtin/rmsnorm/a.json").string() +
                                    "; using " + (tmp.path() / "builtin/rmsnorm/a.json").string() +
                                    " (earlier on the search path)");
}

TEST(DefinitionSetTest, IdenticalDuplicatesAreSilent) {
  TempDir tmp;
  tmp.write("one/rmsnorm/a.json", minimal_definition("a").dump(2));
  tmp.write("two/rmsnorm/a.json", minimal_definition("a").dump());  // same content, other formatting
  auto set = DefinitionSet::load(std::vector<std::filesystem::path>{tmp.path() / "one", tmp.path() / "two"});
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->size(), 1u);
  EXPECT_TRUE(set->warnings().empty());
}

TEST(DefinitionSetTest, InvalidFilesAreSkippedWithAWarning) {
  TempDir tmp;
  tmp.write("d/rmsnorm/good.json", minimal_definition("good").dump());
  tmp.write("d/rmsnorm/bad.json", "{ not json");
  tmp.write("d/notes.txt", "not a definition");
  auto set = DefinitionSet::load(std::vector<std::filesystem::path>{tmp.path() / "d"});
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->size(), 1u);
  ASSERT_EQ(set->warnings().size(), 1u);
  EXPECT_NE(set->warnings()[0].find("bad.json: skipped, 1 error (run `kjit lint"), std::string::npos);
}

TEST(DefinitionSetTest, MissingFolderIsNotFound) {
  TempDir tmp;
  auto empty = DefinitionSet::load(std::vector<std::filesystem::path>{});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->size(), 0u);
  auto set = DefinitionSet::load(std::vector<std::filesystem::path>{tmp.path() / "missing"});
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().code, ErrorCode::not_found);
  EXPECT_NE(set.error().message.find("missing: definitions folder does not exist"), std::string::npos);
}

TEST(DefinitionSetTest, AllIsOrderedByOpTypeThenName) {
  TempDir tmp;
  auto g = minimal_definition("z_gemm");
  g["op_type"] = "gemm";
  tmp.write("d/gemm/z_gemm.json", g.dump());
  tmp.write("d/rmsnorm/b.json", minimal_definition("b").dump());
  tmp.write("d/rmsnorm/a.json", minimal_definition("a").dump());
  auto set = DefinitionSet::load(std::vector<std::filesystem::path>{tmp.path() / "d"});
  ASSERT_TRUE(set.has_value());
  std::vector<std::string> names;
  for (const Definition* d : set->all()) names.push_back(d->name);
  EXPECT_EQ(names, (std::vector<std::string>{"z_gemm", "a", "b"}));
}

TEST(DefinitionSetTest, UnknownNameSuggestsCloseNames) {
  TempDir tmp;
  for (const char* name : {"rmsnorm_h4096", "rmsnorm_h7168", "gemm_n4096_k4096"})
    tmp.write(std::string("d/x/") + name + ".json", minimal_definition(name).dump());
  auto set = DefinitionSet::load(std::vector<std::filesystem::path>{tmp.path() / "d"});
  ASSERT_TRUE(set.has_value());
  auto found = set->get("rmsnorm_h4069");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::not_found);
  EXPECT_EQ(found.error().message,
            "unknown definition 'rmsnorm_h4069'; did you mean 'rmsnorm_h4096', 'rmsnorm_h7168'? Run `kjit list` to "
            "see all 3 definitions, or add a folder with --definitions DIR");
  EXPECT_TRUE(set->get("gemm_n4096_k4096").has_value());
}

TEST(SuggestTest, EditDistanceAndClosestNames) {
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
  std::vector<std::string> names = {"gqa_paged_decode_h32", "gqa_ragged_prefill", "rmsnorm_h4096"};
  EXPECT_EQ(closest_names("gqa_paged", names), std::vector<std::string>{"gqa_paged_decode_h32"});
  EXPECT_TRUE(closest_names("zzzzzz", names).empty());
}

}  // namespace
}  // namespace kjit::jit
