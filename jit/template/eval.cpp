// Renderer, expressions: names, attribute and item access (Jinja2's
// environment.getattr / getitem), comparisons, filters and tests, literals,
// operators (see renderer.h; calls are in calls.cpp).
//
// Thread safety: one Renderer per render; shares only immutable ASTs.
#include <cmath>

#include "jit/template/filters.h"
#include "jit/template/methods.h"
#include "jit/template/operators.h"
#include "jit/template/renderer.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_dunder(std::string_view n) { return n.size() > 4 && n.starts_with("__") && n.ends_with("__"); }

std::optional<std::int64_t> slice_index(const Value& v) {
  if (v.is_none()) return std::nullopt;
  if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
  if (!v.is_integral())
    throw_render_error("TypeError: slice indices must be integers or None or have an __index__ method");
  return v.integral();
}

Value builtin_global(std::string_view name) {
  static const std::pair<std::string_view, Builtin> k_globals[] = {
      {"range", Builtin::range},   {"dict", Builtin::dict},     {"namespace", Builtin::namespace_},
      {"cycler", Builtin::cycler}, {"joiner", Builtin::joiner}, {"lipsum", Builtin::lipsum},
      {"raise", Builtin::raise},
  };
  for (const auto& [n, b] : k_globals) {
    if (n != name) continue;
    auto c = std::make_shared<CallableObj>();
    c->builtin = b;
    c->name = std::string(n);
    return Value::callable(std::move(c));
  }
  return Value::undefined("", 0, nullptr);
}

Value loop_callable(const LoopPtr& loop, Builtin b) {
  auto c = std::make_shared<CallableObj>();
  c->builtin = b;
  c->loop = loop;
  return Value::callable(std::move(c));
}

}  // namespace

Renderer::EvalGuard::EvalGuard(Renderer& renderer) : r(renderer) {
  if (++r.m_eval_depth > k_max_eval_depth) {
    --r.m_eval_depth;
    throw_unsupported("evaluation nested deeper than " + std::to_string(k_max_eval_depth) +
                      " levels (deep recursion of macros over deep expressions)");
  }
}

Value Renderer::eval(const Expr& e, Frame& f) {
  EvalGuard guard(*this);
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
  bool stopped = false;
  {
    bool honor = true;
    for (const Scope* s = f.scope.get(); s; s = s->parent.get()) {
      if (const Value* v = s->find_local(e.name)) return *v;
      if (honor && s->undefined_init) {
        for (const auto& n : *s->undefined_init)
          if (n == e.name) stopped = true;
        if (stopped) break;
      }
      // Jinja2 binds `self` (a TemplateReference) in a template that uses it,
      // in front of the context.
      if (s->include_boundary && honor && e.name == "self" && f.unit->parsed->uses_self)
        throw_unsupported("the 'self' template reference (template inheritance)");
      if (s->include_boundary) honor = false;
    }
  }
  if (!stopped) {
    Value g = builtin_global(e.name);
    if (!g.is_undefined()) return g;
  }
  return Value::undefined("undefined variable " + quote(e.name), e.offset, f.unit);
}

Value Renderer::get_attr(const Value& obj, const std::string& attr, std::uint32_t offset) {
  auto missing = [&] {
    return Value::undefined(object_type_repr(obj) + " has no attribute " + quote(attr), offset, m_current);
  };
  switch (obj.kind()) {
    case Kind::undefined: raise_undefined(obj);
    case Kind::dict:
      if (obj.as_dict()->is_namespace) {
        if (attr == "__class__" || attr == "_Namespace__attrs")
          throw_unsupported("attribute " + quote(attr) + " of a namespace");
        if (const Value* v = obj.as_dict()->find(std::string_view(attr))) return *v;
        return missing();
      }
      break;
    case Kind::loop: {
      const LoopPtr& lp = obj.as_loop();
      const LoopObj& l = *lp;
      auto i = static_cast<std::int64_t>(l.index0), n = static_cast<std::int64_t>(l.items.size());
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
        if (i > 0) return l.items[static_cast<std::size_t>(i - 1)];
        return Value::undefined("there is no previous item", offset, m_current);
      }
      if (attr == "nextitem") {
        if (i + 1 < n) return l.items[static_cast<std::size_t>(i + 1)];
        return Value::undefined("there is no next item", offset, m_current);
      }
      if (attr == "cycle") return loop_callable(lp, Builtin::loop_cycle);
      if (attr == "changed") return loop_callable(lp, Builtin::loop_changed);
      if (attr.starts_with("_")) throw_unsupported("attribute " + quote(attr) + " of the loop object");
      return missing();
    }
    default: break;
  }
  switch (python_attr_kind(obj, attr)) {
    case AttrKind::method: return bound_method(obj, attr);
    case AttrKind::data: return data_attribute(obj, attr);
    case AttrKind::unsupported: throw_unsupported("attribute " + quote(attr) + " of a " + type_name(obj) + " value");
    case AttrKind::none: break;
  }
  if (is_dunder(attr)) throw_unsupported("attribute " + quote(attr) + " of a " + type_name(obj) + " value");
  // Jinja then tries obj[attr]: only dicts have string keys.
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict()->find(std::string_view(attr))) return *v;
  }
  return missing();
}

Value Renderer::get_item(const Value& obj, const Value& key, std::uint32_t offset) {
  if (obj.is_undefined()) raise_undefined(obj);
  auto missing = [&] {
    if (key.is_string())
      return Value::undefined(object_type_repr(obj) + " has no attribute " + quote(key.as_string()), offset, m_current);
    std::string k;
    if (key.is_undefined()) k = "Undefined";
    else append_repr(k, key);
    return Value::undefined(object_type_repr(obj) + " has no element " + k, offset, m_current);
  };
  // Python obj[key]; TypeError / LookupError fall through to getattr.
  switch (obj.kind()) {
    case Kind::dict:
      if (obj.as_dict()->is_namespace) break;
      if (key.is_undefined()) {
        if (!key.as_undefined().lenient) raise_undefined(key);
        return missing();
      }
      try {
        require_hashable(key);
      } catch (const TemplateError&) {
        return missing();
      }
      if (const Value* v = obj.as_dict()->find(key)) return *v;
      break;
    case Kind::list:
    case Kind::string:
      if (key.is_integral()) {
        if (auto v = index_sequence(obj, key.integral())) return *v;
        return missing();
      }
      break;
    default: break;
  }
  if (key.is_string()) return get_attr(obj, key.as_string(), offset);
  return missing();
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
          r = compare(left, right) <= 0 && !(left.is_float() && std::isnan(left.as_float())) &&
              !(right.is_float() && std::isnan(right.as_float()));
          break;
        case CmpOp::ge:
          r = compare(left, right) >= 0 && !(left.is_float() && std::isnan(left.as_float())) &&
              !(right.is_float() && std::isnan(right.as_float()));
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

void Renderer::eval_args(const ArgList& a, Frame& f, CallArgs& out) {
  out.args.reserve(a.args.size());
  for (const auto& x : a.args) out.args.push_back(eval(*x, f));
  for (const auto& k : a.kwargs) out.kwargs.emplace_back(k.name, eval(*k.value, f));
  if (a.dyn_args) {
    Value v = eval(*a.dyn_args, f);
    try {
      for (auto& x : iterate(v)) out.args.push_back(std::move(x));
    } catch (TemplateError& err) {
      if (err.offset == k_no_offset) {
        err.offset = a.dyn_args->offset;
        err.unit = f.unit;
      }
      throw;
    }
  }
  if (a.dyn_kwargs) {
    Value v = eval(*a.dyn_kwargs, f);
    if (!v.is_plain_dict()) {
      if (v.is_undefined()) raise_undefined(v);
      throw_render_error("TypeError: argument after ** must be a mapping, not " + type_name(v));
    }
    for (const auto& [k, val] : v.as_dict()->items) {
      if (!k.is_string()) throw_render_error("TypeError: keywords must be strings");
      for (const auto& [n, x] : out.kwargs)
        if (n == k.as_string())
          throw_render_error("TypeError: got multiple values for keyword argument " + quote(n));
      out.kwargs.emplace_back(k.as_string(), val);
    }
  }
}

Value Renderer::eval_filter(const FilterExpr& fe, Frame& f) {
  Value input = fe.input->kind == ExprKind::block_input ? m_block_input.back() : eval(*fe.input, f);
  CallArgs args;
  eval_args(fe.args, f, args);
  m_current = f.unit;
  if (!fe.fn) throw_render_error("No filter named " + quote(fe.name) + " found.");
  return fe.fn(*this, input, args);
}

Value Renderer::eval_inner(const Expr& e, Frame& f) {
  m_current = f.unit;
  switch (e.kind) {
    case ExprKind::literal: return static_cast<const LiteralExpr&>(e).value;
    case ExprKind::name: return eval_name(static_cast<const NameExpr&>(e), f);
    case ExprKind::block_input: return m_block_input.back();
    case ExprKind::error: throw_render_error(static_cast<const ErrorExpr&>(e).message);
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
      if (s.start) start = slice_index(eval(*s.start, f));
      if (s.stop) stop = slice_index(eval(*s.stop, f));
      if (s.step) step = slice_index(eval(*s.step, f));
      return slice(obj, start, stop, step);
    }
    case ExprKind::call: return eval_call(static_cast<const CallExpr&>(e), f);
    case ExprKind::filter: return eval_filter(static_cast<const FilterExpr&>(e), f);
    case ExprKind::test: {
      const auto& te = static_cast<const TestExpr&>(e);
      Value input = eval(*te.input, f);
      CallArgs args;
      eval_args(te.args, f, args);
      m_current = f.unit;
      if (!te.fn) throw_render_error("No test named " + quote(te.name) + " found.");
      return Value::boolean(te.fn(*this, input, args));
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
        try {
          require_hashable(key);
        } catch (TemplateError& err) {
          if (err.offset == k_no_offset) {
            err.offset = k->offset;
            err.unit = f.unit;
          }
          throw;
        }
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
        if (out.size() > k_max_sequence_size) throw_unsupported("strings longer than 64 MiB");
      }
      return Value::string(std::move(out));
    }
  }
  return Value();
}

Value Renderer::apply_filter(std::string_view name, const Value& input, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn) throw_render_error("TemplateRuntimeError: No filter named " + quote(name) + ".");
  return fn(*this, input, args);
}

bool Renderer::apply_test(std::string_view name, const Value& input, CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) throw_render_error("TemplateRuntimeError: No test named " + quote(name) + ".");
  return fn(*this, input, args);
}

}  // namespace kjit::jit::detail
