// Adapts kjit::jit::reference_constants to the reference's double values.
//
// Thread safety: pure functions.
#include "runtime/reference/constants.h"

#include <variant>

#include "jit/codegen/reference_constants.h"

namespace kjit::runtime::reference {

std::map<std::string, double> reference_constants(const kjit::jit::Definition& def) {
  std::map<std::string, double> constants;
  for (const auto& [name, value] : kjit::jit::reference_constants(def.reference)) {
    constants.emplace(name, std::visit([](auto v) { return static_cast<double>(v); }, value));
  }
  return constants;
}

std::optional<double> reference_constant(const kjit::jit::Definition& def, std::string_view name) {
  return kjit::jit::reference_constant(def.reference, name);
}

}  // namespace kjit::runtime::reference
