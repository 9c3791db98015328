// Parser internals shared by parser.cpp (statements) and parser_expr.cpp
// (expressions): a recursive-descent parser mirroring jinja2/parser.py.
//
// Nesting limits keep hostile templates from overflowing the stack, and sit
// below the depths at which Jinja2 itself (CPython's recursion and nesting
// limits) rejects a template, so kjit never renders what Jinja2 cannot:
// bracket nesting, block nesting, for-loop nesting and expression depth
// (chains such as a.b.c..., x|f|f..., 1+1+1... count) are each bounded and
// exceeding a bound is an "unsupported: ..." syntax error.
//
// Thread safety: a Parser is single-use and not shared.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jit/template/ast.h"
#include "jit/template/token.h"

namespace kjit::jit::detail {

inline constexpr int k_max_parse_recursion = 400;
inline constexpr int k_max_brackets = 48;
inline constexpr int k_max_block_nesting = 64;
inline constexpr int k_max_loop_nesting = 16;
inline constexpr int k_max_expr_depth = 150;

class Parser {
 public:
  Parser(const std::string& src, std::vector<Token> toks) : m_src(src), m_toks(std::move(toks)) {}

  StmtList parse_all();

  // ---- token helpers
  const Token& cur() const { return m_toks[m_pos]; }
  const Token& peek(std::size_t k = 1) const { return m_toks[std::min(m_pos + k, m_toks.size() - 1)]; }
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
  std::string found() const;
  [[noreturn]] void fail(const std::string& msg) const;
  [[noreturn]] void fail_at(const std::string& msg, std::uint32_t offset) const;
  const Token& expect(Tok k, const char* what = nullptr);
  std::string expect_name(const char* what);

  // Bounds the recursion of the recursive-descent functions.
  struct RecursionGuard {
    Parser& p;
    explicit RecursionGuard(Parser& parser);
    ~RecursionGuard() { --p.m_recursion; }
  };
  // Counts one level of brackets / blocks / loops.
  struct LevelGuard {
    int& level;
    LevelGuard(Parser& p, int& lvl, int limit, const char* what);
    ~LevelGuard() { --level; }
  };

  // ---- statements (parser.cpp)
  StmtList parse_body(std::initializer_list<std::string_view> end_tags, std::string_view block,
                      std::uint32_t block_offset);
  StmtList parse_statements(std::initializer_list<std::string_view> end_tags, std::string_view block,
                            std::uint32_t block_offset);
  void end_block();
  void consume_end(std::string_view name);
  void parse_statement(StmtList& out);
  StmtPtr parse_if();
  StmtPtr parse_for();
  StmtPtr parse_set();
  StmtPtr parse_macro();
  StmtPtr parse_call_block();
  StmtPtr parse_filter_block();
  StmtPtr parse_with();
  StmtPtr parse_include();
  void parse_print(StmtList& out);
  void parse_signature(MacroStmt& m);
  Target parse_assign_target(bool with_tuple, bool with_namespace, bool in_for);
  Target parse_target_primary(bool with_namespace);
  Target expr_to_target(ExprPtr e);
  std::string parse_name_target(const char* what);

  // ---- expressions (parser_expr.cpp)
  ExprPtr parse_tuple(bool explicit_parens, bool with_condexpr = true,
                      std::initializer_list<std::string_view> extra_end = {});
  ExprPtr parse_expression(bool with_condexpr = true);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  // One left-associative level: `operand (word operand)*` for `or` / `and`,
  // `operand (op operand)*` for the arithmetic operators in `ops`.
  ExprPtr parse_logical(ExprKind kind, std::string_view word, ExprPtr (Parser::*operand)());
  template <class Operand>
  ExprPtr parse_binops(std::initializer_list<std::pair<Tok, BinOp>> ops, Operand operand);
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  void parse_call_args(ArgList& out);
  ExprPtr parse_call(ExprPtr node);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  ExprPtr parse_test(ExprPtr node);
  // A filter or test name: `name(.name)*` (Jinja2 accepts dotted names).
  std::string parse_dotted_name(const char* what);
  // Sets `e->depth` from its children; fails past k_max_expr_depth.
  ExprPtr finish(ExprPtr e);
  // An unknown filter or test is a syntax error, except inside an `if` (test
  // and body) or an inline if-expression, where Jinja2 raises only when it is
  // called (`m_soft`, its "soft frame"). Returns `e`.
  ExprPtr checked(ExprPtr e);
  struct SoftScope {
    bool& flag;
    bool saved;
    SoftScope(bool& f, bool value) : flag(f), saved(f) { flag = value; }
    ~SoftScope() { flag = saved; }
  };

  const std::string& m_src;
  std::vector<Token> m_toks;
  std::size_t m_pos = 0;
  int m_recursion = 0;
  int m_brackets = 0;
  int m_blocks = 0;
  int m_loops = 0;
  bool m_soft = false;
  int m_buffered = 0;  // inside a macro, call, filter block, block set or recursive loop
  struct BufferScope {
    Parser& parser;
    explicit BufferScope(Parser& p);
    ~BufferScope() { --parser.m_buffered; }
  };
};

}  // namespace kjit::jit::detail
