// Renderer implementation: statements, expressions, scoping, macros and
// includes (see renderer.h).
//
// Thread safety: one Renderer per render; shares only immutable ASTs.
#include "jit/template/renderer.h"

#include <cmath>

#include "jit/template/filters.h"
#include "jit/template/operators.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

[[noreturn]] void fail_at(const Unit* unit, std::uint32_t offset, std::string msg) {
  throw TemplateError{ErrorCode::render_error, std::move(msg), offset, unit};
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::optional<std::int64_t> opt_int(const Value& v, const char* what) {
  if (v.is_none()) return std::nullopt;
  defined(v);
  if (!v.is_integral()) throw_render_error(std::string(what) + " must be an integer or None, not " + std::string(type_name(v)));
  return v.integral();
}

}  // namespace

void Renderer::charge(std::uint64_t n) {
  m_iterations += n;
  if (m_iterations > k_max_iterations)
    throw_render_error("the render exceeded " + std::to_string(k_max_iterations) +
                       " loop iterations; is a loop or range unbounded?");
}

void Renderer::render(const Unit& unit, std::shared_ptr<Scope> context) {
  m_main.track = true;
  render_unit(unit, std::move(context), m_main);
}

void Renderer::render_unit(const Unit& unit, std::shared_ptr<Scope> parent, Sink& sink) {
  if (++m_depth > k_max_call_depth) {
    --m_depth;
    throw_render_error("include nesting exceeded " + std::to_string(k_max_call_depth) +
                       " levels (recursive include?)");
  }
  auto scope = std::make_shared<Scope>();
  scope->parent = std::move(parent);
  scope->include_boundary = true;
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
    throw_render_error("the rendered output exceeded " + std::to_string(k_max_output >> 20) + " MiB");
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

void Renderer::exec(const StmtList& body, Frame& f) {
  for (const auto& s : body) exec_stmt(*s, f);
}

void Renderer::exec_stmt(const Stmt& s, Frame& f) {
  switch (s.kind) {
    case StmtKind::text: {
      const auto& t = static_cast<const TextStmt&>(s);
      emit(*f.sink, t.text, f.unit->file_id, t.line, true);
      return;
    }
    case StmtKind::output: {
      const auto& o = static_cast<const OutputStmt&>(s);
      Value v = eval(*o.expr, f);
      if (v.is_string()) {
        emit(*f.sink, v.as_string(), f.unit->file_id, o.line, false);
      } else {
        std::string tmp;
        try {
          append_str(tmp, v);
        } catch (TemplateError& e) {
          if (e.offset == k_no_offset) {
            e.offset = o.expr->offset;
            e.unit = f.unit;
          }
          throw;
        }
        emit(*f.sink, tmp, f.unit->file_id, o.line, false);
      }
      return;
    }
    case StmtKind::if_: {
      const auto& i = static_cast<const IfStmt&>(s);
      for (const auto& [cond, body] : i.branches) {
        Value c = eval(*cond, f);
        bool t;
        try {
          t = truthy(c);
        } catch (TemplateError& e) {
          if (e.offset == k_no_offset) {
            e.offset = cond->offset;
            e.unit = f.unit;
          }
          throw;
        }
        if (t) {
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
    case StmtKind::set_block: {
      const auto& st = static_cast<const SetBlockStmt&>(s);
      Sink capture;
      Frame inner{f.scope, f.unit, &capture};
      exec(st.body, inner);
      assign(st.target, Value::string(std::move(capture.text)), f);
      return;
    }
    case StmtKind::macro: {
      const auto& m = static_cast<const MacroStmt&>(s);
      auto c = std::make_shared<CallableObj>();
      c->macro = &m;
      c->unit = f.unit;
      c->closure = f.scope;
      f.scope->set(m.name, Value::callable(std::move(c)));
      return;
    }
    case StmtKind::include: exec_include(static_cast<const IncludeStmt&>(s), f); return;
  }
}

void Renderer::assign(const Target& t, Value v, Frame& f) {
  if (!t.attr.empty()) {
    const Value* ns = f.scope->find(t.names[0]);
    if (!ns) fail_at(f.unit, t.offset, "undefined variable " + quote(t.names[0]));
    if (!ns->is_dict() || !ns->as_dict()->is_namespace)
      fail_at(f.unit, t.offset, "cannot assign attribute on non-namespace object");
    ns->as_dict()->set(Value::string(t.attr), std::move(v));
    return;
  }
  if (!t.unpack) {
    f.scope->set(t.names[0], std::move(v));
    return;
  }
  std::vector<Value> items;
  try {
    items = iterate(v);
  } catch (TemplateError& e) {
    if (e.offset == k_no_offset) {
      e.offset = t.offset;
      e.unit = f.unit;
    }
    throw;
  }
  if (items.size() != t.names.size())
    fail_at(f.unit, t.offset,
            items.size() > t.names.size()
                ? "too many values to unpack (expected " + std::to_string(t.names.size()) + ")"
                : "not enough values to unpack (expected " + std::to_string(t.names.size()) + ", got " +
                      std::to_string(items.size()) + ")");
  for (std::size_t i = 0; i < items.size(); ++i) f.scope->set(t.names[i], std::move(items[i]));
}

void Renderer::exec_for(const ForStmt& s, Frame& f) {
  Value iterable = eval(*s.iter, f);
  std::vector<Value> items;
  try {
    items = iterate(iterable);
  } catch (TemplateError& e) {
    if (e.offset == k_no_offset) {
      e.offset = s.iter->offset;
      e.unit = f.unit;
    }
    throw;
  }
  auto scope = std::make_shared<Scope>();
  scope->parent = f.scope;
  if (!s.frame_assigned.empty()) scope->frame_only = &s.frame_assigned;
  Frame inner{scope, f.unit, f.sink};
  if (s.filter) {
    std::vector<Value> kept;
    for (auto& item : items) {
      charge(1);
      scope->vars.clear();
      assign(s.target, item, inner);
      Value c = eval(*s.filter, inner);
      if (truthy(c)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec(s.otherwise, f);
    return;
  }
  // loop.depth counts recursive-loop levels only (always 1 here), as in Jinja2.
  const int depth = 1;
  auto loop = std::make_shared<LoopObj>();
  loop->items = &items;
  loop->length = items.size();
  loop->depth = depth;
  Value loop_value = Value::loop(loop);
  for (std::size_t i = 0; i < items.size(); ++i) {
    charge(1);
    loop->index0 = i;
    scope->vars.clear();
    scope->vars.emplace_back("loop", loop_value);
    assign(s.target, items[i], inner);
    exec(s.body, inner);
  }
  // The loop object may outlive this call (stored in a namespace); detach it
  // from the local item vector.
  loop->items = nullptr;
}

void Renderer::exec_include(const IncludeStmt& s, Frame& f) {
  Value name = eval(*s.name, f);
  std::vector<Value> candidates;
  if (name.is_list()) candidates = name.as_list()->items;
  else candidates.push_back(name);
  for (const auto& c : candidates) {
    if (!c.is_string()) fail_at(f.unit, s.name->offset, "include expects a template name (a string), got " + std::string(type_name(c)));
    const Unit* unit = nullptr;
    try {
      unit = m_loader.load(c.as_string(), *f.unit);
    } catch (TemplateError& e) {
      if (e.offset == k_no_offset) {
        e.offset = s.offset;
        e.unit = f.unit;
      }
      throw;
    }
    if (!unit) continue;
    std::shared_ptr<Scope> parent = f.scope;
    if (!s.with_context) {
      parent = f.scope;
      while (parent->parent) parent = parent->parent;
    }
    render_unit(*unit, parent, *f.sink);
    return;
  }
  if (s.ignore_missing) return;
  std::string what = name.is_string() ? quote(name.as_string()) : to_str(name);
  fail_at(f.unit, s.name->offset,
          "included template " + what + " not found (searched the including template's folder and the search path)");
}

// ---- expressions

Value Renderer::eval(const Expr& e, Frame& f) {
  try {
    return eval_inner(e, f);
  } catch (TemplateError& err) {
    if (err.offset == k_no_offset) {
      err.offset = e.offset;
      err.unit = f.unit;
    }
    throw;
  }
}

Value Renderer::eval_name(const NameExpr& e, Frame& f) {
  if (const Value* v = f.scope->find(e.name)) return *v;
  if (e.name == "range" || e.name == "dict" || e.name == "namespace") {
    auto c = std::make_shared<CallableObj>();
    c->builtin = e.name == "range" ? Builtin::range : (e.name == "dict" ? Builtin::dict : Builtin::namespace_);
    return Value::callable(std::move(c));
  }
  return Value::undefined("undefined variable " + quote(e.name), e.offset, f.unit);
}

Value Renderer::get_attr(const Value& obj, const std::string& attr, std::uint32_t offset) {
  switch (obj.kind()) {
    case Kind::undefined: raise_undefined(obj);
    case Kind::dict:
      if (const Value* v = obj.as_dict()->find(std::string_view(attr))) return *v;
      break;
    case Kind::loop: {
      const LoopObj& l = *obj.as_loop();
      std::int64_t i = static_cast<std::int64_t>(l.index0), n = static_cast<std::int64_t>(l.length);
      if (attr == "index") return Value::integer(i + 1);
      if (attr == "index0") return Value::integer(i);
      if (attr == "revindex") return Value::integer(n - i);
      if (attr == "revindex0") return Value::integer(n - i - 1);
      if (attr == "first") return Value::boolean(i == 0);
      if (attr == "last") return Value::boolean(i == n - 1);
      if (attr == "length") return Value::integer(n);
      if (attr == "depth") return Value::integer(l.depth);
      if (attr == "depth0") return Value::integer(l.depth - 1);
      if (attr == "previtem") {
        if (l.items && i > 0) return (*l.items)[static_cast<std::size_t>(i - 1)];
        return Value::undefined("there is no previous item", offset, m_current);
      }
      if (attr == "nextitem") {
        if (l.items && i + 1 < n) return (*l.items)[static_cast<std::size_t>(i + 1)];
        return Value::undefined("there is no next item", offset, m_current);
      }
      if (attr == "cycle") {
        auto c = std::make_shared<CallableObj>();
        c->builtin = Builtin::loop_cycle;
        c->loop = obj.as_loop();
        return Value::callable(std::move(c));
      }
      break;
    }
    default: break;
  }
  return Value::undefined(object_type_repr(obj) + " has no attribute " + quote(attr), offset, m_current);
}

Value Renderer::get_item(const Value& obj, const Value& key, std::uint32_t offset) {
  defined(obj);
  defined(key);
  if (obj.is_dict() && !obj.as_dict()->is_namespace) {
    if (const Value* v = obj.as_dict()->find(key)) return *v;
  } else if (key.is_integral()) {
    if (auto v = index_sequence(obj, key.integral())) return *v;
  }
  if (key.is_string() && !obj.is_dict()) {
    Value v = get_attr(obj, key.as_string(), offset);
    if (!v.is_undefined()) return v;
  } else if (key.is_string() && obj.as_dict()->is_namespace) {
    return get_attr(obj, key.as_string(), offset);
  }
  if (key.is_string()) return Value::undefined(object_type_repr(obj) + " has no attribute " + quote(key.as_string()), offset, m_current);
  std::string k;
  append_repr(k, key);
  return Value::undefined(object_type_repr(obj) + " has no element " + k, offset, m_current);
}

Value Renderer::eval_compare(const CompareExpr& e, Frame& f) {
  Value left = eval(*e.first, f);
  for (const auto& operand : e.rest) {
    Value right = eval(*operand.expr, f);
    bool r;
    try {
      switch (operand.op) {
        case CmpOp::eq: r = equal(left, right); break;
        case CmpOp::ne: r = !equal(left, right); break;
        case CmpOp::lt: r = compare(left, right) < 0; break;
        case CmpOp::gt: r = compare(right, left) < 0; break;
        case CmpOp::le:
          r = compare(left, right) <= 0 &&
              !(left.is_float() && std::isnan(left.as_float())) && !(right.is_float() && std::isnan(right.as_float()));
          break;
        case CmpOp::ge:
          r = compare(left, right) >= 0 &&
              !(left.is_float() && std::isnan(left.as_float())) && !(right.is_float() && std::isnan(right.as_float()));
          break;
        case CmpOp::in: r = contains(right, left); break;
        case CmpOp::not_in: r = !contains(right, left); break;
      }
    } catch (TemplateError& err) {
      if (err.offset == k_no_offset) {
        err.offset = operand.offset;
        err.unit = f.unit;
      }
      throw;
    }
    if (!r) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

void Renderer::eval_args(const std::vector<ExprPtr>& args, const std::vector<Keyword>& kwargs, Frame& f,
                         CallArgs& out) {
  out.args.reserve(args.size());
  for (const auto& a : args) out.args.push_back(eval(*a, f));
  for (const auto& k : kwargs) out.kwargs.emplace_back(k.name, eval(*k.value, f));
}

Value Renderer::eval_inner(const Expr& e, Frame& f) {
  m_current = f.unit;
  switch (e.kind) {
    case ExprKind::literal: return static_cast<const LiteralExpr&>(e).value;
    case ExprKind::name: return eval_name(static_cast<const NameExpr&>(e), f);
    case ExprKind::getattr: {
      const auto& g = static_cast<const GetattrExpr&>(e);
      Value obj = eval(*g.object, f);
      m_current = f.unit;
      return get_attr(obj, g.attr, g.offset + 1);
    }
    case ExprKind::getitem: {
      const auto& g = static_cast<const GetitemExpr&>(e);
      Value obj = eval(*g.object, f);
      Value key = eval(*g.index, f);
      m_current = f.unit;
      return get_item(obj, key, g.offset);
    }
    case ExprKind::slice: {
      const auto& s = static_cast<const SliceExpr&>(e);
      Value obj = eval(*s.object, f);
      std::optional<std::int64_t> start, stop, step;
      if (s.start) start = opt_int(eval(*s.start, f), "slice indices");
      if (s.stop) stop = opt_int(eval(*s.stop, f), "slice indices");
      if (s.step) step = opt_int(eval(*s.step, f), "slice indices");
      return slice(obj, start, stop, step);
    }
    case ExprKind::call: return eval_call(static_cast<const CallExpr&>(e), f);
    case ExprKind::filter: {
      const auto& fe = static_cast<const FilterExpr&>(e);
      Value input = eval(*fe.input, f);
      CallArgs args;
      eval_args(fe.args, fe.kwargs, f, args);
      m_current = f.unit;
      return fe.fn(*this, input, args);
    }
    case ExprKind::test: {
      const auto& te = static_cast<const TestExpr&>(e);
      Value input = eval(*te.input, f);
      CallArgs args;
      eval_args(te.args, te.kwargs, f, args);
      m_current = f.unit;
      bool r = te.fn(*this, input, args);
      return Value::boolean(te.negated ? !r : r);
    }
    case ExprKind::neg: return negate(eval(*static_cast<const UnaryExpr&>(e).operand, f));
    case ExprKind::pos: return unary_plus(eval(*static_cast<const UnaryExpr&>(e).operand, f));
    case ExprKind::not_: return Value::boolean(!truthy(eval(*static_cast<const UnaryExpr&>(e).operand, f)));
    case ExprKind::binary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value l = eval(*b.left, f);
      Value r = eval(*b.right, f);
      return binary_op(b.op, l, r);
    }
    case ExprKind::compare: return eval_compare(static_cast<const CompareExpr&>(e), f);
    case ExprKind::and_: {
      const auto& l = static_cast<const LogicalExpr&>(e);
      Value left = eval(*l.left, f);
      if (!truthy(left)) return left;
      return eval(*l.right, f);
    }
    case ExprKind::or_: {
      const auto& l = static_cast<const LogicalExpr&>(e);
      Value left = eval(*l.left, f);
      if (truthy(left)) return left;
      return eval(*l.right, f);
    }
    case ExprKind::cond: {
      const auto& c = static_cast<const CondExpr&>(e);
      Value t = eval(*c.test, f);
      bool b;
      try {
        b = truthy(t);
      } catch (TemplateError& err) {
        if (err.offset == k_no_offset) {
          err.offset = c.test->offset;
          err.unit = f.unit;
        }
        throw;
      }
      if (b) return eval(*c.then, f);
      if (c.otherwise) return eval(*c.otherwise, f);
      return Value::lenient_undefined("the inline if expression evaluated to false and has no else section", c.offset,
                                      f.unit);
    }
    case ExprKind::list: {
      const auto& l = static_cast<const ListExpr&>(e);
      std::vector<Value> items;
      items.reserve(l.items.size());
      for (const auto& i : l.items) items.push_back(eval(*i, f));
      return Value::list(std::move(items), l.is_tuple ? SeqKind::tuple : SeqKind::list);
    }
    case ExprKind::dict: {
      const auto& d = static_cast<const DictExpr&>(e);
      auto obj = std::make_shared<DictObj>();
      for (const auto& [k, v] : d.items) {
        Value key = eval(*k, f);
        Value val = eval(*v, f);
        if (key.is_list() && key.as_list()->kind == SeqKind::list)
          fail_at(f.unit, k->offset, "unhashable type: 'list'");
        if (key.is_dict()) fail_at(f.unit, k->offset, "unhashable type: 'dict'");
        defined(key);
        obj->set(std::move(key), std::move(val));
      }
      return Value::dict(std::move(obj));
    }
    case ExprKind::concat: {
      const auto& c = static_cast<const ConcatExpr&>(e);
      std::string out;
      for (const auto& i : c.items) {
        Value v = eval(*i, f);
        try {
          append_str(out, v);
        } catch (TemplateError& err) {
          if (err.offset == k_no_offset) {
            err.offset = i->offset;
            err.unit = f.unit;
          }
          throw;
        }
        if (out.size() > k_max_sequence_size) throw_render_error("string concatenation result is too large");
      }
      return Value::string(std::move(out));
    }
  }
  return Value();
}

Value Renderer::eval_call(const CallExpr& e, Frame& f) {
  if (e.callee->kind == ExprKind::getattr) {
    const auto& g = static_cast<const GetattrExpr&>(*e.callee);
    Value obj = eval(*g.object, f);
    defined(obj);
    CallArgs args;
    eval_args(e.args, e.kwargs, f, args);
    m_current = f.unit;
    if (auto r = call_method(obj, g.attr, args)) return std::move(*r);
    Value callee = get_attr(obj, g.attr, g.offset + 1);
    return call_value(callee, args, e.offset);
  }
  Value callee = eval(*e.callee, f);
  CallArgs args;
  eval_args(e.args, e.kwargs, f, args);
  m_current = f.unit;
  return call_value(callee, args, e.callee->offset);
}

Value Renderer::call_value(const Value& callee, CallArgs& args, std::uint32_t offset) {
  defined(callee);
  if (!callee.is_callable()) throw_render_error("'" + std::string(type_name(callee)) + "' object is not callable");
  const CallableObj& c = *callee.as_callable();
  if (c.macro) return call_macro(c, args, offset);
  switch (c.builtin) {
    case Builtin::range: {
      if (!args.kwargs.empty()) throw_render_error("range() takes no keyword arguments");
      if (args.args.empty() || args.args.size() > 3)
        throw_render_error("range expected 1 to 3 arguments, got " + std::to_string(args.args.size()));
      std::int64_t v[3] = {0, 0, 1};
      for (std::size_t i = 0; i < args.args.size(); ++i) {
        const Value& a = defined(args.args[i]);
        if (!a.is_integral())
          throw_render_error("'" + std::string(type_name(a)) + "' object cannot be interpreted as an integer");
        v[i] = a.integral();
      }
      std::int64_t start = 0, stop = 0, step = 1;
      if (args.args.size() == 1) {
        stop = v[0];
      } else {
        start = v[0];
        stop = v[1];
        step = args.args.size() == 3 ? v[2] : 1;
      }
      if (step == 0) throw_render_error("range() arg 3 must not be zero");
      // Element count without overflow: ceil((stop - start) / step).
      __int128 span = static_cast<__int128>(stop) - start;
      __int128 count = step > 0 ? (span > 0 ? (span + step - 1) / step : 0) : (span < 0 ? (span + step + 1) / step : 0);
      if (count > k_max_range)
        throw_render_error("range() of " + std::to_string(static_cast<long long>(count)) + " elements exceeds the limit of " +
                           std::to_string(k_max_range));
      charge(static_cast<std::uint64_t>(count));
      auto l = std::make_shared<ListObj>();
      l->kind = SeqKind::range;
      l->range_start = start;
      l->range_stop = stop;
      l->range_step = step;
      l->items.reserve(static_cast<std::size_t>(count));
      for (__int128 i = 0; i < count; ++i) l->items.push_back(Value::integer(static_cast<std::int64_t>(start + i * step)));
      return Value::list(std::move(l));
    }
    case Builtin::dict:
    case Builtin::namespace_: {
      auto d = std::make_shared<DictObj>();
      d->is_namespace = c.builtin == Builtin::namespace_;
      if (args.args.size() > 1) throw_render_error("dict()/namespace() take at most one positional argument");
      if (args.args.size() == 1) {
        const Value& a = defined(args.args[0]);
        if (!a.is_dict()) throw_render_error("dict()/namespace() expects a dict as positional argument");
        for (const auto& [k, v] : a.as_dict()->items) d->set(k, v);
      }
      for (auto& [k, v] : args.kwargs) d->set(Value::string(k), v);
      return Value::dict(std::move(d));
    }
    case Builtin::loop_cycle: {
      if (args.args.empty()) throw_render_error("no items for cycling given");
      return args.args[c.loop->index0 % args.args.size()];
    }
  }
  return Value();
}

Value Renderer::call_macro(const CallableObj& c, CallArgs& args, std::uint32_t offset) {
  const MacroStmt& m = *c.macro;
  if (args.args.size() > m.params.size())
    throw_render_error("macro " + quote(m.name) + " takes not more than " + std::to_string(m.params.size()) +
                       " argument(s)");
  if (m_depth + 1 > k_max_call_depth)
    throw_render_error("macro call nesting exceeded " + std::to_string(k_max_call_depth) +
                       " levels (unbounded recursion in macro " + quote(m.name) + "?)");
  auto scope = std::make_shared<Scope>();
  scope->parent = c.closure.lock();
  if (!scope->parent)
    throw_render_error("macro " + quote(m.name) + " was called after the block that defined it ended");
  if (!m.frame_assigned.empty()) scope->frame_only = &m.frame_assigned;
  std::vector<bool> given(m.params.size(), false);
  for (std::size_t i = 0; i < args.args.size(); ++i) {
    scope->set(m.params[i].name, std::move(args.args[i]));
    given[i] = true;
  }
  for (auto& [k, v] : args.kwargs) {
    std::size_t i = 0;
    while (i < m.params.size() && m.params[i].name != k) ++i;
    if (i == m.params.size()) throw_render_error("macro " + quote(m.name) + " takes no keyword argument " + quote(k));
    if (given[i]) throw_render_error("macro " + quote(m.name) + " got multiple values for argument " + quote(k));
    scope->set(k, std::move(v));
    given[i] = true;
  }
  Sink capture;
  Frame f{scope, c.unit, &capture};
  ++m_depth;
  try {
    for (std::size_t i = 0; i < m.params.size(); ++i) {
      if (given[i]) continue;
      if (m.params[i].default_value) {
        scope->set(m.params[i].name, eval(*m.params[i].default_value, f));
      } else {
        scope->set(m.params[i].name,
                   Value::undefined("parameter " + quote(m.params[i].name) + " was not provided", offset, m_current));
      }
    }
    exec(m.body, f);
  } catch (TemplateError& e) {
    --m_depth;
    if (!e.unit) e.unit = c.unit;
    throw;
  }
  --m_depth;
  return Value::string(std::move(capture.text));
}

Value Renderer::apply_filter(std::string_view name, const Value& input, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn) throw_render_error("no filter named " + quote(name));
  return fn(*this, input, args);
}

bool Renderer::apply_test(std::string_view name, const Value& input, CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) throw_render_error("no test named " + quote(name));
  return fn(*this, input, args);
}

}  // namespace kjit::jit::detail
