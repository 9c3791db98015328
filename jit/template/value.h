// Value: the dynamic value model of the template engine, mirroring the Python
// objects Jinja2 works with: Undefined (strict, or Jinja's plain Undefined
// from an if-expression without else), None, bool, int (exact 64-bit), float,
// str (optionally a markupsafe Markup), sequences (list, tuple, range and the
// live dict views keys()/values()/items()), dict (insertion ordered, also
// Jinja's Namespace), lazy iterators (generators and reverse iterators, which
// Python consumes once), callables (macros, globals, bound methods), Jinja's
// cycler and joiner objects and the `loop` object.
//
// Lists, dicts, iterators and objects are shared (like Python references and
// mutable in place); everything else is a plain value. Python semantics for
// printing (str/repr), truthiness, equality and ordering live in value.cpp and
// value_repr.cpp; arithmetic in operators.cpp; iterators in iterators.cpp.
//
// Nesting: every recursive operation over values (repr, ==, <, JSON,
// hashing) is bounded (k_max_value_depth) and containers are torn down
// iteratively, so deeply nested or self-containing values built by a template
// or a context error out instead of overflowing the stack.
//
// Thread safety: a Value is not synchronized; values are created per render
// (literals in a cached AST are immutable scalars).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kjit::jit::detail {

struct Unit;
struct MacroStmt;
struct ForStmt;
struct Scope;
struct TemplateError;
class Renderer;
class Value;

// Deepest nesting of values that printing, comparing, hashing or converting
// supports; deeper values are a render error naming the limit.
inline constexpr int k_max_value_depth = 256;

enum class SeqKind : std::uint8_t { list, tuple, range, dict_keys, dict_values, dict_items };

struct DictObj;
using DictPtr = std::shared_ptr<DictObj>;

struct ListObj {
  SeqKind kind = SeqKind::list;
  std::vector<Value> items;                                     // list, tuple, range
  std::int64_t range_start = 0, range_stop = 0, range_step = 1;  // kind == range
  DictPtr view_of;                                              // dict views
  bool group_tuple = false;  // groupby's (grouper, list) namedtuple
  ListObj() = default;
  ListObj(const ListObj&) = delete;
  ListObj& operator=(const ListObj&) = delete;
  ~ListObj();
};

struct DictObj {
  std::vector<std::pair<Value, Value>> items;
  bool is_namespace = false;

  DictObj() = default;
  DictObj(const DictObj&) = delete;
  DictObj& operator=(const DictObj&) = delete;
  ~DictObj();
  // Python lookup (1 == 1.0 == True share a key). Throws for unhashable keys.
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  Value* find_mut(const Value& key);
  // Inserts or replaces (an existing key keeps its position and identity).
  void set(Value key, Value value);
  bool erase(const Value& key);
};

// A lazy Python iterator: produces items on demand and is consumed once.
struct IterObj {
  std::string type;  // "generator", "list_reverseiterator", ... (messages)
  // Produces the next item into `out`; false once exhausted. Errors raised
  // while producing propagate to the consumer (Python's lazy generators).
  std::function<bool(Value& out)> next_fn;
  bool done = false;
  bool running = false;

  bool next(Value& out);
};

enum class Builtin : std::uint8_t {
  macro,         // `macro` (and `caller` for a call block)
  range, dict, namespace_, cycler, joiner, lipsum, raise,
  loop_cycle, loop_changed, loop_call,
  method,        // bound method: `self`.`name`(...)
};

struct LoopObj;
using LoopPtr = std::shared_ptr<LoopObj>;

struct CallableObj {
  Builtin builtin = Builtin::range;
  const MacroStmt* macro = nullptr;  // Builtin::macro
  bool is_caller = false;            // the `caller` of a call block
  const Unit* unit = nullptr;        // the unit that defined the macro
  // The scope the macro was defined in. Weak: that scope holds the macro, and
  // a strong pointer would make a cycle that leaks every render.
  std::weak_ptr<Scope> closure;
  LoopPtr loop;                 // loop.cycle / loop.changed / loop(...)
  std::shared_ptr<Value> self;  // Builtin::method
  std::string name;             // method name
};

// Jinja's cycler and joiner objects.
struct ObjectObj {
  enum class Type : std::uint8_t { cycler, joiner } type = Type::cycler;
  std::vector<Value> items;  // cycler
  std::size_t pos = 0;       // cycler
  std::string sep;           // joiner
  bool used = false;         // joiner
};

struct LoopObj {
  std::vector<Value> items;
  std::size_t index0 = 0;
  int depth = 1;
  std::shared_ptr<Value> last_changed;  // loop.changed() state (null before the first call)
  // Recursive loops: the loop statement and the frame it runs in.
  const ForStmt* recursive = nullptr;
  std::weak_ptr<Scope> scope;
  const Unit* unit = nullptr;
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
using CallablePtr = std::shared_ptr<CallableObj>;
using IterPtr = std::shared_ptr<IterObj>;
using ObjectPtr = std::shared_ptr<ObjectObj>;

enum class Kind : std::uint8_t {
  undefined, none, boolean, integer, floating, string, list, dict, callable, loop, iterator, object
};

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
  // A markupsafe.Markup string (from escape, safe, tojson, ...).
  static Value markup(std::string s) {
    Value v = string(std::move(s));
    v.m_markup = true;
    return v;
  }
  static Value list(std::vector<Value> items, SeqKind kind = SeqKind::list);
  static Value tuple(std::vector<Value> items) { return list(std::move(items), SeqKind::tuple); }
  static Value list(ListPtr l) { return Value(Storage(std::in_place_index<6>, std::move(l))); }
  static Value dict(DictPtr d) { return Value(Storage(std::in_place_index<7>, std::move(d))); }
  static Value callable(CallablePtr c) { return Value(Storage(std::in_place_index<8>, std::move(c))); }
  static Value loop(LoopPtr l) { return Value(Storage(std::in_place_index<9>, std::move(l))); }
  static Value iterator(IterPtr i) { return Value(Storage(std::in_place_index<10>, std::move(i))); }
  static Value object(ObjectPtr o) { return Value(Storage(std::in_place_index<11>, std::move(o))); }

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
  bool is_markup() const { return is_string() && m_markup; }
  bool is_list() const { return kind() == Kind::list; }
  bool is_seq(SeqKind k) const { return is_list() && as_list()->kind == k; }
  bool is_dict() const { return kind() == Kind::dict; }
  bool is_plain_dict() const { return is_dict() && !as_dict()->is_namespace; }
  bool is_callable() const { return kind() == Kind::callable; }
  bool is_loop() const { return kind() == Kind::loop; }
  bool is_iterator() const { return kind() == Kind::iterator; }
  bool is_object() const { return kind() == Kind::object; }

  const UndefinedInfo& as_undefined() const { return std::get<0>(m_v); }
  bool as_bool() const { return std::get<2>(m_v); }
  std::int64_t as_int() const { return std::get<3>(m_v); }
  double as_float() const { return std::get<4>(m_v); }
  const std::string& as_string() const { return std::get<5>(m_v); }
  const ListPtr& as_list() const { return std::get<6>(m_v); }
  const DictPtr& as_dict() const { return std::get<7>(m_v); }
  const CallablePtr& as_callable() const { return std::get<8>(m_v); }
  const LoopPtr& as_loop() const { return std::get<9>(m_v); }
  const IterPtr& as_iterator() const { return std::get<10>(m_v); }
  const ObjectPtr& as_object() const { return std::get<11>(m_v); }

  // bool/int as int64 (REQUIRES: is_integral()).
  std::int64_t integral() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  // Any number as double (REQUIRES: is_number()).
  double number() const { return is_float() ? as_float() : static_cast<double>(integral()); }

 private:
  using Storage = std::variant<UndefinedInfo, std::nullptr_t, bool, std::int64_t, double, std::string, ListPtr,
                               DictPtr, CallablePtr, LoopPtr, IterPtr, ObjectPtr>;
  explicit Value(Storage v) : m_v(std::move(v)) {}
  Storage m_v;
  bool m_markup = false;
};

// Throws the undefined value's error (REQUIRES: v.is_undefined()).
[[noreturn]] void raise_undefined(const Value& v);
// Throws if `v` is undefined; returns `v`.
inline const Value& defined(const Value& v) {
  if (v.is_undefined()) raise_undefined(v);
  return v;
}
// Throws "unsupported: <what>" (the message kjit uses for every Jinja2
// feature it deliberately does not implement).
[[noreturn]] void throw_unsupported(const std::string& what);

// Bounds the recursion of value operations (k_max_value_depth).
class NestingGuard {
 public:
  NestingGuard();
  ~NestingGuard();
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;
};

// Python's type name ("int", "str", "dict", ...), for messages.
std::string type_name(const Value& v);
// Jinja's object_type_repr: "'dict object'", "None", ...
std::string object_type_repr(const Value& v);

// Python str(v) appended to `out` (strings as-is). Throws on undefined.
void append_str(std::string& out, const Value& v);
std::string to_str(const Value& v);
// Python repr(v) appended to `out` (cycles print as [...] / {...}).
void append_repr(std::string& out, const Value& v);
// Python ascii(v).
std::string to_ascii_repr(const Value& v);
// Python's float repr: shortest round-trip digits ("0.1", "1e-05", "inf").
void append_float_repr(std::string& out, double d);
// markupsafe.escape(str) of plain text.
std::string html_escape(std::string_view s);
// markupsafe.escape(v): Markup unchanged, anything else str() then escaped.
Value escape_value(const Value& v);

// Python truthiness. Throws on undefined.
bool truthy(const Value& v);
// Python ==. Throws on strict undefined.
bool equal(const Value& a, const Value& b);
// Python <: -1/0/1; throws TypeError-like errors for unorderable types.
// `fold_case` lowercases strings first (Jinja's case-insensitive sort).
int compare(const Value& a, const Value& b, bool fold_case = false);
// Throws Python's "unhashable type" error unless `v` can be a dict key or a
// set member.
void require_hashable(const Value& v);

// Python's list.sort(reverse=...) over `keys`: the order in which to take the
// items. Stable, and identical to CPython's timsort also when the keys are
// not totally ordered (NaN): then it runs timsort's binary insertion sort
// (lists of 64 or more such keys are "unsupported").
std::vector<std::size_t> python_sort_order(const std::vector<Value>& keys, bool reverse);

// The items of a sequence (list, tuple, range, dict view) as a vector.
std::vector<Value> seq_items(const ListObj& l);
// Elements of an iterable (sequence items, dict keys, string characters; an
// iterator's remaining items, consuming it). Throws for non-iterables.
std::vector<Value> iterate(const Value& v);
// len(); throws for types without a length.
std::int64_t length(const Value& v);

// JSON for the tojson filter (Python json.dumps with sort_keys=True, then
// Jinja's HTML-safe escaping of < > & ').
void append_json(std::string& out, const Value& v, int indent, int level);
// As append_json with json.dumps(indent=<a string>).
void append_json_indent(std::string& out, const Value& v, const std::string& indent);

}  // namespace kjit::jit::detail
