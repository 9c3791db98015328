// Float <-> narrow float conversions and element access; see dtype_convert.h
// for the rounding, overflow and packing rules and their sources.
#include "runtime/dtype_convert.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace kjit::runtime {
namespace {

// A binary floating-point format without its special encodings: `mbits`
// explicit mantissa bits and `emin`, the exponent of the smallest normal.
struct MiniFormat {
  int mbits;
  int emin;
  double max_finite;
};

// A narrow float format: its finite values and its special encodings (codes
// without the sign bit), for the one encoder and decoder below.
struct NarrowFormat {
  MiniFormat finite;
  std::uint32_t sign;       // the sign bit
  std::uint32_t nan;        // the NaN written
  bool nan_signed;          // NaN keeps the value's sign (e2m1 has no NaN: +max)
  std::uint32_t overflow;   // what +-inf and overflow become (Saturation::none)
  std::uint32_t saturated;  // the same with Saturation::finite
  // How decoding finds NaN and inf: IEEE (an all-ones exponent field is inf,
  // or NaN with a mantissa), only the code `nan`, or none at all.
  enum class Specials { ieee, nan_code, none } specials;
};

using Specials = NarrowFormat::Specials;
constexpr NarrowFormat k_fp16{{10, -14, 65504.0}, 0x8000u, 0x7E00u, true, 0x7C00u, 0x7C00u, Specials::ieee};
constexpr NarrowFormat k_e4m3fn{{3, -6, 448.0}, 0x80u, 0x7Fu, true, 0x7Fu, 0x7Eu, Specials::nan_code};
constexpr NarrowFormat k_e5m2{{2, -14, 57344.0}, 0x80u, 0x7Fu, true, 0x7Cu, 0x7Bu, Specials::ieee};
constexpr NarrowFormat k_e2m1{{1, 0, 6.0}, 0x8u, 0x7u, false, 0x7u, 0x7u, Specials::none};

// Rounds finite `a` >= 0 to `format` (nearest, ties to even) and returns the
// unsigned code (exponent field << mbits | mantissa). Sets `overflow` when the
// rounded value exceeds the max finite value (the code is then meaningless).
std::uint32_t round_unsigned(double a, const MiniFormat& format, bool& overflow) {
  overflow = false;
  if (a == 0.0) return 0;
  int e = 0;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
  int exponent = e - 1;  // a = 1.m * 2^exponent
  if (exponent < format.emin) exponent = format.emin;  // subnormal scale
  const double quantum = std::ldexp(1.0, exponent - format.mbits);
  // a / quantum is exact (power-of-two scaling); nearbyint rounds half to even
  // in the default rounding mode.
  double n = std::nearbyint(a / quantum);
  const double implicit = std::ldexp(1.0, format.mbits);
  if (n >= 2.0 * implicit) {
    n /= 2.0;
    ++exponent;
  }
  if (n * std::ldexp(1.0, exponent - format.mbits) > format.max_finite) {
    overflow = true;
    return 0;
  }
  const auto mantissa = static_cast<std::uint32_t>(n);
  if (n < implicit) return mantissa;  // subnormal (exponent field 0)
  const auto field = static_cast<std::uint32_t>(exponent - format.emin + 1);
  return (field << format.mbits) | (mantissa - static_cast<std::uint32_t>(implicit));
}

// Decodes an unsigned code of `format` that is not a special encoding.
double decode_unsigned(std::uint32_t code, const MiniFormat& format) {
  const std::uint32_t field = code >> format.mbits;
  const std::uint32_t mantissa = code & ((1u << format.mbits) - 1);
  if (field == 0) return std::ldexp(static_cast<double>(mantissa), format.emin - format.mbits);
  return std::ldexp(static_cast<double>(mantissa + (1u << format.mbits)),
                    static_cast<int>(field) - 1 + format.emin - format.mbits);
}

std::uint32_t encode(float value, const NarrowFormat& format, Saturation saturation) {
  const std::uint32_t sign = std::signbit(value) ? format.sign : 0u;
  if (std::isnan(value)) return (format.nan_signed ? sign : 0u) | format.nan;
  const std::uint32_t overflow = sign | (saturation == Saturation::finite ? format.saturated : format.overflow);
  if (std::isinf(value)) return overflow;
  bool overflowed = false;
  const std::uint32_t code = round_unsigned(std::fabs(static_cast<double>(value)), format.finite, overflowed);
  return overflowed ? overflow : sign | code;
}

float decode(std::uint32_t bits, const NarrowFormat& format) {
  const std::uint32_t code = bits & (format.sign - 1);
  const int mbits = format.finite.mbits;
  double v;
  if (format.specials == Specials::ieee && (code >> mbits) == ((format.sign - 1) >> mbits)) {
    v = (code & ((1u << mbits) - 1)) ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (format.specials == Specials::nan_code && code == format.nan) {
    v = std::numeric_limits<double>::quiet_NaN();
  } else {
    v = decode_unsigned(code, format.finite);
  }
  return static_cast<float>((bits & format.sign) ? -v : v);
}

template <class T>
T load_raw(const std::uint8_t* data, std::int64_t index) {
  T v;
  std::memcpy(&v, data + index * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
  return v;
}

template <class T>
void store_raw(std::uint8_t* data, std::int64_t index, T v) {
  std::memcpy(data + index * static_cast<std::int64_t>(sizeof(T)), &v, sizeof(T));
}

// Truncates toward zero and saturates to [lo, hi]; NaN gives 0.
std::int64_t to_int_saturating(double v, std::int64_t lo, std::int64_t hi) {
  if (std::isnan(v)) return 0;
  const double t = std::trunc(v);
  if (t <= static_cast<double>(lo)) return lo;
  if (t >= static_cast<double>(hi)) return hi;
  return static_cast<std::int64_t>(t);
}

template <class T>
std::int64_t saturate_to(double v) {
  return to_int_saturating(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
}

}  // namespace

std::uint16_t float_to_fp16_bits(float value) {
  return static_cast<std::uint16_t>(encode(value, k_fp16, Saturation::none));
}

float fp16_bits_to_float(std::uint16_t bits) { return decode(bits, k_fp16); }

std::uint16_t float_to_bf16_bits(float value) {
  if (std::isnan(value)) return 0x7FC0u;
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  // Round to nearest even on the dropped 16 bits; a carry into the exponent
  // is exactly the IEEE rounding (and overflows to inf correctly).
  const std::uint32_t rounding_bias = 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>((bits + rounding_bias) >> 16);
}

float bf16_bits_to_float(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

std::uint8_t float_to_e4m3fn_bits(float value, Saturation saturation) {
  return static_cast<std::uint8_t>(encode(value, k_e4m3fn, saturation));
}

float e4m3fn_bits_to_float(std::uint8_t bits) { return decode(bits, k_e4m3fn); }

std::uint8_t float_to_e5m2_bits(float value, Saturation saturation) {
  return static_cast<std::uint8_t>(encode(value, k_e5m2, saturation));
}

float e5m2_bits_to_float(std::uint8_t bits) { return decode(bits, k_e5m2); }

std::uint8_t float_to_e2m1_bits(float value) { return static_cast<std::uint8_t>(encode(value, k_e2m1, Saturation::none)); }

float e2m1_bits_to_float(std::uint8_t bits) { return decode(bits, k_e2m1); }

int storage_bits(Dtype dtype) {
  switch (dtype) {
    case Dtype::float32: return 32;
    case Dtype::float16: return 16;
    case Dtype::bfloat16: return 16;
    case Dtype::float8_e4m3fn: return 8;
    case Dtype::float8_e5m2: return 8;
    case Dtype::float4_e2m1: return 4;
    case Dtype::int8: return 8;
    case Dtype::int16: return 16;
    case Dtype::int32: return 32;
    case Dtype::int64: return 64;
    case Dtype::boolean: return 8;
  }
  return 8;
}

std::int64_t storage_bytes(Dtype dtype, std::int64_t numel) {
  const int bits = storage_bits(dtype);
  if (bits == 4) return (numel + 1) / 2;
  return numel * (bits / 8);
}

double round_to_dtype(Dtype dtype, double value) {
  std::uint8_t buf[8] = {};
  store_element(dtype, buf, 0, value);
  return load_element(dtype, buf, 0);
}

double load_element(Dtype dtype, const std::uint8_t* data, std::int64_t index) {
  switch (dtype) {
    case Dtype::float32: return load_raw<float>(data, index);
    case Dtype::float16: return fp16_bits_to_float(load_raw<std::uint16_t>(data, index));
    case Dtype::bfloat16: return bf16_bits_to_float(load_raw<std::uint16_t>(data, index));
    case Dtype::float8_e4m3fn: return e4m3fn_bits_to_float(data[index]);
    case Dtype::float8_e5m2: return e5m2_bits_to_float(data[index]);
    case Dtype::float4_e2m1: {
      const std::uint8_t byte = data[index / 2];
      return e2m1_bits_to_float((index % 2) ? static_cast<std::uint8_t>(byte >> 4) : byte);
    }
    case Dtype::int8: return load_raw<std::int8_t>(data, index);
    case Dtype::int16: return load_raw<std::int16_t>(data, index);
    case Dtype::int32: return load_raw<std::int32_t>(data, index);
    case Dtype::int64: return static_cast<double>(load_raw<std::int64_t>(data, index));
    case Dtype::boolean: return data[index] != 0 ? 1.0 : 0.0;
  }
  return 0.0;
}

void store_element(Dtype dtype, std::uint8_t* data, std::int64_t index, double value) {
  const auto f = static_cast<float>(value);
  switch (dtype) {
    case Dtype::float32: store_raw<float>(data, index, f); return;
    case Dtype::float16: store_raw<std::uint16_t>(data, index, float_to_fp16_bits(f)); return;
    case Dtype::bfloat16: store_raw<std::uint16_t>(data, index, float_to_bf16_bits(f)); return;
    case Dtype::float8_e4m3fn: data[index] = float_to_e4m3fn_bits(f); return;
    case Dtype::float8_e5m2: data[index] = float_to_e5m2_bits(f); return;
    case Dtype::float4_e2m1: {
      const std::uint8_t code = float_to_e2m1_bits(f);
      std::uint8_t& byte = data[index / 2];
      byte = (index % 2) ? static_cast<std::uint8_t>((byte & 0x0Fu) | (code << 4))
                         : static_cast<std::uint8_t>((byte & 0xF0u) | code);
      return;
    }
    case Dtype::int8: store_raw<std::int8_t>(data, index, static_cast<std::int8_t>(saturate_to<std::int8_t>(value))); return;
    case Dtype::int16: store_raw<std::int16_t>(data, index, static_cast<std::int16_t>(saturate_to<std::int16_t>(value))); return;
    case Dtype::int32: store_raw<std::int32_t>(data, index, static_cast<std::int32_t>(saturate_to<std::int32_t>(value))); return;
    case Dtype::int64: store_raw<std::int64_t>(data, index, saturate_to<std::int64_t>(value)); return;
    case Dtype::boolean: data[index] = value != 0.0 ? 1 : 0; return;
  }
}

std::int64_t load_int(Dtype dtype, const std::uint8_t* data, std::int64_t index) {
  switch (dtype) {
    case Dtype::int8: return load_raw<std::int8_t>(data, index);
    case Dtype::int16: return load_raw<std::int16_t>(data, index);
    case Dtype::int32: return load_raw<std::int32_t>(data, index);
    case Dtype::int64: return load_raw<std::int64_t>(data, index);
    case Dtype::boolean: return data[index] != 0 ? 1 : 0;
    default: return saturate_to<std::int64_t>(load_element(dtype, data, index));
  }
}

void store_int(Dtype dtype, std::uint8_t* data, std::int64_t index, std::int64_t value) {
  switch (dtype) {
    case Dtype::int64: store_raw<std::int64_t>(data, index, value); return;
    case Dtype::int32:
    case Dtype::int16:
    case Dtype::int8:
      store_element(dtype, data, index, static_cast<double>(value));  // exact below 2^53
      return;
    case Dtype::boolean: data[index] = value != 0 ? 1 : 0; return;
    default: store_element(dtype, data, index, static_cast<double>(value)); return;
  }
}

}  // namespace kjit::runtime
