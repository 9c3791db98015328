// CLI tests for `kjit render --template FILE --context JSONFILE`: the context
// keeps its key order (dicts iterate like Jinja2's), and hostile contexts
// (100k-deep nesting, out-of-range numbers) end in a clear error and exit
// code 2, never a crash.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

namespace fs = std::filesystem;

class CliRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("kjit_cli_render_" + std::to_string(::getpid()));
    fs::create_directories(m_dir);
    write("t.j2", "{% for k in m %}{{ k }}{% endfor %} {{ m|dictsort }}\n");
  }
  void TearDown() override { fs::remove_all(m_dir); }
  void write(const std::string& name, const std::string& text) { std::ofstream(m_dir / name, std::ios::binary) << text; }
  std::string run(const std::string& context) {
    write("c.json", context);
    auto r = flows_test::run_kjit("render --template '" + (m_dir / "t.j2").string() + "' --context '" +
                                  (m_dir / "c.json").string() + "'");
    m_exit = r.exit_code;
    return r.out;
  }
  fs::path m_dir;
  int m_exit = -1;
};

TEST_F(CliRenderTest, ContextKeepsDocumentOrder) {
  std::string out = run(R"({"m": {"b": 1, "a": 2, "c": 3}})");
  EXPECT_EQ(m_exit, 0) << out;
  EXPECT_EQ(out, "bac [('a', 2), ('b', 1), ('c', 3)]\n");
}

TEST_F(CliRenderTest, DeepContextIsAClearError) {
  std::string out = run("{\"m\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
  EXPECT_EQ(m_exit, 2) << out;
  EXPECT_NE(out.find("unsupported: context JSON nested deeper than 256 levels"), std::string::npos) << out;
}

TEST_F(CliRenderTest, OutOfRangeNumberIsAClearError) {
  std::string out = run(R"({"m": 1e400})");
  EXPECT_EQ(m_exit, 2) << out;
  EXPECT_NE(out.find("a number in the context JSON is out of range"), std::string::npos) << out;
}

}  // namespace
}  // namespace kjit::tools
