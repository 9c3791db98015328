// Frame analysis: reproduces the part of Jinja2's compile-time symbol tracking
// (jinja2/idtracking.py) that changes results. Jinja2 compiles the template top
// level, each for-loop body and each macro body as a "frame". A name that a
// frame assigns before any reference to it (and that no enclosing frame
// references) starts out undefined in that frame; nested frames (loop bodies,
// macros) then see it as undefined until the assignment runs, even when the
// render context has the name. References before the first assignment, or
// assignments in only some `if` branches, resolve from the context instead.
//
// Thread safety: runs once per parse on a tree nobody else sees yet.
#pragma once

#include "jit/template/ast.h"

namespace kjit::jit::detail {

// Fills ForStmt::frame_assigned and MacroStmt::frame_assigned under `body`.
void analyze_frames(StmtList& body);

}  // namespace kjit::jit::detail
