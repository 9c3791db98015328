// runtime::Kernel's launch path on the fake CUDA driver (tests/fakes): what
// reaches cuLaunchKernel (entry, geometry, the exact argument bytes, read
// against the cubin's own parameter list), the workspace, contexts and
// devices, graph capture, the resolution cache, KJIT_LOGLEVEL records and
// concurrent launches. Kernels are kjit's own definitions compiled by NVRTC
// into a cache kept in the build folder (compiled once per build).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "jit/api/kernel.h"
#include "runtime/driver.h"
#include "runtime/launch_log.h"
#include "tests/fakes/fake_cuda.h"

namespace kjit::runtime {
namespace {

namespace fs = std::filesystem;
using kjit::testing::FakeCuda;

// A Jit over the source tree's templates and kjit's own definitions (plus `extra` definition
// folders), caching in the build folder.
std::shared_ptr<jit::Jit> open_test_jit(std::vector<fs::path> extra) {
  Config c = Config::from_env();
  c.cache_dir = fs::path(KJIT_BINARY).parent_path() / "test-cache";
  c.templates_dir = fs::path(KJIT_SOURCE_DIR) / "templates";
  c.builtin_definitions_dir = fs::path(KJIT_SOURCE_DIR) / "definitions";
  c.definition_dirs = std::move(extra);
  c.arch.clear();
  auto j = jit::Jit::open(c);
  if (!j) throw std::runtime_error(j.error().full());
  return std::shared_ptr<jit::Jit>(std::move(*j));
}

std::shared_ptr<jit::Jit> test_jit() {
  static std::shared_ptr<jit::Jit> jit = open_test_jit({});
  return jit;
}

std::shared_ptr<Kernel> kernel(const std::string& name) {
  auto k = jit::open_kernel(test_jit(), name);
  if (!k) throw std::runtime_error(k.error().full());
  return *k;
}

// Tensors of a kernel for a binding of its var axes, at fake device
// addresses (or in `host` buffers when given, which the fake treats as device memory).
struct Call {
  std::vector<std::vector<std::int64_t>> shapes;
  std::vector<TensorArg> tensors;
  std::vector<ScalarValue> scalars;

  Call(const Kernel& k, const std::map<std::string, std::int64_t>& var, int device = 0) {
    const auto& sig = k.signature();
    for (const auto& t : sig.tensors()) {
      std::vector<std::int64_t> shape;
      for (int d = 0; d < t.rank; ++d) {
        const auto& a = sig.axes()[static_cast<std::size_t>(t.axis[static_cast<std::size_t>(d)])];
        shape.push_back(a.is_const ? a.value : var.at(a.name));
      }
      shapes.push_back(shape);
    }
    for (std::size_t i = 0; i < shapes.size(); ++i)
      tensors.push_back(TensorArg{0x7f0000000000ull + i * 0x100000000ull, shapes[i].data(), nullptr,
                                  static_cast<std::int32_t>(shapes[i].size()), sig.tensors()[i].dtype, MemoryKind::device, device});
    for (std::size_t i = 0; i < sig.scalars().size(); ++i) scalars.push_back(ScalarValue::of(0.125));
  }
};

class LaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(driver_api()) << "the fake driver did not load";
    fake = &FakeCuda::get();
    fake->reset(1);
    ASSERT_TRUE(driver_api().value()->cuCtxSetCurrent(nullptr) == CUDA_SUCCESS);
  }
  void TearDown() override { configure_launch_log(0, "stdout"); }

  // Compares every recorded launch from `first` with `resolved`.
  void expect_same(const ResolvedCall& resolved, int first = 0) {
    int rec = first;
    for (const ResolvedKernel& l : resolved.launches) {
      if (l.skipped) continue;
      ASSERT_LT(rec, fake->recorded()) << "launch of " << l.entry << " missing";
      kjit_fake_launch got = fake->launch(rec++);
      EXPECT_EQ(got.entry, l.entry);
      EXPECT_EQ((std::array<std::uint32_t, 3>{got.grid[0], got.grid[1], got.grid[2]}), l.grid) << l.entry;
      EXPECT_EQ((std::array<std::uint32_t, 3>{got.block[0], got.block[1], got.block[2]}), l.block) << l.entry;
      EXPECT_EQ(got.shared, l.shared_bytes) << l.entry;
      EXPECT_EQ(got.pdl != 0, l.pdl) << l.entry;
      // The cubin's own parameter list: the plan passes exactly these.
      ASSERT_EQ(static_cast<std::size_t>(got.nparams), l.args.size()) << l.entry;
      for (std::size_t a = 0; a < l.args.size(); ++a) {
        EXPECT_EQ(got.param_size[a], l.args[a].size) << l.entry << " argument " << l.args[a].name;
        const std::uint64_t mask = l.args[a].size >= 8 ? ~0ull : ((1ull << (8 * l.args[a].size)) - 1);
        EXPECT_EQ(got.param[a], l.args[a].bits & mask) << l.entry << " argument " << l.args[a].name;
      }
    }
    EXPECT_EQ(rec, fake->recorded());
  }

  const FakeCuda* fake = nullptr;
};

TEST_F(LaunchTest, RmsnormPassesTheBytesResolveReports) {
  auto k = kernel("rmsnorm_h4096");
  Call c(*k, {{"batch_size", 7}});
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
  auto r = k->resolve(c.tensors, c.scalars);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->num_sms, 132);  // the fake device's
  ASSERT_EQ(fake->recorded(), 1);
  expect_same(*r);
  EXPECT_EQ(fake->launch(0).grid[0], 7u);
  EXPECT_EQ(fake->launch(0).param[0], c.tensors[0].data);
  EXPECT_EQ(fake->launch(0).param[3], 7u);  // batch_size as int64
}

TEST_F(LaunchTest, DecodeUsesOneStreamWorkspaceAndProgrammaticLaunch) {
  auto k = kernel("gqa_paged_decode_h32_kv8_d128_ps64");
  Call c(*k, {{"batch_size", 3}, {"num_pages", 40}, {"len_indptr", 4}, {"num_kv_indices", 30}});
  auto stream = reinterpret_cast<CUstream>(0x5100);
  const int allocs = fake->allocs();
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, stream));
  EXPECT_EQ(fake->allocs(), allocs + 1);  // the stream's workspace, once
  ASSERT_EQ(fake->recorded(), 2);
  kjit_fake_launch main = fake->launch(0), merge = fake->launch(1);
  EXPECT_EQ(main.stream, stream);
  EXPECT_EQ(merge.pdl, 1);  // plan "pdl": true on an sm_90 device
  // Resolve with the workspace base the launch used: identical bytes.
  const std::uint64_t part_o = main.param[11];
  ResolveOptions ro;
  ro.workspace = part_o;  // part_o is the first buffer: offset 0
  auto r = k->resolve(c.tensors, c.scalars, ro);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->workspace.size(), 2u);
  EXPECT_EQ(r->workspace[0].offset, 0u);
  expect_same(*r);
  // Steady state: same stream again, no allocation, same workspace.
  fake->reset(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(k->launch(c.tensors, c.scalars, stream));
  EXPECT_EQ(fake->allocs(), 0);
  EXPECT_EQ(fake->launch(8).param[11], part_o);
  // Another stream: its own workspace.
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, reinterpret_cast<CUstream>(0x5200)));
  EXPECT_EQ(fake->allocs(), 1);
  EXPECT_NE(fake->launch(10).param[11], part_o);
}

TEST_F(LaunchTest, MoeRunsFourOrFiveKernelsWithIntScalars) {
  // kjit's own DeepSeek-V3 definition: local_expert_offset is an int32 scalar (an `int`
  // parameter), routed_scaling_factor a float. Decode (seq_len <= 32) routes and permutes in
  // one kernel with its counts in shared memory (route_permute, the counts workspace empty) and
  // takes the small GEMM launches; seq_len 40 routes and permutes in two kernels (the counts
  // zeroed) and still takes the small ones; prefill takes the wide ones. The other launches
  // have no CTAs and are skipped.
  auto k = kernel("moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e256_h7168_i2048");
  for (std::int64_t seq : {5, 40, 1200}) {
    fake->reset(1);
    Call c(*k, {{"seq_len", seq}});
    ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
    auto r = k->resolve(c.tensors, c.scalars);
    ASSERT_TRUE(r) << r.error().message;
    const bool one = seq <= 32;
    ASSERT_EQ(fake->recorded(), one ? 4 : 5) << "seq_len " << seq;
    EXPECT_NE(std::string(fake->launch(0).entry).find(one ? "_route_permute" : "_route"), std::string::npos)
        << fake->launch(0).entry;
    EXPECT_EQ(r->workspace[0].bytes, one ? 0u : 4u * 256) << "the counts: empty for route_permute, else zeroed";
    EXPECT_EQ(r->workspace[0].zero, true);
    const std::string wide = seq >= 1024 ? "_wide" : "_small";
    const int g = one ? 1 : 2;   // the GEMM launches follow route_permute, or route and permute
    for (int i = g; i < g + 2; ++i) EXPECT_NE(std::string(fake->launch(i).entry).find(wide), std::string::npos) << fake->launch(i).entry;
    std::uint64_t ws = 0;
    for (const auto& w : r->workspace) ws += w.bytes;
    EXPECT_GE(ws, static_cast<std::uint64_t>(seq * 8) * (2048 + 7168) * 4) << "C and Y, fp32, one row per pick";
    ResolveOptions ro;
    // route / route_permute (logits, bias, offset, scaling, pick tables x3, counts, ...):
    // `counts` is the first workspace buffer (offset 0).
    ro.workspace = fake->launch(0).param[7];
    auto same = k->resolve(c.tensors, c.scalars, ro);
    ASSERT_TRUE(same);
    expect_same(*same);
  }
}

TEST_F(LaunchTest, MoeDecodeFormFollowsTokensAndPicksPerExpert) {
  // kjit's own renorm definition (128 routed experts, top 8, h2048 i384): route_permute up to
  // 32 tokens, else route + permute; the small decode GEMMs below 2 picks per routed expert
  // (256 picks); from there the mixed form: the mid launches for the experts the routing gives
  // fewer than 16 picks and the wide ones for the rest (the permute's last argument, wide_from),
  // the wide grids bounded by min(picks / 16, 128 + ceil(picks / 128)) token tiles; the wide
  // tiles alone from 32 picks per routed expert (4096 picks). The small / mid grids launch one CTA
  // per item of the token-tile bound, min(picks, ceil(picks / 8) + 128) (a cap at 16 CTAs per SM
  // was slower on the H100).
  auto k = kernel("moe_fp8_block_scale_renorm_topk8_e128_h2048_i384");
  struct Want {
    std::vector<std::string> entries;
    std::uint64_t wide_from;
    std::uint32_t wide_tiles;   // the wide launches' token tiles (grid / weight tiles), 0: none
  };
  const std::map<std::int64_t, Want> want = {
      {1, {{"route_permute", "gemm1_small", "gemm2_small", "reduce"}, 9, 0}},
      {31, {{"route_permute", "gemm1_small", "gemm2_small", "reduce"}, 249, 0}},
      {32, {{"route_permute", "gemm1_mid", "gemm1_wide", "gemm2_mid", "gemm2_wide", "reduce"}, 16, 16}},
      {33, {{"route", "permute", "gemm1_mid", "gemm1_wide", "gemm2_mid", "gemm2_wide", "reduce"}, 16, 16}},
      {511, {{"route", "permute", "gemm1_mid", "gemm1_wide", "gemm2_mid", "gemm2_wide", "reduce"}, 16, 128 + 32}},
      {512, {{"route", "permute", "gemm1_wide", "gemm2_wide", "reduce"}, 0, 32 + 128}}};
  for (const auto& [seq, w] : want) {
    fake->reset(1);
    Call c(*k, {{"seq_len", seq}});
    ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
    ASSERT_EQ(fake->recorded(), static_cast<int>(w.entries.size())) << "seq_len " << seq;
    for (std::size_t i = 0; i < w.entries.size(); ++i) {
      const auto& l = fake->launch(static_cast<int>(i));
      const std::string entry = l.entry;
      const std::string suffix = "_" + w.entries[i];
      EXPECT_TRUE(entry.size() > suffix.size() && entry.compare(entry.size() - suffix.size(), suffix.size(), suffix) == 0)
          << "seq_len " << seq << " launch " << i << ": " << entry << ", want ..." << suffix;
      if (suffix == "_gemm1_wide") {
        EXPECT_EQ(l.grid[0], w.wide_tiles * (384 / 64)) << "seq_len " << seq;   // I / 64 weight tiles
      }
      if (suffix == "_gemm2_wide") {
        EXPECT_EQ(l.grid[0], w.wide_tiles * (2048 / 128)) << "seq_len " << seq;   // H / 128
      }
      // the decode kernels: whole weight tiles times the token-tile bound, uncapped (seq_len 511:
      // 639 token tiles, beyond 16 CTAs per SM of the fake's 132)
      if (suffix.find("_small") != std::string::npos || suffix.find("_mid") != std::string::npos) {
        const std::uint64_t picks = static_cast<std::uint64_t>(seq) * 8;
        const std::uint64_t bound = std::min<std::uint64_t>(picks, (picks + 7) / 8 + 128);
        EXPECT_EQ(l.grid[0] % bound, 0u) << "seq_len " << seq << " " << suffix << ": grid " << l.grid[0];
        EXPECT_GT(l.grid[0], 0u) << "seq_len " << seq << " " << suffix;
        if (seq == 511) {
          EXPECT_GT(l.grid[0], 16u * 132) << suffix << ": the grid is not capped";
        }
      }
    }
    // route_permute's / permute's last argument: the picks from which an expert takes the wide tiles
    const int perm = w.entries[0] == "route_permute" ? 0 : 1;
    const int last = perm == 0 ? 12 : 11;   // the 13th of route_permute (logits first), the 12th of permute
    EXPECT_EQ(fake->launch(perm).param[last], w.wide_from) << "seq_len " << seq;
  }
}

// The dataset's DSA indexer on the fake device (cc 9.0, 132 SMs: the sm_90a wgmma scoring kernel):
// the scoring grid covers the batch's pages as one flat range, ppc = min(max_num_pages,
// ceil(batch x max_num_pages / 132)) pages per CTA, so no SM idles and a CTA spans at most two
// rows; the top-k follows, one block per row.
TEST_F(LaunchTest, DsaIndexerScoresTheBatchPagesAsOneFlatRange) {
  const fs::path dir = fs::path(KJIT_SOURCE_DIR).parent_path() / "shared/flashinfer-trace/definitions/dsa_paged";
  if (!fs::exists(dir)) {
    if (const char* ci = std::getenv("CI"); ci != nullptr && std::string(ci) == "true") FAIL() << "dataset missing in CI: " << dir;
    GTEST_SKIP() << "public dataset not found at " << dir;
  }
  auto opened = jit::open_kernel(open_test_jit({dir}), "dsa_topk_indexer_fp8_h64_d128_topk2048_ps64");
  ASSERT_TRUE(opened) << opened.error().full();
  auto k = *opened;
  struct Want {
    std::int64_t batch, max_pages;
    std::uint32_t ctas;
    std::uint64_t ppc;
  };
  for (const Want& w : {Want{64, 512, 132, 249}, Want{8, 2048, 132, 125}, Want{200, 10, 200, 10}, Want{1, 5, 5, 1}}) {
    fake->reset(1);
    Call call(*k, {{"batch_size", w.batch}, {"max_num_pages", w.max_pages}, {"num_pages", 100}});
    ASSERT_TRUE(k->launch(call.tensors, call.scalars, nullptr)) << w.batch;
    ASSERT_EQ(fake->recorded(), 2) << "batch " << w.batch;
    EXPECT_EQ(fake->launch(0).grid[0], w.ctas) << "batch " << w.batch << " x " << w.max_pages << " pages";
    EXPECT_EQ(fake->launch(0).param[10], w.ppc) << "batch " << w.batch << " x " << w.max_pages << " pages";
    EXPECT_EQ(fake->launch(1).grid[0], static_cast<std::uint32_t>(w.batch));
  }
}

TEST_F(LaunchTest, CallerWorkspaceMustBeLargeEnough) {
  auto k = kernel("gqa_paged_decode_h32_kv8_d128_ps64");
  Call c(*k, {{"batch_size", 3}, {"num_pages", 40}, {"len_indptr", 4}, {"num_kv_indices", 30}});
  auto need = k->resolve(c.tensors, c.scalars)->workspace_bytes;
  ASSERT_GT(need, 0u);
  LaunchOptions o;
  o.workspace = 0x6600000000ull;
  o.workspace_bytes = need - 1;
  auto r = k->launch(c.tensors, c.scalars, nullptr, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "gqa_paged_decode_h32_kv8_d128_ps64: the workspace given has " + std::to_string(need - 1) +
                                   " bytes; this launch needs " + std::to_string(need));
  o.workspace_bytes = need;
  const int allocs = fake->allocs();
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr, o));
  EXPECT_EQ(fake->allocs(), allocs);
  EXPECT_EQ(fake->launch(0).param[11], o.workspace);
}

TEST_F(LaunchTest, GrowingTheWorkspaceDuringGraphCaptureUsesRelaxedMode) {
  auto k = kernel("gqa_paged_decode_h32_kv8_d128_ps64");
  Call c(*k, {{"batch_size", 2}, {"num_pages", 64}, {"len_indptr", 3}, {"num_kv_indices", 50}});
  auto stream = reinterpret_cast<CUstream>(0x5300);
  fake->set_capturing(stream, CU_STREAM_CAPTURE_STATUS_ACTIVE);
  auto r = k->launch(c.tensors, c.scalars, stream);
  fake->set_capturing(stream, CU_STREAM_CAPTURE_STATUS_NONE);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(fake->relaxed_allocs(), 1);
  EXPECT_EQ(fake->recorded(), 2);
}

TEST_F(LaunchTest, GemmSkipsEmptyGridsAndSplitsSmallM) {
  auto k = kernel("gemm_n4096_k4096");
  for (std::int64_t m : {1, 33, 300, 4096}) {
    fake->reset(1);
    Call c(*k, {{"M", m}});
    ASSERT_TRUE(k->launch(c.tensors, c.scalars, reinterpret_cast<CUstream>(0x5400))) << "M=" << m;
    int base = 0;
    auto r = k->resolve(c.tensors, c.scalars);
    ASSERT_TRUE(r);
    if (r->workspace_bytes > 0) {  // find the base from the first workspace argument recorded
      for (std::size_t a = 0; a < r->launches.size(); ++a) {
        if (r->launches[a].skipped) continue;
        for (std::size_t i = 0; i < r->launches[a].args.size(); ++i)
          if (r->launches[a].args[i].kind == ArgKind::workspace) {
            ResolveOptions ro;
            ro.workspace = fake->launch(base).param[i];
            r = k->resolve(c.tensors, c.scalars, ro);
            a = r->launches.size();
            break;
          }
        break;
      }
    }
    expect_same(*r);
    int launched = 0;
    for (const auto& l : r->launches) launched += !l.skipped;
    EXPECT_EQ(fake->recorded(), launched) << "M=" << m;
  }
}

TEST_F(LaunchTest, ByNameEqualsByPositionAndNamesAreChecked) {
  auto k = kernel("fused_add_rmsnorm_h4096");
  Call c(*k, {{"batch_size", 5}});
  std::vector<NamedTensor> named{{"weight", c.tensors[2]}, {"output", c.tensors[3]}, {"residual", c.tensors[1]},
                                 {"hidden_states", c.tensors[0]}};
  ASSERT_TRUE(k->launch(named, {}, nullptr));
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
  ASSERT_EQ(fake->recorded(), 2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(fake->launch(0).param[i], fake->launch(1).param[i]);
  named[0].name = "wieght";
  auto r = k->launch(named, {}, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "fused_add_rmsnorm_h4096 has no tensor 'wieght' (tensors: hidden_states, residual, weight, output)");
  named[0].name = "residual";
  r = k->launch(named, {}, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "fused_add_rmsnorm_h4096: tensor 'residual' is given twice");
  r = k->launch(std::span(named.data(), 3), {}, nullptr);
  ASSERT_FALSE(r);
}

TEST_F(LaunchTest, ScalarsAreConvertedToTheDefinitionsDtype) {
  auto k = kernel("gqa_paged_prefill_causal_h32_kv8_d128_ps1");
  Call c(*k, {{"len_indptr", 3}, {"total_q", 70}, {"num_pages", 200}, {"num_kv_indices", 150}});
  c.scalars[0] = ScalarValue::of(0.0883883476);
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
  auto r = k->resolve(c.tensors, c.scalars);
  expect_same(*r);
  const float expected = 0.0883883476f;
  std::uint32_t bits;
  std::memcpy(&bits, &expected, 4);
  bool found = false;
  for (std::size_t a = 0; a < r->launches[0].args.size(); ++a)
    if (r->launches[0].args[a].name == "sm_scale") {
      EXPECT_EQ(fake->launch(0).param[a], bits);
      EXPECT_EQ(fake->launch(0).param_size[a], 4u);
      found = true;
    }
  EXPECT_TRUE(found);
  std::vector<NamedTensor> named;
  for (std::size_t i = 0; i < c.tensors.size(); ++i) named.push_back({k->signature().tensors()[i].name, c.tensors[i]});
  auto missing = k->launch(named, {}, nullptr);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "gqa_paged_prefill_causal_h32_kv8_d128_ps1: scalar 'sm_scale' (float32) was not given");
}

TEST_F(LaunchTest, ContextsFollowTheCallerOrTheTensors) {
  ::setenv("KJIT_FAKE_CUDA_DEVICES", "2", 1);
  auto k = kernel("rmsnorm_h4096");  // may probe device 0 (default_arch), making its context current
  const DriverApi* api = *driver_api();
  api->cuCtxSetCurrent(nullptr);
  Call on1(*k, {{"batch_size", 2}}, /*device=*/1);
  // No current context: the tensors' device's primary context, made current.
  auto first = k->launch(on1.tensors, on1.scalars, nullptr);
  ASSERT_TRUE(first) << first.error().message;
  CUcontext ctx1 = nullptr, current = nullptr;
  CUdevice dev = 1;
  api->cuDevicePrimaryCtxRetain(&ctx1, dev);
  api->cuCtxGetCurrent(&current);
  EXPECT_EQ(current, ctx1);
  EXPECT_EQ(fake->launch(0).context, ctx1);
  // Current context on device 0, tensors on device 1.
  CUcontext ctx0 = nullptr;
  api->cuDevicePrimaryCtxRetain(&ctx0, 0);
  api->cuCtxSetCurrent(ctx0);
  auto r = k->launch(on1.tensors, on1.scalars, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "rmsnorm_h4096: the tensors are on CUDA device 1 but the current CUDA context is on device 0 (make device 1's context current)");
  LaunchOptions follow;
  follow.device = DevicePolicy::tensors;
  ASSERT_TRUE(k->launch(on1.tensors, on1.scalars, nullptr, follow));
  EXPECT_EQ(fake->launch(1).context, ctx1);
  api->cuCtxGetCurrent(&current);
  EXPECT_EQ(current, ctx0);  // restored
  ::unsetenv("KJIT_FAKE_CUDA_DEVICES");
}

TEST_F(LaunchTest, ManyAxisTuplesBeyondTheCacheStillResolveExactly) {
  auto k = kernel("mla_paged_decode_h16_ckv512_kpe64_ps1");
  for (std::int64_t n = 1; n <= 400; ++n) {  // a decode loop: the KV length grows every step
    fake->reset(1);
    Call c(*k, {{"batch_size", 1}, {"num_pages", 4096}, {"len_indptr", 2}, {"num_kv_indices", n * 7}});
    ASSERT_TRUE(k->launch(c.tensors, c.scalars, reinterpret_cast<CUstream>(0x5500)));
    auto r = k->resolve(c.tensors, c.scalars);
    ASSERT_EQ(fake->launch(0).grid[0], r->launches[0].grid[0]) << "num_kv_indices " << n * 7;
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(LaunchTest, LogLevelsWriteBeforeTheLaunch) {
  auto k = kernel("rmsnorm_h4096");
  const fs::path dir = fs::temp_directory_path() / ("kjit_log_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Real memory behind the "device" pointers: the fake reads it for level 5.
  std::vector<std::uint16_t> x(3 * 4096, 0x3f80), w(4096, 0x4000), y(3 * 4096, 0);  // bf16 1.0, 2.0
  x[5] = 0x7fc0;                                                                      // one NaN
  Call c(*k, {{"batch_size", 3}});
  c.tensors[0].data = reinterpret_cast<std::uint64_t>(x.data());
  c.tensors[1].data = reinterpret_cast<std::uint64_t>(w.data());
  c.tensors[2].data = reinterpret_cast<std::uint64_t>(y.data());
  for (std::size_t i = 0; i < 3; ++i) c.tensors[i].data = (c.tensors[i].data + 15) & ~15ull;  // keep 16-byte alignment

  configure_launch_log(0, (dir / "off.log").string());
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
  EXPECT_FALSE(fs::exists(dir / "off.log"));

  configure_launch_log(1, (dir / "l1_%i.log").string());
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
  const fs::path l1 = dir / ("l1_" + std::to_string(::getpid()) + ".log");
  EXPECT_EQ(launch_log_destination(), l1.string());
  std::string text = read_file(l1);
  EXPECT_NE(text.find("] launch rmsnorm_h4096\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("axes"), std::string::npos);

  configure_launch_log(3, (dir / "l3.log").string());
  fake->fail_launches(1);  // the launch fails: its record is already written
  auto r = k->launch(c.tensors, c.scalars, reinterpret_cast<CUstream>(0x77));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cuLaunchKernel failed with CUDA_ERROR_FAKE"), std::string::npos) << r.error().message;
  text = read_file(dir / "l3.log");
  EXPECT_NE(text.find("  axes: batch_size=3 hidden_size=4096\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  input  hidden_states: bfloat16[3, 4096] @0x"), std::string::npos) << text;
  EXPECT_NE(text.find("  kernel kjit_rmsnorm_h4096: grid (3, 1, 1) block (256, 1, 1) shared 8192 B\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  stream 0x77, device 0 (kjit fake device 0, sm_90a), workspace 0 B\n"), std::string::npos) << text;

  configure_launch_log(5, (dir / "l5.log").string());
  const int syncs = fake->syncs();
  ASSERT_TRUE(k->launch(c.tensors, c.scalars, nullptr));
  EXPECT_GT(fake->syncs(), syncs);  // level 5 synchronizes
  text = read_file(dir / "l5.log");
  EXPECT_NE(text.find("  stats hidden_states: min=1 max=1 mean=1 nan=1 inf=0 (n=12288)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  stats weight: min=2 max=2 mean=2 nan=0 inf=0 (n=4096)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("] done rmsnorm_h4096\n  stats output: min=0 max=0"), std::string::npos) << text;
  fs::remove_all(dir);
}

TEST_F(LaunchTest, ConcurrentLaunchesFromManyThreads) {
  auto k = kernel("rmsnorm_h4096");
  fake->reset(1);
  constexpr int k_threads = 4, k_iters = 300;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  CUcontext ctx0 = nullptr;
  (*driver_api())->cuDevicePrimaryCtxRetain(&ctx0, 0);
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      (*driver_api())->cuCtxSetCurrent(ctx0);
      for (int i = 0; i < k_iters; ++i) {
        Call c(*k, {{"batch_size", 1 + t * 1000 + i % 3}});
        if (!k->launch(c.tensors, c.scalars, reinterpret_cast<CUstream>(0x9000 + t))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(fake->recorded(), k_threads * k_iters);
  for (int i = 0; i < fake->recorded(); ++i) {
    kjit_fake_launch l = fake->launch(i);
    const long t = reinterpret_cast<long>(l.stream) - 0x9000;
    ASSERT_GE(t, 0);
    ASSERT_LT(t, k_threads);
    EXPECT_EQ((l.grid[0] - 1) / 1000, static_cast<unsigned>(t));  // each thread's own batch sizes
    EXPECT_EQ(l.param[3], l.grid[0]);
  }
}

}  // namespace
}  // namespace kjit::runtime
