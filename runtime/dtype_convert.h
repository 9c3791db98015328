// Exact conversions between float and kjit's narrow element types (fp16,
// bf16, fp8 e4m3fn, fp8 e5m2, fp4 e2m1), plus element load/store on raw
// tensor storage for every Dtype.
//
// Encoding rounds to nearest, ties to even, from a float, and reproduces
// PyTorch's casts bit for bit (c10/util/Half.h, BFloat16.h,
// Float8_e4m3fn.h, Float8_e5m2.h):
//   - fp16: overflow (|x| >= 65520) gives +-inf; NaN gives 0x7E00 with the
//     input's sign bit.
//   - bf16: overflow gives +-inf; NaN gives 0x7FC0 (sign dropped).
//   - fp8 e4m3fn (max finite 448, no inf): PyTorch does NOT saturate. A value
//     whose rounding exceeds 448 (|x| > 464; 464 itself ties to 448) and +-inf
//     become NaN, 0x7F | sign. NaN gives 0x7F | sign. Saturation::finite
//     instead clamps to +-448 (like CUDA's __NV_SATFINITE).
//   - fp8 e5m2 (max finite 57344): overflow (|x| >= 61440) gives +-inf
//     (0x7C | sign); NaN gives 0x7F | sign. Saturation::finite clamps to
//     +-57344.
//   - fp4 e2m1 ({0, 0.5, 1, 1.5, 2, 3, 4, 6} and negatives, no inf/NaN):
//     PyTorch has no float->fp4 cast, so this follows CUDA's
//     __nv_cvt_float_to_fp4(__NV_E2M1, cudaRoundNearest) (cuda_fp4.hpp):
//     always saturating, |x| > 6 and +-inf give +-6, NaN gives +6 (0x7).
// A double is converted to float first, as PyTorch's casts do.
//
// fp4 packing (float4_e2m1fn_x2 in PyTorch, __nv_fp4x2_e2m1 in CUDA): two
// values per byte, element 2k in the LOW nibble (bits 3..0) and element 2k+1
// in the high nibble (bits 7..4). Sources: PyTorch
// torch/headeronly/util/Float4_e2m1fn_x2.h ("val1 : val0 / 7654 : 3210") and
// cuda_fp4.hpp (__nv_cvt_float2_to_fp4x2 puts .x in the low nibble).
//
// Decoding is exact (every value fits in a float).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "jit/definition/dtype.h"

namespace kjit::runtime {

using jit::Dtype;

// What an fp8 encoder does with finite values beyond the max finite value.
enum class Saturation {
  none,    // PyTorch's cast: e4m3fn gives NaN, e5m2 gives inf
  finite,  // clamp to +-max finite (CUDA __NV_SATFINITE)
};

std::uint16_t float_to_fp16_bits(float value);
float fp16_bits_to_float(std::uint16_t bits);

std::uint16_t float_to_bf16_bits(float value);
float bf16_bits_to_float(std::uint16_t bits);

std::uint8_t float_to_e4m3fn_bits(float value, Saturation saturation = Saturation::none);
float e4m3fn_bits_to_float(std::uint8_t bits);

std::uint8_t float_to_e5m2_bits(float value, Saturation saturation = Saturation::none);
float e5m2_bits_to_float(std::uint8_t bits);

// The 4-bit code (0..15) in the low nibble of the result.
std::uint8_t float_to_e2m1_bits(float value);
// Decodes the low nibble of `bits`.
float e2m1_bits_to_float(std::uint8_t bits);

// Rounds `value` to the nearest value representable in `dtype` (through
// float, with that dtype's overflow rule) and returns it as a double.
// Integers truncate toward zero and saturate to the type's range (NaN -> 0);
// bool is value != 0.
double round_to_dtype(Dtype dtype, double value);

// Bits of storage per element (4 for float4_e2m1).
int storage_bits(Dtype dtype);

// Bytes that `numel` elements of `dtype` occupy (fp4: ceil(numel / 2)).
std::int64_t storage_bytes(Dtype dtype, std::int64_t numel);

// Element `index` of a buffer of `dtype` elements, decoded exactly. int64
// values beyond 2^53 lose precision here; use load_int for those.
double load_element(Dtype dtype, const std::uint8_t* data, std::int64_t index);
// Stores `value` converted as round_to_dtype describes.
void store_element(Dtype dtype, std::uint8_t* data, std::int64_t index, double value);

// Integer load/store, exact for every integer dtype (floats: converted).
std::int64_t load_int(Dtype dtype, const std::uint8_t* data, std::int64_t index);
void store_int(Dtype dtype, std::uint8_t* data, std::int64_t index, std::int64_t value);

}  // namespace kjit::runtime
