// The C++ launch API on a real device (label gpu; skips without one):
// rmsnorm and a split-K gemm (workspace) through runtime::Kernel on a
// non-default stream, checked on the host in double precision; repeated
// launches on two streams give identical bytes; a stream's workspace is
// allocated once. Configuration from the environment (tools/gpu_sweep.sh
// exports KJIT_TEMPLATES and KJIT_DEFINITIONS for this checkout).
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "jit/api/kernel.h"
#include "runtime/driver.h"
#include "tests/gpu/gpu_device.h"
#include "runtime/dtype_convert.h"
#include "runtime/workspace_pool.h"

namespace kjit::runtime {
namespace {

std::shared_ptr<jit::Jit> gpu_jit() {
  static std::shared_ptr<jit::Jit> jit = [] {
    auto j = jit::Jit::open(Config::from_env());
    return j ? std::shared_ptr<jit::Jit>(std::move(*j)) : nullptr;
  }();
  return jit;
}

class LaunchGpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::open_device_or_skip(device);
    if (!device) return;
    ASSERT_NE(gpu_jit(), nullptr);
  }
  std::shared_ptr<Device> device;
};

std::vector<std::uint16_t> random_bf16(std::size_t n, std::uint32_t seed, double scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0.0, scale);
  std::vector<std::uint16_t> v(n);
  for (auto& x : v) x = float_to_bf16_bits(static_cast<float>(dist(rng)));
  return v;
}

DeviceBuffer upload(const std::vector<std::uint16_t>& host) {
  auto b = DeviceBuffer::allocate(host.size() * 2, "test");
  EXPECT_TRUE(b);
  EXPECT_TRUE(b->upload(std::as_bytes(std::span(host))));
  return std::move(*b);
}

std::vector<std::uint16_t> download(const DeviceBuffer& b) {
  std::vector<std::uint16_t> host(b.size() / 2);
  EXPECT_TRUE(b.download(std::as_writable_bytes(std::span(host))));
  return host;
}

TEST_F(LaunchGpuTest, RmsnormOnAStreamMatchesTheHost) {
  auto k = jit::open_kernel(gpu_jit(), "rmsnorm_h4096");
  ASSERT_TRUE(k) << k.error().full();
  constexpr std::int64_t rows = 37, h = 4096;
  auto x = random_bf16(rows * h, 1, 1.0), w = random_bf16(h, 2, 1.0);
  DeviceBuffer dx = upload(x), dw = upload(w), dy = upload(std::vector<std::uint16_t>(rows * h, 0xFFFF));
  std::int64_t xs[] = {rows, h}, ws[] = {h};
  std::vector<TensorArg> t{{dx.ptr(), xs, nullptr, 2, jit::Dtype::bfloat16}, {dw.ptr(), ws, nullptr, 1, jit::Dtype::bfloat16},
                           {dy.ptr(), xs, nullptr, 2, jit::Dtype::bfloat16}};
  auto stream = Stream::create();
  ASSERT_TRUE(stream);
  ASSERT_TRUE((*k)->launch(t, {}, stream->get()));
  ASSERT_TRUE(stream->synchronize());
  auto y = download(dy);
  double worst = 0;
  for (std::int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (std::int64_t i = 0; i < h; ++i) ss += std::pow(bf16_bits_to_float(x[r * h + i]), 2);
    const double inv = 1.0 / std::sqrt(ss / h + 1e-5);
    for (std::int64_t i = 0; i < h; ++i) {
      const double ref = bf16_bits_to_float(x[r * h + i]) * inv * bf16_bits_to_float(w[i]);
      const double got = bf16_bits_to_float(y[r * h + i]);
      const double err = std::abs(got - ref);
      // flashinfer-bench's rule, written so that a NaN fails
      if (!(err <= 1e-2) && !(err / (std::abs(ref) + 1e-8) <= 1e-2)) worst = std::isnan(err) ? INFINITY : std::max(worst, err);
    }
  }
  EXPECT_EQ(worst, 0.0);
}

TEST_F(LaunchGpuTest, SplitKGemmUsesOneStreamWorkspaceAndRepeatsExactly) {
  auto k = jit::open_kernel(gpu_jit(), "gemm_n4096_k4096");
  ASSERT_TRUE(k) << k.error().full();
  constexpr std::int64_t m = 3, n = 4096, kk = 4096;
  auto a = random_bf16(m * kk, 3, 1.0), b = random_bf16(n * kk, 4, 1.0 / 64);
  DeviceBuffer da = upload(a), db = upload(b), dc = upload(std::vector<std::uint16_t>(m * n, 0)),
               dc2 = upload(std::vector<std::uint16_t>(m * n, 0));
  std::int64_t as[] = {m, kk}, bs[] = {n, kk}, cs[] = {m, n};
  auto args = [&](CUdeviceptr c) {
    return std::vector<TensorArg>{{da.ptr(), as, nullptr, 2, jit::Dtype::bfloat16}, {db.ptr(), bs, nullptr, 2, jit::Dtype::bfloat16},
                                  {c, cs, nullptr, 2, jit::Dtype::bfloat16}};
  };
  auto r = (*k)->resolve(args(dc.ptr()), {});
  ASSERT_TRUE(r);
  EXPECT_GT(r->workspace_bytes, 0u) << "M = 3 should split K (the test wants the workspace path)";
  auto s1 = Stream::create(), s2 = Stream::create();
  const std::uint64_t pool = workspace_pool_bytes();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*k)->launch(args(dc.ptr()), {}, s1->get()));
  const std::uint64_t after_first = workspace_pool_bytes();
  EXPECT_GT(after_first, pool);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*k)->launch(args(dc2.ptr()), {}, s2->get()));
  ASSERT_TRUE(s1->synchronize());
  ASSERT_TRUE(s2->synchronize());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*k)->launch(args(dc.ptr()), {}, s1->get()));
  ASSERT_TRUE(s1->synchronize());
  EXPECT_EQ(workspace_pool_bytes(), after_first + (after_first - pool));  // one more buffer, for s2, and no growth after
  auto c = download(dc), c2 = download(dc2);
  EXPECT_EQ(c, c2);
  int bad = 0;
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double ref = 0;
      for (std::int64_t q = 0; q < kk; ++q) ref += double{bf16_bits_to_float(a[i * kk + q])} * bf16_bits_to_float(b[j * kk + q]);
      const double err = std::abs(bf16_bits_to_float(c[i * n + j]) - ref);
      bad += !(err <= 1e-2) && !(err / (std::abs(ref) + 1e-8) <= 1e-2);
    }
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace kjit::runtime
