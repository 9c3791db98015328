// Python's printf-style string formatting (`fmt % args`), used by the `%`
// operator on strings and by the `format` filter. A port of CPython's
// PyUnicode_Format: %(key) mapping keys, flags -+ #0, width and precision
// (also `*`), ignored length modifiers h/l/L, conversions s r a d i u o x X
// e E f F g G c %, Python's sign/padding/alternate-form rules, code-point
// widths and precisions, and Python's errors (not enough arguments, not all
// arguments converted, unsupported format character, ...).
//
// Thread safety: pure function.
#pragma once

#include <string>

#include "jit/template/value.h"

namespace kjit::jit::detail {

// `fmt % args`: `args` is a tuple (positional), a mapping (dict: %(key)s
// lookups, also used whole by a plain %s) or any single value. With
// `escape_args` (a Markup format string) %s/%r/%a arguments are HTML-escaped.
std::string percent_format(const std::string& fmt, const Value& args, bool escape_args);

}  // namespace kjit::jit::detail
