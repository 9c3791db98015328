// DefinitionSet: every definition on the search path, by name.
//
// The search path is a list of folders (Config::definition_search_path():
// kjit's own definitions/, then the KJIT_DEFINITIONS folders, then each
// --definitions folder). Each folder is searched
// recursively for `*.json`, files in path order. The first definition of a
// name wins; a later file with the same name and different content is
// reported in warnings() (naming both files); identical content is dropped
// silently. Files with errors are skipped and reported in warnings() (run
// `kjit lint` for details).
//
// Thread safety: immutable after load(); safe to share between threads.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"

namespace kjit::jit {

class DefinitionSet {
 public:
  // Loads `dirs` in order; each must exist (`not_found` otherwise).
  static Result<DefinitionSet> load(const std::vector<std::filesystem::path>& dirs);

  // The definition called `name`, or nullptr.
  const Definition* find(std::string_view name) const;
  // Like find(), but an unknown name is a `not_found` error suggesting close
  // names and `kjit list`.
  Result<const Definition*> get(std::string_view name) const;
  // Every definition, ordered by op_type then name.
  std::vector<const Definition*> all() const;
  // Duplicate and skipped-file reports, in load order.
  const std::vector<std::string>& warnings() const { return m_warnings; }
  // The search folders, in order.
  const std::vector<std::filesystem::path>& dirs() const { return m_dirs; }
  // The search folder `definition` was loaded from (empty if not from this set).
  std::filesystem::path source_dir(const Definition& definition) const;
  std::size_t size() const { return m_definitions.size(); }

 private:
  Result<void> load_dir(const std::filesystem::path& dir, std::size_t dir_index);
  void add(Definition definition, std::size_t dir_index);

  std::vector<std::filesystem::path> m_dirs;
  std::vector<Definition> m_definitions;  // load order
  std::vector<std::size_t> m_dir_of;      // m_dir_of[i]: index into m_dirs of m_definitions[i]
  std::unordered_map<std::string, std::size_t> m_by_name;
  std::vector<std::string> m_warnings;
};

// Every `*.json` below `dir` (recursive), sorted by path.
Result<std::vector<std::filesystem::path>> list_json_files(const std::filesystem::path& dir);

// The same definition content (order of keys ignored).
bool same_content(const Definition& a, const Definition& b);

}  // namespace kjit::jit
