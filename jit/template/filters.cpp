// Built-in filters (see filters.h), each following jinja2/filters.py 3.1.
//
// Thread safety: the table is a constant; filters are pure functions.
#include "jit/template/filters.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "jit/template/call_args.h"
#include "jit/template/operators.h"

namespace kjit::jit::detail {

namespace {


// Jinja's make_attrgetter: "a.b.0" -> getitem chain (integers for digit parts).
Value get_path(Renderer& r, const Value& item, const Value& attribute) {
  if (attribute.is_integral()) return r.get_item(item, attribute);
  std::string path = to_str(attribute);
  Value cur = item;
  std::size_t b = 0;
  while (true) {
    std::size_t e = path.find('.', b);
    std::string part = path.substr(b, e == std::string::npos ? std::string::npos : e - b);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    cur = digits ? r.get_item(cur, Value::integer(std::strtoll(part.c_str(), nullptr, 10))) : r.get_item(cur, Value::string(part));
    if (e == std::string::npos) return cur;
    b = e + 1;
  }
}

Value generator(std::vector<Value> items) { return Value::list(std::move(items), SeqKind::generator); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Value f_abs(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'abs'");
  defined(v);
  if (v.is_integral()) {
    if (v.integral() == INT64_MIN) throw_render_error("integer overflow in abs");
    return Value::integer(std::llabs(v.integral()));
  }
  if (v.is_float()) return Value::floating(std::fabs(v.as_float()));
  throw_render_error("bad operand type for abs(): '" + std::string(type_name(v)) + "'");
}

Value f_capitalize(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'capitalize'");
  return Value::string(utf8_capitalize(to_str(v)));
}

Value f_title(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'title'");
  return Value::string(utf8_title(to_str(v)));
}

Value f_default(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"default_value", "boolean"}, "filter 'default'");
  bool boolean = b.has(1) && truthy(b.get(1));
  if (v.is_undefined() || (boolean && !truthy(v))) return b.get_or(0, Value::string(""));
  return v;
}

Value f_first(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'first'");
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.", k_no_offset, nullptr);
  (void)r;
  return items.front();
}

Value f_last(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'last'");
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.", k_no_offset, nullptr);
  return items.back();
}

std::string strip(std::string_view s, std::string_view chars = " \t\n\r\f\v") {
  std::size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return "";
  std::size_t e = s.find_last_not_of(chars);
  return std::string(s.substr(b, e - b + 1));
}

std::optional<double> parse_float(const std::string& text) {
  std::string s = strip(text);
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  if (t.empty()) return std::nullopt;
  std::string l = lower(t);
  std::string_view body = l;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  if (body.find_first_not_of("0123456789.e+-") != std::string_view::npos) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return d;
}

Value f_float(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"default"}, "filter 'float'");
  Value fallback = b.get_or(0, Value::floating(0.0));
  defined(v);
  if (v.is_number()) return Value::floating(v.number());
  if (v.is_string())
    if (auto d = parse_float(v.as_string())) return Value::floating(*d);
  return fallback;
}

std::optional<std::int64_t> parse_int(const std::string& text, int base) {
  std::string s = strip(text);
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  if (t.empty()) return std::nullopt;
  std::size_t i = 0;
  bool neg = false;
  if (t[0] == '+' || t[0] == '-') {
    neg = t[0] == '-';
    i = 1;
  }
  if (base == 16 && t.size() > i + 1 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) i += 2;
  if (base == 8 && t.size() > i + 1 && t[i] == '0' && (t[i + 1] == 'o' || t[i + 1] == 'O')) i += 2;
  if (base == 2 && t.size() > i + 1 && t[i] == '0' && (t[i + 1] == 'b' || t[i + 1] == 'B')) i += 2;
  if (i >= t.size()) return std::nullopt;
  std::uint64_t acc = 0;
  for (; i < t.size(); ++i) {
    int d;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(t[i])));
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    if (acc > (static_cast<std::uint64_t>(INT64_MAX) + 1 - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(base))
      throw_render_error("integer " + text + " does not fit in 64 bits");
    acc = acc * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  if (!neg && acc > static_cast<std::uint64_t>(INT64_MAX)) throw_render_error("integer " + text + " does not fit in 64 bits");
  return neg ? static_cast<std::int64_t>(0 - acc) : static_cast<std::int64_t>(acc);
}

std::int64_t float_to_int(double d) {
  if (std::isnan(d)) throw_render_error("cannot convert float NaN to integer");
  if (std::isinf(d)) throw_render_error("cannot convert float infinity to integer");
  double t = std::trunc(d);
  if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) throw_render_error("float too large for a 64-bit integer");
  return static_cast<std::int64_t>(t);
}

Value f_int(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"default", "base"}, "filter 'int'");
  Value fallback = b.get_or(0, Value::integer(0));
  int base = 10;
  if (b.has(1)) {
    const Value& bv = defined(b.get(1));
    if (!bv.is_integral() || bv.integral() < 2 || bv.integral() > 36) throw_render_error("int() base must be >= 2 and <= 36");
    base = static_cast<int>(bv.integral());
  }
  defined(v);
  if (v.is_integral()) return Value::integer(v.integral());
  if (v.is_float()) return Value::integer(float_to_int(v.as_float()));
  if (v.is_string()) {
    if (auto i = parse_int(v.as_string(), base)) return Value::integer(*i);
    if (auto d = parse_float(v.as_string())) return Value::integer(float_to_int(*d));
  }
  return fallback;
}

Value f_join(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"d", "attribute"}, "filter 'join'");
  std::string sep = b.has(0) ? to_str(b.get(0)) : "";
  std::string out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first) out += sep;
    first = false;
    append_str(out, b.has(1) && !b.get(1).is_none() ? get_path(r, item, b.get(1)) : item);
    if (out.size() > k_max_sequence_size) throw_render_error("join result is too large");
  }
  return Value::string(std::move(out));
}

Value f_length(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'length'");
  return Value::integer(length(v));
}

Value f_list(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'list'");
  return Value::list(iterate(v));
}

Value f_lower(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'lower'");
  return Value::string(utf8_lower(to_str(v)));
}

Value f_upper(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'upper'");
  return Value::string(utf8_upper(to_str(v)));
}

Value f_map(Renderer& r, const Value& v, CallArgs& a) {
  auto items = iterate(v);
  std::vector<Value> out;
  out.reserve(items.size());
  bool by_attribute = false;
  Value attribute, fallback;
  bool has_default = false;
  for (auto& [k, val] : a.kwargs) {
    if (k == "attribute") {
      by_attribute = true;
      attribute = val;
    } else if (k == "default") {
      has_default = true;
      fallback = val;
    }
  }
  if (by_attribute) {
    for (const auto& item : items) {
      Value x = get_path(r, item, attribute);
      out.push_back(x.is_undefined() && has_default ? fallback : x);
    }
    return generator(std::move(out));
  }
  if (a.args.empty()) throw_render_error("map requires a filter name or attribute=");
  std::string name = to_str(a.args[0]);
  for (const auto& item : items) {
    CallArgs rest;
    rest.args.assign(a.args.begin() + 1, a.args.end());
    rest.kwargs = a.kwargs;
    out.push_back(r.apply_filter(name, item, rest));
  }
  return generator(std::move(out));
}

Value aggregate(Renderer& r, const Value& v, CallArgs& a, bool want_max) {
  Bound b(a, {"case_sensitive", "attribute"}, want_max ? "filter 'max'" : "filter 'min'");
  bool fold = !(b.has(0) && truthy(b.get(0)));
  auto items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.", k_no_offset, nullptr);
  auto key = [&](const Value& x) { return b.has(1) && !b.get(1).is_none() ? get_path(r, x, b.get(1)) : x; };
  std::size_t best = 0;
  Value best_key = key(items[0]);
  for (std::size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    int c = compare(k, best_key, fold);
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = k;
    }
  }
  return items[best];
}

Value f_max(Renderer& r, const Value& v, CallArgs& a) { return aggregate(r, v, a, true); }
Value f_min(Renderer& r, const Value& v, CallArgs& a) { return aggregate(r, v, a, false); }

Value f_replace(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"old", "new", "count"}, "filter 'replace'");
  if (!b.has(0) || !b.has(1)) throw_render_error("filter 'replace' needs the old and new strings");
  std::string s = to_str(v), from = to_str(b.get(0)), to = to_str(b.get(1));
  std::int64_t count = -1;
  if (b.has(2) && !b.get(2).is_none()) {
    if (!defined(b.get(2)).is_integral()) throw_render_error("replace count must be an integer");
    count = b.get(2).integral();
  }
  std::string out;
  if (from.empty()) {
    // Python inserts `to` between characters (and at both ends).
    auto chars = utf8_chars(s);
    std::int64_t n = 0;
    for (std::size_t i = 0; i <= chars.size(); ++i) {
      if (count < 0 || n < count) {
        out += to;
        ++n;
      }
      if (i < chars.size()) out += chars[i];
      if (out.size() > k_max_sequence_size) throw_render_error("replace result is too large");
    }
    return Value::string(std::move(out));
  }
  std::size_t pos = 0;
  std::int64_t n = 0;
  while (count < 0 || n < count) {
    std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++n;
    if (out.size() > k_max_sequence_size) throw_render_error("replace result is too large");
  }
  out.append(s, pos);
  return Value::string(std::move(out));
}

Value f_reverse(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'reverse'");
  if (defined(v).is_string()) {
    auto chars = utf8_chars(v.as_string());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return Value::string(std::move(out));
  }
  auto items = iterate(v);
  std::reverse(items.begin(), items.end());
  // Python's reversed() is an iterator; lists are printed only after |list.
  if (v.is_list() && v.as_list()->kind != SeqKind::generator) return generator(std::move(items));
  return Value::list(std::move(items));
}

double round_half_even(double x, int digits) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return std::strtod(buf, nullptr);
}

Value f_round(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"precision", "method"}, "filter 'round'");
  std::int64_t precision = 0;
  if (b.has(0)) {
    if (!defined(b.get(0)).is_integral()) throw_render_error("round precision must be an integer");
    precision = b.get(0).integral();
  }
  std::string method = b.has(1) ? to_str(b.get(1)) : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    throw_render_error("method must be common, ceil or floor");
  defined(v);
  if (!v.is_number()) throw_render_error("type " + std::string(type_name(v)) + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return Value::integer(v.integral());
      if (precision < -18) return Value::integer(0);
      std::int64_t p = 1;
      for (std::int64_t i = 0; i < -precision; ++i) p *= 10;
      std::int64_t x = v.integral(), q = x / p, rem = x % p;
      if (rem < 0) {
        rem += p;
        q -= 1;
      }
      if (rem * 2 > p || (rem * 2 == p && (q & 1))) q += 1;
      return Value::integer(q * p);
    }
    double x = v.as_float();
    if (!std::isfinite(x)) return Value::floating(x);
    if (precision > 300) return Value::floating(x);
    if (precision >= 0) return Value::floating(round_half_even(x, static_cast<int>(precision)));
    if (precision < -308) return Value::floating(0.0 * x);
    double p = std::pow(10.0, static_cast<double>(-precision));
    double y = x / p;
    double z = std::nearbyint(y);  // round-half-even in the default rounding mode
    return Value::floating(z * p);
  }
  if (precision > 300 || precision < -300) throw_render_error("round precision is out of range");
  double p = std::pow(10.0, static_cast<double>(precision));
  double x = v.number() * p;
  double r = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value::floating(r / p);
}

Value f_sort(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"reverse", "case_sensitive", "attribute"}, "filter 'sort'");
  bool reverse = b.has(0) && truthy(b.get(0));
  bool fold = !(b.has(1) && truthy(b.get(1)));
  auto items = iterate(v);
  std::vector<std::pair<Value, std::size_t>> keyed;
  keyed.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    keyed.emplace_back(b.has(2) && !b.get(2).is_none() ? get_path(r, items[i], b.get(2)) : items[i], i);
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? compare(y.first, x.first, fold) < 0 : compare(x.first, y.first, fold) < 0;
  });
  std::vector<Value> out;
  out.reserve(items.size());
  for (auto& [k, i] : keyed) out.push_back(items[i]);
  return Value::list(std::move(out));
}

Value f_string(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'string'");
  return Value::string(to_str(v));
}

Value f_sum(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"attribute", "start"}, "filter 'sum'");
  Value acc = b.get_or(1, Value::integer(0));
  for (const auto& item : iterate(v))
    acc = binary_op(BinOp::add, acc, b.has(0) && !b.get(0).is_none() ? get_path(r, item, b.get(0)) : item);
  return acc;
}

Value f_trim(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"chars"}, "filter 'trim'");
  if (b.has(0) && !b.get(0).is_none()) return Value::string(strip(to_str(v), to_str(b.get(0))));
  return Value::string(strip(to_str(v)));
}

Value f_tojson(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"indent"}, "filter 'tojson'");
  int indent = -1;
  if (b.has(0) && !b.get(0).is_none()) {
    if (!defined(b.get(0)).is_integral() || b.get(0).integral() < 0 || b.get(0).integral() > 64)
      throw_render_error("tojson indent must be a small non-negative integer");
    indent = static_cast<int>(b.get(0).integral());
  }
  std::string out;
  append_json(out, v, indent, 0);
  return Value::string(std::move(out));
}

Value select_impl(Renderer& r, const Value& v, CallArgs& a, bool by_attr, bool keep) {
  auto items = iterate(v);
  std::size_t next = 0;
  Value attribute;
  if (by_attr) {
    if (a.args.empty()) throw_render_error("selectattr/rejectattr need an attribute name");
    attribute = a.args[next++];
  }
  std::string test;
  bool has_test = next < a.args.size();
  if (has_test) test = to_str(a.args[next++]);
  std::vector<Value> out;
  for (const auto& item : items) {
    Value x = by_attr ? get_path(r, item, attribute) : item;
    bool ok;
    if (has_test) {
      CallArgs rest;
      rest.args.assign(a.args.begin() + static_cast<std::ptrdiff_t>(next), a.args.end());
      rest.kwargs = a.kwargs;
      ok = r.apply_test(test, x, rest);
    } else {
      ok = truthy(x);
    }
    if (ok == keep) out.push_back(item);
  }
  return generator(std::move(out));
}

Value f_select(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, false, true); }
Value f_reject(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, false, false); }
Value f_selectattr(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, true, true); }
Value f_rejectattr(Renderer& r, const Value& v, CallArgs& a) { return select_impl(r, v, a, true, false); }

Value f_unique(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"case_sensitive", "attribute"}, "filter 'unique'");
  bool fold = !(b.has(0) && truthy(b.get(0)));
  std::vector<Value> out, seen;
  for (const auto& item : iterate(v)) {
    Value k = b.has(1) && !b.get(1).is_none() ? get_path(r, item, b.get(1)) : item;
    if (fold && k.is_string()) k = Value::string(lower(k.as_string()));
    bool dup = false;
    for (const auto& s : seen)
      if (equal(s, k)) {
        dup = true;
        break;
      }
    if (dup) continue;
    seen.push_back(std::move(k));
    out.push_back(item);
  }
  return generator(std::move(out));
}

Value f_batch(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"linecount", "fill_with"}, "filter 'batch'");
  if (!b.has(0) || !defined(b.get(0)).is_integral() || b.get(0).integral() <= 0)
    throw_render_error("batch linecount must be a positive integer");
  auto n = static_cast<std::size_t>(b.get(0).integral());
  std::vector<Value> out, cur;
  for (auto& item : iterate(v)) {
    cur.push_back(std::move(item));
    if (cur.size() == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (b.has(1) && !b.get(1).is_none())
      while (cur.size() < n) cur.push_back(b.get(1));
    out.push_back(Value::list(std::move(cur)));
  }
  return generator(std::move(out));
}

Value f_indent(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"width", "first", "blank"}, "filter 'indent'");
  std::string indention;
  if (b.has(0) && defined(b.get(0)).is_string()) {
    indention = b.get(0).as_string();
  } else {
    std::int64_t w = 4;
    if (b.has(0)) {
      if (!b.get(0).is_integral()) throw_render_error("indent width must be an integer or a string");
      w = b.get(0).integral();
    }
    if (w > 1024) throw_render_error("indent width is too large");
    if (w > 0) indention.assign(static_cast<std::size_t>(w), ' ');
  }
  bool first = b.has(1) && truthy(b.get(1));
  bool blank = b.has(2) && truthy(b.get(2));
  std::string s = to_str(v) + "\n";
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t e = s.find_first_of("\r\n", pos);
    lines.push_back(s.substr(pos, e - pos));
    pos = e + 1;
    if (s[e] == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
  }
  std::string rv;
  if (blank) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return Value::string(std::move(rv));
}

Value f_items(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'items'");
  if (v.is_undefined()) return generator({});
  if (!v.is_dict() || v.as_dict()->is_namespace) throw_render_error("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.as_dict()->items) out.push_back(Value::list({k, val}, SeqKind::tuple));
  return generator(std::move(out));
}

Value f_dictsort(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"case_sensitive", "by", "reverse"}, "filter 'dictsort'");
  bool fold = !(b.has(0) && truthy(b.get(0)));
  std::string by = b.has(1) ? to_str(b.get(1)) : "key";
  if (by != "key" && by != "value") throw_render_error("You can only sort by either \"key\" or \"value\"");
  bool reverse = b.has(2) && truthy(b.get(2));
  if (!defined(v).is_dict()) throw_render_error("dictsort expects a dict");
  std::vector<Value> out;
  for (const auto& [k, val] : v.as_dict()->items) out.push_back(Value::list({k, val}, SeqKind::tuple));
  std::size_t idx = by == "key" ? 0 : 1;
  std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
    const Value& kx = x.as_list()->items[idx];
    const Value& ky = y.as_list()->items[idx];
    return reverse ? compare(ky, kx, fold) < 0 : compare(kx, ky, fold) < 0;
  });
  return Value::list(std::move(out));
}

Value f_center(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"width"}, "filter 'center'");
  std::int64_t width = 80;
  if (b.has(0)) {
    if (!defined(b.get(0)).is_integral()) throw_render_error("center width must be an integer");
    width = b.get(0).integral();
  }
  if (width > 1 << 20) throw_render_error("center width is too large");
  std::string s = to_str(v);
  std::int64_t len = static_cast<std::int64_t>(utf8_length(s));
  if (width <= len) return Value::string(std::move(s));
  std::int64_t pad = width - len;
  std::int64_t left = pad / 2 + (pad & width & 1);
  return Value::string(std::string(static_cast<std::size_t>(left), ' ') + s +
                       std::string(static_cast<std::size_t>(pad - left), ' '));
}

Value f_attr(Renderer& r, const Value& v, CallArgs& a) {
  Bound b(a, {"name"}, "filter 'attr'");
  if (!b.has(0)) throw_render_error("filter 'attr' needs an attribute name");
  return r.get_attr(v, to_str(b.get(0)));
}

Value f_safe(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'safe'");
  return defined(v);
}

Value f_escape(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'escape'");
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value::string(std::move(out));
}

// printf-style formatting for the format filter: %[flags][width][.prec]conv.
Value f_format(Renderer&, const Value& v, CallArgs& a) {
  if (!a.kwargs.empty()) throw_render_error("filter 'format' with keyword arguments is not supported");
  std::string fmt = to_str(v);
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    std::size_t j = i + 1;
    std::string spec = "%";
    while (j < fmt.size() && std::strchr("-+ #0", fmt[j])) spec += fmt[j++];
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) spec += fmt[j++];
    if (j < fmt.size() && fmt[j] == '.') {
      spec += fmt[j++];
      while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) spec += fmt[j++];
    }
    if (j >= fmt.size()) throw_render_error("incomplete format");
    char conv = fmt[j];
    i = j;
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (next >= a.args.size()) throw_render_error("not enough arguments for format string");
    const Value& arg = defined(a.args[next++]);
    if (spec.size() > 12) throw_render_error("format specification is too long");
    char buf[512];
    switch (conv) {
      case 's':
      case 'r': {
        std::string s;
        if (conv == 's') append_str(s, arg);
        else append_repr(s, arg);
        std::string sfmt = spec + "s";
        std::string padded;
        int n = std::snprintf(nullptr, 0, sfmt.c_str(), s.c_str());
        padded.resize(static_cast<std::size_t>(n) + 1);
        std::snprintf(padded.data(), padded.size(), sfmt.c_str(), s.c_str());
        padded.pop_back();
        out += padded;
        break;
      }
      case 'd':
      case 'i':
      case 'x':
      case 'X':
      case 'o': {
        std::int64_t x;
        if (arg.is_integral()) x = arg.integral();
        else if (arg.is_float()) x = float_to_int(arg.as_float());
        else throw_render_error(std::string("%") + conv + " format: a real number is required, not " + std::string(type_name(arg)));
        std::string ifmt = spec + "ll" + (conv == 'i' ? 'd' : conv);
        std::snprintf(buf, sizeof buf, ifmt.c_str(), static_cast<long long>(x));
        out += buf;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (!arg.is_number()) throw_render_error(std::string("%") + conv + " format: a real number is required, not " + std::string(type_name(arg)));
        std::string ffmt = spec + conv;
        std::snprintf(buf, sizeof buf, ffmt.c_str(), arg.number());
        out += buf;
        break;
      }
      default: throw_render_error(std::string("unsupported format character '") + conv + "'");
    }
  }
  if (next < a.args.size()) throw_render_error("not all arguments converted during string formatting");
  return Value::string(std::move(out));
}

Value f_wordcount(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "filter 'wordcount'");
  std::string s = to_str(v);
  std::int64_t n = 0;
  bool in_word = false;
  for (char c : s) {
    bool w = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

constexpr FilterEntry k_filters[] = {
    {"abs", f_abs},           {"attr", f_attr},           {"batch", f_batch},
    {"capitalize", f_capitalize}, {"center", f_center},   {"count", f_length},
    {"d", f_default},         {"default", f_default},     {"dictsort", f_dictsort},
    {"e", f_escape},          {"escape", f_escape},       {"first", f_first},
    {"float", f_float},       {"format", f_format},       {"indent", f_indent},
    {"int", f_int},           {"items", f_items},         {"join", f_join},
    {"last", f_last},         {"length", f_length},       {"list", f_list},
    {"lower", f_lower},       {"map", f_map},             {"max", f_max},
    {"min", f_min},           {"reject", f_reject},       {"rejectattr", f_rejectattr},
    {"replace", f_replace},   {"reverse", f_reverse},     {"round", f_round},
    {"safe", f_safe},         {"select", f_select},       {"selectattr", f_selectattr},
    {"sort", f_sort},         {"string", f_string},       {"sum", f_sum},
    {"title", f_title},       {"tojson", f_tojson},       {"trim", f_trim},
    {"unique", f_unique},     {"upper", f_upper},         {"wordcount", f_wordcount},
};

}  // namespace

FilterFn find_filter(std::string_view name) {
  for (const auto& e : k_filters)
    if (e.name == name) return e.fn;
  return nullptr;
}

}  // namespace kjit::jit::detail
