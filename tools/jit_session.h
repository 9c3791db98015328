// Shared CLI helpers for commands that go through the Jit facade: opening
// it from the global options, choosing the arch (saying once on stderr when
// it was defaulted), and summarizing an artifact's resources.
//
// Thread safety: single-threaded CLI use.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "jit/jit.h"
#include "tools/command.h"

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

}  // namespace kjit::tools
