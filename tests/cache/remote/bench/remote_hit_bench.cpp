// kjit_remote_bench: what a remote hit costs against a compile, in process.
//
//   kjit_remote_bench REDIS_URL DEFINITION [ARCH] [N]
//
// Compiles DEFINITION three times (Force::yes through the Jit facade: render,
// NVRTC, store locally, write to Redis) and takes the median wall time; then
// times `get_or_compile` of the key N times (default 50), each in a cache
// opened (untimed) on an empty folder, as on a new machine or after a wipe:
// local miss, Redis GET, decode, verify_entry (key recomputed from the stored
// inputs, cubin ELF parsed for the arch, plan parsed), local publish (blobs +
// index row; no fsync: atomic_file.h, Durability::cached), served. A compile
// there would be a failure: the callback refuses. (A long-lived cache also
// pays, every few inserts of any kind, SQLite's WAL checkpoint with its
// fsync; index.cpp.) Prints one JSON object. Run by tools/bench/bench_remote.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/cache.h"
#include "jit/api/jit.h"

using namespace kjit;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s REDIS_URL DEFINITION [ARCH] [N]\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1], def = argv[2], arch = argc > 3 ? argv[3] : "sm_90a";
  const int n = argc > 4 ? std::atoi(argv[4]) : 50;
  const fs::path root = fs::temp_directory_path() / ("kjit_remote_bench_" + std::to_string(::getpid()));
  fs::create_directories(root);

  Config config = Config::from_env();
  config.cache_dir = root / "seed";
  config.remote_cache = url;
  auto jit = jit::Jit::open(config);
  if (!jit) {
    std::fprintf(stderr, "%s\n", jit.error().message.c_str());
    return 1;
  }
  std::vector<double> compile_ms;
  std::string key;
  std::size_t cubin_bytes = 0;
  jit::GetOptions force;
  force.force = true;
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    auto got = (*jit)->get(def, arch, force);
    compile_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!got) {
      std::fprintf(stderr, "%s\n", got.error().message.c_str());
      return 1;
    }
    key = got->artifact->key;
    cubin_bytes = got->artifact->cubin.size();
  }
  std::sort(compile_ms.begin(), compile_ms.end());

  auto refuse = []() -> Result<cache::Entry> { return fail(ErrorCode::internal, "the bench expected a remote hit"); };
  std::uint64_t value_bytes = 0;
  // One timed remote hit in `c`; false (after saying why) when it was not one.
  auto timed_hit = [&](cache::Cache& c, std::vector<double>& out) {
    auto t0 = Clock::now();
    auto got = c.get_or_compile(key, refuse);
    out.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!got || got->outcome != cache::Outcome::remote_hit) {
      std::fprintf(stderr, "not a remote hit: %s\n", got ? "served locally" : got.error().message.c_str());
      return false;
    }
    c.flush_stats();
    if (auto st = c.stats()) value_bytes = (*st)[cache::Counter::remote_bytes_in];
    return true;
  };
  auto open_at = [&](const fs::path& dir) -> std::unique_ptr<cache::Cache> {
    Config c = config;
    c.cache_dir = dir;
    auto options = jit::cache_options(c);
    auto cache = options ? cache::Cache::open(*options) : std::unexpected(options.error());
    if (!cache) {
      std::fprintf(stderr, "%s\n", cache.error().message.c_str());
      return nullptr;
    }
    return std::move(*cache);
  };
  std::vector<double> hit_ms;
  for (int i = 0; i < n; ++i) {
    auto cache = open_at(root / ("hit" + std::to_string(i)));
    if (!cache || !timed_hit(*cache, hit_ms)) return 1;
  }
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * (v.size() - 1))];
  };
  nlohmann::ordered_json j{{"definition", def},
                           {"arch", arch},
                           {"cubin_bytes", cubin_bytes},
                           {"value_bytes", value_bytes},
                           {"compile_ms_median", compile_ms[1]},
                           {"hits", n},
                           {"remote_hit_ms_p50", pct(hit_ms, 0.5)},
                           {"remote_hit_ms_p90", pct(hit_ms, 0.9)},
                           {"remote_hit_ms_min", pct(hit_ms, 0)},
                           {"remote_hit_ms_max", pct(hit_ms, 1)},
                           {"compile_over_hit_p50", compile_ms[1] / pct(hit_ms, 0.5)}};
  std::printf("%s\n", j.dump(2).c_str());
  std::error_code ec;
  fs::remove_all(root, ec);
  return 0;
}
