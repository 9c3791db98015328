// Emulation of one observable consequence of Jinja2's constant folding:
// Jinja2's optimizer replaces every constant subexpression with its value and
// the compiler writes that value into Python source with repr(). A constant
// that is (or contains) an infinite or NaN float becomes the Python name
// `inf` / `nan`, which fails with NameError when that code runs, unless the
// constant is a whole {{ }} output (rendered at compile time). So
// `{% set x = 1e400 %}` and `{% set x = 'inf'|float %}` fail in Jinja2 while
// `{{ 1e400 }}` prints "inf". This pass finds such constants (mirroring
// jinja2.nodes' as_const rules) and replaces them with an ErrorExpr.
//
// Thread safety: runs once per parse on a tree nobody else sees yet.
#pragma once

#include "jit/template/ast.h"

namespace kjit::jit::detail {

void mark_nonfinite_constants(StmtList& body);

}  // namespace kjit::jit::detail
