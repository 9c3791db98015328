// kjit_remote_bench: what a remote hit costs against a compile, in process.
//
//   kjit_remote_bench REDIS_URL DEFINITION [ARCH] [N]
//
// Compiles DEFINITION three times (Force::yes through the Jit facade: render,
// NVRTC, store locally, write to Redis) and takes the median wall time; then,
// N times (default 50), opens a cache on an empty folder with the same remote
// and times `get_or_compile` of the key: local miss, Redis GET, decode,
// verify_entry (key recomputed from the stored inputs, cubin ELF parsed for
// the arch, plan parsed), local publish (blobs + index row, fsynced), served.
// A compile there would be a failure: the bench's compile callback refuses.
// Prints one JSON object. Run by tools/bench/bench_remote.sh.
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

  std::vector<double> hit_ms;
  std::uint64_t value_bytes = 0;
  for (int i = 0; i < n; ++i) {
    Config c = config;
    c.cache_dir = root / ("hit" + std::to_string(i));
    auto options = jit::cache_options(c);
    auto cache = options ? cache::Cache::open(*options) : std::unexpected(options.error());
    if (!cache) {
      std::fprintf(stderr, "%s\n", cache.error().message.c_str());
      return 1;
    }
    auto refuse = []() -> Result<cache::Entry> { return fail(ErrorCode::internal, "the bench expected a remote hit"); };
    auto t0 = Clock::now();
    auto got = (*cache)->get_or_compile(key, refuse);
    hit_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!got || got->outcome != cache::Outcome::remote_hit) {
      std::fprintf(stderr, "iteration %d: not a remote hit: %s\n", i, got ? "local" : got.error().message.c_str());
      return 1;
    }
    (*cache)->flush_stats();
    if (auto st = (*cache)->stats()) value_bytes = (*st)[cache::Counter::remote_bytes_in];
  }
  std::sort(hit_ms.begin(), hit_ms.end());
  auto pct = [&](double p) { return hit_ms[static_cast<std::size_t>(p * (hit_ms.size() - 1))]; };
  nlohmann::ordered_json j{{"definition", def},
                           {"arch", arch},
                           {"cubin_bytes", cubin_bytes},
                           {"value_bytes", value_bytes},
                           {"compile_ms_median", compile_ms[1]},
                           {"remote_hit_ms_p50", pct(0.5)},
                           {"remote_hit_ms_p90", pct(0.9)},
                           {"remote_hit_ms_min", hit_ms.front()},
                           {"remote_hit_ms_max", hit_ms.back()},
                           {"hits", n},
                           {"compile_over_hit_p50", compile_ms[1] / pct(0.5)}};
  std::printf("%s\n", j.dump(2).c_str());
  std::error_code ec;
  fs::remove_all(root, ec);
  return 0;
}
