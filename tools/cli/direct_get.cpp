// The CLI's direct-mode fast path; see direct_get.h.
#include "tools/cli/direct_get.h"

#include <cstdio>

#include "cache/cache.h"
#include "jit/api/direct.h"
#include "jit/api/entry_verify.h"
#include "jit/compiler/nvrtc_version.h"

namespace kjit::tools {

std::shared_ptr<const jit::Artifact> try_direct_get(const Config& config, const std::string& name,
                                                    const std::string& arch, const std::vector<std::string>& options) {
  // The NVRTC identity is part of the direct key: read it from the memo the
  // full path keeps in the cache folder (a stat, no libnvrtc load).
  jit::set_nvrtc_identity_memo(std::filesystem::path(config.cache_dir) / "nvrtc_identity");
  auto cache = cache::Cache::open(
      {config.cache_dir, config.cache_max_size, nullptr, config.cache_read_only, &jit::verify_entry});
  const bool verbose = config.log == "info" || config.log == "debug";
  if (!cache) {
    if (verbose) std::fprintf(stderr, "kjit: direct mode: cache not usable (%s)\n", cache.error().message.c_str());
    return nullptr;
  }
  std::string why;
  auto hit = jit::direct_lookup(**cache, config, {name, arch, options}, &why);
  if (!hit || !*hit) {
    if (verbose)
      std::fprintf(stderr, "kjit: direct mode: %s: miss: %s\n", name.c_str(), hit ? why.c_str() : hit.error().message.c_str());
    return nullptr;
  }
  if (verbose) std::fprintf(stderr, "kjit: direct mode: %s: hit (no definitions loaded, no render)\n", name.c_str());
  return std::move(**hit);
}

}  // namespace kjit::tools
