// Tests for the validation rules: one failing example per rule (table-driven),
// asserting the JSON pointer and the message; location warnings.
#include <functional>

#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "jit/definition/validate.h"
#include "tests/definition/temp_dir.h"

namespace kjit::jit {
namespace {

using Json = nlohmann::ordered_json;
using testing::minimal_definition;

struct RuleCase {
  const char* rule;
  std::function<void(Json&)> mutate;
  const char* pointer;
  const char* message;
};

TEST(ValidateTest, MinimalDefinitionIsClean) {
  EXPECT_TRUE(validate_definition_json(minimal_definition(), "t.json").empty());
}

TEST(ValidateTest, EachRuleReportsPointerAndMessage) {
  const RuleCase cases[] = {
      {"root object", [](Json& d) { d = Json::array(); }, "",
       "a definition must be a JSON object, found an array; start the file with { \"name\": ..., \"op_type\": ..., "
       "... }"},
      {"name required", [](Json& d) { d.erase("name"); }, "/name",
       "missing required field 'name'; add it as a non-empty string"},
      {"name string", [](Json& d) { d["name"] = 5; }, "/name", "'name' must be a string, found a number"},
      {"name non-empty", [](Json& d) { d["name"] = ""; }, "/name", "'name' must not be empty"},
      {"op_type required", [](Json& d) { d.erase("op_type"); }, "/op_type",
       "missing required field 'op_type'; add it as a non-empty string"},
      {"description string", [](Json& d) { d["description"] = 1; }, "/description",
       "'description' must be a string, found a number"},
      {"tags array", [](Json& d) { d["tags"] = "model:x"; }, "/tags",
       "'tags' must be an array of strings, found a string"},
      {"tag strings", [](Json& d) { d["tags"] = {"ok", 3}; }, "/tags/1", "'tags' entries must be strings, found a number"},
      {"constraints strings", [](Json& d) { d["constraints"] = {""}; }, "/constraints/0",
       "'constraints' entries must not be empty"},
      {"axes required", [](Json& d) { d.erase("axes"); }, "/axes",
       "missing required field 'axes'; add an object mapping each axis name to {\"type\": \"const\", \"value\": N} "
       "or {\"type\": \"var\"}"},
      {"axes object", [](Json& d) { d["axes"] = Json::array(); }, "/axes",
       "'axes' must be an object mapping axis names to axis specs, found an array"},
      {"axis type required", [](Json& d) { d["axes"]["rows"] = Json::object(); }, "/axes/rows/type",
       "axis 'rows' has no 'type'; set it to \"const\" or \"var\""},
      {"axis type const|var", [](Json& d) { d["axes"]["rows"]["type"] = "dynamic"; }, "/axes/rows/type",
       "axis 'rows' has type \"dynamic\"; it must be \"const\" or \"var\""},
      {"const needs value", [](Json& d) { d["axes"]["width"].erase("value"); }, "/axes/width/value",
       "const axis 'width' needs a 'value' (a non-negative integer)"},
      {"const value integer", [](Json& d) { d["axes"]["width"]["value"] = 8.5; }, "/axes/width/value",
       "const axis 'width' has value 8.5; it must be a non-negative integer"},
      {"const value non-negative", [](Json& d) { d["axes"]["width"]["value"] = -2; }, "/axes/width/value",
       "const axis 'width' has value -2; it must be a non-negative integer"},
      {"inputs required", [](Json& d) { d.erase("inputs"); }, "/inputs",
       "missing required field 'inputs'; add an object mapping each tensor name to {\"shape\": [axis, ...] or null, "
       "\"dtype\": ...}"},
      {"outputs non-empty", [](Json& d) { d["outputs"] = Json::object(); }, "/outputs",
       "'outputs' is empty; declare at least one output"},
      {"tensor object", [](Json& d) { d["inputs"]["x"] = "bf16"; }, "/inputs/x",
       "tensor 'x' must be an object with 'shape' and 'dtype', found a string"},
      {"shape required", [](Json& d) { d["inputs"]["x"].erase("shape"); }, "/inputs/x/shape",
       "tensor 'x' has no 'shape'; give a list of axis names, or null for a scalar"},
      {"shape list", [](Json& d) { d["inputs"]["x"]["shape"] = "rows"; }, "/inputs/x/shape",
       "'shape' of tensor 'x' must be a list of axis names or null, found a string"},
      {"shape axis names", [](Json& d) { d["inputs"]["x"]["shape"] = {"rows", 8}; }, "/inputs/x/shape/1",
       "dimension 1 of tensor 'x' must be an axis name (a string), found 8"},
      {"shape uses declared axes", [](Json& d) { d["outputs"]["y"]["shape"] = {"rows", "cols"}; },
       "/outputs/y/shape/1", "tensor 'y' uses axis 'cols', which is not declared; add it to 'axes' or fix the name"},
      {"dtype required", [](Json& d) { d["inputs"]["w"].erase("dtype"); }, "/inputs/w/dtype",
       "tensor 'w' has no 'dtype'; use one of float32, float16, bfloat16, float8_e4m3fn, float8_e5m2, "
       "float4_e2m1, int8, int16, int32, int64, bool"},
      {"dtype known", [](Json& d) { d["inputs"]["w"]["dtype"] = "fp8"; }, "/inputs/w/dtype",
       "tensor 'w' has unknown dtype \"fp8\"; use one of float32, float16, bfloat16, float8_e4m3fn, float8_e5m2, "
       "float4_e2m1, int8, int16, int32, int64, bool"},
      {"optional boolean", [](Json& d) { d["inputs"]["w"]["optional"] = "yes"; }, "/inputs/w/optional",
       "'optional' of tensor 'w' must be true or false, found a string"},
      {"input/output names distinct", [](Json& d) { d["outputs"]["x"] = d["inputs"]["x"]; }, "/outputs/x",
       "'x' is both an input and an output; rename one of them (an in-place update is an input plus an output "
       "with a different name)"},
      {"reference required", [](Json& d) { d.erase("reference"); }, "/reference",
       "missing required field 'reference'; add PyTorch source defining `def run(<inputs>)` that returns the "
       "outputs"},
      {"reference string", [](Json& d) { d["reference"] = Json::array(); }, "/reference",
       "'reference' must be a string of Python source, found an array"},
      {"reference defines run", [](Json& d) { d["reference"] = "def forward(x, w):\n  return x"; }, "/reference",
       "'reference' does not define `def run(`; the entry point must be a function named run taking the inputs"},
  };
  for (const auto& c : cases) {
    Json doc = minimal_definition();
    c.mutate(doc);
    auto issues = validate_definition_json(doc, "t.json");
    std::vector<Issue> errors;
    for (const auto& i : issues)
      if (i.severity == Severity::error) errors.push_back(i);
    ASSERT_EQ(errors.size(), 1u) << c.rule << ": " << (errors.empty() ? "no error" : errors[0].to_string());
    EXPECT_EQ(errors[0].pointer, c.pointer) << c.rule;
    EXPECT_EQ(errors[0].message, c.message) << c.rule;
    EXPECT_EQ(errors[0].file, "t.json") << c.rule;
    EXPECT_FALSE(parse_definition(doc, "t.json").has_value()) << c.rule;
  }
}

TEST(ValidateTest, CollectsAllIssuesOfAFile) {
  Json doc = minimal_definition();
  doc.erase("name");
  doc["axes"]["width"]["value"] = -1;
  doc["inputs"]["x"]["dtype"] = "float64";
  doc["outputs"]["y"]["shape"] = {"nope"};
  auto issues = validate_definition_json(doc, "t.json");
  std::vector<std::string> pointers;
  for (const auto& i : issues) pointers.push_back(i.pointer);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/name", "/axes/width/value", "/inputs/x/dtype", "/outputs/y/shape/0"}));
}

TEST(ValidateTest, PointerTokensAreEscaped) {
  Json doc = minimal_definition();
  doc["inputs"]["a/b~c"] = {{"shape", {"rows"}}, {"dtype", "int4"}};
  auto issues = validate_definition_json(doc, "t.json");
  bool found = false;
  for (const auto& i : issues)
    if (i.pointer == "/inputs/a~1b~0c/dtype") found = true;
  EXPECT_TRUE(found);
}

TEST(ValidateTest, WarningsDoNotMakeADefinitionInvalid) {
  Json doc = minimal_definition();
  doc["axes"]["rows"]["value"] = 4;                     // ignored on a var axis
  doc["reference"] = "def run(x, w, extra):\n  pass";  // parameter that is no input
  auto issues = validate_definition_json(doc, "t.json");
  EXPECT_EQ(count_issues(issues, Severity::error), 0u);
  EXPECT_EQ(count_issues(issues, Severity::warning), 2u);
  EXPECT_TRUE(parse_definition(doc, "t.json").has_value());
}

// run's parameters: annotations (with commas inside brackets), defaults and
// *args are understood; only real mismatches with the inputs are reported.
TEST(ValidateTest, RunParametersWithAnnotationsAndDefaults) {
  Json doc = minimal_definition();
  doc["reference"] = "def run(x: torch.Tensor,\n        w: Tuple[int, int] = (1, 2), *args, eps=1e-5):\n  pass";
  auto issues = validate_definition_json(doc, "t.json");
  std::vector<std::string> warnings;
  for (const auto& i : issues)
    if (i.severity == Severity::warning) warnings.push_back(i.message);
  ASSERT_EQ(warnings.size(), 2u) << ::testing::PrintToString(warnings);
  EXPECT_NE(warnings[0].find("'args'"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("'eps'"), std::string::npos) << warnings[1];
  doc["reference"] = "def run(w, x):\n  pass";  // order does not matter
  EXPECT_EQ(count_issues(validate_definition_json(doc, "t.json"), Severity::warning), 0u);
}

TEST(ValidateTest, LocationMismatchIsAWarning) {
  auto d = parse_definition(minimal_definition("fused_add_norm"), "x");
  ASSERT_TRUE(d.has_value());
  // op_type rmsnorm filed under norm/, name differs from the file name.
  auto issues = validate_location(*d, "/root/norm/other.json", "/root");
  ASSERT_EQ(issues.size(), 2u);
  for (const auto& i : issues) EXPECT_EQ(i.severity, Severity::warning);
  EXPECT_EQ(issues[0].pointer, "/name");
  EXPECT_EQ(issues[1].pointer, "/op_type");
  EXPECT_TRUE(validate_location(*d, "/root/rmsnorm/fused_add_norm.json", "/root").empty());
  // Deeper than <root>/<op_type>/<name>.json: the folder is not checked.
  EXPECT_TRUE(validate_location(*d, "/root/a/b/fused_add_norm.json", "/root").empty());
}

}  // namespace
}  // namespace kjit::jit
