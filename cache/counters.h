// The cache's counters, defined once: their stable names (the SQLite
// `counters` table rows, `kjit cache stats` text and JSON keys,
// `/v1/cache/stats` keys) and one-line meanings (Prometheus HELP text,
// exported as kjit_cache_<name>_total). Adding a counter is one row here:
// the index inserts missing rows on open, and every listing iterates the table.
//
// Thread safety: constant data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace kjit::cache {

enum class Counter : std::uint8_t { hits, misses, compiles, compile_failures, corrupt_detected, evictions };

struct CounterInfo {
  Counter id;
  const char* name;  // stable: tests, scripts and dashboards read it
  const char* help;
};

inline constexpr std::array k_counters = {
    CounterInfo{Counter::hits, "hits", "Lookups served from the disk cache."},
    CounterInfo{Counter::misses, "misses", "Lookups that found no usable entry."},
    CounterInfo{Counter::compiles, "compiles", "Entries compiled and stored."},
    CounterInfo{Counter::compile_failures, "compile_failures", "Compiles that failed (the failure is remembered)."},
    CounterInfo{Counter::corrupt_detected, "corrupt_detected",
                "Blobs found corrupt or missing on read or by verify (quarantined)."},
    CounterInfo{Counter::evictions, "evictions", "Entries evicted to stay under the size cap."},
};
inline constexpr std::size_t k_counter_count = k_counters.size();

constexpr const CounterInfo& counter_info(Counter c) { return k_counters[static_cast<std::size_t>(c)]; }

// The table is indexed by the enum: each row sits at its own id's position.
consteval bool counters_in_enum_order() {
  for (std::size_t i = 0; i < k_counters.size(); ++i)
    if (static_cast<std::size_t>(k_counters[i].id) != i) return false;
  return true;
}
static_assert(counters_in_enum_order(), "k_counters rows must follow the Counter enum's order");

}  // namespace kjit::cache
