// Launch logging, like FlashInfer's FLASHINFER_LOGLEVEL: KJIT_LOGLEVEL
// (read once, when the library loads) selects what each kernel launch
// writes, KJIT_LOGDEST where:
//   0  nothing (default; the launch path reads one relaxed atomic int)
//   1  the definition name per launch
//   3  plus axes, each tensor's dtype/shape/pointer, each kernel's grid,
//      block and shared memory, the stream and the device
//   5  plus statistics of every input before and every output after the
//      launch (min, max, mean, NaN and Inf counts): this SYNCHRONIZES the
//      stream and copies the tensors to the host (the first 2^24 elements
//      of each), so use it to debug, never to measure; skipped while the
//      stream captures a CUDA graph.
// Levels 2 and 4 behave like 1 and 3. KJIT_LOGDEST: `stdout` (default),
// `stderr`, or a file path in which `%i` becomes the process id (opened for
// appending on the first record). A record is written and flushed before
// the launch is issued, so a crash or a device fault leaves the record of
// the launch that caused it.
//
// Thread safety: records are written whole under a mutex; the level may be
// changed at any time (tests), launches read it relaxed.
#pragma once

#include <cuda.h>

#include <atomic>
#include <string>
#include <string_view>

#include "jit/util/error.h"
#include "runtime/tensor_arg.h"

namespace kjit::runtime {

namespace detail {
extern std::atomic<int> g_launch_log_level;
}

inline int launch_log_level() { return detail::g_launch_log_level.load(std::memory_order_relaxed); }

// Overrides the environment (tests, the C API): `dest` as KJIT_LOGDEST.
void configure_launch_log(int level, std::string_view dest);

// The destination in effect ("stdout", "stderr" or the file path with %i expanded).
std::string launch_log_destination();

// Writes `text` (one or more complete lines) and flushes.
void write_launch_log(std::string_view text);

// "min=-1.5 max=2 mean=0.01 nan=0 inf=0 (n=28672)" for `tensor`, read after
// synchronizing `stream`; an explanation instead when it cannot be read.
std::string tensor_statistics(const TensorArg& tensor, CUstream stream);

}  // namespace kjit::runtime
