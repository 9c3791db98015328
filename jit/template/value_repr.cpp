// Printing values like Python: str(), repr() (with Python's recursion markers
// for self-containing containers), the shortest round-trip float repr,
// markupsafe escaping and the JSON of Jinja's tojson filter (see value.h).
//
// Thread safety: pure functions over values; the repr recursion stack is
// per thread.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "jit/template/ast.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"
#include "jit/template/value.h"

namespace kjit::jit::detail {

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

void append_hex_escape(std::string& out, std::uint32_t cp) {
  char buf[16];
  if (cp < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
  else if (cp < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
  out += buf;
}

// Python's unicode_repr (ascii() when `ascii_only`).
void append_string_repr(std::string& out, const std::string& s, bool ascii_only) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  out += quote;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t b = i;
    std::uint32_t cp = next_cp(s, i);
    if (cp == k_invalid_cp) {
      append_hex_escape(out, 0xDC00u + static_cast<unsigned char>(s[b]));
      continue;
    }
    switch (cp) {
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (cp == static_cast<std::uint32_t>(quote)) {
      out += '\\';
      out += quote;
    } else if (cp < 0x20 || cp == 0x7f) {
      append_hex_escape(out, cp);
    } else if (cp < 0x7f) {
      out += static_cast<char>(cp);
    } else if (ascii_only || !is_printable_cp(cp)) {
      append_hex_escape(out, cp);
    } else {
      out.append(s, b, i - b);
    }
  }
  out += quote;
}

// Containers being printed (Python's Py_ReprEnter): a container met again
// prints as "[...]", "(...)" or "{...}".
thread_local std::vector<const void*> t_repr_stack;

struct ReprEnter {
  const void* p;
  bool recursive = false;
  explicit ReprEnter(const void* obj) : p(obj) {
    recursive = std::find(t_repr_stack.begin(), t_repr_stack.end(), p) != t_repr_stack.end();
    if (!recursive) t_repr_stack.push_back(p);
  }
  ~ReprEnter() {
    if (!recursive) t_repr_stack.pop_back();
  }
};

void append_repr_impl(std::string& out, const Value& v, bool ascii_only);

void append_items_repr(std::string& out, const std::vector<Value>& items, char open, char close, bool tuple,
                       bool ascii_only) {
  out += open;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    append_repr_impl(out, items[i], ascii_only);
  }
  if (tuple && items.size() == 1) out += ',';
  out += close;
}

void append_dict_repr(std::string& out, const DictObj& d, bool ascii_only) {
  ReprEnter enter(&d);
  if (enter.recursive) {
    out += "{...}";
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& [k, v] : d.items) {
    if (!first) out += ", ";
    first = false;
    append_repr_impl(out, k, ascii_only);
    out += ": ";
    append_repr_impl(out, v, ascii_only);
  }
  out += '}';
}

std::string callable_repr(const CallableObj& c) {
  switch (c.builtin) {
    case Builtin::macro: return c.is_caller ? "<Macro anonymous>" : "<Macro '" + c.name + "'>";
    case Builtin::range: return "<class 'range'>";
    case Builtin::dict: return "<class 'dict'>";
    case Builtin::namespace_: return "<class 'jinja2.utils.Namespace'>";
    case Builtin::cycler: return "<class 'jinja2.utils.Cycler'>";
    case Builtin::joiner: return "<class 'jinja2.utils.Joiner'>";
    case Builtin::loop_cycle:
    case Builtin::loop_changed: {
      const LoopObj& l = *c.loop;
      return std::string("<bound method LoopContext.") + (c.builtin == Builtin::loop_cycle ? "cycle" : "changed") +
             " of <LoopContext " + std::to_string(l.index0 + 1) + "/" + std::to_string(l.items.size()) + ">>";
    }
    default: break;
  }
  throw_unsupported("printing a function or method object (Python prints its memory address)");
}

void append_repr_impl(std::string& out, const Value& v, bool ascii_only) {
  NestingGuard guard;
  switch (v.kind()) {
    case Kind::undefined: out += "Undefined"; return;
    case Kind::string:
      if (v.is_markup()) out += "Markup(";
      append_string_repr(out, v.as_string(), ascii_only);
      if (v.is_markup()) out += ')';
      return;
    case Kind::list: {
      const ListObj& l = *v.as_list();
      if (l.kind == SeqKind::range) {
        out += "range(" + std::to_string(l.range_start) + ", " + std::to_string(l.range_stop);
        if (l.range_step != 1) out += ", " + std::to_string(l.range_step);
        out += ')';
        return;
      }
      ReprEnter enter(&l);
      if (enter.recursive) {
        out += l.kind == SeqKind::tuple ? "(...)" : "[...]";
        return;
      }
      switch (l.kind) {
        case SeqKind::list: append_items_repr(out, l.items, '[', ']', false, ascii_only); return;
        case SeqKind::tuple: append_items_repr(out, l.items, '(', ')', true, ascii_only); return;
        case SeqKind::dict_keys: out += "dict_keys("; break;
        case SeqKind::dict_values: out += "dict_values("; break;
        case SeqKind::dict_items: out += "dict_items("; break;
        default: break;
      }
      append_items_repr(out, seq_items(l), '[', ']', false, ascii_only);
      out += ')';
      return;
    }
    case Kind::dict:
      if (v.as_dict()->is_namespace) out += "<Namespace ";
      append_dict_repr(out, *v.as_dict(), ascii_only);
      if (v.as_dict()->is_namespace) out += '>';
      return;
    case Kind::iterator:
      throw_unsupported("printing a " + v.as_iterator()->type +
                        " (Python prints its memory address); add '|list' or '|join'");
    case Kind::object:
      throw_unsupported("printing a " + type_name(v) + " object (Python prints its memory address)");
    case Kind::callable: out += callable_repr(*v.as_callable()); return;
    default: append_str(out, v); return;
  }
}

}  // namespace

void append_repr(std::string& out, const Value& v) { append_repr_impl(out, v, false); }

std::string to_ascii_repr(const Value& v) {
  std::string out;
  append_repr_impl(out, v, true);
  return out;
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
    case Kind::loop: {
      const auto& l = *v.as_loop();
      out += "<LoopContext " + std::to_string(l.index0 + 1) + "/" + std::to_string(l.items.size()) + ">";
      return;
    }
    default: append_repr(out, v); return;
  }
}

std::string to_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string s;
  append_str(s, v);
  return s;
}

std::string html_escape(std::string_view s) {
  // markupsafe's replacements; text between them is copied in one piece.
  static constexpr std::string_view k_special = "&<>\"'";
  static constexpr std::string_view k_entities[] = {"&amp;", "&lt;", "&gt;", "&#34;", "&#39;"};
  std::string out;
  out.reserve(s.size());
  std::size_t from = 0;
  for (std::size_t at; (at = s.find_first_of(k_special, from)) != std::string_view::npos; from = at + 1) {
    out.append(s.substr(from, at - from));
    out.append(k_entities[k_special.find(s[at])]);
  }
  out.append(s.substr(from));
  return out;
}

Value escape_value(const Value& v) {
  if (v.is_markup()) return v;
  return Value::markup(html_escape(to_str(v)));
}

namespace {

void append_json_string(std::string& out, const std::string& s) {
  out += '"';
  char buf[16];
  for (std::size_t i = 0; i < s.size();) {
    std::size_t b = i;
    std::uint32_t cp = next_cp(s, i);
    if (cp == k_invalid_cp) cp = 0xDC00u + static_cast<unsigned char>(s[b]);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      // Jinja's htmlsafe_json_dumps replaces these after json.dumps.
      case '<': out += "\\u003c"; continue;
      case '>': out += "\\u003e"; continue;
      case '&': out += "\\u0026"; continue;
      case '\'': out += "\\u0027"; continue;
      default: break;
    }
    if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else if (cp >= 0x10000) {
      std::uint32_t c = cp - 0x10000;
      std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
      out += buf;
    } else {
      out += static_cast<char>(cp);
    }
  }
  out += '"';
}

void newline_indent(std::string& out, const std::string& indent, int level) {
  out += '\n';
  for (int i = 0; i < level; ++i) out += indent;
}

void append_json_number(std::string& out, const Value& v) {
  if (v.is_float()) {
    double d = v.as_float();
    if (std::isnan(d)) out += "NaN";
    else if (std::isinf(d)) out += d < 0 ? "-Infinity" : "Infinity";
    else append_float_repr(out, d);
    return;
  }
  if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
    return;
  }
  append_str(out, v);
}

void append_json_impl(std::string& out, const Value& v, const std::string* indent, int level) {
  NestingGuard guard;
  switch (v.kind()) {
    case Kind::none: out += "null"; return;
    case Kind::boolean:
    case Kind::integer:
    case Kind::floating: append_json_number(out, v); return;
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
        if (i) out += indent ? "," : ", ";
        if (indent) newline_indent(out, *indent, level + 1);
        append_json_impl(out, l.items[i], indent, level + 1);
      }
      if (indent) newline_indent(out, *indent, level);
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
      // json.dumps(sort_keys=True) sorts the original keys (all str, or all
      // numbers / bools; None sorts only alone), then converts them.
      std::vector<const std::pair<Value, Value>*> items;
      for (const auto& kv : d.items) {
        const Value& k = kv.first;
        if (!k.is_string() && !k.is_number() && !k.is_none())
          throw_render_error("TypeError: keys must be str, int, float, bool or None, not " + type_name(k));
        items.push_back(&kv);
      }
      std::stable_sort(items.begin(), items.end(),
                       [](const auto* a, const auto* b) { return compare(a->first, b->first) < 0; });
      out += '{';
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += indent ? "," : ", ";
        if (indent) newline_indent(out, *indent, level + 1);
        const Value& k = items[i]->first;
        if (k.is_string()) {
          append_json_string(out, k.as_string());
        } else {
          std::string key;
          if (k.is_none()) key = "null";
          else append_json_number(key, k);
          append_json_string(out, key);
        }
        out += ": ";
        append_json_impl(out, items[i]->second, indent, level + 1);
      }
      if (indent) newline_indent(out, *indent, level);
      out += '}';
      return;
    }
    case Kind::undefined:
      if (!v.as_undefined().lenient) raise_undefined(v);
      break;
    default: break;
  }
  throw_render_error("TypeError: Object of type " + type_name(v) + " is not JSON serializable");
}

}  // namespace

void append_json(std::string& out, const Value& v, int indent, int level) {
  if (indent < 0) {
    append_json_impl(out, v, nullptr, level);
    return;
  }
  std::string ind(static_cast<std::size_t>(indent), ' ');
  append_json_impl(out, v, &ind, level);
}

void append_json_indent(std::string& out, const Value& v, const std::string& indent) {
  append_json_impl(out, v, &indent, 0);
}

}  // namespace kjit::jit::detail
