// Frame analysis: reproduces the part of Jinja2 3.1's compile-time symbol
// tracking (jinja2/idtracking.py, compiler.py) that changes results.
//
// * Jinja2 compiles the template top level, each for-loop body, for-else,
//   macro, call-block caller, block set, filter block and with block as a
//   "frame". A name that a frame stores before any reference to it (and that
//   no enclosing frame references) starts out undefined in that frame: until
//   the assignment runs, the frame and the frames nested in it see it as
//   undefined, even when the render context has the name. Stores inside `if`
//   branches never do this (they resolve from the enclosing frame or the
//   context, as in Jinja2 3.1.3+).
// * A for loop defines `loop` only when its body references `loop`
//   (otherwise `loop` inside, e.g. in an included template, is the enclosing
//   loop's); a macro accepts extra positional / keyword arguments or a
//   `caller` only when its body references `varargs` / `kwargs` / `caller`.
//
// Thread safety: runs once per parse on a tree nobody else sees yet.
#pragma once

#include "jit/template/ast.h"

namespace kjit::jit::detail {

// Fills the frame_assigned lists and the loop / macro flags under `body`;
// returns the top level's frame_assigned.
FrameAssigned analyze_frames(StmtList& body);
// Whether `body` loads `name` before any store of it (Jinja's find_undeclared).
bool references_name(const StmtList& body, const std::string& name);

}  // namespace kjit::jit::detail
