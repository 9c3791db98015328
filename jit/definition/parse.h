// Parsing definition JSON into the Definition value model.
//
// Parsing validates first (validate.h) and fails with every error found;
// malformed JSON fails with `file:line:col`. Inputs, outputs and axes keep
// file order; unknown keys are ignored (kept only in `Definition::raw`).
//
// Thread safety: pure functions (file reads aside).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "jit/definition/issue.h"

namespace kjit::jit {

// Builds a Definition from a JSON document. `source_name` names the document
// in error messages. Fails with `invalid_argument`; the message gives the
// first error and `details` lists all of them, one per line.
Result<Definition> parse_definition(const nlohmann::ordered_json& doc, std::string_view source_name);

// Reads, parses and validates one file; sets `Definition::path`. Malformed
// JSON fails with `parse_error` and a `file:line:col:` message; a missing or
// unreadable file with `io_error`/`not_found`.
Result<Definition> load_definition_file(const std::filesystem::path& file);

// Reads a JSON file, keeping key order. Syntax errors give `parse_error`
// with `file:line:col: ...`.
Result<nlohmann::ordered_json> read_json_file(const std::filesystem::path& file);

// The lint-friendly form: never fails, returns the definition (when the file
// has no errors) and every issue found, including JSON syntax errors as an
// Issue with line and column.
struct FileParse {
  std::optional<Definition> definition;
  std::vector<Issue> issues;
};
FileParse parse_definition_file(const std::filesystem::path& file);
// The same for `text` already read from `file` (the fuzz target's entry point).
FileParse parse_definition_text(std::string_view text, const std::filesystem::path& file);

// 1-based line and column of byte `offset` (0-based) in `text`.
std::pair<int, int> line_column(std::string_view text, std::size_t offset);

}  // namespace kjit::jit
