// Artifact: one compiled kernel as the facade hands it out and the runtime
// loads it: the definition it was built for, the rendered source, the binary
// NVRTC produced, the lowered entry names, the launch plan and the compiler's
// resource report. Built by jit/api (from a compile or a cache entry); read by
// runtime/ (loading, launching, checking) and the CLI.
//
// Thread safety: an immutable value once built; shared as
// shared_ptr<const Artifact>.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "jit/codegen/launch_plan.h"
#include "jit/definition/definition.h"

namespace kjit::jit {

struct KernelResourceUse {
  std::string function;
  int registers = 0;
  int spill_bytes = 0;  // spill stores + loads
  int shared_bytes = 0;
  int stack_bytes = 0;
};

// What `get` returns; immutable and shared.
struct Artifact {
  std::string name;       // definition name
  std::string op_type;
  std::string arch;
  std::string key;        // 32 hex chars
  std::string template_name;  // manifest path relative to the templates root
  std::vector<std::uint8_t> cubin;
  std::string source;     // rendered CUDA
  std::map<std::string, std::string> lowered_names;
  LaunchPlan plan;
  std::vector<KernelResourceUse> resources;
  double compile_ms = 0;  // of the original compile
  std::string log;
  const Definition* definition = nullptr;  // owned by the Jit
};

}  // namespace kjit::jit
