// Tests for the dtype tables: names round-trip, CUDA types, sizes.
#include <gtest/gtest.h>

#include "jit/definition/dtype.h"

namespace kjit::jit {
namespace {

TEST(DtypeTest, EveryNameRoundTrips) {
  for (int i = 0; i < k_dtype_count; ++i) {
    Dtype d = static_cast<Dtype>(i);
    auto parsed = parse_dtype(dtype_name(d));
    ASSERT_TRUE(parsed.has_value()) << dtype_name(d);
    EXPECT_EQ(*parsed, d);
  }
}

TEST(DtypeTest, TableMatchesSchemaAndCuda) {
  struct Case {
    const char* name;
    const char* cuda;
    int bits;
    bool is_float;
  };
  const Case cases[] = {
      {"float32", "float", 32, true},          {"float16", "__half", 16, true},
      {"bfloat16", "__nv_bfloat16", 16, true}, {"float8_e4m3fn", "__nv_fp8_e4m3", 8, true},
      {"float8_e5m2", "__nv_fp8_e5m2", 8, true}, {"float4_e2m1", "uint8_t", 4, true},
      {"int8", "int8_t", 8, false},            {"int16", "int16_t", 16, false},
      {"int32", "int32_t", 32, false},         {"int64", "int64_t", 64, false},
      {"bool", "bool", 8, false},
  };
  for (const auto& c : cases) {
    auto d = parse_dtype(c.name);
    ASSERT_TRUE(d.has_value()) << c.name;
    EXPECT_EQ(dtype_cuda_type(*d), c.cuda) << c.name;
    EXPECT_EQ(dtype_bits(*d), c.bits) << c.name;
    EXPECT_EQ(dtype_is_float(*d), c.is_float) << c.name;
  }
  EXPECT_EQ(parse_dtype("bool"), Dtype::boolean);
}

TEST(DtypeTest, UnknownNamesAreRejected) {
  for (const char* name : {"", "float64", "fp16", "BFLOAT16", "boolean", "uint8"})
    EXPECT_FALSE(parse_dtype(name).has_value()) << name;
}

}  // namespace
}  // namespace kjit::jit
