// Dtype tables: schema names, CUDA type names and bit widths; see dtype.h.
//
// Thread safety: pure functions over constant tables.
#include "jit/definition/dtype.h"

#include <array>

namespace kjit::jit {
namespace {

struct DtypeInfo {
  Dtype dtype;
  std::string_view name;
  std::string_view cuda_type;
  int bits;
  bool is_float;
};

// One row per Dtype, in enum order (checked by the static_assert below).
constexpr std::array<DtypeInfo, k_dtype_count> k_dtypes = {{
    {Dtype::float32, "float32", "float", 32, true},
    {Dtype::float16, "float16", "__half", 16, true},
    {Dtype::bfloat16, "bfloat16", "__nv_bfloat16", 16, true},
    {Dtype::float8_e4m3fn, "float8_e4m3fn", "__nv_fp8_e4m3", 8, true},
    {Dtype::float8_e5m2, "float8_e5m2", "__nv_fp8_e5m2", 8, true},
    {Dtype::float4_e2m1, "float4_e2m1", "uint8_t", 4, true},
    {Dtype::int8, "int8", "int8_t", 8, false},
    {Dtype::int16, "int16", "int16_t", 16, false},
    {Dtype::int32, "int32", "int32_t", 32, false},
    {Dtype::int64, "int64", "int64_t", 64, false},
    {Dtype::boolean, "bool", "bool", 8, false},
}};

constexpr bool table_in_enum_order() {
  for (int i = 0; i < k_dtype_count; ++i)
    if (static_cast<int>(k_dtypes[i].dtype) != i) return false;
  return true;
}
static_assert(table_in_enum_order(), "k_dtypes rows must follow the Dtype enum order");

const DtypeInfo& info(Dtype dtype) { return k_dtypes[static_cast<int>(dtype)]; }

}  // namespace

std::string_view dtype_name(Dtype dtype) { return info(dtype).name; }

std::optional<Dtype> parse_dtype(std::string_view name) {
  for (const auto& row : k_dtypes)
    if (row.name == name) return row.dtype;
  return std::nullopt;
}

std::string_view dtype_cuda_type(Dtype dtype) { return info(dtype).cuda_type; }

int dtype_bits(Dtype dtype) { return info(dtype).bits; }

bool dtype_is_float(Dtype dtype) { return info(dtype).is_float; }

}  // namespace kjit::jit
