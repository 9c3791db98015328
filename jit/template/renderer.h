// Renderer: evaluates a parsed template against a scope chain and writes the
// output text plus a line map (which template file:line produced each output
// line).
//
// Scoping follows Jinja2: `set` writes to the innermost frame (the template's
// top level, a loop iteration, a macro call); `if` opens no frame; each loop
// iteration starts from a fresh frame over the enclosing one; macros see the
// frame they were defined in (their template's top level), not the caller's;
// an included template sees the including frame (unless `without context`)
// and exports nothing back.
//
// Guards keep hostile templates from hanging or crashing the process: macro
// and include nesting depth, total loop iterations, range size and output
// size are bounded and exceeding a bound is a render error.
//
// Thread safety: one Renderer per render call; not shared.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jit/template/ast.h"
#include "jit/template/value.h"

namespace kjit::jit::detail {

inline constexpr int k_max_call_depth = 100;                  // macro calls + includes
inline constexpr std::uint64_t k_max_iterations = 10'000'000;  // all loops of one render
inline constexpr std::int64_t k_max_range = 1'000'000;         // elements of one range()
inline constexpr std::size_t k_max_output = 256u << 20;        // bytes of output

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;
  // Set on a macro call's scope: names that resolve only in the parent (the
  // macro's defining frame) and not beyond (MacroStmt::frame_assigned).
  const std::vector<std::string>* frame_only = nullptr;
  // Set on an included template's top scope: lookups from the include see the
  // including context as a whole, so frame_only no longer applies beyond it.
  bool include_boundary = false;

  const Value* find_local(std::string_view name) const {
    for (const auto& [k, v] : vars)
      if (k == name) return &v;
    return nullptr;
  }
  const Value* find(std::string_view name) const {
    bool honor_frame_only = true;
    for (const Scope* s = this; s; s = s->parent.get()) {
      if (const Value* v = s->find_local(name)) return v;
      if (honor_frame_only && s->frame_only && s->parent)
        for (const auto& n : *s->frame_only)
          if (n == name) return s->parent->find_local(name);
      if (s->include_boundary) honor_frame_only = false;
    }
    return nullptr;
  }
  void set(std::string_view name, Value v) {
    for (auto& [k, old] : vars)
      if (k == name) {
        old = std::move(v);
        return;
      }
    vars.emplace_back(std::string(name), std::move(v));
  }
};

// One loaded template file (or string).
struct Unit {
  std::string name;           // shown in messages and the line map
  std::filesystem::path dir;  // searched first for its includes (may be empty)
  std::shared_ptr<const ParsedTemplate> parsed;
  int file_id = 0;
};

// Finds and parses included templates for the renderer (the Environment).
class IncludeLoader {
 public:
  virtual ~IncludeLoader() = default;
  // Returns the unit for `name` included from `from`, or nullptr when it does
  // not exist. Throws TemplateError for syntax errors in the included file.
  virtual const Unit* load(const std::string& name, const Unit& from) = 0;
};

struct LineEntry {
  int file_id;
  int line;
};

// Evaluated arguments of a filter, test or call.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

class Renderer {
 public:
  explicit Renderer(IncludeLoader& loader) : m_loader(loader) {}

  // Renders `unit` with `context` as the outermost scope.
  void render(const Unit& unit, std::shared_ptr<Scope> context);

  std::string& text() { return m_main.text; }
  const std::vector<LineEntry>& lines() const { return m_main.lines; }

  // Charges `n` loop iterations (or element productions) against the budget.
  void charge(std::uint64_t n);
  // Applies filter `name` at runtime (map, for example).
  Value apply_filter(std::string_view name, const Value& input, CallArgs& args);
  // Applies test `name` at runtime (select, reject, selectattr).
  bool apply_test(std::string_view name, const Value& input, CallArgs& args);
  // Jinja's environment.getattr / getitem (undefined results carry `offset`).
  Value get_attr(const Value& obj, const std::string& attr, std::uint32_t offset = 0xffffffffu);
  Value get_item(const Value& obj, const Value& key, std::uint32_t offset = 0xffffffffu);

 private:
  struct Sink {
    std::string text;
    std::vector<LineEntry> lines;
    bool track = false;
    bool at_line_start = true;
  };
  struct Frame {
    std::shared_ptr<Scope> scope;
    const Unit* unit;
    Sink* sink;
  };

  void render_unit(const Unit& unit, std::shared_ptr<Scope> parent, Sink& sink);
  void exec(const StmtList& body, Frame& f);
  void exec_stmt(const Stmt& s, Frame& f);
  void exec_for(const ForStmt& s, Frame& f);
  void exec_include(const IncludeStmt& s, Frame& f);
  void assign(const Target& t, Value v, Frame& f);
  void emit(Sink& sink, std::string_view text, int file_id, int line, bool advance_lines);

  Value eval(const Expr& e, Frame& f);
  Value eval_inner(const Expr& e, Frame& f);
  Value eval_name(const NameExpr& e, Frame& f);
  Value eval_call(const CallExpr& e, Frame& f);
  Value eval_compare(const CompareExpr& e, Frame& f);
  void eval_args(const std::vector<ExprPtr>& args, const std::vector<Keyword>& kwargs, Frame& f, CallArgs& out);
  Value call_value(const Value& callee, CallArgs& args, std::uint32_t offset);
  Value call_macro(const CallableObj& macro, CallArgs& args, std::uint32_t offset);
  std::optional<Value> call_method(const Value& obj, const std::string& name, CallArgs& args);

  IncludeLoader& m_loader;
  Sink m_main;
  const Unit* m_current = nullptr;
  int m_depth = 0;
  std::uint64_t m_iterations = 0;
};

}  // namespace kjit::jit::detail
