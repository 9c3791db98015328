// Tests for bounded JSON parsing (jit/util/json_limits.h): the depth and size
// limits, brackets inside strings, locations in messages, bounded file reads.
#include "jit/util/json_limits.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace kjit {
namespace {

std::string nested(int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); }

TEST(JsonLimitsTest, DepthAtTheLimitParses) {
  auto j = parse_json(nested(k_json_max_depth), "doc");
  ASSERT_TRUE(j) << j.error().message;
}

TEST(JsonLimitsTest, DepthOverTheLimitIsRefusedWithItsLocation) {
  auto j = parse_json("{\"a\":\n " + nested(k_json_max_depth + 1) + "}", "doc.json");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, ErrorCode::parse_error);
  // The 64th '[' is level 65 (inside the object): line 2, column 2 + 63.
  EXPECT_EQ(j.error().message, "doc.json:2:65: arrays/objects nested deeper than 64 levels; flatten the document");
}

// Found by the launch_plan fuzzer: nlohmann reports a number too large for a
// double by an out_of_range exception, which escaped parse_json.
TEST(JsonLimitsTest, NumberOutOfRangeIsAParseErrorNotAnException) {
  for (const char* text : {"1e1111111111111111111", "{\"grid\": [1e400]}", "-1e99999"}) {
    SCOPED_TRACE(text);
    auto j = parse_json(text, "plan");
    ASSERT_FALSE(j);
    EXPECT_EQ(j.error().code, ErrorCode::parse_error);
    EXPECT_NE(j.error().message.find("plan: "), std::string::npos) << j.error().message;
    auto o = parse_ordered_json(text, "plan");
    ASSERT_FALSE(o);
  }
}

TEST(JsonLimitsTest, HundredThousandDeepArrayIsRefusedNotACrash) {
  auto j = parse_ordered_json(nested(100000), "deep.json");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("nested deeper than 64 levels"), std::string::npos) << j.error().message;
}

TEST(JsonLimitsTest, BracketsInsideStringsDoNotCount) {
  std::string text = "{\"s\": \"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
  auto j = parse_json(text, "doc");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)["s"].get<std::string>().size(), 2001u);
}

TEST(JsonLimitsTest, SizeOverTheLimitIsRefused) {
  JsonLimits small{.max_bytes = 10, .max_depth = 64};
  auto j = parse_json("[1, 2, 3, 4, 5]", "body", small);
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("document of 15 bytes is over the limit of 10 bytes"), std::string::npos)
      << j.error().message;
}

TEST(JsonLimitsTest, SyntaxErrorsNameLineAndColumn) {
  auto j = parse_json("{\n  \"a\": 1,\n  oops\n}", "x.json");
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message.rfind("x.json:3:3: malformed JSON: ", 0), 0u) << j.error().message;
}

TEST(JsonLimitsTest, ReadFileBoundedChecksSizeAndKind) {
  auto dir = std::filesystem::temp_directory_path() / ("kjit_json_limits_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "a.json") << "0123456789";
  }
  auto ok = read_file_bounded(dir / "a.json", 10);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "0123456789");
  auto big = read_file_bounded(dir / "a.json", 9);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(big.error().message.find("10 bytes is over the limit of 9 bytes"), std::string::npos);
  auto folder = read_file_bounded(dir, 100);
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.error().message.find("not a regular file"), std::string::npos);
  auto device = read_file_bounded("/dev/zero", 100);
  ASSERT_FALSE(device);
  EXPECT_NE(device.error().message.find("not a regular file"), std::string::npos);
  auto missing = read_file_bounded(dir / "missing.json", 100);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kjit
