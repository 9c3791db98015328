// The warm-up engine shared by `kjit warmup` and `kjit model --warmup`:
// compile every (definition served by a template x arch) into the cache on a
// thread pool, skipping hits, with the same progress lines, summary table and
// report JSON ({"items": [...], "totals": {...}}) for both commands.
//
// WarmupFlags: the flags of both commands that set the engine's options.
//
// Items: each given definition that a template serves, for each arch;
// unserved ones are listed as `skipped` (not failures). Sharding: every
// item's cache key is computed first (render + hash, no compile);
// `shard` keeps the items whose key is in shard I of N (shard.h). Jobs: -j,
// else KJIT_JOBS, else cores, capped by MemAvailable / ~600 MB per NVRTC job
// (parallel.h). Progress goes to stderr: a bar on a TTY, one line per item
// otherwise.
//
// Thread safety: items run concurrently through the thread-safe Jit; each
// worker writes only its own item slot. Call from one thread.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/api/jit.h"
#include "tools/cli/command.h"
#include "tools/cli/shard.h"

namespace kjit::tools {

struct WarmupOptions {
  std::vector<std::string> archs;  // empty: --arch default (KJIT_ARCH, the device's, else sm_90a)
  int jobs = 0;                    // 0: KJIT_JOBS, else cores (memory-capped)
  Shard shard;                     // default 0/1: everything
  std::string report_file;         // written atomically when set
  enum class Print { table, json, none } print = Print::table;  // what goes to stdout
};

struct WarmupOutcome {
  nlohmann::ordered_json report;  // {"items": [...], "totals": {...}}
  int failed = 0;                 // items whose compile (or render) failed
};

// Warms `definitions` (from `jit`) for every arch. Failed items are listed
// on stderr after the summary. Errors: writing the report file.
Result<WarmupOutcome> warm_definitions(const Globals& globals, jit::Jit& jit,
                                       const std::vector<const jit::Definition*>& definitions,
                                       const WarmupOptions& options);

// "sm_90a,sm_100a" -> {"sm_90a", "sm_100a"} (empty parts dropped).
std::vector<std::string> split_archs(const std::string& text);

// The flags both commands warm with: --arch A[,B], -j/--jobs N and --report FILE (each command
// with its own help text), and the WarmupOptions they set.
struct WarmupFlags {
  std::string arch;         // comma-separated
  int jobs = 0;
  std::string report_file;

  // --arch, then -j,--jobs.
  void add_arch_and_jobs(CLI::App& sub, const std::string& arch_help, const std::string& jobs_help) {
    sub.add_option("--arch", arch, arch_help);
    sub.add_option("-j,--jobs", jobs, jobs_help);
  }
  void add_report(CLI::App& sub, const std::string& help) { sub.add_option("--report", report_file, help); }

  // Options with the archs, jobs and report file of the flags, printing `print`.
  WarmupOptions options(WarmupOptions::Print print) const {
    WarmupOptions o;
    o.archs = split_archs(arch);
    o.jobs = jobs;
    o.report_file = report_file;
    o.print = print;
    return o;
  }
};

}  // namespace kjit::tools
