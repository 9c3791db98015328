// The "which template serves this definition" hook used by `kjit list` and
// `kjit show`. kjit_definition cannot depend on the codegen layer, so codegen
// installs its lookup here at startup with set_served_by(); until then
// served_by() returns "" (shown as `-`).
//
// Thread safety: call set_served_by() once during startup, before any thread
// calls served_by(); the pointer is stored atomically.
#pragma once

#include <string>

#include "jit/definition/definition.h"

namespace kjit::jit {

// Returns the template path serving a definition, or "" when none does.
using ServedByFn = std::string (*)(const Definition&);

// Installs `fn` (nullptr restores the default, which returns "").
void set_served_by(ServedByFn fn);

// The installed function's answer for `definition`; "" when none installed.
std::string served_by(const Definition& definition);

}  // namespace kjit::jit
