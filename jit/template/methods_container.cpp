// Python list, tuple, range and dict methods for templates (see methods.h).
// Mutating methods change the shared container in place, as in Python, and
// report it to the renderer (reference cycles are released when the render
// ends). dict.keys()/values()/items() are live views.
//
// Thread safety: methods mutate only their receiver.
#include <algorithm>

#include "jit/template/call_args.h"
#include "jit/template/methods.h"
#include "jit/template/operators.h"
#include "jit/template/template_error.h"

namespace kjit::jit::detail {

namespace {

void positional(const CallArgs& a, std::size_t min, std::size_t max, const std::string& what) {
  if (!a.kwargs.empty()) throw_render_error("TypeError: " + what + " takes no keyword arguments");
  if (a.args.size() < min || a.args.size() > max)
    throw_render_error("TypeError: " + what + " takes " +
                       (min == max ? "exactly " + std::to_string(min) : "from " + std::to_string(min) + " to " + std::to_string(max)) +
                       " argument(s) (" + std::to_string(a.args.size()) + " given)");
}

std::int64_t index_arg(const Value& v) {
  if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
  if (!v.is_integral())
    throw_render_error("TypeError: '" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.integral();
}

std::string repr_of(const Value& v) {
  std::string r;
  append_repr(r, v);
  return r;
}

Value seq_index(const std::vector<Value>& items, CallArgs& a, const std::string& what, const char* kind) {
  positional(a, 1, 3, what);
  auto n = static_cast<std::int64_t>(items.size());
  std::int64_t start = 0, stop = n;
  auto clamp = [&](std::int64_t x) {
    if (x < 0) x = std::max<std::int64_t>(x + n, 0);
    return std::min(x, n);
  };
  if (a.args.size() > 1) start = clamp(index_arg(a.args[1]));
  if (a.args.size() > 2) stop = clamp(index_arg(a.args[2]));
  for (std::int64_t i = start; i < stop; ++i)
    if (equal(items[static_cast<std::size_t>(i)], a.args[0])) return Value::integer(i);
  if (std::string(kind) == "range") throw_render_error("ValueError: " + repr_of(a.args[0]) + " is not in range");
  throw_render_error(std::string("ValueError: ") + (std::string(kind) == "tuple" ? "tuple.index(x): x not in tuple" : repr_of(a.args[0]) + " is not in list"));
}

Value seq_count(const std::vector<Value>& items, CallArgs& a, const std::string& what) {
  positional(a, 1, 1, what);
  std::int64_t c = 0;
  for (const auto& e : items)
    if (equal(e, a.args[0])) ++c;
  return Value::integer(c);
}

Value view(const Value& self, SeqKind kind) {
  auto l = std::make_shared<ListObj>();
  l->kind = kind;
  l->view_of = self.as_dict();
  return Value::list(std::move(l));
}

}  // namespace

Value call_list_method(Renderer& r, const Value& self, const std::string& name, CallArgs& a) {
  ListObj& l = *self.as_list();
  const std::string what = type_name(self) + "." + name + "()";
  if (l.kind == SeqKind::tuple || l.kind == SeqKind::range) {
    const char* kind = l.kind == SeqKind::tuple ? "tuple" : "range";
    if (name == "count") return seq_count(l.items, a, what);
    return seq_index(l.items, a, what, kind);
  }
  auto& items = l.items;
  if (name == "count") return seq_count(items, a, what);
  if (name == "index") return seq_index(items, a, what, "list");
  if (name == "copy") {
    positional(a, 0, 0, what);
    return Value::list(items);
  }
  r.note_mutation(self);
  if (name == "append") {
    positional(a, 1, 1, what);
    if (items.size() >= k_max_sequence_size) throw_unsupported("lists longer than 64 Mi items");
    items.push_back(a.args[0]);
    return Value::none();
  }
  if (name == "extend") {
    positional(a, 1, 1, what);
    auto more = iterate(a.args[0]);
    if (items.size() + more.size() > k_max_sequence_size) throw_unsupported("lists longer than 64 Mi items");
    items.insert(items.end(), more.begin(), more.end());
    return Value::none();
  }
  if (name == "insert") {
    positional(a, 2, 2, what);
    auto n = static_cast<std::int64_t>(items.size());
    std::int64_t i = index_arg(a.args[0]);
    if (i < 0) i = std::max<std::int64_t>(i + n, 0);
    i = std::min(i, n);
    items.insert(items.begin() + i, a.args[1]);
    return Value::none();
  }
  if (name == "pop") {
    positional(a, 0, 1, what);
    if (items.empty()) throw_render_error("IndexError: pop from empty list");
    auto n = static_cast<std::int64_t>(items.size());
    std::int64_t i = a.args.empty() ? -1 : index_arg(a.args[0]);
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw_render_error("IndexError: pop index out of range");
    Value v = std::move(items[static_cast<std::size_t>(i)]);
    items.erase(items.begin() + i);
    return v;
  }
  if (name == "remove") {
    positional(a, 1, 1, what);
    for (std::size_t i = 0; i < items.size(); ++i)
      if (equal(items[i], a.args[0])) {
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(i));
        return Value::none();
      }
    throw_render_error("ValueError: list.remove(x): x not in list");
  }
  if (name == "clear") {
    positional(a, 0, 0, what);
    items.clear();
    return Value::none();
  }
  if (name == "reverse") {
    positional(a, 0, 0, what);
    std::reverse(items.begin(), items.end());
    return Value::none();
  }
  if (name == "sort") {
    if (!a.args.empty()) throw_render_error("TypeError: sort() takes no positional arguments");
    bool reverse = false;
    for (const auto& [k, v] : a.kwargs) {
      if (k == "reverse") reverse = truthy(v);
      else if (k == "key") {
        if (!v.is_none()) throw_unsupported("list.sort(key=...)");
      } else {
        throw_render_error("TypeError: sort() got an unexpected keyword argument '" + k + "'");
      }
    }
    std::vector<Value> sorted;
    for (std::size_t i : python_sort_order(items, reverse)) sorted.push_back(items[i]);
    items = std::move(sorted);
    return Value::none();
  }
  throw_unsupported("list." + name + "()");
}

// dict(src, **kwargs) / d.update(src, **kwargs) (see methods.h).
void dict_update(DictObj& d, CallArgs& a, const std::string& what) {
  if (a.args.size() > 1)
    throw_render_error("TypeError: " + what + " expected at most 1 argument, got " + std::to_string(a.args.size()));
  if (!a.args.empty()) {
    const Value& src = defined(a.args[0]);
    if (src.is_plain_dict()) {
      std::vector<std::pair<Value, Value>> copy = src.as_dict()->items;  // src may be d itself
      for (auto& [k, v] : copy) d.set(std::move(k), std::move(v));
    } else {
      std::size_t i = 0;
      for (const auto& e : iterate(src)) {
        std::vector<Value> pair;
        try {
          pair = iterate(e);
        } catch (const TemplateError&) {
          throw_render_error("TypeError: cannot convert dictionary update sequence element #" + std::to_string(i) +
                             " to a sequence");
        }
        if (pair.size() != 2)
          throw_render_error("ValueError: dictionary update sequence element #" + std::to_string(i) + " has length " +
                             std::to_string(pair.size()) + "; 2 is required");
        require_hashable(pair[0]);
        d.set(pair[0], pair[1]);
        ++i;
      }
    }
  }
  for (auto& [k, v] : a.kwargs) d.set(Value::string(k), v);
}

Value call_dict_method(Renderer& r, const Value& self, const std::string& name, CallArgs& a) {
  DictObj& d = *self.as_dict();
  const std::string what = "dict." + name + "()";
  if (name == "keys" || name == "values" || name == "items") {
    positional(a, 0, 0, what);
    return view(self, name == "keys" ? SeqKind::dict_keys : (name == "values" ? SeqKind::dict_values : SeqKind::dict_items));
  }
  if (name == "get") {
    positional(a, 1, 2, what);
    require_hashable(a.args[0]);
    if (const Value* v = d.find(a.args[0])) return *v;
    return a.args.size() > 1 ? a.args[1] : Value::none();
  }
  if (name == "copy") {
    positional(a, 0, 0, what);
    auto c = std::make_shared<DictObj>();
    c->items = d.items;
    return Value::dict(std::move(c));
  }
  if (name == "fromkeys") {
    positional(a, 1, 2, what);
    auto c = std::make_shared<DictObj>();
    Value v = a.args.size() > 1 ? a.args[1] : Value::none();
    for (const auto& k : iterate(a.args[0])) {
      require_hashable(k);
      c->set(k, v);
    }
    return Value::dict(std::move(c));
  }
  r.note_mutation(self);
  if (name == "pop") {
    positional(a, 1, 2, what);
    require_hashable(a.args[0]);
    if (const Value* v = d.find(a.args[0])) {
      Value out = *v;
      d.erase(a.args[0]);
      return out;
    }
    if (a.args.size() > 1) return a.args[1];
    throw_render_error("KeyError: " + repr_of(a.args[0]));
  }
  if (name == "popitem") {
    positional(a, 0, 0, what);
    if (d.items.empty()) throw_render_error("KeyError: 'popitem(): dictionary is empty'");
    auto kv = std::move(d.items.back());
    d.items.pop_back();
    return Value::tuple({std::move(kv.first), std::move(kv.second)});
  }
  if (name == "setdefault") {
    positional(a, 1, 2, what);
    require_hashable(a.args[0]);
    if (const Value* v = d.find(a.args[0])) return *v;
    Value v = a.args.size() > 1 ? a.args[1] : Value::none();
    d.set(a.args[0], v);
    return v;
  }
  if (name == "update") {
    dict_update(d, a, "update");
    return Value::none();
  }
  if (name == "clear") {
    positional(a, 0, 0, what);
    d.items.clear();
    return Value::none();
  }
  throw_unsupported("dict." + name + "()");
}

}  // namespace kjit::jit::detail
