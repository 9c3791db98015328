// Tests for HostTensor: sizes (fp4 packing), element access through the
// conversions, scalars, and from_doubles validation.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/host_tensor.h"

namespace kjit::runtime {
namespace {

TEST(HostTensorTest, SizesPerDtype) {
  struct Case {
    Dtype dtype;
    std::int64_t bytes;
  } cases[] = {{Dtype::float32, 60},      {Dtype::bfloat16, 30}, {Dtype::float8_e4m3fn, 15},
               {Dtype::float4_e2m1, 8},   {Dtype::int64, 120},   {Dtype::boolean, 15}};
  for (const auto& c : cases) {
    const HostTensor t = HostTensor::zeros(c.dtype, {3, 5});
    EXPECT_EQ(t.numel(), 15);
    EXPECT_EQ(t.byte_size(), c.bytes);
    EXPECT_EQ(static_cast<std::int64_t>(t.bytes.size()), c.bytes);
  }
}

TEST(HostTensorTest, SetRoundsThroughDtype) {
  HostTensor t = HostTensor::zeros(Dtype::bfloat16, {2});
  t.set(0, 1.00390625);  // tie -> 1.0
  t.set(1, 3.14159);
  EXPECT_EQ(t.get(0), 1.0);
  EXPECT_EQ(t.get(1), 3.140625);
  HostTensor f8 = HostTensor::zeros(Dtype::float8_e4m3fn, {1});
  f8.set(0, 1000.0);
  EXPECT_TRUE(std::isnan(f8.get(0)));
}

TEST(HostTensorTest, FromDoublesRoundTripsFp4) {
  const std::vector<double> values = {0.5, -6, 3, 1.5, 0};
  auto t = HostTensor::from_doubles(Dtype::float4_e2m1, {5}, values);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->bytes.size(), 3u);
  EXPECT_EQ(t->to_doubles(), values);
}

TEST(HostTensorTest, FromDoublesRejectsCountMismatch) {
  const std::vector<double> values = {1, 2, 3};
  auto t = HostTensor::from_doubles(Dtype::float32, {2, 2}, values);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(t.error().message.find("[2, 2]"), std::string::npos);
  EXPECT_FALSE(HostTensor::from_doubles(Dtype::float32, {-1}, {}).has_value());
}

TEST(HostTensorTest, ScalarsAndZeroDim) {
  const HostTensor s = HostTensor::make_scalar(Dtype::float32, 0.125);
  EXPECT_TRUE(s.scalar);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.get(0), 0.125);
  EXPECT_EQ(s.describe(), "float32 scalar");
  const HostTensor z = HostTensor::zeros(Dtype::int32, {});
  EXPECT_FALSE(z.scalar);
  EXPECT_EQ(z.numel(), 1);
  EXPECT_EQ(HostTensor::zeros(Dtype::int32, {4, 0}).numel(), 0);
}

TEST(HostTensorTest, UnravelRowMajor) {
  const HostTensor t = HostTensor::zeros(Dtype::float32, {2, 3, 4});
  EXPECT_EQ(t.unravel(23), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(t.unravel(5), (std::vector<std::int64_t>{0, 1, 1}));
  EXPECT_EQ(t.describe(), "float32[2, 3, 4]");
}

}  // namespace
}  // namespace kjit::runtime
