// Python semantics of Value: printing (str/repr, float repr), truthiness,
// equality, ordering, iteration, len() and JSON (see value.h).
//
// Thread safety: pure functions over values.
#include "jit/template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "jit/template/template_error.h"

namespace kjit::jit::detail {

Value Value::list(std::vector<Value> items, SeqKind kind) {
  auto l = std::make_shared<ListObj>();
  l->kind = kind;
  l->items = std::move(items);
  return list(std::move(l));
}

const Value* DictObj::find(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k.is_string() && k.as_string() == key) return &v;
  return nullptr;
}

const Value* DictObj::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : items)
    if (!k.is_string() && equal(k, key)) return &v;
  return nullptr;
}

void DictObj::set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (k.is_string() == key.is_string() && equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

Value Value::from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return none();
    case nlohmann::json::value_t::boolean: return boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return integer(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return floating(static_cast<double>(u));
      return integer(static_cast<std::int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return floating(j.get<double>());
    case nlohmann::json::value_t::string: return string(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e));
      return list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      auto d = std::make_shared<DictObj>();
      d->items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d->items.emplace_back(string(it.key()), from_json(it.value()));
      return dict(std::move(d));
    }
    default: return none();
  }
}

void raise_undefined(const Value& v) {
  const auto& u = v.as_undefined();
  throw TemplateError{ErrorCode::render_error, u.message, u.offset, u.unit};
}

std::string_view type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined: return "Undefined";
    case Kind::none: return "NoneType";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::floating: return "float";
    case Kind::string: return "str";
    case Kind::list:
      switch (v.as_list()->kind) {
        case SeqKind::list: return "list";
        case SeqKind::tuple: return "tuple";
        case SeqKind::generator: return "generator";
        case SeqKind::dict_keys: return "dict_keys";
        case SeqKind::dict_values: return "dict_values";
        case SeqKind::dict_items: return "dict_items";
        case SeqKind::range: return "range";
      }
      return "list";
    case Kind::dict: return v.as_dict()->is_namespace ? "Namespace" : "dict";
    case Kind::callable: return v.as_callable()->macro ? "Macro" : "function";
    case Kind::loop: return "LoopContext";
  }
  return "object";
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  return "'" + std::string(type_name(v)) + " object'";
}

void append_float_repr(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "nan";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
    return;
  }
  // Shortest round-trip digits in scientific form, then Python's layout:
  // fixed notation for exponents in [-4, 16), scientific otherwise.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  bool negative = false;
  if (!sci.empty() && sci[0] == '-') {
    negative = true;
    sci.remove_prefix(1);
  }
  std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits += c;
  int exp = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (negative) out += '-';
  const int n = static_cast<int>(digits.size());
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exp - 1), '0');
      out += digits;
    } else if (n <= exp + 1) {
      out += digits;
      out.append(static_cast<std::size_t>(exp + 1 - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(exp + 1));
      out += '.';
      out.append(digits, static_cast<std::size_t>(exp + 1));
    }
    return;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += 'e';
  out += exp < 0 ? '-' : '+';
  int a = exp < 0 ? -exp : exp;
  if (a < 10) out += '0';
  out += std::to_string(a);
}

namespace {

void append_string_repr(std::string& out, const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  out += quote;
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out += '\\';
          out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += quote;
}

void append_items_repr(std::string& out, const std::vector<Value>& items, char open, char close, bool tuple) {
  out += open;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    append_repr(out, items[i]);
  }
  if (tuple && items.size() == 1) out += ',';
  out += close;
}

void append_dict_repr(std::string& out, const DictObj& d) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : d.items) {
    if (!first) out += ", ";
    first = false;
    append_repr(out, k);
    out += ": ";
    append_repr(out, v);
  }
  out += '}';
}

}  // namespace

void append_repr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::undefined: raise_undefined(v);
    case Kind::string: append_string_repr(out, v.as_string()); return;
    case Kind::list: {
      const ListObj& l = *v.as_list();
      switch (l.kind) {
        case SeqKind::list: append_items_repr(out, l.items, '[', ']', false); return;
        case SeqKind::tuple: append_items_repr(out, l.items, '(', ')', true); return;
        case SeqKind::dict_keys: out += "dict_keys("; break;
        case SeqKind::dict_values: out += "dict_values("; break;
        case SeqKind::dict_items: out += "dict_items("; break;
        case SeqKind::range:
          out += "range(" + std::to_string(l.range_start) + ", " + std::to_string(l.range_stop);
          if (l.range_step != 1) out += ", " + std::to_string(l.range_step);
          out += ')';
          return;
        case SeqKind::generator:
          throw_render_error(
              "cannot print a generator (the result of map/select/reject/unique/reverse); "
              "add '|list' or '|join'");
      }
      append_items_repr(out, l.items, '[', ']', false);
      out += ')';
      return;
    }
    case Kind::dict:
      if (v.as_dict()->is_namespace) out += "<Namespace ";
      append_dict_repr(out, *v.as_dict());
      if (v.as_dict()->is_namespace) out += '>';
      return;
    default: append_str(out, v); return;
  }
}

void append_str(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return;
      raise_undefined(v);
    case Kind::none: out += "None"; return;
    case Kind::boolean: out += v.as_bool() ? "True" : "False"; return;
    case Kind::integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case Kind::floating: append_float_repr(out, v.as_float()); return;
    case Kind::string: out += v.as_string(); return;
    case Kind::list:
    case Kind::dict: append_repr(out, v); return;
    case Kind::callable: {
      const auto& c = *v.as_callable();
      if (c.macro) {
        out += "<Macro>";
      } else {
        out += "<built-in function>";
      }
      return;
    }
    case Kind::loop: {
      const auto& l = *v.as_loop();
      out += "<LoopContext " + std::to_string(l.index0 + 1) + "/" + std::to_string(l.length) + ">";
      return;
    }
  }
}

std::string to_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string s;
  append_str(s, v);
  return s;
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
    case Kind::list: {
      const auto& l = *v.as_list();
      return l.kind == SeqKind::generator || !l.items.empty();
    }
    case Kind::dict: return v.as_dict()->is_namespace || !v.as_dict()->items.empty();
    default: return true;
  }
}

namespace {

bool is_sequence_kind(SeqKind k) { return k == SeqKind::list || k == SeqKind::tuple || k == SeqKind::range; }

int compare_numbers(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) {
    auto x = a.integral(), y = b.integral();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = a.number(), y = b.number();
  if (x < y) return -1;
  if (x > y) return 1;
  return 0;  // equal or unordered (nan); callers check nan separately for ==
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  if (a.is_undefined() && a.as_undefined().lenient) return b.is_undefined();
  if (b.is_undefined() && b.as_undefined().lenient) return a.is_undefined();
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() && std::isnan(a.as_float())) return false;
    if (b.is_float() && std::isnan(b.as_float())) return false;
    return compare_numbers(a, b) == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::none: return true;
    case Kind::string: return a.as_string() == b.as_string();
    case Kind::list: {
      const auto& x = *a.as_list();
      const auto& y = *b.as_list();
      if (x.kind != y.kind) {
        return false;
      }
      if (x.kind == SeqKind::generator) return &x == &y;
      if (x.items.size() != y.items.size()) return false;
      for (std::size_t i = 0; i < x.items.size(); ++i)
        if (!equal(x.items[i], y.items[i])) return false;
      return true;
    }
    case Kind::dict: {
      const auto& x = *a.as_dict();
      const auto& y = *b.as_dict();
      if (x.is_namespace || y.is_namespace) return &x == &y;
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* o = y.find(k);
        if (!o || !equal(v, *o)) return false;
      }
      return true;
    }
    case Kind::callable: return a.as_callable() == b.as_callable();
    case Kind::loop: return a.as_loop() == b.as_loop();
    default: return false;
  }
}

namespace {
std::string fold(const std::string& s) {
  std::string r = s;
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}
}  // namespace

int compare(const Value& a, const Value& b, bool fold_case) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) return compare_numbers(a, b);
  if (a.is_string() && b.is_string()) {
    int c = fold_case ? fold(a.as_string()).compare(fold(b.as_string())) : a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list() && a.as_list()->kind == b.as_list()->kind && is_sequence_kind(a.as_list()->kind) &&
      a.as_list()->kind != SeqKind::range) {
    const auto& x = a.as_list()->items;
    const auto& y = b.as_list()->items;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equal(x[i], y[i])) continue;
      return compare(x[i], y[i], fold_case);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  throw_render_error("'<' not supported between instances of '" + std::string(type_name(a)) + "' and '" +
                     std::string(type_name(b)) + "'");
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::vector<std::string> utf8_chars(std::string_view s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i + 1;
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

namespace {

std::uint32_t map_case(std::uint32_t cp, bool up) {
  if (cp < 0x80) {
    if (up && cp >= 'a' && cp <= 'z') return cp - 32;
    if (!up && cp >= 'A' && cp <= 'Z') return cp + 32;
    return cp;
  }
  if (up) {
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) return cp - 0x20;
    if (cp == 0xFF) return 0x178;
    if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && cp != 0x138 && cp != 0x149 && cp != 0x17F) {
      bool odd_lower = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
      if (odd_lower ? (cp % 2 == 0) : (cp % 2 == 1)) return cp - 1;
      return cp;
    }
    if (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) return cp - 0x20;
    if (cp == 0x3C2) return 0x3A3;
    if (cp >= 0x430 && cp <= 0x44F) return cp - 0x20;
    if (cp >= 0x450 && cp <= 0x45F) return cp - 0x50;
    return cp;
  }
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && cp != 0x138 && cp != 0x149 && cp != 0x17F) {
    bool odd_lower = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
    if (odd_lower ? (cp % 2 == 1) : (cp % 2 == 0)) return cp + 1;
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  return cp;
}


// Calls `fn(cp, bytes)` per code point; invalid bytes pass through as-is
// (cp = 0xFFFFFFFF).
template <class Fn>
void each_cp(std::string_view s, Fn&& fn) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      fn(0xFFFFFFFFu, s.substr(i, 1));
      ++i;
      continue;
    }
    std::uint32_t cp = len == 1 ? c : (c & (0xFF >> (len + 1)));
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    fn(cp, s.substr(i, len));
    i += len;
  }
}

void put_case(std::string& out, std::uint32_t cp, std::string_view bytes, bool up) {
  if (cp == 0xFFFFFFFFu) {
    out += bytes;
  } else if (up && cp == 0xDF) {
    out += "SS";
  } else {
    put_utf8(out, map_case(cp, up));
  }
}


}  // namespace

std::string utf8_upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  each_cp(s, [&](std::uint32_t cp, std::string_view b) { put_case(out, cp, b, true); });
  return out;
}

std::string utf8_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  each_cp(s, [&](std::uint32_t cp, std::string_view b) { put_case(out, cp, b, false); });
  return out;
}

std::string utf8_capitalize(std::string_view s) {
  std::string out;
  bool first = true;
  each_cp(s, [&](std::uint32_t cp, std::string_view b) {
    put_case(out, cp, b, first);
    first = false;
  });
  return out;
}

std::string utf8_title(std::string_view s) {
  // Jinja: words start after runs of whitespace, '-', '(', '{', '[', '<'.
  std::string out;
  bool word_start = true;
  each_cp(s, [&](std::uint32_t cp, std::string_view b) {
    bool sep = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == '-' ||
               cp == '(' || cp == '{' || cp == '[' || cp == '<';
    if (sep) {
      out += b;
      word_start = true;
      return;
    }
    put_case(out, cp, b, word_start);
    word_start = false;
  });
  return out;
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return {};
      raise_undefined(v);
    case Kind::list: return v.as_list()->items;
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
    default: break;
  }
  throw_render_error("'" + std::string(type_name(v)) + "' object is not iterable");
}

std::int64_t length(const Value& v) {
  switch (v.kind()) {
    case Kind::undefined:
      if (v.as_undefined().lenient) return 0;
      raise_undefined(v);
    case Kind::string: return static_cast<std::int64_t>(utf8_length(v.as_string()));
    case Kind::list:
      if (v.as_list()->kind == SeqKind::generator) break;
      return static_cast<std::int64_t>(v.as_list()->items.size());
    case Kind::dict:
      if (v.as_dict()->is_namespace) break;
      return static_cast<std::int64_t>(v.as_dict()->items.size());
    default: break;
  }
  throw_render_error("object of type '" + std::string(type_name(v)) + "' has no len()");
}

namespace {

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char buf[16];
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '<': out += "\\u003c"; continue;
      case '>': out += "\\u003e"; continue;
      case '&': out += "\\u0026"; continue;
      case '\'': out += "\\u0027"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    // Decode one UTF-8 sequence; json.dumps(ensure_ascii=True) escapes it.
    std::uint32_t cp = 0;
    int extra = 0;
    if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; extra = 1; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; extra = 2; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; extra = 3; }
    else { cp = 0xFFFD; }
    for (int k = 0; k < extra && i + 1 < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else {
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
    }
    out += buf;
  }
  out += '"';
}

void newline_indent(std::string& out, int indent, int level) {
  out += '\n';
  out.append(static_cast<std::size_t>(indent * level), ' ');
}

}  // namespace

void append_json(std::string& out, const Value& v, int indent, int level) {
  switch (v.kind()) {
    case Kind::undefined: raise_undefined(v);
    case Kind::none: out += "null"; return;
    case Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Kind::integer: append_str(out, v); return;
    case Kind::floating: {
      double d = v.as_float();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d < 0 ? "-Infinity" : "Infinity";
      else append_float_repr(out, d);
      return;
    }
    case Kind::string: append_json_string(out, v.as_string()); return;
    case Kind::list: {
      const auto& l = *v.as_list();
      if (l.kind != SeqKind::list && l.kind != SeqKind::tuple) break;
      if (l.items.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (std::size_t i = 0; i < l.items.size(); ++i) {
        if (i) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline_indent(out, indent, level + 1);
        append_json(out, l.items[i], indent, level + 1);
      }
      if (indent >= 0) newline_indent(out, indent, level);
      out += ']';
      return;
    }
    case Kind::dict: {
      const auto& d = *v.as_dict();
      if (d.is_namespace) break;
      if (d.items.empty()) {
        out += "{}";
        return;
      }
      std::vector<std::pair<std::string, const Value*>> items;
      for (const auto& [k, val] : d.items) {
        std::string key;
        if (k.is_string()) key = k.as_string();
        else if (k.is_none()) key = "null";
        else if (k.is_bool()) key = k.as_bool() ? "true" : "false";
        else if (k.is_number()) key = to_str(k);
        else throw_render_error("keys must be str, int, float, bool or None, not " + std::string(type_name(k)));
        if (!k.is_string()) throw_render_error("tojson: cannot sort dict keys of mixed types (Python raises TypeError)");
        items.emplace_back(std::move(key), &val);
      }
      std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline_indent(out, indent, level + 1);
        append_json_string(out, items[i].first);
        out += ": ";
        append_json(out, *items[i].second, indent, level + 1);
      }
      if (indent >= 0) newline_indent(out, indent, level);
      out += '}';
      return;
    }
    default: break;
  }
  throw_render_error("Object of type " + std::string(type_name(v)) + " is not JSON serializable");
}

void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace kjit::jit::detail
