// Dtype: the 11 tensor element types of the flashinfer-trace schema, their
// schema names, CUDA type names and sizes.
//
// Thread safety: pure functions over constants.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace kjit::jit {

enum class Dtype {
  float32,
  float16,
  bfloat16,
  float8_e4m3fn,
  float8_e5m2,
  float4_e2m1,  // packed two per byte
  int8,
  int16,
  int32,
  int64,
  boolean,  // schema name "bool"
};

inline constexpr int k_dtype_count = 11;

// Schema name ("bfloat16", "bool", ...).
std::string_view dtype_name(Dtype dtype);
// Parses a schema name; empty when unknown.
std::optional<Dtype> parse_dtype(std::string_view name);
// CUDA C++ type used in rendered source ("__nv_bfloat16", "float", ...).
// float4_e2m1 maps to "uint8_t" (a byte holding two values).
std::string_view dtype_cuda_type(Dtype dtype);
// Size in bits of one element (4 for float4_e2m1).
int dtype_bits(Dtype dtype);
bool dtype_is_float(Dtype dtype);

}  // namespace kjit::jit
