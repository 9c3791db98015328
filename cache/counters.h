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

enum class Counter : std::uint8_t {
  hits,
  misses,
  compiles,
  compile_failures,
  corrupt_detected,
  evictions,
  remote_hits,
  remote_misses,
  remote_errors,
  remote_verify_failures,
  remote_bytes_in,
  remote_bytes_out,
  remote_puts,
  remote_lock_waits,
  remote_lock_timeouts,
};

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
    // The remote tier (cache/remote_tier.h, KJIT_REMOTE_CACHE); all zero without one.
    CounterInfo{Counter::remote_hits, "remote_hits", "Local misses served by the remote tier (verified, then stored locally)."},
    CounterInfo{Counter::remote_misses, "remote_misses", "Local misses for which the remote tier held no value."},
    CounterInfo{Counter::remote_errors, "remote_errors",
                "Remote operations that failed (down, timeout, out of memory, refused); the cache went on locally."},
    CounterInfo{Counter::remote_verify_failures, "remote_verify_failures",
                "Remote values dropped because they were damaged or did not belong to their key."},
    CounterInfo{Counter::remote_bytes_in, "remote_bytes_in", "Bytes of remote values read."},
    CounterInfo{Counter::remote_bytes_out, "remote_bytes_out", "Bytes of values written to the remote tier."},
    CounterInfo{Counter::remote_puts, "remote_puts", "Values written to the remote tier (first writer wins)."},
    CounterInfo{Counter::remote_lock_waits, "remote_lock_waits",
                "Compiles that waited for another machine holding the key's remote lock."},
    CounterInfo{Counter::remote_lock_timeouts, "remote_lock_timeouts",
                "Lock waits that ran out (or whose holder left no value) and compiled here."},
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
