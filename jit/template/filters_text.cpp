// String filters (jinja2/filters.py): case, center/indent/trim/truncate,
// replace, escape/safe/forceescape (markupsafe Markup), format (Python's %),
// striptags, wordcount, urlencode, tojson, pprint, xmlattr.
//
// Thread safety: pure functions.
#include <algorithm>

#include "jit/template/call_args.h"
#include "jit/template/filters.h"
#include "jit/template/methods.h"
#include "jit/template/operators.h"
#include "jit/template/percent_format.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

Value soft_str(const Value& v) {
  if (v.is_string()) return v;
  return Value::string(to_str(v));
}

namespace {

Value keep_markup(const Value& src, std::string s) {
  return src.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

Value str_method(Renderer& r, const Value& self, const char* name, std::vector<Value> args) {
  CallArgs a;
  a.args = std::move(args);
  return call_str_method(r, self, name, a);
}

std::int64_t int_param(const Value& v, const char* what) {
  defined(v);
  if (!v.is_integral())
    throw_render_error(std::string("TypeError: ") + what + ": '" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.integral();
}

// str.join with Python's / markupsafe's rules.
Value join_values(const Value& sep, const std::vector<Value>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep.as_string();
    if (sep.is_markup()) {
      out += escape_value(items[i]).as_string();
    } else {
      if (!items[i].is_string())
        throw_render_error("TypeError: sequence item " + std::to_string(i) + ": expected str instance, " +
                           type_name(items[i]) + " found");
      out += items[i].as_string();
    }
  }
  return keep_markup(sep, std::move(out));
}

// Python's pprint.pformat for values whose repr fits on one line: repr with
// dict keys sorted.
void append_sorted_repr(std::string& out, const Value& v) {
  NestingGuard guard;
  if (v.is_plain_dict()) {
    std::vector<const std::pair<Value, Value>*> items;
    for (const auto& kv : v.as_dict()->items) items.push_back(&kv);
    try {
      std::stable_sort(items.begin(), items.end(),
                       [](const auto* x, const auto* y) { return compare(x->first, y->first) < 0; });
    } catch (const TemplateError&) {
      throw_unsupported("pprint of a dict with keys of mixed types");
    }
    out += '{';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      append_sorted_repr(out, items[i]->first);
      out += ": ";
      append_sorted_repr(out, items[i]->second);
    }
    out += '}';
    return;
  }
  if (v.is_seq(SeqKind::list) || v.is_seq(SeqKind::tuple)) {
    const auto& items = v.as_list()->items;
    bool tuple = v.is_seq(SeqKind::tuple);
    out += tuple ? '(' : '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      append_sorted_repr(out, items[i]);
    }
    if (tuple && items.size() == 1) out += ',';
    out += tuple ? ')' : ']';
    return;
  }
  append_repr(out, v);
}

std::string url_quote(const Value& v, bool for_qs) {
  std::string s = to_str(v);
  std::string out;
  static const char* k_hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                c == '-' || c == '~' || (!for_qs && c == '/');
    if (safe) {
      out += static_cast<char>(c);
    } else if (for_qs && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

// capitalize / lower / upper: the str method on soft_str(v), Markup kept
// Markup; no arguments.
Value case_filter(const Value& v, CallArgs& a, const char* what, std::string (*method)(std::string_view)) {
  Bound b(a, {}, what);
  Value s = soft_str(v);
  return keep_markup(s, method(s.as_string()));
}

}  // namespace

Value f_capitalize(Renderer&, const Value& v, CallArgs& a) { return case_filter(v, a, "do_capitalize()", py_capitalize); }

Value f_lower(Renderer&, const Value& v, CallArgs& a) { return case_filter(v, a, "do_lower()", py_lower); }

Value f_upper(Renderer&, const Value& v, CallArgs& a) { return case_filter(v, a, "do_upper()", py_upper); }

Value f_title(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_title()");
  return Value::string(jinja_title(soft_str(v).as_string()));
}

Value f_center(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"width"}, "do_center()");
  Value width = b.get_or(0, Value::integer(80));
  return str_method(r, soft_str(v), "center", {width});
}

Value f_trim(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"chars"}, "do_trim()");
  Value chars = b.get_or(0, Value::none());
  if (!chars.is_none() && !chars.is_string()) {
    defined(chars);
    throw_render_error("TypeError: strip arg must be None or str");
  }
  return str_method(r, soft_str(v), "strip", {chars});
}

Value f_replace(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"old", "new", "count"}, "do_replace()");
  if (!b.has(0) || !b.has(1)) throw_render_error("TypeError: do_replace() missing required arguments 'old' and 'new'");
  Value count = b.get_or(2, Value::none());
  if (count.is_none()) count = Value::integer(-1);
  Value s = Value::string(to_str(v));
  return str_method(r, s, "replace", {Value::string(to_str(b.get(0))), Value::string(to_str(b.get(1))), count});
}

Value f_escape(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "escape()");
  return escape_value(v);
}

Value f_forceescape(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_forceescape()");
  return Value::markup(html_escape(to_str(v)));
}

Value f_safe(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_mark_safe()");
  if (v.is_markup()) return v;
  return Value::markup(to_str(v));
}

Value f_string(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "soft_str()");
  return soft_str(v);
}

Value f_striptags(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_striptags()");
  return str_method(r, Value::markup(to_str(v)), "striptags", {});
}

Value f_format(Renderer&, const Value& v, CallArgs& a) {
  if (!a.args.empty() && !a.kwargs.empty())
    throw_render_error("FilterArgumentError: can't handle positional and keyword arguments at the same time");
  Value fmt = soft_str(v);
  Value args;
  if (!a.kwargs.empty()) {
    auto d = std::make_shared<DictObj>();
    for (auto& [k, x] : a.kwargs) d->set(Value::string(k), x);
    args = Value::dict(std::move(d));
  } else {
    args = Value::tuple(a.args);
  }
  return keep_markup(fmt, percent_format(fmt.as_string(), args, fmt.is_markup()));
}

Value f_indent(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"width", "first", "blank"}, "do_indent()");
  Value width = b.get_or(0, Value::integer(4));
  bool first = b.has(1) && truthy(b.get(1));
  bool blank = b.has(2) && truthy(b.get(2));
  defined(v);
  Value indention;
  if (width.is_string()) {
    indention = width;
  } else {
    std::int64_t w = int_param(width, "can't multiply sequence by non-int");
    if (w > (1 << 20)) throw_unsupported("indent widths above 1 Mi");
    indention = Value::string(std::string(static_cast<std::size_t>(std::max<std::int64_t>(w, 0)), ' '));
  }
  Value newline = Value::string("\n");
  if (v.is_markup()) {
    indention = Value::markup(indention.as_string());
    newline = Value::markup("\n");
  }
  if (!v.is_string()) throw_render_error("TypeError: unsupported operand type(s) for +=: '" + type_name(v) + "' and 'str'");
  Value s = binary_op(BinOp::add, v, newline);
  std::vector<Value> lines;
  {
    // s.splitlines() (Markup keeps Markup parts)
    auto cps = to_cps(s.as_string());
    std::size_t i = 0;
    auto brk = [](std::uint32_t c) {
      return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
             c == 0x2028 || c == 0x2029;
    };
    while (i < cps.size()) {
      std::size_t j = i;
      while (j < cps.size() && !brk(cps[j])) ++j;
      lines.push_back(keep_markup(s, from_cps(cps, i, j)));
      std::size_t eol = j + 1;
      if (j < cps.size() && cps[j] == '\r' && eol < cps.size() && cps[eol] == '\n') ++eol;
      i = eol;
    }
  }
  Value rv;
  if (blank) {
    rv = join_values(binary_op(BinOp::add, newline, indention), lines);
  } else {
    rv = lines.front();
    if (lines.size() > 1) {
      std::vector<Value> rest;
      for (std::size_t i = 1; i < lines.size(); ++i)
        rest.push_back(lines[i].as_string().empty() ? lines[i] : binary_op(BinOp::add, indention, lines[i]));
      rv = binary_op(BinOp::add, rv, binary_op(BinOp::add, newline, join_values(newline, rest)));
    }
  }
  if (first) rv = binary_op(BinOp::add, indention, rv);
  return rv;
}

Value f_truncate(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"length", "killwords", "end", "leeway"}, "do_truncate()");
  std::int64_t limit = b.has(0) ? int_param(b.get(0), "truncate length") : 255;
  bool killwords = b.has(1) && truthy(b.get(1));
  Value end = b.get_or(2, Value::string("..."));
  std::int64_t leeway = b.has(3) && !b.get(3).is_none() ? int_param(b.get(3), "truncate leeway") : 5;
  if (!end.is_string()) throw_unsupported("truncate with a non-string end");
  auto end_len = static_cast<std::int64_t>(utf8_length(end.as_string()));
  if (limit < end_len)
    throw_render_error("AssertionError: expected length >= " + std::to_string(end_len) + ", got " + std::to_string(limit));
  if (leeway < 0) throw_render_error("AssertionError: expected leeway >= 0, got " + std::to_string(leeway));
  if (length(v) <= limit + leeway) return v;
  if (!v.is_string()) throw_unsupported("truncate of a long non-string value");
  Value head = slice(v, std::nullopt, limit - end_len, std::nullopt);
  if (killwords) return binary_op(BinOp::add, head, end);
  Value parts = str_method(r, head, "rsplit", {Value::string(" "), Value::integer(1)});
  return binary_op(BinOp::add, parts.as_list()->items[0], end);
}

Value f_wordcount(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_wordcount()");
  std::string s = soft_str(v).as_string();
  std::int64_t n = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = next_cp(s, i);
    bool w = cp == '_' || is_alnum_cp(cp);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

Value f_urlencode(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_urlencode()");
  defined(v);
  bool iterable = v.is_list() || v.is_dict() || v.is_iterator() || v.is_string();
  if (v.is_string() || !iterable || (v.is_dict() && v.as_dict()->is_namespace)) return Value::string(url_quote(v, false));
  std::vector<Value> items;
  if (v.is_plain_dict()) {
    for (const auto& [k, x] : v.as_dict()->items) items.push_back(Value::tuple({k, x}));
  } else {
    items = iterate(v);
  }
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto kv = iterate(items[i]);
    if (kv.size() != 2)
      throw_render_error("ValueError: too many values to unpack (expected 2)");
    if (i) out += '&';
    out += url_quote(kv[0], true) + "=" + url_quote(kv[1], true);
  }
  return Value::string(out);
}

Value f_tojson(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"indent"}, "do_tojson()");
  std::string out;
  Value indent = b.get_or(0, Value::none());
  if (indent.is_none()) {
    append_json(out, v, -1, 0);
  } else if (indent.is_integral()) {
    std::int64_t n = indent.integral();
    if (n > 1024) throw_unsupported("tojson indent above 1024");
    append_json(out, v, static_cast<int>(std::max<std::int64_t>(n, 0)), 0);
  } else if (indent.is_string()) {
    append_json_indent(out, v, indent.as_string());
  } else {
    defined(indent);
    throw_render_error("TypeError: can't multiply sequence by non-int of type '" + type_name(indent) + "'");
  }
  return Value::markup(std::move(out));
}

Value f_pprint(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "do_pprint()");
  std::string out;
  append_sorted_repr(out, v);
  if (utf8_length(out) > 80) throw_unsupported("pprint of values whose repr is longer than 80 characters (line wrapping)");
  return Value::string(std::move(out));
}

Value f_xmlattr(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"autospace"}, "do_xmlattr()");
  bool autospace = !b.has(0) || truthy(b.get(0));
  defined(v);
  if (!v.is_plain_dict()) throw_render_error("AttributeError: '" + type_name(v) + "' object has no attribute 'items'");
  std::string rv;
  for (const auto& [k, x] : v.as_dict()->items) {
    if (x.is_none() || x.is_undefined()) continue;
    if (!k.is_string()) throw_render_error("TypeError: expected string or bytes-like object");
    for (char c : k.as_string())
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '/' || c == '>' || c == '=')
        throw_unsupported("xmlattr keys with spaces, '/', '>' or '=' (Jinja2 versions differ)");
    if (!rv.empty()) rv += ' ';
    rv += escape_value(k).as_string() + "=\"" + escape_value(x).as_string() + "\"";
  }
  if (autospace && !rv.empty()) rv = " " + rv;
  return Value::string(std::move(rv));
}

}  // namespace kjit::jit::detail
