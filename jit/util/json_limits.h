// Bounded JSON: the size and nesting limits every JSON document from outside
// kjit goes through (definition files, HTTP request bodies, template
// manifests, rendered launch plans, workload lines, context files).
//
// Why: nlohmann::json parses iteratively, but copying, comparing and dumping a
// value recurse once per nesting level, so a 200 KB file holding a
// 100,000-deep array parses fine and then overflows the stack of whoever
// copies it (the definition loader did, taking every command down). A cheap
// pre-scan (one pass over the bytes, strings skipped) rejects such documents
// before nlohmann sees them; the size limit keeps a huge file from being
// read into memory at all.
//
// Limits: 16 MiB and 64 levels by default. kjit's own documents are at most
// a few KiB and 5 levels deep (a definition: object > inputs > tensor >
// shape array), so the depth bound leaves a wide margin and stays far below
// what the recursive operations can take on a 256 KiB thread stack.
//
// Thread safety: pure functions (read_file_bounded reads the filesystem).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"

namespace kjit {

// Default: 16 MiB.
inline constexpr std::size_t k_json_max_bytes = std::size_t{16} << 20;
// Default: 64 levels of arrays/objects.
inline constexpr int k_json_max_depth = 64;

struct JsonLimits {
  std::size_t max_bytes = k_json_max_bytes;
  int max_depth = k_json_max_depth;
};

struct JsonLimitError {
  std::size_t offset = 0;  // byte offset where the limit was crossed
  std::string message;     // without a location, e.g. "nested deeper than 64 levels"
};

// Checks the size and the nesting depth of `text` without parsing it. Does
// not validate the syntax (the parser does): brackets inside strings are
// skipped, an unbalanced document is left to the parser.
std::optional<JsonLimitError> check_json_limits(std::string_view text, const JsonLimits& limits = {});

// `text` with every byte outside printable ASCII (controls, DEL, non-ASCII)
// written as \xNN: nlohmann's syntax errors quote the bytes last read, which
// may be invalid UTF-8 or terminal escapes; a message must be safe to print
// and to put in JSON (dumping invalid UTF-8 throws).
std::string ascii_safe(std::string_view text);

// 1-based line and column of byte `offset` (0-based) of `text`.
std::pair<int, int> text_line_column(std::string_view text, std::size_t offset);

// Parses `text` within `limits`. `what` names the document in messages,
// which read "<what>:<line>:<col>: <problem>". Errors: parse_error (syntax,
// over-deep or over-large document).
Result<nlohmann::json> parse_json(std::string_view text, std::string_view what, const JsonLimits& limits = {});
Result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, std::string_view what,
                                                  const JsonLimits& limits = {});

// Reads the whole of `file` if it is a regular file of at most `max_bytes`
// (checked before reading, so a huge or endless file is never read).
// Errors: not_found (missing), invalid_argument (not a regular file, too
// large), io_error (unreadable).
Result<std::string> read_file_bounded(const std::filesystem::path& file, std::size_t max_bytes = k_json_max_bytes);

}  // namespace kjit
