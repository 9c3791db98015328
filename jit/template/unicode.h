// Unicode helpers for Python-exact string behaviour: UTF-8 decoding and
// encoding, Python's whitespace set (str.isspace, regex \s), case mapping with
// Python's full (SpecialCasing) mappings and Final_Sigma rule, the cased /
// lowercase / uppercase / alnum properties and decimal digit values. The
// character data is generated from Python's unicodedata into
// unicode_tables.cpp (tools/dev/gen_unicode_tables.py).
//
// Strings are UTF-8; bytes that are not valid UTF-8 pass through unchanged
// (template sources and contexts are validated before rendering).
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kjit::jit::detail {

struct CpRange {
  std::uint32_t first, last;
  std::uint32_t stride;  // 1 or 2: every `stride`-th code point from first to last
};
struct CpMapRun {
  std::uint32_t first, last;
  std::uint32_t stride;
  std::int32_t delta;  // mapped = cp + delta
};
struct CpMulti {
  std::uint8_t kind;  // 0 upper, 1 lower, 2 title
  std::uint32_t cp;
  std::uint8_t n;
  std::uint32_t out[3];
};

namespace unicode_data {
extern const char* const k_unicode_version;
extern const std::span<const CpRange> k_cased, k_case_ignorable, k_lowercase, k_uppercase, k_titlecase, k_alnum,
    k_nonprintable;
extern const std::span<const CpMapRun> k_upper_map, k_lower_map, k_title_map;
extern const std::span<const CpMulti> k_multi_map;
extern const std::span<const std::uint32_t> k_decimal_zeros;
}  // namespace unicode_data

inline constexpr std::uint32_t k_invalid_cp = 0xFFFFFFFFu;

// Decodes the code point at `i` and advances `i`; an invalid byte yields
// k_invalid_cp and advances by one.
std::uint32_t next_cp(std::string_view s, std::size_t& i);
bool valid_utf8(std::string_view s);
// Appends code point `cp` to `out` as UTF-8.
void put_utf8(std::string& out, std::uint32_t cp);
std::vector<std::uint32_t> to_cps(std::string_view s);
std::string from_cps(const std::vector<std::uint32_t>& cps, std::size_t begin = 0, std::size_t end = SIZE_MAX);
// Number of code points; and the code points as separate strings.
std::size_t utf8_length(std::string_view s);
std::vector<std::string> utf8_chars(std::string_view s);
bool is_ascii(std::string_view s);

// Python str.isspace() for one code point (also regex \s).
bool py_isspace(std::uint32_t cp);
bool is_cased(std::uint32_t cp);
bool is_case_ignorable(std::uint32_t cp);
bool is_lower_cp(std::uint32_t cp);
bool is_upper_cp(std::uint32_t cp);
bool is_title_cp(std::uint32_t cp);
bool is_alnum_cp(std::uint32_t cp);
// Python str.isprintable() for one code point.
bool is_printable_cp(std::uint32_t cp);
// Value of a Unicode decimal digit (category Nd), or -1.
int decimal_value(std::uint32_t cp);

// Python's str methods.
std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_capitalize(std::string_view s);
std::string py_title(std::string_view s);
std::string py_swapcase(std::string_view s);
bool py_islower(std::string_view s);
bool py_isupper(std::string_view s);
bool py_istitle(std::string_view s);
// Python's str.strip()/lstrip()/rstrip() without arguments (whitespace).
std::string py_strip(std::string_view s, bool left = true, bool right = true);
// Jinja's title filter: words start after runs of whitespace, '-', '(', '{',
// '[' or '<'; each word is item[0].upper() + item[1:].lower().
std::string jinja_title(std::string_view s);

}  // namespace kjit::jit::detail
