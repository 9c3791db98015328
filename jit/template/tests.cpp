// Built-in tests (`x is defined`, `n is divisibleby 3`, ...), following
// jinja2/tests.py 3.1: argument binding like the Python functions
// (operator.* and callable take positional arguments only), Python's
// isinstance / len / iter / hasattr probes, identity for `sameas`.
//
// Thread safety: the table is a constant; tests are pure functions.
#include "jit/template/call_args.h"
#include "jit/template/filters.h"
#include "jit/template/operators.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

void no_args(CallArgs& a, const char* name) { Bound b(a, {}, std::string(name) + "()"); }

const Value& one_param(CallArgs& a, std::initializer_list<std::string_view> params, const char* name) {
  static thread_local Value holder;
  Bound b(a, params, std::string(name) + "()");
  if (!b.has(0))
    throw_render_error(std::string("TypeError: ") + name + "() missing 1 required positional argument: '" +
                       std::string(*params.begin()) + "'");
  holder = b.get(0);
  return holder;
}

// operator.eq & co: positional only, exactly one argument besides the value.
const Value& op_arg(CallArgs& a, const char* name) {
  if (!a.kwargs.empty()) throw_render_error(std::string("TypeError: ") + name + "() takes no keyword arguments");
  if (a.args.size() != 1)
    throw_render_error(std::string("TypeError: ") + name + " expected 2 arguments, got " + std::to_string(a.args.size() + 1));
  return a.args[0];
}

bool t_defined(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_defined"); return !v.is_undefined(); }
bool t_undefined(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_undefined"); return v.is_undefined(); }
bool t_none(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_none"); return v.is_none(); }
bool t_boolean(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_boolean"); return v.is_bool(); }
bool t_true(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_true"); return v.is_bool() && v.as_bool(); }
bool t_false(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_false"); return v.is_bool() && !v.as_bool(); }
bool t_integer(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_integer"); return v.is_int(); }
bool t_float(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_float"); return v.is_float(); }
bool t_number(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_number"); return v.is_number(); }
bool t_string(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_string"); return v.is_string(); }
bool t_mapping(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_mapping"); return v.is_plain_dict(); }
bool t_escaped(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_escaped"); return v.is_markup(); }

bool t_callable(Renderer&, const Value& v, CallArgs& a) {
  if (!a.kwargs.empty() || !a.args.empty()) throw_render_error("TypeError: callable() takes exactly one argument");
  // Undefined defines __call__ (to raise), the loop object and joiner too.
  return v.is_callable() || v.is_undefined() || v.is_loop() ||
         (v.is_object() && v.as_object()->type == ObjectObj::Type::joiner);
}

bool t_sequence(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "test_sequence");
  // len(value) and value.__getitem__
  switch (v.kind()) {
    case Kind::undefined: return v.as_undefined().lenient;
    case Kind::string: return true;
    case Kind::list: {
      SeqKind k = v.as_list()->kind;
      return k == SeqKind::list || k == SeqKind::tuple || k == SeqKind::range;
    }
    case Kind::dict: return !v.as_dict()->is_namespace;
    default: return false;
  }
}

bool t_iterable(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "test_iterable");
  if (v.is_undefined()) {
    if (!v.as_undefined().lenient) raise_undefined(v);  // __iter__ raises UndefinedError
    return true;
  }
  return v.is_string() || v.is_list() || v.is_plain_dict() || v.is_iterator() || v.is_loop();
}

bool mod_equals(const Value& v, const Value& n, std::int64_t want) {
  return equal(binary_op(BinOp::mod, v, n), Value::integer(want));
}

bool t_even(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_even"); return mod_equals(v, Value::integer(2), 0); }
bool t_odd(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_odd"); return mod_equals(v, Value::integer(2), 1); }

bool t_divisibleby(Renderer&, const Value& v, CallArgs& a) {
  const Value& n = one_param(a, {"num"}, "test_divisibleby");
  return mod_equals(v, n, 0);
}

bool t_lower(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_lower"); return py_islower(to_str(v)); }
bool t_upper(Renderer&, const Value& v, CallArgs& a) { no_args(a, "test_upper"); return py_isupper(to_str(v)); }

bool t_eq(Renderer&, const Value& v, CallArgs& a) { return equal(v, op_arg(a, "eq")); }
bool t_ne(Renderer&, const Value& v, CallArgs& a) { return !equal(v, op_arg(a, "ne")); }
bool t_lt(Renderer&, const Value& v, CallArgs& a) { return compare(v, op_arg(a, "lt")) < 0; }
bool t_le(Renderer&, const Value& v, CallArgs& a) {
  const Value& o = op_arg(a, "le");
  return compare(v, o) <= 0 && equal(v, v) && equal(o, o);
}
bool t_gt(Renderer&, const Value& v, CallArgs& a) { return compare(op_arg(a, "gt"), v) < 0; }
bool t_ge(Renderer&, const Value& v, CallArgs& a) {
  const Value& o = op_arg(a, "ge");
  return compare(o, v) <= 0 && equal(v, v) && equal(o, o);
}

bool t_in(Renderer&, const Value& v, CallArgs& a) {
  const Value& seq = one_param(a, {"seq"}, "test_in");
  return contains(seq, v);
}

bool t_sameas(Renderer&, const Value& v, CallArgs& a) {
  const Value& o = one_param(a, {"other"}, "test_sameas");
  if (v.is_undefined() || o.is_undefined()) return false;
  if (v.is_none() || o.is_none()) return v.is_none() && o.is_none();
  if (v.is_bool() || o.is_bool()) return v.is_bool() && o.is_bool() && v.as_bool() == o.as_bool();
  if (v.is_list() && o.is_list()) return v.as_list() == o.as_list();
  if (v.is_dict() && o.is_dict()) return v.as_dict() == o.as_dict();
  if (v.is_iterator() && o.is_iterator()) return v.as_iterator() == o.as_iterator();
  if (v.is_loop() && o.is_loop()) return v.as_loop() == o.as_loop();
  if (v.is_object() && o.is_object()) return v.as_object() == o.as_object();
  if (v.kind() != o.kind()) return false;
  // CPython caches small ints; other scalars' identity depends on how the
  // template was compiled.
  if (v.is_int() && v.as_int() >= -5 && v.as_int() <= 256) return v.as_int() == o.as_int();
  throw_unsupported("the sameas test on numbers or strings (object identity)");
}

bool t_filter(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "test_filter");
  require_hashable(v);
  return v.is_string() && find_filter(v.as_string()) != nullptr;
}

bool t_test(Renderer&, const Value& v, CallArgs& a) {
  no_args(a, "test_test");
  require_hashable(v);
  return v.is_string() && find_test(v.as_string()) != nullptr;
}

constexpr NamedFn<TestFn> k_tests[] = {
    {"!=", t_ne},          {"<", t_lt},           {"<=", t_le},          {"==", t_eq},
    {">", t_gt},           {">=", t_ge},          {"boolean", t_boolean}, {"callable", t_callable},
    {"defined", t_defined}, {"divisibleby", t_divisibleby}, {"eq", t_eq}, {"equalto", t_eq},
    {"escaped", t_escaped}, {"even", t_even},     {"false", t_false},    {"filter", t_filter},
    {"float", t_float},    {"ge", t_ge},          {"greaterthan", t_gt}, {"gt", t_gt},
    {"in", t_in},          {"integer", t_integer}, {"iterable", t_iterable}, {"le", t_le},
    {"lessthan", t_lt},    {"lower", t_lower},    {"lt", t_lt},          {"mapping", t_mapping},
    {"ne", t_ne},          {"none", t_none},      {"number", t_number},  {"odd", t_odd},
    {"sameas", t_sameas},  {"sequence", t_sequence}, {"string", t_string}, {"test", t_test},
    {"true", t_true},      {"undefined", t_undefined}, {"upper", t_upper},
};

}  // namespace

TestFn find_test(std::string_view name) { return find_named(k_tests, name); }

}  // namespace kjit::jit::detail
