// Parser: tokens -> AST, following Jinja2 3.1's grammar and operator
// precedence (or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary -
// < postfix/filters/tests). Statements: if/elif/else, for (with unpacking,
// `if` filter and else), set (expression, unpacking, `ns.attr`, block form),
// macro, include, raw (handled by the lexer).
//
// Thread safety: pure function.
#pragma once

#include <memory>
#include <string>

#include "jit/template/ast.h"

namespace kjit::jit::detail {

// Parses `source`; throws TemplateError (parse_error) with the offset of the
// offending token. Nesting deeper than a fixed limit is an error, never a
// stack overflow.
std::shared_ptr<const ParsedTemplate> parse_template(std::string source);

}  // namespace kjit::jit::detail
