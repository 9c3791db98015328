// Name rules for the parts of a definition that become file names, CUDA
// identifiers or command-line words.
//
//   definition name, op_type   [A-Za-z0-9_.-]{1,200}, not starting with '-'
//                              or '.': safe as one path component
//                              (`<op_type>/<name>.json`, `--out DIR/<name>.json`,
//                              workloads/<op_type>/<name>.jsonl), as an
//                              argument (never an option) and on a terminal
//   axis and tensor names      a C identifier of at most 64 characters: they
//                              are emitted into the rendered CUDA source as
//                              parameter names and into launch-plan JSON, so
//                              a newline or quote there would be code
//                              injection (`#include "/etc/passwd"`)
//
// Every definition in the flashinfer-trace dataset and kjit's own follows
// these rules; validate.h reports a violation as a lint error, so the loader
// skips such a file with a warning.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jit/util/error.h"

namespace kjit::jit {

inline constexpr std::size_t k_max_name_length = 200;
inline constexpr std::size_t k_max_identifier_length = 64;

// True when `name` may be a definition name or an op_type (rule above).
bool is_valid_definition_name(std::string_view name);

// True for [A-Za-z_][A-Za-z0-9_]{0,63}.
bool is_valid_identifier(std::string_view name);

// Why `name` breaks the definition-name rule, e.g. "starts with '-'"; empty
// when it is valid.
std::string definition_name_problem(std::string_view name);

// `name` for a message: printable ASCII kept, anything else as \xNN, cut
// after 80 characters ("...(5000 characters)"). Never prints raw escape
// sequences to a terminal.
std::string printable_name(std::string_view name);

// invalid_argument "<what> '<printable>' is not a valid name: <problem>; use 1-200
// characters from A-Z a-z 0-9 _ . - not starting with '-' or '.'" unless valid.
Result<void> check_definition_name(std::string_view name, std::string_view what = "definition name");

}  // namespace kjit::jit
