// Regression tests for issue #16 (dict order through JSON contexts), #17
// (raise()) and #19.4 (bounded recursion): ordered contexts, the context JSON
// loader's limits, 20k-long expression chains, deeply nested and
// self-containing values built at render time. Every hostile input must end
// in a clear error, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "jit/template/environment.h"

namespace kjit::jit {
namespace {

Result<Rendered> render(const std::string& src, const nlohmann::ordered_json& ctx = nlohmann::ordered_json::object()) {
  Environment env;
  return env.render_string(src, "t.j2", ctx);
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(ContextOrderTest, OrderedContextIteratesInInsertionOrder) {
  auto ctx = parse_context_json(R"({"m": {"b": 1, "a": 2, "c": {"z": 0, "y": 1}}, "first": 1})", "ctx.json");
  ASSERT_TRUE(ctx) << ctx.error().message;
  auto r = render("{% for k in m %}{{ k }}{% endfor %}|{{ m.keys()|list }}|{{ m.c }}|{{ m|dictsort }}|{{ m.c|tojson }}",
                  *ctx);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "bac|['b', 'a', 'c']|{'z': 0, 'y': 1}|[('a', 2), ('b', 1), ('c', {'z': 0, 'y': 1})]|{\"y\": 1, \"z\": 0}");
}

TEST(ContextOrderTest, PlainJsonContextIsSorted) {
  Environment env;
  auto r = env.render_string("{% for k in m %}{{ k }}{% endfor %}", "t.j2", nlohmann::json{{"m", {{"b", 1}, {"a", 2}}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "ab");  // nlohmann::json keeps its keys sorted
}

TEST(ContextJsonTest, DeeplyNestedContextIsAClearError) {
  std::string deep = "{\"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto ctx = parse_context_json(deep, "deep.json");
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(ctx.error().message.find("deep.json: unsupported: context JSON nested deeper than 256 levels"),
            std::string::npos)
      << ctx.error().message;
  // 200 levels are fine.
  auto ok = parse_context_json("{\"x\": " + std::string(200, '[') + std::string(200, ']') + "}", "ok.json");
  ASSERT_TRUE(ok) << ok.error().message;
  auto r = render("{{ x|string|length }}", *ok);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "400");
}

TEST(ContextJsonTest, DeeplyNestedProgrammaticContextIsAClearError) {
  nlohmann::json v = 1;
  for (int i = 0; i < 5000; ++i) v = nlohmann::json::array({std::move(v)});
  Environment env;
  auto r = env.render_string("{{ 1 }}", "t.j2", nlohmann::json{{"x", v}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unsupported: values nested deeper than 256 levels"), std::string::npos)
      << r.error().message;
}

TEST(ContextJsonTest, OutOfRangeNumberIsAClearError) {
  auto ctx = parse_context_json(R"({"x": 1e400})", "big.json");
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(ctx.error().message.find("big.json: a number in the context JSON is out of range"), std::string::npos)
      << ctx.error().message;
}

TEST(ContextJsonTest, MalformedAndNonObjectContexts) {
  auto bad = parse_context_json("{\"x\": ", "bad.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("bad.json: malformed JSON"), std::string::npos) << bad.error().message;
  auto arr = parse_context_json("[1]", "arr.json");
  ASSERT_FALSE(arr);
  EXPECT_NE(arr.error().message.find("must be a JSON object"), std::string::npos) << arr.error().message;
}

struct ChainCase {
  const char* name;
  std::string source;
};

class ChainTest : public ::testing::TestWithParam<ChainCase> {};

TEST_P(ChainTest, LongChainIsAnErrorNotACrash) {
  auto r = render(GetParam().source);
  ASSERT_FALSE(r) << "rendered " << r->text.size() << " bytes";
  EXPECT_EQ(r.error().code, ErrorCode::parse_error);
  EXPECT_NE(r.error().message.find("unsupported: "), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Chains, ChainTest,
    ::testing::Values(ChainCase{"plus", "{{ 1" + repeat(" + 1", 20000) + " }}"},
                      ChainCase{"attr", "{{ x" + repeat(".a", 20000) + " }}"},
                      ChainCase{"filter", "{{ x" + repeat("|string", 20000) + " }}"},
                      ChainCase{"item", "{{ x" + repeat("[0]", 20000) + " }}"},
                      ChainCase{"call", "{{ x" + repeat("()", 20000) + " }}"},
                      ChainCase{"not", "{{ " + repeat("not ", 20000) + "x }}"},
                      ChainCase{"neg", "{{ " + repeat("-", 20000) + "1 }}"},
                      ChainCase{"pow", "{{ 2" + repeat(" ** 1", 20000) + " }}"},
                      ChainCase{"and", "{{ 1" + repeat(" and 1", 20000) + " }}"},
                      ChainCase{"cond", "{{ 1" + repeat(" if 1 else 2", 20000) + " }}"},
                      ChainCase{"parens", "{{ " + repeat("(", 20000) + "1" + repeat(")", 20000) + " }}"},
                      ChainCase{"lists", "{{ " + repeat("[", 20000) + repeat("]", 20000) + " }}"},
                      ChainCase{"ifs", repeat("{% if 1 %}", 20000) + repeat("{% endif %}", 20000)},
                      ChainCase{"fors", repeat("{% for i in [1] %}", 100) + repeat("{% endfor %}", 100)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(NestingTest, LongFlatChainsStillRender) {
  // ~ and comparisons are flat in Jinja2 and kjit: no nesting limit.
  auto r = render("{{ 1" + repeat(" ~ 1", 5000) + " }}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text.size(), 5001u);
}

struct DeepValueCase {
  const char* name;
  const char* use;
};

class DeepValueTest : public ::testing::TestWithParam<DeepValueCase> {};

TEST_P(DeepValueTest, DeepValuesBuiltByATemplateFailCleanly) {
  // Two independent 100k-deep lists and a 100k-deep tuple.
  std::string src = std::string("{% set ns = namespace(x=[], y=[], t=()) %}{% for i in range(100000) %}"
                                "{% set ns.x = [ns.x] %}{% set ns.y = [ns.y] %}{% set ns.t = (ns.t,) %}{% endfor %}") +
                    GetParam().use;
  auto r = render(src);
  ASSERT_FALSE(r) << "rendered " << r->text.size() << " bytes";
  EXPECT_EQ(r.error().code, ErrorCode::render_error);
  EXPECT_NE(r.error().message.find("unsupported: values nested deeper than 256 levels"), std::string::npos)
      << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(Uses, DeepValueTest,
                         ::testing::Values(DeepValueCase{"print", "{{ ns.x }}"},
                                           DeepValueCase{"string", "{{ ns.x|string }}"},
                                           DeepValueCase{"compare", "{{ ns.x == ns.y }}"},
                                           DeepValueCase{"order", "{{ ns.x < ns.y }}"},
                                           DeepValueCase{"json", "{{ ns.x|tojson }}"},
                                           DeepValueCase{"contains", "{{ ns.y in [ns.x] }}"},
                                           DeepValueCase{"dict_key", "{{ {ns.t: 1}|length }}"},
                                           DeepValueCase{"unique", "{{ [ns.t]|unique|list|length }}"},
                                           DeepValueCase{"sort", "{{ [ns.x, ns.y]|sort|length }}"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(NestingTest, DeepValuesThatAreNotPrintedAreFine) {
  // Building and dropping a 100k-deep value must not overflow the stack.
  auto r = render("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}"
                  "{{ ns.x|length }}{{ ns.x == ns.x }}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "1True");
}

TEST(NestingTest, SelfContainingValuesPrintLikePython) {
  auto r = render("{% set l = [1] %}{{ l.append(l) }}{{ l }} {% set d = {} %}{{ d.update(a=d) }}{{ d }} "
                  "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text, "None[1, [...]] None{'a': {...}} <Namespace {'me': <Namespace {...}>}>");
  auto j = render("{% set l = [] %}{{ l.append(l) }}{{ l|tojson }}");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("unsupported: values nested deeper"), std::string::npos) << j.error().message;
}

TEST(NestingTest, DeepMacroRecursionOverDeepExpressionsIsBounded) {
  std::string expr = repeat("(", 40) + "m(n - 1)" + repeat(")", 40);
  std::string src = "{% macro m(n) %}{% if n > 0 %}{{ " + expr + " }}{% endif %}{% endmacro %}{{ m(95) }}";
  auto r = render(src);
  ASSERT_TRUE(r) << r.error().message;  // within the limits
  auto deep = render("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}");
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("unsupported: macro calls nested deeper than 100 levels"), std::string::npos)
      << deep.error().message;
}

TEST(RaiseTest, RaiseFailsWithTheMessageAtTheCall) {
  auto r = render("line one\n  {% if n > 2 %}{{ raise('bad axis count: ' ~ n) }}{% endif %}",
                  nlohmann::ordered_json{{"n", 3}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::render_error);
  EXPECT_EQ(r.error().message, "t.j2:2:20: bad axis count: 3");
  auto ok = render("{% if n > 2 %}{{ raise('no') }}{% endif %}ok", nlohmann::ordered_json{{"n", 1}});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->text, "ok");
}

TEST(RaiseTest, RaiseInsideAMacroReportsTheMacroLine) {
  auto r = render("{% macro check(v) %}\n{% if v < 0 %}{{ raise('negative: ' ~ v) }}{% endif %}{% endmacro %}\n"
                  "{{ check(1) }}{{ check(-2) }}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "t.j2:2:18: negative: -2");
}

TEST(RaiseTest, RaiseTakesExactlyOneArgument) {
  auto r = render("{{ raise() }}");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("raise() takes exactly one argument"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace kjit::jit
