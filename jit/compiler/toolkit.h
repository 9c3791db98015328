// Toolkit: where the CUDA headers that rendered sources `#include` live, and
// which version they are.
//
// NVRTC 13 ships no built-in headers: `<cuda_bf16.h>`, `<cuda_fp8.h>`,
// `<cuda/std/...>` and `<cooperative_groups.h>` come from a toolkit's
// `include/` (and `include/cccl/` for libcu++). The search order prefers the
// toolkit that holds the NVRTC library actually loaded, so headers and
// compiler match:
//   1. the toolkit of the libnvrtc kjit uses (nvrtc_library.h:
//      <root>/lib64/libnvrtc.so.13 gives <root>),
//   2. KJIT_CUDA_ROOT (compile definition, the toolkit CMake found),
//   3. $CUDA_HOME, 4. $CUDA_PATH, 5. /usr/local/cuda.
// A root qualifies when `<root>/include` holds cuda.h, cuda_runtime.h,
// cuda_fp16.h, cuda_bf16.h and cuda_fp8.h.
//
// The include directories are absolute paths and are NOT part of the cache
// key (the key must not depend on where a toolkit is installed); the header
// version is, as `header_version`.
//
// Thread safety: `find_toolkit` is a pure function of the filesystem;
// `default_toolkit()` is computed once (thread-safe static) and read-only.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "jit/util/error.h"

namespace kjit::jit {

struct Toolkit {
  std::string root;                       // e.g. /usr/local/cuda-13.0
  std::vector<std::string> include_dirs;  // <root>/include, then <root>/include/cccl if present
  // "cuda 13000, cccl 3000001": CUDA_VERSION from cuda.h and CCCL_VERSION from
  // cuda/std/__cccl/version.h ("cccl none" when absent). Goes into the key.
  std::string header_version;
};

// The candidate roots in search order (see the file comment); duplicates and
// empty entries removed.
std::vector<std::string> toolkit_candidates();

// The first of `roots` whose include folder holds the required headers.
// Error not_found lists every root tried and what was missing.
Result<Toolkit> find_toolkit(std::span<const std::string> roots);

// find_toolkit(toolkit_candidates()), computed once per process.
const Result<Toolkit>& default_toolkit();

// The headers a root must have to qualify, relative to <root>/include.
std::span<const char* const> required_toolkit_headers();

}  // namespace kjit::jit
