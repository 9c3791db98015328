// Template contexts from JSON: nlohmann::json / ordered_json values become
// engine Values (objects keep their key order: sorted for nlohmann::json,
// document order for ordered_json), with the nesting bounded.
//
// Thread safety: pure functions.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "jit/template/renderer.h"

namespace kjit::jit::detail {

// The outermost scope for a render: the context object's keys as variables
// (null: no variables). Throws TemplateError for values nested deeper than
// k_max_value_depth.
std::shared_ptr<Scope> context_scope(const nlohmann::json& context);
std::shared_ptr<Scope> context_scope(const nlohmann::ordered_json& context);

}  // namespace kjit::jit::detail
