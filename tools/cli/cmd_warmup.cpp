// `kjit warmup [--arch A[,B]] [-j N] [--shard I/N] [--filter GLOB]
// [--report FILE] [--json]`: compile every (definition served by a template
// × arch) into the cache on a thread pool, skipping hits.
//
// Items: each definition on the search path whose name matches --filter and
// that a template serves, for each arch. Unserved definitions are listed as
// `skipped` (not failures). Sharding: every item's cache key is computed
// first (render + hash, no compile); `--shard I/N` keeps the items whose key
// is in shard I (shard.h), so N machines cover the set exactly once. Jobs:
// -j, else KJIT_JOBS, else cores, capped by MemAvailable / ~600 MB per
// NVRTC job (parallel.h). Progress: a bar on a TTY, one line per item
// otherwise; then a summary table (or the report JSON with --json).
// `--report FILE` writes {"items": [...], "totals": {...}} atomically.
// Exit: 0 when nothing failed, 1 otherwise (failures listed on stderr).
//
// Thread safety: items run concurrently through the thread-safe Jit; each
// worker writes only its own item slot.
#include <fnmatch.h>

#include <chrono>
#include <cstdio>

#include "tools/cli/atomic_write.h"
#include "tools/cli/jit_session.h"
#include "tools/cli/parallel.h"
#include "tools/cli/progress.h"
#include "tools/cli/shard.h"

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

using nlohmann::ordered_json;

struct Args {
  std::string arch;
  int jobs = 0;
  std::string shard;
  std::string filter;
  std::string report_file;
  bool json = false;
};

struct Item {
  std::string name, arch, op_type;
  std::string status;  // compiled | hit | failed | skipped
  double ms = 0;
  std::string key;
  int registers = 0, spill_bytes = 0;
  std::string error;  // failed: the message; skipped: why
};

std::vector<std::string> split_archs(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

ordered_json item_json(const Item& it) {
  ordered_json j{{"name", it.name}, {"arch", it.arch}, {"status", it.status}, {"ms", it.ms},
                 {"key", it.key},   {"registers", it.registers}, {"spill_bytes", it.spill_bytes}};
  if (!it.error.empty()) j["error"] = it.error;
  return j;
}

int run(const Globals& globals, const Args& a) {
  Shard shard;
  if (!a.shard.empty()) {
    auto s = parse_shard(a.shard);
    if (!s) return report(s.error());
    shard = *s;
  }
  int rc = 0;
  auto jit = open_jit(globals, &rc);
  if (!jit) return rc;
  std::vector<std::string> archs = split_archs(a.arch);
  if (archs.empty()) archs.push_back(resolve_arch(globals, ""));
  std::string note;
  int jobs = effective_jobs(a.jobs, globals.config().jobs, &note);
  if (!note.empty()) std::fprintf(stderr, "%s\n", note.c_str());

  // Candidates: served (name, arch) pairs; unserved definitions are skipped.
  std::vector<Item> candidates, skipped;
  for (const jit::Definition* def : jit->definitions()) {
    if (!matches_filter(a.filter, def->name)) continue;
    bool served = !jit->served_by(*def).empty();
    for (const auto& arch : archs) {
      Item it;
      it.name = def->name;
      it.arch = arch;
      it.op_type = def->op_type;
      if (served) {
        candidates.push_back(std::move(it));
      } else {
        it.status = "skipped";
        it.error = "no template serves it";
        skipped.push_back(std::move(it));
      }
    }
  }
  // Keys (render + hash, no compile), in parallel; a render error is a
  // failure of that item. Items without a key shard by name+arch.
  parallel_for(candidates.size(), jobs, [&](std::size_t i) {
    Item& it = candidates[i];
    auto k = jit->key(it.name, it.arch);
    if (k) {
      it.key = k->hex;
    } else {
      it.status = "failed";
      it.error = k.error().message;
    }
  });
  std::vector<Item> items;
  for (auto& it : candidates) {
    const std::string& shard_text = it.key.empty() ? it.name + "@" + it.arch : it.key;
    if (shard_of(shard_text, shard.count) == shard.index) items.push_back(std::move(it));
  }
  std::erase_if(skipped, [&](const Item& it) { return shard_of(it.name + "@" + it.arch, shard.count) != shard.index; });

  auto t0 = std::chrono::steady_clock::now();
  Progress progress(items.size(), "warmup");
  parallel_for(items.size(), jobs, [&](std::size_t i) {
    Item& it = items[i];
    if (it.status.empty()) {
      auto start = std::chrono::steady_clock::now();
      auto got = jit->get(it.name, it.arch);
      it.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (got) {
        const auto& art = *got->artifact;
        it.status = status_name(got->status);
        it.key = art.key;
        ResourceSummary s = summarize(art);
        it.registers = s.registers;
        it.spill_bytes = s.spill_bytes;
      } else {
        it.status = "failed";
        it.error = got.error().message;
      }
    }
    char line[512];
    std::snprintf(line, sizeof line, "%-8s %-44s %-8s %8.1f ms  regs %3d  spills %d", it.status.c_str(),
                  it.name.c_str(), it.arch.c_str(), it.ms, it.registers, it.spill_bytes);
    std::string text = line;
    if (it.status == "failed") text += "  " + it.error;
    progress.done(text, it.status == "failed");
  });
  progress.finish();
  double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::map<std::string, std::pair<int, double>> by_status;  // count, ms
  for (const char* s : {"compiled", "hit", "failed", "skipped"}) by_status[s] = {0, 0.0};
  ordered_json arr = ordered_json::array();
  for (const auto& it : items) {
    by_status[it.status].first++;
    by_status[it.status].second += it.ms;
    arr.push_back(item_json(it));
  }
  for (const auto& it : skipped) {
    by_status["skipped"].first++;
    arr.push_back(item_json(it));
  }
  ordered_json totals{{"items", items.size() + skipped.size()},
                      {"compiled", by_status["compiled"].first},
                      {"hit", by_status["hit"].first},
                      {"failed", by_status["failed"].first},
                      {"skipped", by_status["skipped"].first},
                      {"compile_ms", by_status["compiled"].second},
                      {"wall_ms", wall_ms},
                      {"jobs", jobs},
                      {"archs", archs},
                      {"shard", std::to_string(shard.index) + "/" + std::to_string(shard.count)}};
  ordered_json doc{{"items", arr}, {"totals", totals}};
  if (!a.report_file.empty()) {
    auto w = write_file_atomic(a.report_file, doc.dump(2) + "\n");
    if (!w) return report(w.error());
  }
  if (a.json) {
    std::printf("%s\n", doc.dump().c_str());
  } else {
    std::printf("%-10s %6s %12s\n", "STATUS", "ITEMS", "TIME");
    for (const char* s : {"compiled", "hit", "failed", "skipped"})
      std::printf("%-10s %6d %9.1f ms\n", s, by_status[s].first, by_status[s].second);
    std::printf("%-10s %6zu %9.1f ms  wall, %d jobs, shard %llu/%llu\n", "total", items.size() + skipped.size(),
                wall_ms, jobs, static_cast<unsigned long long>(shard.index),
                static_cast<unsigned long long>(shard.count));
  }
  std::fflush(stdout);
  int failed = by_status["failed"].first;
  if (failed == 0) return 0;
  std::fprintf(stderr, "kjit: warmup: %d item(s) failed:\n", failed);
  for (const auto& it : items)
    if (it.status == "failed") std::fprintf(stderr, "  %s (%s): %s\n", it.name.c_str(), it.arch.c_str(), it.error.c_str());
  return 1;
}

RunFn setup(CLI::App& sub, const Globals& globals) {
  auto a = std::make_shared<Args>();
  sub.add_option("--arch", a->arch, "target arch(s), comma-separated, e.g. sm_90a,sm_100a (env KJIT_ARCH)");
  sub.add_option("-j,--jobs", a->jobs, "parallel compile jobs (env KJIT_JOBS; default: cores, capped by memory)");
  sub.add_option("--shard", a->shard, "I/N: only the items whose key falls in shard I of N");
  sub.add_option("--filter", a->filter, "only definitions whose name matches this glob (several: comma-separated)");
  sub.add_option("--report", a->report_file, "write a JSON report to FILE (atomically)");
  sub.add_flag("--json", a->json, "print the report JSON on stdout instead of the table");
  return [&globals, a]() { return run(globals, *a); };
}

const CommandRegistrar registrar{{"warmup", "compile every served definition for each arch, in parallel", setup, 45}};

}  // namespace
}  // namespace kjit::tools
