// The C API's launch functions (kjit_launch, kjit_launch_ex, kjit_resolve):
// DLPack-shaped descriptors become runtime::TensorArg views on the stack
// (no allocation), then runtime::Kernel does the work.
//
// Thread safety: see kjit.h; everything here is per call.
#include <dlpack/dlpack.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>

#include "jit/capi/kjit.h"
#include "jit/capi/kjit_capi_internal.h"
#include "jit/util/str_cat.h"

// kjit_tensor is DLPack's DLTensor, field for field (kjit.h promises it).
static_assert(sizeof(kjit_tensor) == sizeof(DLTensor));
static_assert(offsetof(kjit_tensor, data) == offsetof(DLTensor, data));
static_assert(offsetof(kjit_tensor, device) == offsetof(DLTensor, device));
static_assert(offsetof(kjit_tensor, ndim) == offsetof(DLTensor, ndim));
static_assert(offsetof(kjit_tensor, dtype) == offsetof(DLTensor, dtype));
static_assert(offsetof(kjit_tensor, shape) == offsetof(DLTensor, shape));
static_assert(offsetof(kjit_tensor, strides) == offsetof(DLTensor, strides));
static_assert(offsetof(kjit_tensor, byte_offset) == offsetof(DLTensor, byte_offset));
static_assert(sizeof(kjit_dtype) == sizeof(DLDataType) && sizeof(kjit_device) == sizeof(DLDevice));
static_assert(int{KJIT_DL_CUDA} == int{kDLCUDA} && int{KJIT_DL_CPU} == int{kDLCPU} && int{KJIT_DL_CUDA_HOST} == int{kDLCUDAHost} &&
              int{KJIT_DL_CUDA_MANAGED} == int{kDLCUDAManaged});
static_assert(int{KJIT_DL_INT} == int{kDLInt} && int{KJIT_DL_UINT} == int{kDLUInt} && int{KJIT_DL_FLOAT} == int{kDLFloat} &&
              int{KJIT_DL_BFLOAT} == int{kDLBfloat});

namespace kjit::capi {
namespace {

using runtime::k_max_scalars;
using runtime::k_max_tensors;

std::optional<jit::Dtype> dtype_of(kjit_dtype d) {
  using jit::Dtype;
  if (d.lanes != 1) return std::nullopt;
  // `t` when `d` has t's width: kjit has one dtype per code and width.
  const auto sized = [&](int bits, Dtype t) { return d.bits == bits ? std::optional<Dtype>(t) : std::nullopt; };
  switch (d.code) {
    case KJIT_DL_FLOAT: return d.bits == 32 ? Dtype::float32 : sized(16, Dtype::float16);
    case KJIT_DL_BFLOAT: return sized(16, Dtype::bfloat16);
    case KJIT_DL_INT:
      return d.bits == 8 ? Dtype::int8 : d.bits == 16 ? Dtype::int16 : d.bits == 32 ? Dtype::int32 : sized(64, Dtype::int64);
    case KJIT_DL_UINT:  // DLPack 0.6 producers export bool as uint8
    case KJIT_DL_BOOL: return sized(8, Dtype::boolean);
    case KJIT_DL_FLOAT8_E4M3FN: return sized(8, Dtype::float8_e4m3fn);
    case KJIT_DL_FLOAT8_E5M2: return sized(8, Dtype::float8_e5m2);
    case KJIT_DL_FLOAT4_E2M1FN: return sized(4, Dtype::float4_e2m1);
    default: return std::nullopt;
  }
}

runtime::MemoryKind memory_of(std::int32_t device_type) {
  switch (device_type) {
    case KJIT_DL_CUDA: return runtime::MemoryKind::device;
    case KJIT_DL_CUDA_MANAGED: return runtime::MemoryKind::managed;
    case KJIT_DL_CPU: return runtime::MemoryKind::host;
    case KJIT_DL_CUDA_HOST: return runtime::MemoryKind::pinned_host;
    default: return runtime::MemoryKind::other;
  }
}

// The name of argument `i` for messages: its given name, else its slot's.
std::string_view tensor_label(const runtime::Kernel& k, const char* const* names, std::size_t i) {
  if (names != nullptr && names[i] != nullptr) return names[i];
  const auto& t = k.signature().tensors();
  return i < t.size() ? std::string_view(t[i].name) : std::string_view("?");
}

// Room for N values of T that is not initialized (the launch path fills
// only what it uses; zero-filling ~5 KB of descriptors per call cost ~0.2 us).
template <class T, int N>
class Slots {
 public:
  T* data() { return std::launder(reinterpret_cast<T*>(m_bytes)); }
  T& operator[](std::size_t i) { return data()[i]; }
  template <class... A>
  void emplace(std::size_t i, A&&... args) {
    std::construct_at(reinterpret_cast<T*>(m_bytes) + i, std::forward<A>(args)...);
  }

 private:
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  alignas(T) std::byte m_bytes[sizeof(T) * N];
};

struct Args {
  Slots<runtime::TensorArg, k_max_tensors> tensors;
  Slots<runtime::ScalarValue, k_max_scalars> scalars;
  Slots<runtime::NamedTensor, k_max_tensors> named_tensors;
  Slots<runtime::NamedScalar, k_max_scalars> named_scalars;
  bool named = false;
};

Result<void> convert(const runtime::Kernel& k, const char* const* tensor_names, const kjit_tensor* tensors, std::size_t n,
                     const char* const* scalar_names, const kjit_scalar* scalars, std::size_t m, Args& out) {
  if (n > static_cast<std::size_t>(k_max_tensors) || m > static_cast<std::size_t>(k_max_scalars) || (n > 0 && !tensors) ||
      (m > 0 && !scalars))
    return fail(ErrorCode::invalid_argument, str_cat(k.name(), ": bad argument arrays (", n, " tensors, ", m, " scalars)"));
  for (std::size_t i = 0; i < n; ++i) {
    const kjit_tensor& t = tensors[i];
    auto dtype = dtype_of(t.dtype);
    if (!dtype)
      return fail(ErrorCode::invalid_argument,
                  str_cat(k.name(), ": tensor '", tensor_label(k, tensor_names, i), "' has DLPack dtype (code ", t.dtype.code, ", bits ",
                          t.dtype.bits, ", lanes ", t.dtype.lanes, "), which kjit does not support"));
    if (t.ndim < 0 || (t.ndim > 0 && t.shape == nullptr))
      return fail(ErrorCode::invalid_argument, str_cat(k.name(), ": tensor '", tensor_label(k, tensor_names, i), "' has no shape"));
    out.tensors.emplace(i, runtime::TensorArg{reinterpret_cast<std::uint64_t>(t.data) + t.byte_offset, t.shape, t.strides, t.ndim,
                                              *dtype, memory_of(t.device.device_type), t.device.device_id});
  }
  for (std::size_t i = 0; i < m; ++i)
    out.scalars.emplace(i, scalars[i].is_integer ? runtime::ScalarValue::of_int(scalars[i].int_value)
                                                 : runtime::ScalarValue::of(scalars[i].value));
  out.named = tensor_names != nullptr || scalar_names != nullptr;
  if (out.named) {
    const auto& sig = k.signature();
    for (std::size_t i = 0; i < n; ++i) {
      const char* name = tensor_names ? tensor_names[i] : (i < sig.tensors().size() ? sig.tensors()[i].name.c_str() : "?");
      if (name == nullptr) return fail(ErrorCode::invalid_argument, str_cat(k.name(), ": tensor name ", i, " is NULL"));
      out.named_tensors.emplace(i, runtime::NamedTensor{name, out.tensors[i]});
    }
    for (std::size_t i = 0; i < m; ++i) {
      const char* name = scalar_names ? scalar_names[i] : (i < sig.scalars().size() ? sig.scalars()[i].name.c_str() : "?");
      if (name == nullptr) return fail(ErrorCode::invalid_argument, str_cat(k.name(), ": scalar name ", i, " is NULL"));
      out.named_scalars.emplace(i, runtime::NamedScalar{name, out.scalars[i]});
    }
  }
  return {};
}

// Reads the fields of `options` its `size` covers.
kjit_launch_options read_options(const kjit_launch_options* options) {
  kjit_launch_options o{};
  o.size = sizeof o;
  if (options != nullptr) std::memcpy(&o, options, std::min<std::size_t>(options->size, sizeof o));
  return o;
}

runtime::DevicePolicy device_policy(const kjit_launch_options& o) {
  return (o.flags & KJIT_LAUNCH_DEVICE_FROM_TENSORS) ? runtime::DevicePolicy::tensors : runtime::DevicePolicy::current_context;
}

// What kjit_launch_ex and kjit_resolve share: the launchable kernel, its
// arguments converted on this frame (no allocation), then `f(kernel, tensors,
// scalars)` with the spans of the form given (named or positional), for the
// matching runtime::Kernel overload. Returns what `f` returns.
template <class F>
auto call_kernel(kjit_kernel* kernel, const char* const* tensor_names, const kjit_tensor* tensors, std::size_t n,
                 const char* const* scalar_names, const kjit_scalar* scalars, std::size_t m, F&& f)
    -> decltype(f(std::declval<const runtime::Kernel&>(), std::span<const runtime::TensorArg>(),
                  std::span<const runtime::ScalarValue>())) {
  const runtime::Kernel* k = KJIT_TRY(launchable(kernel));
  Args args;
  KJIT_TRY_VOID(convert(*k, tensor_names, tensors, n, scalar_names, scalars, m, args));
  if (args.named) return f(*k, std::span<const runtime::NamedTensor>(args.named_tensors.data(), n),
                           std::span<const runtime::NamedScalar>(args.named_scalars.data(), m));
  return f(*k, std::span<const runtime::TensorArg>(args.tensors.data(), n),
           std::span<const runtime::ScalarValue>(args.scalars.data(), m));
}

}  // namespace
}  // namespace kjit::capi

using kjit::capi::set_error;

extern "C" {

int kjit_launch_ex(kjit_kernel* kernel, const char* const* tensor_names, const kjit_tensor* tensors, size_t n,
                   const char* const* scalar_names, const kjit_scalar* scalars, size_t m, void* stream,
                   const kjit_launch_options* options) {
  if (!kernel) return set_error(KJIT_INVALID_ARGUMENT, "kjit_launch: `kernel` is NULL");
  const kjit_launch_options o = kjit::capi::read_options(options);
  kjit::runtime::LaunchOptions lo;
  lo.workspace = reinterpret_cast<CUdeviceptr>(o.workspace);
  lo.workspace_bytes = o.workspace_bytes;
  lo.device = kjit::capi::device_policy(o);
  const auto s = static_cast<CUstream>(stream);
  try {
    auto r = kjit::capi::call_kernel(kernel, tensor_names, tensors, n, scalar_names, scalars, m,
                                     [&](const auto& k, auto ts, auto ss) { return k.launch(ts, ss, s, lo); });
    if (!r) return set_error(r.error());
    return KJIT_OK;
  } catch (const std::exception& e) {
    return set_error(KJIT_FAILURE, std::string("kjit_launch: ") + e.what());
  }
}

int kjit_launch(kjit_kernel* kernel, const kjit_tensor* tensors, size_t n, const kjit_scalar* scalars, size_t m, void* stream) {
  return kjit_launch_ex(kernel, nullptr, tensors, n, nullptr, scalars, m, stream, nullptr);
}

int kjit_resolve(kjit_kernel* kernel, const char* const* tensor_names, const kjit_tensor* tensors, size_t n,
                 const char* const* scalar_names, const kjit_scalar* scalars, size_t m, const kjit_launch_options* options,
                 char** json) {
  if (!json) return set_error(KJIT_INVALID_ARGUMENT, "kjit_resolve: `json` is NULL");
  *json = nullptr;
  if (!kernel) return set_error(KJIT_INVALID_ARGUMENT, "kjit_resolve: `kernel` is NULL");
  const kjit_launch_options o = kjit::capi::read_options(options);
  kjit::runtime::ResolveOptions ro;
  ro.num_sms = o.num_sms;
  ro.workspace = reinterpret_cast<CUdeviceptr>(o.workspace);
  ro.device = kjit::capi::device_policy(o);
  try {
    auto r = kjit::capi::call_kernel(kernel, tensor_names, tensors, n, scalar_names, scalars, m,
                                     [&](const auto& k, auto ts, auto ss) { return k.resolve(ts, ss, ro); });
    if (!r) return set_error(r.error());
    *json = kjit::capi::copy_out(r->to_json().dump());
    kjit::capi::t_last_error.clear();
    return *json ? KJIT_OK : set_error(KJIT_FAILURE, "kjit_resolve: out of memory");
  } catch (const std::exception& e) {
    return set_error(KJIT_FAILURE, std::string("kjit_resolve: ") + e.what());
  }
}

}  // extern "C"
