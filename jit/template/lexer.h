// Lexer: template source -> tokens, following Jinja2's default lexer
// (delimiters {{ }}, {% %}, {# #}; '-' whitespace control on either side;
// {% raw %}...{% endraw %}; comments dropped; \r\n and \r in text become \n
// later in the parser, as Jinja normalizes newlines).
//
// Thread safety: a Lexer is single-use and not shared; `tokenize` is pure.
#pragma once

#include <string_view>
#include <vector>

#include "jit/template/token.h"

namespace kjit::jit::detail {

// Splits `source` into tokens ending with Tok::eof. Throws TemplateError
// (parse_error) on unterminated tags, strings or comments.
std::vector<Token> tokenize(std::string_view source);

}  // namespace kjit::jit::detail
