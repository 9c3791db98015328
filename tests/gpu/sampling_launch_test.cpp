// Launch parameters on the device (docs/templates.md "Launch parameters"),
// with the made-up sampling definition samplingtest_top_k_top_p_v1000
// (tests/gpu/definitions/sampling): the same seed and offset give the same
// samples; each run advances the offset (fresh samples); a later prepare
// without values continues the kernel's counter; a name the plan does not
// declare is refused. Skips without a device.
// Built here and run elsewhere (tools/gpu_sweep.sh gtests): KJIT_TEST_SOURCE_DIR replaces the
// build-time source path (templates, made-up definitions).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "jit/api/jit.h"
#include "runtime/device_tensor.h"
#include "runtime/launcher.h"
#include "tests/gpu/gpu_device.h"

namespace kjit::runtime {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* v = std::getenv("KJIT_TEST_SOURCE_DIR");
  return v != nullptr && *v != '\0' ? v : KJIT_SOURCE_DIR;
}

class SamplingLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::open_device_or_skip(m_device);
    if (!m_device) return;
    m_cache = fs::temp_directory_path() / ("kjit_sampling_launch_" + std::to_string(std::random_device{}()));
    Config config = Config::from_env();
    config.cache_dir = m_cache;
    config.templates_dir = fs::path(source_dir()) / "templates";
    config.definition_dirs = {fs::path(source_dir()) / "tests" / "gpu" / "definitions" / "sampling"};
    auto opened = jit::Jit::open(config);
    ASSERT_TRUE(opened) << opened.error().full();
    m_jit = std::move(*opened);
  }
  void TearDown() override {
    std::error_code ec;
    if (!m_cache.empty()) fs::remove_all(m_cache, ec);
  }
  std::shared_ptr<Device> m_device;
  std::unique_ptr<jit::Jit> m_jit;
  fs::path m_cache;
};

TEST_F(SamplingLaunchTest, SeedAndOffsetReproduceAndRunsAdvance) {
  auto got = m_jit->get("samplingtest_top_k_top_p_v1000", m_device->info().arch);
  ASSERT_TRUE(got) << got.error().full();
  const jit::Artifact& art = *got->artifact;
  constexpr std::int64_t batch = 64, vocab = 1000;
  HostTensor probs = HostTensor::zeros(Dtype::float32, {batch, vocab});
  for (std::int64_t i = 0; i < probs.numel(); ++i) probs.set(i, 1.0 / vocab);  // flat rows: many tokens
  HostTensor top_k = HostTensor::zeros(Dtype::int32, {batch});
  HostTensor top_p = HostTensor::zeros(Dtype::float32, {batch});
  for (std::int64_t r = 0; r < batch; ++r) {
    top_k.set_int(r, 500);
    top_p.set(r, 0.9);
  }
  auto dp = DeviceTensor::upload("probs", probs);
  auto dk = DeviceTensor::upload("top_k", top_k);
  auto dq = DeviceTensor::upload("top_p", top_p);
  auto ds = DeviceTensor::allocate("samples", Dtype::int64, {batch});
  ASSERT_TRUE(dp && dk && dq && ds);
  const std::map<std::string, std::uint64_t, std::less<>> ptrs = {
      {"probs", dp->buffer.ptr()}, {"top_k", dk->buffer.ptr()}, {"top_p", dq->buffer.ptr()}, {"samples", ds->buffer.ptr()}};
  auto stream = Stream::create();
  ASSERT_TRUE(stream);
  Launcher launcher(m_device);
  const jit::Bindings axes = {{"batch_size", batch}, {"vocab_size", vocab}};
  auto sample = [&](PreparedPlan& plan) {
    EXPECT_TRUE(launcher.run(plan, stream->get()));
    EXPECT_TRUE(stream->synchronize());
    auto host = ds->download();
    std::vector<std::int64_t> out;
    for (std::int64_t r = 0; r < batch; ++r) out.push_back(host->get_int(r));
    return out;
  };
  auto a = launcher.prepare(art, axes, ptrs, {}, {{"seed", 5}, {"offset", 0}});
  ASSERT_TRUE(a) << a.error().full();
  const auto first = sample(*a);
  const auto second = sample(*a);  // offset 1
  for (std::int64_t s : first) {
    EXPECT_GE(s, 0);
    EXPECT_LE(s, 450);  // top-k 500 of a flat row keeps tokens 0..499, top-p 0.9 of those 0..449
  }
  EXPECT_NE(first, second);
  auto again = launcher.prepare(art, axes, ptrs, {}, {{"seed", 5}, {"offset", 0}});
  ASSERT_TRUE(again);
  EXPECT_EQ(sample(*again), first);
  auto other_seed = launcher.prepare(art, axes, ptrs, {}, {{"seed", 6}, {"offset", 0}});
  ASSERT_TRUE(other_seed);
  EXPECT_NE(sample(*other_seed), first);
  // No values: seed takes its default (0), offset continues this kernel's counter (last run left 1).
  auto cont = launcher.prepare(art, axes, ptrs, {});
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->resolved.params[0].value, 0);
  EXPECT_EQ(cont->resolved.params[1].value, 1);
  const auto continued = sample(*cont);
  auto explicit_one = launcher.prepare(art, axes, ptrs, {}, {{"seed", 0}, {"offset", 1}});
  ASSERT_TRUE(explicit_one);
  EXPECT_EQ(sample(*explicit_one), continued);
  auto bad = launcher.prepare(art, axes, ptrs, {}, {{"sead", 1}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("declared: seed, offset"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace kjit::runtime
