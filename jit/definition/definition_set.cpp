// DefinitionSet loading and lookup; see definition_set.h.
//
// Thread safety: load() builds a fresh set on the caller's thread; the
// result is immutable.
#include "jit/definition/definition_set.h"

#include <algorithm>

#include "jit/definition/names.h"
#include "jit/definition/parse.h"
#include "jit/definition/suggest.h"

namespace kjit::jit {

namespace fs = std::filesystem;

Result<std::vector<fs::path>> list_json_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return fail(ErrorCode::not_found, dir.string() + ": definitions folder does not exist; check --definitions "
                                                     "and KJIT_DEFINITIONS");
  std::vector<fs::path> files;
  // Unreadable sub-folders are skipped, and symlinked folders are followed
  // only k_max_depth deep, so a permission problem or a symlink loop below
  // `dir` costs those files, not the whole search path.
  constexpr int k_max_depth = 16;
  fs::recursive_directory_iterator it(
      dir, fs::directory_options::follow_directory_symlink | fs::directory_options::skip_permission_denied, ec);
  const fs::recursive_directory_iterator end;
  if (ec) return fail(ErrorCode::io_error, dir.string() + ": cannot list folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return fail(ErrorCode::io_error, dir.string() + ": cannot list folder: " + ec.message());
    if (it.depth() >= k_max_depth) it.disable_recursion_pending();
    std::error_code file_ec;
    if (it->path().extension() == ".json" && it->is_regular_file(file_ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool same_content(const Definition& a, const Definition& b) {
  // nlohmann::json (not ordered) compares objects regardless of key order.
  return nlohmann::json::parse(a.raw.dump()) == nlohmann::json::parse(b.raw.dump());
}

Result<DefinitionSet> DefinitionSet::load(const std::vector<fs::path>& dirs) {
  DefinitionSet set;
  std::vector<fs::path> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(dir, ec);
    if (ec) canonical = dir;
    // The same folder twice on the path (env and flag) is searched once.
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) continue;
    seen.push_back(canonical);
    set.m_dirs.push_back(dir);
    KJIT_TRY_VOID(set.load_dir(dir, set.m_dirs.size() - 1));
  }
  return set;
}

Result<void> DefinitionSet::load_dir(const fs::path& dir, std::size_t dir_index) {
  auto files = KJIT_TRY(list_json_files(dir));
  for (const auto& file : files) {
    FileParse parsed = parse_definition_file(file);
    if (!parsed.definition) {
      std::size_t errors = count_issues(parsed.issues, Severity::error);
      m_warnings.push_back(file.string() + ": skipped, " + std::to_string(errors) +
                           (errors == 1 ? " error" : " errors") + " (run `kjit lint " + file.string() +
                           "` for details)");
      continue;
    }
    add(std::move(*parsed.definition), dir_index);
  }
  return {};
}

void DefinitionSet::add(Definition definition, std::size_t dir_index) {
  auto it = m_by_name.find(definition.name);
  if (it != m_by_name.end()) {
    const Definition& first = m_definitions[it->second];
    if (!same_content(first, definition))
      m_warnings.push_back("definition '" + definition.name + "' in " + definition.path.string() +
                           " differs from the one in " + first.path.string() + "; using " + first.path.string() +
                           " (earlier on the search path)");
    return;
  }
  m_by_name.emplace(definition.name, m_definitions.size());
  m_definitions.push_back(std::move(definition));
  m_dir_of.push_back(dir_index);
}

const Definition* DefinitionSet::find(std::string_view name) const {
  auto it = m_by_name.find(std::string(name));
  return it == m_by_name.end() ? nullptr : &m_definitions[it->second];
}

Result<const Definition*> DefinitionSet::get(std::string_view name) const {
  if (const Definition* d = find(name)) return d;
  // A name no definition can have (names.h): say so, without echoing control
  // characters or 5000-character names back to a terminal or a log.
  KJIT_TRY_VOID(check_definition_name(name));
  std::vector<std::string> names;
  names.reserve(m_definitions.size());
  for (const auto& d : m_definitions) names.push_back(d.name);
  std::vector<std::string> close = closest_names(name, names);
  std::string message = "unknown definition '" + std::string(name) + "'";
  if (!close.empty()) {
    message += "; did you mean ";
    for (std::size_t i = 0; i < close.size(); ++i) message += (i ? ", '" : "'") + close[i] + "'";
    message += "?";
  }
  message += " Run `kjit list` to see all " + std::to_string(m_definitions.size()) +
             " definitions, or add a folder with --definitions DIR";
  return fail(ErrorCode::not_found, message);
}

std::vector<const Definition*> DefinitionSet::all() const {
  std::vector<const Definition*> out;
  out.reserve(m_definitions.size());
  for (const auto& d : m_definitions) out.push_back(&d);
  std::sort(out.begin(), out.end(), [](const Definition* a, const Definition* b) {
    return std::tie(a->op_type, a->name) < std::tie(b->op_type, b->name);
  });
  return out;
}

fs::path DefinitionSet::source_dir(const Definition& definition) const {
  for (std::size_t i = 0; i < m_definitions.size(); ++i)
    if (&m_definitions[i] == &definition) return m_dirs[m_dir_of[i]];
  return {};
}

}  // namespace kjit::jit
