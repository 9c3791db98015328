// Jinja2 constant-folding emulation (see const_fold.h). `constant()` follows
// the as_const methods of jinja2/nodes.py: literals, containers, operators,
// comparisons (lazy, like Compare.as_const), `and`/`or` (short-circuit),
// inline if, ~, attribute/item access and filters/tests that do not need the
// template context (not map/select/reject/selectattr/rejectattr/random);
// anything else (names, calls) is not constant. A node is folded when its
// constant value has a "safe repr" (jinja2.compiler.has_safe_repr).
//
// Thread safety: runs once per parse on a tree nobody else sees yet.
#include "jit/template/const_fold.h"

#include <cmath>

#include "jit/template/ast_walk.h"
#include "jit/template/operators.h"
#include "jit/template/renderer.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

class NoIncludes final : public IncludeLoader {
 public:
  const Unit* load(const std::string&, const Unit&) override { return nullptr; }
};

bool safe_repr(const Value& v) {
  NestingGuard guard;
  switch (v.kind()) {
    case Kind::none:
    case Kind::boolean:
    case Kind::integer:
    case Kind::floating:
    case Kind::string: return true;
    case Kind::list: {
      const auto& l = *v.as_list();
      if (l.kind == SeqKind::range) return true;
      if (l.kind != SeqKind::list && l.kind != SeqKind::tuple) return false;
      for (const auto& e : l.items)
        if (!safe_repr(e)) return false;
      return true;
    }
    case Kind::dict: {
      if (v.as_dict()->is_namespace) return false;
      for (const auto& [k, e] : v.as_dict()->items)
        if (!safe_repr(k) || !safe_repr(e)) return false;
      return true;
    }
    default: return false;
  }
}

// The name Python would fail on ("inf" / "nan"), or empty.
std::string nonfinite(const Value& v) {
  NestingGuard guard;
  if (v.is_float() && !std::isfinite(v.as_float())) return std::isnan(v.as_float()) ? "nan" : "inf";
  if (v.is_list())
    for (const auto& e : v.as_list()->items)
      if (auto n = nonfinite(e); !n.empty()) return n;
  if (v.is_dict())
    for (const auto& [k, e] : v.as_dict()->items) {
      if (auto n = nonfinite(k); !n.empty()) return n;
      if (auto n = nonfinite(e); !n.empty()) return n;
    }
  return "";
}

class Folder {
 public:
  Folder() : m_renderer(m_loader) {}

  std::optional<Value> constant(const Expr& e) {
    try {
      return eval(e);
    } catch (...) {
      return std::nullopt;
    }
  }

  void mark(ExprPtr& e, bool output_child) {
    if (!e) return;
    std::optional<Value> v = constant(*e);
    bool folded = false;
    std::string bad;
    if (v) {
      try {
        folded = safe_repr(*v);
        if (folded) bad = nonfinite(*v);
      } catch (...) {
        folded = false;
      }
    }
    if (folded) {
      if (!output_child && !bad.empty())
        e = std::make_unique<ErrorExpr>(e->offset, "NameError: name '" + bad + "' is not defined (Jinja2 compiles this constant expression into Python source)");
      return;
    }
    children(*e);
  }

  void body(StmtList& b) {
    for (auto& s : b) stmt(*s);
  }

 private:
  struct Impossible {};

  Value need(const Expr* e) {
    if (!e) throw Impossible{};
    return eval(*e);
  }

  void args_of(const ArgList& a, CallArgs& out) {
    for (const auto& x : a.args) out.args.push_back(need(x.get()));
    for (const auto& k : a.kwargs) out.kwargs.emplace_back(k.name, need(k.value.get()));
    if (a.dyn_args)
      for (auto& x : iterate(need(a.dyn_args.get()))) out.args.push_back(std::move(x));
    if (a.dyn_kwargs) {
      Value d = need(a.dyn_kwargs.get());
      if (!d.is_plain_dict()) throw Impossible{};
      for (const auto& [k, x] : d.as_dict()->items) {
        if (!k.is_string()) throw Impossible{};
        out.kwargs.emplace_back(k.as_string(), x);
      }
    }
  }

  static std::optional<std::int64_t> index(const Value& v) {
    if (v.is_none()) return std::nullopt;
    if (!v.is_integral()) throw Impossible{};
    return v.integral();
  }

  Value eval(const Expr& e) {
    switch (e.kind) {
      case ExprKind::literal: return static_cast<const LiteralExpr&>(e).value;
      case ExprKind::getattr: {
        const auto& g = static_cast<const GetattrExpr&>(e);
        return m_renderer.get_attr(need(g.object.get()), g.attr);
      }
      case ExprKind::getitem: {
        const auto& g = static_cast<const GetitemExpr&>(e);
        return m_renderer.get_item(need(g.object.get()), need(g.index.get()));
      }
      case ExprKind::slice: {
        const auto& s = static_cast<const SliceExpr&>(e);
        Value obj = need(s.object.get());
        std::optional<std::int64_t> a, b, c;
        if (s.start) a = index(need(s.start.get()));
        if (s.stop) b = index(need(s.stop.get()));
        if (s.step) c = index(need(s.step.get()));
        return slice(obj, a, b, c);
      }
      case ExprKind::filter: {
        const auto& f = static_cast<const FilterExpr&>(e);
        if (!f.fn || f.input->kind == ExprKind::block_input) throw Impossible{};
        if (f.name == "map" || f.name == "select" || f.name == "reject" || f.name == "selectattr" ||
            f.name == "rejectattr" || f.name == "random")
          throw Impossible{};  // pass_context filters
        Value input = need(f.input.get());
        CallArgs args;
        args_of(f.args, args);
        return f.fn(m_renderer, input, args);
      }
      case ExprKind::test: {
        const auto& t = static_cast<const TestExpr&>(e);
        if (!t.fn) throw Impossible{};
        Value input = need(t.input.get());
        CallArgs args;
        args_of(t.args, args);
        return Value::boolean(t.fn(m_renderer, input, args));
      }
      case ExprKind::neg: return negate(need(static_cast<const UnaryExpr&>(e).operand.get()));
      case ExprKind::pos: return unary_plus(need(static_cast<const UnaryExpr&>(e).operand.get()));
      case ExprKind::not_: return Value::boolean(!truthy(need(static_cast<const UnaryExpr&>(e).operand.get())));
      case ExprKind::binary: {
        const auto& b = static_cast<const BinaryExpr&>(e);
        Value l = need(b.left.get());
        Value r = need(b.right.get());
        return binary_op(b.op, l, r);
      }
      case ExprKind::compare: {
        const auto& c = static_cast<const CompareExpr&>(e);
        Value left = need(c.first.get());
        for (const auto& o : c.rest) {
          Value right = need(o.expr.get());
          bool ok;
          switch (o.op) {
            case CmpOp::eq: ok = equal(left, right); break;
            case CmpOp::ne: ok = !equal(left, right); break;
            case CmpOp::lt: ok = compare(left, right) < 0; break;
            case CmpOp::gt: ok = compare(right, left) < 0; break;
            case CmpOp::le: ok = compare(left, right) <= 0 && equal(left, left) && equal(right, right); break;
            case CmpOp::ge: ok = compare(left, right) >= 0 && equal(left, left) && equal(right, right); break;
            case CmpOp::in: ok = contains(right, left); break;
            case CmpOp::not_in: ok = !contains(right, left); break;
          }
          if (!ok) return Value::boolean(false);
          left = std::move(right);
        }
        return Value::boolean(true);
      }
      case ExprKind::and_: {
        const auto& l = static_cast<const LogicalExpr&>(e);
        Value left = need(l.left.get());
        return truthy(left) ? need(l.right.get()) : left;
      }
      case ExprKind::or_: {
        const auto& l = static_cast<const LogicalExpr&>(e);
        Value left = need(l.left.get());
        return truthy(left) ? left : need(l.right.get());
      }
      case ExprKind::cond: {
        const auto& c = static_cast<const CondExpr&>(e);
        if (truthy(need(c.test.get()))) return need(c.then.get());
        return need(c.otherwise.get());
      }
      case ExprKind::list: {
        const auto& l = static_cast<const ListExpr&>(e);
        std::vector<Value> items;
        for (const auto& i : l.items) items.push_back(need(i.get()));
        return Value::list(std::move(items), l.is_tuple ? SeqKind::tuple : SeqKind::list);
      }
      case ExprKind::dict: {
        auto d = std::make_shared<DictObj>();
        for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
          Value key = need(k.get());
          require_hashable(key);
          d->set(std::move(key), need(v.get()));
        }
        return Value::dict(std::move(d));
      }
      case ExprKind::concat: {
        std::string out;
        for (const auto& i : static_cast<const ConcatExpr&>(e).items) append_str(out, need(i.get()));
        return Value::string(std::move(out));
      }
      default: throw Impossible{};
    }
  }

  void children(Expr& e) {
    for_each_child(e, [this](ExprPtr& c) { mark(c, false); });
  }

  void macro(MacroStmt& m) {
    for (auto& p : m.params) mark(p.default_value, false);
    body(m.body);
  }

  void stmt(Stmt& s) {
    bool output = s.kind == StmtKind::output;  // a whole {{ }} output renders at compile time
    for_each_part(s, Overloaded{[this, output](ExprPtr& e) { mark(e, output); }, [this](StmtList& b) { body(b); },
                                [](Target&) {}, [this](MacroStmt& m) { macro(m); }});
  }

  NoIncludes m_loader;
  Renderer m_renderer;
};

}  // namespace

void mark_nonfinite_constants(StmtList& body) {
  Folder f;
  f.body(body);
}

}  // namespace kjit::jit::detail
