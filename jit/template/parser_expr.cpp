// Parser, expressions: Jinja2's grammar and precedence (or < and < not <
// compare < +,- < ~ < *,/,//,% < ** < unary -,+ < postfix/filters/tests),
// calls with *args/**kwargs, subscripts and slices, literals (see
// parser_impl.h).
//
// Thread safety: pure functions of one Parser.
#include <algorithm>

#include "jit/template/ast_walk.h"
#include "jit/template/filters.h"
#include "jit/template/literal.h"
#include "jit/template/parser_impl.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

int max_children(const Expr& e) {
  int d = 0;
  for_each_child(e, [&d](const ExprPtr& c) {
    if (c) d = std::max(d, c->depth);
  });
  return d;
}

}  // namespace

ExprPtr Parser::finish(ExprPtr e) {
  e->depth = 1 + max_children(*e);
  if (e->depth > k_max_expr_depth)
    fail_at("unsupported: expressions nested deeper than " + std::to_string(k_max_expr_depth) +
                " levels (chains of operators, filters, attributes or calls count; Jinja2 fails near this depth)",
            e->offset);
  return e;
}

namespace {

bool is_tuple_end(const Parser& p, std::initializer_list<std::string_view> extra) {
  if (p.at(Tok::var_end) || p.at(Tok::block_end) || p.at(Tok::rparen)) return true;
  for (auto n : extra)
    if (p.at_name(n)) return true;
  return false;
}

// An unknown filter or test is a syntax error unless `soft` (see
// Parser::checked); the operands of an inline if-expression are soft.
template <class Applied>
void check_applied(const Applied& x, const char* what, bool soft) {
  if (!x.fn && !soft) throw_parse_error(std::string("No ") + what + " named '" + x.name + "'.", x.offset);
}

void check_unknown(const Expr* e, bool soft) {
  if (!e) return;
  if (e->kind == ExprKind::filter) check_applied(static_cast<const FilterExpr&>(*e), "filter", soft);
  if (e->kind == ExprKind::test) check_applied(static_cast<const TestExpr&>(*e), "test", soft);
  bool soft_children = soft || e->kind == ExprKind::cond;
  for_each_child(*e, [soft_children](const ExprPtr& c) { check_unknown(c.get(), soft_children); });
}

}  // namespace

ExprPtr Parser::checked(ExprPtr e) {
  check_unknown(e.get(), m_soft);
  return e;
}

ExprPtr Parser::parse_tuple(bool explicit_parens, bool with_condexpr, std::initializer_list<std::string_view> extra_end) {
  std::uint32_t off = cur().offset;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect(Tok::comma);
    if (is_tuple_end(*this, extra_end)) break;
    items.push_back(parse_expression(with_condexpr));
    if (at(Tok::comma)) is_tuple = true;
    else break;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) fail("unexpected " + found() + ", expected an expression");
  }
  auto list = std::make_unique<ListExpr>(off, true);
  list->items = std::move(items);
  return finish(std::move(list));
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
  RecursionGuard guard(*this);
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
  ExprPtr expr1 = parse_or();
  while (at_name("if")) {
    std::uint32_t off = next().offset;
    auto node = std::make_unique<CondExpr>(off);
    node->test = parse_or();
    if (skip_name("else")) node->otherwise = parse_condexpr();
    node->then = std::move(expr1);
    expr1 = finish(std::move(node));
  }
  return expr1;
}

ExprPtr Parser::parse_logical(ExprKind kind, std::string_view word, ExprPtr (Parser::*operand)()) {
  ExprPtr left = (this->*operand)();
  while (at_name(word)) {
    std::uint32_t off = next().offset;
    left = finish(std::make_unique<LogicalExpr>(kind, off, std::move(left), (this->*operand)()));
  }
  return left;
}

ExprPtr Parser::parse_or() { return parse_logical(ExprKind::or_, "or", &Parser::parse_and); }

ExprPtr Parser::parse_and() { return parse_logical(ExprKind::and_, "and", &Parser::parse_not); }

ExprPtr Parser::parse_not() {
  if (at_name("not")) {
    RecursionGuard guard(*this);
    std::uint32_t off = next().offset;
    return finish(std::make_unique<UnaryExpr>(ExprKind::not_, off, parse_not()));
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  std::uint32_t off = cur().offset;
  ExprPtr expr = parse_math1();
  std::unique_ptr<CompareExpr> cmp;
  while (true) {
    CmpOp op;
    std::uint32_t op_off = cur().offset;
    switch (cur().kind) {
      case Tok::eq: op = CmpOp::eq; break;
      case Tok::ne: op = CmpOp::ne; break;
      case Tok::lt: op = CmpOp::lt; break;
      case Tok::gt: op = CmpOp::gt; break;
      case Tok::le: op = CmpOp::le; break;
      case Tok::ge: op = CmpOp::ge; break;
      case Tok::name:
        if (cur().text == "in") {
          op = CmpOp::in;
          break;
        }
        if (cur().text == "not" && peek().kind == Tok::name && peek().text == "in") {
          next();
          op = CmpOp::not_in;
          break;
        }
        [[fallthrough]];
      default:
        if (cmp) return finish(std::move(cmp));
        return expr;
    }
    next();
    if (!cmp) cmp = std::make_unique<CompareExpr>(off, std::move(expr));
    cmp->rest.push_back({op, op_off, parse_math1()});
  }
}

template <class Operand>
ExprPtr Parser::parse_binops(std::initializer_list<std::pair<Tok, BinOp>> ops, Operand operand) {
  ExprPtr left = operand();
  while (true) {
    auto op = std::find_if(ops.begin(), ops.end(), [this](const auto& o) { return at(o.first); });
    if (op == ops.end()) return left;
    std::uint32_t off = next().offset;
    left = finish(std::make_unique<BinaryExpr>(off, op->second, std::move(left), operand()));
  }
}

ExprPtr Parser::parse_math1() {
  return parse_binops({{Tok::add, BinOp::add}, {Tok::sub, BinOp::sub}}, [this] { return parse_concat(); });
}

ExprPtr Parser::parse_concat() {
  ExprPtr first = parse_math2();
  if (!at(Tok::tilde)) return first;
  auto node = std::make_unique<ConcatExpr>(cur().offset);
  node->items.push_back(std::move(first));
  while (skip_if(Tok::tilde)) node->items.push_back(parse_math2());
  return finish(std::move(node));
}

ExprPtr Parser::parse_math2() {
  return parse_binops(
      {{Tok::mul, BinOp::mul}, {Tok::div, BinOp::div}, {Tok::floordiv, BinOp::floordiv}, {Tok::mod, BinOp::mod}},
      [this] { return parse_pow(); });
}

ExprPtr Parser::parse_pow() {
  return parse_binops({{Tok::pow, BinOp::pow}}, [this] { return parse_unary(true); });
}

ExprPtr Parser::parse_unary(bool with_filter) {
  RecursionGuard guard(*this);
  ExprPtr node;
  if (at(Tok::sub) || at(Tok::add)) {
    ExprKind k = at(Tok::sub) ? ExprKind::neg : ExprKind::pos;
    std::uint32_t off = next().offset;
    node = finish(std::make_unique<UnaryExpr>(k, off, parse_unary(false)));
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filter) node = parse_filter_expr(std::move(node));
  return node;
}

ExprPtr Parser::parse_primary() {
  const Token& t = cur();
  switch (t.kind) {
    case Tok::name: {
      next();
      if (t.text == "true" || t.text == "True") return std::make_unique<LiteralExpr>(t.offset, Value::boolean(true));
      if (t.text == "false" || t.text == "False") return std::make_unique<LiteralExpr>(t.offset, Value::boolean(false));
      if (t.text == "none" || t.text == "None") return std::make_unique<LiteralExpr>(t.offset, Value::none());
      return std::make_unique<NameExpr>(t.offset, std::string(t.text));
    }
    case Tok::string: {
      std::string s;
      std::uint32_t off = t.offset;
      while (at(Tok::string)) {
        const Token& st = next();
        s += decode_string_literal(st.text, st.offset);
      }
      return std::make_unique<LiteralExpr>(off, Value::string(std::move(s)));
    }
    case Tok::integer: next(); return std::make_unique<LiteralExpr>(t.offset, decode_int_literal(t.text, t.offset));
    case Tok::floating: next(); return std::make_unique<LiteralExpr>(t.offset, decode_float_literal(t.text));
    case Tok::lparen: {
      LevelGuard brackets(*this, m_brackets, k_max_brackets, "brackets");
      next();
      ExprPtr e = parse_tuple(true);
      expect(Tok::rparen);
      return e;
    }
    case Tok::lbracket: {
      LevelGuard brackets(*this, m_brackets, k_max_brackets, "brackets");
      auto list = std::make_unique<ListExpr>(next().offset, false);
      while (!at(Tok::rbracket)) {
        if (!list->items.empty()) expect(Tok::comma);
        if (at(Tok::rbracket)) break;
        list->items.push_back(parse_expression());
      }
      expect(Tok::rbracket);
      return finish(std::move(list));
    }
    case Tok::lbrace: {
      LevelGuard brackets(*this, m_brackets, k_max_brackets, "brackets");
      auto dict = std::make_unique<DictExpr>(next().offset);
      while (!at(Tok::rbrace)) {
        if (!dict->items.empty()) expect(Tok::comma);
        if (at(Tok::rbrace)) break;
        ExprPtr k = parse_expression();
        expect(Tok::colon);
        ExprPtr v = parse_expression();
        dict->items.emplace_back(std::move(k), std::move(v));
      }
      expect(Tok::rbrace);
      return finish(std::move(dict));
    }
    default: fail("unexpected " + found() + ", expected an expression");
  }
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (at(Tok::dot) || at(Tok::lbracket)) node = parse_subscript(std::move(node));
    else if (at(Tok::lparen)) node = parse_call(std::move(node));
    else return node;
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (at(Tok::pipe)) node = parse_filter(std::move(node), false);
    else if (at_name("is")) node = parse_test(std::move(node));
    else if (at(Tok::lparen)) node = parse_call(std::move(node));
    else return node;
  }
}

ExprPtr Parser::parse_subscript(ExprPtr node) {
  const Token& tok = next();
  std::uint32_t off = tok.offset;
  if (tok.kind == Tok::dot) {
    const Token& attr = cur();
    if (attr.kind == Tok::name) {
      next();
      return finish(std::make_unique<GetattrExpr>(off, std::move(node), std::string(attr.text)));
    }
    if (attr.kind != Tok::integer) fail("expected name or number, got " + found());
    next();
    auto index = std::make_unique<LiteralExpr>(attr.offset, decode_int_literal(attr.text, attr.offset));
    return finish(std::make_unique<GetitemExpr>(off, std::move(node), std::move(index)));
  }
  LevelGuard brackets(*this, m_brackets, k_max_brackets, "brackets");
  std::vector<ExprPtr> args;
  while (!at(Tok::rbracket)) {
    if (!args.empty()) expect(Tok::comma);
    if (at(Tok::rbracket)) break;
    args.push_back(parse_subscribed());
  }
  expect(Tok::rbracket);
  if (args.size() == 1) {
    if (args[0]->kind == ExprKind::slice) {
      auto& s = static_cast<SliceExpr&>(*args[0]);
      s.object = std::move(node);
      s.offset = off;
      return finish(std::move(args[0]));
    }
    return finish(std::make_unique<GetitemExpr>(off, std::move(node), std::move(args[0])));
  }
  for (const auto& a : args)
    if (a->kind == ExprKind::slice) fail_at("unsupported: slices inside a tuple subscript", a->offset);
  auto tuple = std::make_unique<ListExpr>(off, true);
  tuple->items = std::move(args);
  return finish(std::make_unique<GetitemExpr>(off, std::move(node), finish(std::move(tuple))));
}

// A subscript item: an expression or a slice `start:stop:step` (a SliceExpr
// whose object the caller fills in).
ExprPtr Parser::parse_subscribed() {
  std::uint32_t off = cur().offset;
  ExprPtr start;
  if (at(Tok::colon)) {
    next();
  } else {
    start = parse_expression();
    if (!at(Tok::colon)) return start;
    next();
  }
  auto s = std::make_unique<SliceExpr>(off);
  s->start = std::move(start);
  if (!at(Tok::colon) && !at(Tok::rbracket) && !at(Tok::comma)) s->stop = parse_expression();
  if (at(Tok::colon)) {
    next();
    if (!at(Tok::rbracket) && !at(Tok::comma)) s->step = parse_expression();
  }
  return s;
}

void Parser::parse_call_args(ArgList& out) {
  LevelGuard brackets(*this, m_brackets, k_max_brackets, "brackets");
  std::uint32_t open = expect(Tok::lparen).offset;
  auto ensure = [&](bool ok) {
    if (!ok) fail_at("invalid syntax for function call expression", open);
  };
  bool require_comma = false;
  while (!at(Tok::rparen)) {
    if (require_comma) {
      expect(Tok::comma);
      if (at(Tok::rparen)) break;
    }
    if (at(Tok::mul)) {
      ensure(!out.dyn_args && !out.dyn_kwargs);
      next();
      out.dyn_args = parse_expression();
    } else if (at(Tok::pow)) {
      ensure(!out.dyn_kwargs);
      next();
      out.dyn_kwargs = parse_expression();
    } else if (at(Tok::name) && peek().kind == Tok::assign) {
      ensure(!out.dyn_kwargs);
      std::uint32_t key_off = cur().offset;
      std::string key(next().text);
      next();
      for (const auto& k : out.kwargs)
        if (k.name == key) fail_at("keyword argument repeated: " + key, key_off);
      out.kwargs.push_back({std::move(key), parse_expression()});
    } else {
      ensure(!out.dyn_args && !out.dyn_kwargs && out.kwargs.empty());
      out.args.push_back(parse_expression());
    }
    require_comma = true;
  }
  expect(Tok::rparen);
}

ExprPtr Parser::parse_call(ExprPtr node) {
  auto call = std::make_unique<CallExpr>(cur().offset, std::move(node));
  parse_call_args(call->args);
  return finish(std::move(call));
}

std::string Parser::parse_dotted_name(const char* what) {
  std::string name = expect_name(what);
  while (skip_if(Tok::dot)) name += "." + expect_name(what);
  return name;
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (at(Tok::pipe) || start_inline) {
    if (!start_inline) next();
    start_inline = false;
    const Token& t = cur();
    std::string name = parse_dotted_name("a filter name");
    auto f = std::make_unique<FilterExpr>(t.offset, std::move(node), name);
    f->fn = find_filter(name);  // null: unknown, checked by check_unknown
    if (at(Tok::lparen)) parse_call_args(f->args);
    node = finish(std::move(f));
  }
  return node;
}

ExprPtr Parser::parse_test(ExprPtr node) {
  std::uint32_t is_off = next().offset;
  bool negated = skip_name("not");
  const Token& t = cur();
  std::string name = parse_dotted_name("a test name");
  auto test = std::make_unique<TestExpr>(t.offset, std::move(node), name);
  test->fn = find_test(name);
  if (at(Tok::lparen)) {
    parse_call_args(test->args);
  } else if ((at(Tok::name) || at(Tok::string) || at(Tok::integer) || at(Tok::floating) || at(Tok::lparen) ||
              at(Tok::lbracket) || at(Tok::lbrace)) &&
             !(at_name("else") || at_name("or") || at_name("and"))) {
    if (at_name("is")) fail("You cannot chain multiple tests with is");
    test->args.args.push_back(parse_postfix(parse_primary()));
  }
  ExprPtr out = finish(std::move(test));
  if (negated) out = finish(std::make_unique<UnaryExpr>(ExprKind::not_, is_off, std::move(out)));
  return out;
}

}  // namespace kjit::jit::detail
