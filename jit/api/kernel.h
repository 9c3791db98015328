// Kernels by name: the Jit facade's launch API. `Jit::kernel(name)` (or
// `open_kernel(jit, name)`, which keeps the Jit alive) returns a
// runtime::Kernel for a definition: compiled (or taken from the cache) now,
// loaded into each CUDA context on first use there, launched on the
// caller's tensors and stream (runtime/kernel.h).
//
//   auto jit = std::shared_ptr<kjit::jit::Jit>(*kjit::jit::Jit::open(kjit::Config::from_env()));
//   auto k = *kjit::jit::open_kernel(jit, "rmsnorm_h4096");
//   std::int64_t xs[] = {rows, 4096}, ws[] = {4096};
//   kjit::runtime::TensorArg x{x_ptr, xs, nullptr, 2, kjit::jit::Dtype::bfloat16};
//   ...
//   auto ok = k->launch(std::array{x, w, out}, {}, stream);
//
// Arch: KernelOptions::arch, else KJIT_ARCH, fixes it (one artifact for
// every device); when neither is set the kernel starts from default_arch()
// and, in a context whose device has another arch, compiles (or loads) that
// arch's artifact on first use there.
//
// Thread safety: as Jit and runtime::Kernel (all functions thread-safe).
#pragma once

#include <memory>
#include <string>

#include "jit/api/jit.h"
#include "jit/util/error.h"
#include "runtime/kernel.h"

namespace kjit::jit {

struct KernelOptions {
  std::string arch;            // Default: empty (KJIT_ARCH, else per device; see above)
  std::vector<std::string> options;  // extra NVRTC options, as GetOptions::options
};

// The kernel of definition `name`; the kernel holds `jit` (shared). Errors
// as Jit::get (not_found, no_template, compile_error, ...).
Result<std::shared_ptr<runtime::Kernel>> open_kernel(std::shared_ptr<Jit> jit, const std::string& name,
                                                     const KernelOptions& options = {});

}  // namespace kjit::jit
