// Deduplication of derived definitions against the definitions already on
// the search path, with lint's rules (jit/definition/lint.h):
//   exists    the same name with the same op_type, axes (kinds and constant
//             values), inputs and outputs — or another name with all of
//             that: the existing name is reused;
//   conflict  the same name with a different op_type, axes, inputs or
//             outputs (lint's `conflicts`), or with a different value of a
//             numeric constant both references define (EPS: it is compiled
//             into the kernel, so the existing kernel would compute
//             something else);
//   new       neither.
// Reference code is otherwise not compared: kjit writes its own references.
//
// Thread safety: immutable after construction; classify() may run concurrently.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "jit/definition/definition.h"

namespace kjit::jit {

enum class DedupStatus { new_definition, exists, conflict };
std::string_view to_string(DedupStatus status);  // "new", "exists", "conflict"

struct DedupResult {
  DedupStatus status = DedupStatus::new_definition;
  const Definition* existing = nullptr;      // exists / conflict: the definition on the search path
  std::vector<std::string> differences;      // conflict: "inputs", "constant EPS (1e-05 there, 1e-06 here)", ...
  std::vector<std::string> missing_tags;     // exists: model:/tp:/ep: tags of the derived one it lacks
};

class DefinitionIndex {
 public:
  // Indexes `definitions`; when several of other names share a derived
  // definition's structure, the first in this order is the one reused.
  explicit DefinitionIndex(const std::vector<const Definition*>& definitions);
  DedupResult classify(const Definition& derived) const;

 private:
  std::map<std::string, const Definition*, std::less<>> m_by_name;
  std::multimap<std::string, const Definition*> m_by_structure;
};

}  // namespace kjit::jit
