// Reference templates: the PyTorch `reference` code kjit writes for every
// definition it derives from a model (jit/model/references/<name>.py, one per
// op form, compiled into the library so a derivation needs no data folder).
//
// A template names the numbers it needs as {{NAME}} (upper-case letters,
// digits and '_'); render_reference() substitutes every one. Rendering fails
// when a placeholder has no value or a value matches no placeholder, so a
// reference is never emitted half-filled and a caller never passes a value
// that silently does nothing.
//
// Thread safety: pure functions over constant data.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"

namespace kjit::jit {

using ReferenceValues = std::map<std::string, std::string, std::less<>>;

// Names of the embedded templates, sorted ("gemm", "rmsnorm", ...).
std::vector<std::string_view> reference_template_names();

// The text of template `name`; `not_found` naming the known templates.
Result<std::string_view> reference_template(std::string_view name);

// Template `name` with each {{KEY}} replaced by values[KEY]. Errors
// (`internal`: they are bugs in the deriving code, not user errors): unknown
// template, a placeholder without a value, a value without a placeholder.
Result<std::string> render_reference(std::string_view name, const ReferenceValues& values);

}  // namespace kjit::jit
