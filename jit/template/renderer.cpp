// Renderer, statements: output, if, for (filters, else, recursive loops),
// set (targets, block sets), macros, call / filter / with blocks, includes,
// the line map and the render-wide guards (see renderer.h).
//
// Thread safety: one Renderer per render; shares only immutable ASTs.
#include "jit/template/renderer.h"

#include "jit/template/operators.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

[[noreturn]] void fail_at(const Unit* unit, std::uint32_t offset, std::string msg) {
  throw TemplateError{ErrorCode::render_error, std::move(msg), offset, unit};
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Fills in the location of an error raised by a value operation.
template <class Fn>
auto at_offset(const Unit* unit, std::uint32_t offset, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (TemplateError& e) {
    if (e.offset == k_no_offset) {
      e.offset = offset;
      e.unit = unit;
    }
    throw;
  }
}

}  // namespace

Renderer::~Renderer() {
  // Break reference cycles a template may have built by mutating containers
  // (a list appended to itself, a namespace holding itself, ...).
  for (auto& w : m_mutated_lists)
    if (auto l = w.lock()) l->items.clear();
  for (auto& w : m_mutated_dicts)
    if (auto d = w.lock()) d->items.clear();
  for (auto& w : m_mutated_loops)
    if (auto l = w.lock()) {
      l->items.clear();
      l->last_changed.reset();
    }
}

void Renderer::note_mutation(const Value& container) {
  if (container.is_list()) m_mutated_lists.push_back(container.as_list());
  else if (container.is_dict()) m_mutated_dicts.push_back(container.as_dict());
  else if (container.is_loop()) m_mutated_loops.push_back(container.as_loop());
}

void Renderer::charge(std::uint64_t n) {
  m_iterations += n;
  if (m_iterations > k_max_iterations)
    throw_unsupported("renders of more than " + std::to_string(k_max_iterations) +
                      " loop iterations (kjit's limit; is a loop or range unbounded?)");
}

void Renderer::render(const Unit& unit, std::shared_ptr<Scope> context) {
  m_main.track = true;
  render_unit(unit, std::move(context), m_main);
}

void Renderer::render_unit(const Unit& unit, std::shared_ptr<Scope> parent, Sink& sink) {
  if (++m_depth > k_max_call_depth) {
    --m_depth;
    throw_unsupported("include nesting deeper than " + std::to_string(k_max_call_depth) + " levels (recursive include?)");
  }
  auto scope = std::make_shared<Scope>();
  scope->parent = std::move(parent);
  scope->include_boundary = true;
  scope->undefined_init = &unit.parsed->frame_assigned;
  Frame f{std::move(scope), &unit, &sink};
  try {
    exec(unit.parsed->body, f);
  } catch (TemplateError& e) {
    --m_depth;
    if (!e.unit) e.unit = &unit;
    throw;
  }
  --m_depth;
}

void Renderer::emit(Sink& sink, std::string_view text, int file_id, int line, bool advance_lines) {
  if (sink.text.size() + text.size() > k_max_output)
    throw_unsupported("output larger than " + std::to_string(k_max_output >> 20) + " MiB (kjit's limit)");
  if (!sink.track) {
    sink.text.append(text);
    return;
  }
  std::size_t i = 0;
  while (i < text.size()) {
    if (sink.at_line_start) {
      sink.lines.push_back({file_id, line});
      sink.at_line_start = false;
    }
    std::size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) {
      sink.text.append(text.substr(i));
      return;
    }
    sink.text.append(text.substr(i, nl + 1 - i));
    sink.at_line_start = true;
    if (advance_lines) ++line;
    i = nl + 1;
  }
}

std::shared_ptr<Scope> Renderer::child_scope(const Frame& f, const FrameAssigned& undefined_init) {
  auto scope = std::make_shared<Scope>();
  scope->parent = f.scope;
  if (!undefined_init.empty()) scope->undefined_init = &undefined_init;
  return scope;
}

void Renderer::exec(const StmtList& body, Frame& f) {
  EvalGuard guard(*this);
  for (const auto& s : body) exec_stmt(*s, f);
}

void Renderer::exec_output(const OutputStmt& o, Frame& f) {
  Value v = eval(*o.expr, f);
  if (v.is_string()) {
    emit(*f.sink, v.as_string(), f.unit->file_id, o.line, false);
    return;
  }
  std::string tmp;
  at_offset(f.unit, o.expr->offset, [&] { append_str(tmp, v); });
  emit(*f.sink, tmp, f.unit->file_id, o.line, false);
}

void Renderer::exec_stmt(const Stmt& s, Frame& f) {
  switch (s.kind) {
    case StmtKind::text: {
      const auto& t = static_cast<const TextStmt&>(s);
      emit(*f.sink, t.text, f.unit->file_id, t.line, true);
      return;
    }
    case StmtKind::output: exec_output(static_cast<const OutputStmt&>(s), f); return;
    case StmtKind::if_: {
      const auto& i = static_cast<const IfStmt&>(s);
      for (const auto& [cond, body] : i.branches) {
        Value c = eval(*cond, f);
        if (at_offset(f.unit, cond->offset, [&] { return truthy(c); })) {
          exec(body, f);
          return;
        }
      }
      exec(i.otherwise, f);
      return;
    }
    case StmtKind::for_: exec_for(static_cast<const ForStmt&>(s), f); return;
    case StmtKind::set: {
      const auto& st = static_cast<const SetStmt&>(s);
      assign(st.target, eval(*st.value, f), f);
      return;
    }
    case StmtKind::set_block: exec_set_block(static_cast<const SetBlockStmt&>(s), f); return;
    case StmtKind::macro: {
      const auto& m = static_cast<const MacroStmt&>(s);
      auto c = std::make_shared<CallableObj>();
      c->builtin = Builtin::macro;
      c->macro = &m;
      c->name = m.name;
      c->unit = f.unit;
      c->closure = f.scope;
      f.scope->set(m.name, Value::callable(std::move(c)));
      return;
    }
    case StmtKind::call_block: exec_call_block(static_cast<const CallBlockStmt&>(s), f); return;
    case StmtKind::filter_block: exec_filter_block(static_cast<const FilterBlockStmt&>(s), f); return;
    case StmtKind::with: exec_with(static_cast<const WithStmt&>(s), f); return;
    case StmtKind::include: exec_include(static_cast<const IncludeStmt&>(s), f); return;
  }
}

void Renderer::assign(const Target& t, Value v, Frame& f) {
  switch (t.type) {
    case Target::Type::name: f.scope->set(t.name, std::move(v)); return;
    case Target::Type::ns_attr: {
      const Value* ns = f.scope->find(t.name);
      if (!ns || !ns->is_dict() || !ns->as_dict()->is_namespace)
        fail_at(f.unit, t.offset, "TemplateRuntimeError: cannot assign attribute on non-namespace object");
      ns->as_dict()->set(Value::string(t.attr), std::move(v));
      note_mutation(*ns);
      return;
    }
    case Target::Type::tuple: {
      std::vector<Value> items = at_offset(f.unit, t.offset, [&] { return iterate(v); });
      if (items.size() != t.items.size())
        fail_at(f.unit, t.offset,
                items.size() > t.items.size()
                    ? "ValueError: too many values to unpack (expected " + std::to_string(t.items.size()) + ")"
                    : "ValueError: not enough values to unpack (expected " + std::to_string(t.items.size()) +
                          ", got " + std::to_string(items.size()) + ")");
      for (std::size_t i = 0; i < items.size(); ++i) assign(t.items[i], std::move(items[i]), f);
      return;
    }
  }
}

Value Renderer::repack(const Target& t, const Scope& scope) {
  if (t.type == Target::Type::tuple) {
    std::vector<Value> parts;
    for (const auto& i : t.items) parts.push_back(repack(i, scope));
    return Value::tuple(std::move(parts));
  }
  const Value* v = scope.find_local(t.name);
  return v ? *v : Value();
}

void Renderer::exec_for(const ForStmt& s, Frame& f) {
  Value iterable = eval(*s.iter, f);
  run_loop(s, iterable, f, 1);
}

void Renderer::run_loop(const ForStmt& s, const Value& iterable, Frame& f, int depth) {
  std::vector<Value> items = at_offset(f.unit, s.iter->offset, [&] { return iterate(iterable); });
  if (s.filter) {
    // Jinja2's loop filter is a generator that yields the loop target back:
    // a tuple target yields the unpacked values as a tuple.
    std::vector<Value> kept;
    for (auto& item : items) {
      charge(1);
      Frame test{child_scope(f, {}), f.unit, f.sink};
      assign(s.target, item, test);
      Value c = eval(*s.filter, test);
      if (at_offset(f.unit, s.filter->offset, [&] { return truthy(c); }))
        kept.push_back(s.target.type == Target::Type::tuple ? repack(s.target, *test.scope) : std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    Frame other{child_scope(f, s.else_frame_assigned), f.unit, f.sink};
    exec(s.otherwise, other);
    return;
  }
  LoopPtr loop;
  Value loop_value;
  if (s.uses_loop) {
    loop = std::make_shared<LoopObj>();
    loop->items = std::move(items);
    loop->depth = depth;
    if (s.recursive) {
      loop->recursive = &s;
      loop->scope = f.scope;
      loop->unit = f.unit;
    }
    loop_value = Value::loop(loop);
  }
  const std::vector<Value>& list = loop ? loop->items : items;
  for (std::size_t i = 0; i < list.size(); ++i) {
    charge(1);
    Frame body{child_scope(f, s.frame_assigned), f.unit, f.sink};
    if (loop) {
      loop->index0 = i;
      body.scope->vars.emplace_back("loop", loop_value);
    }
    assign(s.target, list[i], body);
    exec(s.body, body);
  }
}

Value Renderer::render_block(const StmtList& body, const Expr* filter, const FrameAssigned& assigned, Frame& f) {
  Sink capture;
  Frame inner{child_scope(f, assigned), f.unit, &capture};
  exec(body, inner);
  Value v = Value::string(std::move(capture.text));
  if (!filter) return v;
  m_block_input.push_back(std::move(v));
  try {
    v = eval(*filter, inner);
  } catch (...) {
    m_block_input.pop_back();
    throw;
  }
  m_block_input.pop_back();
  return v;
}

void Renderer::exec_set_block(const SetBlockStmt& s, Frame& f) {
  assign(s.target, render_block(s.body, s.filter.get(), s.frame_assigned, f), f);
}

void Renderer::exec_filter_block(const FilterBlockStmt& s, Frame& f) {
  Value v = render_block(s.body, s.filter.get(), s.frame_assigned, f);
  std::string text = at_offset(f.unit, s.offset, [&] { return to_str(v); });
  emit(*f.sink, text, f.unit->file_id, line_column(f.unit->parsed->source, s.offset).line, false);
}

void Renderer::exec_with(const WithStmt& s, Frame& f) {
  std::vector<Value> values;
  values.reserve(s.assignments.size());
  for (const auto& [t, e] : s.assignments) values.push_back(eval(*e, f));
  Frame inner{child_scope(f, s.frame_assigned), f.unit, f.sink};
  for (std::size_t i = 0; i < values.size(); ++i) assign(s.assignments[i].first, std::move(values[i]), inner);
  exec(s.body, inner);
}

void Renderer::exec_call_block(const CallBlockStmt& s, Frame& f) {
  auto caller = std::make_shared<CallableObj>();
  caller->builtin = Builtin::macro;
  caller->macro = &s.caller;
  caller->is_caller = true;
  caller->name = "caller";
  caller->unit = f.unit;
  caller->closure = f.scope;
  const auto& call = static_cast<const CallExpr&>(*s.call);
  Value callee = eval(*call.callee, f);
  CallArgs args;
  eval_args(call.args, f, args);
  for (const auto& [k, v] : args.kwargs)
    if (k == "caller") fail_at(f.unit, call.offset, "SyntaxError: keyword argument repeated: caller");
  // Jinja2 passes caller= after the explicit keywords, before **kwargs.
  args.kwargs.insert(args.kwargs.begin() + static_cast<std::ptrdiff_t>(call.args.kwargs.size()),
                     {"caller", Value::callable(std::move(caller))});
  m_current = f.unit;
  Value r = at_offset(f.unit, call.callee->offset, [&] { return call_value(callee, args, call.callee->offset); });
  std::string text = at_offset(f.unit, s.offset, [&] { return to_str(r); });
  emit(*f.sink, text, f.unit->file_id, line_column(f.unit->parsed->source, s.offset).line, false);
}

void Renderer::exec_include(const IncludeStmt& s, Frame& f) {
  Value name = eval(*s.name, f);
  bool select = name.is_seq(SeqKind::list) || name.is_seq(SeqKind::tuple);
  std::vector<Value> candidates;
  if (select) candidates = name.as_list()->items;
  else candidates.push_back(name);
  if (select && candidates.empty()) {
    if (s.ignore_missing) return;
    fail_at(f.unit, s.name->offset, "TemplatesNotFound: Tried to select from an empty list of templates.");
  }
  for (const auto& c : candidates) {
    if (c.is_undefined()) {
      if (select) continue;  // select_template skips undefined names
      raise_undefined(c);
    }
    if (!c.is_string())
      fail_at(f.unit, s.name->offset, "include expects a template name (a string), got " + type_name(c));
    const Unit* unit = at_offset(f.unit, s.offset, [&] { return m_loader.load(c.as_string(), *f.unit); });
    if (!unit) continue;
    std::shared_ptr<Scope> parent;
    if (s.with_context) parent = f.scope;
    render_unit(*unit, parent, *f.sink);
    return;
  }
  if (s.ignore_missing) return;
  std::string what = name.is_string() ? quote(name.as_string()) : to_str(name);
  fail_at(f.unit, s.name->offset,
          "included template " + what + " not found (searched the including template's folder and the search path)");
}

}  // namespace kjit::jit::detail
