// Metrics for `kjit serve`, rendered as Prometheus text: requests by route
// and status code, kernel hits and misses, a compile-seconds histogram,
// kernel gets in flight, and the disk cache's counters (cache/counters.h,
// as kjit_cache_<name>_total; shared by every process using the cache).
//
// Thread safety: every method may be called concurrently (one mutex for the
// request map; atomics for the rest).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "cache/entry.h"

namespace kjit::tools {

class Metrics {
 public:
  void request(const std::string& route, int status);
  void hit() { m_hits.fetch_add(1, std::memory_order_relaxed); }
  void miss() { m_misses.fetch_add(1, std::memory_order_relaxed); }
  void compile_seconds(double seconds);
  // Counts a kernel get (compile or cache read) in progress while alive.
  struct InFlight {
    explicit InFlight(Metrics& m) : m_m(m) { m_m.m_in_flight.fetch_add(1); }
    ~InFlight() { m_m.m_in_flight.fetch_sub(1); }
    Metrics& m_m;
  };
  // `cache`: the cache counters to export (nullptr: none, e.g. unreadable).
  std::string prometheus(const cache::Stats* cache) const;

 private:
  static constexpr std::array<double, 9> k_buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, int>, std::uint64_t> m_requests;  // guarded by m_mutex
  std::array<std::uint64_t, k_buckets.size() + 1> m_bucket_counts{};  // guarded by m_mutex (+Inf last)
  double m_compile_sum = 0;                                            // guarded by m_mutex
  std::atomic<std::uint64_t> m_hits{0}, m_misses{0};
  std::atomic<std::int64_t> m_in_flight{0};
};

}  // namespace kjit::tools
