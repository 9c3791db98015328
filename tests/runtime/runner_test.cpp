// CPU-side runner pieces: workload selection, workload file lookup, exit
// codes, flashinfer-bench Trace JSON shape and the perf model's formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "runtime/perf_model.h"
#include "runtime/runner.h"
#include "runtime/trace.h"

namespace kjit::runtime {
namespace {

std::vector<Workload> workloads_with_batches(std::vector<std::int64_t> batches) {
  std::vector<Workload> out;
  for (auto b : batches) {
    Workload w;
    w.axes["batch_size"] = b;
    out.push_back(w);
  }
  return out;
}

TEST(RunnerTest, SelectKeepsSmallestAndLargest) {
  auto w = workloads_with_batches({7, 1, 16254, 34, 79, 3, 512, 2, 100, 64});
  auto picked = select_workloads(w, 4);
  ASSERT_EQ(picked.size(), 4u);
  EXPECT_EQ(w[picked.front()].axes["batch_size"], 1);
  EXPECT_EQ(w[picked.back()].axes["batch_size"], 16254);
  // Sorted by size, no duplicates.
  for (std::size_t i = 1; i < picked.size(); ++i)
    EXPECT_LT(w[picked[i - 1]].axes["batch_size"], w[picked[i]].axes["batch_size"]);
  EXPECT_EQ(select_workloads(w, 0).size(), 10u);   // all
  EXPECT_EQ(select_workloads(w, 50).size(), 10u);  // fewer than the limit
  EXPECT_EQ(select_workloads(w, 2).size(), 2u);
}

TEST(RunnerTest, WorkloadFileBesideTheDatasetDefinitions) {
  jit::Definition def;
  def.name = "rmsnorm_h4096";
  def.op_type = "rmsnorm";
  def.path = "/data/set/definitions/rmsnorm/rmsnorm_h4096.json";
  auto c = workload_file_candidates(def, std::nullopt);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], std::filesystem::path("/data/set/workloads/rmsnorm/rmsnorm_h4096.jsonl"));
  auto d = workload_file_candidates(def, std::filesystem::path("/w"));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], std::filesystem::path("/w/rmsnorm/rmsnorm_h4096.jsonl"));
  EXPECT_EQ(d[1], std::filesystem::path("/w/rmsnorm_h4096.jsonl"));
  def.path = "/elsewhere/rmsnorm_h4096.json";
  EXPECT_TRUE(workload_file_candidates(def, std::nullopt).empty());
}

TEST(RunnerTest, ExitCodeOrder) {
  auto result = [](EvalStatus s) {
    DefinitionResult r;
    r.status = s;
    return r;
  };
  EXPECT_EQ(check_exit_code({result(EvalStatus::passed), result(EvalStatus::skipped)}), 0);
  EXPECT_EQ(check_exit_code({result(EvalStatus::passed), result(EvalStatus::incorrect_numerical)}), 5);
  EXPECT_EQ(check_exit_code({result(EvalStatus::incorrect_shape), result(EvalStatus::compile_error)}), 4);
  EXPECT_EQ(check_exit_code({result(EvalStatus::compile_error), result(EvalStatus::runtime_error)}), 1);
}

TEST(TraceTest, PassedHasCorrectnessAndPerformance) {
  TraceRecord r;
  r.definition = "rmsnorm_h4096";
  r.uuid = "u";
  r.axes["batch_size"] = 7;
  r.inputs["hidden_states"] = {{"type", "random"}};
  r.solution = "kjit:rmsnorm/rmsnorm";
  r.status = EvalStatus::passed;
  r.max_absolute_error = 0.0078125;
  r.latency_ms = 0.5;
  r.reference_latency_ms = 2.0;
  r.hardware = "NVIDIA H100";
  r.libs = {{"cuda", "13.0"}};
  r.timestamp = "2026-11-21T23:00:00.000Z";
  auto j = to_trace_json(r);
  EXPECT_EQ(j["definition"], "rmsnorm_h4096");
  EXPECT_EQ(j["workload"]["axes"]["batch_size"], 7);
  EXPECT_EQ(j["evaluation"]["status"], "PASSED");
  EXPECT_EQ(j["evaluation"]["correctness"]["max_absolute_error"], 0.0078125);
  EXPECT_EQ(j["evaluation"]["performance"]["speedup_factor"], 4.0);
  EXPECT_EQ(j["evaluation"]["environment"]["libs"]["cuda"], "13.0");
}

TEST(TraceTest, StatusDecidesWhichMetricsArePresent) {
  TraceRecord r;
  r.latency_ms = 1.0;
  r.status = EvalStatus::incorrect_numerical;
  r.max_absolute_error = std::nan("");
  r.max_relative_error = INFINITY;
  auto j = to_trace_json(r);
  EXPECT_TRUE(j["evaluation"]["performance"].is_null());
  EXPECT_EQ(j["evaluation"]["correctness"]["max_absolute_error"], "NaN");
  EXPECT_EQ(j["evaluation"]["correctness"]["max_relative_error"], "Infinity");
  r.status = EvalStatus::runtime_error;
  j = to_trace_json(r);
  EXPECT_TRUE(j["evaluation"]["correctness"].is_null());
  EXPECT_TRUE(j["evaluation"]["performance"].is_null());
  EXPECT_EQ(j["evaluation"]["status"], "RUNTIME_ERROR");
}

TEST(PerfModelTest, CausalPairs) {
  EXPECT_EQ(causal_pairs(1, 10), 10);     // decode-like: the one row sees all keys
  EXPECT_EQ(causal_pairs(4, 4), 10);      // 1 + 2 + 3 + 4
  EXPECT_EQ(causal_pairs(2, 5), 4 + 5);   // bottom-right aligned
  EXPECT_EQ(causal_pairs(5, 2), 1 + 2);   // rows before the keys see nothing
  EXPECT_EQ(causal_pairs(0, 5), 0);
}

jit::TensorSpec spec(std::string name, std::vector<std::string> shape, jit::Dtype dtype) {
  jit::TensorSpec s;
  s.name = std::move(name);
  s.shape = std::move(shape);
  s.dtype = dtype;
  return s;
}

TEST(PerfModelTest, GemmAndRmsnormFormulas) {
  jit::Definition gemm;
  gemm.op_type = "gemm";
  gemm.inputs = {spec("A", {"M", "K"}, jit::Dtype::float16), spec("B", {"N", "K"}, jit::Dtype::float16)};
  gemm.outputs = {spec("C", {"M", "N"}, jit::Dtype::float16)};
  auto g = perf_counts(gemm, {{"M", 64}, {"N", 128}, {"K", 2048}}, {});
  EXPECT_EQ(g.flops, 2.0 * 64 * 128 * 2048);
  EXPECT_EQ(g.bytes, 2.0 * (64 * 2048 + 128 * 2048 + 64 * 128));

  jit::Definition norm;
  norm.op_type = "rmsnorm";
  norm.inputs = {spec("hidden_states", {"batch_size", "hidden_size"}, jit::Dtype::bfloat16),
                 spec("residual", {"batch_size", "hidden_size"}, jit::Dtype::bfloat16),
                 spec("weight", {"hidden_size"}, jit::Dtype::bfloat16)};
  norm.outputs = {spec("output", {"batch_size", "hidden_size"}, jit::Dtype::bfloat16)};
  auto n = perf_counts(norm, {{"batch_size", 3}, {"hidden_size", 2048}}, {});
  EXPECT_EQ(n.bytes, 2.0 * (3 * 3 * 2048 + 2048));
  EXPECT_EQ(n.flops, 5.0 * 3 * 2048);
}

TEST(PerfModelTest, PagedDecodeCountsReferencedPagesAndKeys) {
  jit::Definition def;
  def.op_type = "gqa_paged";
  def.inputs = {spec("q", {"batch_size", "num_qo_heads", "head_dim"}, jit::Dtype::bfloat16),
                spec("k_cache", {"num_pages", "page_size", "num_kv_heads", "head_dim"}, jit::Dtype::bfloat16),
                spec("v_cache", {"num_pages", "page_size", "num_kv_heads", "head_dim"}, jit::Dtype::bfloat16),
                spec("kv_indptr", {"len_indptr"}, jit::Dtype::int32),
                spec("kv_indices", {"num_kv_indices"}, jit::Dtype::int32)};
  def.outputs = {spec("output", {"batch_size", "num_qo_heads", "head_dim"}, jit::Dtype::bfloat16)};
  std::map<std::string, std::int64_t> axes{{"batch_size", 2}, {"num_qo_heads", 8}, {"num_kv_heads", 1},
                                           {"head_dim", 128}, {"num_pages", 100}, {"page_size", 1},
                                           {"len_indptr", 3},  {"num_kv_indices", 10}};
  std::vector<double> indptr{0, 4, 10};
  auto t = HostTensor::from_doubles(jit::Dtype::int32, {3}, indptr);
  ASSERT_TRUE(t);
  auto c = perf_counts(def, axes, {{"kv_indptr", *t}});
  // 10 keys, 8 heads, QK and PV at 2 * 128 FLOPs each.
  EXPECT_EQ(c.flops, 10.0 * 8 * 2 * 256);
  // K and V: 10 of 100 pages, 128 bf16 each.
  double kv = 2 * 10.0 * 128 * 2;
  double rest = 2 * 8 * 128 * 2 /*q*/ + 3 * 4 + 10 * 4 + 2 * 8 * 128 * 2 /*out*/;
  EXPECT_EQ(c.bytes, kv + rest);
}

}  // namespace
}  // namespace kjit::runtime
