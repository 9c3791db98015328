// Renderer: evaluates a parsed template against a scope chain and writes the
// output text plus a line map (which template file:line produced each output
// line).
//
// Scoping follows Jinja2: `set` writes to the innermost frame (the template's
// top level, a loop iteration, a macro call, a with / filter / block-set
// body, a for-else); `if` opens no frame; each loop iteration starts from a
// fresh frame over the enclosing one; macros see the frame they were defined
// in, not the caller's; an included template sees the including frame (or
// only the globals, `without context`) and exports nothing back. Names a
// frame assigns before referencing them are undefined in that frame until
// assigned (Scope::undefined_init, from frames.cpp).
//
// Guards keep hostile templates from hanging or crashing the process: macro
// and include nesting depth, evaluation depth, total loop iterations, range
// size and output size are bounded and exceeding a bound is a render error
// ("unsupported: ..." where Jinja2 would go on).
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
inline constexpr int k_max_eval_depth = 2000;                  // nested evaluations (all frames)
inline constexpr std::uint64_t k_max_iterations = 10'000'000;  // all loops of one render
inline constexpr std::int64_t k_max_range = 1'000'000;         // elements of one range()
inline constexpr std::size_t k_max_output = 256u << 20;        // bytes of output

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;
  // The frame's names that are undefined until assigned (frames.cpp): a
  // lookup that reaches this scope without finding them stops here.
  const FrameAssigned* undefined_init = nullptr;
  // Set on an included template's top scope: lookups from the include see the
  // including context as a whole, so undefined_init no longer applies beyond.
  bool include_boundary = false;

  const Value* find_local(std::string_view name) const {
    for (const auto& [k, v] : vars)
      if (k == name) return &v;
    return nullptr;
  }
  const Value* find(std::string_view name) const {
    bool honor = true;
    for (const Scope* s = this; s; s = s->parent.get()) {
      if (const Value* v = s->find_local(name)) return v;
      if (honor && s->undefined_init)
        for (const auto& n : *s->undefined_init)
          if (n == name) return nullptr;
      if (s->include_boundary) honor = false;
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
  ~Renderer();

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
  // Calls a callable value (macros, globals, bound methods).
  Value call_value(const Value& callee, CallArgs& args, std::uint32_t offset);
  // Records a container mutated in place; its items are released when the
  // render ends, which breaks any reference cycle a template built.
  void note_mutation(const Value& container);
  // The unit whose code is running (for undefined values' locations).
  const Unit* current_unit() const { return m_current; }

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
  struct EvalGuard {
    Renderer& r;
    explicit EvalGuard(Renderer& renderer);
    ~EvalGuard() { --r.m_eval_depth; }
  };

  // ---- statements (renderer.cpp)
  void render_unit(const Unit& unit, std::shared_ptr<Scope> parent, Sink& sink);
  void exec(const StmtList& body, Frame& f);
  void exec_stmt(const Stmt& s, Frame& f);
  void exec_output(const OutputStmt& o, Frame& f);
  void exec_for(const ForStmt& s, Frame& f);
  // Runs the body of `s` over `iterable` (also loop(...) of recursive loops).
  void run_loop(const ForStmt& s, const Value& iterable, Frame& f, int depth);
  void exec_include(const IncludeStmt& s, Frame& f);
  void exec_filter_block(const FilterBlockStmt& s, Frame& f);
  void exec_set_block(const SetBlockStmt& s, Frame& f);
  // The body of a block set / filter block rendered in its own frame, then
  // through `filter` (may be null) with the text as its block input.
  Value render_block(const StmtList& body, const Expr* filter, const FrameAssigned& assigned, Frame& f);
  void exec_with(const WithStmt& s, Frame& f);
  void exec_call_block(const CallBlockStmt& s, Frame& f);
  void assign(const Target& t, Value v, Frame& f);
  // The values `t` was assigned in `scope`, rebuilt as (nested) tuples.
  static Value repack(const Target& t, const Scope& scope);
  void emit(Sink& sink, std::string_view text, int file_id, int line, bool advance_lines);
  std::shared_ptr<Scope> child_scope(const Frame& f, const FrameAssigned& undefined_init);

  // ---- expressions (eval.cpp)
  Value eval(const Expr& e, Frame& f);
  Value eval_inner(const Expr& e, Frame& f);
  Value eval_name(const NameExpr& e, Frame& f);
  Value eval_compare(const CompareExpr& e, Frame& f);
  Value eval_filter(const FilterExpr& e, Frame& f);
  void eval_args(const ArgList& args, Frame& f, CallArgs& out);

  // ---- calls (calls.cpp)
  Value eval_call(const CallExpr& e, Frame& f);
  Value call_builtin(const CallableObj& c, CallArgs& args);
  Value call_macro(const CallableObj& macro, CallArgs& args, std::uint32_t offset);
  Value call_loop(const LoopObj& loop, CallArgs& args);
  Value call_object(const ObjectObj& obj, const std::string& method, CallArgs& args);
  Value bound_method(const Value& obj, const std::string& name);

  IncludeLoader& m_loader;
  Sink m_main;
  const Unit* m_current = nullptr;
  int m_depth = 0;
  int m_eval_depth = 0;
  std::uint64_t m_iterations = 0;
  std::vector<Value> m_block_input;  // captured bodies of filter blocks / block sets
  std::vector<std::weak_ptr<ListObj>> m_mutated_lists;
  std::vector<std::weak_ptr<DictObj>> m_mutated_dicts;
  std::vector<std::weak_ptr<LoopObj>> m_mutated_loops;
};

}  // namespace kjit::jit::detail
