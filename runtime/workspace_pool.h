// Workspace pool: one device buffer per (CUDA context, stream), grown on
// demand and shared by every kjit kernel launched on that stream. Launches
// on one stream run in order, so they can share it (a plan's programmatic
// dependent launches wait for the earlier launch before reading what it
// wrote, and a plan's first launch is never programmatic, so it waits for
// the previous plan to finish).
//
// Hot path: `stream_workspace` first checks a thread-local memo of the last
// (context, stream) and the buffer's size (one atomic load): no lock, no
// allocation, no driver call. Growing (slow path, under the pool's mutex)
// allocates a new buffer of max(need, 1.5 x old) bytes. While the stream
// captures a CUDA graph the allocation runs in relaxed capture mode (what
// PyTorch's allocator does), so capture is not invalidated. Replaced and
// grown-out buffers are never freed before process exit: a captured graph
// or a launch still in flight may use them. Memory held: at most about 3x
// the largest workspace a stream needed.
//
// Caveat (documented for users): a graph captured on a stream uses that
// stream's workspace; replaying it concurrently with eager launches on the
// capture stream, or two such graphs concurrently, would share it.
//
// Thread safety: all functions may be called from any thread.
#pragma once

#include <cuda.h>

#include <cstdint>

#include "jit/util/error.h"

namespace kjit::runtime {

// The workspace of (`context`, `stream`), at least `bytes` long.
// REQUIRES: `context` is current on the calling thread; bytes > 0.
// Errors: launch_error when the allocation fails (the message says how much).
Result<CUdeviceptr> stream_workspace(CUcontext context, CUstream stream, std::uint64_t bytes);

// Bytes of device memory the pool holds (live and retired buffers), for
// tests and `KJIT_LOGLEVEL` records.
std::uint64_t workspace_pool_bytes();

}  // namespace kjit::runtime
