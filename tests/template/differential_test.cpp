// Differential test against Python Jinja2: a seeded generator builds 1200
// random templates from combinations of the supported constructs (output,
// literals, arithmetic, comparisons, logic, conditionals, filters, tests,
// if/elif/else, for loops with loop.* and else, set scoping, macros,
// includes, whitespace control, raw blocks), renders each with kjit and with
// Jinja2 (tools/dev/jinja_diff.py, one Python process for the whole batch) and
// requires byte-identical output, or that both fail.
// Skips when python3 or jinja2 is missing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "jit/template/environment.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

constexpr int k_templates = 1200;

// Typed random expression/statement generator. Types keep most expressions
// valid; the rare errors (division by zero, ...) must then fail in both.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : m_rng(seed) {}

  std::string template_source(int budget) {
    std::string out;
    for (int i = 0; i < budget; ++i) out += stmt(2);
    return out;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }
  bool coin(int percent = 50) { return pick(100) < percent; }
  template <class T>
  const T& one_of(const std::vector<T>& v) { return v[static_cast<std::size_t>(pick(static_cast<int>(v.size())))]; }

  std::string open(const char* d) { return std::string(d) + (coin(15) ? "-" : "") + " "; }
  std::string close(const char* d) { return std::string(" ") + (coin(15) ? "-" : "") + d; }

  std::string text() {
    static const std::vector<std::string> k = {"x", " ", "\n", "  ", "ab", "\n\n", "\t", "--", "k = ", "; ", " \n "};
    std::string s;
    int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) s += one_of(k);
    return s;
  }

  std::string num(int d) {
    if (d <= 0 || coin(30)) {
      switch (pick(6)) {
        case 0: return std::to_string(pick(21) - 10);
        case 1: return one_of(std::vector<std::string>{"0.5", "1.25", "2.0", "0.1", "3.75", "1e-3", "100.0", "1.5e3"});
        case 2: return one_of(std::vector<std::string>{"i1", "i2", "f1", "n0"});
        case 3: return "loop_i";  // rewritten by callers inside loops; else the name is a context int
        case 4: return one_of(std::vector<std::string>{"l1|length", "s1|length", "l1|sum", "l1|max", "l1|min", "l1[0]", "l1[-1]", "d1.a", "d1['b']"});
        default: return std::to_string(pick(5));
      }
    }
    switch (pick(9)) {
      case 0: return "(" + num(d - 1) + " + " + num(d - 1) + ")";
      case 1: return "(" + num(d - 1) + " - " + num(d - 1) + ")";
      case 2: return "(" + num(d - 1) + " * " + num(d - 1) + ")";
      case 3: return "(" + num(d - 1) + " / " + one_of(std::vector<std::string>{"2", "4", "3", "0.5", "i1", "0"}) + ")";
      case 4: return "(" + num(d - 1) + " // " + one_of(std::vector<std::string>{"2", "-3", "i1", "i2", "1.5"}) + ")";
      case 5: return "(" + num(d - 1) + " % " + one_of(std::vector<std::string>{"3", "-4", "i1", "2.5"}) + ")";
      case 6: return "(" + one_of(std::vector<std::string>{"2", "3", "-2", "1.5", "i1"}) + " ** " + std::to_string(pick(4)) + ")";
      case 7: return "(-" + num(d - 1) + ")";
      default: return num(d - 1) + "|" + one_of(std::vector<std::string>{"abs", "round", "int", "float", "round(1)", "round(0, 'floor')", "round(2, 'ceil')"});
    }
  }

  std::string str(int d) {
    if (d <= 0 || coin(30)) {
      switch (pick(4)) {
        case 0: return one_of(std::vector<std::string>{"'a'", "\"bc\"", "'x y'", "''", "'it\\'s'", "'A-b c'"});
        case 1: return one_of(std::vector<std::string>{"s1", "s2", "names[0]", "d1.name"});
        case 2: return "(" + num(1) + ")|string";
        default: return "'q'";
      }
    }
    switch (pick(8)) {
      case 0: return "(" + str(d - 1) + " ~ " + any(d - 1) + ")";
      case 1: return "(" + str(d - 1) + " + " + str(d - 1) + ")";
      case 2: return str(d - 1) + "|" + one_of(std::vector<std::string>{"upper", "lower", "capitalize", "title", "trim", "reverse", "replace('a', 'Z')", "replace('b', '', 1)"});
      case 3: return list(d - 1) + "|join(" + one_of(std::vector<std::string>{"", "', '", "'-'"}) + ")";
      case 4: return "(" + str(d - 1) + " if " + boolean(d - 1) + " else " + str(d - 1) + ")";
      case 5: return "(" + str(d - 1) + " * " + std::to_string(pick(3)) + ")";
      case 6: return "(" + str(d - 1) + " ~ " + num(d - 1) + ")";
      default: return "(" + str(d - 1) + ")[" + one_of(std::vector<std::string>{"0", "1:", ":2", "::-1", "-1"}) + "]";
    }
  }

  std::string list(int d) {
    if (d <= 0 || coin(30)) {
      switch (pick(4)) {
        case 0: return "l1";
        case 1: return "names";
        case 2: return "range(" + std::to_string(pick(5)) + ")|list";
        default: return "[" + num(0) + ", " + num(0) + "]";
      }
    }
    switch (pick(7)) {
      case 0: return "(" + list(d - 1) + " + " + list(d - 1) + ")";
      case 1: return list(d - 1) + "|sort";
      case 2: return list(d - 1) + "|reverse|list";
      case 3: return "l1|map('string')|list";
      case 4: return "range(" + std::to_string(pick(3)) + ", " + std::to_string(pick(8)) + ")|list";
      case 5: return "l1|select('odd')|list";
      default: return "[" + any(d - 1) + ", " + any(d - 1) + "]";
    }
  }

  std::string boolean(int d) {
    if (d <= 0 || coin(25)) return one_of(std::vector<std::string>{"true", "false", "flag", "not flag", "i1 is odd", "x is defined", "missing is defined", "none is none"});
    switch (pick(8)) {
      case 0: return "(" + num(d - 1) + " < " + num(d - 1) + ")";
      case 1: return "(" + num(d - 1) + " == " + num(d - 1) + ")";
      case 2: return "(" + boolean(d - 1) + " and " + boolean(d - 1) + ")";
      case 3: return "(" + boolean(d - 1) + " or " + boolean(d - 1) + ")";
      case 4: return "(not " + boolean(d - 1) + ")";
      case 5: return "(" + num(0) + " in " + list(d - 1) + ")";
      case 6: return "(" + str(0) + " in " + str(d - 1) + ")";
      default: return "(" + num(d - 1) + " is " + one_of(std::vector<std::string>{"even", "odd", "divisibleby 3", "not even", "number", "string", "defined"}) + ")";
    }
  }

  std::string any(int d) {
    switch (pick(5)) {
      case 0: return num(d);
      case 1: return str(d);
      case 2: return list(d);
      case 3: return boolean(d);
      default: return one_of(std::vector<std::string>{"d1", "none", "(1, 'a')", "{'k': [1, 2.5]}", "d1.items()|list", "missing|default(3)", "''|default('dflt', true)"});
    }
  }

  std::string output(int d) { return open("{{") + any(d) + close("}}"); }

  std::string body(int depth) {
    std::string s;
    int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) s += stmt(depth - 1);
    return s;
  }

  std::string stmt(int depth) {
    int choice = depth <= 0 ? pick(3) : pick(12);
    switch (choice) {
      case 0: return text();
      case 1:
      case 2: return output(2 + pick(2));
      case 3: {
        std::string s = open("{%") + "if " + boolean(2) + close("%}") + body(depth);
        if (coin()) s += open("{%") + "elif " + boolean(1) + close("%}") + body(depth);
        if (coin()) s += open("{%") + "else" + close("%}") + body(depth);
        return s + open("{%") + "endif" + close("%}");
      }
      case 4: {
        static const std::vector<std::pair<std::string, std::string>> loops = {
            {"x", "l1"}, {"x", "names"}, {"x", "range(3)"}, {"x", "'abc'"}, {"k", "d1"}, {"k, v", "d1.items()"},
            {"x", "[]"}, {"a, b", "[[1, 2], [3, 4]]"}, {"x", "range(1, 7, 2)"}, {"x", "l1|sort"}};
        const auto& [target, iterable] = one_of(loops);
        std::string s = open("{%") + "for " + target + " in " + iterable + (coin(20) ? " if loop_i is defined" : "") + close("%}");
        s += open("{{") + one_of(std::vector<std::string>{"loop.index", "loop.index0", "loop.revindex", "loop.first", "loop.last", "loop.length", "loop.cycle('o', 'e')", target.substr(0, 1)}) + close("}}");
        s += body(depth);
        if (coin(30)) s += open("{%") + "else" + close("%}") + "empty";
        return s + open("{%") + "endfor" + close("%}");
      }
      case 5: return open("{%") + "set " + one_of(std::vector<std::string>{"i1", "s1", "t", "flag"}) + " = " + any(2) + close("%}") + output(1);
      case 6: {
        std::string name = "m" + std::to_string(pick(3));
        std::string s = open("{%") + "macro " + name + "(a, b=" + num(0) + ")" + close("%}") + "[{{ a }}|{{ b }}]" + body(depth) + open("{%") + "endmacro" + close("%}");
        s += open("{{") + name + "(" + any(1) + (coin() ? ", b=" + str(0) : "") + ")" + close("}}");
        return s;
      }
      case 7: return open("{%") + "include 'part" + std::to_string(pick(2)) + ".j2'" + close("%}");
      case 8: return "{# c #}" + text();
      case 9: return "{% raw %}{{ r }}{% endraw %}";
      case 10: return open("{{") + any(2) + "|tojson" + close("}}");  // tojson returns Markup: print it directly
      default: return output(3);
    }
  }

  std::mt19937 m_rng;
};

bool have_jinja2() { return std::system("python3 -c 'import jinja2' >/dev/null 2>&1") == 0; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DifferentialTest, MatchesJinja2OnRandomTemplates) {
  if (!have_jinja2()) GTEST_SKIP() << "python3 with jinja2 is not available (apt-get install python3-jinja2)";
  fs::path dir = fs::temp_directory_path() / ("kjit_template_diff_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  nlohmann::json context = {{"i1", 3},     {"i2", -4},           {"f1", 2.5},       {"n0", 0},
                            {"s1", "Hello"}, {"s2", "a-b_c"},     {"flag", true},    {"x", 1},
                            {"l1", {3, 1, 2}}, {"names", {"y", "x", "z"}}, {"loop_i", 7},
                            {"d1", {{"a", 1}, {"b", 2}, {"name", "dee"}}}};
  nlohmann::json batch = {{"dir", dir.string()}, {"context", context}, {"templates", nlohmann::json::array()}};
  std::ofstream(dir / "part0.j2", std::ios::binary) << "<p0 {{ s1 }}>\n";
  std::ofstream(dir / "part1.j2", std::ios::binary) << "{% set s1 = 'shadow' %}{{ s1 }}{% if x is defined %}x{{ x }}{% endif %}";
  std::vector<std::string> sources;
  Generator gen(20261121);
  for (int i = 0; i < k_templates; ++i) {
    std::string src = gen.template_source(3 + i % 5);
    std::ofstream(dir / ("t" + std::to_string(i) + ".j2"), std::ios::binary) << src;
    sources.push_back(src);
    batch["templates"].push_back("t" + std::to_string(i) + ".j2");
  }
  std::ofstream(dir / "batch.json") << batch.dump();
  std::string cmd = "python3 '" + std::string(KJIT_SOURCE_DIR) + "/tools/dev/jinja_diff.py' '" + (dir / "batch.json").string() +
                    "' '" + (dir / "results.json").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  nlohmann::json results = nlohmann::json::parse(slurp(dir / "results.json"));
  ASSERT_EQ(results.size(), static_cast<std::size_t>(k_templates));
  Environment env;
  int mismatches = 0, jinja_errors = 0;
  for (int i = 0; i < k_templates; ++i) {
    auto r = env.render_file(dir / ("t" + std::to_string(i) + ".j2"), context);
    const auto& want = results[static_cast<std::size_t>(i)];
    bool ok = want["ok"].get<bool>();
    if (!ok) ++jinja_errors;
    bool same = ok ? (r.has_value() && r->text == want["text"].get<std::string>()) : !r.has_value();
    if (!same && ++mismatches <= 40) {
      ADD_FAILURE() << "template " << i << ":\n" << sources[static_cast<std::size_t>(i)] << "\n--- jinja2: "
                    << (ok ? want["text"].get<std::string>() : want["error"].get<std::string>()) << "\n--- kjit: "
                    << (r ? r->text : r.error().message);
    }
  }
  EXPECT_EQ(mismatches, 0);
  // The generator must mostly produce valid templates, or the test is weak.
  EXPECT_LT(jinja_errors, k_templates / 4) << "too many templates fail in Jinja2";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kjit::jit
