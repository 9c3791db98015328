// Token: the lexer's output unit. A token keeps a view into the template
// source (which outlives it), its byte offset, and for text tokens the
// 1-based line where the text starts (needed for the output line map).
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string_view>

namespace kjit::jit::detail {

enum class Tok : std::uint8_t {
  text,         // template data between tags (already whitespace-trimmed)
  var_begin,    // {{
  var_end,      // }}
  block_begin,  // {%
  block_end,    // %}
  name,
  integer,
  floating,
  string,  // text = the literal including quotes
  add, sub, mul, div, floordiv, mod, pow, tilde,
  eq, ne, lt, gt, le, ge, assign,
  dot, comma, colon, pipe, semicolon,
  lparen, rparen, lbracket, rbracket, lbrace, rbrace,
  eof,
};

struct Token {
  Tok kind = Tok::eof;
  std::uint32_t offset = 0;
  std::string_view text;
  int line = 1;  // line of `offset` (text, var_begin, block_begin tokens)
};

// For messages: "'}}'", "name 'x'", "end of template", ...
const char* describe(Tok kind);

}  // namespace kjit::jit::detail
