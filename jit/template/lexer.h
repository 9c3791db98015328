// Lexer: template source -> tokens, following Jinja2's default lexer regexes
// (jinja2/lexer.py): delimiters {{ }}, {% %}, {# #}; '-' whitespace control on
// either side (stripping Python's Unicode whitespace) and '+' accepted;
// {% raw %}...{% endraw %}; comments dropped; Jinja's exact number, name,
// string and operator token rules (`007` is two tokens, `1.5.2` is a float
// and a subscript, `0x1f`/`0o7`/`0b1`/`1_000` are integers). The source must
// already have its newlines normalized to \n (parse_template does that, as
// Jinja does before lexing).
//
// Thread safety: a Lexer is single-use and not shared; `tokenize` is pure.
#pragma once

#include <string_view>
#include <vector>

#include "jit/template/token.h"

namespace kjit::jit::detail {

// Splits `source` into tokens ending with Tok::eof. Throws TemplateError
// (parse_error) on unterminated tags, strings, comments or raw blocks,
// unbalanced brackets and unexpected characters.
std::vector<Token> tokenize(std::string_view source);

}  // namespace kjit::jit::detail
