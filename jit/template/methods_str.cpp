// Python str (and markupsafe Markup) methods for templates, following
// CPython's Objects/unicodeobject.c: code-point indexing, Unicode whitespace
// and case rules, positional-only arguments and Python's errors. Markup
// methods that markupsafe wraps return Markup and escape their string
// arguments. Methods needing data kjit does not carry (encode, translate,
// format, casefold / isalpha / ... of non-ASCII text) are "unsupported: ...".
//
// Thread safety: pure functions over values.
#include <algorithm>

#include "jit/template/call_args.h"
#include "jit/template/methods.h"
#include "jit/template/operators.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

using Cps = std::vector<std::uint32_t>;

// Positional-only arguments (most str methods): no keywords, `min`..`max`.
void positional(const CallArgs& a, std::size_t min, std::size_t max, const std::string& what) {
  if (!a.kwargs.empty()) throw_render_error("TypeError: " + what + " takes no keyword arguments");
  if (a.args.size() < min || a.args.size() > max) {
    std::string n = min == max ? "exactly " + std::to_string(min) : (a.args.size() < min ? "at least " + std::to_string(min) : "at most " + std::to_string(max));
    throw_render_error("TypeError: " + what + " takes " + n + " argument(s) (" + std::to_string(a.args.size()) + " given)");
  }
}

const std::string& str_arg(const Value& v, const std::string& what) {
  if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
  if (!v.is_string()) throw_render_error("TypeError: " + what + " argument must be str, not " + type_name(v));
  return v.as_string();
}

std::int64_t int_arg(const Value& v, const std::string& what) {
  if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
  if (!v.is_integral())
    throw_render_error("TypeError: " + what + ": '" + type_name(v) + "' object cannot be interpreted as an integer");
  return v.integral();
}

// Python's slice-style [start, end) clamp of optional arguments.
void span(const CallArgs& a, std::size_t first, std::int64_t len, std::int64_t& start, std::int64_t& end) {
  start = 0;
  end = len;
  auto get = [&](std::size_t i, std::int64_t& out) {
    if (i >= a.args.size() || a.args[i].is_none()) return;
    std::int64_t x = int_arg(a.args[i], "slice indices");
    if (x < 0) x = std::max<std::int64_t>(x + len, 0);
    out = std::min(x, len);
  };
  get(first, start);
  get(first + 1, end);
}

// Index of `sub` in cps[start, end), searching forward or backward; -1 if absent.
std::int64_t find_cps(const Cps& cps, const Cps& sub, std::int64_t start, std::int64_t end, bool reverse) {
  auto n = static_cast<std::int64_t>(sub.size());
  if (end - start < n) return -1;
  if (!reverse) {
    for (std::int64_t i = start; i + n <= end; ++i)
      if (std::equal(sub.begin(), sub.end(), cps.begin() + i)) return i;
  } else {
    for (std::int64_t i = end - n; i >= start; --i)
      if (std::equal(sub.begin(), sub.end(), cps.begin() + i)) return i;
  }
  return -1;
}

Value result(const Value& self, std::string s) {
  return self.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

// markupsafe escapes string arguments of the methods it wraps.
std::string arg_text(const Value& self, const Value& v, const std::string& what) {
  const std::string& s = str_arg(v, what);
  return self.is_markup() && !v.is_markup() ? html_escape(s) : s;
}

// An argument markupsafe 3 passes through unescaped but markupsafe 2.1
// escaped: only plain text (nothing to escape) gives the same result in both.
const std::string& plain_arg(const Value& self, const Value& v, const std::string& what) {
  const std::string& s = str_arg(v, what);
  if (self.is_markup() && s.find_first_of("&<>'\"") != std::string::npos)
    throw_unsupported(what + " with HTML special characters in its argument (markupsafe versions differ)");
  return s;
}

bool is_line_break(std::uint32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

Value split_impl(const Value& self, const Cps& cps, const Value* sep_v, std::int64_t maxsplit, bool right,
                 const std::string& what) {
  std::vector<Value> parts;
  auto n = static_cast<std::int64_t>(cps.size());
  auto piece = [&](std::int64_t b, std::int64_t e) { return result(self, from_cps(cps, static_cast<std::size_t>(b), static_cast<std::size_t>(e))); };
  if (!sep_v || sep_v->is_none()) {
    // CPython split_whitespace / rsplit_whitespace: once maxsplit is reached
    // the rest is kept as-is (minus the whitespace before it).
    std::int64_t count = maxsplit < 0 ? INT64_MAX : maxsplit;
    auto sp = [&](std::int64_t k) { return py_isspace(cps[static_cast<std::size_t>(k)]); };
    if (!right) {
      std::int64_t i = 0;
      while (count-- > 0) {
        while (i < n && sp(i)) ++i;
        if (i == n) break;
        std::int64_t j = i;
        while (i < n && !sp(i)) ++i;
        parts.push_back(piece(j, i));
      }
      if (i < n) {
        while (i < n && sp(i)) ++i;
        if (i != n) parts.push_back(piece(i, n));
      }
    } else {
      std::int64_t i = n;
      while (count-- > 0) {
        while (i > 0 && sp(i - 1)) --i;
        if (i == 0) break;
        std::int64_t j = i;
        while (i > 0 && !sp(i - 1)) --i;
        parts.push_back(piece(i, j));
      }
      if (i > 0) {
        while (i > 0 && sp(i - 1)) --i;
        if (i != 0) parts.push_back(piece(0, i));
      }
      std::reverse(parts.begin(), parts.end());
    }
    return Value::list(std::move(parts));
  }
  Cps sep = to_cps(str_arg(*sep_v, what));
  if (sep.empty()) throw_render_error("ValueError: empty separator");
  auto m = static_cast<std::int64_t>(sep.size());
  std::int64_t count = 0;
  if (!right) {
    std::int64_t pos = 0;
    while (maxsplit < 0 || count < maxsplit) {
      std::int64_t hit = find_cps(cps, sep, pos, n, false);
      if (hit < 0) break;
      parts.push_back(piece(pos, hit));
      pos = hit + m;
      ++count;
    }
    parts.push_back(piece(pos, n));
  } else {
    std::int64_t end = n;
    while (maxsplit < 0 || count < maxsplit) {
      std::int64_t hit = find_cps(cps, sep, 0, end, true);
      if (hit < 0) break;
      parts.push_back(piece(hit + m, end));
      end = hit;
      ++count;
    }
    parts.push_back(piece(0, end));
    std::reverse(parts.begin(), parts.end());
  }
  return Value::list(std::move(parts));
}

std::string pad(const Cps& cps, std::int64_t width, std::uint32_t fill, int where) {
  auto n = static_cast<std::int64_t>(cps.size());
  if (width <= n) return from_cps(cps);
  if (width > (1 << 24)) throw_unsupported("padding strings beyond 16 Mi characters");
  std::int64_t marg = width - n, left = 0;
  if (where == 0) left = marg / 2 + (marg & width & 1);  // center
  else if (where == 1) left = 0;                          // ljust
  else left = marg;                                       // rjust
  Cps out(static_cast<std::size_t>(left), fill);
  out.insert(out.end(), cps.begin(), cps.end());
  out.resize(static_cast<std::size_t>(width), fill);
  return from_cps(out);
}

bool ascii_pred(const Cps& cps, const std::string& name) {
  if (name == "isascii") return std::all_of(cps.begin(), cps.end(), [](std::uint32_t c) { return c < 0x80; });
  if (cps.empty()) return false;
  for (std::uint32_t c : cps) {
    bool ok;
    if (name == "isalpha") ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    else if (name == "isdecimal" || name == "isdigit" || name == "isnumeric") ok = c >= '0' && c <= '9';
    else ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');  // isalnum
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Value call_str_method(Renderer& r, const Value& self, const std::string& name, CallArgs& a) {
  const std::string& s = self.as_string();
  const std::string what = std::string(self.is_markup() ? "Markup." : "str.") + name + "()";
  Cps cps = to_cps(s);
  const auto n = static_cast<std::int64_t>(cps.size());
  (void)r;
  if (name == "upper" || name == "lower" || name == "capitalize" || name == "title" || name == "swapcase") {
    positional(a, 0, 0, what);
    if (name == "upper") return result(self, py_upper(s));
    if (name == "lower") return result(self, py_lower(s));
    if (name == "capitalize") return result(self, py_capitalize(s));
    if (name == "title") return result(self, py_title(s));
    return result(self, py_swapcase(s));
  }
  if (name == "casefold") {
    positional(a, 0, 0, what);
    if (!is_ascii(s)) throw_unsupported("str.casefold() of non-ASCII text");
    return Value::string(py_lower(s));
  }
  if (name == "islower" || name == "isupper" || name == "istitle" || name == "isspace" || name == "isprintable") {
    positional(a, 0, 0, what);
    if (name == "islower") return Value::boolean(py_islower(s));
    if (name == "isupper") return Value::boolean(py_isupper(s));
    if (name == "istitle") return Value::boolean(py_istitle(s));
    if (name == "isspace") return Value::boolean(!cps.empty() && std::all_of(cps.begin(), cps.end(), py_isspace));
    return Value::boolean(std::all_of(cps.begin(), cps.end(), is_printable_cp));
  }
  if (name == "isalpha" || name == "isalnum" || name == "isdecimal" || name == "isdigit" || name == "isnumeric" ||
      name == "isascii" || name == "isidentifier") {
    positional(a, 0, 0, what);
    if (name != "isascii" && !is_ascii(s)) throw_unsupported("str." + name + "() of non-ASCII text");
    if (name == "isidentifier")
      return Value::boolean(!cps.empty() && !(cps[0] >= '0' && cps[0] <= '9') &&
                            std::all_of(cps.begin(), cps.end(), [](std::uint32_t c) {
                              return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                            }));
    return Value::boolean(ascii_pred(cps, name));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    positional(a, 0, 1, what);
    bool left = name != "rstrip", right = name != "lstrip";
    std::size_t b = 0, e = cps.size();
    if (a.args.empty() || a.args[0].is_none()) {
      if (left)
        while (b < e && py_isspace(cps[b])) ++b;
      if (right)
        while (e > b && py_isspace(cps[e - 1])) --e;
    } else {
      Cps chars = to_cps(plain_arg(self, a.args[0], what));
      auto has = [&](std::uint32_t c) { return std::find(chars.begin(), chars.end(), c) != chars.end(); };
      if (left)
        while (b < e && has(cps[b])) ++b;
      if (right)
        while (e > b && has(cps[e - 1])) --e;
    }
    return result(self, from_cps(cps, b, e));
  }
  if (name == "startswith" || name == "endswith") {
    positional(a, 1, 3, what);
    std::int64_t start, end;
    span(a, 1, n, start, end);
    std::vector<Value> options;
    const Value& p = defined(a.args[0]);
    if (p.is_seq(SeqKind::tuple)) options = p.as_list()->items;
    else if (p.is_string()) options.push_back(p);
    else throw_render_error("TypeError: " + name + " first arg must be str or a tuple of str, not " + type_name(p));
    for (const auto& o : options) {
      if (!o.is_string())
        throw_render_error("TypeError: tuple for " + name + " must only contain str, not " + type_name(o));
      Cps sub = to_cps(o.as_string());
      auto m = static_cast<std::int64_t>(sub.size());
      if (start > n || end - start < m) continue;
      auto at = name == "startswith" ? start : end - m;
      if (std::equal(sub.begin(), sub.end(), cps.begin() + at)) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "count" || name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    positional(a, 1, 3, what);
    Cps sub = to_cps(str_arg(a.args[0], what));
    std::int64_t start, end;
    span(a, 1, n, start, end);
    if (name == "count") {
      if (start > n || end < start) return Value::integer(0);
      if (sub.empty()) return Value::integer(end - start + 1);
      std::int64_t c = 0;
      for (std::int64_t pos = find_cps(cps, sub, start, end, false); pos >= 0;
           pos = find_cps(cps, sub, pos + static_cast<std::int64_t>(sub.size()), end, false))
        ++c;
      return Value::integer(c);
    }
    bool reverse = name == "rfind" || name == "rindex";
    std::int64_t hit = start > n || end < start ? -1 : find_cps(cps, sub, start, end, reverse);
    if (hit < 0 && (name == "index" || name == "rindex")) throw_render_error("ValueError: substring not found");
    return Value::integer(hit);
  }
  if (name == "replace") {
    positional(a, 2, 3, what);
    Cps from = to_cps(plain_arg(self, a.args[0], what)), to = to_cps(arg_text(self, a.args[1], what));
    std::int64_t count = a.args.size() > 2 ? int_arg(a.args[2], what) : -1;
    Cps out;
    std::int64_t done = 0;
    if (from.empty()) {
      for (std::size_t i = 0; i <= cps.size(); ++i) {
        if (count < 0 || done < count) {
          out.insert(out.end(), to.begin(), to.end());
          ++done;
        }
        if (i < cps.size()) out.push_back(cps[i]);
        if (out.size() > k_max_sequence_size) throw_unsupported("strings longer than 64 MiB");
      }
      return result(self, from_cps(out));
    }
    std::int64_t pos = 0;
    while (count < 0 || done < count) {
      std::int64_t hit = find_cps(cps, from, pos, n, false);
      if (hit < 0) break;
      out.insert(out.end(), cps.begin() + pos, cps.begin() + hit);
      out.insert(out.end(), to.begin(), to.end());
      pos = hit + static_cast<std::int64_t>(from.size());
      ++done;
      if (out.size() > k_max_sequence_size) throw_unsupported("strings longer than 64 MiB");
    }
    out.insert(out.end(), cps.begin() + pos, cps.end());
    return result(self, from_cps(out));
  }
  if (name == "split" || name == "rsplit") {
    Bound b(a, {"sep", "maxsplit"}, what);
    std::int64_t maxsplit = b.has(1) ? int_arg(b.get(1), what) : -1;
    return split_impl(self, cps, b.has(0) ? &b.get(0) : nullptr, maxsplit, name == "rsplit", what);
  }
  if (name == "splitlines") {
    Bound b(a, {"keepends"}, what);
    bool keep = b.has(0) && truthy(b.get(0));
    std::vector<Value> lines;
    std::size_t i = 0;
    while (i < cps.size()) {
      std::size_t j = i;
      while (j < cps.size() && !is_line_break(cps[j])) ++j;
      std::size_t eol = j;
      if (j < cps.size()) {
        eol = j + 1;
        if (cps[j] == '\r' && eol < cps.size() && cps[eol] == '\n') ++eol;
      }
      lines.push_back(result(self, from_cps(cps, i, keep ? eol : j)));
      i = eol;
    }
    return Value::list(std::move(lines));
  }
  if (name == "join") {
    positional(a, 1, 1, what);
    std::string out;
    bool first = true;
    std::size_t idx = 0;
    for (const auto& item : iterate(a.args[0])) {
      if (!first) out += s;
      first = false;
      if (self.is_markup()) {
        out += escape_value(item).as_string();
      } else {
        if (!item.is_string())
          throw_render_error("TypeError: sequence item " + std::to_string(idx) + ": expected str instance, " +
                             type_name(item) + " found");
        out += item.as_string();
      }
      ++idx;
      if (out.size() > k_max_sequence_size) throw_unsupported("strings longer than 64 MiB");
    }
    return result(self, std::move(out));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    positional(a, 1, 2, what);
    std::int64_t width = int_arg(a.args[0], what);
    std::uint32_t fill = ' ';
    if (a.args.size() > 1) {
      Cps f = to_cps(arg_text(self, a.args[1], what));
      if (f.size() != 1) throw_render_error("TypeError: The fill character must be exactly one character long");
      fill = f[0];
    }
    return result(self, pad(cps, width, fill, name == "center" ? 0 : (name == "ljust" ? 1 : 2)));
  }
  if (name == "zfill") {
    positional(a, 1, 1, what);
    std::int64_t width = int_arg(a.args[0], what);
    if (width <= n) return result(self, s);
    if (width > (1 << 24)) throw_unsupported("padding strings beyond 16 Mi characters");
    Cps out = cps;
    std::size_t at = (!out.empty() && (out[0] == '+' || out[0] == '-')) ? 1 : 0;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::size_t>(width - n), '0');
    return result(self, from_cps(out));
  }
  if (name == "partition" || name == "rpartition") {
    positional(a, 1, 1, what);
    Cps sep = to_cps(plain_arg(self, a.args[0], what));
    if (sep.empty()) throw_render_error("ValueError: empty separator");
    bool rev = name == "rpartition";
    std::int64_t hit = find_cps(cps, sep, 0, n, rev);
    auto part = [&](std::int64_t b, std::int64_t e) { return result(self, from_cps(cps, static_cast<std::size_t>(b), static_cast<std::size_t>(e))); };
    if (hit < 0) {
      if (rev) return Value::tuple({result(self, ""), result(self, ""), result(self, s)});
      return Value::tuple({result(self, s), result(self, ""), result(self, "")});
    }
    auto m = static_cast<std::int64_t>(sep.size());
    return Value::tuple({part(0, hit), result(self, from_cps(sep)), part(hit + m, n)});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    positional(a, 1, 1, what);
    if (self.is_markup()) throw_unsupported(what + " (markupsafe versions differ)");
    const std::string& x = str_arg(a.args[0], what);
    if (name == "removeprefix" && s.starts_with(x)) return result(self, s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && s.ends_with(x)) return result(self, s.substr(0, s.size() - x.size()));
    return result(self, s);
  }
  if (name == "expandtabs") {
    Bound b(a, {"tabsize"}, what);
    std::int64_t tab = b.has(0) ? int_arg(b.get(0), what) : 8;
    Cps out;
    std::int64_t col = 0;
    for (std::uint32_t c : cps) {
      if (c == '\t') {
        if (tab > 0) {
          std::int64_t spaces = tab - col % tab;
          if (static_cast<std::int64_t>(out.size()) + spaces > (1 << 24)) throw_unsupported("strings beyond 16 Mi characters");
          out.insert(out.end(), static_cast<std::size_t>(spaces), ' ');
          col += spaces;
        }
      } else {
        out.push_back(c);
        ++col;
        if (c == '\n' || c == '\r') col = 0;
      }
    }
    return result(self, from_cps(out));
  }
  if (self.is_markup() && name == "escape") {
    positional(a, 1, 1, what);
    return escape_value(a.args[0]);
  }
  if (self.is_markup() && (name == "striptags" || name == "unescape")) {
    positional(a, 0, 0, what);
    std::string v = s;
    if (name == "striptags") {
      for (std::size_t start; (start = v.find("<!--")) != std::string::npos;) {
        std::size_t end = v.find("-->", start);
        if (end == std::string::npos) break;
        v = v.substr(0, start) + v.substr(end + 3);
      }
      for (std::size_t start; (start = v.find('<')) != std::string::npos;) {
        std::size_t end = v.find('>', start);
        if (end == std::string::npos) break;
        v = v.substr(0, start) + v.substr(end + 1);
      }
      Value joined = split_impl(Value::string(v), to_cps(v), nullptr, -1, false, what);
      std::string out;
      for (const auto& part : joined.as_list()->items) out += (out.empty() ? "" : " ") + part.as_string();
      v = out;
    }
    if (v.find('&') != std::string::npos) throw_unsupported("unescaping HTML entities (html.unescape)");
    return Value::string(v);
  }
  throw_unsupported("str." + name + "()");
}

}  // namespace kjit::jit::detail
