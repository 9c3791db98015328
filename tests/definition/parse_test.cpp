// Tests for definition parsing: order, scalar vs 0-D, unknown keys, syntax
// errors with file:line:col, and the Definition lookup helpers.
#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "tests/definition/temp_dir.h"

namespace kjit::jit {
namespace {

using testing::minimal_definition;
using testing::TempDir;

TEST(ParseTest, KeepsFileOrderOfAxesInputsOutputs) {
  auto doc = nlohmann::ordered_json::parse(R"({
    "name": "order", "op_type": "t",
    "axes": {"zeta": {"type": "var"}, "alpha": {"type": "const", "value": 3}, "mid": {"type": "var"}},
    "inputs": {"z": {"shape": ["zeta"], "dtype": "int32"}, "a": {"shape": ["alpha"], "dtype": "float16"},
               "m": {"shape": ["mid"], "dtype": "bool"}},
    "outputs": {"out2": {"shape": ["zeta"], "dtype": "float32"}, "out1": {"shape": null, "dtype": "float32"}},
    "reference": "def run(z, a, m):\n  pass"
  })");
  auto d = parse_definition(doc, "order.json");
  ASSERT_TRUE(d.has_value()) << d.error().full();
  ASSERT_EQ(d->axes.size(), 3u);
  EXPECT_EQ(d->axes[0].name, "zeta");
  EXPECT_EQ(d->axes[1].name, "alpha");
  EXPECT_EQ(d->axes[1].kind, AxisKind::const_);
  EXPECT_EQ(d->axes[1].value, 3);
  EXPECT_EQ(d->axes[2].name, "mid");
  ASSERT_EQ(d->inputs.size(), 3u);
  EXPECT_EQ(d->inputs[0].name, "z");
  EXPECT_EQ(d->inputs[1].name, "a");
  EXPECT_EQ(d->inputs[1].dtype, Dtype::float16);
  EXPECT_EQ(d->inputs[2].name, "m");
  EXPECT_EQ(d->inputs[2].dtype, Dtype::boolean);
  ASSERT_EQ(d->outputs.size(), 2u);
  EXPECT_EQ(d->outputs[0].name, "out2");
  EXPECT_EQ(d->outputs[1].name, "out1");
}

TEST(ParseTest, NullShapeIsScalarAndEmptyShapeIsZeroD) {
  auto doc = minimal_definition();
  doc["inputs"]["scale"] = {{"shape", nullptr}, {"dtype", "float32"}};
  doc["inputs"]["zero_d"] = {{"shape", nlohmann::ordered_json::array()}, {"dtype", "float32"}};
  doc["reference"] = "def run(x, w, scale, zero_d):\n    return x\n";
  auto d = parse_definition(doc, "t.json");
  ASSERT_TRUE(d.has_value()) << d.error().full();
  const TensorSpec* scale = d->find_input("scale");
  const TensorSpec* zero_d = d->find_input("zero_d");
  ASSERT_NE(scale, nullptr);
  ASSERT_NE(zero_d, nullptr);
  EXPECT_TRUE(scale->is_scalar());
  EXPECT_FALSE(zero_d->is_scalar());
  EXPECT_TRUE(zero_d->shape->empty());
}

TEST(ParseTest, UnknownKeysAreIgnoredButKeptInRaw) {
  auto doc = minimal_definition();
  doc["future_field"] = {{"anything", 1}};
  doc["axes"]["rows"]["hint"] = "ignored";
  doc["inputs"]["x"]["layout"] = "row_major";
  auto d = parse_definition(doc, "t.json");
  ASSERT_TRUE(d.has_value()) << d.error().full();
  EXPECT_EQ(d->raw["future_field"]["anything"], 1);
  EXPECT_EQ(d->name, "toy_norm");
}

TEST(ParseTest, OptionalDescriptionsTagsConstraintsAreRead) {
  auto doc = minimal_definition();
  doc["constraints"] = {"rows > 0"};
  doc["tags"] = {"model:alpha", "model:beta", "tp:8", "fused"};
  doc["inputs"]["w"]["optional"] = true;
  doc["inputs"]["w"]["description"] = "scale";
  auto d = parse_definition(doc, "t.json");
  ASSERT_TRUE(d.has_value()) << d.error().full();
  EXPECT_EQ(d->constraints, std::vector<std::string>{"rows > 0"});
  EXPECT_EQ(d->tag_values("model"), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(d->tag_values("tp"), std::vector<std::string>{"8"});
  EXPECT_TRUE(d->tag_values("fused").empty());
  EXPECT_TRUE(d->find_input("w")->optional);
  EXPECT_EQ(d->find_input("w")->description, "scale");
  EXPECT_EQ(d->const_value("width"), 8);
  EXPECT_FALSE(d->const_value("rows").has_value());
  EXPECT_FALSE(d->const_value("nope").has_value());
  EXPECT_NE(d->find_axis("rows"), nullptr);
  EXPECT_NE(d->find_output("y"), nullptr);
  EXPECT_EQ(d->find_output("x"), nullptr);
}

TEST(ParseTest, InvalidDocumentListsEveryError) {
  auto doc = minimal_definition();
  doc.erase("op_type");
  doc["inputs"]["x"]["dtype"] = "float64";
  auto d = parse_definition(doc, "bad.json");
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(d.error().message,
            "invalid definition (2 errors): bad.json: /op_type: missing required field 'op_type'; add it as a "
            "non-empty string");
  EXPECT_NE(d.error().details.find("bad.json: /inputs/x/dtype: tensor 'x' has unknown dtype \"float64\""),
            std::string::npos);
}

TEST(ParseTest, MalformedJsonGivesFileLineColumn) {
  TempDir dir;
  auto file = dir.write("broken.json", "{\n  \"name\": \"b\",\n  \"axes\": { \"a\": 1 ,, }\n}\n");
  auto d = load_definition_file(file);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::parse_error);
  // Line 3, column 21 is the second comma.
  EXPECT_EQ(d.error().message.rfind(file.string() + ":3:21: malformed JSON: ", 0), 0u) << d.error().message;

  FileParse parsed = parse_definition_file(file);
  EXPECT_FALSE(parsed.definition.has_value());
  ASSERT_EQ(parsed.issues.size(), 1u);
  EXPECT_EQ(parsed.issues[0].line, 3);
  EXPECT_EQ(parsed.issues[0].column, 21);
}

TEST(ParseTest, LineColumnCountsFromOne) {
  EXPECT_EQ(line_column("abc", 0), std::make_pair(1, 1));
  EXPECT_EQ(line_column("abc", 2), std::make_pair(1, 3));
  EXPECT_EQ(line_column("a\nbc\nd", 3), std::make_pair(2, 2));
  EXPECT_EQ(line_column("a\nbc\nd", 5), std::make_pair(3, 1));
}

TEST(ParseTest, LoadSetsPathAndMissingFileIsNotFound) {
  TempDir dir;
  auto file = dir.write("rmsnorm/toy_norm.json", minimal_definition().dump(2));
  auto d = load_definition_file(file);
  ASSERT_TRUE(d.has_value()) << d.error().full();
  EXPECT_EQ(d->path, file);
  auto missing = load_definition_file(dir.path() / "nope.json");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace kjit::jit
