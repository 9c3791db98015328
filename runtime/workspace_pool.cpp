// Workspace pool (see workspace_pool.h).
//
// Thread safety: the pool is a process-lifetime object (never destroyed, so
// thread-local memos that point into it stay valid); slots are created and
// grown under its mutex and published with release stores.
#include "runtime/workspace_pool.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "jit/util/str_cat.h"
#include "runtime/driver.h"

namespace kjit::runtime {
namespace {

struct Block {
  CUdeviceptr ptr = 0;
  std::uint64_t bytes = 0;
};

struct Slot {
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  std::atomic<const Block*> block{nullptr};
};

struct Pool {
  std::mutex mutex;
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<std::unique_ptr<Block>> blocks;  // every buffer ever allocated
  std::atomic<std::uint64_t> bytes{0};
};

Pool& pool() {
  static Pool* p = new Pool();  // leaked on purpose: see the file comment
  return *p;
}

struct Memo {
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  Slot* slot = nullptr;
};
thread_local Memo t_memo;

Result<CUdeviceptr> grow(Slot& slot, std::uint64_t bytes) {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  const Block* current = slot.block.load(std::memory_order_acquire);
  if (current != nullptr && current->bytes >= bytes) return current->ptr;
  const DriverApi* api = KJIT_TRY(driver_api());
  std::uint64_t size = bytes;
  if (current != nullptr) size = std::max(size, current->bytes + current->bytes / 2);
  size = (size + 0xFFFF) & ~std::uint64_t{0xFFFF};  // whole 64 KiB
  // Inside a stream capture, allocate in relaxed mode (cuMemAlloc is not a
  // stream operation; in the default global mode it would invalidate the capture).
  CUstreamCaptureStatus capturing = CU_STREAM_CAPTURE_STATUS_NONE;
  KJIT_TRY_VOID(KJIT_CU(api, cuStreamIsCapturing, "asking whether the stream captures a CUDA graph", slot.stream, &capturing));
  CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_RELAXED;
  const bool relax = capturing != CU_STREAM_CAPTURE_STATUS_NONE;
  if (relax) KJIT_TRY_VOID(KJIT_CU(api, cuThreadExchangeStreamCaptureMode, "relaxing the capture mode", &mode));
  auto block = std::make_unique<Block>();
  CUresult r = api->cuMemAlloc_v2(&block->ptr, static_cast<size_t>(size));
  if (relax) api->cuThreadExchangeStreamCaptureMode(&mode);
  KJIT_TRY_VOID(cu_check(r, "cuMemAlloc_v2", str_cat("allocating a ", size, "-byte kjit workspace for stream ",
                                                      reinterpret_cast<std::uintptr_t>(slot.stream))));
  block->bytes = size;
  p.bytes.fetch_add(size, std::memory_order_relaxed);
  const Block* published = block.get();
  p.blocks.push_back(std::move(block));
  slot.block.store(published, std::memory_order_release);
  return published->ptr;
}

}  // namespace

Result<CUdeviceptr> stream_workspace(CUcontext context, CUstream stream, std::uint64_t bytes) {
  Memo& memo = t_memo;
  if (memo.slot != nullptr && memo.context == context && memo.stream == stream) {
    const Block* b = memo.slot->block.load(std::memory_order_acquire);
    if (b != nullptr && b->bytes >= bytes) return b->ptr;
    return grow(*memo.slot, bytes);
  }
  Slot* slot = nullptr;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    for (auto& s : p.slots)
      if (s->context == context && s->stream == stream) slot = s.get();
    if (slot == nullptr) {
      p.slots.push_back(std::make_unique<Slot>());
      slot = p.slots.back().get();
      slot->context = context;
      slot->stream = stream;
    }
  }
  memo = {context, stream, slot};
  const Block* b = slot->block.load(std::memory_order_acquire);
  if (b != nullptr && b->bytes >= bytes) return b->ptr;
  return grow(*slot, bytes);
}

std::uint64_t workspace_pool_bytes() { return pool().bytes.load(std::memory_order_relaxed); }

}  // namespace kjit::runtime
