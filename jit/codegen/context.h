// Template context: definition + arch → the JSON object templates render
// with (documented field by field in docs/templates.md).
//
// Thread safety: pure function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"
#include "jit/definition/definition.h"

namespace kjit::jit {

struct ArchInfo {
  int sm = 0;           // 90 for sm_90a
  std::string suffix;   // "", "a" or "f"
};

// Parses "sm_90a" style names; invalid_argument naming the accepted forms.
Result<ArchInfo> parse_arch_name(const std::string& arch);

// Builds the context for rendering `def` for `arch`. Objects keep the
// definition's order (axes, tensors, consts), so `{% for k in axes %}`
// iterates in definition order as Jinja2 over the definition file would.
Result<nlohmann::ordered_json> build_ordered_context(const Definition& def, const std::string& arch);
// The same context as a plain nlohmann::json (keys sorted), for callers that
// only look values up.
Result<nlohmann::json> build_context(const Definition& def, const std::string& arch);

// A C identifier derived from the definition name ("kjit_" + name with
// non-identifier characters replaced by '_').
std::string entry_prefix(const std::string& definition_name);

}  // namespace kjit::jit
