// Sequence filters (jinja2/filters.py): first/last/length/list/join,
// map/select/reject/selectattr/rejectattr/unique/batch/slice/items (lazy
// generators, see iterators.h), sort/dictsort/groupby/min/max/sum, reverse,
// attr, default.
//
// Thread safety: pure functions apart from the iterators they return.
#include <algorithm>
#include <memory>

#include "jit/template/call_args.h"
#include "jit/template/filters.h"
#include "jit/template/iterators.h"
#include "jit/template/methods.h"
#include "jit/template/operators.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

Value ignore_case(const Value& v) {
  if (!v.is_string()) return v;
  std::string s = py_lower(v.as_string());
  return v.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

namespace {

// _prepare_attribute_parts
std::vector<Value> attribute_parts(const Value& attribute) {
  std::vector<Value> parts;
  if (attribute.is_none()) return parts;
  if (!attribute.is_string()) {
    parts.push_back(attribute);
    return parts;
  }
  const std::string& s = attribute.as_string();
  std::size_t b = 0;
  while (true) {
    std::size_t e = s.find('.', b);
    std::string part = s.substr(b, e == std::string::npos ? std::string::npos : e - b);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!is_ascii(part)) {
      for (std::size_t i = 0; i < part.size();)
        if (decimal_value(next_cp(part, i)) >= 0) throw_unsupported("attribute paths with non-ASCII digits");
    }
    if (digits) {
      if (part.size() > 18) throw_unsupported("integers beyond 64 bits in an attribute path");
      parts.push_back(Value::integer(std::stoll(part)));
    } else {
      parts.push_back(Value::string(part));
    }
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return parts;
}

Value apply_parts(Renderer& r, Value item, const std::vector<Value>& parts, const Value* fallback, bool fold) {
  for (const auto& p : parts) {
    item = r.get_item(item, p);
    if (fallback && !fallback->is_none() && item.is_undefined()) item = *fallback;
  }
  return fold ? ignore_case(item) : item;
}

Value generator(std::function<NextFn()> start) { return make_generator("generator", std::move(start)); }

// Jinja's select_or_reject / prepare_select_or_reject as a lazy generator.
Value select_impl(Renderer& r, const Value& v, CallArgs& a, bool lookup_attr, bool keep) {
  Value value = v;
  auto args = std::make_shared<CallArgs>(a);
  Renderer* rp = &r;
  return generator([rp, value, args, lookup_attr, keep]() -> NextFn {
    if (!truthy(value)) return nullptr;
    std::size_t off = 0;
    std::vector<Value> parts;
    if (lookup_attr) {
      if (args->args.empty()) throw_render_error("FilterArgumentError: Missing parameter for attribute name");
      parts = attribute_parts(args->args[0]);
      off = 1;
    }
    bool has_test = off < args->args.size();
    Value test = has_test ? args->args[off] : Value();
    CallArgs rest;
    if (has_test) {
      rest.args.assign(args->args.begin() + static_cast<std::ptrdiff_t>(off) + 1, args->args.end());
      rest.kwargs = args->kwargs;
    }
    NextFn src = iter_source(value);
    return [rp, src, parts, has_test, test, rest, keep](Value& out) {
      Value item;
      while (src(item)) {
        Value x = apply_parts(*rp, item, parts, nullptr, false);
        bool ok;
        if (has_test) {
          if (!test.is_string()) throw_render_error("TemplateRuntimeError: No test named " + to_str(test) + ".");
          CallArgs call = rest;
          ok = rp->apply_test(test.as_string(), x, call);
        } else {
          ok = truthy(x);
        }
        if (ok == keep) {
          out = std::move(item);
          return true;
        }
      }
      return false;
    };
  });
}

std::vector<Value> sort_keys_of(Renderer& r, const std::vector<Value>& items, const Value& attribute, bool fold) {
  // make_multi_attrgetter: "a,b" -> [item.a, item.b]
  std::vector<std::vector<Value>> getters;
  if (attribute.is_string()) {
    const std::string& s = attribute.as_string();
    std::size_t b = 0;
    while (true) {
      std::size_t e = s.find(',', b);
      getters.push_back(attribute_parts(Value::string(s.substr(b, e == std::string::npos ? std::string::npos : e - b))));
      if (e == std::string::npos) break;
      b = e + 1;
    }
  } else {
    getters.push_back(attribute_parts(attribute));
  }
  std::vector<Value> keys;
  keys.reserve(items.size());
  for (const auto& item : items) {
    std::vector<Value> k;
    for (const auto& g : getters) k.push_back(apply_parts(r, item, g, nullptr, fold));
    keys.push_back(Value::list(std::move(k)));
  }
  return keys;
}

Value aggregate(Renderer& r, const Value& v, CallArgs& a, bool want_max) {
  Bound b(a, {"case_sensitive", "attribute"}, want_max ? "do_max()" : "do_min()");
  bool fold = !(b.has(0) && truthy(b.get(0)));
  NextFn src = iter_source(v);
  Value first;
  if (!src(first)) return Value::undefined("No aggregated item, sequence was empty.", k_no_offset, r.current_unit());
  std::vector<Value> parts = attribute_parts(b.get_or(1, Value::none()));
  Value best = first;
  Value best_key = apply_parts(r, first, parts, nullptr, fold);
  Value item;
  while (src(item)) {
    Value k = apply_parts(r, item, parts, nullptr, fold);
    // max keeps the first of equal items: replace only when strictly better.
    if (want_max ? compare(best_key, k) < 0 : compare(k, best_key) < 0) {
      best = item;
      best_key = std::move(k);
    }
  }
  return best;
}

// The (count, fill_with=None) arguments of batch and slice; the count is
// required.
std::pair<Value, Value> count_and_fill(CallArgs& a, std::string_view count, const char* what) {
  Bound b(a, {count, "fill_with"}, what);
  if (!b.has(0))
    throw_render_error(std::string("TypeError: ") + what + " missing 1 required positional argument: '" +
                       std::string(count) + "'");
  return {b.get(0), b.get_or(1, Value::none())};
}

}  // namespace

Value get_path(Renderer& r, const Value& item, const Value& attribute, const Value* fallback, bool fold_case) {
  return apply_parts(r, item, attribute_parts(attribute), fallback, fold_case);
}

Value f_default(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"default_value", "boolean"}, "do_default()");
  bool boolean = b.has(1) && truthy(b.get(1));
  if (v.is_undefined() || (boolean && !truthy(v))) return b.get_or(0, Value::string(""));
  return v;
}

Value f_length(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "len()");
  return Value::integer(length(v));
}

Value f_list(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_list()");
  return Value::list(iterate(v));
}

Value f_first(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_first()");
  NextFn src = iter_source(v);
  Value item;
  if (src(item)) return item;
  return Value::undefined("No first item, sequence was empty.", k_no_offset, r.current_unit());
}

Value f_last(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_last()");
  if (v.is_iterator() || v.is_object() || v.is_callable() || v.is_number() || v.is_none() ||
      (v.is_dict() && v.as_dict()->is_namespace))
    throw_render_error("TypeError: '" + type_name(v) + "' object is not reversible");
  if (v.is_loop()) throw_unsupported("the last filter of the loop object");
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.", k_no_offset, r.current_unit());
  // reversed() indexes a Markup with its own __getitem__ (Markup items).
  if (v.is_markup()) return Value::markup(items.back().as_string());
  return items.back();
}

Value f_join(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"d", "attribute"}, "do_join()");
  std::string sep = b.has(0) ? to_str(b.get(0)) : "";
  Value attribute = b.get_or(1, Value::none());
  std::string out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first) out += sep;
    first = false;
    append_str(out, attribute.is_none() ? item : get_path(r, item, attribute));
    if (out.size() > k_max_sequence_size) throw_unsupported("strings longer than 64 MiB");
  }
  return Value::string(std::move(out));
}

Value f_map(Renderer& r, const Value& v, CallArgs& a) {
  Value value = v;
  auto args = std::make_shared<CallArgs>(a);
  Renderer* rp = &r;
  return generator([rp, value, args]() -> NextFn {
    if (!truthy(value)) return nullptr;
    // prepare_map
    bool by_attribute = args->args.empty() && std::any_of(args->kwargs.begin(), args->kwargs.end(),
                                                          [](const auto& kv) { return kv.first == "attribute"; });
    std::function<Value(const Value&)> func;
    if (by_attribute) {
      Value attribute, fallback;
      for (const auto& [k, x] : args->kwargs) {
        if (k == "attribute") attribute = x;
        else if (k == "default") fallback = x;
        else throw_render_error("FilterArgumentError: Unexpected keyword argument '" + k + "'");
      }
      auto parts = attribute_parts(attribute);
      func = [rp, parts, fallback](const Value& item) { return apply_parts(*rp, item, parts, &fallback, false); };
    } else {
      if (args->args.empty()) throw_render_error("FilterArgumentError: map requires a filter argument");
      Value name = args->args[0];
      CallArgs rest;
      rest.args.assign(args->args.begin() + 1, args->args.end());
      rest.kwargs = args->kwargs;
      func = [rp, name, rest](const Value& item) {
        if (!name.is_string()) throw_render_error("TemplateRuntimeError: No filter named " + to_str(name) + ".");
        CallArgs call = rest;
        return rp->apply_filter(name.as_string(), item, call);
      };
    }
    NextFn src = iter_source(value);
    return [src, func](Value& out) {
      Value item;
      if (!src(item)) return false;
      out = func(item);
      return true;
    };
  });
}

Value f_select(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, false, true); }
Value f_reject(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, false, false); }
Value f_selectattr(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, true, true); }
Value f_rejectattr(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, true, false); }

Value f_unique(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"case_sensitive", "attribute"}, "do_unique()");
  bool fold = !(b.has(0) && truthy(b.get(0)));
  Value attribute = b.get_or(1, Value::none());
  Value value = v;
  Renderer* rp = &r;
  return generator([rp, value, fold, attribute]() -> NextFn {
    auto parts = attribute_parts(attribute);
    NextFn src = iter_source(value);
    auto seen = std::make_shared<std::vector<Value>>();
    return [rp, src, parts, fold, seen](Value& out) {
      Value item;
      while (src(item)) {
        Value key = apply_parts(*rp, item, parts, nullptr, fold);
        require_hashable(key);
        bool dup = false;
        for (const auto& s : *seen)
          if (equal(s, key)) {
            dup = true;
            break;
          }
        if (dup) continue;
        seen->push_back(std::move(key));
        out = std::move(item);
        return true;
      }
      return false;
    };
  });
}

Value f_batch(Renderer&, const Value& v, CallArgs& a) {
  auto [linecount, fill] = count_and_fill(a, "linecount", "do_batch()");
  return generator([value = v, linecount, fill]() -> NextFn {
    NextFn src = iter_source(value);
    auto tmp = std::make_shared<std::vector<Value>>();
    auto finished = std::make_shared<bool>(false);
    return [src, linecount, fill, tmp, finished](Value& out) {
      if (*finished) return false;
      Value item;
      while (src(item)) {
        if (equal(Value::integer(static_cast<std::int64_t>(tmp->size())), linecount)) {
          out = Value::list(std::move(*tmp));
          *tmp = {std::move(item)};
          return true;
        }
        tmp->push_back(std::move(item));
      }
      *finished = true;
      if (tmp->empty()) return false;
      if (!fill.is_none() && compare(Value::integer(static_cast<std::int64_t>(tmp->size())), linecount) < 0) {
        if (!linecount.is_integral()) throw_render_error("TypeError: can't multiply sequence by non-int");
        while (static_cast<std::int64_t>(tmp->size()) < linecount.integral()) tmp->push_back(fill);
      }
      out = Value::list(std::move(*tmp));
      return true;
    };
  });
}

Value f_slice(Renderer&, const Value& v, CallArgs& a) {
  auto [slices, fill] = count_and_fill(a, "slices", "do_slice()");
  return generator([value = v, slices, fill]() -> NextFn {
    auto seq = std::make_shared<std::vector<Value>>(iterate(value));
    defined(slices);
    if (!slices.is_integral()) throw_render_error("TypeError: unsupported operand type(s) for //");
    std::int64_t n = slices.integral();
    if (n == 0) throw_render_error("ZeroDivisionError: integer division or modulo by zero");
    auto length = static_cast<std::int64_t>(seq->size());
    std::int64_t per = n > 0 ? length / n : 0, extra = n > 0 ? length % n : 0;
    auto state = std::make_shared<std::pair<std::int64_t, std::int64_t>>(0, 0);  // slice number, offset
    return [seq, n, per, extra, fill, state](Value& out) {
      auto& [k, offset] = *state;
      if (k >= n) return false;
      std::int64_t start = offset + k * per;
      if (k < extra) ++offset;
      std::int64_t end = offset + (k + 1) * per;
      Value part = slice(Value::list(*seq), start, end, std::nullopt);
      if (!fill.is_none() && k >= extra) part.as_list()->items.push_back(fill);
      ++k;
      out = std::move(part);
      return true;
    };
  });
}

Value f_items(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_items()");
  Value value = v;
  return generator([value]() -> NextFn {
    if (value.is_undefined()) return nullptr;
    if (!value.is_plain_dict()) throw_render_error("TypeError: Can only get item pairs from a mapping.");
    auto items = std::make_shared<std::vector<Value>>();
    for (const auto& [k, x] : value.as_dict()->items) items->push_back(Value::tuple({k, x}));
    auto pos = std::make_shared<std::size_t>(0);
    return [items, pos](Value& out) {
      if (*pos >= items->size()) return false;
      out = (*items)[(*pos)++];
      return true;
    };
  });
}

Value f_reverse(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_reverse()");
  if (v.is_string()) return slice(v, std::nullopt, std::nullopt, -1);
  if (v.is_undefined()) {
    if (!v.as_undefined().lenient) raise_undefined(v);
    return make_iterator("reversed", {});
  }
  if (v.is_list() || v.is_plain_dict()) {
    auto items = iterate(v);
    std::reverse(items.begin(), items.end());
    std::string type = "list_reverseiterator";
    if (v.is_plain_dict()) type = "dict_reversekeyiterator";
    else if (v.is_seq(SeqKind::tuple)) type = "reversed";
    else if (v.is_seq(SeqKind::range)) type = "range_iterator";
    else if (v.is_seq(SeqKind::dict_keys)) type = "dict_reversekeyiterator";
    else if (v.is_seq(SeqKind::dict_values)) type = "dict_reversevalueiterator";
    else if (v.is_seq(SeqKind::dict_items)) type = "dict_reverseitemiterator";
    return make_iterator(type, std::move(items));
  }
  if (v.is_iterator()) {
    auto items = iterate(v);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (v.is_loop()) throw_unsupported("the reverse filter of the loop object");
  throw_render_error("FilterArgumentError: argument must be iterable");
}

Value f_sort(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"reverse", "case_sensitive", "attribute"}, "do_sort()");
  bool reverse = b.has(0) && truthy(b.get(0));
  bool fold = !(b.has(1) && truthy(b.get(1)));
  auto items = iterate(v);
  auto keys = sort_keys_of(r, items, b.get_or(2, Value::none()), fold);
  std::vector<std::size_t> order = python_sort_order(keys, reverse);
  std::vector<Value> out;
  out.reserve(items.size());
  for (std::size_t i : order) out.push_back(items[i]);
  return Value::list(std::move(out));
}

Value f_dictsort(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"case_sensitive", "by", "reverse"}, "do_dictsort()");
  bool fold = !(b.has(0) && truthy(b.get(0)));
  Value by = b.get_or(1, Value::string("key"));
  std::size_t pos;
  if (equal(by, Value::string("key"))) pos = 0;
  else if (equal(by, Value::string("value"))) pos = 1;
  else throw_render_error("FilterArgumentError: You can only sort by either \"key\" or \"value\"");
  bool reverse = b.has(2) && truthy(b.get(2));
  defined(v);
  if (!v.is_plain_dict()) throw_render_error("AttributeError: '" + type_name(v) + "' object has no attribute 'items'");
  std::vector<Value> out;
  for (const auto& [k, val] : v.as_dict()->items) out.push_back(Value::tuple({k, val}));
  std::vector<Value> keys;
  for (const auto& t : out) keys.push_back(fold ? ignore_case(t.as_list()->items[pos]) : t.as_list()->items[pos]);
  std::vector<std::size_t> order = python_sort_order(keys, reverse);
  std::vector<Value> sorted;
  for (std::size_t i : order) sorted.push_back(out[i]);
  return Value::list(std::move(sorted));
}

Value f_groupby(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"attribute", "default", "case_sensitive"}, "do_groupby()");
  if (!b.has(0)) throw_render_error("TypeError: do_groupby() missing 1 required positional argument: 'attribute'");
  Value attribute = b.get(0), fallback = b.get_or(1, Value::none());
  bool fold = !(b.has(2) && truthy(b.get(2)));
  auto items = iterate(v);
  std::vector<Value> keys;
  for (const auto& item : items) keys.push_back(get_path(r, item, attribute, &fallback, fold));
  std::vector<std::size_t> order = python_sort_order(keys, false);
  std::vector<Value> groups;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    std::vector<Value> members;
    while (j < order.size() && (j == i || equal(keys[order[i]], keys[order[j]]))) members.push_back(items[order[j++]]);
    Value grouper = fold ? get_path(r, members.front(), attribute, &fallback, false) : keys[order[i]];
    Value group = Value::tuple({grouper, Value::list(std::move(members))});
    group.as_list()->group_tuple = true;
    groups.push_back(std::move(group));
    i = j;
  }
  return Value::list(std::move(groups));
}

Value f_sum(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"attribute", "start"}, "do_sum()");
  Value acc = b.get_or(1, Value::integer(0));
  if (acc.is_string()) throw_render_error("TypeError: sum() can't sum strings [use ''.join(seq) instead]");
  Value attribute = b.get_or(0, Value::none());
  for (const auto& item : iterate(v)) acc = binary_op(BinOp::add, acc, attribute.is_none() ? item : get_path(r, item, attribute));
  return acc;
}

Value f_max(Renderer& r, const Value& v, CallArgs& a) { return aggregate(r, v, a, true); }
Value f_min(Renderer& r, const Value& v, CallArgs& a) { return aggregate(r, v, a, false); }

Value f_attr(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"name"}, "do_attr()");
  if (!b.has(0)) throw_render_error("TypeError: do_attr() missing 1 required positional argument: 'name'");
  const Value& name = defined(b.get(0));
  if (!name.is_string()) throw_render_error("TypeError: attribute name must be string, not '" + type_name(name) + "'");
  const std::string& n = name.as_string();
  if (v.is_undefined()) raise_undefined(v);
  // Only Python attributes, never dict keys.
  bool exists;
  if (v.is_dict() && v.as_dict()->is_namespace) exists = true;  // getattr reads the namespace's attributes
  else if (v.is_loop()) exists = true;
  else if (v.is_plain_dict()) exists = python_attr_kind(v, n) != AttrKind::none;
  else exists = true;
  if (!exists) return Value::undefined("'dict object' has no attribute '" + n + "'", k_no_offset, r.current_unit());
  return r.get_attr(v, n);
}

}  // namespace kjit::jit::detail
