// Environment behaviour beyond the golden corpus: line map, dependencies and
// hashes, include search order, the parse cache, thread safety, and the
// guards against runaway templates.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "jit/template/environment.h"
#include "tests/common/temp_dir.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

class EnvironmentTest : public ::testing::Test {
 protected:
  void write(const std::string& rel, const std::string& text) { m_tmp.write(rel, text); }
  ::kjit::testing::TempDir m_tmp{"kjit_template"};
  fs::path m_dir = m_tmp.path();
};

TEST_F(EnvironmentTest, LineMapPointsAtTemplateLines) {
  write("main.j2", "a\n{% for i in [1, 2] %}\nrow {{ i }}\n{% endfor %}\n{% include 'inc.h' %}z\n");
  write("inc.h", "inc1\ninc2\n");
  Environment env;
  auto r = env.render_file(m_dir / "main.j2", nlohmann::json::object());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "a\n\nrow 1\n\nrow 2\n\ninc1\ninc2\nz\n");
  std::vector<std::pair<std::string, int>> want = {
      {"main.j2", 1}, {"main.j2", 2}, {"main.j2", 3}, {"main.j2", 2}, {"main.j2", 3},
      {"main.j2", 4}, {"inc.h", 1},   {"inc.h", 2},   {"main.j2", 5}};
  ASSERT_EQ(r->line_map.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(fs::path(r->line_map[i].file).filename().string(), want[i].first) << "output line " << i + 1;
    EXPECT_EQ(r->line_map[i].line, want[i].second) << "output line " << i + 1;
  }
}

TEST_F(EnvironmentTest, DependenciesListEveryFileWithItsHash) {
  write("main.j2", "{% include 'a.h' %}{% include 'a.h' %}");
  write("a.h", "x");
  Environment env;
  auto r = env.render_file(m_dir / "main.j2", nlohmann::json::object());
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->dependencies.size(), 2u);
  EXPECT_EQ(r->dependencies[1].file, (m_dir / "a.h").string());
  EXPECT_EQ(r->dependencies[1].content_hash.size(), 16u);
  EXPECT_NE(r->dependencies[0].content_hash, r->dependencies[1].content_hash);
  write("a.h", "y");
  auto r2 = env.render_file(m_dir / "main.j2", nlohmann::json::object());
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->text, "yy");  // the cache is keyed by content, not by path
  EXPECT_NE(r2->dependencies[1].content_hash, r->dependencies[1].content_hash);
}

TEST_F(EnvironmentTest, IncludeSearchesOwnFolderThenSearchPath) {
  write("t/main.j2", "{% include 'x.h' %}{% include 'y.h' %}");
  write("t/x.h", "local-x ");
  write("lib/x.h", "lib-x ");
  write("lib/y.h", "lib-y");
  Environment env({m_dir / "lib"});
  auto r = env.render_file(m_dir / "t/main.j2", nlohmann::json::object());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "local-x lib-y");
}

TEST_F(EnvironmentTest, RenderStringUsesNameInMessages) {
  Environment env;
  auto r = env.render_string("ok\n  {{ vec }}", "templates/x.cu.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::render_error);
  EXPECT_EQ(r.error().message, "templates/x.cu.j2:2:6: undefined variable 'vec'");
  auto p = env.render_string("{% if %}", "y.j2", nlohmann::json::object());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::parse_error);
  EXPECT_NE(p.error().message.find("y.j2:1:7:"), std::string::npos) << p.error().message;
}

TEST_F(EnvironmentTest, MissingRootFileIsNotFound) {
  Environment env;
  auto r = env.render_file(m_dir / "none.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST_F(EnvironmentTest, ContextMustBeAnObject) {
  Environment env;
  auto r = env.render_string("x", "t.j2", nlohmann::json::array());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
}

TEST_F(EnvironmentTest, JsonNumbersKeepIntAndFloat) {
  Environment env;
  auto r = env.render_string("{{ a }} {{ b }} {{ a / 2 }} {{ d }}", "t.j2",
                             nlohmann::json::parse(R"({"a": 3, "b": 3.0, "d": -9223372036854775808})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "3 3.0 1.5 -9223372036854775808");
  // Python would print the exact integer; kjit's integers are 64-bit.
  auto big = env.render_string("{{ c }}", "t.j2", nlohmann::json::parse(R"({"c": 18446744073709551615})"));
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("unsupported: context integers beyond 64 bits"), std::string::npos)
      << big.error().message;
}

struct GuardCase {
  const char* name;
  const char* source;
  const char* phrase;
};

class GuardTest : public ::testing::TestWithParam<GuardCase> {};

TEST_P(GuardTest, FailsCleanly) {
  Environment env;
  auto r = env.render_string(GetParam().source, "g.j2", nlohmann::json::object());
  ASSERT_FALSE(r) << "rendered " << r->text.size() << " bytes";
  EXPECT_NE(r.error().message.find(GetParam().phrase), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Guards, GuardTest,
    ::testing::Values(
        GuardCase{"macro_recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "unsupported: macro calls nested deeper than 100"},
        GuardCase{"huge_range", "{% for i in range(10**12) %}{% endfor %}", "unsupported: ranges of more than"},
        GuardCase{"nested_loops", "{% for i in range(100000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "unsupported: renders of more than 10000000 loop iterations"},
        GuardCase{"huge_string", "{{ 'x' * 10**12 }}", "unsupported: strings longer than 64 MiB"},
        GuardCase{"overflow", "{{ 2 ** 64 }}", "unsupported: integers beyond 64 bits"},
        GuardCase{"generator_print", "{{ [1]|map('string') }}", "unsupported: printing a generator"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EnvironmentGuardTest, DeepNestingIsASyntaxErrorNotACrash) {
  Environment env;
  std::string src = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  auto r = env.render_string(src, "deep.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::parse_error);
  EXPECT_NE(r.error().message.find("unsupported: brackets nested deeper than 48"), std::string::npos)
      << r.error().message;
}

TEST_F(EnvironmentTest, SelfIncludeIsBounded) {
  write("self.j2", "x{% include 'self.j2' %}");
  Environment env;
  auto r = env.render_file(m_dir / "self.j2", nlohmann::json::object());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unsupported: include nesting deeper than"), std::string::npos) << r.error().message;
}

TEST_F(EnvironmentTest, RendersFromManyThreadsAtOnce) {
  write("main.j2", "{% for i in range(n) %}{{ i * k }},{% endfor %}{% include 'p.h' %}");
  write("p.h", "[{{ k }}]");
  Environment env;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = env.render_file(m_dir / "main.j2", nlohmann::json{{"n", 3}, {"k", t}});
        std::string want = "0," + std::to_string(t) + "," + std::to_string(2 * t) + ",[" + std::to_string(t) + "]";
        if (!r || r->text != want) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kjit::jit
