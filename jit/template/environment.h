// Environment: kjit's Jinja template engine, public entry point.
//
// Renders templates exactly like Python Jinja2 3.1 configured with
// `undefined=StrictUndefined, keep_trailing_newline=True` (no autoescape,
// trim_blocks/lstrip_blocks off). Besides the text, a render reports which
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

  // Renders `file` with `context` (a JSON object). Errors: not_found (missing
  // root file), parse_error (syntax), render_error (evaluation); messages read
  // `file:line:col: message`.
  Result<Rendered> render_file(const std::filesystem::path& file, const nlohmann::json& context) const;

  // Renders `source`; `name` is used in messages and the line map, and its
  // folder (if any) is searched first for includes.
  Result<Rendered> render_string(std::string_view source, std::string_view name,
                                 const nlohmann::json& context) const;

 private:
  std::unique_ptr<detail::EnvironmentImpl> m_impl;
};

}  // namespace kjit::jit
