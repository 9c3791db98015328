// libFuzzer target over the template pipeline (lexer, parser, renderer,
// filters, tests, methods): any input must render or fail with a
// TemplateError, never crash, hang or trip ASan/UBSan. Includes resolve
// against a small fixed set of in-memory templates (one includes itself) to
// exercise loading and the nesting guard.
//
// Built by tools/dev/fuzz_template.sh with clang-14. clang-14 cannot compile
// libstdc++'s std::expected, so this target drives the engine stages directly
// (like environment.cpp does) instead of the Result-returning Environment API,
// with shim/jit/util/error.h standing in for the real error header.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "jit/template/parser.h"
#include "jit/template/renderer.h"
#include "jit/template/template_error.h"

namespace {

using namespace kjit::jit::detail;

class Loader final : public IncludeLoader {
 public:
  const Unit* load(const std::string& name, const Unit&) override {
    static const std::map<std::string, std::string> files = {
        {"a.j2", "A{{ x }}{% macro m(v) %}{{ v * 2 }}{% endmacro %}{{ m(3) }}"},
        {"self.j2", "{% include 'self.j2' %}"},
        {"bad.j2", "{% if %}"},
    };
    auto it = files.find(name);
    if (it == files.end()) return nullptr;
    auto u = std::make_unique<Unit>();
    u->name = name;
    u->file_id = static_cast<int>(m_units.size());
    u->parsed = parse_template(it->second);
    m_units.push_back(std::move(u));
    return m_units.back().get();
  }

 private:
  std::vector<std::unique_ptr<Unit>> m_units;
};

std::shared_ptr<Scope> context() {
  auto s = std::make_shared<Scope>();
  s->vars.emplace_back("x", Value::integer(1));
  s->vars.emplace_back("f", Value::floating(2.5));
  s->vars.emplace_back("s", Value::string("str"));
  s->vars.emplace_back("l", Value::list({Value::integer(1), Value::integer(2), Value::integer(3)}));
  auto d = std::make_shared<DictObj>();
  d->set(Value::string("a"), Value::integer(1));
  d->set(Value::string("b"), Value::list({Value::string("p"), Value::none()}));
  s->vars.emplace_back("d", Value::dict(std::move(d)));
  s->vars.emplace_back("n", Value::none());
  s->vars.emplace_back("m", Value::markup("<b>"));
  auto users = std::vector<Value>{};
  for (int i = 0; i < 3; ++i) {
    auto u = std::make_shared<DictObj>();
    u->set(Value::string("name"), Value::string(i == 1 ? "héllo" : "ΑΣ"));
    u->set(Value::string("age"), Value::integer(20 + i));
    users.push_back(Value::dict(std::move(u)));
  }
  s->vars.emplace_back("users", Value::list(std::move(users)));
  Value deep = Value::integer(0);
  for (int i = 0; i < 300; ++i) deep = Value::list({deep});
  s->vars.emplace_back("deep", deep);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string src(reinterpret_cast<const char*>(data), size);
  Loader loader;
  Unit root;
  root.name = "fuzz.j2";
  try {
    root.parsed = parse_template(src);
    Renderer renderer(loader);
    renderer.render(root, context());
  } catch (const TemplateError& e) {
    // Formatting the message must work for any offset.
    std::string where = e.unit && e.unit->parsed ? e.unit->parsed->source : src;
    std::string msg = format_location(e.unit ? e.unit->name : root.name, where, e.offset, e.message);
    if (msg.empty() || e.message.empty()) __builtin_trap();
  }
  return 0;
}
