// Shared CLI helpers around the Jit facade; see jit_session.h.
#include "tools/cli/jit_session.h"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "jit/codegen/context.h"
#include "jit/codegen/template_registry.h"
#include "jit/template/environment.h"

namespace kjit::tools {

std::unique_ptr<jit::Jit> open_jit(const Globals& globals, int* rc) {
  auto jit = jit::Jit::open(globals.config());
  if (!jit) {
    *rc = report(jit.error());
    return nullptr;
  }
  *rc = 0;
  return std::move(*jit);
}

std::string resolve_arch(const Globals& globals, const std::string& flag) {
  if (!flag.empty()) return flag;
  Config c = globals.config();
  bool defaulted = false;
  std::string arch = jit::default_arch(c, &defaulted);
  static bool said = false;
  if (defaulted && !said) {
    std::fprintf(stderr, "kjit: no --arch, no KJIT_ARCH and no CUDA device; using %s\n", arch.c_str());
    said = true;
  }
  return arch;
}

ResourceSummary summarize(const jit::Artifact& artifact) {
  ResourceSummary s;
  for (const auto& r : artifact.resources) {
    s.registers = std::max(s.registers, r.registers);
    s.spill_bytes += r.spill_bytes;
    s.shared_bytes = std::max(s.shared_bytes, r.shared_bytes);
  }
  return s;
}

const char* status_name(jit::GetStatus status) {
  switch (status) {
    case jit::GetStatus::memory_hit:
    case jit::GetStatus::hit: return "hit";
    case jit::GetStatus::compiled: return "compiled";
    case jit::GetStatus::remote_hit: return "remote_hit";
  }
  return "compiled";
}

nlohmann::ordered_json cache_stats_json(const cache::Cache& cache, const cache::Stats& stats) {
  nlohmann::ordered_json j{{"entries", stats.entries}, {"bytes", stats.bytes}};
  for (const cache::CounterInfo& c : cache::k_counters) j[c.name] = stats[c.id];
  j["failures_remembered"] = stats.failures_remembered;
  j["max_bytes"] = cache.max_size();
  j["dir"] = cache.paths().root().string();
  return j;
}

std::string served_by(const Config& config, const jit::Definition& def) {
  static std::once_flag once;
  static std::unique_ptr<jit::TemplateRegistry> registry;
  static std::unique_ptr<jit::Environment> env;
  static std::string arch;
  std::call_once(once, [&] {
    auto r = jit::TemplateRegistry::load(config.templates_dir);
    if (r) registry = std::make_unique<jit::TemplateRegistry>(std::move(*r));
    env = std::make_unique<jit::Environment>(std::vector<std::filesystem::path>{config.templates_dir});
    arch = jit::default_arch(config);
  });
  if (!registry) return {};
  const jit::TemplateManifest* m = registry->serving(def, arch, *env);
  return m ? m->id : std::string();
}

}  // namespace kjit::tools
