// Driver: a thin wrapper over the CUDA Driver API. libcuda.so.1 is loaded
// with dlopen on first use, so the kjit CLI and library run on machines
// without a driver; only code that asks for a device fails, with
// Error{no_device, "no CUDA device: check and bench need a GPU"}.
//
// <cuda.h> is included for types only; every entry point is resolved by its
// exact symbol name (the `_v2` names that the header macros map to). Every
// call is checked: a failure becomes Error{launch_error} naming the API
// function, the CUDA error name (cuGetErrorName) and what kjit was doing.
//
// RAII owners: Device (retains the primary context), DeviceBuffer
// (cuMemAlloc/cuMemFree), and Stream, Event and Module, each on one
// detail::DriverHandle. No managed memory.
//
// Thread safety: `driver_api()` loads once (std::call_once) and is then
// immutable. A Device may be shared between threads; each thread calls
// `Device::make_current()` before using it. Buffers, streams, events and
// modules are owned by one thread at a time.
#pragma once

#include <cuda.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "jit/util/error.h"

namespace kjit::runtime {

inline constexpr std::string_view k_no_device_message = "no CUDA device: check and bench need a GPU";

// The entry points kjit uses, named by their libcuda symbols.
#define KJIT_CUDA_DRIVER_FUNCTIONS(X) \
  X(cuGetErrorName)                   \
  X(cuGetErrorString)                 \
  X(cuInit)                           \
  X(cuDriverGetVersion)               \
  X(cuDeviceGetCount)                 \
  X(cuDeviceGet)                      \
  X(cuDeviceGetName)                  \
  X(cuDeviceGetAttribute)             \
  X(cuDeviceTotalMem_v2)              \
  X(cuDevicePrimaryCtxRetain)         \
  X(cuDevicePrimaryCtxRelease_v2)     \
  X(cuCtxSetCurrent)                  \
  X(cuCtxGetCurrent)                  \
  X(cuCtxGetDevice)                   \
  X(cuCtxSynchronize)                 \
  X(cuModuleLoadData)                 \
  X(cuModuleUnload)                   \
  X(cuModuleGetFunction)              \
  X(cuFuncSetAttribute)               \
  X(cuFuncGetAttribute)               \
  X(cuLaunchKernel)                   \
  X(cuLaunchKernelEx)                 \
  X(cuStreamCreate)                   \
  X(cuStreamDestroy_v2)               \
  X(cuStreamSynchronize)              \
  X(cuStreamIsCapturing)              \
  X(cuThreadExchangeStreamCaptureMode) \
  X(cuEventCreate)                    \
  X(cuEventDestroy_v2)                \
  X(cuEventRecord)                    \
  X(cuEventSynchronize)               \
  X(cuEventElapsedTime_v2)            \
  X(cuMemGetInfo_v2)                  \
  X(cuMemAlloc_v2)                    \
  X(cuMemFree_v2)                     \
  X(cuMemcpyHtoD_v2)                  \
  X(cuMemcpyDtoH_v2)                  \
  X(cuMemcpyDtoD_v2)                  \
  X(cuMemcpyDtoDAsync_v2)             \
  X(cuMemsetD8_v2)                    \
  X(cuMemsetD8Async)

struct DriverApi {
#define KJIT_DECLARE_CU_FN(name) decltype(&::name) name = nullptr;
  KJIT_CUDA_DRIVER_FUNCTIONS(KJIT_DECLARE_CU_FN)
#undef KJIT_DECLARE_CU_FN
  int driver_version = 0;  // cuDriverGetVersion, e.g. 13000
};

// The loaded driver (dlopen + dlsym + cuInit(0)), once per process.
// Errors: no_device when libcuda.so.1 cannot be loaded, a symbol is missing
// or cuInit fails (the details say which).
Result<const DriverApi*> driver_api();

// Checks one Driver API result: `call` is the API function's name, `what`
// says what kjit was doing ("allocating 4096 bytes for 'output'").
Result<void> cu_check(CUresult result, std::string_view call, std::string_view what);

// Calls `api->fn(args...)` and returns its checked result.
#define KJIT_CU(api, fn, what, ...) ::kjit::runtime::cu_check((api)->fn(__VA_ARGS__), #fn, (what))

namespace detail {

// The driver if it is loaded, else null: for destructors, which release
// best effort (an error there cannot be reported).
const DriverApi* loaded_driver_api();

// The owner of one driver handle (CUstream, CUevent, CUmodule) that Stream,
// Event and Module are built on: move-only, null when empty, released on
// destruction with `Release`, the DriverApi member that frees it
// (&DriverApi::cuStreamDestroy_v2, ...). Move assignment swaps, so the
// handle it held goes with the moved-from owner.
template <class Handle, auto Release>
class DriverHandle {
 public:
  DriverHandle() = default;
  ~DriverHandle() {
    if (m_handle == nullptr) return;
    if (const DriverApi* api = loaded_driver_api()) (api->*Release)(m_handle);
  }
  DriverHandle(DriverHandle&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
  DriverHandle& operator=(DriverHandle&& other) noexcept {
    std::swap(m_handle, other.m_handle);
    return *this;
  }

  Handle get() const { return m_handle; }
  // Where a create call writes the new handle (REQUIRES: empty).
  Handle* out() { return &m_handle; }

 private:
  Handle m_handle = nullptr;
};

}  // namespace detail

// "sm_90a" for 9.0, "sm_100a" for 10.0, "sm_120a" for 12.0, "sm_86" for 8.6:
// the arch-specific ("a") target from Hopper on, the plain one before.
std::string arch_for_compute_capability(int major, int minor);

struct DeviceInfo {
  int ordinal = 0;
  std::string name;          // "NVIDIA H100 80GB HBM3"
  int cc_major = 0;
  int cc_minor = 0;
  std::string arch;          // arch_for_compute_capability
  int sm_count = 0;
  std::uint64_t total_memory = 0;
  int l2_bytes = 0;
  int max_shared_optin = 0;  // per block, bytes
  int driver_version = 0;    // 13000 = CUDA 13.0
  std::string driver_version_text() const;  // "13.0"
};

// Number of devices; no_device when there is no driver or no device.
Result<int> device_count();

// One device with its primary context retained (released on destruction).
class Device {
 public:
  // Retains the primary context of device `ordinal` and makes it current on
  // the calling thread.
  static Result<std::shared_ptr<Device>> open(int ordinal = 0);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const DeviceInfo& info() const { return m_info; }
  // Makes the primary context current on the calling thread.
  Result<void> make_current() const;
  Result<void> synchronize() const;

 private:
  Device() = default;
  const DriverApi* m_api = nullptr;
  CUdevice m_device = 0;
  CUcontext m_context = nullptr;
  DeviceInfo m_info;
};

// Device memory. Zero bytes allocate nothing (ptr() is 0).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // `label` names the buffer in error messages.
  static Result<DeviceBuffer> allocate(std::uint64_t bytes, std::string_view label);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  CUdeviceptr ptr() const { return m_ptr; }
  std::uint64_t size() const { return m_bytes; }

  // REQUIRES: host.size() == size() (upload/download). Synchronous: the bytes
  // are on the device (or the host) when these return, so work on any stream,
  // non-blocking ones included, sees them.
  Result<void> upload(std::span<const std::byte> host);
  Result<void> download(std::span<std::byte> host) const;
  Result<void> fill(std::uint8_t byte);
  // Asynchronous fill on `stream` (0 = the legacy default stream).
  Result<void> fill_async(std::uint8_t byte, CUstream stream);

 private:
  void release();
  CUdeviceptr m_ptr = 0;
  std::uint64_t m_bytes = 0;
  std::string m_label;
};

class Stream {
 public:
  static Result<Stream> create();

  CUstream get() const { return m_stream.get(); }
  Result<void> synchronize() const;

 private:
  Stream() = default;
  detail::DriverHandle<CUstream, &DriverApi::cuStreamDestroy_v2> m_stream;
};

class Event {
 public:
  static Result<Event> create();

  Result<void> record(CUstream stream);
  Result<void> synchronize() const;
  // Milliseconds between two recorded events (after `end` completed).
  static Result<float> elapsed_ms(const Event& start, const Event& end);

 private:
  Event() = default;
  detail::DriverHandle<CUevent, &DriverApi::cuEventDestroy_v2> m_event;
};

// A loaded cubin.
class Module {
 public:
  // `label` names the module in errors (the definition name).
  static Result<Module> load(std::span<const std::uint8_t> cubin, std::string_view label);

  // not_found-style launch_error when the module has no such entry.
  Result<CUfunction> function(const std::string& entry) const;

 private:
  Module() = default;
  detail::DriverHandle<CUmodule, &DriverApi::cuModuleUnload> m_module;
  std::string m_label;
};

// Raises a function's dynamic shared memory limit (needed when static plus
// dynamic shared memory exceeds 48 KiB).
Result<void> set_max_dynamic_shared(CUfunction function, int bytes, std::string_view entry);

// The function's static (__shared__) memory in bytes.
Result<int> static_shared_bytes(CUfunction function, std::string_view entry);

// cuLaunchKernel with `params` (one pointer per kernel argument); with
// `pdl`, cuLaunchKernelEx with programmatic stream serialization, so the
// kernel may start before the previous kernel on `stream` has finished (it
// must `griddepcontrol.wait` before reading that kernel's results).
Result<void> launch_kernel(CUfunction function, std::array<std::uint32_t, 3> grid,
                           std::array<std::uint32_t, 3> block, std::uint32_t shared_bytes, CUstream stream,
                           void** params, std::string_view entry, bool pdl = false);

// Device-to-device copy of `bytes` on `stream` (bandwidth measurement).
Result<void> copy_async(CUdeviceptr dst, CUdeviceptr src, std::uint64_t bytes, CUstream stream);

}  // namespace kjit::runtime
