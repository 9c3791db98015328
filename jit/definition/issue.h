// Issue: one finding about a definition file (an error or a warning), located
// by file path and JSON pointer (RFC 6901), with a message that says what to do.
//
// Validation, loading and lint all report findings as Issues so the CLI can
// print them one per line (`path: /pointer: message`) or as JSON.
//
// Thread safety: plain values.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kjit::jit {

enum class Severity { error, warning };

std::string_view to_string(Severity severity);

struct Issue {
  Severity severity = Severity::error;
  std::filesystem::path file;
  std::string pointer;  // JSON pointer into the file; "" = the whole document
  std::string message;  // plain words: what is wrong and what to do
  int line = 0;         // 1-based; set only for JSON syntax errors
  int column = 0;

  // `file: /pointer: message`, or `file:line:col: message` for syntax errors.
  std::string to_string() const;
  nlohmann::ordered_json to_json() const;
};

// Escapes one reference token for a JSON pointer (`~` -> `~0`, `/` -> `~1`).
std::string json_pointer_token(std::string_view token);

// Number of issues of `severity` in `issues`.
std::size_t count_issues(const std::vector<Issue>& issues, Severity severity);

}  // namespace kjit::jit
