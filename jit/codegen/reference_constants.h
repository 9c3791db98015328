// Reference constants: numeric constants assigned in a definition's PyTorch
// `reference` (e.g. `EPS = 1e-5`), which are part of the math but not of the
// schema's structure. Templates see them as `consts.EPS`; the C++ reference
// reads them from here, so both use the very same values.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace kjit::jit {

using ReferenceConstant = std::variant<std::int64_t, double>;

// Every line of the form `NAME = <int or float literal>` (any indentation,
// optional trailing comment). A name assigned twice keeps its first value.
std::map<std::string, ReferenceConstant, std::less<>> reference_constants(std::string_view reference);

// Convenience: the value of `name` as a double, if present.
std::optional<double> reference_constant(std::string_view reference, std::string_view name);

}  // namespace kjit::jit
