// Environment: kjit's Jinja template engine, public entry point.
//
// Renders templates exactly like Python Jinja2 3.1 configured with
// `undefined=StrictUndefined, keep_trailing_newline=True` (no autoescape,
// trim_blocks/lstrip_blocks off), or fails with an error naming the template
// line (and "unsupported: <feature>" for the few Jinja2 features kjit does
// not implement); see docs/template_engine.md. Besides the text, a render reports which
// template line produced each output line (so NVRTC errors can be mapped
// back) and every file it read with its XXH3-64 content hash (cache keys,
// watch mode).
//
// Includes resolve relative to the including template's folder first, then
// along the search path. They may only read files inside the search path's
// folders and the root template's own folder (lexically, after normalizing
// `..`): an absolute include name, or one that resolves outside those
// folders, is a render_error ("include '/etc/passwd' refused: ..."). Parsed templates are cached by content hash, so a
// re-render of an unchanged file only reads and hashes it.
//
// Thread safety: all const members may be called from many threads at once;
// the parse cache is guarded by a shared mutex.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/util/error.h"

namespace kjit::jit {

namespace detail {
class EnvironmentImpl;
}

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based
};

struct TemplateDependency {
  std::string file;
  std::string content_hash;  // XXH3-64 of the file bytes, 16 lowercase hex digits
};

struct Rendered {
  std::string text;
  // line_map[i] = the template file:line that produced output line i+1.
  std::vector<SourceLocation> line_map;
  // Every file read: the root template (for render_file) and each include.
  std::vector<TemplateDependency> dependencies;
};

class Environment {
 public:
  // `search_path`: folders searched for includes after the including
  // template's own folder.
  explicit Environment(std::vector<std::filesystem::path> search_path = {});
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Renders `file` with `context` (a JSON object, or null for none). Errors:
  // not_found (missing root file), parse_error (syntax), render_error
  // (evaluation, and raise() from the template); messages read
  // `file:line:col: message`. Dicts iterate in the context's key order: pass
  // an ordered_json to keep insertion order (nlohmann::json sorts its keys).
  Result<Rendered> render_file(const std::filesystem::path& file, const nlohmann::json& context) const;
  Result<Rendered> render_file(const std::filesystem::path& file, const nlohmann::ordered_json& context) const;

  // Renders `source`; `name` is used in messages and the line map, and its
  // folder (if any) is searched first for includes.
  Result<Rendered> render_string(std::string_view source, std::string_view name,
                                 const nlohmann::json& context) const;
  Result<Rendered> render_string(std::string_view source, std::string_view name,
                                 const nlohmann::ordered_json& context) const;

 private:
  std::unique_ptr<detail::EnvironmentImpl> m_impl;
};

// Deepest nesting of arrays/objects accepted in a template context.
inline constexpr int k_max_context_depth = 256;

// Parses a template context from JSON text (`name` is used in messages),
// keeping object keys in document order. Errors (invalid_argument): malformed
// JSON, a number out of range (1e400), nesting deeper than
// k_max_context_depth, a top level that is not an object.
Result<nlohmann::ordered_json> parse_context_json(std::string_view text, std::string_view name);
// Reads and parses a context file (not_found when it does not exist).
Result<nlohmann::ordered_json> load_context_file(const std::filesystem::path& file);

}  // namespace kjit::jit
