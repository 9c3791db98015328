// Parser, statements: template body, block tags (if/for/set/macro/call/
// filter/with/include/print), assignment targets, and the parse_template
// entry point (see parser.h; expressions are in parser_expr.cpp).
//
// Thread safety: pure function.
#include "jit/template/parser.h"

#include "jit/template/const_fold.h"
#include "jit/template/frames.h"
#include "jit/template/lexer.h"
#include "jit/template/parser_impl.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_end_tag(std::string_view name) { return name.starts_with("end") || name == "else" || name == "elif"; }

bool assignable_name(std::string_view n) {
  return n != "true" && n != "false" && n != "none" && n != "True" && n != "False" && n != "None";
}

}  // namespace

std::string Parser::found() const {
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

void Parser::fail(const std::string& msg) const { throw_parse_error(msg, cur().offset); }
void Parser::fail_at(const std::string& msg, std::uint32_t offset) const { throw_parse_error(msg, offset); }

const Token& Parser::expect(Tok k, const char* what) {
  if (!at(k)) fail(std::string("expected ") + (what ? what : describe(k)) + ", got " + found());
  return next();
}

std::string Parser::expect_name(const char* what) {
  if (!at(Tok::name)) fail(std::string("expected ") + what + ", got " + found());
  return std::string(next().text);
}

Parser::RecursionGuard::RecursionGuard(Parser& parser) : p(parser) {
  if (++p.m_recursion > k_max_parse_recursion) {
    --p.m_recursion;
    p.fail("unsupported: template nesting deeper than " + std::to_string(k_max_parse_recursion) + " levels");
  }
}

Parser::LevelGuard::LevelGuard(Parser& p, int& lvl, int limit, const char* what) : level(lvl) {
  if (++level > limit) {
    --level;
    p.fail("unsupported: " + std::string(what) + " nested deeper than " + std::to_string(limit) +
           " levels (Jinja2 itself fails near this depth)");
  }
}

StmtList Parser::parse_all() { return parse_body({}, "", 0); }

// Parses statements until one of `end_tags` opens a block tag (left
// unconsumed: cur() is the tag name) or the end of the template.
StmtList Parser::parse_body(std::initializer_list<std::string_view> end_tags, std::string_view block,
                            std::uint32_t block_offset) {
  RecursionGuard guard(*this);
  StmtList body;
  while (true) {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::text:
        body.push_back(std::make_unique<TextStmt>(t.offset, std::string(t.text), t.line));
        next();
        break;
      case Tok::var_begin: {
        const Token& open = next();
        ExprPtr e = checked(parse_tuple(false));
        expect(Tok::var_end, "end of print statement '}}'");
        body.push_back(std::make_unique<OutputStmt>(open.offset, std::move(e), open.line));
        break;
      }
      case Tok::block_begin: {
        next();
        if (!at(Tok::name)) fail("tag name expected, got " + found());
        std::string_view name = cur().text;
        for (auto e : end_tags)
          if (name == e) return body;
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
        parse_statement(body);
        expect(Tok::block_end, "end of statement '%}'");
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

// Jinja's parse_statements: an optional ':' then '%}', then the body.
StmtList Parser::parse_statements(std::initializer_list<std::string_view> end_tags, std::string_view block,
                                  std::uint32_t block_offset) {
  skip_if(Tok::colon);
  end_block();
  return parse_body(end_tags, block, block_offset);
}

void Parser::end_block() { expect(Tok::block_end, "end of statement '%}'"); }

// cur() is the end tag's name; consumes it (the caller's parse_body consumes
// the closing '%}').
void Parser::consume_end(std::string_view name) {
  if (!at_name(name)) fail("expected " + quote(name) + ", got " + found());
  next();
}

Parser::BufferScope::BufferScope(Parser& p) : parser(p) { ++parser.m_buffered; }

void Parser::parse_statement(StmtList& out) {
  RecursionGuard guard(*this);
  LevelGuard blocks(*this, m_blocks, k_max_block_nesting, "blocks");
  std::string_view name = cur().text;
  if (name == "if") return out.push_back(parse_if());
  if (name == "for") {
    LevelGuard loops(*this, m_loops, k_max_loop_nesting, "for loops");
    return out.push_back(parse_for());
  }
  if (name == "set") return out.push_back(parse_set());
  if (name == "macro") return out.push_back(parse_macro());
  if (name == "call") return out.push_back(parse_call_block());
  if (name == "filter") return out.push_back(parse_filter_block());
  if (name == "with") return out.push_back(parse_with());
  if (name == "include") return out.push_back(parse_include());
  if (name == "print") return parse_print(out);
  if (name == "extends" || name == "block" || name == "import" || name == "from")
    fail("unsupported: the '" + std::string(name) + "' tag (template inheritance and imports)");
  if (name == "autoescape") fail("unsupported: the 'autoescape' tag");
  fail("Encountered unknown tag " + quote(name) + ".");
}

StmtPtr Parser::parse_if() {
  auto node = std::make_unique<IfStmt>(next().offset);
  std::uint32_t open = node->offset;
  SoftScope soft(m_soft, true);
  ExprPtr cond = checked(parse_tuple(false, false));
  while (true) {
    StmtList body = parse_statements({"elif", "else", "endif"}, "if", open);
    node->branches.emplace_back(std::move(cond), std::move(body));
    if (skip_name("elif")) {
      cond = checked(parse_tuple(false, false));
      continue;
    }
    if (skip_name("else")) node->otherwise = parse_statements({"endif"}, "if", open);
    consume_end("endif");
    return node;
  }
}

std::string Parser::parse_name_target(const char* what) {
  std::uint32_t off = cur().offset;
  std::string n = expect_name(what);
  if (!assignable_name(n)) fail_at("can't assign to 'name'", off);
  return n;
}

Target Parser::expr_to_target(ExprPtr e) {
  Target t;
  t.offset = e->offset;
  if (e->kind == ExprKind::name) {
    t.name = static_cast<NameExpr&>(*e).name;
    return t;
  }
  if (e->kind == ExprKind::list && static_cast<ListExpr&>(*e).is_tuple) {
    t.type = Target::Type::tuple;
    for (auto& i : static_cast<ListExpr&>(*e).items) t.items.push_back(expr_to_target(std::move(i)));
    return t;
  }
  const char* what = e->kind == ExprKind::literal ? "const" : (e->kind == ExprKind::list ? "list" : "expression");
  fail_at(std::string("can't assign to '") + what + "'", e->offset);
}

Target Parser::parse_target_primary(bool with_namespace) {
  const Token& t = cur();
  if (t.kind == Tok::name) {
    std::string n(t.text);
    next();
    if (!assignable_name(n)) fail_at("can't assign to 'const'", t.offset);
    Target out;
    out.offset = t.offset;
    out.name = n;
    if (with_namespace && at(Tok::dot)) {
      next();
      out.type = Target::Type::ns_attr;
      out.attr = expect_name("an attribute name");
    }
    return out;
  }
  if (t.kind == Tok::lparen) {
    LevelGuard brackets(*this, m_brackets, k_max_brackets, "brackets");
    next();
    ExprPtr e = parse_tuple(true);
    expect(Tok::rparen);
    return expr_to_target(std::move(e));
  }
  if (t.kind == Tok::string || t.kind == Tok::integer || t.kind == Tok::floating) fail("can't assign to 'const'");
  if (t.kind == Tok::lbracket || t.kind == Tok::lbrace) {
    ExprPtr e = parse_primary();
    expr_to_target(std::move(e));
  }
  fail("unexpected " + found());
}

// Jinja's parse_assign_target (with_tuple: `a, b`; with_namespace: `ns.x`).
Target Parser::parse_assign_target(bool with_tuple, bool with_namespace, bool in_for) {
  Target t;
  if (!with_tuple) {
    t = parse_target_primary(with_namespace);
  } else {
    std::uint32_t off = cur().offset;
    std::vector<Target> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect(Tok::comma);
      if (at(Tok::var_end) || at(Tok::block_end) || at(Tok::rparen) || (in_for && at_name("in"))) break;
      items.push_back(parse_target_primary(with_namespace));
      if (at(Tok::comma)) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (items.empty()) fail("expected an expression, got " + found());
      t = std::move(items[0]);
    } else {
      t.type = Target::Type::tuple;
      t.offset = off;
      t.items = std::move(items);
    }
  }
  return t;
}

namespace {

bool target_has(const Target& t, std::string_view name) {
  if (t.type == Target::Type::name) return t.name == name;
  for (const auto& i : t.items)
    if (target_has(i, name)) return true;
  return false;
}

}  // namespace

StmtPtr Parser::parse_for() {
  auto node = std::make_unique<ForStmt>(next().offset);
  node->target = parse_assign_target(true, false, true);
  if (target_has(node->target, "loop"))
    fail_at("Can't assign to special loop variable in for-loop target", node->target.offset);
  if (!skip_name("in")) fail("expected 'in' after the loop variable, got " + found());
  node->iter = checked(parse_tuple(false, false, {"recursive"}));
  SoftScope soft(m_soft, false);
  if (skip_name("if")) node->filter = checked(parse_expression());
  if (skip_name("recursive")) node->recursive = true;
  {
    std::optional<BufferScope> buffered;
    if (node->recursive) buffered.emplace(*this);
    node->body = parse_statements({"endfor", "else"}, "for", node->offset);
    if (skip_name("else")) node->otherwise = parse_statements({"endfor"}, "for", node->offset);
  }
  consume_end("endfor");
  return node;
}

StmtPtr Parser::parse_set() {
  std::uint32_t off = next().offset;
  Target target = parse_assign_target(true, true, false);
  if (skip_if(Tok::assign)) {
    auto node = std::make_unique<SetStmt>(off);
    node->target = std::move(target);
    node->value = checked(parse_tuple(false));
    return node;
  }
  auto node = std::make_unique<SetBlockStmt>(off);
  node->target = std::move(target);
  SoftScope soft(m_soft, false);
  BufferScope buffered(*this);
  if (at(Tok::pipe)) node->filter = checked(parse_filter(std::make_unique<BlockInputExpr>(cur().offset), false));
  node->body = parse_statements({"endset"}, "set", off);
  consume_end("endset");
  return node;
}

void Parser::parse_signature(MacroStmt& m) {
  expect(Tok::lparen);
  bool seen_default = false;
  while (!at(Tok::rparen)) {
    if (!m.params.empty()) expect(Tok::comma);
    MacroParam p;
    std::uint32_t off = cur().offset;
    p.name = parse_name_target("a parameter name");
    for (const auto& q : m.params)
      if (q.name == p.name) fail_at("duplicate argument " + quote(p.name) + " in function definition", off);
    if (skip_if(Tok::assign)) {
      p.default_value = checked(parse_expression());
      seen_default = true;
    } else if (seen_default) {
      fail("non-default argument follows default argument");
    }
    m.params.push_back(std::move(p));
  }
  expect(Tok::rparen);
}

StmtPtr Parser::parse_macro() {
  auto node = std::make_unique<MacroStmt>(next().offset);
  SoftScope soft(m_soft, false);
  node->name = parse_name_target("a macro name");
  BufferScope buffered(*this);
  parse_signature(*node);
  node->body = parse_statements({"endmacro"}, "macro", node->offset);
  consume_end("endmacro");
  return node;
}

StmtPtr Parser::parse_call_block() {
  auto node = std::make_unique<CallBlockStmt>(next().offset);
  node->caller.name = "caller";
  ExprPtr call;
  {
    SoftScope soft(m_soft, false);
    if (at(Tok::lparen)) parse_signature(node->caller);
  }
  call = checked(parse_expression());
  if (call->kind != ExprKind::call) fail_at("expected call", node->offset);
  node->call = std::move(call);
  SoftScope soft(m_soft, false);
  BufferScope buffered(*this);
  node->caller.body = parse_statements({"endcall"}, "call", node->offset);
  consume_end("endcall");
  return node;
}

StmtPtr Parser::parse_filter_block() {
  auto node = std::make_unique<FilterBlockStmt>(next().offset);
  SoftScope soft(m_soft, false);
  BufferScope buffered(*this);
  node->filter = checked(parse_filter(std::make_unique<BlockInputExpr>(cur().offset), true));
  node->body = parse_statements({"endfilter"}, "filter", node->offset);
  consume_end("endfilter");
  return node;
}

StmtPtr Parser::parse_with() {
  auto node = std::make_unique<WithStmt>(next().offset);
  while (!at(Tok::block_end)) {
    if (!node->assignments.empty()) expect(Tok::comma);
    Target t = parse_assign_target(true, false, false);
    expect(Tok::assign);
    node->assignments.emplace_back(std::move(t), checked(parse_expression()));
  }
  SoftScope soft(m_soft, false);
  node->body = parse_statements({"endwith"}, "with", node->offset);
  consume_end("endwith");
  return node;
}

StmtPtr Parser::parse_include() {
  auto node = std::make_unique<IncludeStmt>(next().offset);
  node->name = checked(parse_expression());
  if (at_name("ignore") && peek().kind == Tok::name && peek().text == "missing") {
    next();
    next();
    node->ignore_missing = true;
  }
  if ((at_name("with") || at_name("without")) && peek().kind == Tok::name && peek().text == "context") {
    node->with_context = cur().text == "with";
    next();
    next();
  }
  // Jinja2 compiles a block holding such an include into a generator that
  // bypasses the block's buffer (a macro then returns a generator object), so
  // the whole block behaves differently: refuse it when parsed, before any of
  // the block's other expressions could run (differential seed 101 case 6477).
  if (!node->with_context && m_buffered > 0)
    fail("unsupported: 'include ... without context' inside a macro, call, filter or set block (Jinja2 bypasses "
         "the block's output)");
  return node;
}

void Parser::parse_print(StmtList& out) {
  const Token& kw = next();
  bool first = true;
  while (!at(Tok::block_end)) {
    if (!first) expect(Tok::comma);
    first = false;
    ExprPtr e = checked(parse_expression());
    out.push_back(std::make_unique<OutputStmt>(kw.offset, std::move(e), kw.line));
  }
}

namespace {

// Jinja normalizes \r\n and \r to \n in the whole source before lexing.
std::string normalize_newlines(std::string s) {
  if (s.find('\r') == std::string::npos) return s;
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

}  // namespace

std::shared_ptr<const ParsedTemplate> parse_template(std::string source) {
  auto t = std::make_shared<ParsedTemplate>();
  t->source = normalize_newlines(std::move(source));
  for (std::size_t i = 0; i < t->source.size();) {
    std::size_t b = i;
    if (next_cp(t->source, i) == k_invalid_cp)
      throw_parse_error("the template is not valid UTF-8", static_cast<std::uint32_t>(b));
  }
  Parser p(t->source, tokenize(t->source));
  t->body = p.parse_all();
  t->frame_assigned = analyze_frames(t->body);
  t->uses_self = references_name(t->body, "self");
  mark_nonfinite_constants(t->body);
  return t;
}

}  // namespace kjit::jit::detail
