// Hostile definition files (issue #19): over-deep and over-large JSON, names
// that would escape folders or print escape sequences, identifiers that would
// inject CUDA, const values past int64. Each is a specific lint error naming
// the file, and the loader skips the file with a warning instead of crashing
// (a 100,000-deep array in one file made every command die with SIGSEGV).
#include <gtest/gtest.h>

#include "jit/definition/definition_set.h"
#include "jit/definition/lint.h"
#include "jit/definition/names.h"
#include "jit/definition/parse.h"
#include "jit/definition/validate.h"
#include "tests/definition/temp_dir.h"

namespace kjit::jit {
namespace {

using testing::minimal_definition;
using testing::TempDir;

// A valid definition whose unknown field "extra" holds a `depth`-deep array:
// it passes the schema, so only the depth limit stands between it and the
// recursive copy/compare/dump of the loader.
std::string deep_definition(const std::string& name, int depth) {
  std::string text = minimal_definition(name).dump();
  text.pop_back();  // '}'
  return text + ", \"extra\": " + std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']') + "}";
}

std::vector<std::string> error_messages(const FileParse& parsed) {
  std::vector<std::string> out;
  for (const auto& i : parsed.issues)
    if (i.severity == Severity::error) out.push_back(i.to_string());
  return out;
}

TEST(HostileDefinitionTest, HundredThousandDeepFileIsALintErrorNotACrash) {
  TempDir tmp;
  auto file = tmp.write("defs/rmsnorm/deep.json", deep_definition("deep", 100000));
  FileParse parsed = parse_definition_file(file);
  EXPECT_FALSE(parsed.definition);
  auto errors = error_messages(parsed);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find(file.string()), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("definition refused: arrays/objects nested deeper than 64 levels"), std::string::npos)
      << errors[0];
}

TEST(HostileDefinitionTest, LoaderSkipsTheDeepFileAndKeepsTheRest) {
  TempDir tmp;
  tmp.write("defs/rmsnorm/deep.json", deep_definition("deep", 100000));
  tmp.write("defs/rmsnorm/good.json", minimal_definition("good").dump(2));
  auto set = DefinitionSet::load({tmp.path() / "defs"});
  ASSERT_TRUE(set) << set.error().full();
  EXPECT_EQ(set->size(), 1u);
  EXPECT_NE(set->find("good"), nullptr);
  ASSERT_EQ(set->warnings().size(), 1u);
  EXPECT_NE(set->warnings()[0].find("deep.json: skipped, 1 error"), std::string::npos) << set->warnings()[0];
  // lint reports it too, naming the file.
  auto report = lint({tmp.path() / "defs"});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->invalid, 1u);
  EXPECT_EQ(report->valid, 1u);
}

// Found by tests/fuzz/definition_fuzz.cpp: nlohmann's syntax error quotes the
// bytes last read; invalid UTF-8 there made `kjit lint --json` end in
// "internal error: [json.exception.type_error.316] invalid UTF-8 byte".
TEST(HostileDefinitionTest, SyntaxErrorsWithInvalidUtf8StayPrintableJson) {
  TempDir tmp;
  auto file = tmp.write("defs/rmsnorm/bad.json", "{\"name\": \"x\", \"op_type\": \x8c\x1b[2J}");
  FileParse parsed = parse_definition_file(file);
  ASSERT_EQ(parsed.issues.size(), 1u);
  const std::string& m = parsed.issues[0].message;
  EXPECT_NE(m.find("\\x8c"), std::string::npos) << m;
  EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
  EXPECT_NO_THROW((void)parsed.issues[0].to_json().dump());
  auto report = lint({tmp.path() / "defs"});
  ASSERT_TRUE(report);
  EXPECT_NO_THROW((void)report->to_json().dump());
}

TEST(HostileDefinitionTest, ModeratelyNestedUnknownFieldsStillLoad) {
  TempDir tmp;
  auto file = tmp.write("defs/rmsnorm/nested.json", deep_definition("nested", 40));
  FileParse parsed = parse_definition_file(file);
  EXPECT_TRUE(parsed.definition) << (parsed.issues.empty() ? "" : parsed.issues[0].to_string());
}

TEST(HostileDefinitionTest, OverLargeFileIsRefusedBeforeReading) {
  TempDir tmp;
  auto doc = minimal_definition("large");
  doc["description"] = std::string(17u << 20, 'x');
  auto file = tmp.write("defs/rmsnorm/large.json", doc.dump());
  FileParse parsed = parse_definition_file(file);
  EXPECT_FALSE(parsed.definition);
  auto errors = error_messages(parsed);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("bytes is over the limit of 16777216 bytes"), std::string::npos) << errors[0];
}

TEST(HostileDefinitionTest, NamesThatEscapeFoldersOrTerminalsAreLintErrors) {
  struct Case {
    std::string name;
    std::string problem;
  };
  const Case cases[] = {
      {"../../escaped", "starts with '.'"},
      {"a/b", "contains a path separator"},
      {"x\x1b[31mred", "contains a control character"},
      {"-rf", "starts with '-' (it would read as an option)"},
      {".hidden", "starts with '.'"},
      {std::string(5000, 'n'), "has 5000 characters (at most 200)"},
      {"caf\xc3\xa9", "contains '\\xc3'"},
      {"semi;colon", "contains ';'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(printable_name(c.name));
    auto doc = minimal_definition();
    doc["name"] = c.name;
    auto issues = validate_definition_json(doc, "x.json");
    ASSERT_EQ(count_issues(issues, Severity::error), 1u);
    EXPECT_EQ(issues[0].pointer, "/name");
    EXPECT_NE(issues[0].message.find("is not a valid name: it " + c.problem), std::string::npos) << issues[0].message;
    // Never the raw bytes: no escape character in the message.
    EXPECT_EQ(issues[0].message.find('\x1b'), std::string::npos);
  }
  auto doc = minimal_definition();
  doc["op_type"] = "../x";
  auto issues = validate_definition_json(doc, "x.json");
  ASSERT_EQ(count_issues(issues, Severity::error), 1u);
  EXPECT_EQ(issues[0].pointer, "/op_type");
}

TEST(HostileDefinitionTest, ValidNamesPass) {
  for (const std::string& name : std::vector<std::string>{"rmsnorm_h4096", "gqa_paged_decode_h32_kv8_d128_ps1", "a.b-c_1",
                                                          "0x", std::string(200, 'z')})
    EXPECT_TRUE(is_valid_definition_name(name)) << name;
  EXPECT_FALSE(is_valid_definition_name(""));
  EXPECT_FALSE(is_valid_definition_name(std::string(201, 'z')));
}

TEST(HostileDefinitionTest, AxisAndTensorNamesMustBeIdentifiers) {
  auto doc = minimal_definition();
  doc["inputs"]["x\n#include \"/etc/passwd\"\n"] = {{"shape", {"rows"}}, {"dtype", "float32"}};
  doc["axes"]["bad axis"] = {{"type", "var"}};
  auto issues = validate_definition_json(doc, "x.json");
  std::vector<std::string> errors;
  for (const auto& i : issues)
    if (i.severity == Severity::error) errors.push_back(i.message);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("axis name 'bad axis' is not an identifier"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("tensor name 'x\\x0a#include \"/etc/passwd\"\\x0a' is not an identifier"),
            std::string::npos)
      << errors[1];
}

TEST(HostileDefinitionTest, ConstAxisValuesPastTheBoundAreErrors) {
  for (const char* value : {"2147483648", "9223372036854775808", "18446744073709551615"}) {
    auto doc = minimal_definition();
    doc["axes"]["width"]["value"] = nlohmann::ordered_json::parse(value);
    auto issues = validate_definition_json(doc, "x.json");
    ASSERT_EQ(count_issues(issues, Severity::error), 1u) << value;
    EXPECT_NE(issues[0].message.find("must be at most 2147483647"), std::string::npos) << issues[0].message;
  }
}

TEST(HostileDefinitionTest, LookupOfAnInvalidNameSaysWhyWithoutEchoingEscapes) {
  TempDir tmp;
  tmp.write("defs/rmsnorm/good.json", minimal_definition("good").dump(2));
  auto set = DefinitionSet::load({tmp.path() / "defs"});
  ASSERT_TRUE(set);
  auto got = set->get("\x1b]0;pwned\x07");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(got.error().message.find('\x1b'), std::string::npos);
  EXPECT_NE(got.error().message.find("'\\x1b]0;pwned\\x07' is not a valid name"), std::string::npos)
      << got.error().message;
}

TEST(HostileDefinitionTest, SymlinkLoopInTheDefinitionsFolderIsBounded) {
  TempDir tmp;
  tmp.write("defs/rmsnorm/good.json", minimal_definition("good").dump(2));
  std::filesystem::create_directory_symlink(tmp.path() / "defs", tmp.path() / "defs/rmsnorm/loop");
  auto set = DefinitionSet::load({tmp.path() / "defs"});
  ASSERT_TRUE(set) << set.error().full();
  EXPECT_NE(set->find("good"), nullptr);
}

}  // namespace
}  // namespace kjit::jit
