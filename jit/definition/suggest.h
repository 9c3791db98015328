// Close-name suggestions for "unknown name" errors (Levenshtein distance).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kjit::jit {

// Levenshtein distance between `a` and `b` (insert, delete, substitute = 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` names from `candidates` closest to `query`: names within an
// edit distance of max(2, |query|/3), plus names containing `query`, nearest first.
std::vector<std::string> closest_names(std::string_view query, const std::vector<std::string>& candidates,
                                       std::size_t limit = 3);

}  // namespace kjit::jit
