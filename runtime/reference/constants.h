// Numeric constants baked into a definition's PyTorch `reference` text
// (`EPS = 1e-6`), read from the definition instead of hard-coded. A thin
// view over kjit::jit::reference_constants (jit/codegen), so the templates
// and the C++ reference see the very same values.
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "jit/definition/definition.h"

namespace kjit::runtime::reference {

// Every `NAME = <number>` assignment in `def.reference` (first assignment of
// a name wins), as doubles.
std::map<std::string, double> reference_constants(const kjit::jit::Definition& def);

// The value of constant `name` in `def.reference`, if assigned there.
std::optional<double> reference_constant(const kjit::jit::Definition& def, std::string_view name);

}  // namespace kjit::runtime::reference
