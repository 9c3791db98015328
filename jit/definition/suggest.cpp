// Edit-distance suggestions; see suggest.h.
//
// Thread safety: pure functions.
#include "jit/definition/suggest.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace kjit::jit {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the DP table at a time: O(|b|) memory.
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_names(std::string_view query, const std::vector<std::string>& candidates,
                                       std::size_t limit) {
  std::size_t threshold = std::max<std::size_t>(2, query.size() / 3);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& name : candidates) {
    std::size_t d = edit_distance(query, name);
    bool contains = !query.empty() && name.find(query) != std::string::npos;
    if (d <= threshold || contains) scored.emplace_back(contains ? std::min(d, threshold) : d, name);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (auto& [d, name] : scored) {
    if (out.size() >= limit) break;
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

}  // namespace kjit::jit
