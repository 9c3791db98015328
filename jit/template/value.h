// Value: the dynamic value model of the template engine, mirroring the Python
// objects Jinja2 works with: Undefined (strict), None, bool, int (exact
// 64-bit), float, str, list/tuple (and the lazy sequences Jinja would print
// specially: generators, dict views, ranges), dict (insertion ordered),
// callables (macros and the global functions) and the `loop` object.
//
// Lists and dicts are shared (like Python references); everything else is a
// plain value. Python semantics for printing (str/repr), truthiness, equality
// and ordering live in value.cpp; arithmetic in operators.cpp.
//
// Thread safety: a Value is not synchronized; values built from a shared
// cache are never mutated after construction (only namespaces are mutable and
// they are created per render).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace kjit::jit::detail {

struct Unit;
struct MacroStmt;
struct Scope;
class Value;

// How a sequence prints and which operations Python allows on it.
enum class SeqKind : std::uint8_t { list, tuple, generator, dict_keys, dict_values, dict_items, range };

struct ListObj {
  SeqKind kind = SeqKind::list;
  std::vector<Value> items;
  std::int64_t range_start = 0, range_stop = 0, range_step = 1;  // kind == range
};

struct DictObj {
  std::vector<std::pair<Value, Value>> items;
  bool is_namespace = false;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(Value key, Value value);
};

enum class Builtin : std::uint8_t { range, dict, namespace_, loop_cycle };

struct CallableObj {
  Builtin builtin = Builtin::range;  // when macro == nullptr
  const MacroStmt* macro = nullptr;
  const Unit* unit = nullptr;          // the unit that defined the macro
  // The scope the macro was defined in. Weak: that scope holds the macro, and
  // a strong pointer would make a cycle that leaks every render.
  std::weak_ptr<Scope> closure;
  std::shared_ptr<struct LoopObj> loop;  // for loop.cycle
};

struct LoopObj {
  const std::vector<Value>* items = nullptr;
  std::size_t index0 = 0;
  std::size_t length = 0;
  int depth = 1;
};

struct UndefinedInfo {
  std::string message;  // e.g. "undefined variable 'x'"
  std::uint32_t offset = 0xffffffffu;
  const Unit* unit = nullptr;
  // Jinja's plain Undefined (from `a if false` without else): prints as "",
  // is false and iterates as empty even under StrictUndefined.
  bool lenient = false;
};

using ListPtr = std::shared_ptr<ListObj>;
using DictPtr = std::shared_ptr<DictObj>;
using CallablePtr = std::shared_ptr<CallableObj>;
using LoopPtr = std::shared_ptr<LoopObj>;

enum class Kind : std::uint8_t { undefined, none, boolean, integer, floating, string, list, dict, callable, loop };

class Value {
 public:
  Value() : m_v(std::in_place_index<1>, nullptr) {}  // None
  static Value none() { return Value(); }
  static Value undefined(std::string message, std::uint32_t offset, const Unit* unit) {
    return Value(Storage(std::in_place_index<0>, UndefinedInfo{std::move(message), offset, unit}));
  }
  static Value lenient_undefined(std::string message, std::uint32_t offset, const Unit* unit) {
    return Value(Storage(std::in_place_index<0>, UndefinedInfo{std::move(message), offset, unit, true}));
  }
  static Value boolean(bool b) { return Value(Storage(std::in_place_index<2>, b)); }
  static Value integer(std::int64_t i) { return Value(Storage(std::in_place_index<3>, i)); }
  static Value floating(double d) { return Value(Storage(std::in_place_index<4>, d)); }
  static Value string(std::string s) { return Value(Storage(std::in_place_index<5>, std::move(s))); }
  static Value list(std::vector<Value> items, SeqKind kind = SeqKind::list);
  static Value list(ListPtr l) { return Value(Storage(std::in_place_index<6>, std::move(l))); }
  static Value dict(DictPtr d) { return Value(Storage(std::in_place_index<7>, std::move(d))); }
  static Value callable(CallablePtr c) { return Value(Storage(std::in_place_index<8>, std::move(c))); }
  static Value loop(LoopPtr l) { return Value(Storage(std::in_place_index<9>, std::move(l))); }
  static Value from_json(const nlohmann::json& j);

  Kind kind() const { return static_cast<Kind>(m_v.index()); }
  bool is_undefined() const { return kind() == Kind::undefined; }
  bool is_none() const { return kind() == Kind::none; }
  bool is_bool() const { return kind() == Kind::boolean; }
  bool is_int() const { return kind() == Kind::integer; }
  bool is_float() const { return kind() == Kind::floating; }
  // bool, int or float (Python's numbers; bool is an int subclass).
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  bool is_integral() const { return is_bool() || is_int(); }
  bool is_string() const { return kind() == Kind::string; }
  bool is_list() const { return kind() == Kind::list; }
  bool is_dict() const { return kind() == Kind::dict; }
  bool is_callable() const { return kind() == Kind::callable; }
  bool is_loop() const { return kind() == Kind::loop; }

  const UndefinedInfo& as_undefined() const { return std::get<0>(m_v); }
  bool as_bool() const { return std::get<2>(m_v); }
  std::int64_t as_int() const { return std::get<3>(m_v); }
  double as_float() const { return std::get<4>(m_v); }
  const std::string& as_string() const { return std::get<5>(m_v); }
  const ListPtr& as_list() const { return std::get<6>(m_v); }
  const DictPtr& as_dict() const { return std::get<7>(m_v); }
  const CallablePtr& as_callable() const { return std::get<8>(m_v); }
  const LoopPtr& as_loop() const { return std::get<9>(m_v); }

  // bool/int as int64 (REQUIRES: is_integral()).
  std::int64_t integral() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  // Any number as double (REQUIRES: is_number()).
  double number() const { return is_float() ? as_float() : static_cast<double>(integral()); }

 private:
  using Storage = std::variant<UndefinedInfo, std::nullptr_t, bool, std::int64_t, double, std::string, ListPtr,
                               DictPtr, CallablePtr, LoopPtr>;
  explicit Value(Storage v) : m_v(std::move(v)) {}
  Storage m_v;
};

// Throws the undefined value's error (REQUIRES: v.is_undefined()).
[[noreturn]] void raise_undefined(const Value& v);
// Throws if `v` is undefined; returns `v`.
inline const Value& defined(const Value& v) {
  if (v.is_undefined()) raise_undefined(v);
  return v;
}

// Python's type name ("int", "str", "dict", ...), for messages.
std::string_view type_name(const Value& v);
// Jinja's object_type_repr: "'dict object'", "None", ...
std::string object_type_repr(const Value& v);

// Python str(v) appended to `out` (strings as-is). Throws on undefined.
void append_str(std::string& out, const Value& v);
std::string to_str(const Value& v);
// Python repr(v) appended to `out`.
void append_repr(std::string& out, const Value& v);
// Appends code point `cp` to `out` as UTF-8.
void put_utf8(std::string& out, std::uint32_t cp);
// Python's float repr: shortest round-trip digits ("0.1", "1e-05", "inf").
void append_float_repr(std::string& out, double d);

// Python truthiness. Throws on undefined.
bool truthy(const Value& v);
// Python ==. Throws on undefined.
bool equal(const Value& a, const Value& b);
// Python <: -1/0/1; throws TypeError-like errors for unorderable types.
// `fold_case` lowercases strings first (Jinja's case-insensitive sort).
int compare(const Value& a, const Value& b, bool fold_case = false);

// Elements of an iterable (list items, dict keys, string characters).
// Throws for non-iterables and undefined.
std::vector<Value> iterate(const Value& v);
// len(); throws for types without a length.
std::int64_t length(const Value& v);

// Number of UTF-8 code points; and the code points as separate strings.
std::size_t utf8_length(std::string_view s);
std::vector<std::string> utf8_chars(std::string_view s);
// Python str.upper()/lower() for ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic (other code points are left unchanged).
std::string utf8_upper(std::string_view s);
std::string utf8_lower(std::string_view s);
// Python str.capitalize() / Jinja's title filter on the same range.
std::string utf8_capitalize(std::string_view s);
std::string utf8_title(std::string_view s);

// JSON for the tojson filter (Python json.dumps with sort_keys=True, then
// Jinja's HTML-safe escaping of < > & ').
void append_json(std::string& out, const Value& v, int indent, int level);

}  // namespace kjit::jit::detail
