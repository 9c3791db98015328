// Literal decoding for the parser: string literals with Jinja2's escape
// semantics (the body is encoded with Python's "backslashreplace" and decoded
// with "unicode-escape", so \101, \x41, \u0041, \U00000041 and \N{...} are
// escapes, unknown escapes keep their backslash and a backslash before a
// non-ASCII character yields that character's \x/\u/\U spelling), and
// integer / float literals (underscores, 0b/0o/0x prefixes).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jit/template/value.h"

namespace kjit::jit::detail {

// Decodes the string literal token `text` (including its quotes) at byte
// `offset`. Throws TemplateError (parse_error) for malformed escapes and
// "unsupported: ..." for escapes kjit cannot represent (lone surrogates,
// \N{...} names).
std::string decode_string_literal(std::string_view text, std::uint32_t offset);

// Value of an integer token (Python int(text.replace("_", ""), 0)); integers
// beyond 64 bits are "unsupported: ...".
Value decode_int_literal(std::string_view text, std::uint32_t offset);
// Value of a float token.
Value decode_float_literal(std::string_view text);

}  // namespace kjit::jit::detail
