// Built-in tests (`x is defined`, `n is divisibleby 3`, ...), following
// jinja2/tests.py 3.1. Only defined/undefined (and the pure type tests) accept
// an undefined value without raising, as with StrictUndefined.
//
// Thread safety: the table is a constant; tests are pure functions.
#include <cctype>
#include <cmath>

#include "jit/template/call_args.h"
#include "jit/template/filters.h"
#include "jit/template/operators.h"

namespace kjit::jit::detail {

namespace {

const Value& one_arg(CallArgs& a, const char* name) {
  if (a.args.size() != 1 || !a.kwargs.empty())
    throw_render_error(std::string("test '") + name + "' takes exactly one argument");
  return a.args[0];
}

void no_args(CallArgs& a, const char* name) {
  if (!a.args.empty() || !a.kwargs.empty()) throw_render_error(std::string("test '") + name + "' takes no arguments");
}

bool t_defined(Renderer&, const Value& v, CallArgs& a) { no_args(a, "defined"); return !v.is_undefined(); }
bool t_undefined(Renderer&, const Value& v, CallArgs& a) { no_args(a, "undefined"); return v.is_undefined(); }
bool t_none(Renderer&, const Value& v, CallArgs& a) { no_args(a, "none"); return v.is_none(); }
bool t_boolean(Renderer&, const Value& v, CallArgs& a) { no_args(a, "boolean"); return v.is_bool(); }
bool t_true(Renderer&, const Value& v, CallArgs& a) { no_args(a, "true"); return v.is_bool() && v.as_bool(); }
bool t_false(Renderer&, const Value& v, CallArgs& a) { no_args(a, "false"); return v.is_bool() && !v.as_bool(); }
bool t_integer(Renderer&, const Value& v, CallArgs& a) { no_args(a, "integer"); return v.is_int(); }
bool t_float(Renderer&, const Value& v, CallArgs& a) { no_args(a, "float"); return v.is_float(); }
bool t_number(Renderer&, const Value& v, CallArgs& a) { no_args(a, "number"); return v.is_number(); }
bool t_string(Renderer&, const Value& v, CallArgs& a) { no_args(a, "string"); return v.is_string(); }
bool t_mapping(Renderer&, const Value& v, CallArgs& a) { no_args(a, "mapping"); return v.is_dict() && !v.as_dict()->is_namespace; }
bool t_callable(Renderer&, const Value& v, CallArgs& a) { no_args(a, "callable"); return v.is_callable(); }

bool t_sequence(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "sequence");
  if (v.is_string() || v.is_dict()) return true;
  return v.is_list() && v.as_list()->kind != SeqKind::generator;
}

bool t_iterable(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "iterable");
  return v.is_string() || v.is_list() || (v.is_dict() && !v.as_dict()->is_namespace);
}

bool t_even(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "even");
  return equal(binary_op(BinOp::mod, v, Value::integer(2)), Value::integer(0));  // Jinja: value % 2 == 0
}

bool t_odd(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "odd");
  return equal(binary_op(BinOp::mod, v, Value::integer(2)), Value::integer(1));  // Jinja: value % 2 == 1
}

bool t_divisibleby(Renderer&, const Value& v, CallArgs& a) {
  const Value& n = one_arg(a, "divisibleby");
  return equal(binary_op(BinOp::mod, v, n), Value::integer(0));
}

bool t_lower(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "lower");
  std::string s = to_str(v);
  for (char c : s)
    if (std::isupper(static_cast<unsigned char>(c))) return false;
  for (char c : s)
    if (std::islower(static_cast<unsigned char>(c))) return true;
  return false;
}

bool t_upper(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "upper");
  std::string s = to_str(v);
  for (char c : s)
    if (std::islower(static_cast<unsigned char>(c))) return false;
  for (char c : s)
    if (std::isupper(static_cast<unsigned char>(c))) return true;
  return false;
}

bool t_eq(Renderer&, const Value& v, CallArgs& a) { return equal(v, one_arg(a, "eq")); }
bool t_ne(Renderer&, const Value& v, CallArgs& a) { return !equal(v, one_arg(a, "ne")); }
bool t_lt(Renderer&, const Value& v, CallArgs& a) { return compare(v, one_arg(a, "lt")) < 0; }
bool t_le(Renderer&, const Value& v, CallArgs& a) { return compare(v, one_arg(a, "le")) <= 0; }
bool t_gt(Renderer&, const Value& v, CallArgs& a) { return compare(one_arg(a, "gt"), v) < 0; }
bool t_ge(Renderer&, const Value& v, CallArgs& a) { return compare(one_arg(a, "ge"), v) <= 0; }
bool t_in(Renderer&, const Value& v, CallArgs& a) { return contains(one_arg(a, "in"), v); }

bool t_sameas(Renderer&, const Value& v, CallArgs& a) {
  const Value& o = one_arg(a, "sameas");
  defined(v);
  defined(o);
  if (v.is_none() || o.is_none()) return v.is_none() && o.is_none();
  if (v.is_bool() || o.is_bool()) return v.is_bool() && o.is_bool() && v.as_bool() == o.as_bool();
  if (v.is_list() && o.is_list()) return v.as_list() == o.as_list();
  if (v.is_dict() && o.is_dict()) return v.as_dict() == o.as_dict();
  return false;
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr TestEntry k_tests[] = {
    {"!=", t_ne},          {"<", t_lt},           {"<=", t_le},          {"==", t_eq},
    {">", t_gt},           {">=", t_ge},          {"boolean", t_boolean}, {"callable", t_callable},
    {"defined", t_defined}, {"divisibleby", t_divisibleby}, {"eq", t_eq}, {"equalto", t_eq},
    {"even", t_even},      {"false", t_false},    {"float", t_float},    {"ge", t_ge},
    {"greaterthan", t_gt}, {"gt", t_gt},          {"in", t_in},          {"integer", t_integer},
    {"iterable", t_iterable}, {"le", t_le},       {"lessthan", t_lt},    {"lower", t_lower},
    {"lt", t_lt},          {"mapping", t_mapping}, {"ne", t_ne},         {"none", t_none},
    {"number", t_number},  {"odd", t_odd},        {"sameas", t_sameas},  {"sequence", t_sequence},
    {"string", t_string},  {"true", t_true},      {"undefined", t_undefined}, {"upper", t_upper},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& e : k_tests)
    if (e.name == name) return e.fn;
  return nullptr;
}

}  // namespace kjit::jit::detail
