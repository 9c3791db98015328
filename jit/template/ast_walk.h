// Walking the AST: for_each_child visits the child expression slots of an
// expression node, for_each_part the parts (expressions, bodies, targets,
// macros) of a statement, both in the order of the node's fields in
// jinja2/nodes.py, so a walk that stops at the first problem reports the one
// Jinja2 reports. The undeclared-name scan and frame analysis (frames.cpp),
// the unknown filter/test check and depth count (parser_expr.cpp) and
// constant folding (const_fold.cpp) are each one call of them plus what is
// special to them.
//
// Thread safety: walks a tree the caller owns.
#pragma once

#include <type_traits>
#include <utility>

#include "jit/template/ast.h"

namespace kjit::jit::detail {

// static_cast of `n` (an Expr or Stmt) to the node type T, keeping its constness.
template <class T, class N>
std::conditional_t<std::is_const_v<N>, const T, T>& node_as(N& n) {
  return static_cast<std::conditional_t<std::is_const_v<N>, const T, T>&>(n);
}

// fn(slot) for each slot in `s`: `s` itself where fn takes it (an ExprPtr;
// for statements also a StmtList, Target or MacroStmt), else the arguments of
// an ArgList (positional, keyword values, *args, **kwargs), a comparison
// operand, both halves of a pair (a dict item, an if branch), each element of
// a vector.
template <class T>
inline constexpr bool is_pair_v = false;
template <class A, class B>
inline constexpr bool is_pair_v<std::pair<A, B>> = true;

template <class Fn, class S>
void for_each_slot(Fn& fn, S& s) {
  using T = std::remove_const_t<S>;
  if constexpr (std::is_invocable_v<Fn&, S&>) {
    fn(s);
  } else if constexpr (std::is_same_v<T, ArgList>) {
    for (auto& x : s.args) fn(x);
    for (auto& k : s.kwargs) fn(k.value);
    fn(s.dyn_args);
    fn(s.dyn_kwargs);
  } else if constexpr (std::is_same_v<T, CompareExpr::Operand>) {
    fn(s.expr);
  } else if constexpr (is_pair_v<T>) {
    for_each_slot(fn, s.first);
    for_each_slot(fn, s.second);
  } else {
    for (auto& item : s) for_each_slot(fn, item);
  }
}

// The slots `members` of `e` (an Expr or Stmt) seen as the node type T, in
// that order.
template <class T, class E, class Fn, class... M>
void for_each_member(E& e, Fn& fn, M... members) {
  auto& node = node_as<T>(e);
  (for_each_slot(fn, node.*members), ...);
}

// fn(slot) for each child slot of `e` (E = Expr or const Expr; a slot is an
// ExprPtr& or const ExprPtr& and may be null where the child is optional).
// Leaves (literals, names, block inputs, errors) have none.
template <class E, class Fn>
void for_each_child(E& e, Fn&& fn) {
  switch (e.kind) {
    case ExprKind::literal:
    case ExprKind::name:
    case ExprKind::block_input:
    case ExprKind::error: return;
    case ExprKind::getattr: return for_each_member<GetattrExpr>(e, fn, &GetattrExpr::object);
    case ExprKind::getitem: return for_each_member<GetitemExpr>(e, fn, &GetitemExpr::object, &GetitemExpr::index);
    case ExprKind::slice:
      return for_each_member<SliceExpr>(e, fn, &SliceExpr::object, &SliceExpr::start, &SliceExpr::stop, &SliceExpr::step);
    case ExprKind::call: return for_each_member<CallExpr>(e, fn, &CallExpr::callee, &CallExpr::args);
    case ExprKind::filter: return for_each_member<FilterExpr>(e, fn, &FilterExpr::input, &FilterExpr::args);
    case ExprKind::test: return for_each_member<TestExpr>(e, fn, &TestExpr::input, &TestExpr::args);
    case ExprKind::neg:
    case ExprKind::pos:
    case ExprKind::not_: return for_each_member<UnaryExpr>(e, fn, &UnaryExpr::operand);
    case ExprKind::binary: return for_each_member<BinaryExpr>(e, fn, &BinaryExpr::left, &BinaryExpr::right);
    case ExprKind::and_:
    case ExprKind::or_: return for_each_member<LogicalExpr>(e, fn, &LogicalExpr::left, &LogicalExpr::right);
    case ExprKind::compare: return for_each_member<CompareExpr>(e, fn, &CompareExpr::first, &CompareExpr::rest);
    case ExprKind::cond: return for_each_member<CondExpr>(e, fn, &CondExpr::test, &CondExpr::then, &CondExpr::otherwise);
    case ExprKind::list: return for_each_member<ListExpr>(e, fn, &ListExpr::items);
    case ExprKind::dict: return for_each_member<DictExpr>(e, fn, &DictExpr::items);
    case ExprKind::concat: return for_each_member<ConcatExpr>(e, fn, &ConcatExpr::items);
  }
}

// fn(part) for each part of statement `s` (S = Stmt or const Stmt) in the
// field order of jinja2/nodes.py; `fn` takes ExprPtr, StmtList, Target and
// MacroStmt (a macro, a call block's caller), const where S is (see
// Overloaded). Null expression slots are passed too.
template <class S, class Fn>
void for_each_part(S& s, Fn&& fn) {
  switch (s.kind) {
    case StmtKind::text: return;
    case StmtKind::output: return for_each_member<OutputStmt>(s, fn, &OutputStmt::expr);
    case StmtKind::include: return for_each_member<IncludeStmt>(s, fn, &IncludeStmt::name);
    case StmtKind::if_: return for_each_member<IfStmt>(s, fn, &IfStmt::branches, &IfStmt::otherwise);
    case StmtKind::for_:
      return for_each_member<ForStmt>(s, fn, &ForStmt::target, &ForStmt::iter, &ForStmt::body, &ForStmt::otherwise,
                                      &ForStmt::filter);
    case StmtKind::set: return for_each_member<SetStmt>(s, fn, &SetStmt::target, &SetStmt::value);
    case StmtKind::set_block:
      return for_each_member<SetBlockStmt>(s, fn, &SetBlockStmt::target, &SetBlockStmt::filter, &SetBlockStmt::body);
    case StmtKind::macro: return fn(node_as<MacroStmt>(s));
    case StmtKind::call_block: return for_each_member<CallBlockStmt>(s, fn, &CallBlockStmt::call, &CallBlockStmt::caller);
    case StmtKind::filter_block:
      return for_each_member<FilterBlockStmt>(s, fn, &FilterBlockStmt::body, &FilterBlockStmt::filter);
    case StmtKind::with: {
      auto& w = node_as<WithStmt>(s);  // With(targets, values, body)
      for (auto& a : w.assignments) fn(a.first);
      for (auto& a : w.assignments) fn(a.second);
      return fn(w.body);
    }
  }
}

// One callable made of several lambdas (for for_each_part).
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace kjit::jit::detail
