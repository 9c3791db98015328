// Driver API wrapper: dlopen of libcuda.so.1, checked calls, RAII owners.
//
// Thread safety: see driver.h. The DriverApi is built once under
// std::call_once and never changes afterwards.
#include "runtime/driver.h"
#include "jit/util/str_cat.h"

#include <dlfcn.h>

#include <cstdio>
#include <mutex>
#include <utility>

namespace kjit::runtime {
namespace {

struct LoadState {
  DriverApi api;
  Result<const DriverApi*> result = fail(ErrorCode::internal, "driver not loaded");
};

LoadState& load_state() {
  static LoadState state;
  return state;
}

Result<const DriverApi*> load_driver(DriverApi& api) {
  // RTLD_LOCAL: kjit never exports the driver's symbols to other libraries.
  void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return fail(ErrorCode::no_device, std::string(k_no_device_message),
                str_cat("dlopen(libcuda.so.1) failed: ", why ? why : "unknown error", " (install the NVIDIA driver on a machine with a GPU)"));
  }
#define KJIT_LOAD_CU_FN(name)                                                                          \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(handle, #name));                              \
  if (api.name == nullptr)                                                                             \
    return fail(ErrorCode::no_device, std::string(k_no_device_message),                                \
                "libcuda.so.1 has no symbol " #name ": the NVIDIA driver is older than CUDA 13 needs");
  KJIT_CUDA_DRIVER_FUNCTIONS(KJIT_LOAD_CU_FN)
#undef KJIT_LOAD_CU_FN
  CUresult init = api.cuInit(0);
  if (init != CUDA_SUCCESS) {
    const char* name = nullptr;
    api.cuGetErrorName(init, &name);
    return fail(ErrorCode::no_device, std::string(k_no_device_message),
                str_cat("cuInit(0) failed: ", name ? name : "unknown CUDA error"));
  }
  if (api.cuDriverGetVersion(&api.driver_version) != CUDA_SUCCESS) api.driver_version = 0;
  return &api;
}

std::string hex_byte(std::uint8_t byte) {
  char text[4];
  std::snprintf(text, sizeof text, "%02x", byte);
  return text;
}

}  // namespace

const DriverApi* detail::loaded_driver_api() {
  auto r = driver_api();
  return r ? *r : nullptr;
}

Result<const DriverApi*> driver_api() {
  static std::once_flag once;
  LoadState& state = load_state();
  std::call_once(once, [&state] { state.result = load_driver(state.api); });
  return state.result;
}

Result<void> cu_check(CUresult result, std::string_view call, std::string_view what) {
  if (result == CUDA_SUCCESS) return {};
  const char* name = nullptr;
  const char* text = nullptr;
  if (const DriverApi* api = detail::loaded_driver_api()) {
    api->cuGetErrorName(result, &name);
    api->cuGetErrorString(result, &text);
  }
  std::string error_name = name ? name : str_cat("CUDA error ", static_cast<int>(result));
  return fail(ErrorCode::launch_error,
              str_cat(call, " failed with ", error_name, text ? ": " : "", text ? text : "", " while ", what));
}

std::string arch_for_compute_capability(int major, int minor) {
  // The "a" (arch-specific) targets exist from sm_90 on; kjit's templates
  // may use wgmma/TMA-class instructions that only they allow.
  return str_cat("sm_", major, minor, major >= 9 ? "a" : "");
}

std::string DeviceInfo::driver_version_text() const {
  return str_cat(driver_version / 1000, ".", (driver_version % 1000) / 10);
}

Result<int> device_count() {
  const DriverApi* api = KJIT_TRY(driver_api());
  int count = 0;
  KJIT_TRY_VOID(KJIT_CU(api, cuDeviceGetCount, "counting CUDA devices", &count));
  if (count == 0) return fail(ErrorCode::no_device, std::string(k_no_device_message), "cuDeviceGetCount returned 0");
  return count;
}

// ---- Device

Result<std::shared_ptr<Device>> Device::open(int ordinal) {
  const DriverApi* api = KJIT_TRY(driver_api());
  int count = KJIT_TRY(device_count());
  if (ordinal < 0 || ordinal >= count)
    return fail(ErrorCode::no_device, std::string(k_no_device_message),
                str_cat("device ", ordinal, " requested, ", count, " present"));
  std::shared_ptr<Device> device(new Device());
  device->m_api = api;
  std::string what = str_cat("opening CUDA device ", ordinal);
  KJIT_TRY_VOID(KJIT_CU(api, cuDeviceGet, what, &device->m_device, ordinal));
  KJIT_TRY_VOID(KJIT_CU(api, cuDevicePrimaryCtxRetain, what, &device->m_context, device->m_device));
  KJIT_TRY_VOID(KJIT_CU(api, cuCtxSetCurrent, what, device->m_context));

  DeviceInfo& info = device->m_info;
  info.ordinal = ordinal;
  char name[256] = {};
  KJIT_TRY_VOID(KJIT_CU(api, cuDeviceGetName, what, name, static_cast<int>(sizeof name) - 1, device->m_device));
  info.name = name;
  auto attribute = [&](CUdevice_attribute attr, int* out) -> Result<void> {
    return KJIT_CU(api, cuDeviceGetAttribute, str_cat("reading attribute ", static_cast<int>(attr), " of device ", ordinal),
                   out, attr, device->m_device);
  };
  KJIT_TRY_VOID(attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &info.cc_major));
  KJIT_TRY_VOID(attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &info.cc_minor));
  KJIT_TRY_VOID(attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &info.sm_count));
  KJIT_TRY_VOID(attribute(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, &info.l2_bytes));
  KJIT_TRY_VOID(attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, &info.max_shared_optin));
  size_t total = 0;
  KJIT_TRY_VOID(KJIT_CU(api, cuDeviceTotalMem_v2, what, &total, device->m_device));
  info.total_memory = total;
  info.arch = arch_for_compute_capability(info.cc_major, info.cc_minor);
  info.driver_version = api->driver_version;
  return device;
}

Device::~Device() {
  if (m_context != nullptr) m_api->cuDevicePrimaryCtxRelease_v2(m_device);
}

Result<void> Device::make_current() const {
  return KJIT_CU(m_api, cuCtxSetCurrent, str_cat("making device ", m_info.ordinal, " current"), m_context);
}

Result<void> Device::synchronize() const {
  return KJIT_CU(m_api, cuCtxSynchronize, str_cat("waiting for device ", m_info.ordinal));
}

// ---- DeviceBuffer

Result<DeviceBuffer> DeviceBuffer::allocate(std::uint64_t bytes, std::string_view label) {
  DeviceBuffer buffer;
  buffer.m_label = label;
  buffer.m_bytes = bytes;
  if (bytes == 0) return buffer;
  const DriverApi* api = KJIT_TRY(driver_api());
  KJIT_TRY_VOID(KJIT_CU(api, cuMemAlloc_v2, str_cat("allocating ", bytes, " bytes for '", label, "'"), &buffer.m_ptr,
                        static_cast<size_t>(bytes)));
  return buffer;
}

DeviceBuffer::~DeviceBuffer() { release(); }

void DeviceBuffer::release() {
  if (m_ptr != 0) {
    if (const DriverApi* api = detail::loaded_driver_api()) api->cuMemFree_v2(m_ptr);
  }
  m_ptr = 0;
  m_bytes = 0;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : m_ptr(std::exchange(other.m_ptr, 0)), m_bytes(std::exchange(other.m_bytes, 0)), m_label(std::move(other.m_label)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    m_ptr = std::exchange(other.m_ptr, 0);
    m_bytes = std::exchange(other.m_bytes, 0);
    m_label = std::move(other.m_label);
  }
  return *this;
}

// The "synchronous" copy and memset calls return before the device is done:
// a memset of device memory is asynchronous to the host, and a copy from
// pageable host memory returns once the data is staged, not delivered. Both
// run on the legacy default stream, which kjit's streams (non-blocking) do not
// wait for, so a kernel launched right after could read half-uploaded inputs
// or have its outputs overwritten by a late memset (seen on an H200: the 0xFF
// poison of check landing after the kernel wrote part of its output). upload
// and fill therefore wait for the legacy stream before returning.
namespace {
// `what` names the operation waited for, for the error message.
Result<void> wait_legacy_stream(const DriverApi* api, std::string_view what) {
  return KJIT_CU(api, cuStreamSynchronize, str_cat("waiting for ", what, " to finish"), CU_STREAM_LEGACY);
}
}  // namespace

Result<void> DeviceBuffer::upload(std::span<const std::byte> host) {
  if (host.size() != m_bytes)
    return fail(ErrorCode::internal, str_cat("upload of ", host.size(), " bytes into '", m_label, "' of ", m_bytes, " bytes"));
  if (m_bytes == 0) return {};
  const DriverApi* api = KJIT_TRY(driver_api());
  KJIT_TRY_VOID(KJIT_CU(api, cuMemcpyHtoD_v2, str_cat("copying ", m_bytes, " bytes to '", m_label, "' on the device"),
                        m_ptr, host.data(), host.size()));
  return wait_legacy_stream(api, str_cat("the copy to '", m_label, "'"));
}

Result<void> DeviceBuffer::download(std::span<std::byte> host) const {
  if (host.size() != m_bytes)
    return fail(ErrorCode::internal, str_cat("download of '", m_label, "' (", m_bytes, " bytes) into ", host.size(), " bytes"));
  if (m_bytes == 0) return {};
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuMemcpyDtoH_v2, str_cat("copying ", m_bytes, " bytes of '", m_label, "' to the host"), host.data(),
                 m_ptr, host.size());
}

Result<void> DeviceBuffer::fill(std::uint8_t byte) {
  if (m_bytes == 0) return {};
  const DriverApi* api = KJIT_TRY(driver_api());
  KJIT_TRY_VOID(
      KJIT_CU(api, cuMemsetD8_v2, str_cat("filling '", m_label, "' with 0x", hex_byte(byte)), m_ptr, byte, m_bytes));
  return wait_legacy_stream(api, str_cat("the fill of '", m_label, "'"));
}

Result<void> DeviceBuffer::fill_async(std::uint8_t byte, CUstream stream) {
  if (m_bytes == 0) return {};
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuMemsetD8Async, str_cat("filling '", m_label, "' with 0x", hex_byte(byte)), m_ptr, byte, m_bytes,
                 stream);
}

// ---- Stream

Result<Stream> Stream::create() {
  const DriverApi* api = KJIT_TRY(driver_api());
  Stream stream;
  KJIT_TRY_VOID(KJIT_CU(api, cuStreamCreate, "creating a stream", stream.m_stream.out(), CU_STREAM_NON_BLOCKING));
  return stream;
}

Result<void> Stream::synchronize() const {
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuStreamSynchronize, "waiting for the stream (a kernel may have faulted)", m_stream.get());
}

// ---- Event

Result<Event> Event::create() {
  const DriverApi* api = KJIT_TRY(driver_api());
  Event event;
  KJIT_TRY_VOID(KJIT_CU(api, cuEventCreate, "creating a timing event", event.m_event.out(), CU_EVENT_DEFAULT));
  return event;
}

Result<void> Event::record(CUstream stream) {
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuEventRecord, "recording a timing event", m_event.get(), stream);
}

Result<void> Event::synchronize() const {
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuEventSynchronize, "waiting for a timing event", m_event.get());
}

Result<float> Event::elapsed_ms(const Event& start, const Event& end) {
  const DriverApi* api = KJIT_TRY(driver_api());
  float ms = 0;
  KJIT_TRY_VOID(KJIT_CU(api, cuEventElapsedTime_v2, "reading the time between two events", &ms, start.m_event.get(), end.m_event.get()));
  return ms;
}

// ---- Module

Result<Module> Module::load(std::span<const std::uint8_t> cubin, std::string_view label) {
  const DriverApi* api = KJIT_TRY(driver_api());
  if (cubin.empty()) return fail(ErrorCode::corruption, str_cat("empty cubin for '", label, "'"));
  Module module;
  module.m_label = label;
  KJIT_TRY_VOID(KJIT_CU(api, cuModuleLoadData,
                        str_cat("loading the cubin of '", label, "' (", cubin.size(), " bytes; is it built for this device's arch?)"),
                        module.m_module.out(), cubin.data()));
  return module;
}

Result<CUfunction> Module::function(const std::string& entry) const {
  const DriverApi* api = KJIT_TRY(driver_api());
  CUfunction function = nullptr;
  KJIT_TRY_VOID(KJIT_CU(api, cuModuleGetFunction,
                        str_cat("looking up kernel '", entry, "' in the module of '", m_label, "' (the plan names an entry the source does not define as extern \"C\" __global__)"),
                        &function, m_module.get(), entry.c_str()));
  return function;
}

Result<void> set_max_dynamic_shared(CUfunction function, int bytes, std::string_view entry) {
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuFuncSetAttribute,
                 str_cat("raising the dynamic shared memory limit of '", entry, "' to ", bytes, " bytes"), function,
                 CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
}

Result<int> static_shared_bytes(CUfunction function, std::string_view entry) {
  const DriverApi* api = KJIT_TRY(driver_api());
  int bytes = 0;
  KJIT_TRY_VOID(KJIT_CU(api, cuFuncGetAttribute, str_cat("reading the static shared memory size of '", entry, "'"), &bytes,
                        CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function));
  return bytes;
}

Result<void> launch_kernel(CUfunction function, std::array<std::uint32_t, 3> grid, std::array<std::uint32_t, 3> block,
                           std::uint32_t shared_bytes, CUstream stream, void** params, std::string_view entry, bool pdl) {
  const DriverApi* api = KJIT_TRY(driver_api());
  // Hot path (every launch of every plan): the error text is built only on failure.
  CUresult result;
  if (pdl) {
    CUlaunchAttribute attribute{};
    attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attribute.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config{};
    config.gridDimX = grid[0];
    config.gridDimY = grid[1];
    config.gridDimZ = grid[2];
    config.blockDimX = block[0];
    config.blockDimY = block[1];
    config.blockDimZ = block[2];
    config.sharedMemBytes = shared_bytes;
    config.hStream = stream;
    config.attrs = &attribute;
    config.numAttrs = 1;
    result = api->cuLaunchKernelEx(&config, function, params, nullptr);
  } else {
    result = api->cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared_bytes,
                                 stream, params, nullptr);
  }
  if (result == CUDA_SUCCESS) return {};
  return cu_check(result, pdl ? "cuLaunchKernelEx" : "cuLaunchKernel",
                  str_cat("launching '", entry, "'", pdl ? " (programmatic dependent launch)" : "", " with grid (", grid[0],
                          ", ", grid[1], ", ", grid[2], "), block (", block[0], ", ", block[1], ", ", block[2], "), ",
                          shared_bytes, " bytes of shared memory"));
}

Result<void> copy_async(CUdeviceptr dst, CUdeviceptr src, std::uint64_t bytes, CUstream stream) {
  const DriverApi* api = KJIT_TRY(driver_api());
  return KJIT_CU(api, cuMemcpyDtoDAsync_v2, str_cat("copying ", bytes, " bytes device to device"), dst, src, bytes,
                 stream);
}

}  // namespace kjit::runtime
