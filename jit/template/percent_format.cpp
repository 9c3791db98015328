// Python printf-style formatting (see percent_format.h): a port of CPython's
// Objects/unicodeobject.c (PyUnicode_Format, unicode_format_arg_parse,
// mainformatlong, _PyUnicode_FormatLong, formatfloat, formatchar,
// unicode_format_arg_output).
//
// Thread safety: pure function.
#include "jit/template/percent_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

constexpr int k_ljust = 1, k_sign = 2, k_blank = 4, k_alt = 8, k_zero = 16;
constexpr std::int64_t k_max_width = 1 << 20;

struct Spec {
  int flags = 0;
  std::int64_t width = -1;
  std::int64_t prec = -1;
  char conv = 0;
};

class Formatter {
 public:
  Formatter(const std::string& fmt, const Value& args, bool escape) : m_fmt(fmt), m_args(args), m_escape(escape) {
    if (args.is_seq(SeqKind::tuple)) {
      m_arglen = static_cast<std::int64_t>(args.as_list()->items.size());
      m_argidx = 0;
    }
    // PyMapping_Check: objects with __getitem__ other than tuples and str.
    if (args.is_plain_dict() || args.is_seq(SeqKind::list) || args.is_seq(SeqKind::range) || args.is_undefined())
      m_dict = &args;
    m_cur = args;
  }

  std::string run() {
    std::size_t i = 0;
    const std::size_t n = m_fmt.size();
    while (i < n) {
      std::size_t pct = m_fmt.find('%', i);
      if (pct == std::string::npos) {
        m_out.append(m_fmt, i, n - i);
        break;
      }
      m_out.append(m_fmt, i, pct - i);
      i = pct + 1;
      if (i < n && m_fmt[i] == '%') {
        m_out += '%';
        ++i;
        continue;
      }
      i = one(i);
    }
    if (m_argidx < m_arglen && !m_dict)
      throw_render_error("TypeError: not all arguments converted during string formatting");
    return std::move(m_out);
  }

 private:
  [[noreturn]] static void incomplete() { throw_render_error("ValueError: incomplete format"); }

  const Value& next_arg() {
    if (m_argidx < m_arglen) {
      ++m_argidx;
      if (m_arglen < 0) return m_cur;
      return m_cur.as_list()->items[static_cast<std::size_t>(m_argidx - 1)];
    }
    throw_render_error("TypeError: not enough arguments for format string");
  }

  std::int64_t star_arg() {
    const Value& v = next_arg();
    if (!v.is_integral()) throw_render_error("TypeError: * wants int");
    return v.integral();
  }

  // Parses one conversion starting after '%' at `i`; returns the index after it.
  std::size_t one(std::size_t i) {
    const std::size_t n = m_fmt.size();
    if (i < n && m_fmt[i] == '(') {
      int depth = 1;
      std::size_t k = i + 1;
      for (; k < n && depth > 0; ++k) {
        if (m_fmt[k] == '(') ++depth;
        else if (m_fmt[k] == ')') --depth;
      }
      if (depth > 0) throw_render_error("ValueError: incomplete format key");
      std::string key = m_fmt.substr(i + 1, k - i - 2);
      if (!m_dict) throw_render_error("TypeError: format requires a mapping");
      const Value& d = *m_dict;
      if (d.is_undefined()) raise_undefined(d);
      if (!d.is_plain_dict())
        throw_render_error("TypeError: " + type_name(d) + " indices must be integers or slices, not str");
      const Value* v = d.as_dict()->find(std::string_view(key));
      if (!v) throw_render_error("KeyError: '" + key + "'");
      m_cur = *v;
      m_arglen = -1;
      m_argidx = -2;
      i = k;
    }
    Spec s;
    char ch = 0;
    bool have = false;
    auto read = [&]() {
      if (i < n) {
        ch = m_fmt[i++];
        have = true;
      } else {
        have = false;
      }
    };
    // A width or precision: the digits from the current one on.
    auto digits = [&](const char* what) {
      std::int64_t value = ch - '0';
      for (read(); have && ch >= '0' && ch <= '9'; read()) {
        if (value > k_max_width) throw_unsupported(std::string("format ") + what + " above " + std::to_string(k_max_width));
        value = value * 10 + (ch - '0');
      }
      return value;
    };
    for (read(); have; read()) {
      if (ch == '-') s.flags |= k_ljust;
      else if (ch == '+') s.flags |= k_sign;
      else if (ch == ' ') s.flags |= k_blank;
      else if (ch == '#') s.flags |= k_alt;
      else if (ch == '0') s.flags |= k_zero;
      else break;
    }
    if (have && ch == '*') {
      s.width = star_arg();
      if (s.width < 0) {
        s.flags |= k_ljust;
        s.width = -s.width;
      }
      read();
    } else if (have && ch >= '0' && ch <= '9') {
      s.width = digits("widths");
    }
    if (have && ch == '.') {
      s.prec = 0;
      read();
      if (have && ch == '*') {
        s.prec = star_arg();
        if (s.prec < 0) s.prec = 0;
        read();
      } else if (have && ch >= '0' && ch <= '9') {
        s.prec = digits("precisions");
      }
    }
    if (have && (ch == 'h' || ch == 'l' || ch == 'L')) read();
    if (!have) incomplete();
    if (s.width > k_max_width || s.prec > k_max_width)
      throw_unsupported("format widths or precisions above " + std::to_string(k_max_width));
    s.conv = ch;
    convert(s, i);
    return i;
  }

  void convert(Spec& s, std::size_t end) {
    const Value& v = next_arg();
    // The numeric conversions (with sign and zero-padding rules).
    bool integral = std::string_view("diuoxX").find(s.conv) != std::string_view::npos;
    if (integral || std::string_view("eEfFgG").find(s.conv) != std::string_view::npos) {
      output(s, integral ? format_long(v, s) : format_float(v, s), true);
      return;
    }
    std::string str;
    switch (s.conv) {
      case 's':
        if (v.is_string() && !m_escape) str = v.as_string();
        else if (m_escape) str = escape_value(v).as_string();
        else str = to_str(v);
        break;
      case 'r':
      case 'a': {
        std::string r;
        if (s.conv == 'r') append_repr(r, v);
        else r = to_ascii_repr(v);
        str = m_escape ? html_escape(r) : r;
        break;
      }
      case 'c': str = format_char(v); break;
      default: {
        unsigned char c = static_cast<unsigned char>(s.conv);
        char buf[96];
        std::size_t index = utf8_length(std::string_view(m_fmt).substr(0, end)) - 1;
        std::snprintf(buf, sizeof buf, "ValueError: unsupported format character '%c' (0x%x) at index %zu",
                      (c >= 31 && c <= 126) ? static_cast<char>(c) : '?', c, index);
        throw_render_error(buf);
      }
    }
    output(s, str, false);
  }

  std::string format_long(const Value& v, const Spec& s) {
    char type = s.conv;
    bool index_only = type == 'o' || type == 'x' || type == 'X';
    std::int64_t x;
    if (m_escape) {
      // markupsafe's _MarkupEscapeHelper has __int__/__float__ but no __index__.
      if (index_only) throw_render_error(std::string("TypeError: %") + type + " format: an integer is required, not _MarkupEscapeHelper");
      if (!v.is_number()) throw_unsupported("%d of a non-number through a Markup format string");
    }
    if (v.is_integral()) {
      x = v.integral();
    } else if (v.is_float()) {
      if (index_only) throw_render_error(std::string("TypeError: %") + type + " format: an integer is required, not float");
      double d = v.as_float();
      if (std::isnan(d)) throw_render_error("ValueError: cannot convert float NaN to integer");
      if (std::isinf(d)) throw_render_error("OverflowError: cannot convert float infinity to integer");
      double t = std::trunc(d);
      if (t >= 9223372036854775808.0 || t < -9223372036854775808.0)
        throw_unsupported("integers beyond 64 bits (Python would format the whole number)");
      x = static_cast<std::int64_t>(t);
    } else {
      if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
      throw_render_error(std::string("TypeError: %") + type + " format: " +
                         (index_only ? "an integer is required" : "a real number is required") + ", not " + type_name(v));
    }
    bool neg = x < 0;
    std::uint64_t mag = neg ? 0 - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
    int base = type == 'o' ? 8 : ((type == 'x' || type == 'X') ? 16 : 10);
    std::string digits;
    do {
      int d = static_cast<int>(mag % static_cast<std::uint64_t>(base));
      digits.insert(digits.begin(), static_cast<char>(d < 10 ? '0' + d : (type == 'X' ? 'A' : 'a') + d - 10));
      mag /= static_cast<std::uint64_t>(base);
    } while (mag);
    if (s.prec > static_cast<std::int64_t>(digits.size()))
      digits.insert(0, static_cast<std::size_t>(s.prec) - digits.size(), '0');
    std::string out = neg ? "-" : "";
    if ((s.flags & k_alt) && base != 10) {
      out += '0';
      out += type == 'o' ? 'o' : type;
    }
    return out + digits;
  }

  std::string format_float(const Value& v, const Spec& s) {
    if (!v.is_number()) {
      if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
      if (m_escape && v.is_string()) throw_unsupported("%f of a string through a Markup format string");
      throw_render_error("TypeError: must be real number, not " + type_name(v));
    }
    double d = v.number();
    int prec = s.prec < 0 ? 6 : static_cast<int>(s.prec);
    bool upper = s.conv == 'E' || s.conv == 'F' || s.conv == 'G';
    if (std::isnan(d)) return upper ? "NAN" : "nan";
    if (std::isinf(d)) return std::string(d < 0 ? "-" : "") + (upper ? "INF" : "inf");
    std::string f = (s.flags & k_alt) ? "%#.*" : "%.*";
    f += s.conv;
    int len = std::snprintf(nullptr, 0, f.c_str(), prec, d);
    std::string out(static_cast<std::size_t>(len) + 1, '\0');
    std::snprintf(out.data(), out.size(), f.c_str(), prec, d);
    out.pop_back();
    return out;
  }

  std::string format_char(const Value& v) {
    if (m_escape) throw_render_error("TypeError: %c requires int or char");
    std::uint32_t cp;
    if (v.is_string()) {
      if (utf8_length(v.as_string()) != 1) throw_render_error("TypeError: %c requires int or char");
      return v.as_string();
    }
    if (!v.is_integral()) {
      if (v.is_undefined() && !v.as_undefined().lenient) raise_undefined(v);
      throw_render_error("TypeError: %c requires int or char");
    }
    std::int64_t x = v.integral();
    if (x < 0 || x > 0x10FFFF) throw_render_error("OverflowError: %c arg not in range(0x110000)");
    cp = static_cast<std::uint32_t>(x);
    if (cp >= 0xD800 && cp < 0xE000) throw_unsupported("%c of a surrogate code point");
    std::string out;
    put_utf8(out, cp);
    return out;
  }

  // unicode_format_arg_output: sign, alternate-form prefix, padding.
  void output(const Spec& s, const std::string& text, bool sign) {
    auto cps = to_cps(text);
    auto len = static_cast<std::int64_t>(cps.size());
    std::int64_t width = s.width;
    if ((s.conv == 's' || s.conv == 'r' || s.conv == 'a') && s.prec >= 0 && len > s.prec) len = s.prec;
    char fill = (sign && (s.flags & k_zero)) ? '0' : ' ';
    std::size_t p = 0;
    char signchar = 0;
    if (sign) {
      if (len > 0 && (cps[0] == '-' || cps[0] == '+')) {
        signchar = static_cast<char>(cps[0]);
        --len;
        ++p;
      } else if (s.flags & k_sign) {
        signchar = '+';
      } else if (s.flags & k_blank) {
        signchar = ' ';
      } else {
        sign = false;
      }
    }
    if (width < len) width = len;
    bool prefix = (s.flags & k_alt) && (s.conv == 'x' || s.conv == 'X' || s.conv == 'o');
    if (sign) {
      if (fill != ' ') m_out += signchar;
      if (width > len) --width;
    }
    if (prefix) {
      if (fill != ' ') {
        m_out += from_cps(cps, p, p + 2);
        p += 2;
      }
      width -= 2;
      if (width < 0) width = 0;
      len -= 2;
    }
    if (width > len && !(s.flags & k_ljust)) {
      m_out.append(static_cast<std::size_t>(width - len), fill);
      width = len;
    }
    if (fill == ' ') {
      if (sign) m_out += signchar;
      if (prefix) {
        m_out += from_cps(cps, p, p + 2);
        p += 2;
      }
    }
    if (len > 0) m_out += from_cps(cps, p, p + static_cast<std::size_t>(len));
    if (width > len) m_out.append(static_cast<std::size_t>(width - len), ' ');
  }

  const std::string& m_fmt;
  const Value& m_args;
  bool m_escape;
  const Value* m_dict = nullptr;
  Value m_cur;
  std::int64_t m_arglen = -1, m_argidx = -2;
  std::string m_out;
};

}  // namespace

std::string percent_format(const std::string& fmt, const Value& args, bool escape_args) {
  return Formatter(fmt, args, escape_args).run();
}

}  // namespace kjit::jit::detail
