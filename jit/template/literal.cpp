// Literal decoding (see literal.h), following CPython's unicode-escape codec
// (Objects/unicodeobject.c, _PyUnicode_DecodeUnicodeEscapeInternal).
//
// Thread safety: pure functions.
#include "jit/template/literal.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "jit/template/template_error.h"
#include "jit/template/unicode.h"

namespace kjit::jit::detail {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void put_decoded(std::string& out, std::uint32_t cp, std::uint32_t offset) {
  if (cp >= 0xD800 && cp < 0xE000)
    throw_parse_error("unsupported: string literal escapes that produce a lone surrogate (U+" +
                          [&] {
                            char b[8];
                            std::snprintf(b, sizeof b, "%04X", cp);
                            return std::string(b);
                          }() + ")",
                      offset);
  put_utf8(out, cp);
}

}  // namespace

std::string decode_string_literal(std::string_view text, std::uint32_t offset) {
  std::string_view body = text.substr(1, text.size() - 2);
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size();) {
    if (body[i] != '\\') {
      std::size_t b = i;
      next_cp(body, i);
      out.append(body, b, i - b);
      continue;
    }
    // The lexer guarantees a character after every backslash.
    std::size_t e = i + 1;
    unsigned char c = static_cast<unsigned char>(body[e]);
    if (c >= 0x80) {
      // backslashreplace turned the character into \xhh, \uhhhh or
      // \Uhhhhhhhh; this backslash escapes that escape's backslash.
      std::size_t j = e;
      std::uint32_t cp = next_cp(body, j);
      char buf[16];
      if (cp < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      else if (cp < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      else std::snprintf(buf, sizeof buf, "\\U%08x", cp);
      out += buf;
      i = j;
      continue;
    }
    i = e + 1;
    switch (c) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'v': out += '\v'; break;
      case 'a': out += '\a'; break;
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        std::uint32_t v = c - '0';
        for (int k = 0; k < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++k) v = v * 8 + static_cast<std::uint32_t>(body[i++] - '0');
        put_decoded(out, v, offset);
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        std::size_t len = c == 'x' ? 2 : (c == 'u' ? 4 : 8);
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < len; ++k) {
          int h = i < body.size() ? hex_value(body[i]) : -1;
          if (h < 0) {
            const char* what = c == 'x' ? "truncated \\xXX escape" : (c == 'u' ? "truncated \\uXXXX escape" : "truncated \\UXXXXXXXX escape");
            throw_parse_error(what, offset);
          }
          v = v * 16 + static_cast<std::uint32_t>(h);
          ++i;
        }
        if (v > 0x10FFFF) throw_parse_error("illegal Unicode character", offset);
        put_decoded(out, v, offset);
        break;
      }
      case 'N': {
        std::size_t close = i < body.size() && body[i] == '{' ? body.find('}', i) : std::string_view::npos;
        if (close == std::string_view::npos || close == i + 1) throw_parse_error("malformed \\N character escape", offset);
        throw_parse_error("unsupported: \\N{...} escapes in string literals (write the character itself)", offset);
      }
      default:
        // Unknown escape: kept as-is (Python only warns).
        out += '\\';
        out += static_cast<char>(c);
    }
  }
  return out;
}

Value decode_int_literal(std::string_view text, std::uint32_t offset) {
  std::string digits;
  for (char c : text)
    if (c != '_') digits += c;
  int base = 10;
  std::size_t start = 0;
  if (digits.size() > 2 && digits[0] == '0') {
    char b = static_cast<char>(digits[1] | 0x20);
    if (b == 'x') base = 16;
    if (b == 'o') base = 8;
    if (b == 'b') base = 2;
    if (base != 10) start = 2;
  }
  std::int64_t v = 0;
  auto r = std::from_chars(digits.data() + start, digits.data() + digits.size(), v, base);
  if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size())
    throw_parse_error("unsupported: integer literal " + std::string(text) +
                          " does not fit in 64 bits (kjit's integers are 64-bit)",
                      offset);
  return Value::integer(v);
}

Value decode_float_literal(std::string_view text) {
  std::string digits;
  for (char c : text)
    if (c != '_') digits += c;
  // strtod rounds correctly, like Python's float(); overflow gives inf as
  // literal_eval does.
  return Value::floating(std::strtod(digits.c_str(), nullptr));
}

}  // namespace kjit::jit::detail
