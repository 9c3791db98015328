// Python semantics of Value (see value.h): dict lookup, iterative teardown of
// containers, truthiness, equality, ordering, hashability, iteration and
// len(). Printing and JSON live in value_repr.cpp.
//
// Thread safety: pure functions over values, apart from the per-thread
// nesting counter of NestingGuard.
#include "jit/template/value.h"

#include <algorithm>
#include <cmath>

#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

thread_local int t_nesting = 0;

// Moves out the children of containers that are about to die with their last
// owner, so destroying a deeply nested value never recurses.
void reap(std::vector<Value>& work) {
  while (!work.empty()) {
    Value v = std::move(work.back());
    work.pop_back();
    if (v.is_list() && v.as_list().use_count() == 1) {
      auto& items = v.as_list()->items;
      for (auto& c : items) work.push_back(std::move(c));
      items.clear();
      v.as_list()->view_of.reset();
    } else if (v.is_dict() && v.as_dict().use_count() == 1) {
      auto& items = v.as_dict()->items;
      for (auto& [k, c] : items) {
        work.push_back(std::move(k));
        work.push_back(std::move(c));
      }
      items.clear();
    }
  }
}

bool is_container(const Value& v) { return v.is_list() || v.is_dict(); }

}  // namespace

ListObj::~ListObj() {
  std::vector<Value> work;
  for (auto& c : items)
    if (is_container(c)) work.push_back(std::move(c));
  items.clear();
  reap(work);
}

DictObj::~DictObj() {
  std::vector<Value> work;
  for (auto& [k, c] : items) {
    if (is_container(k)) work.push_back(std::move(k));
    if (is_container(c)) work.push_back(std::move(c));
  }
  items.clear();
  reap(work);
}

NestingGuard::NestingGuard() {
  if (++t_nesting > k_max_value_depth) {
    --t_nesting;
    throw_unsupported("values nested deeper than " + std::to_string(k_max_value_depth) +
                      " levels (or a container that contains itself)");
  }
}

NestingGuard::~NestingGuard() { --t_nesting; }

void throw_unsupported(const std::string& what) { throw_render_error("unsupported: " + what); }

Value Value::list(std::vector<Value> items, SeqKind kind) {
  auto l = std::make_shared<ListObj>();
  l->kind = kind;
  l->items = std::move(items);
  return list(std::move(l));
}

bool IterObj::next(Value& out) {
  if (done) return false;
  if (running) throw_render_error("ValueError: generator already executing");
  running = true;
  bool ok;
  try {
    ok = next_fn(out);
  } catch (...) {
    running = false;
    done = true;  // a generator that raised is finished
    next_fn = nullptr;
    throw;
  }
  running = false;
  if (!ok) {
    done = true;
    next_fn = nullptr;  // releases the source
  }
  return ok;
}

const Value* DictObj::find(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k.is_string() && k.as_string() == key) return &v;
  return nullptr;
}

const Value* DictObj::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : items)
    if (!k.is_string() && k.kind() != Kind::undefined && equal(k, key)) return &v;
  return nullptr;
}

Value* DictObj::find_mut(const Value& key) { return const_cast<Value*>(find(key)); }

void DictObj::set(Value key, Value value) {
  if (Value* v = find_mut(key)) {
    *v = std::move(value);
    return;
  }
  items.emplace_back(std::move(key), std::move(value));
}

bool DictObj::erase(const Value& key) {
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (it->first.is_string() != key.is_string()) continue;
    if (equal(it->first, key)) {
      items.erase(it);
      return true;
    }
  }
  return false;
}

void raise_undefined(const Value& v) {
  const auto& u = v.as_undefined();
  throw TemplateError{ErrorCode::render_error, u.message, u.offset, u.unit};
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined: return v.as_undefined().lenient ? "Undefined" : "StrictUndefined";
    case Kind::none: return "NoneType";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::floating: return "float";
    case Kind::string: return v.is_markup() ? "Markup" : "str";
    case Kind::list:
      switch (v.as_list()->kind) {
        case SeqKind::list: return "list";
        case SeqKind::tuple: return "tuple";
        case SeqKind::range: return "range";
        case SeqKind::dict_keys: return "dict_keys";
        case SeqKind::dict_values: return "dict_values";
        case SeqKind::dict_items: return "dict_items";
      }
      return "list";
    case Kind::dict: return v.as_dict()->is_namespace ? "Namespace" : "dict";
    case Kind::callable: {
      const auto& c = *v.as_callable();
      switch (c.builtin) {
        case Builtin::macro: return "Macro";
        case Builtin::range:
        case Builtin::dict:
        case Builtin::namespace_:
        case Builtin::cycler:
        case Builtin::joiner: return "type";
        case Builtin::lipsum:
        case Builtin::raise: return "function";
        case Builtin::loop_cycle:
        case Builtin::loop_changed:
        case Builtin::loop_call: return "method";
        case Builtin::method: return "builtin_function_or_method";
      }
      return "function";
    }
    case Kind::loop: return "LoopContext";
    case Kind::iterator: return v.as_iterator()->type;
    case Kind::object: return v.as_object()->type == ObjectObj::Type::cycler ? "Cycler" : "Joiner";
  }
  return "object";
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  return "'" + type_name(v) + " object'";
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return false;
      raise_undefined(v);
    case Kind::none: return false;
    case Kind::boolean: return v.as_bool();
    case Kind::integer: return v.as_int() != 0;
    case Kind::floating: return v.as_float() != 0.0;
    case Kind::string: return !v.as_string().empty();
    case Kind::list: return length(v) != 0;
    case Kind::dict: return v.as_dict()->is_namespace || !v.as_dict()->items.empty();
    default: return true;
  }
}

namespace {

// Exact comparison of an int64 and a double (Python compares int and float
// by value, without rounding the int). nan compares as unordered (0, and
// equal() checks nan separately).
int compare_int_float(std::int64_t i, double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  double t = std::trunc(d);
  auto ti = static_cast<std::int64_t>(t);
  if (i < ti) return -1;
  if (i > ti) return 1;
  if (d > t) return -1;
  if (d < t) return 1;
  return 0;
}

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) {
    auto x = a.integral(), y = b.integral();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_integral()) return compare_int_float(a.integral(), b.as_float());
  if (b.is_integral()) return -compare_int_float(b.integral(), a.as_float());
  double x = a.as_float(), y = b.as_float();
  if (x < y) return -1;
  if (x > y) return 1;
  return 0;
}

bool is_nan(const Value& v) { return v.is_float() && std::isnan(v.as_float()); }

// Set equality of two dict_keys / dict_items views.
bool set_equal(const std::vector<Value>& x, const std::vector<Value>& y) {
  if (x.size() != y.size()) return false;
  for (const auto& e : x) {
    bool found = false;
    for (const auto& f : y)
      if (equal(e, f)) {
        found = true;
        break;
      }
    if (!found) return false;
  }
  return true;
}

bool same_callable(const CallableObj& x, const CallableObj& y) {
  if (&x == &y) return true;
  switch (x.builtin) {
    case Builtin::range:
    case Builtin::dict:
    case Builtin::namespace_:
    case Builtin::cycler:
    case Builtin::joiner:
    case Builtin::lipsum:
    case Builtin::raise: return x.builtin == y.builtin;
    default: return false;
  }
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  if (a.is_undefined()) {
    if (!a.as_undefined().lenient) raise_undefined(a);
    return b.is_undefined() && b.as_undefined().lenient;
  }
  if (b.is_undefined()) {
    if (!b.as_undefined().lenient) raise_undefined(b);
    return false;
  }
  if (a.is_number() && b.is_number()) {
    if (is_nan(a) || is_nan(b)) return false;
    return compare_numbers(a, b) == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::none: return true;
    case Kind::string: return a.as_string() == b.as_string();
    case Kind::list: {
      const auto& x = *a.as_list();
      const auto& y = *b.as_list();
      if (&x == &y && x.kind != SeqKind::dict_values) return true;
      if (x.kind != y.kind) return false;
      NestingGuard guard;
      switch (x.kind) {
        case SeqKind::dict_values: return &x == &y;
        case SeqKind::dict_keys:
        case SeqKind::dict_items: return set_equal(seq_items(x), seq_items(y));
        default: break;
      }
      if (x.items.size() != y.items.size()) return false;
      for (std::size_t i = 0; i < x.items.size(); ++i)
        if (!equal(x.items[i], y.items[i])) return false;
      return true;
    }
    case Kind::dict: {
      const auto& x = *a.as_dict();
      const auto& y = *b.as_dict();
      if (x.is_namespace || y.is_namespace) return &x == &y;
      if (&x == &y) return true;
      if (x.items.size() != y.items.size()) return false;
      NestingGuard guard;
      for (const auto& [k, v] : x.items) {
        const Value* o = y.find(k);
        if (!o || !equal(v, *o)) return false;
      }
      return true;
    }
    case Kind::callable: return same_callable(*a.as_callable(), *b.as_callable());
    case Kind::loop: return a.as_loop() == b.as_loop();
    case Kind::iterator: return a.as_iterator() == b.as_iterator();
    case Kind::object: return a.as_object() == b.as_object();
    default: return false;
  }
}

int compare(const Value& a, const Value& b, bool fold_case) {
  if (a.is_undefined() && !a.as_undefined().lenient) raise_undefined(a);
  if (b.is_undefined() && !b.as_undefined().lenient) raise_undefined(b);
  if (a.is_number() && b.is_number()) return compare_numbers(a, b);
  if (a.is_string() && b.is_string()) {
    int c = fold_case ? py_lower(a.as_string()).compare(py_lower(b.as_string())) : a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.as_list()->kind == b.as_list()->kind &&
      (a.as_list()->kind == SeqKind::list || a.as_list()->kind == SeqKind::tuple)) {
    NestingGuard guard;
    const auto& x = a.as_list()->items;
    const auto& y = b.as_list()->items;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equal(x[i], y[i])) continue;
      return compare(x[i], y[i], false);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.as_list()->kind == b.as_list()->kind &&
      (a.as_list()->kind == SeqKind::dict_keys || a.as_list()->kind == SeqKind::dict_items))
    throw_unsupported("ordering comparisons of dict views (set semantics)");
  throw_render_error("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

void require_hashable(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (!v.as_undefined().lenient) raise_undefined(v);
      return;
    case Kind::list: {
      const auto& l = *v.as_list();
      if (l.kind == SeqKind::tuple) {
        NestingGuard guard;
        for (const auto& e : l.items) require_hashable(e);
        return;
      }
      if (l.kind == SeqKind::range || l.kind == SeqKind::dict_values) return;
      break;
    }
    case Kind::dict:
      if (v.as_dict()->is_namespace) return;
      break;
    default: return;
  }
  throw_render_error("TypeError: unhashable type: '" + type_name(v) + "'");
}

namespace {

bool has_nan(const Value& v) {
  if (v.is_float()) return std::isnan(v.as_float());
  if (v.is_seq(SeqKind::list) || v.is_seq(SeqKind::tuple)) {
    NestingGuard guard;
    for (const auto& e : v.as_list()->items)
      if (has_nan(e)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::size_t> python_sort_order(const std::vector<Value>& keys, bool reverse) {
  const std::size_t n = keys.size();
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  // CPython: reverse, sort ascending (stable), reverse again.
  if (reverse) std::reverse(idx.begin(), idx.end());
  auto lt = [&](std::size_t a, std::size_t b) { return compare(keys[a], keys[b]) < 0; };
  bool partial = false;
  for (const auto& k : keys) partial = partial || has_nan(k);
  if (!partial) {
    std::stable_sort(idx.begin(), idx.end(), lt);
  } else if (n >= 2) {
    if (n >= 64) throw_unsupported("sorting 64 or more values that include NaN (CPython's merge order)");
    // timsort for n < 64: count_run, reverse a strictly descending run, then
    // binary insertion sort of the rest.
    std::size_t run = 1;
    bool descending = lt(idx[1], idx[0]);
    run = 2;
    if (descending) {
      while (run < n && lt(idx[run], idx[run - 1])) ++run;
      std::reverse(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(run));
    } else {
      while (run < n && !lt(idx[run], idx[run - 1])) ++run;
    }
    for (std::size_t start = run; start < n; ++start) {
      std::size_t pivot = idx[start];
      std::size_t l = 0, r = start;
      do {
        std::size_t p = l + ((r - l) >> 1);
        if (lt(pivot, idx[p])) r = p;
        else l = p + 1;
      } while (l < r);
      for (std::size_t p = start; p > l; --p) idx[p] = idx[p - 1];
      idx[l] = pivot;
    }
  }
  if (reverse) std::reverse(idx.begin(), idx.end());
  return idx;
}

std::vector<Value> seq_items(const ListObj& l) {
  switch (l.kind) {
    case SeqKind::dict_keys:
    case SeqKind::dict_values:
    case SeqKind::dict_items: {
      std::vector<Value> out;
      if (!l.view_of) return out;
      out.reserve(l.view_of->items.size());
      for (const auto& [k, v] : l.view_of->items) {
        if (l.kind == SeqKind::dict_keys) out.push_back(k);
        else if (l.kind == SeqKind::dict_values) out.push_back(v);
        else out.push_back(Value::tuple({k, v}));
      }
      return out;
    }
    default: return l.items;
  }
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return {};
      raise_undefined(v);
    case Kind::list: return seq_items(*v.as_list());
    case Kind::dict: {
      if (v.as_dict()->is_namespace) break;
      std::vector<Value> keys;
      keys.reserve(v.as_dict()->items.size());
      for (const auto& [k, val] : v.as_dict()->items) keys.push_back(k);
      return keys;
    }
    case Kind::string: {
      std::vector<Value> chars;
      for (auto& c : utf8_chars(v.as_string())) chars.push_back(Value::string(std::move(c)));
      return chars;
    }
    case Kind::iterator: {
      std::vector<Value> out;
      Value item;
      while (v.as_iterator()->next(item)) out.push_back(std::move(item));
      return out;
    }
    case Kind::loop: throw_unsupported("iterating over the loop object");
    default: break;
  }
  throw_render_error("TypeError: '" + type_name(v) + "' object is not iterable");
}

std::int64_t length(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return 0;
      raise_undefined(v);
    case Kind::string: return static_cast<std::int64_t>(utf8_length(v.as_string()));
    case Kind::list: {
      const auto& l = *v.as_list();
      if (l.view_of) return static_cast<std::int64_t>(l.view_of->items.size());
      return static_cast<std::int64_t>(l.items.size());
    }
    case Kind::dict:
      if (v.as_dict()->is_namespace) break;
      return static_cast<std::int64_t>(v.as_dict()->items.size());
    case Kind::loop: return static_cast<std::int64_t>(v.as_loop()->items.size());
    default: break;
  }
  throw_render_error("TypeError: object of type '" + type_name(v) + "' has no len()");
}

}  // namespace kjit::jit::detail
