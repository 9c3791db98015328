// Python methods callable from templates: dict.items/keys/values/get,
// str.upper/lower/strip/lstrip/rstrip/startswith/endswith/replace/split/
// title/capitalize/join/count/find, list.index/count.
//
// Thread safety: pure functions over values.
#include <algorithm>
#include <cctype>

#include "jit/template/call_args.h"
#include "jit/template/renderer.h"

namespace kjit::jit::detail {

namespace {

std::string method_name(const Value& obj, const std::string& name) {
  return "method '" + std::string(type_name(obj)) + "." + name + "'";
}

std::string strip_chars(const std::string& s, const Bound& b, bool left, bool right) {
  std::string chars = " \t\n\r\f\v";
  if (b.has(0) && !b.get(0).is_none()) chars = to_str(b.get(0));
  std::size_t start = 0, end = s.size();
  if (left)
    while (start < end && chars.find(s[start]) != std::string::npos) ++start;
  if (right)
    while (end > start && chars.find(s[end - 1]) != std::string::npos) --end;
  return s.substr(start, end - start);
}

std::optional<Value> string_method(const Value& obj, const std::string& name, CallArgs& args) {
  const std::string& s = obj.as_string();
  std::string what = method_name(obj, name);
  if (name == "upper" || name == "lower") {
    Bound b(args, {}, what);
    return Value::string(name == "upper" ? utf8_upper(s) : utf8_lower(s));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    Bound b(args, {"chars"}, what);
    return Value::string(strip_chars(s, b, name != "rstrip", name != "lstrip"));
  }
  if (name == "startswith" || name == "endswith") {
    Bound b(args, {"prefix"}, what);
    if (!b.has(0)) throw_render_error(what + " takes exactly one argument");
    std::vector<Value> options;
    const Value& p = defined(b.get(0));
    if (p.is_list() && p.as_list()->kind == SeqKind::tuple) options = p.as_list()->items;
    else options.push_back(p);
    for (const auto& o : options) {
      if (!o.is_string()) throw_render_error(what + " arg must be str or a tuple of str, not " + std::string(type_name(o)));
      if (name == "startswith" ? s.starts_with(o.as_string()) : s.ends_with(o.as_string())) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "replace") {
    CallArgs copy = args;
    Bound b(copy, {"old", "new", "count"}, what);
    if (!b.has(0) || !b.has(1)) throw_render_error(what + " needs the old and new strings");
    std::string from = to_str(b.get(0)), to = to_str(b.get(1));
    std::int64_t count = b.has(2) ? defined(b.get(2)).integral() : -1;
    std::string out;
    std::size_t pos = 0;
    std::int64_t n = 0;
    if (from.empty()) return Value::string(s);
    while (count < 0 || n < count) {
      std::size_t hit = s.find(from, pos);
      if (hit == std::string::npos) break;
      out.append(s, pos, hit - pos);
      out += to;
      pos = hit + from.size();
      ++n;
    }
    out.append(s, pos);
    return Value::string(std::move(out));
  }
  if (name == "split") {
    Bound b(args, {"sep", "maxsplit"}, what);
    std::int64_t maxsplit = b.has(1) ? defined(b.get(1)).integral() : -1;
    std::vector<Value> parts;
    if (!b.has(0) || b.get(0).is_none()) {
      std::size_t i = 0;
      std::int64_t n = 0;
      while (true) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size()) break;
        if (maxsplit >= 0 && n >= maxsplit) {
          std::size_t e = s.size();
          while (e > i && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
          parts.push_back(Value::string(s.substr(i, e - i)));
          break;
        }
        std::size_t j = i;
        while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
        parts.push_back(Value::string(s.substr(i, j - i)));
        ++n;
        i = j;
      }
      return Value::list(std::move(parts));
    }
    std::string sep = to_str(b.get(0));
    if (sep.empty()) throw_render_error("empty separator");
    std::size_t pos = 0;
    std::int64_t n = 0;
    while (maxsplit < 0 || n < maxsplit) {
      std::size_t hit = s.find(sep, pos);
      if (hit == std::string::npos) break;
      parts.push_back(Value::string(s.substr(pos, hit - pos)));
      pos = hit + sep.size();
      ++n;
    }
    parts.push_back(Value::string(s.substr(pos)));
    return Value::list(std::move(parts));
  }
  if (name == "join") {
    Bound b(args, {"iterable"}, what);
    if (!b.has(0)) throw_render_error(what + " takes exactly one argument");
    std::string out;
    bool first = true;
    for (const auto& item : iterate(b.get(0))) {
      if (!item.is_string()) throw_render_error("sequence item: expected str instance, " + std::string(type_name(item)) + " found");
      if (!first) out += s;
      first = false;
      out += item.as_string();
    }
    return Value::string(std::move(out));
  }
  if (name == "count" || name == "find") {
    Bound b(args, {"sub"}, what);
    if (!b.has(0) || !defined(b.get(0)).is_string()) throw_render_error(what + " needs a string argument");
    const std::string& sub = b.get(0).as_string();
    if (name == "find") {
      std::size_t hit = s.find(sub);
      return Value::integer(hit == std::string::npos ? -1 : static_cast<std::int64_t>(utf8_length(s.substr(0, hit))));
    }
    if (sub.empty()) return Value::integer(static_cast<std::int64_t>(utf8_length(s)) + 1);
    std::int64_t n = 0;
    for (std::size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
    return Value::integer(n);
  }
  return std::nullopt;
}

std::optional<Value> dict_method(const Value& obj, const std::string& name, CallArgs& args) {
  const DictObj& d = *obj.as_dict();
  std::string what = method_name(obj, name);
  if (name == "items" || name == "keys" || name == "values") {
    Bound b(args, {}, what);
    std::vector<Value> out;
    out.reserve(d.items.size());
    for (const auto& [k, v] : d.items) {
      if (name == "items") out.push_back(Value::list({k, v}, SeqKind::tuple));
      else out.push_back(name == "keys" ? k : v);
    }
    SeqKind kind = name == "items" ? SeqKind::dict_items : (name == "keys" ? SeqKind::dict_keys : SeqKind::dict_values);
    return Value::list(std::move(out), kind);
  }
  if (name == "get") {
    Bound b(args, {"key", "default"}, what);
    if (!b.has(0)) throw_render_error(what + " expected at least 1 argument, got 0");
    if (const Value* v = d.find(defined(b.get(0)))) return *v;
    return b.get_or(1, Value::none());
  }
  return std::nullopt;
}

std::optional<Value> list_method(const Value& obj, const std::string& name, CallArgs& args) {
  const auto& items = obj.as_list()->items;
  std::string what = method_name(obj, name);
  if (name == "index" || name == "count") {
    Bound b(args, {"value"}, what);
    if (!b.has(0)) throw_render_error(what + " takes exactly one argument");
    std::int64_t n = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!equal(items[i], b.get(0))) continue;
      if (name == "index") return Value::integer(static_cast<std::int64_t>(i));
      ++n;
    }
    if (name == "index") {
      std::string r;
      append_repr(r, b.get(0));
      throw_render_error(r + " is not in list");
    }
    return Value::integer(n);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> Renderer::call_method(const Value& obj, const std::string& name, CallArgs& args) {
  switch (obj.kind()) {
    case Kind::string: return string_method(obj, name, args);
    case Kind::dict:
      if (obj.as_dict()->is_namespace) return std::nullopt;
      if (obj.as_dict()->find(std::string_view(name)) && name != "items" && name != "keys" && name != "values" &&
          name != "get")
        return std::nullopt;
      return dict_method(obj, name, args);
    case Kind::list:
      if (obj.as_list()->kind == SeqKind::list || obj.as_list()->kind == SeqKind::tuple)
        return list_method(obj, name, args);
      return std::nullopt;
    default: return std::nullopt;
  }
}

}  // namespace kjit::jit::detail
