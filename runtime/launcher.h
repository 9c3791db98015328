// Launcher: runs a compiled artifact by its launch plan (docs/templates.md).
//
// `prepare` resolves the plan for one binding of the axes, allocates the
// workspace buffers and packs every launch's arguments; `run` then issues
// the launches in order on a stream (zero-filling workspace marked `zero`
// first, skipping grids with a zero dimension) and can be called many times
// (bench). Loaded modules are cached per artifact key, and each function's
// dynamic shared memory limit is raised once when a launch needs > 48 KiB.
// Launch parameters (plan "params", e.g. a sampling kernel's seed and offset):
// `prepare` takes the caller's values, else for a counter parameter (one
// with "advance") the value this Launcher's previous run of the same kernel
// left, else the plan's default; every `run` passes the current values and
// then advances the counters (plan and per-kernel), so consecutive launches
// of a sampling kernel draw fresh random numbers, as a PyTorch generator's
// offset does, while a caller that gives seed and offset gets reproducible
// draws.
//
// Thread safety: a Launcher is used by one thread at a time (it caches
// modules in an unsynchronized map); the Device it holds may be shared.
#pragma once

#include <cuda.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jit/codegen/launch_plan.h"
#include "jit/util/error.h"
#include "jit/codegen/artifact.h"
#include "runtime/arg_pack.h"
#include "runtime/driver.h"

namespace kjit::runtime {

// One ready launch: function, geometry, packed arguments.
struct PreparedKernel {
  std::string entry;
  CUfunction function = nullptr;
  std::array<std::uint32_t, 3> grid{};
  std::array<std::uint32_t, 3> block{};
  std::uint32_t shared_bytes = 0;
  PackedArgs args;
  bool skipped = false;  // a grid dimension is zero
  bool pdl = false;      // programmatic dependent launch (plan "pdl", device sm_90+)
  // Arguments that are launch parameters: (index into args, index into the plan's params).
  std::vector<std::pair<std::size_t, std::size_t>> param_args;
};

// A plan resolved for one binding, with its workspace allocated.
struct PreparedPlan {
  std::string artifact_key;
  jit::ResolvedPlan resolved;  // resolved.params: the values the next run passes
  std::vector<DeviceBuffer> workspace;
  std::vector<bool> workspace_zero;
  std::vector<PreparedKernel> kernels;
};

// Builds the argument table of one binding: every axis, lets and num_sms
// (from `resolved.values`), tensors, scalars and workspace pointers.
ArgTable make_arg_table(const jit::ResolvedPlan& resolved,
                        const std::map<std::string, std::uint64_t, std::less<>>& tensors,
                        const std::map<std::string, ScalarArg, std::less<>>& scalars,
                        const std::vector<std::uint64_t>& workspace_ptrs);

class Launcher {
 public:
  explicit Launcher(std::shared_ptr<Device> device);

  const Device& device() const { return *m_device; }

  // REQUIRES: `axes` binds every axis of the artifact's definition;
  // `tensors` maps every tensor named in the plan to its device pointer.
  // `params`: launch-parameter values (see above); a name the plan does not
  // declare is an error.
  Result<PreparedPlan> prepare(const jit::Artifact& artifact, const jit::Bindings& axes,
                               const std::map<std::string, std::uint64_t, std::less<>>& tensors,
                               const std::map<std::string, ScalarArg, std::less<>>& scalars,
                               const jit::Bindings& params = {});
  // Issues the prepared launches on `stream` (asynchronous), then advances
  // the plan's counter parameters.
  Result<void> run(PreparedPlan& plan, CUstream stream);

 private:
  struct LoadedModule {
    Module module;
    std::map<std::string, CUfunction, std::less<>> functions;
    std::map<CUfunction, std::uint32_t> shared_limit;   // raised limit per function
    std::map<CUfunction, std::uint32_t> static_shared;  // __shared__ bytes per function
    std::map<std::string, std::int64_t, std::less<>> counters;  // next value of each counter parameter
  };
  Result<LoadedModule*> load(const jit::Artifact& artifact);
  Result<CUfunction> function(LoadedModule& module, const std::string& entry, std::uint32_t shared_bytes);

  std::shared_ptr<Device> m_device;
  std::map<std::string, std::unique_ptr<LoadedModule>, std::less<>> m_modules;  // by artifact key
};

}  // namespace kjit::runtime
