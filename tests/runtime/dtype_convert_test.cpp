// Tests for the narrow-float conversions: known bit patterns (NaN, inf,
// subnormals, ties, max finite, overflow) and exhaustive decode->encode
// round trips over every fp16/bf16/fp8/fp4 bit pattern.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "runtime/dtype_convert.h"

namespace kjit::runtime {
namespace {

const float k_inf = std::numeric_limits<float>::infinity();
const float k_nan = std::numeric_limits<float>::quiet_NaN();

struct Case16 {
  float in;
  std::uint16_t bits;
};

TEST(DtypeConvertTest, Fp16KnownPatterns) {
  const Case16 cases[] = {
      {0.0f, 0x0000},          {-0.0f, 0x8000},         {1.0f, 0x3C00},
      {-2.0f, 0xC000},         {65504.0f, 0x7BFF},      {65519.0f, 0x7BFF},
      {65520.0f, 0x7C00},      {-1e6f, 0xFC00},         {k_inf, 0x7C00},
      {-k_inf, 0xFC00},        {0x1p-24f, 0x0001},      {0x1p-25f, 0x0000},  // tie -> even 0
      {0x1.8p-25f, 0x0001},    {0x3p-25f, 0x0002},      // 1.5 ulp tie -> even 2
      {0x1p-14f, 0x0400},      {0x1.002p0f, 0x3C00},    // 1 + 2^-11: tie -> even
      {0x1.006p0f, 0x3C02},    // 1 + 3*2^-11: tie -> even (up)
      {0x1.0021p0f, 0x3C01},   // just above the tie
  };
  for (const auto& c : cases) {
    EXPECT_EQ(float_to_fp16_bits(c.in), c.bits) << c.in;
  }
  EXPECT_EQ(float_to_fp16_bits(k_nan), 0x7E00);
  EXPECT_EQ(float_to_fp16_bits(-k_nan), 0xFE00);
  EXPECT_EQ(fp16_bits_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(fp16_bits_to_float(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(fp16_bits_to_float(0xFC00)));
  EXPECT_LT(fp16_bits_to_float(0xFC00), 0.0f);
  EXPECT_TRUE(std::isnan(fp16_bits_to_float(0x7C01)));
}

TEST(DtypeConvertTest, Bf16KnownPatterns) {
  const Case16 cases[] = {
      {1.0f, 0x3F80},        {-1.0f, 0xBF80},           {0x1.01p0f, 0x3F80},  // tie -> even
      {0x1.03p0f, 0x3F82},   // tie -> even (up)
      {0x1.0101p0f, 0x3F81}, {std::numeric_limits<float>::max(), 0x7F80},  // rounds to inf
      {k_inf, 0x7F80},       {-k_inf, 0xFF80},           {0x1p-133f, 0x0001},  // subnormal
  };
  for (const auto& c : cases) {
    EXPECT_EQ(float_to_bf16_bits(c.in), c.bits) << c.in;
  }
  EXPECT_EQ(float_to_bf16_bits(k_nan), 0x7FC0);
  EXPECT_EQ(float_to_bf16_bits(-k_nan), 0x7FC0);  // PyTorch drops the sign
  EXPECT_EQ(bf16_bits_to_float(0x3F80), 1.0f);
}

struct Case8 {
  float in;
  std::uint8_t bits;
};

TEST(DtypeConvertTest, E4m3fnKnownPatternsFollowPyTorch) {
  const Case8 cases[] = {
      {0.0f, 0x00},       {-0.0f, 0x80},    {1.0f, 0x38},       {-1.0f, 0xB8},
      {448.0f, 0x7E},     {-448.0f, 0xFE},  {464.0f, 0x7E},     // tie 448|480 -> even 448
      {464.5f, 0x7F},     // rounds above 448 -> NaN (PyTorch does not saturate)
      {480.0f, 0x7F},     {1e9f, 0x7F},     {-500.0f, 0xFF},    {k_inf, 0x7F},
      {-k_inf, 0xFF},     {0x1p-9f, 0x01},  // min subnormal
      {0x1p-10f, 0x00},   // tie 0|2^-9 -> even 0
      {0x3p-10f, 0x02},   // tie 1|2 -> even 2
      {0x1p-6f, 0x08},    // min normal
      {0x1.1p0f, 0x38},   // 1.0625: tie 1|1.125 -> even 1
      {0x1.3p0f, 0x3A},   // 1.1875: tie 1.125|1.25 -> even 1.25
      {2.0f, 0x40},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(float_to_e4m3fn_bits(c.in), c.bits) << c.in;
  }
  EXPECT_EQ(float_to_e4m3fn_bits(k_nan), 0x7F);
  EXPECT_EQ(float_to_e4m3fn_bits(-k_nan), 0xFF);
  EXPECT_EQ(float_to_e4m3fn_bits(1000.0f, Saturation::finite), 0x7E);
  EXPECT_EQ(float_to_e4m3fn_bits(-k_inf, Saturation::finite), 0xFE);
  EXPECT_EQ(e4m3fn_bits_to_float(0x7E), 448.0f);
  EXPECT_EQ(e4m3fn_bits_to_float(0x01), 0x1p-9f);
  EXPECT_TRUE(std::isnan(e4m3fn_bits_to_float(0x7F)));
  EXPECT_TRUE(std::isnan(e4m3fn_bits_to_float(0xFF)));
  EXPECT_FALSE(std::isnan(e4m3fn_bits_to_float(0x78)));  // 256, exp field 15 but finite
  EXPECT_EQ(e4m3fn_bits_to_float(0x78), 256.0f);
}

TEST(DtypeConvertTest, E5m2KnownPatterns) {
  const Case8 cases[] = {
      {1.0f, 0x3C},      {57344.0f, 0x7B}, {61439.0f, 0x7B},  {61440.0f, 0x7C},  // tie -> even = inf
      {-1e6f, 0xFC},     {k_inf, 0x7C},    {0x1p-16f, 0x01},  {0x1p-17f, 0x00},
      {0x1p-14f, 0x04},  {-0.0f, 0x80},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(float_to_e5m2_bits(c.in), c.bits) << c.in;
  }
  EXPECT_EQ(float_to_e5m2_bits(k_nan), 0x7F);
  EXPECT_EQ(float_to_e5m2_bits(1e6f, Saturation::finite), 0x7B);
  EXPECT_TRUE(std::isinf(e5m2_bits_to_float(0x7C)));
  EXPECT_TRUE(std::isnan(e5m2_bits_to_float(0x7D)));
  EXPECT_EQ(e5m2_bits_to_float(0x7B), 57344.0f);
}

TEST(DtypeConvertTest, E2m1ValuesTiesAndSaturation) {
  const float values[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  for (std::uint8_t code = 0; code < 16; ++code) {
    const float expect = (code & 8) ? -values[code & 7] : values[code & 7];
    EXPECT_EQ(e2m1_bits_to_float(code), expect) << int(code);
  }
  const Case8 cases[] = {
      {0.25f, 0x0},  // tie 0|0.5 -> even 0
      {0.26f, 0x1},  {0.75f, 0x2},  // tie 0.5|1 -> even 1.0
      {1.25f, 0x2},  // tie 1|1.5 -> 1
      {1.75f, 0x4},  // tie 1.5|2 -> 2
      {2.5f, 0x4},   {3.5f, 0x6},   {5.0f, 0x6},  // tie 4|6 -> 4
      {5.1f, 0x7},   {7.0f, 0x7},   {1e9f, 0x7},  {-k_inf, 0xF}, {-0.1f, 0x8},
      {-3.0f, 0xD},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(float_to_e2m1_bits(c.in), c.bits) << c.in;
  }
  EXPECT_EQ(float_to_e2m1_bits(k_nan), 0x7);  // CUDA: NaN -> +6
}

TEST(DtypeConvertTest, Fp4PacksLowNibbleFirst) {
  std::uint8_t buf[2] = {};
  store_element(Dtype::float4_e2m1, buf, 0, 1.0);   // code 2
  store_element(Dtype::float4_e2m1, buf, 1, -6.0);  // code 0xF
  store_element(Dtype::float4_e2m1, buf, 2, 0.5);   // code 1
  EXPECT_EQ(buf[0], 0xF2);
  EXPECT_EQ(buf[1], 0x01);
  EXPECT_EQ(load_element(Dtype::float4_e2m1, buf, 1), -6.0);
  EXPECT_EQ(load_element(Dtype::float4_e2m1, buf, 2), 0.5);
  EXPECT_EQ(storage_bytes(Dtype::float4_e2m1, 3), 2);
}

TEST(DtypeConvertTest, ExhaustiveFp16RoundTrip) {
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const float f = fp16_bits_to_float(bits);
    const std::uint16_t back = float_to_fp16_bits(f);
    if (std::isnan(f)) {
      ASSERT_EQ(back, (bits & 0x8000) | 0x7E00) << std::hex << b;
    } else {
      ASSERT_EQ(back, bits) << std::hex << b;
    }
  }
}

TEST(DtypeConvertTest, ExhaustiveBf16RoundTrip) {
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const float f = bf16_bits_to_float(bits);
    const std::uint16_t back = float_to_bf16_bits(f);
    ASSERT_EQ(back, std::isnan(f) ? 0x7FC0 : bits) << std::hex << b;
  }
}

TEST(DtypeConvertTest, ExhaustiveFp8AndFp4RoundTrip) {
  for (std::uint32_t b = 0; b < 256; ++b) {
    const auto bits = static_cast<std::uint8_t>(b);
    const float f4 = e4m3fn_bits_to_float(bits);
    EXPECT_EQ(float_to_e4m3fn_bits(f4), bits) << std::hex << b;  // NaN is only 0x7F/0xFF
    const float f5 = e5m2_bits_to_float(bits);
    const std::uint8_t back5 = float_to_e5m2_bits(f5);
    EXPECT_EQ(back5, std::isnan(f5) ? ((bits & 0x80) | 0x7F) : bits) << std::hex << b;
  }
  for (std::uint8_t code = 0; code < 16; ++code) {
    EXPECT_EQ(float_to_e2m1_bits(e2m1_bits_to_float(code)), code);
  }
}

// Every fp16 value is a bf16/fp8 input too: encoding must pick the nearest
// representable value (ties to even), checked against a brute-force search.
TEST(DtypeConvertTest, E4m3fnEncodingIsNearestOverFp16Inputs) {
  for (std::uint32_t b = 0; b < 0x7C00; ++b) {  // positive finite fp16
    const float x = fp16_bits_to_float(static_cast<std::uint16_t>(b));
    if (x > 464.0f) continue;  // NaN region
    std::uint8_t best = 0;
    float best_d = k_inf;
    for (std::uint8_t c = 0; c < 0x7F; ++c) {
      const float d = std::fabs(e4m3fn_bits_to_float(c) - x);
      if (d < best_d || (d == best_d && (c & 1) == 0)) {
        best_d = d;
        best = c;
      }
    }
    ASSERT_EQ(float_to_e4m3fn_bits(x), best) << x;
  }
}

TEST(DtypeConvertTest, IntegersTruncateAndSaturate) {
  EXPECT_EQ(round_to_dtype(Dtype::int8, 300.0), 127.0);
  EXPECT_EQ(round_to_dtype(Dtype::int8, -1e9), -128.0);
  EXPECT_EQ(round_to_dtype(Dtype::int32, -2.7), -2.0);
  EXPECT_EQ(round_to_dtype(Dtype::int32, std::nan("")), 0.0);
  EXPECT_EQ(round_to_dtype(Dtype::boolean, 0.5), 1.0);
  EXPECT_EQ(round_to_dtype(Dtype::bfloat16, 1.00390625), 1.0);
  std::uint8_t buf[8];
  store_int(Dtype::int64, buf, 0, (std::int64_t{1} << 62) + 1);
  EXPECT_EQ(load_int(Dtype::int64, buf, 0), (std::int64_t{1} << 62) + 1);
}

}  // namespace
}  // namespace kjit::runtime
