// Schema validation of definition JSON, with the rules of flashinfer-bench's
// Definition model: required fields and their types, axis kinds (`const`
// needs a non-negative integer `value`), shapes naming only declared axes,
// no name both input and output, a `reference` defining `def run(`, dtypes
// among the 11 of the schema.
//
// Every rule runs; all findings of a document are returned, not the first.
//
// Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/definition/definition.h"
#include "jit/definition/issue.h"

namespace kjit::jit {

// Checks one parsed JSON document; `file` is recorded in each Issue.
std::vector<Issue> validate_definition_json(const nlohmann::ordered_json& doc, const std::filesystem::path& file);

// Checks that a file found under a dataset tree as `<root>/<op_type>/<name>.json`
// agrees with its path. Mismatches are warnings (fused_add_rmsnorm lives
// under rmsnorm/), never errors. Files not exactly two levels below `root`,
// or with an empty `root`, are not checked for op_type.
std::vector<Issue> validate_location(const Definition& definition, const std::filesystem::path& file,
                                     const std::filesystem::path& root);

}  // namespace kjit::jit
