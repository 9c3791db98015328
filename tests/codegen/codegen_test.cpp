// Tests for the template context, template matching by structure, and the
// mapping of NVRTC diagnostics back to template lines.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "jit/codegen/codegen.h"
#include "jit/codegen/context.h"
#include "jit/definition/parse.h"
#include "tests/common/temp_dir.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

const char* k_norm_def = R"J({
  "name": "rmsnorm_h8", "op_type": "rmsnorm", "description": "test", "tags": ["model:x"],
  "axes": {"batch_size": {"type": "var"}, "hidden_size": {"type": "const", "value": 8}},
  "inputs": {"hidden_states": {"shape": ["batch_size", "hidden_size"], "dtype": "bfloat16"},
             "weight": {"shape": ["hidden_size"], "dtype": "bfloat16"},
             "scale": {"shape": null, "dtype": "float32"}},
  "outputs": {"output": {"shape": ["batch_size", "hidden_size"], "dtype": "bfloat16"}},
  "reference": "def run(hidden_states, weight, scale):\n    EPS = 1e-6\n    return hidden_states\n"
})J";

Definition norm_def() {
  auto d = parse_definition(nlohmann::ordered_json::parse(k_norm_def), "test");
  EXPECT_TRUE(d) << d.error().message;
  return *d;
}

class CodegenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(m_root / "rmsnorm");
    fs::create_directories(m_root / "include");
  }
  void write(const std::string& rel, const std::string& text) { m_tmp.write(rel, text); }
  void write_norm_template(const std::string& require = "[]", int priority = 0, const std::string& variant = "n") {
    write("rmsnorm/" + variant + ".kjit.json",
          R"({"source": ")" + variant + R"(.cu.j2", "plan": ")" + variant + R"(.plan.j2", "priority": )" +
              std::to_string(priority) +
              R"(, "serves": {"op_type": "rmsnorm", "inputs": ["hidden_states", "weight", "scale"],
              "outputs": ["output"], "const_axes": ["hidden_size"], "var_axes": ["batch_size"],
              "dtypes": {"hidden_states": ["bfloat16"]}, "require": )" + require + "}}");
    write("rmsnorm/" + variant + ".cu.j2",
          "// {{ name }}\n{% include \"include/common.cuh.j2\" %}\nconstexpr int H = {{ const.hidden_size }};\n"
          "constexpr float EPS = {{ consts.EPS }};\nextern \"C\" __global__ void {{ entry_prefix }}() {}\n");
    write("rmsnorm/" + variant + ".plan.j2",
          R"({"launches": [{"entry": "{{ entry_prefix }}", "grid": ["batch_size"], "block": [{{ const.hidden_size * 32 }}],
              "args": ["hidden_states", "weight", "scale", "output", "batch_size"]}]})");
    write("include/common.cuh.j2", "// common\n// line two\n");
  }
  ::kjit::testing::TempDir m_tmp{"kjit_codegen"};
  fs::path m_root = m_tmp.path();
};

TEST_F(CodegenTest, ContextHasEveryDocumentedField) {
  auto c = build_context(norm_def(), "sm_90a");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)["sm"], 90);
  EXPECT_EQ((*c)["arch_suffix"], "a");
  EXPECT_EQ((*c)["const"]["hidden_size"], 8);
  EXPECT_EQ((*c)["var"], nlohmann::json::array({"batch_size"}));
  EXPECT_EQ((*c)["inputs"][0]["ctype"], "__nv_bfloat16");
  EXPECT_EQ((*c)["inputs"][0]["dims"], nlohmann::json::parse("[null, 8]"));
  EXPECT_EQ((*c)["inputs"][2]["scalar"], true);
  EXPECT_EQ((*c)["tensors"]["output"]["is_input"], false);
  EXPECT_DOUBLE_EQ((*c)["consts"]["EPS"].get<double>(), 1e-6);
  EXPECT_EQ((*c)["entry_prefix"], "kjit_rmsnorm_h8");
  EXPECT_FALSE(build_context(norm_def(), "sm90"));
  EXPECT_FALSE(build_context(norm_def(), "sm_90x"));
  EXPECT_TRUE(build_context(norm_def(), "sm_100f"));
}

TEST_F(CodegenTest, RendersSourceAndPlan) {
  write_norm_template();
  auto reg = TemplateRegistry::load(m_root);
  ASSERT_TRUE(reg) << reg.error().message;
  Environment env({m_root});
  auto k = render_kernel(norm_def(), "sm_90a", *reg, env);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->manifest->id, "rmsnorm/n");
  EXPECT_NE(k->source.find("constexpr int H = 8;"), std::string::npos);
  EXPECT_NE(k->source.find("constexpr float EPS = 1e-06;"), std::string::npos);
  ASSERT_EQ(k->entries, std::vector<std::string>{"kjit_rmsnorm_h8"});
  EXPECT_EQ(k->plan.launches[0].block[0], "256");
  EXPECT_GE(k->dependencies.size(), 3u);  // source, include, plan
  // Rendered line 5 ("constexpr int H"; line 4 is the rest of the include line) is template line 3.
  ASSERT_GE(k->line_map.size(), 5u);
  EXPECT_EQ(k->line_map[4].line, 3);
  EXPECT_EQ(k->line_map[3].line, 2);
  EXPECT_NE(k->line_map[1].file.find("common.cuh.j2"), std::string::npos);
}

TEST_F(CodegenTest, NoTemplateErrorExplainsEachCandidate) {
  write_norm_template("[\"const.hidden_size > 100\"]");
  auto reg = TemplateRegistry::load(m_root);
  ASSERT_TRUE(reg);
  Environment env({m_root});
  auto k = render_kernel(norm_def(), "sm_90a", *reg, env);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, ErrorCode::no_template);
  EXPECT_EQ(k.error().message, "no template serves definition 'rmsnorm_h8' (op_type rmsnorm)");
  EXPECT_NE(k.error().details.find("requires const.hidden_size > 100"), std::string::npos);
}

TEST_F(CodegenTest, HighestPriorityWinsAndStructureDecides) {
  write_norm_template("[]", 0, "a");
  write_norm_template("[]", 5, "b");
  auto reg = TemplateRegistry::load(m_root);
  ASSERT_TRUE(reg);
  Environment env({m_root});
  auto c = build_context(norm_def(), "sm_90a");
  auto m = reg->match(norm_def(), *c, env);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->id, "rmsnorm/b");
  Definition other = norm_def();
  other.inputs.pop_back();  // no scale input: structure differs
  EXPECT_EQ(reg->match_structure(other), nullptr);
}

TEST_F(CodegenTest, MalformedManifestNamesFile) {
  write("rmsnorm/bad.kjit.json", R"({"source": "x.cu.j2"})");
  auto reg = TemplateRegistry::load(m_root);
  ASSERT_FALSE(reg);
  EXPECT_NE(reg.error().message.find("bad.kjit.json"), std::string::npos);
  EXPECT_NE(reg.error().message.find("missing"), std::string::npos);
}

TEST_F(CodegenTest, MapsCompileLogToTemplateLines) {
  RenderedKernel k;
  k.source_name = "d.cu";
  k.line_map = {{"t.cu.j2", 1}, {"inc.j2", 7}, {"t.cu.j2", 9}};
  std::string log = "d.cu(3): error: identifier \"x\" is undefined\n    x = 1;\n    ^\n\n1 error detected\n";
  std::string mapped = map_compile_log(log, k);
  EXPECT_NE(mapped.find("t.cu.j2:9: error: identifier \"x\" is undefined (rendered d.cu:3)"), std::string::npos);
  EXPECT_NE(mapped.find("    x = 1;\n    ^\n"), std::string::npos);
  EXPECT_EQ(first_mapped_error(log, k), "t.cu.j2:9: error: identifier \"x\" is undefined (rendered d.cu:3)");
  EXPECT_EQ(first_mapped_error("d.cu(99): error: far\n", k), "d.cu:99: error: far");
}

}  // namespace
}  // namespace kjit::jit
