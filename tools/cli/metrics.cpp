// Prometheus text exposition; see metrics.h.
#include "tools/cli/metrics.h"

#include <cstdio>

namespace kjit::tools {

void Metrics::request(const std::string& route, int status) {
  std::lock_guard lock(m_mutex);
  m_requests[{route, status}]++;
}

void Metrics::compile_seconds(double seconds) {
  std::lock_guard lock(m_mutex);
  std::size_t i = 0;
  while (i < k_buckets.size() && seconds > k_buckets[i]) ++i;
  m_bucket_counts[i]++;
  m_compile_sum += seconds;
}

std::string Metrics::prometheus(const cache::Stats* cache) const {
  std::string out;
  char line[512];
  std::lock_guard lock(m_mutex);
  out += "# HELP kjit_http_requests_total HTTP requests by route and status code.\n"
         "# TYPE kjit_http_requests_total counter\n";
  for (const auto& [k, n] : m_requests) {
    std::snprintf(line, sizeof line, "kjit_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n", k.first.c_str(),
                  k.second, static_cast<unsigned long long>(n));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "# HELP kjit_kernel_hits_total Kernel requests served from memory or the disk cache.\n"
                "# TYPE kjit_kernel_hits_total counter\nkjit_kernel_hits_total %llu\n"
                "# HELP kjit_kernel_misses_total Kernel requests that compiled.\n"
                "# TYPE kjit_kernel_misses_total counter\nkjit_kernel_misses_total %llu\n"
                "# HELP kjit_kernel_gets_in_flight Kernel gets in progress (compiles and cache reads).\n"
                "# TYPE kjit_kernel_gets_in_flight gauge\nkjit_kernel_gets_in_flight %lld\n",
                static_cast<unsigned long long>(m_hits.load()), static_cast<unsigned long long>(m_misses.load()),
                static_cast<long long>(m_in_flight.load()));
  out += line;
  out += "# HELP kjit_compile_seconds NVRTC compile time of kernels compiled by this server.\n"
         "# TYPE kjit_compile_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= k_buckets.size(); ++i) {
    cumulative += m_bucket_counts[i];
    if (i < k_buckets.size())
      std::snprintf(line, sizeof line, "kjit_compile_seconds_bucket{le=\"%g\"} %llu\n", k_buckets[i],
                    static_cast<unsigned long long>(cumulative));
    else
      std::snprintf(line, sizeof line, "kjit_compile_seconds_bucket{le=\"+Inf\"} %llu\n",
                    static_cast<unsigned long long>(cumulative));
    out += line;
  }
  std::snprintf(line, sizeof line, "kjit_compile_seconds_sum %.6f\nkjit_compile_seconds_count %llu\n", m_compile_sum,
                static_cast<unsigned long long>(cumulative));
  out += line;
  if (cache) {
    for (const cache::CounterInfo& c : cache::k_counters) {
      std::snprintf(line, sizeof line, "# HELP kjit_cache_%s_total %s\n# TYPE kjit_cache_%s_total counter\nkjit_cache_%s_total %llu\n",
                    c.name, c.help, c.name, c.name, static_cast<unsigned long long>((*cache)[c.id]));
      out += line;
    }
  }
  return out;
}

}  // namespace kjit::tools
