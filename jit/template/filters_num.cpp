// Number filters: abs, float, int, round, filesizeformat, with Python's
// int()/float() string parsing (whitespace and underscores, Unicode digits,
// base prefixes, inf/nan) and round()'s exact decimal rounding.
//
// Thread safety: pure functions.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "jit/template/call_args.h"
#include "jit/template/filters.h"
#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

// _PyUnicode_TransformDecimalAndSpaceToASCII, then strip: Unicode decimal
// digits become ASCII digits, whitespace a space, other non-ASCII '?'.
std::string ascii_number_text(const std::string& s) {
  std::string t;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = next_cp(s, i);
    if (cp < 0x80) t += static_cast<char>(cp);
    else if (py_isspace(cp)) t += ' ';
    else if (int d = decimal_value(cp); d >= 0) t += static_cast<char>('0' + d);
    else t += '?';
  }
  std::size_t b = t.find_first_not_of(" \t\n\r\f\v\x1c\x1d\x1e\x1f");
  if (b == std::string::npos) return "";
  std::size_t e = t.find_last_not_of(" \t\n\r\f\v\x1c\x1d\x1e\x1f");
  return t.substr(b, e - b + 1);
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  return 99;
}

// Python int(s, base); nullopt for ValueError. Too-large values are
// "unsupported".
std::optional<std::int64_t> py_int_str(const std::string& text, int base) {
  std::string t = ascii_number_text(text);
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  bool prefixed = false;
  if (i + 1 < t.size() && t[i] == '0') {
    char p = static_cast<char>(t[i + 1] | 0x20);
    int pb = p == 'x' ? 16 : (p == 'o' ? 8 : (p == 'b' ? 2 : 0));
    if (pb && (base == 0 || base == pb)) {
      base = pb;
      i += 2;
      prefixed = true;
    }
  }
  bool base0_decimal = base == 0;
  if (base == 0) base = 10;
  if (i < t.size() && t[i] == '_' && prefixed) ++i;
  std::size_t start = i;
  unsigned __int128 acc = 0;
  bool any = false, last_us = false, all_zero = true;
  for (; i < t.size(); ++i) {
    if (t[i] == '_') {
      if (!any || last_us) return std::nullopt;
      last_us = true;
      continue;
    }
    int d = digit_value(t[i]);
    if (d >= base) return std::nullopt;
    if (d != 0) all_zero = false;
    acc = acc * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    if (acc > (static_cast<unsigned __int128>(1) << 64)) acc = static_cast<unsigned __int128>(1) << 64;
    any = true;
    last_us = false;
  }
  if (!any || last_us || start == t.size()) return std::nullopt;
  // base 0: "010" is invalid, "000" is zero.
  if (base0_decimal && t[start] == '0' && !all_zero) return std::nullopt;
  if ((!neg && acc > static_cast<unsigned __int128>(INT64_MAX)) ||
      (neg && acc > static_cast<unsigned __int128>(INT64_MAX) + 1))
    throw_unsupported("integers beyond 64 bits (int of '" + text + "')");
  return neg ? static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(acc)) : static_cast<std::int64_t>(acc);
}

// Python float(s); nullopt for ValueError.
std::optional<double> py_float_str(const std::string& text) {
  std::string t = ascii_number_text(text);
  std::string low;
  for (char c : t) low += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  std::string_view body = low;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return neg ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  // [digits][.digits][e[+-]digits], underscores only between digits.
  std::string clean = neg ? "-" : "";
  std::size_t i = 0;
  auto digits = [&]() {
    std::size_t n = 0;
    while (i < body.size()) {
      if (body[i] >= '0' && body[i] <= '9') {
        clean += body[i++];
        ++n;
      } else if (body[i] == '_' && n > 0 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '9') {
        ++i;
      } else {
        break;
      }
    }
    return n;
  };
  std::size_t mant = digits();
  if (i < body.size() && body[i] == '.') {
    clean += body[i++];
    mant += digits();
  }
  if (mant == 0) return std::nullopt;
  if (i < body.size() && body[i] == 'e') {
    clean += body[i++];
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) clean += body[i++];
    if (digits() == 0) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  return std::strtod(clean.c_str(), nullptr);
}

std::int64_t trunc_to_int(double d) {
  double t = std::trunc(d);
  if (t >= 9223372036854775808.0 || t < -9223372036854775808.0)
    throw_unsupported("integers beyond 64 bits (int of a large float)");
  return static_cast<std::int64_t>(t);
}

// Exact decimal rounding of `x` to `digits` fractional digits (negative:
// tens, hundreds, ...), half to even, like CPython's float.__round__.
double round_decimal(double x, std::int64_t digits) {
  if (digits >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
    return std::strtod(buf, nullptr);
  }
  // The exact decimal expansion of x, then round at 10^-digits.
  int len = std::snprintf(nullptr, 0, "%.1100f", x);
  std::string s(static_cast<std::size_t>(len) + 1, '\0');
  std::snprintf(s.data(), s.size(), "%.1100f", x);
  s.pop_back();
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  std::size_t dot = s.find('.');
  std::string ip = s.substr(0, dot), fp = s.substr(dot + 1);
  auto k = static_cast<std::size_t>(-digits);
  if (k > ip.size()) {
    // |x| < 10^(k-1): rounds to 0 unless exactly... it rounds to 0 or 10^k.
    ip.insert(0, k - ip.size() + 1, '0');
  }
  std::string keep = ip.substr(0, ip.size() - k), drop = ip.substr(ip.size() - k) + fp;
  bool tie = drop[0] == '5' && drop.find_first_not_of('0', 1) == std::string::npos;
  bool up = drop[0] > '5' || (drop[0] == '5' && !tie) ||
            (tie && !keep.empty() && (keep.back() - '0') % 2 == 1);
  if (keep.empty()) keep = "0";
  if (up) {
    int i = static_cast<int>(keep.size()) - 1;
    while (i >= 0 && keep[static_cast<std::size_t>(i)] == '9') keep[static_cast<std::size_t>(i--)] = '0';
    if (i < 0) keep.insert(0, "1");
    else ++keep[static_cast<std::size_t>(i)];
  }
  std::string out = (neg ? "-" : "") + keep + std::string(k, '0');
  return std::strtod(out.c_str(), nullptr);
}

}  // namespace

std::optional<double> py_float(const Value& v) {
  if (v.is_undefined()) raise_undefined(v);  // Undefined.__float__ raises
  if (v.is_number()) return v.number();
  if (v.is_string()) return py_float_str(v.as_string());
  return std::nullopt;
}

Value f_abs(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {}, "abs()");
  defined(v);
  if (v.is_integral()) {
    if (v.integral() == INT64_MIN) throw_unsupported("integers beyond 64 bits (abs)");
    return Value::integer(std::llabs(v.integral()));
  }
  if (v.is_float()) return Value::floating(std::fabs(v.as_float()));
  throw_render_error("TypeError: bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_float(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"default"}, "do_float()");
  Value fallback = b.get_or(0, Value::floating(0.0));
  if (auto d = py_float(v)) return Value::floating(*d);
  return fallback;
}

Value f_int(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"default", "base"}, "do_int()");
  Value fallback = b.get_or(0, Value::integer(0));
  if (v.is_undefined()) raise_undefined(v);  // Undefined.__int__ raises
  if (v.is_string()) {
    const Value& bv = b.get_or(1, Value::integer(10));
    if (bv.is_integral()) {
      std::int64_t base = bv.integral();
      if (base == 0 || (base >= 2 && base <= 36))
        if (auto i = py_int_str(v.as_string(), static_cast<int>(base))) return Value::integer(*i);
    } else if (bv.is_undefined()) {
      raise_undefined(bv);
    }
  } else if (v.is_integral()) {
    return Value::integer(v.integral());
  } else if (v.is_float()) {
    double d = v.as_float();
    if (std::isinf(d)) throw_render_error("OverflowError: cannot convert float infinity to integer");
    if (!std::isnan(d)) return Value::integer(trunc_to_int(d));
  }
  // int(float(value)), with ValueError/TypeError (and OverflowError since
  // Jinja2 3.1.6) giving the default.
  std::optional<double> d = py_float(v);
  if (!d || std::isnan(*d)) return fallback;
  if (std::isinf(*d)) throw_unsupported("the int filter of an infinite value (Jinja2 versions differ)");
  return Value::integer(trunc_to_int(*d));
}

Value f_round(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"precision", "method"}, "do_round()");
  Value method = b.get_or(1, Value::string("common"));
  std::string m = method.is_string() ? method.as_string() : "";
  if (m != "common" && m != "ceil" && m != "floor")
    throw_render_error("FilterArgumentError: method must be common, ceil or floor");
  defined(v);
  const Value& pv = b.get_or(0, Value::integer(0));
  if (m == "common") {
    if (!v.is_number()) throw_render_error("TypeError: type " + type_name(v) + " doesn't define __round__ method");
    if (pv.is_none()) {  // round(x, None) == round(x): an int
      if (v.is_integral()) return Value::integer(v.integral());
      double x = v.as_float();
      if (std::isnan(x)) throw_render_error("ValueError: cannot convert float NaN to integer");
      if (std::isinf(x)) throw_render_error("OverflowError: cannot convert float infinity to integer");
      return Value::integer(trunc_to_int(std::nearbyint(x)));
    }
    defined(pv);
    if (!pv.is_integral())
      throw_render_error("TypeError: '" + type_name(pv) + "' object cannot be interpreted as an integer");
    std::int64_t precision = pv.integral();
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
      std::int64_t out;
      if (__builtin_mul_overflow(q, p, &out)) throw_unsupported("integers beyond 64 bits (round)");
      return Value::integer(out);
    }
    double x = v.as_float();
    if (!std::isfinite(x) || precision > 323) return Value::floating(x);
    if (precision < -308) return Value::floating(0.0 * x);
    return Value::floating(round_decimal(x, precision));
  }
  // math.ceil/floor(value * 10**precision) / 10**precision
  if (!v.is_number()) throw_render_error("TypeError: can't multiply sequence by non-int of type 'int'");
  defined(pv);
  if (!pv.is_integral()) throw_render_error("TypeError: unsupported operand type(s) for ** or pow()");
  std::int64_t precision = pv.integral();
  if (precision > 22 || precision < -22) throw_unsupported("round(method='ceil'/'floor') with |precision| > 22");
  double p = std::pow(10.0, static_cast<double>(precision));
  double x = v.number() * p;
  if (v.is_integral() && precision >= 0) {
    std::int64_t scaled;
    std::int64_t ip = 1;
    for (std::int64_t i = 0; i < precision; ++i) ip *= 10;
    if (__builtin_mul_overflow(v.integral(), ip, &scaled) || scaled > (std::int64_t{1} << 53) || scaled < -(std::int64_t{1} << 53))
      throw_unsupported("round(method='ceil'/'floor') of integers beyond 2**53");
    return Value::floating(static_cast<double>(scaled) / p);
  }
  if (std::isnan(x)) throw_render_error("ValueError: cannot convert float NaN to integer");
  if (std::isinf(x)) throw_render_error("OverflowError: cannot convert float infinity to integer");
  double r = m == "ceil" ? std::ceil(x) : std::floor(x);
  if (std::fabs(r) > 9007199254740992.0) throw_unsupported("round(method='ceil'/'floor') beyond 2**53");
  if (r == 0) r = 0.0;  // math.ceil/floor return an int: no negative zero
  return Value::floating(r / p);
}

Value f_filesizeformat(Renderer&, const Value& v, CallArgs& a) {
  Bound b(a, {"binary"}, "do_filesizeformat()");
  bool binary = b.has(0) && truthy(b.get(0));
  std::optional<double> d = py_float(v);
  if (!d) {
    if (v.is_string()) throw_render_error("ValueError: could not convert string to float: " + v.as_string());
    throw_render_error("TypeError: float() argument must be a string or a real number, not '" + type_name(v) + "'");
  }
  double bytes = *d;
  double base = binary ? 1024 : 1000;
  static const char* k_bin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  static const char* k_dec[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  if (bytes == 1) return Value::string("1 Byte");
  char buf[128];
  if (bytes < base) {
    if (std::isnan(bytes)) throw_render_error("ValueError: cannot convert float NaN to integer");
    std::snprintf(buf, sizeof buf, "%lld Bytes", static_cast<long long>(trunc_to_int(bytes)));
    return Value::string(buf);
  }
  double unit = 0;
  int i = 0;
  for (; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    if (bytes < unit) break;
  }
  if (i == 8) i = 7;
  std::string num;
  double q = base * bytes / unit;
  if (std::isinf(q)) num = q < 0 ? "-inf" : "inf";
  else if (std::isnan(q)) num = "nan";
  else {
    std::snprintf(buf, sizeof buf, "%.1f", q);
    num = buf;
  }
  return Value::string(num + " " + (binary ? k_bin[i] : k_dec[i]));
}

}  // namespace kjit::jit::detail
