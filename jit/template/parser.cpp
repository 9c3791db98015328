// Parser implementation: recursive descent mirroring jinja2/parser.py (see
// parser.h). Error messages name what was found and what was expected.
//
// Thread safety: pure function.
#include "jit/template/parser.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>

#include "jit/template/filters.h"
#include "jit/template/frames.h"
#include "jit/template/lexer.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {
namespace {

constexpr int k_max_depth = 200;

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_end_tag(std::string_view name) {
  return name.starts_with("end") || name == "else" || name == "elif";
}

class Parser {
 public:
  Parser(const std::string& src) : m_src(src), m_toks(tokenize(src)) {}

  StmtList parse_all() {
    StmtList body = parse_body({}, "", 0);
    return body;
  }

 private:
  // ---- token helpers
  const Token& cur() const { return m_toks[m_pos]; }
  const Token& peek(std::size_t k = 1) const {
    return m_toks[std::min(m_pos + k, m_toks.size() - 1)];
  }
  const Token& next() {
    const Token& t = m_toks[m_pos];
    if (m_pos + 1 < m_toks.size()) ++m_pos;
    return t;
  }
  bool at(Tok k) const { return cur().kind == k; }
  bool at_name(std::string_view n) const { return cur().kind == Tok::name && cur().text == n; }
  bool skip_if(Tok k) {
    if (!at(k)) return false;
    next();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!at_name(n)) return false;
    next();
    return true;
  }
  std::string found() const {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::name: return "name " + quote(t.text);
      case Tok::integer:
      case Tok::floating: return "number " + std::string(t.text);
      case Tok::string: return "string " + std::string(t.text);
      case Tok::text: return "template data";
      default: return describe(t.kind);
    }
  }
  [[noreturn]] void fail(const std::string& msg) { throw_parse_error(msg, cur().offset); }
  const Token& expect(Tok k, const char* what = nullptr) {
    if (!at(k)) fail(std::string("expected ") + (what ? what : describe(k)) + ", got " + found());
    return next();
  }
  std::string expect_name(const char* what) {
    if (!at(Tok::name)) fail(std::string("expected ") + what + ", got " + found());
    return std::string(next().text);
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.m_depth > k_max_depth) p.fail("template nesting is too deep (more than 200 levels)");
    }
    ~DepthGuard() { --p.m_depth; }
  };

  // ---- statements

  // Parses statements until one of `end_tags` opens a block tag (left
  // unconsumed: cur() is the tag name) or the end of the template.
  StmtList parse_body(std::initializer_list<std::string_view> end_tags, std::string_view block,
                      std::uint32_t block_offset) {
    DepthGuard guard(*this);
    StmtList body;
    while (true) {
      const Token& t = cur();
      switch (t.kind) {
        case Tok::text: {
          std::string text(t.text);
          if (text.find('\r') != std::string::npos) text = normalize_newlines(text);
          body.push_back(std::make_unique<TextStmt>(t.offset, std::move(text), t.line));
          next();
          break;
        }
        case Tok::var_begin: {
          const Token& open = next();
          if (at(Tok::var_end)) fail("expected an expression, got '}}'");
          ExprPtr e = parse_tuple(false);
          expect(Tok::var_end, "end of print statement '}}'");
          body.push_back(std::make_unique<OutputStmt>(open.offset, std::move(e), open.line));
          break;
        }
        case Tok::block_begin: {
          next();
          if (!at(Tok::name)) fail("expected a tag name after '{%', got " + found());
          std::string_view name = cur().text;
          for (auto e : end_tags)
            if (name == e) {
              return body;
            }
          if (is_end_tag(name)) {
            std::string msg = "unexpected " + quote(name);
            if (end_tags.size() == 0) {
              msg += " (no block is open)";
            } else {
              msg += ", expected ";
              bool first = true;
              for (auto e : end_tags) {
                msg += (first ? "" : " or ") + quote(e);
                first = false;
              }
              msg += " (the innermost open block is " + quote(block) + " from line " +
                     std::to_string(line_column(m_src, block_offset).line) + ")";
            }
            fail(msg);
          }
          body.push_back(parse_statement());
          break;
        }
        case Tok::eof:
          if (end_tags.size() != 0) {
            std::string msg = "unexpected end of template: the " + quote(block) + " block from line " +
                              std::to_string(line_column(m_src, block_offset).line) + " is not closed (expected ";
            bool first = true;
            for (auto e : end_tags) {
              msg += (first ? "" : " or ") + quote(e);
              first = false;
            }
            fail(msg + ")");
          }
          return body;
        default: fail("unexpected " + found());
      }
    }
  }

  static std::string normalize_newlines(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r') {
        out += '\n';
        if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  void end_block() { expect(Tok::block_end, "end of statement '%}'"); }

  // cur() is the end tag's name; consumes `{% name %}`.
  void consume_end(std::string_view name) {
    if (!at_name(name)) fail("expected " + quote(name) + ", got " + found());
    next();
    end_block();
  }

  StmtPtr parse_statement() {
    DepthGuard guard(*this);
    const Token& kw = cur();
    std::string_view name = kw.text;
    if (name == "if") return parse_if();
    if (name == "for") return parse_for();
    if (name == "set") return parse_set();
    if (name == "macro") return parse_macro();
    if (name == "include") return parse_include();
    if (name == "extends" || name == "block" || name == "import" || name == "from" || name == "call" ||
        name == "filter" || name == "with" || name == "autoescape" || name == "do")
      fail("tag " + quote(name) + " is not supported by kjit's template engine");
    fail("unknown tag " + quote(name));
  }

  StmtPtr parse_if() {
    auto node = std::make_unique<IfStmt>(next().offset);
    std::uint32_t open = node->offset;
    ExprPtr cond = parse_tuple(false);
    end_block();
    while (true) {
      StmtList body = parse_body({"elif", "else", "endif"}, "if", open);
      node->branches.emplace_back(std::move(cond), std::move(body));
      if (skip_name("elif")) {
        cond = parse_tuple(false);
        end_block();
        continue;
      }
      if (skip_name("else")) {
        end_block();
        node->otherwise = parse_body({"endif"}, "if", open);
      }
      consume_end("endif");
      return node;
    }
  }

  Target parse_target(bool allow_attr) {
    Target t;
    t.offset = cur().offset;
    std::string first = expect_name("a variable name");
    if (allow_attr && at(Tok::dot)) {
      next();
      t.names.push_back(first);
      t.attr = expect_name("an attribute name");
      return t;
    }
    t.names.push_back(first);
    while (at(Tok::comma)) {
      next();
      t.unpack = true;
      if (!at(Tok::name)) break;
      t.names.push_back(expect_name("a variable name"));
    }
    return t;
  }

  StmtPtr parse_for() {
    auto node = std::make_unique<ForStmt>(next().offset);
    node->target = parse_target(false);
    if (!skip_name("in")) fail("expected 'in' after the loop variable, got " + found());
    m_no_condexpr_tuple = true;
    node->iter = parse_tuple(false, /*no_condexpr=*/true);
    m_no_condexpr_tuple = false;
    if (skip_name("if")) node->filter = parse_expression();
    if (at_name("recursive")) fail("recursive loops are not supported by kjit's template engine");
    end_block();
    node->body = parse_body({"endfor", "else"}, "for", node->offset);
    if (skip_name("else")) {
      end_block();
      node->otherwise = parse_body({"endfor"}, "for", node->offset);
    }
    consume_end("endfor");
    return node;
  }

  StmtPtr parse_set() {
    std::uint32_t off = next().offset;
    Target target = parse_target(true);
    if (skip_if(Tok::assign)) {
      auto node = std::make_unique<SetStmt>(off);
      node->target = std::move(target);
      node->value = parse_tuple(false);
      end_block();
      return node;
    }
    if (!at(Tok::block_end)) fail("expected '=' or '%}' in set, got " + found());
    if (target.unpack || !target.attr.empty()) fail("a block set assigns exactly one variable name");
    end_block();
    auto node = std::make_unique<SetBlockStmt>(off);
    node->target = std::move(target);
    node->body = parse_body({"endset"}, "set", off);
    consume_end("endset");
    return node;
  }

  StmtPtr parse_macro() {
    auto node = std::make_unique<MacroStmt>(next().offset);
    node->name = expect_name("a macro name");
    expect(Tok::lparen);
    bool seen_default = false;
    while (!at(Tok::rparen)) {
      if (!node->params.empty()) expect(Tok::comma);
      if (at(Tok::rparen)) break;
      MacroParam p;
      p.name = expect_name("a parameter name");
      if (skip_if(Tok::assign)) {
        p.default_value = parse_expression();
        seen_default = true;
      } else if (seen_default) {
        fail("non-default argument " + quote(p.name) + " follows default argument");
      }
      node->params.push_back(std::move(p));
    }
    expect(Tok::rparen);
    end_block();
    node->body = parse_body({"endmacro"}, "macro", node->offset);
    consume_end("endmacro");
    return node;
  }

  StmtPtr parse_include() {
    auto node = std::make_unique<IncludeStmt>(next().offset);
    node->name = parse_expression();
    if (at_name("ignore") && peek().kind == Tok::name && peek().text == "missing") {
      next();
      next();
      node->ignore_missing = true;
    }
    if (at_name("with") || at_name("without")) {
      bool with = cur().text == "with";
      next();
      if (!skip_name("context")) fail("expected 'context' after 'with'/'without', got " + found());
      node->with_context = with;
    }
    end_block();
    return node;
  }

  // ---- expressions

  bool is_tuple_end() const {
    return at(Tok::var_end) || at(Tok::block_end) || at(Tok::rparen) || at(Tok::eof) ||
           (m_no_condexpr_tuple && at_name("if"));
  }

  // parse_tuple(explicit_parentheses, no_condexpr): expression or bare tuple.
  ExprPtr parse_tuple(bool explicit_parens, bool no_condexpr = false) {
    std::uint32_t off = cur().offset;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect(Tok::comma);
      if (is_tuple_end()) break;
      items.push_back(no_condexpr ? parse_or() : parse_expression());
      if (at(Tok::comma)) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens) fail("expected an expression, got " + found());
    }
    auto list = std::make_unique<ListExpr>(off, true);
    list->items = std::move(items);
    return list;
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this);
    return parse_condexpr();
  }

  ExprPtr parse_condexpr() {
    ExprPtr expr1 = parse_or();
    while (at_name("if")) {
      std::uint32_t off = next().offset;
      auto node = std::make_unique<CondExpr>(off);
      node->test = parse_or();
      if (skip_name("else")) node->otherwise = parse_condexpr();
      node->then = std::move(expr1);
      expr1 = std::move(node);
    }
    return expr1;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (at_name("or")) {
      std::uint32_t off = next().offset;
      left = std::make_unique<LogicalExpr>(ExprKind::or_, off, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (at_name("and")) {
      std::uint32_t off = next().offset;
      left = std::make_unique<LogicalExpr>(ExprKind::and_, off, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      DepthGuard guard(*this);
      std::uint32_t off = next().offset;
      return std::make_unique<UnaryExpr>(ExprKind::not_, off, parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
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
        default: return cmp ? std::move(cmp) : std::move(expr);
      }
      next();
      if (!cmp) cmp = std::make_unique<CompareExpr>(off, std::move(expr));
      cmp->rest.push_back({op, op_off, parse_math1()});
    }
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    while (at(Tok::add) || at(Tok::sub)) {
      BinOp op = at(Tok::add) ? BinOp::add : BinOp::sub;
      std::uint32_t off = next().offset;
      left = std::make_unique<BinaryExpr>(off, op, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr first = parse_math2();
    if (!at(Tok::tilde)) return first;
    auto node = std::make_unique<ConcatExpr>(cur().offset);
    node->items.push_back(std::move(first));
    while (skip_if(Tok::tilde)) node->items.push_back(parse_math2());
    return node;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    while (true) {
      BinOp op;
      switch (cur().kind) {
        case Tok::mul: op = BinOp::mul; break;
        case Tok::div: op = BinOp::div; break;
        case Tok::floordiv: op = BinOp::floordiv; break;
        case Tok::mod: op = BinOp::mod; break;
        default: return left;
      }
      std::uint32_t off = next().offset;
      left = std::make_unique<BinaryExpr>(off, op, std::move(left), parse_pow());
    }
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    while (at(Tok::pow)) {
      std::uint32_t off = next().offset;
      left = std::make_unique<BinaryExpr>(off, BinOp::pow, std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr node;
    if (at(Tok::sub) || at(Tok::add)) {
      ExprKind k = at(Tok::sub) ? ExprKind::neg : ExprKind::pos;
      std::uint32_t off = next().offset;
      node = std::make_unique<UnaryExpr>(k, off, parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::name: {
        next();
        if (t.text == "true" || t.text == "True") return std::make_unique<LiteralExpr>(t.offset, Value::boolean(true));
        if (t.text == "false" || t.text == "False")
          return std::make_unique<LiteralExpr>(t.offset, Value::boolean(false));
        if (t.text == "none" || t.text == "None") return std::make_unique<LiteralExpr>(t.offset, Value::none());
        return std::make_unique<NameExpr>(t.offset, std::string(t.text));
      }
      case Tok::string: {
        std::string s;
        std::uint32_t off = t.offset;
        while (at(Tok::string)) s += unescape(next());
        return std::make_unique<LiteralExpr>(off, Value::string(std::move(s)));
      }
      case Tok::integer: {
        next();
        return std::make_unique<LiteralExpr>(t.offset, parse_int(t));
      }
      case Tok::floating: {
        next();
        std::string digits;
        for (char c : t.text)
          if (c != '_') digits += c;
        return std::make_unique<LiteralExpr>(t.offset, Value::floating(std::strtod(digits.c_str(), nullptr)));
      }
      case Tok::lparen: {
        next();
        ExprPtr e = parse_tuple(true);
        expect(Tok::rparen);
        return e;
      }
      case Tok::lbracket: {
        auto list = std::make_unique<ListExpr>(next().offset, false);
        while (!at(Tok::rbracket)) {
          if (!list->items.empty()) expect(Tok::comma);
          if (at(Tok::rbracket)) break;
          list->items.push_back(parse_expression());
        }
        expect(Tok::rbracket);
        return list;
      }
      case Tok::lbrace: {
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
        return dict;
      }
      default: fail("unexpected " + found() + ", expected an expression");
    }
  }

  Value parse_int(const Token& t) {
    std::string digits;
    for (char c : t.text)
      if (c != '_') digits += c;
    int base = 10;
    std::size_t start = 0;
    if (digits.size() > 2 && digits[0] == '0') {
      char b = static_cast<char>(std::tolower(static_cast<unsigned char>(digits[1])));
      if (b == 'x') base = 16;
      if (b == 'o') base = 8;
      if (b == 'b') base = 2;
      if (base != 10) start = 2;
    }
    std::int64_t v = 0;
    auto r = std::from_chars(digits.data() + start, digits.data() + digits.size(), v, base);
    if (r.ec != std::errc{}) {
      throw_parse_error("integer literal " + std::string(t.text) + " does not fit in 64 bits", t.offset);
    }
    return Value::integer(v);
  }

  // Python string-literal escapes; unknown escapes keep their backslash.
  std::string unescape(const Token& t) {
    std::string_view body = t.text.substr(1, t.text.size() - 2);
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      char c = body[i];
      if (c != '\\' || i + 1 >= body.size()) {
        if (c == '\r') {
          out += '\n';
          if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
          continue;
        }
        out += c;
        continue;
      }
      char e = body[++i];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '0': out += '\0'; break;
        case '\n': break;
        case 'x':
        case 'u':
        case 'U': {
          std::size_t len = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          std::uint32_t cp = 0;
          if (i + len >= body.size())
            throw_parse_error("truncated \\" + std::string(1, e) + " escape in string literal", t.offset);
          auto r = std::from_chars(body.data() + i + 1, body.data() + i + 1 + len, cp, 16);
          if (r.ec != std::errc{} || r.ptr != body.data() + i + 1 + len || cp > 0x10FFFF)
            throw_parse_error("invalid \\" + std::string(1, e) + " escape in string literal", t.offset);
          put_utf8(out, cp);
          i += len;
          break;
        }
        default:
          out += '\\';
          out += e;
      }
    }
    return out;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (at(Tok::dot)) {
        std::uint32_t off = next().offset;
        if (at(Tok::name)) {
          node = std::make_unique<GetattrExpr>(off, std::move(node), std::string(next().text));
        } else if (at(Tok::integer)) {
          const Token& t = next();
          node = std::make_unique<GetitemExpr>(off, std::move(node), std::make_unique<LiteralExpr>(t.offset, parse_int(t)));
        } else {
          fail("expected an attribute name after '.', got " + found());
        }
      } else if (at(Tok::lbracket)) {
        node = parse_subscript(std::move(node));
      } else if (at(Tok::lparen)) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    std::uint32_t off = next().offset;  // '['
    ExprPtr start, stop, step;
    bool is_slice = false;
    if (!at(Tok::colon)) start = parse_expression();
    if (skip_if(Tok::colon)) {
      is_slice = true;
      if (!at(Tok::colon) && !at(Tok::rbracket)) stop = parse_expression();
      if (skip_if(Tok::colon))
        if (!at(Tok::rbracket)) step = parse_expression();
    }
    if (!is_slice && at(Tok::comma)) fail("tuple subscripts are not supported");
    expect(Tok::rbracket);
    if (!is_slice) return std::make_unique<GetitemExpr>(off, std::move(node), std::move(start));
    auto s = std::make_unique<SliceExpr>(off);
    s->object = std::move(node);
    s->start = std::move(start);
    s->stop = std::move(stop);
    s->step = std::move(step);
    return s;
  }

  void parse_call_args(std::vector<ExprPtr>& args, std::vector<Keyword>& kwargs) {
    expect(Tok::lparen);
    bool first = true;
    while (!at(Tok::rparen)) {
      if (!first) {
        expect(Tok::comma);
        if (at(Tok::rparen)) break;
      }
      first = false;
      if (at(Tok::mul) || at(Tok::pow)) fail("*args and **kwargs in calls are not supported");
      if (at(Tok::name) && peek().kind == Tok::assign) {
        std::string key(next().text);
        next();
        kwargs.push_back({std::move(key), parse_expression()});
      } else {
        if (!kwargs.empty()) fail("positional argument follows keyword argument");
        args.push_back(parse_expression());
      }
    }
    expect(Tok::rparen);
  }

  ExprPtr parse_call(ExprPtr node) {
    auto call = std::make_unique<CallExpr>(cur().offset, std::move(node));
    parse_call_args(call->args, call->kwargs);
    return call;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (at(Tok::pipe)) {
        next();
        const Token& t = cur();
        std::string name = expect_name("a filter name");
        auto f = std::make_unique<FilterExpr>(t.offset, std::move(node), name);
        f->fn = find_filter(name);
        if (!f->fn) throw_parse_error("no filter named " + quote(name), t.offset);
        if (at(Tok::lparen)) parse_call_args(f->args, f->kwargs);
        node = std::move(f);
      } else if (at_name("is")) {
        next();
        bool negated = skip_name("not");
        const Token& t = cur();
        std::string name = expect_name("a test name");
        auto test = std::make_unique<TestExpr>(t.offset, std::move(node), name);
        test->negated = negated;
        test->fn = find_test(name);
        if (!test->fn) throw_parse_error("no test named " + quote(name), t.offset);
        if (at(Tok::lparen)) {
          parse_call_args(test->args, test->kwargs);
        } else if ((at(Tok::name) || at(Tok::string) || at(Tok::integer) || at(Tok::floating) ||
                    at(Tok::lbracket) || at(Tok::lbrace)) &&
                   !(at_name("else") || at_name("or") || at_name("and") || at_name("is"))) {
          test->args.push_back(parse_postfix(parse_primary()));
        } else if (at_name("is")) {
          fail("tests cannot be chained with 'is'");
        }
        node = std::move(test);
      } else if (at(Tok::lparen)) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  const std::string& m_src;
  std::vector<Token> m_toks;
  std::size_t m_pos = 0;
  int m_depth = 0;
  bool m_no_condexpr_tuple = false;  // parsing a for loop's iterable
};

}  // namespace

std::shared_ptr<const ParsedTemplate> parse_template(std::string source) {
  auto t = std::make_shared<ParsedTemplate>();
  t->source = std::move(source);
  Parser p(t->source);
  t->body = p.parse_all();
  analyze_frames(t->body);
  return t;
}

}  // namespace kjit::jit::detail
