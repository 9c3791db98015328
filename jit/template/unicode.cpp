// Unicode helpers (see unicode.h). Case mapping follows CPython's
// unicodeobject.c: full mappings (one code point may become up to three),
// Final_Sigma for U+03A3 in lower-casing, titlecase for the first character in
// capitalize() and title().
//
// Thread safety: pure functions over constant tables.
#include "jit/template/unicode.h"

#include <algorithm>

namespace kjit::jit::detail {

namespace ud = unicode_data;

std::uint32_t next_cp(std::string_view s, std::size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return k_invalid_cp;
  }
  std::uint32_t cp = c & (0xFFu >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return k_invalid_cp;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid.
  static const std::uint32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < k_min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
    ++i;
    return k_invalid_cp;
  }
  i += len;
  return cp;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();)
    if (next_cp(s, i) == k_invalid_cp) return false;
  return true;
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

std::vector<std::uint32_t> to_cps(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t b = i;
    std::uint32_t cp = next_cp(s, i);
    // Invalid bytes survive a round trip as themselves (0xDC80 + byte, as
    // Python's surrogateescape does).
    out.push_back(cp == k_invalid_cp ? 0xDC00u + static_cast<unsigned char>(s[b]) : cp);
  }
  return out;
}

std::string from_cps(const std::vector<std::uint32_t>& cps, std::size_t begin, std::size_t end) {
  std::string out;
  end = std::min(end, cps.size());
  for (std::size_t i = begin; i < end; ++i) {
    std::uint32_t cp = cps[i];
    if (cp >= 0xDC80 && cp <= 0xDCFF) out += static_cast<char>(cp - 0xDC00);
    else put_utf8(out, cp);
  }
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) next_cp(s, i);
  return n;
}

std::vector<std::string> utf8_chars(std::string_view s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t b = i;
    next_cp(s, i);
    out.emplace_back(s.substr(b, i - b));
  }
  return out;
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

namespace {

bool in_ranges(std::span<const CpRange> r, std::uint32_t cp) {
  // Last range whose first <= cp.
  auto it = std::upper_bound(r.begin(), r.end(), cp, [](std::uint32_t c, const CpRange& x) { return c < x.first; });
  if (it == r.begin()) return false;
  --it;
  return cp <= it->last && (cp - it->first) % it->stride == 0;
}

// Single-code-point mapping, or cp itself.
std::uint32_t map_single(std::span<const CpMapRun> r, std::uint32_t cp) {
  auto it = std::upper_bound(r.begin(), r.end(), cp, [](std::uint32_t c, const CpMapRun& x) { return c < x.first; });
  if (it == r.begin()) return cp;
  --it;
  if (cp <= it->last && (cp - it->first) % it->stride == 0) return static_cast<std::uint32_t>(static_cast<std::int64_t>(cp) + it->delta);
  return cp;
}

// Appends the full mapping of `cp` (kind 0 upper, 1 lower, 2 title).
void map_full(std::vector<std::uint32_t>& out, std::uint32_t cp, int kind) {
  if (cp < 0x80) {
    if (kind != 1 && cp >= 'a' && cp <= 'z') cp -= 32;
    else if (kind == 1 && cp >= 'A' && cp <= 'Z') cp += 32;
    out.push_back(cp);
    return;
  }
  for (const CpMulti& m : ud::k_multi_map) {
    if (m.cp == cp && m.kind == kind) {
      out.insert(out.end(), m.out, m.out + m.n);
      return;
    }
  }
  if (kind == 0) out.push_back(map_single(ud::k_upper_map, cp));
  else if (kind == 1) out.push_back(map_single(ud::k_lower_map, cp));
  else out.push_back(map_single(ud::k_title_map, cp));
}

// CPython's handle_capital_sigma: U+03A3 at `i` of `cps` lower-cases to the
// final form when preceded by a cased letter and not followed by one
// (case-ignorable characters are skipped both ways).
std::uint32_t lower_sigma(const std::vector<std::uint32_t>& cps, std::size_t i) {
  std::size_t j = i;
  std::uint32_t c = 0;
  bool found = false;
  while (j > 0) {
    c = cps[--j];
    if (!is_case_ignorable(c)) {
      found = true;
      break;
    }
  }
  bool final_sigma = found && is_cased(c);
  if (final_sigma && i + 1 < cps.size()) {
    std::size_t k = i + 1;
    for (; k < cps.size(); ++k) {
      c = cps[k];
      if (!is_case_ignorable(c)) break;
    }
    final_sigma = k == cps.size() || !is_cased(c);
  }
  return final_sigma ? 0x3C2 : 0x3C3;
}

void lower_at(std::vector<std::uint32_t>& out, const std::vector<std::uint32_t>& cps, std::size_t i) {
  if (cps[i] == 0x3A3) out.push_back(lower_sigma(cps, i));
  else map_full(out, cps[i], 1);
}

}  // namespace

bool py_isspace(std::uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool is_cased(std::uint32_t cp) { return in_ranges(ud::k_cased, cp); }
bool is_case_ignorable(std::uint32_t cp) { return in_ranges(ud::k_case_ignorable, cp); }
bool is_lower_cp(std::uint32_t cp) { return in_ranges(ud::k_lowercase, cp); }
bool is_upper_cp(std::uint32_t cp) { return in_ranges(ud::k_uppercase, cp); }
bool is_title_cp(std::uint32_t cp) { return in_ranges(ud::k_titlecase, cp); }
bool is_alnum_cp(std::uint32_t cp) { return in_ranges(ud::k_alnum, cp); }
bool is_printable_cp(std::uint32_t cp) {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7F;
  return !in_ranges(ud::k_nonprintable, cp);
}

int decimal_value(std::uint32_t cp) {
  if (cp >= '0' && cp <= '9') return static_cast<int>(cp - '0');
  if (cp < 0x80) return -1;
  auto it = std::upper_bound(ud::k_decimal_zeros.begin(), ud::k_decimal_zeros.end(), cp);
  if (it == ud::k_decimal_zeros.begin()) return -1;
  --it;
  return cp - *it < 10 ? static_cast<int>(cp - *it) : -1;
}

std::string py_upper(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
  }
  auto cps = to_cps(s);
  std::vector<std::uint32_t> out;
  for (auto cp : cps) map_full(out, cp, 0);
  return from_cps(out);
}

std::string py_lower(std::string_view s) {
  if (is_ascii(s)) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  auto cps = to_cps(s);
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < cps.size(); ++i) lower_at(out, cps, i);
  return from_cps(out);
}

std::string py_capitalize(std::string_view s) {
  auto cps = to_cps(s);
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (i == 0) map_full(out, cps[i], 2);
    else lower_at(out, cps, i);
  }
  return from_cps(out);
}

std::string py_title(std::string_view s) {
  auto cps = to_cps(s);
  std::vector<std::uint32_t> out;
  bool previous_is_cased = false;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (previous_is_cased) lower_at(out, cps, i);
    else map_full(out, cps[i], 2);
    previous_is_cased = is_cased(cps[i]);
  }
  return from_cps(out);
}

std::string py_swapcase(std::string_view s) {
  auto cps = to_cps(s);
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    if (is_upper_cp(cps[i])) lower_at(out, cps, i);
    else if (is_lower_cp(cps[i])) map_full(out, cps[i], 0);
    else out.push_back(cps[i]);
  }
  return from_cps(out);
}

namespace {

// str.islower / str.isupper: at least one character of case `want`, none of
// case `other` and no titlecase one.
bool all_cased_as(std::string_view s, bool (*want)(std::uint32_t), bool (*other)(std::uint32_t)) {
  bool cased = false;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = next_cp(s, i);
    if (other(cp) || is_title_cp(cp)) return false;
    if (!cased && want(cp)) cased = true;
  }
  return cased;
}

}  // namespace

bool py_islower(std::string_view s) { return all_cased_as(s, is_lower_cp, is_upper_cp); }

bool py_isupper(std::string_view s) { return all_cased_as(s, is_upper_cp, is_lower_cp); }

bool py_istitle(std::string_view s) {
  bool cased = false, previous_is_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = next_cp(s, i);
    if (is_upper_cp(cp) || is_title_cp(cp)) {
      if (previous_is_cased) return false;
      previous_is_cased = cased = true;
    } else if (is_lower_cp(cp)) {
      if (!previous_is_cased) return false;
      previous_is_cased = cased = true;
    } else {
      previous_is_cased = false;
    }
  }
  return cased;
}

std::string py_strip(std::string_view s, bool left, bool right) {
  auto cps = to_cps(s);
  std::size_t b = 0, e = cps.size();
  if (left)
    while (b < e && py_isspace(cps[b])) ++b;
  if (right)
    while (e > b && py_isspace(cps[e - 1])) --e;
  return from_cps(cps, b, e);
}

std::string jinja_title(std::string_view s) {
  // re.split(r"([-\s({\[<]+)", s): separators and words alternate; every
  // non-empty item becomes item[0].upper() + item[1:].lower().
  auto cps = to_cps(s);
  auto is_sep = [](std::uint32_t cp) {
    return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || py_isspace(cp);
  };
  std::string out;
  std::size_t i = 0;
  while (i < cps.size()) {
    bool sep = is_sep(cps[i]);
    std::size_t j = i;
    while (j < cps.size() && is_sep(cps[j]) == sep) ++j;
    std::vector<std::uint32_t> item(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(j));
    out += py_upper(from_cps(item, 0, 1));
    out += py_lower(from_cps(item, 1));
    i = j;
  }
  return out;
}

}  // namespace kjit::jit::detail
