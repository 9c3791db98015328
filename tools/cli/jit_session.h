// Shared CLI helpers for commands that go through the Jit facade: opening
// it from the global options, choosing the arch (saying once on stderr when
// it was defaulted), and summarizing an artifact's resources.
//
// Thread safety: single-threaded CLI use.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cache/cache.h"
#include "jit/api/jit.h"
#include "tools/cli/command.h"

namespace kjit::tools {

// Opens the Jit for `globals`; prints the error and returns its exit code on
// failure (in `*rc`).
std::unique_ptr<jit::Jit> open_jit(const Globals& globals, int* rc);

// `flag` if set, else KJIT_ARCH, else sm_90a with a one-time note on stderr.
std::string resolve_arch(const Globals& globals, const std::string& flag);

// Max registers and total spill bytes over an artifact's kernels.
struct ResourceSummary {
  int registers = 0;
  int spill_bytes = 0;
  int shared_bytes = 0;
};
ResourceSummary summarize(const jit::Artifact& artifact);

const char* status_name(jit::GetStatus status);

// `kjit cache stats --json` and `/v1/cache/stats`: entries, bytes, one key per
// cache counter (cache/counters.h, in table order), failures remembered, the
// size cap and the folder.
nlohmann::ordered_json cache_stats_json(const cache::Cache& cache, const cache::Stats& stats);

// The template serving `def` on the default arch, as `get` would pick it
// ("" when none, or when the template root cannot be loaded), for listings
// that need no compiler or cache. Loads the template registry of `config`
// once per process.
std::string served_by(const Config& config, const jit::Definition& def);

}  // namespace kjit::tools
