// `kjit warmup [--arch A[,B]] [-j N] [--shard I/N] [--filter GLOB]
// [--report FILE] [--json]`: compile every (definition served by a template
// × arch) into the cache on a thread pool, skipping hits.
//
// The definitions are those on the search path whose name matches --filter;
// the engine (items, keys, sharding, jobs, progress, summary table, report
// JSON) is warmup.h, shared with `kjit model --warmup`.
// Exit: 0 when nothing failed, 1 otherwise (failures listed on stderr).
//
// Thread safety: see warmup.h.
#include <fnmatch.h>

#include "tools/cli/jit_session.h"
#include "tools/cli/warmup.h"

namespace kjit::tools {
namespace {

// True when `filter` is empty or one of its comma-separated globs matches.
bool matches_filter(const std::string& filter, const std::string& name) {
  if (filter.empty()) return true;
  std::size_t start = 0;
  while (start <= filter.size()) {
    std::size_t comma = filter.find(',', start);
    if (comma == std::string::npos) comma = filter.size();
    const std::string glob = filter.substr(start, comma - start);
    if (!glob.empty() && ::fnmatch(glob.c_str(), name.c_str(), 0) == 0) return true;
    start = comma + 1;
  }
  return false;
}

struct Args {
  WarmupFlags warm;
  std::string shard;
  std::string filter;
  bool json = false;
};

void add_options(CLI::App& sub, Args& a) {
  a.warm.add_arch_and_jobs(sub, "target arch(s), comma-separated, e.g. sm_90a,sm_100a (env KJIT_ARCH)",
                           "parallel compile jobs (env KJIT_JOBS; default: cores, capped by memory)");
  sub.add_option("--shard", a.shard, "I/N: only the items whose key falls in shard I of N");
  sub.add_option("--filter", a.filter, "only definitions whose name matches this glob (several: comma-separated)");
  a.warm.add_report(sub, "write a JSON report to FILE (atomically)");
  sub.add_flag("--json", a.json, "print the report JSON on stdout instead of the table");
}

int run(const Globals& globals, const Args& a) {
  WarmupOptions options = a.warm.options(a.json ? WarmupOptions::Print::json : WarmupOptions::Print::table);
  if (!a.shard.empty()) {
    auto s = parse_shard(a.shard);
    if (!s) return report(s.error());
    options.shard = *s;
  }
  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;
  std::vector<const jit::Definition*> definitions;
  for (const jit::Definition* def : jit->definitions())
    if (matches_filter(a.filter, def->name)) definitions.push_back(def);
  auto outcome = warm_definitions(globals, *jit, definitions, options);
  if (!outcome) return report(outcome.error());
  return outcome->failed == 0 ? 0 : 1;
}

const CommandRegistrar registrar{{"warmup", "compile every served definition for each arch, in parallel",
                                  args_command(add_options, run), 45}};

}  // namespace
}  // namespace kjit::tools
