// A fake CUDA driver: built as build/fake_cuda/libcuda.so.1 so that kjit's
// dlopen("libcuda.so.1") finds it when that folder leads LD_LIBRARY_PATH.
// It lets the launch path (contexts, module loading, plan resolution,
// argument packing, workspace, logging, graph-capture handling) run and be
// checked on a machine without a GPU, and times the host overhead of a
// launch against a driver that does no work.
//
// Behaviour: KJIT_FAKE_CUDA_DEVICES devices (default 1) reporting compute
// capability 9.0 and 132 SMs; one primary context per device and a
// thread-local current context; "device memory" is host memory (so
// statistics, memsets and copies really move bytes); modules are the cubin
// bytes, functions are found by their symbol name in them, and each
// function's parameter list (count, offsets, sizes) is read from the
// cubin's .nv.info.<entry> section (EIATTR_KPARAM_INFO), so cuLaunchKernel
// copies exactly the argument bytes the real driver would. A launch whose
// dynamic shared memory exceeds the function's limit (48 KiB - static, or
// the raised limit) fails with CUDA_ERROR_INVALID_VALUE like the real one.
// Launches are recorded; tests read them through the kjit_fake_* functions
// (dlopen("libcuda.so.1", RTLD_NOLOAD) + dlsym, or ctypes).
//
// Thread safety: every entry point may be called from any thread (one
// mutex guards the records).
#include <cuda.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fake_launch.h"  // one recorded launch (the layout tests read with ctypes too)

namespace {

struct FakeContext {
  int device = 0;
};

struct FakeParam {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

struct FakeFunction {
  std::string name;
  std::vector<FakeParam> params;  // by ordinal
  int max_dynamic_shared = 48 * 1024;
};

struct FakeModule {
  std::vector<std::uint8_t> image;
  std::map<std::string, std::unique_ptr<FakeFunction>> functions;
};

struct Stream {
  int capture_status = CU_STREAM_CAPTURE_STATUS_NONE;
};

}  // namespace

namespace {

std::mutex g_mutex;
std::vector<kjit_fake_launch> g_launches;
long g_launch_count = 0;
bool g_record = false;  // kjit_fake_cuda_reset(1) turns recording on (tests); off, launches are only counted
int g_fail_launches = 0;  // the next N launches fail with CUDA_ERROR_LAUNCH_FAILED
int g_allocs = 0, g_relaxed_allocs = 0, g_memsets = 0, g_syncs = 0;
std::map<CUstream, int> g_capture;  // stream -> capture status
thread_local CUcontext t_current = nullptr;
thread_local CUstreamCaptureMode t_mode = CU_STREAM_CAPTURE_MODE_GLOBAL;

// A counter's value read under the mutex (the test controls below).
template <typename T>
T locked_read(const T& counter) {
  std::lock_guard lock(g_mutex);
  return counter;
}

int device_count() {
  const char* v = std::getenv("KJIT_FAKE_CUDA_DEVICES");
  return v ? std::atoi(v) : 1;
}

FakeContext* contexts() {
  static FakeContext ctx[8];
  for (int i = 0; i < 8; ++i) ctx[i].device = i;
  return ctx;
}

std::uint64_t read_u64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Reads EIATTR_KPARAM_INFO (0x17) records of `.nv.info.<name>`.
std::vector<FakeParam> kernel_params(const std::vector<std::uint8_t>& elf, const std::string& name) {
  std::vector<FakeParam> params;
  if (elf.size() < 64) return params;
  const std::uint64_t shoff = read_u64(&elf[0x28]);
  std::uint16_t shentsize, shnum, shstrndx;
  std::memcpy(&shentsize, &elf[0x3A], 2);
  std::memcpy(&shnum, &elf[0x3C], 2);
  std::memcpy(&shstrndx, &elf[0x3E], 2);
  auto section = [&](int i, std::uint32_t* name_off, std::uint64_t* off, std::uint64_t* size) {
    const std::uint8_t* h = &elf[shoff + static_cast<std::uint64_t>(i) * shentsize];
    std::memcpy(name_off, h, 4);
    *off = read_u64(h + 24);
    *size = read_u64(h + 32);
  };
  std::uint32_t n;
  std::uint64_t str_off, str_size;
  section(shstrndx, &n, &str_off, &str_size);
  const std::string want = ".nv.info." + name;
  for (int i = 0; i < shnum; ++i) {
    std::uint64_t off, size;
    section(i, &n, &off, &size);
    if (want != reinterpret_cast<const char*>(&elf[str_off + n])) continue;
    for (std::uint64_t p = off; p + 4 <= off + size;) {
      const std::uint8_t fmt = elf[p], attr = elf[p + 1];
      if (fmt != 4) {  // NVAL / BVAL / HVAL records are 4 bytes
        p += 4;
        continue;
      }
      std::uint16_t sz;
      std::memcpy(&sz, &elf[p + 2], 2);
      if (attr == 0x17 && sz >= 12) {
        std::uint16_t ordinal, offset;
        std::uint32_t flags;
        std::memcpy(&ordinal, &elf[p + 8], 2);
        std::memcpy(&offset, &elf[p + 10], 2);
        std::memcpy(&flags, &elf[p + 12], 4);
        if (params.size() <= ordinal) params.resize(ordinal + 1u);
        params[ordinal] = {offset, (flags >> 18) & 0x3FFF};
      }
      p += 4u + sz;
    }
  }
  return params;
}

}  // namespace

extern "C" {

CUresult cuGetErrorName(CUresult error, const char** str) {
  *str = error == CUDA_SUCCESS ? "CUDA_SUCCESS" : error == CUDA_ERROR_INVALID_VALUE ? "CUDA_ERROR_INVALID_VALUE" : "CUDA_ERROR_FAKE";
  return CUDA_SUCCESS;
}
CUresult cuGetErrorString(CUresult, const char** str) {
  *str = "fake driver error";
  return CUDA_SUCCESS;
}
CUresult cuInit(unsigned) { return CUDA_SUCCESS; }
// NVRTC loads libcuda.so.1 too and asks for the driver's private export
// tables: the fake has none (NVRTC then works as on a machine without a driver).
CUresult cuGetExportTable(const void** table, const CUuuid*) {
  *table = nullptr;
  return CUDA_ERROR_NOT_SUPPORTED;
}
CUresult cuDriverGetVersion(int* v) {
  *v = 13000;
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetCount(int* n) {
  *n = device_count();
  return CUDA_SUCCESS;
}
CUresult cuDeviceGet(CUdevice* d, int ordinal) {
  if (ordinal < 0 || ordinal >= device_count()) return CUDA_ERROR_INVALID_DEVICE;
  *d = ordinal;
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
  std::snprintf(name, static_cast<size_t>(len), "kjit fake device %d", d);
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute attr, CUdevice) {
  switch (attr) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 132; break;
    case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: *v = 50 << 20; break;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = 232448; break;
    default: *v = 0;
  }
  return CUDA_SUCCESS;
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) {
  *bytes = size_t{80} << 30;
  return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice d) {
  *ctx = reinterpret_cast<CUcontext>(&contexts()[d]);
  return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) { return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext ctx) {
  t_current = ctx;
  return CUDA_SUCCESS;
}
CUresult cuCtxGetCurrent(CUcontext* ctx) {
  *ctx = t_current;
  return CUDA_SUCCESS;
}
CUresult cuCtxGetDevice(CUdevice* d) {
  if (t_current == nullptr) return CUDA_ERROR_INVALID_CONTEXT;
  *d = reinterpret_cast<FakeContext*>(t_current)->device;
  return CUDA_SUCCESS;
}
CUresult cuCtxSynchronize() { return CUDA_SUCCESS; }

CUresult cuModuleLoadData(CUmodule* module, const void* image) {
  const auto* p = static_cast<const std::uint8_t*>(image);
  if (std::memcmp(p, "\x7f" "ELF", 4) != 0) return CUDA_ERROR_INVALID_IMAGE;
  std::uint64_t shoff = read_u64(p + 0x28);
  std::uint16_t shentsize, shnum;
  std::memcpy(&shentsize, p + 0x3A, 2);
  std::memcpy(&shnum, p + 0x3C, 2);
  auto* m = new FakeModule();
  m->image.assign(p, p + shoff + static_cast<std::uint64_t>(shentsize) * shnum);
  *module = reinterpret_cast<CUmodule>(m);
  return CUDA_SUCCESS;
}
CUresult cuModuleUnload(CUmodule module) {
  delete reinterpret_cast<FakeModule*>(module);
  return CUDA_SUCCESS;
}
CUresult cuModuleGetFunction(CUfunction* fn, CUmodule module, const char* name) {
  auto* m = reinterpret_cast<FakeModule*>(module);
  std::lock_guard lock(g_mutex);
  auto& slot = m->functions[name];
  if (!slot) {
    const std::string sym = std::string(name) + '\0';
    auto it = std::search(m->image.begin(), m->image.end(), sym.begin(), sym.end());
    if (it == m->image.end()) return CUDA_ERROR_NOT_FOUND;
    slot = std::make_unique<FakeFunction>();
    slot->name = name;
    slot->params = kernel_params(m->image, name);
  }
  *fn = reinterpret_cast<CUfunction>(slot.get());
  return CUDA_SUCCESS;
}
CUresult cuFuncSetAttribute(CUfunction fn, CUfunction_attribute attr, int value) {
  if (attr == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) reinterpret_cast<FakeFunction*>(fn)->max_dynamic_shared = value;
  return CUDA_SUCCESS;
}
CUresult cuFuncGetAttribute(int* v, CUfunction_attribute, CUfunction) {
  *v = 0;
  return CUDA_SUCCESS;
}

static CUresult record(CUfunction fn, const unsigned grid[3], const unsigned block[3], unsigned shared, CUstream stream,
                       void** params, int pdl) {
  auto* f = reinterpret_cast<FakeFunction*>(fn);
  if (static_cast<int>(shared) > f->max_dynamic_shared) return CUDA_ERROR_INVALID_VALUE;
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0) return CUDA_ERROR_INVALID_VALUE;
  std::lock_guard lock(g_mutex);
  if (g_fail_launches > 0) {
    --g_fail_launches;
    return CUDA_ERROR_LAUNCH_FAILED;
  }
  ++g_launch_count;
  if (!g_record) return CUDA_SUCCESS;
  kjit_fake_launch l{};
  std::snprintf(l.entry, sizeof l.entry, "%s", f->name.c_str());
  for (int d = 0; d < 3; ++d) {
    l.grid[d] = grid[d];
    l.block[d] = block[d];
  }
  l.shared = shared;
  l.pdl = pdl;
  l.stream = stream;
  l.context = t_current;
  l.nparams = static_cast<int>(std::min<std::size_t>(f->params.size(), 64));
  for (int i = 0; i < l.nparams; ++i) {
    l.param_size[i] = f->params[static_cast<std::size_t>(i)].size;
    std::memcpy(&l.param[i], params[i], std::min<unsigned>(l.param_size[i], 8));
  }
  g_launches.push_back(l);
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, CUstream stream, void** params, void**) {
  const unsigned g[3] = {gx, gy, gz}, b[3] = {bx, by, bz};
  return record(fn, g, b, shared, stream, params, 0);
}
CUresult cuLaunchKernelEx(const CUlaunchConfig* c, CUfunction fn, void** params, void**) {
  const unsigned g[3] = {c->gridDimX, c->gridDimY, c->gridDimZ}, b[3] = {c->blockDimX, c->blockDimY, c->blockDimZ};
  int pdl = 0;
  for (unsigned i = 0; i < c->numAttrs; ++i)
    if (c->attrs[i].id == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION) pdl = c->attrs[i].value.programmaticStreamSerializationAllowed;
  return record(fn, g, b, c->sharedMemBytes, c->hStream, params, pdl);
}

CUresult cuStreamCreate(CUstream* s, unsigned) {
  *s = reinterpret_cast<CUstream>(new Stream());
  return CUDA_SUCCESS;
}
CUresult cuStreamDestroy_v2(CUstream s) {
  delete reinterpret_cast<Stream*>(s);
  return CUDA_SUCCESS;
}
CUresult cuStreamSynchronize(CUstream) {
  std::lock_guard lock(g_mutex);
  ++g_syncs;
  return CUDA_SUCCESS;
}
CUresult cuStreamIsCapturing(CUstream s, CUstreamCaptureStatus* status) {
  std::lock_guard lock(g_mutex);
  auto it = g_capture.find(s);
  *status = it == g_capture.end() ? CU_STREAM_CAPTURE_STATUS_NONE : static_cast<CUstreamCaptureStatus>(it->second);
  return CUDA_SUCCESS;
}
CUresult cuThreadExchangeStreamCaptureMode(CUstreamCaptureMode* mode) {
  std::swap(*mode, t_mode);
  return CUDA_SUCCESS;
}
CUresult cuEventCreate(CUevent* e, unsigned) {
  *e = reinterpret_cast<CUevent>(new int(0));
  return CUDA_SUCCESS;
}
CUresult cuEventDestroy_v2(CUevent e) {
  delete reinterpret_cast<int*>(e);
  return CUDA_SUCCESS;
}
CUresult cuEventRecord(CUevent, CUstream) { return CUDA_SUCCESS; }
CUresult cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }
CUresult cuEventElapsedTime_v2(float* ms, CUevent, CUevent) {
  *ms = 0.001f;
  return CUDA_SUCCESS;
}
CUresult cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
  *free_bytes = size_t{70} << 30;
  *total = size_t{80} << 30;
  return CUDA_SUCCESS;
}
CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
  std::lock_guard lock(g_mutex);
  // In a capturing thread, only relaxed mode may allocate (the real driver
  // invalidates a global-mode capture).
  bool any_capture = false;
  for (const auto& [s, st] : g_capture) any_capture = any_capture || st == CU_STREAM_CAPTURE_STATUS_ACTIVE;
  if (any_capture && t_mode != CU_STREAM_CAPTURE_MODE_RELAXED) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  if (any_capture) ++g_relaxed_allocs;
  void* mem = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (mem == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
  ++g_allocs;
  *p = reinterpret_cast<CUdeviceptr>(mem);
  return CUDA_SUCCESS;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  std::free(reinterpret_cast<void*>(p));
  return CUDA_SUCCESS;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
  std::memcpy(reinterpret_cast<void*>(dst), src, n);
  return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
  std::memcpy(dst, reinterpret_cast<const void*>(src), n);
  return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
  std::memcpy(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
  return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream) { return cuMemcpyDtoD_v2(dst, src, n); }
CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char v, size_t n) {
  std::memset(reinterpret_cast<void*>(p), v, n);
  return CUDA_SUCCESS;
}
CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, CUstream) {
  {
    std::lock_guard lock(g_mutex);
    ++g_memsets;
  }
  return cuMemsetD8_v2(p, v, n);
}

// ---- test controls

long kjit_fake_cuda_launch_count() { return locked_read(g_launch_count); }
int kjit_fake_cuda_recorded() {
  std::lock_guard lock(g_mutex);
  return static_cast<int>(g_launches.size());
}
int kjit_fake_cuda_get_launch(int index, kjit_fake_launch* out) {
  std::lock_guard lock(g_mutex);
  if (index < 0 || index >= static_cast<int>(g_launches.size())) return 0;
  *out = g_launches[static_cast<std::size_t>(index)];
  return 1;
}
// Clears the records and counters; `record` 0 only counts launches (timing).
void kjit_fake_cuda_reset(int record_launches) {
  std::lock_guard lock(g_mutex);
  g_launches.clear();
  g_launch_count = 0;
  g_record = record_launches != 0;
  g_allocs = g_relaxed_allocs = g_memsets = g_syncs = 0;
}
void kjit_fake_cuda_fail_launches(int n) {
  std::lock_guard lock(g_mutex);
  g_fail_launches = n;
}
void kjit_fake_cuda_set_capturing(void* stream, int status) {
  std::lock_guard lock(g_mutex);
  g_capture[reinterpret_cast<CUstream>(stream)] = status;
}
int kjit_fake_cuda_allocs() { return locked_read(g_allocs); }
int kjit_fake_cuda_relaxed_allocs() { return locked_read(g_relaxed_allocs); }
int kjit_fake_cuda_memsets() { return locked_read(g_memsets); }
int kjit_fake_cuda_syncs() { return locked_read(g_syncs); }
// The function's parameter count as read from the cubin (-1: unknown name).
int kjit_fake_cuda_param_count(CUfunction fn) { return static_cast<int>(reinterpret_cast<FakeFunction*>(fn)->params.size()); }

}  // extern "C"
