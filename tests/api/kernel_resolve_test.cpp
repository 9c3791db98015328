// Kernel::resolve without a GPU, for one definition of every served op type:
// the grid, block, shared memory and workspace it reports equal what the
// artifact's plan implies (jit::resolve_plan, the string evaluator) for the
// same shapes, num_sms defaults to 132 with no device, and every argument
// names a tensor pointer, scalar, integer or workspace slice.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "jit/api/kernel.h"

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<Jit> test_jit() {
  static std::shared_ptr<Jit> jit = [] {
    Config c = Config::from_env();
    c.cache_dir = fs::path(KJIT_BINARY).parent_path() / "test-cache";
    c.templates_dir = fs::path(KJIT_SOURCE_DIR) / "templates";
    c.builtin_definitions_dir = fs::path(KJIT_SOURCE_DIR) / "definitions";
    c.definition_dirs.clear();
    const fs::path dataset = fs::path(KJIT_SHARED_DIR) / "flashinfer-trace" / "definitions" / "mla_ragged";
    if (fs::is_directory(dataset)) c.definition_dirs.push_back(dataset);
    c.arch.clear();
    auto j = Jit::open(c);
    if (!j) throw std::runtime_error(j.error().full());
    return std::shared_ptr<Jit>(std::move(*j));
  }();
  return jit;
}

struct Shapes {
  std::vector<std::vector<std::int64_t>> shapes;
  std::vector<runtime::TensorArg> tensors;
  std::vector<runtime::ScalarValue> scalars;
  Bindings axes;
};

Shapes shapes_for(const runtime::Kernel& k, const std::map<std::string, std::int64_t>& var) {
  Shapes s;
  const auto& sig = k.signature();
  for (const auto& a : sig.axes()) s.axes[a.name] = a.is_const ? a.value : var.at(a.name);
  for (const auto& t : sig.tensors()) {
    std::vector<std::int64_t> shape;
    for (int d = 0; d < t.rank; ++d) shape.push_back(s.axes.at(sig.axes()[static_cast<std::size_t>(t.axis[static_cast<std::size_t>(d)])].name));
    s.shapes.push_back(shape);
  }
  for (std::size_t i = 0; i < s.shapes.size(); ++i)
    s.tensors.push_back({0x100000000ull * (i + 1), s.shapes[i].data(), nullptr, static_cast<std::int32_t>(s.shapes[i].size()),
                         sig.tensors()[i].dtype});
  s.scalars.assign(sig.scalars().size(), runtime::ScalarValue::of(0.5));
  return s;
}

void expect_plan_equal(const runtime::Kernel& k, const std::map<std::string, std::int64_t>& var, std::int64_t num_sms) {
  Shapes s = shapes_for(k, var);
  runtime::ResolveOptions o;
  o.num_sms = num_sms;
  o.workspace = 0xABC000000ull;
  auto r = k.resolve(s.tensors, s.scalars, o);
  ASSERT_TRUE(r) << k.name() << ": " << r.error().message;
  auto want = resolve_plan(k.artifact().plan, s.axes, num_sms > 0 ? num_sms : runtime::k_default_num_sms);
  ASSERT_TRUE(want) << want.error().message;
  EXPECT_EQ(r->num_sms, num_sms > 0 ? num_sms : 132);
  for (const auto& [name, value] : r->axes) EXPECT_EQ(value, s.axes.at(name)) << name;
  ASSERT_EQ(r->workspace.size(), want->workspace_bytes.size());
  std::uint64_t end = 0;
  for (std::size_t i = 0; i < r->workspace.size(); ++i) {
    EXPECT_EQ(r->workspace[i].bytes, want->workspace_bytes[i].second) << k.name() << " workspace " << r->workspace[i].name;
    EXPECT_GE(r->workspace[i].offset, end);
    end = r->workspace[i].offset + r->workspace[i].bytes;
  }
  EXPECT_GE(r->workspace_bytes, end);
  ASSERT_EQ(r->launches.size(), want->launches.size());
  for (std::size_t l = 0; l < r->launches.size(); ++l) {
    const auto& got = r->launches[l];
    const auto& exp = want->launches[l];
    EXPECT_EQ(got.entry, exp.entry);
    EXPECT_EQ(got.grid, exp.grid) << k.name() << " " << got.entry;
    EXPECT_EQ(got.block, exp.block) << k.name() << " " << got.entry;
    EXPECT_EQ(got.shared_bytes, exp.shared_bytes) << k.name() << " " << got.entry;
    EXPECT_EQ(got.pdl, exp.pdl) << k.name() << " " << got.entry;  // sm_90a: pdl as planned
    ASSERT_EQ(got.args.size(), exp.args.size());
    for (std::size_t a = 0; a < got.args.size(); ++a) {
      const auto& arg = got.args[a];
      EXPECT_EQ(arg.name, exp.args[a]);
      const int t = k.signature().find_tensor(arg.name);
      if (t >= 0) {
        EXPECT_EQ(arg.kind, runtime::ArgKind::tensor);
        EXPECT_EQ(arg.bits, s.tensors[static_cast<std::size_t>(t)].data);
      } else if (auto v = want->values.find(arg.name); v != want->values.end()) {
        EXPECT_EQ(arg.kind, runtime::ArgKind::integer);
        EXPECT_EQ(static_cast<std::int64_t>(arg.bits), v->second) << arg.name;
      } else if (arg.kind == runtime::ArgKind::workspace) {
        EXPECT_GE(arg.bits, o.workspace);
      } else {
        EXPECT_EQ(arg.kind, runtime::ArgKind::scalar) << arg.name;
      }
    }
  }
}

// Var-axis values for a binding (names every served layout uses).
std::map<std::string, std::int64_t> binding(std::int64_t n) {
  return {{"batch_size", n},       {"M", n},          {"len_indptr", n + 1},      {"num_pages", 64 * n + 5},
          {"num_kv_indices", 37 * n}, {"total_q", 9 * n}, {"total_kv", 40 * n}};
}

TEST(KernelResolveTest, EveryServedOpTypeResolvesToItsPlan) {
  const char* names[] = {"rmsnorm_h4096", "fused_add_rmsnorm_h7168", "gemm_n4096_k4096", "gemm_n28672_k4096",
                         "gqa_paged_decode_h32_kv8_d128_ps1", "gqa_paged_decode_h32_kv8_d128_ps64",
                         "gqa_paged_prefill_causal_h32_kv8_d128_ps64", "gqa_ragged_prefill_causal_h32_kv8_d128",
                         "mla_paged_decode_h16_ckv512_kpe64_ps64", "mla_paged_prefill_causal_h16_ckv512_kpe64_ps1",
                         "mla_ragged_prefill_causal_h16_qk192_vo128"};
  std::set<std::string> op_types;
  for (const char* name : names) {
    if (test_jit()->find(name) == nullptr) {
      if (std::getenv("CI") && std::string(std::getenv("CI")) == "true") FAIL() << name << " not found (the dataset is missing)";
      continue;
    }
    KernelOptions opts;
    opts.arch = "sm_90a";
    auto k = open_kernel(test_jit(), name, opts);
    ASSERT_TRUE(k) << name << ": " << k.error().full();
    op_types.insert((*k)->artifact().op_type);
    for (std::int64_t n : {1, 7, 64, 1000}) {
      SCOPED_TRACE(std::string(name) + " n=" + std::to_string(n));
      expect_plan_equal(**k, binding(n), 0);    // no device: 132
      expect_plan_equal(**k, binding(n), 78);   // a smaller part
    }
  }
  EXPECT_GE(op_types.size(), 5u);  // rmsnorm, gemm, gqa_paged, gqa_ragged, mla_paged (+ mla_ragged with the dataset)
}

TEST(KernelResolveTest, ArchWithoutPdlReportsPlainLaunches) {
  KernelOptions opts;
  opts.arch = "sm_80";
  auto k = open_kernel(test_jit(), "gqa_paged_decode_h32_kv8_d128_ps64", opts);
  ASSERT_TRUE(k) << k.error().full();
  Shapes s = shapes_for(**k, binding(4));
  auto r = (*k)->resolve(s.tensors, s.scalars);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->arch, "sm_80");
  for (const auto& l : r->launches) EXPECT_FALSE(l.pdl);
}

TEST(KernelResolveTest, LaunchWithoutADeviceSaysSo) {
  auto k = test_jit()->kernel("rmsnorm_h4096");
  ASSERT_TRUE(k);
  Shapes s = shapes_for(**k, binding(2));
  auto r = (*k)->launch(s.tensors, s.scalars, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::no_device);
}

TEST(KernelResolveTest, UnknownNameIsNotFound) {
  auto k = open_kernel(test_jit(), "rmsnorm_h4097");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace kjit::jit
