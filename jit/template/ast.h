// AST: statement and expression nodes produced by the parser. Every node
// keeps the byte offset of the token that names it (an operator, a name, a
// tag keyword); line:column is computed only when an error is reported.
// Text and output nodes also keep their start line for the output line map.
//
// Filters and tests are resolved to function pointers at parse time (an
// unknown name is a syntax error, as in Jinja2).
//
// Thread safety: immutable after parsing; shared between threads through the
// parse cache.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jit/template/value.h"

namespace kjit::jit::detail {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

struct CallArgs;
using FilterFn = Value (*)(Renderer&, const Value& input, CallArgs& args);
using TestFn = bool (*)(Renderer&, const Value& input, CallArgs& args);

enum class ExprKind : std::uint8_t {
  literal, name, getattr, getitem, slice, call, filter, test,
  neg, pos, not_, binary, compare, and_, or_, cond, list, dict, concat,
  block_input,  // the captured body of a filter block or block set
  error,        // raises a fixed error when evaluated (see const_fold.h)
};

enum class BinOp : std::uint8_t { add, sub, mul, div, floordiv, mod, pow };
enum class CmpOp : std::uint8_t { eq, ne, lt, gt, le, ge, in, not_in };

struct Keyword {
  std::string name;
  ExprPtr value;
};

struct Expr {
  ExprKind kind;
  std::uint32_t offset = 0;
  int depth = 1;  // 1 + the deepest child's depth (bounded by the parser)
  explicit Expr(ExprKind k, std::uint32_t off) : kind(k), offset(off) {}
  virtual ~Expr() = default;
};

struct LiteralExpr : Expr {
  Value value;
  LiteralExpr(std::uint32_t off, Value v) : Expr(ExprKind::literal, off), value(std::move(v)) {}
};

struct NameExpr : Expr {
  std::string name;
  NameExpr(std::uint32_t off, std::string n) : Expr(ExprKind::name, off), name(std::move(n)) {}
};

struct GetattrExpr : Expr {
  ExprPtr object;
  std::string attr;
  GetattrExpr(std::uint32_t off, ExprPtr o, std::string a)
      : Expr(ExprKind::getattr, off), object(std::move(o)), attr(std::move(a)) {}
};

struct GetitemExpr : Expr {
  ExprPtr object, index;
  GetitemExpr(std::uint32_t off, ExprPtr o, ExprPtr i)
      : Expr(ExprKind::getitem, off), object(std::move(o)), index(std::move(i)) {}
};

struct SliceExpr : Expr {
  ExprPtr object, start, stop, step;  // start/stop/step may be null
  SliceExpr(std::uint32_t off) : Expr(ExprKind::slice, off) {}
};

// Arguments of a call, filter or test: `f(a, k=v, *args, **kwargs)`.
struct ArgList {
  std::vector<ExprPtr> args;
  std::vector<Keyword> kwargs;
  ExprPtr dyn_args, dyn_kwargs;  // may be null
};

struct CallExpr : Expr {
  ExprPtr callee;
  ArgList args;
  CallExpr(std::uint32_t off, ExprPtr c) : Expr(ExprKind::call, off), callee(std::move(c)) {}
};

// `input | name(args)` (a filter) and `input is name(args)` (a test): the
// function is resolved by name at parse time (null when unknown).
template <ExprKind K, class Fn>
struct AppliedExpr : Expr {
  ExprPtr input;
  std::string name;
  Fn fn = nullptr;
  ArgList args;
  AppliedExpr(std::uint32_t off, ExprPtr in, std::string n) : Expr(K, off), input(std::move(in)), name(std::move(n)) {}
};
using FilterExpr = AppliedExpr<ExprKind::filter, FilterFn>;
using TestExpr = AppliedExpr<ExprKind::test, TestFn>;

struct UnaryExpr : Expr {  // neg, pos, not_
  ExprPtr operand;
  UnaryExpr(ExprKind k, std::uint32_t off, ExprPtr o) : Expr(k, off), operand(std::move(o)) {}
};

struct BinaryExpr : Expr {
  BinOp op;
  ExprPtr left, right;
  BinaryExpr(std::uint32_t off, BinOp o, ExprPtr l, ExprPtr r)
      : Expr(ExprKind::binary, off), op(o), left(std::move(l)), right(std::move(r)) {}
};

struct LogicalExpr : Expr {  // and_, or_
  ExprPtr left, right;
  LogicalExpr(ExprKind k, std::uint32_t off, ExprPtr l, ExprPtr r)
      : Expr(k, off), left(std::move(l)), right(std::move(r)) {}
};

struct CompareExpr : Expr {
  struct Operand {
    CmpOp op;
    std::uint32_t offset;
    ExprPtr expr;
  };
  ExprPtr first;
  std::vector<Operand> rest;
  CompareExpr(std::uint32_t off, ExprPtr f) : Expr(ExprKind::compare, off), first(std::move(f)) {}
};

struct CondExpr : Expr {
  ExprPtr test, then, otherwise;  // otherwise may be null (-> undefined)
  CondExpr(std::uint32_t off) : Expr(ExprKind::cond, off) {}
};

struct ListExpr : Expr {
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  ListExpr(std::uint32_t off, bool tuple) : Expr(ExprKind::list, off), is_tuple(tuple) {}
};

struct DictExpr : Expr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  DictExpr(std::uint32_t off) : Expr(ExprKind::dict, off) {}
};

struct ConcatExpr : Expr {
  std::vector<ExprPtr> items;
  ConcatExpr(std::uint32_t off) : Expr(ExprKind::concat, off) {}
};

struct BlockInputExpr : Expr {
  explicit BlockInputExpr(std::uint32_t off) : Expr(ExprKind::block_input, off) {}
};

struct ErrorExpr : Expr {
  std::string message;
  ErrorExpr(std::uint32_t off, std::string m) : Expr(ExprKind::error, off), message(std::move(m)) {}
};

// ---- statements

enum class StmtKind : std::uint8_t {
  text, output, if_, for_, set, set_block, macro, call_block, filter_block, with, include,
};

struct Stmt {
  StmtKind kind;
  std::uint32_t offset = 0;
  Stmt(StmtKind k, std::uint32_t off) : kind(k), offset(off) {}
  virtual ~Stmt() = default;
};

// Names of the enclosing frame that Jinja2 initializes as undefined (the
// frame assigns them before any reference; see frames.cpp): inside a nested
// frame (loop body, macro, with, ...) they resolve in that frame only, never
// in the context.
using FrameAssigned = std::vector<std::string>;

struct TextStmt : Stmt {
  std::string text;
  int line = 1;
  TextStmt(std::uint32_t off, std::string t, int l) : Stmt(StmtKind::text, off), text(std::move(t)), line(l) {}
};

struct OutputStmt : Stmt {
  ExprPtr expr;
  int line = 1;
  OutputStmt(std::uint32_t off, ExprPtr e, int l) : Stmt(StmtKind::output, off), expr(std::move(e)), line(l) {}
};

struct IfStmt : Stmt {
  std::vector<std::pair<ExprPtr, StmtList>> branches;  // if, elif...
  StmtList otherwise;
  IfStmt(std::uint32_t off) : Stmt(StmtKind::if_, off) {}
};

// Assignment target: a name, `ns.attr`, or a (nested) tuple of targets.
struct Target {
  enum class Type : std::uint8_t { name, ns_attr, tuple } type = Type::name;
  std::string name;
  std::string attr;             // ns_attr
  std::vector<Target> items;    // tuple
  std::uint32_t offset = 0;
};

struct ForStmt : Stmt {
  FrameAssigned frame_assigned, else_frame_assigned;
  Target target;
  ExprPtr iter;
  ExprPtr filter;  // `for x in xs if cond`; may be null
  bool recursive = false;
  // The body references `loop` (Jinja then defines it; otherwise `loop` is
  // the enclosing loop's, as an include inside the body would see).
  bool uses_loop = false;
  StmtList body, otherwise;
  ForStmt(std::uint32_t off) : Stmt(StmtKind::for_, off) {}
};

struct SetStmt : Stmt {
  Target target;
  ExprPtr value;
  SetStmt(std::uint32_t off) : Stmt(StmtKind::set, off) {}
};

struct SetBlockStmt : Stmt {
  FrameAssigned frame_assigned;
  Target target;
  ExprPtr filter;  // `{% set x | f %}`: a filter chain over BlockInputExpr; may be null
  StmtList body;
  SetBlockStmt(std::uint32_t off) : Stmt(StmtKind::set_block, off) {}
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct MacroStmt : Stmt {
  FrameAssigned frame_assigned;
  std::string name;
  std::vector<MacroParam> params;
  StmtList body;
  // The body references these names (Jinja then accepts extra positional /
  // keyword arguments, or a `caller`).
  bool catch_varargs = false, catch_kwargs = false, uses_caller = false;
  MacroStmt(std::uint32_t off) : Stmt(StmtKind::macro, off) {}
};

// `{% call(params) m(args) %}body{% endcall %}`: `caller` is a macro whose
// body is the block's body.
struct CallBlockStmt : Stmt {
  MacroStmt caller;
  ExprPtr call;  // a CallExpr
  CallBlockStmt(std::uint32_t off) : Stmt(StmtKind::call_block, off), caller(off) {}
};

struct FilterBlockStmt : Stmt {
  FrameAssigned frame_assigned;
  ExprPtr filter;  // a filter chain over BlockInputExpr
  StmtList body;
  FilterBlockStmt(std::uint32_t off) : Stmt(StmtKind::filter_block, off) {}
};

struct WithStmt : Stmt {
  FrameAssigned frame_assigned;
  std::vector<std::pair<Target, ExprPtr>> assignments;
  StmtList body;
  WithStmt(std::uint32_t off) : Stmt(StmtKind::with, off) {}
};

struct IncludeStmt : Stmt {
  ExprPtr name;
  bool ignore_missing = false;
  bool with_context = true;
  // `without context` inside a macro, call, filter block or block set:
  // Jinja2 then bypasses the block's output buffer (unsupported in kjit).
  IncludeStmt(std::uint32_t off) : Stmt(StmtKind::include, off) {}
};

// A parsed template: the source it was parsed from (offsets point into it)
// and its top-level statements.
struct ParsedTemplate {
  std::string source;
  StmtList body;
  FrameAssigned frame_assigned;  // the top level's
  bool uses_self = false;        // references Jinja's `self` (a TemplateReference)
};

}  // namespace kjit::jit::detail
