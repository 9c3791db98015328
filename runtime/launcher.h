// Launcher: runs a compiled artifact by its launch plan (docs/templates.md).
//
// `prepare` resolves the plan for one binding of the axes, allocates the
// workspace buffers and packs every launch's arguments; `run` then issues
// the launches in order on a stream (zero-filling workspace marked `zero`
// first, skipping grids with a zero dimension) and can be called many times
// (bench). Loaded modules are cached per artifact key, and each function's
// dynamic shared memory limit is raised once when a launch needs > 48 KiB.
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
};

// A plan resolved for one binding, with its workspace allocated.
struct PreparedPlan {
  jit::ResolvedPlan resolved;
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
  Result<PreparedPlan> prepare(const jit::Artifact& artifact, const jit::Bindings& axes,
                               const std::map<std::string, std::uint64_t, std::less<>>& tensors,
                               const std::map<std::string, ScalarArg, std::less<>>& scalars);
  // Issues the prepared launches on `stream` (asynchronous).
  Result<void> run(PreparedPlan& plan, CUstream stream);

 private:
  struct LoadedModule {
    Module module;
    std::map<std::string, CUfunction, std::less<>> functions;
    std::map<CUfunction, std::uint32_t> shared_limit;   // raised limit per function
    std::map<CUfunction, std::uint32_t> static_shared;  // __shared__ bytes per function
  };
  Result<LoadedModule*> load(const jit::Artifact& artifact);
  Result<CUfunction> function(LoadedModule& module, const std::string& entry, std::uint32_t shared_bytes);

  std::shared_ptr<Device> m_device;
  std::map<std::string, std::unique_ptr<LoadedModule>, std::less<>> m_modules;  // by artifact key
};

}  // namespace kjit::runtime
