// Parallel-for and memory-capped job counts; see parallel.h.
#include "tools/cli/parallel.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace kjit::tools {

void parallel_for(std::size_t n, int jobs, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  std::size_t threads = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, jobs)));
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  if (threads == 1) {
    worker();
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
}

std::optional<std::uint64_t> mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("MemAvailable:")) continue;
    std::istringstream fields(line.substr(13));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

int effective_jobs(int requested, int config_jobs, std::string* note) {
  int jobs = requested > 0 ? requested : config_jobs > 0 ? config_jobs
                                                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (auto avail = mem_available_bytes()) {
    int cap = static_cast<int>(std::max<std::uint64_t>(1, *avail / k_nvrtc_job_bytes));
    if (cap < jobs) {
      if (note)
        *note = "kjit: limiting to " + std::to_string(cap) + " parallel compile jobs (of " + std::to_string(jobs) +
                "): MemAvailable " + std::to_string(*avail >> 20) + " MiB / ~" +
                std::to_string(k_nvrtc_job_bytes >> 20) + " MiB per NVRTC job";
      jobs = cap;
    }
  }
  return jobs;
}

}  // namespace kjit::tools
