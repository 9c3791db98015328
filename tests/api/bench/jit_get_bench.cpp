// Benchmark (not a test): latency of an in-process hit through Jit::get,
// the path tools take for every kernel request after the first.
// Usage: kjit_jit_get_bench [NAME] [ITERATIONS]   (default rmsnorm_h4096, 200000)
// Uses the configured cache (KJIT_CACHE_DIR) and definitions; prints p50/p99/max in ns.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jit/api/jit.h"

int main(int argc, char** argv) {
  std::string name = argc > 1 ? argv[1] : "rmsnorm_h4096";
  int iters = argc > 2 ? std::atoi(argv[2]) : 200000;
  auto jit = kjit::jit::Jit::open(kjit::Config::from_env());
  if (!jit) {
    std::fprintf(stderr, "open: %s\n", jit.error().message.c_str());
    return 1;
  }
  auto first = (*jit)->get(name, "sm_90a");
  if (!first) {
    std::fprintf(stderr, "get: %s\n", first.error().full().c_str());
    return 1;
  }
  std::vector<std::int64_t> ns(iters);
  std::size_t sink = 0;
  for (int i = 0; i < iters; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = (*jit)->get(name, "sm_90a");
    auto t1 = std::chrono::steady_clock::now();
    sink += r->artifact->cubin.size();
    ns[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  std::sort(ns.begin(), ns.end());
  std::printf("Jit::get memory hit, %s, %d iterations: p50 %lld ns, p99 %lld ns, max %lld ns (sink %zu)\n",
              name.c_str(), iters, static_cast<long long>(ns[iters / 2]),
              static_cast<long long>(ns[iters * 99 / 100]), static_cast<long long>(ns.back()), sink % 7);
  return 0;
}
