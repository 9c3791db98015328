// Tests for the configuration table and size parsing.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "jit/api/config.h"
#include "jit/util/error.h"

namespace kjit {
namespace {

TEST(ConfigTest, ParseSizeUnits) {
  EXPECT_EQ(parse_size("2G"), 2ull << 30);
  EXPECT_EQ(parse_size("512M"), 512ull << 20);
  EXPECT_EQ(parse_size("1048576"), 1048576ull);
  EXPECT_FALSE(parse_size("12Q").has_value());
  EXPECT_FALSE(parse_size("").has_value());
  EXPECT_FALSE(parse_size("G").has_value());
}

TEST(ConfigTest, EnvOverridesDefault) {
  ::setenv("KJIT_CACHE_DIR", "/tmp/kjit-config-test", 1);
  ::setenv("KJIT_DEFINITIONS", "/a:/b", 1);
  ::setenv("KJIT_CACHE_MAX_SIZE", "1M", 1);
  Config c = Config::from_env();
  EXPECT_EQ(c.cache_dir, "/tmp/kjit-config-test");
  ASSERT_EQ(c.definition_dirs.size(), 2u);
  EXPECT_EQ(c.definition_dirs[1], "/b");
  EXPECT_EQ(c.cache_max_size, 1ull << 20);
  ::unsetenv("KJIT_CACHE_DIR");
  ::unsetenv("KJIT_DEFINITIONS");
  ::unsetenv("KJIT_CACHE_MAX_SIZE");
}

// KJIT_BUILTIN_DEFINITIONS=0: only the configured folders (the dataset's own
// same-named files from Python or C); anything but a boolean is reported.
TEST(ConfigTest, BuiltinDefinitionsCanBeLeftOffTheSearchPath) {
  ::setenv("KJIT_BUILTIN_DEFINITIONS", "0", 1);
  EXPECT_TRUE(Config::from_env().builtin_definitions_dir.empty());
  EXPECT_TRUE(Config::check_env().empty());
  ::setenv("KJIT_BUILTIN_DEFINITIONS", "1", 1);
  EXPECT_FALSE(Config::from_env().builtin_definitions_dir.empty());
  ::setenv("KJIT_BUILTIN_DEFINITIONS", "maybe", 1);
  EXPECT_FALSE(Config::from_env().builtin_definitions_dir.empty());  // malformed: the default stays
  auto problems = Config::check_env();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("KJIT_BUILTIN_DEFINITIONS='maybe' is not a boolean"), std::string::npos) << problems[0];
  ::unsetenv("KJIT_BUILTIN_DEFINITIONS");
}

TEST(ConfigTest, SearchPathSkipsAMissingBuiltinFolderButKeepsConfiguredOnes) {
  Config c;
  c.builtin_definitions_dir = "/nonexistent/kjit-builtin";
  c.definition_dirs = {"/nonexistent/configured"};
  auto path = c.definition_search_path();
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(path[0], "/nonexistent/configured");
  c.builtin_definitions_dir = std::filesystem::temp_directory_path();
  path = c.definition_search_path();
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0], std::filesystem::temp_directory_path());
}

TEST(ConfigTest, EveryErrorCodeHasExitCode) {
  EXPECT_EQ(exit_code_for(ErrorCode::not_found), 3);
  EXPECT_EQ(exit_code_for(ErrorCode::no_template), 3);
  EXPECT_EQ(exit_code_for(ErrorCode::compile_error), 4);
  EXPECT_EQ(exit_code_for(ErrorCode::mismatch), 5);
  EXPECT_EQ(exit_code_for(ErrorCode::no_device), 6);
  EXPECT_EQ(exit_code_for(ErrorCode::io_error), 1);
}

}  // namespace
}  // namespace kjit
