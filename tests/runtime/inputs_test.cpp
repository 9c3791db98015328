// Tests for axis binding and input generation: workload axes, --axes,
// defaults, constraint solving, errors, distributions and scalars.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "jit/definition/parse.h"
#include "runtime/inputs.h"

namespace kjit::runtime {
namespace {

const std::filesystem::path k_trace = KJIT_SHARED_DIR "/flashinfer-trace";

jit::TensorSpec spec(std::string name, std::optional<std::vector<std::string>> shape, Dtype dtype,
                     std::string description = {}) {
  jit::TensorSpec t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.description = std::move(description);
  return t;
}

jit::Definition synthetic() {
  jit::Definition d;
  d.name = "syn";
  d.op_type = "test";
  d.axes = {{"n", jit::AxisKind::const_, 8, ""},
            {"rows", jit::AxisKind::var, 0, ""},
            {"len", jit::AxisKind::var, 0, ""}};
  d.constraints = {"len == 2 * rows + 1", "rows >= 1"};
  d.inputs = {spec("f8", std::vector<std::string>{"rows", "n"}, Dtype::float8_e4m3fn),
              spec("i8", std::vector<std::string>{"len"}, Dtype::int8),
              spec("i32", std::vector<std::string>{"rows", "n"}, Dtype::int32),
              spec("b", std::vector<std::string>{"len"}, Dtype::boolean),
              spec("sm_scale", std::nullopt, Dtype::float32, "Default is 1/sqrt(n * 2)."),
              spec("eps", std::nullopt, Dtype::float32)};
  return d;
}

TEST(InputsTest, DistributionsFollowFlashinferBench) {
  auto set = make_inputs(synthetic(), nullptr, {{"rows", 300}}, {});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->binding.values.at("len"), 601);  // solved from the constraint
  const HostTensor& f8 = *set->find("f8");
  double sum = 0;
  for (std::int64_t i = 0; i < f8.numel(); ++i) {
    ASSERT_LE(std::fabs(f8.get(i)), 2.0);  // clamped to [-2, 2] before the cast
    sum += f8.get(i);
  }
  EXPECT_LT(std::fabs(sum / static_cast<double>(f8.numel())), 0.1);
  for (double v : set->find("i8")->to_doubles()) ASSERT_TRUE(v >= -128 && v <= 127);
  for (double v : set->find("i32")->to_doubles()) ASSERT_TRUE(v >= -1024 && v < 1024);
  const auto b = set->find("b")->to_doubles();
  double ones = 0;
  for (double v : b) ones += v;
  EXPECT_GT(ones, 200);
  EXPECT_LT(ones, 400);
  EXPECT_FLOAT_EQ(static_cast<float>(set->find("sm_scale")->get(0)), 0.25f);  // 1/sqrt(16)
  EXPECT_TRUE(set->find("sm_scale")->scalar);
  EXPECT_FLOAT_EQ(static_cast<float>(set->find("eps")->get(0)), 1e-6f);
}

TEST(InputsTest, NormalFloatsHaveUnitVariance) {
  Rng rng(3);
  const HostTensor t = random_tensor(Dtype::float32, {20000}, rng);
  double s = 0, s2 = 0;
  for (double v : t.to_doubles()) {
    s += v;
    s2 += v * v;
  }
  EXPECT_NEAR(s / 20000, 0.0, 0.03);
  EXPECT_NEAR(s2 / 20000, 1.0, 0.05);
}

TEST(InputsTest, BindingErrors) {
  const auto d = synthetic();
  struct Case {
    AxisValues axes;
    const char* part;
  } cases[] = {
      {{{"rows", 2}, {"bogus", 1}}, "has no axis 'bogus' (var axes: rows, len)"},
      {{{"rows", 2}, {"n", 9}}, "is const 8, not 9"},
      {{{"rows", 2}, {"len", 4}}, "constraint 'len == 2 * rows + 1' does not hold"},
      {{{"rows", 0}}, "constraint 'rows >= 1' does not hold"},
      {{}, "no value for axis rows, len; give it with --axes rows=N"},
  };
  for (const auto& c : cases) {
    auto r = bind_axes(d, nullptr, c.axes, {});
    ASSERT_FALSE(r.has_value()) << c.part;
    EXPECT_NE(r.error().message.find(c.part), std::string::npos) << r.error().message;
  }
}

TEST(InputsTest, ExpressionEvaluator) {
  const AxisValues ax{{"a", 6}, {"b", 4}};
  EXPECT_EQ(evaluate_axis_expression("a * b + 1", ax), 25);
  EXPECT_EQ(evaluate_axis_expression("(a + b) // 3", ax), 3);
  EXPECT_EQ(evaluate_axis_expression("a % b == 2", ax), 1);
  EXPECT_EQ(evaluate_axis_expression("a >= b", ax), 1);
  EXPECT_FALSE(evaluate_axis_expression("kv_indptr[-1].item()", ax).has_value());
  EXPECT_FALSE(evaluate_axis_expression("a + c", ax).has_value());
  EXPECT_FALSE(evaluate_axis_expression("a / 0", ax).has_value());
}

TEST(InputsTest, DatasetScalarsAndWorkloadValues) {
  if (!std::filesystem::exists(k_trace)) GTEST_SKIP() << "no dataset at " << k_trace;
  struct Case {
    const char* def;
    double sm_scale;
  } cases[] = {
      {"gqa_paged/gqa_paged_decode_h32_kv8_d128_ps64", 1.0 / std::sqrt(128.0)},
      {"mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps64", 1.0 / std::sqrt(192.0)},
      {"mla_ragged/mla_ragged_prefill_causal_h16_qk192_vo128", 1.0 / std::sqrt(192.0)},
  };
  for (const auto& c : cases) {
    auto def = jit::load_definition_file(k_trace / "definitions" / (std::string(c.def) + ".json"));
    ASSERT_TRUE(def.has_value()) << def.error().message;
    InputOptions opt;
    opt.sequences.q_len = 2;
    opt.sequences.kv_len = 3;
    auto set = make_inputs(*def, nullptr, {{"len_indptr", 3}}, opt);
    ASSERT_TRUE(set.has_value()) << set.error().message;
    EXPECT_FLOAT_EQ(static_cast<float>(set->find("sm_scale")->get(0)), static_cast<float>(c.sm_scale)) << c.def;
  }
  // A workload's scalar value wins; its absent blobs are reported.
  auto def = jit::load_definition_file(k_trace / "definitions/gqa_ragged/gqa_ragged_prefill_causal_h32_kv4_d128.json");
  auto wl = load_workloads(k_trace / "workloads/gqa_ragged/gqa_ragged_prefill_causal_h32_kv4_d128.jsonl");
  ASSERT_TRUE(def && wl);
  auto set = make_inputs(*def, &wl->front(), {}, {});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->find("sm_scale")->get(0), static_cast<float>(wl->front().inputs.at("sm_scale").value));
  bool noted = false;
  for (const auto& n : set->notes) noted |= n.find("qo_indptr: blob") != std::string::npos && n.find("built from the axes") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_EQ(set->find("q")->shape[0], wl->front().axes.at("total_q"));
}

TEST(InputsTest, RmsnormAndGemmDefaults) {
  if (!std::filesystem::exists(k_trace)) GTEST_SKIP() << "no dataset at " << k_trace;
  auto rms = jit::load_definition_file(k_trace / "definitions/rmsnorm/rmsnorm_h128.json");
  ASSERT_TRUE(rms.has_value());
  auto set = make_inputs(*rms, nullptr, {}, {});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->binding.values.at("batch_size"), 16);
  EXPECT_EQ(set->inputs.front().second.shape, (std::vector<std::int64_t>{16, 128}));
  auto gemm = jit::load_definition_file(k_trace / "definitions/gemm/gemm_n128_k2048.json");
  ASSERT_TRUE(gemm.has_value());
  auto g = bind_axes(*gemm, nullptr, *parse_axes_text("M=3"), {});
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->values.at("M"), 3);
}

}  // namespace
}  // namespace kjit::runtime
