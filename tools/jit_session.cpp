// Shared CLI helpers around the Jit facade; see jit_session.h.
#include "tools/jit_session.h"

#include <algorithm>
#include <cstdio>

#include "jit/codegen/context.h"

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
  }
  return "compiled";
}

}  // namespace kjit::tools
