// kjit_cache_bench: times the cache's cold-process hit path.
//
//   kjit_cache_bench populate DIR N [CUBIN_BYTES]   insert N entries (default 64 KiB cubins)
//   kjit_cache_bench hit DIR I [REPEAT]             open + lookup entry I, in REPEAT fresh
//                                                   Cache objects; prints microseconds
//
// Thread safety: single-threaded program.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "cache/cache.h"
#include "jit/util/hash.h"

using namespace kjit::cache;
using kjit::xxh3_128_hex;

namespace {

std::string key_for(int n) { return xxh3_128_hex("bench-key-" + std::to_string(n)); }

Entry make_entry(int n, std::size_t cubin_bytes) {
  Entry e;
  e.key = key_for(n);
  e.definition = "bench_def_" + std::to_string(n);
  e.op_type = "rmsnorm";
  e.arch = "sm_90a";
  e.nvrtc_version = "13.0";
  std::mt19937 rng(static_cast<unsigned>(n));
  e.cubin.resize(cubin_bytes);
  for (auto& b : e.cubin) b = static_cast<std::uint8_t>(rng());
  e.source.assign(20000, 'x');
  e.source += std::to_string(n);
  e.dependencies = {{"templates/norm/rmsnorm.cu.j2", "aa"}};
  return e;
}

double us_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s populate DIR N [CUBIN_BYTES] | hit DIR I [REPEAT]\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  CacheOptions options{argv[2]};
  int n = std::atoi(argv[3]);
  if (mode == "populate") {
    std::size_t bytes = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 65536;
    auto cache = Cache::open(options);
    if (!cache) return std::fprintf(stderr, "%s\n", cache.error().message.c_str()), 1;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
      if (auto r = (*cache)->insert(make_entry(i, bytes)); !r) return std::fprintf(stderr, "%s\n", r.error().message.c_str()), 1;
    std::printf("populated %d entries in %.1f ms (%.2f ms/insert)\n", n, us_since(t0) / 1000, us_since(t0) / 1000 / n);
    return 0;
  }
  if (mode == "hit") {
    int repeat = argc > 4 ? std::atoi(argv[4]) : 1;
    for (int r = 0; r < repeat; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto cache = Cache::open(options);
      if (!cache) return std::fprintf(stderr, "%s\n", cache.error().message.c_str()), 1;
      double open_us = us_since(t0);
      auto t1 = std::chrono::steady_clock::now();
      auto hit = (*cache)->lookup(key_for(n));
      double lookup_us = us_since(t1);
      if (!hit || !*hit) return std::fprintf(stderr, "expected a hit for entry %d\n", n), 1;
      std::printf("open %.0f us, lookup %.0f us (%zu cubin bytes), total %.0f us\n", open_us, lookup_us,
                  (*hit)->cubin.size(), us_since(t0));
    }
    return 0;
  }
  std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
  return 2;
}
