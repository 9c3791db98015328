// Kernel: a compiled definition you can call on your tensors. Built from an
// artifact (the cubin and launch plan for one arch) and the definition;
// `launch` checks the tensors against the definition (KernelSignature),
// infers the var axes from their shapes, resolves the launch plan
// (PlanProgram; cached per distinct key-axis tuple), provides the
// workspace, packs the arguments and issues the plan's launches on the
// caller's stream, in the caller's CUDA context.
//
// Steady state (a context and axis tuple seen before): no allocation, no
// lock, no synchronization and no driver call besides cuCtxGetCurrent and
// the launches (plus cuMemsetD8Async for a workspace buffer marked `zero`),
// so a launch can be captured into a CUDA graph.
//
// Contexts: per CUDA context (the caller's current one, else the primary
// context of the tensors' device, made current), the kernel loads its module
// on first use, reads the device's SM count and compute capability, and —
// when the device's arch differs from the artifact's — asks its
// ArtifactSource for that arch's artifact (once). Resolution cache: per
// context, an open-addressed table of 256 immutable entries filled on
// misses; when full, misses are evaluated in a thread-local scratch entry
// (still allocation-free once warm), so decode loops whose KV length
// changes every step cost one plan evaluation (~0.1-0.5 us), not a map.
//
// Workspace: the stream's buffer from workspace_pool.h, or the caller's
// (`LaunchOptions::workspace`, which must be large enough: resolve says
// how large).
//
// Thread safety: all const member functions may run concurrently from any
// threads, on any contexts and streams. Slow paths (first use in a context,
// a cache miss that inserts) take a per-kernel mutex.
#pragma once

#include <cuda.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/codegen/artifact.h"
#include "jit/util/error.h"
#include "runtime/arg_pack.h"
#include "runtime/kernel_signature.h"
#include "runtime/plan_program.h"
#include "runtime/tensor_arg.h"

namespace kjit::runtime {

// Returns the artifact of the kernel's definition for an arch ("sm_90a").
using ArtifactSource = std::function<Result<std::shared_ptr<const jit::Artifact>>(const std::string& arch)>;

// num_sms used by resolve when neither the caller nor a device says (H100 SXM).
inline constexpr std::int64_t k_default_num_sms = 132;

enum class DevicePolicy : std::uint8_t {
  // Launch in the calling thread's current context (the primary context of
  // the tensors' device when none is current); tensors on another device
  // are an error.
  current_context,
  // Launch in the primary context of the tensors' device, switching to it
  // for the call when another context is current (what PyTorch ops do).
  tensors,
};

struct LaunchOptions {
  CUdeviceptr workspace = 0;          // caller's workspace; 0 = the stream's (workspace_pool.h)
  std::uint64_t workspace_bytes = 0;  // its size
  DevicePolicy device = DevicePolicy::current_context;
};

struct ResolveOptions {
  // SMs the plan sees; 0 = the device's (when the tensors are on a device
  // and a driver is present), else k_default_num_sms.
  std::int64_t num_sms = 0;
  CUdeviceptr workspace = 0;          // base address reported for workspace arguments
  DevicePolicy device = DevicePolicy::current_context;
};

// A resolved call: what launch would do, as data (for tests and debugging).
struct ResolvedArgument {
  std::string name;
  ArgKind kind = ArgKind::integer;
  std::uint64_t bits = 0;  // pointer, integer (two's complement) or scalar bits
  std::size_t size = 8;
};
struct ResolvedKernel {
  std::string entry;
  std::array<std::uint32_t, 3> grid{};
  std::array<std::uint32_t, 3> block{};
  std::uint32_t shared_bytes = 0;
  bool pdl = false;      // as launched (the plan's pdl on sm_90+ only)
  bool skipped = false;  // a grid dimension is zero: not launched
  std::vector<ResolvedArgument> args;
};
struct ResolvedWorkspace {
  std::string name;
  std::uint64_t bytes = 0;
  std::uint64_t offset = 0;  // in the arena
  bool zero = false;
};
struct ResolvedCall {
  std::string definition;
  std::string arch;
  std::int64_t num_sms = 0;
  std::vector<std::pair<std::string, std::int64_t>> axes;  // every axis
  std::vector<ResolvedWorkspace> workspace;
  std::uint64_t workspace_bytes = 0;  // arena size
  std::vector<ResolvedKernel> launches;

  nlohmann::ordered_json to_json() const;
};

class Kernel {
 public:
  // `artifact` (with `definition`) is the kernel for its arch; `source`
  // gives other archs' (may be empty: then only the artifact's arch).
  static Result<std::shared_ptr<Kernel>> create(std::shared_ptr<const jit::Artifact> artifact, const jit::Definition& definition,
                                                ArtifactSource source);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const std::string& name() const { return m_signature.definition(); }
  const KernelSignature& signature() const { return m_signature; }
  // The artifact the kernel was created with.
  const jit::Artifact& artifact() const;

  // `tensors`: every tensor input then every output, definition order;
  // `scalars`: the scalar inputs in definition order. `stream` 0 is the
  // legacy default stream.
  Result<void> launch(std::span<const TensorArg> tensors, std::span<const ScalarValue> scalars, CUstream stream,
                      const LaunchOptions& options = {}) const;
  // By name (any order; each tensor and scalar exactly once).
  Result<void> launch(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars, CUstream stream,
                      const LaunchOptions& options = {}) const;

  // What launch would do, without launching; needs no GPU.
  Result<ResolvedCall> resolve(std::span<const TensorArg> tensors, std::span<const ScalarValue> scalars,
                               const ResolveOptions& options = {}) const;
  Result<ResolvedCall> resolve(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars,
                               const ResolveOptions& options = {}) const;

  // Arranges named arguments in slot order (pointers into the spans).
  // Errors: unknown, repeated or missing names.
  Result<void> order_named(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars,
                           const TensorArg** tensor_slots, const ScalarValue** scalar_slots) const;

  struct ArchState;
  struct ContextState;
  struct Entry;

 private:
  Kernel() = default;
  // The arguments in slot order: pointers into the caller's spans, filled by
  // order_slots for either argument form (on the stack: no allocation).
  struct Slots {
    std::array<const TensorArg*, k_max_tensors> tensors;
    std::array<const ScalarValue*, k_max_scalars> scalars;
  };
  // Positional: checks the counts. Named: order_named.
  Result<void> order_slots(std::span<const TensorArg> tensors, std::span<const ScalarValue> scalars, Slots& out) const;
  Result<void> order_slots(std::span<const NamedTensor> tensors, std::span<const NamedScalar> scalars, Slots& out) const;
  // What launch_slots and resolve_slots derive first: the axis values the
  // tensors bind (checked against the signature), their device (-1: none
  // given) and the scalars as bits.
  struct Bound {
    std::array<std::int64_t, k_max_axes> axes;
    int device = -1;
    std::array<std::uint64_t, k_max_scalars> scalar_bits;
  };
  Result<void> bind_args(const TensorArg* const* tensors, const ScalarValue* const* scalars, Bound& out) const;
  Result<void> launch_slots(const TensorArg* const* tensors, const ScalarValue* const* scalars, CUstream stream,
                            const LaunchOptions& options) const;
  Result<ResolvedCall> resolve_slots(const TensorArg* const* tensors, const ScalarValue* const* scalars,
                                     const ResolveOptions& options) const;
  Result<ContextState*> context_for(int device, DevicePolicy policy, CUcontext* restore) const;
  Result<ContextState*> create_context_state(CUcontext context) const;
  Result<const ArchState*> arch_state(const std::string& arch) const;
  Result<const Entry*> lookup(ContextState& cs, const std::int64_t* axes) const;
  Result<void> scalar_bits(const ScalarValue* const* scalars, std::uint64_t* bits) const;

  KernelSignature m_signature;
  ArtifactSource m_source;
  std::unique_ptr<ArchState> m_initial;
  mutable std::mutex m_mutex;                                   // slow paths
  mutable std::vector<std::unique_ptr<ArchState>> m_archs;      // other archs, under m_mutex
  static constexpr int k_max_contexts = 16;
  mutable std::array<std::atomic<ContextState*>, k_max_contexts> m_contexts{};
  mutable std::vector<std::unique_ptr<ContextState>> m_context_owner;  // under m_mutex
};

}  // namespace kjit::runtime
