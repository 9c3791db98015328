// The warm-up engine; see warmup.h. Moved out of cmd_warmup.cpp unchanged
// so that `kjit model --warmup` runs the very same code.
#include "tools/cli/warmup.h"

#include <chrono>
#include <cstdio>
#include <map>

#include "tools/cli/atomic_write.h"
#include "tools/cli/jit_session.h"
#include "tools/cli/parallel.h"
#include "tools/cli/progress.h"

namespace kjit::tools {
namespace {

using nlohmann::ordered_json;

struct Item {
  std::string name, arch, op_type;
  std::string status;  // compiled | hit | remote_hit | failed | skipped
  bool shared = false; // a local hit written to the remote tier (it lacked it)
  double ms = 0;
  std::string key;
  int registers = 0, spill_bytes = 0;
  std::string error;  // failed: the message; skipped: why
};

ordered_json item_json(const Item& it) {
  ordered_json j{{"name", it.name}, {"arch", it.arch}, {"status", it.status}, {"ms", it.ms},
                 {"key", it.key},   {"registers", it.registers}, {"spill_bytes", it.spill_bytes}};
  if (it.shared) j["shared"] = true;
  if (!it.error.empty()) j["error"] = it.error;
  return j;
}

}  // namespace

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

Result<WarmupOutcome> warm_definitions(const Globals& globals, jit::Jit& jit,
                                       const std::vector<const jit::Definition*>& definitions,
                                       const WarmupOptions& options) {
  std::vector<std::string> archs = options.archs;
  if (archs.empty()) archs.push_back(resolve_arch(globals, ""));
  const Shard shard = options.shard;
  std::string note;
  int jobs = effective_jobs(options.jobs, globals.config().jobs, &note);
  if (!note.empty()) std::fprintf(stderr, "%s\n", note.c_str());

  // Candidates: served (name, arch) pairs; unserved definitions are skipped.
  std::vector<Item> candidates, skipped;
  for (const jit::Definition* def : definitions) {
    for (const auto& arch : archs) {
      const bool served = !jit.served_by(*def, arch).empty();  // per arch: `require` may test sm
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
    auto k = jit.key(it.name, it.arch);
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
      auto got = jit.get(it.name, it.arch);
      it.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (got) {
        const auto& art = *got->artifact;
        it.status = status_name(got->status);
        it.key = art.key;
        // A fleet warm-up fills the remote tier: compiles are written there
        // by the cache; local hits it may lack are written here.
        if (got->status == jit::GetStatus::hit && jit.cache().remote()) {
          auto shared = jit.cache().share(art.key);
          it.shared = shared && *shared;
        }
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
  for (const char* s : {"compiled", "hit", "remote_hit", "failed", "skipped"}) by_status[s] = {0, 0.0};
  int shared = 0;
  ordered_json arr = ordered_json::array();
  for (const auto& it : items) {
    by_status[it.status].first++;
    by_status[it.status].second += it.ms;
    shared += it.shared ? 1 : 0;
    arr.push_back(item_json(it));
  }
  for (const auto& it : skipped) {
    by_status["skipped"].first++;
    arr.push_back(item_json(it));
  }
  ordered_json totals{{"items", items.size() + skipped.size()},
                      {"compiled", by_status["compiled"].first},
                      {"hit", by_status["hit"].first},
                      {"remote_hit", by_status["remote_hit"].first},
                      {"shared", shared},
                      {"failed", by_status["failed"].first},
                      {"skipped", by_status["skipped"].first},
                      {"compile_ms", by_status["compiled"].second},
                      {"wall_ms", wall_ms},
                      {"jobs", jobs},
                      {"archs", archs},
                      {"shard", std::to_string(shard.index) + "/" + std::to_string(shard.count)}};
  WarmupOutcome outcome;
  outcome.report = ordered_json{{"items", arr}, {"totals", totals}};
  outcome.failed = by_status["failed"].first;
  if (!options.report_file.empty()) KJIT_TRY_VOID(write_file_atomic(options.report_file, outcome.report.dump(2) + "\n"));
  if (options.print == WarmupOptions::Print::json) {
    std::printf("%s\n", outcome.report.dump().c_str());
  } else if (options.print == WarmupOptions::Print::table) {
    std::printf("%-10s %6s %12s\n", "STATUS", "ITEMS", "TIME");
    for (const char* s : {"compiled", "hit", "remote_hit", "failed", "skipped"})
      std::printf("%-10s %6d %9.1f ms\n", s, by_status[s].first, by_status[s].second);
    std::printf("%-10s %6zu %9.1f ms  wall, %d jobs, shard %llu/%llu\n", "total", items.size() + skipped.size(),
                wall_ms, jobs, static_cast<unsigned long long>(shard.index),
                static_cast<unsigned long long>(shard.count));
  }
  std::fflush(stdout);
  if (outcome.failed > 0) {
    std::fprintf(stderr, "kjit: warmup: %d item(s) failed:\n", outcome.failed);
    for (const auto& it : items)
      if (it.status == "failed")
        std::fprintf(stderr, "  %s (%s): %s\n", it.name.c_str(), it.arch.c_str(), it.error.c_str());
  }
  return outcome;
}

}  // namespace kjit::tools
