// TensorArg and ScalarValue: what a caller hands a Kernel for one launch. A
// TensorArg is a borrowed, DLPack-shaped view (pointer, dtype, shape,
// strides, memory kind, device); nothing is copied or owned, so building
// one costs nothing and the launch path allocates nothing.
//
// Thread safety: plain values; the arrays they point at must stay valid for
// the duration of the call that receives them.
#pragma once

#include <cstdint>
#include <string_view>

#include "jit/definition/dtype.h"

namespace kjit::runtime {

// Where a tensor's bytes live (DLPack's device types that kjit tells apart).
enum class MemoryKind : std::uint8_t {
  device,       // CUDA device memory (DLPack kDLCUDA)
  managed,      // CUDA managed memory (kDLCUDAManaged): usable by kernels
  host,         // ordinary CPU memory (kDLCPU)
  pinned_host,  // page-locked CPU memory (kDLCUDAHost)
  other,        // any other DLPack device (ROCm, Metal, ...)
};

// "CUDA device memory", "CPU memory", ... for error messages.
std::string_view memory_kind_text(MemoryKind kind);

struct TensorArg {
  std::uint64_t data = 0;                 // address of element 0 (any byte offset already added)
  const std::int64_t* shape = nullptr;    // `ndim` sizes
  const std::int64_t* strides = nullptr;  // `ndim` strides in elements; null = compact row-major
  std::int32_t ndim = 0;
  jit::Dtype dtype = jit::Dtype::float32;
  MemoryKind memory = MemoryKind::device;
  std::int32_t device_id = 0;             // CUDA device ordinal
};

// A scalar input's value: an integer or a floating-point number; converted
// to the definition's dtype for the kernel (ScalarArg::from_double rules).
struct ScalarValue {
  double f = 0;
  std::int64_t i = 0;
  bool is_integer = false;

  static ScalarValue of(double value) { return {value, 0, false}; }
  static ScalarValue of_int(std::int64_t value) { return {0, value, true}; }
  double as_double() const { return is_integer ? static_cast<double>(i) : f; }
};

// By-name arguments (the names of the definition's inputs and outputs).
struct NamedTensor {
  std::string_view name;
  TensorArg tensor;
};

struct NamedScalar {
  std::string_view name;
  ScalarValue value;
};

}  // namespace kjit::runtime
