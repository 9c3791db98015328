// Lint: validate every definition file under some folders and report, as the
// flashinfer-trace data pipeline does, how definitions repeat:
//   duplicates          the same name in several files
//   conflicts           the same name with different op_type/axes/inputs/outputs
//   identical_but_name  different names, same op_type, axes, inputs, outputs
//                       and reference (the name replaced, whitespace ignored)
//   shared_across_models  name -> models, for definitions tagged `model:` with >= 2 models
//   structurally_shared   groups of different names with the same op_type,
//                       axes, inputs and outputs (reference ignored) that
//                       together serve >= 2 models: one kernel could serve all
//
// Thread safety: pure functions over the filesystem.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "jit/definition/issue.h"

namespace kjit::jit {

struct DuplicateName {
  std::string name;
  std::vector<std::filesystem::path> files;  // load order
  bool identical = false;                    // all files have the same content
};

struct NameConflict {
  std::string name;
  std::vector<std::filesystem::path> files;
  std::vector<std::string> fields;  // which of op_type, axes, inputs, outputs differ
};

struct DefinitionGroup {
  std::vector<std::string> names;            // sorted
  std::vector<std::filesystem::path> files;  // one per name, same order
  std::vector<std::string> models;           // union of `model:` tags, sorted
};

struct LintReport {
  std::size_t valid = 0;    // files without errors
  std::size_t invalid = 0;  // files with at least one error
  std::vector<Issue> errors;
  std::vector<Issue> warnings;
  std::vector<DuplicateName> duplicates;
  std::vector<NameConflict> conflicts;
  std::vector<DefinitionGroup> identical_but_name;
  std::map<std::string, std::vector<std::string>> shared_across_models;
  std::vector<DefinitionGroup> structurally_shared;

  bool clean() const { return invalid == 0; }
  // The `kjit lint --json` object (design.md's keys, then extensions).
  nlohmann::ordered_json to_json() const;
  // Human form: errors, warnings, summary, dedup report.
  std::string to_text() const;
};

// Lints every `*.json` under each of `paths` (a folder, searched recursively,
// or a single file). A path that does not exist is a `not_found` error.
Result<LintReport> lint(const std::vector<std::filesystem::path>& paths);

// Structure of a definition as a canonical string: op_type, axes (sorted by
// name; kind and value), inputs and outputs (in order; shape, dtype, optional).
std::string structure_signature(const Definition& definition);

// structure_signature plus the reference with the name replaced and runs of
// whitespace collapsed.
std::string identity_signature(const Definition& definition);

}  // namespace kjit::jit
