// derive_definitions(): the exact set for a dense model, lint-clean output
// for every fixture, parallelism errors, KV-head replication, the --quant
// and --projections selections, and the tags.
#include <algorithm>
#include <set>

#include "jit/definition/lint.h"
#include "tests/model/model_test_util.h"

namespace kjit::jit::model_test {
namespace {

std::vector<std::string> names_of(const Derivation& d) {
  std::vector<std::string> out;
  for (const auto& x : d.definitions) out.push_back(x.definition.name);
  return out;
}

const DerivedDefinition* find(const Derivation& d, const std::string& name) {
  for (const auto& x : d.definitions)
    if (x.definition.name == name) return &x;
  return nullptr;
}

bool has_prefix(const Derivation& d, const std::string& prefix) {
  return std::any_of(d.definitions.begin(), d.definitions.end(),
                     [&](const DerivedDefinition& x) { return x.definition.name.starts_with(prefix); });
}

TEST(DeriveTest, Llama31_8bAtTp1IsExactlyTheseDefinitions) {
  auto d = derive_fixture("llama-3.1-8b");
  ASSERT_TRUE(d) << d.error().message;
  const std::vector<std::string> expected = {
      "rmsnorm_h4096",
      "fused_add_rmsnorm_h4096",
      "gemm_n6144_k4096",  // qkv_proj
      "gemm_n4096_k4096",  // q_proj and o_proj
      "gemm_n1024_k4096",  // k_proj, v_proj
      "rope_with_cos_sin_cache_neox_style_d128_rd128",
      "gqa_paged_decode_h32_kv8_d128_ps1",
      "gqa_paged_prefill_causal_h32_kv8_d128_ps1",
      "gqa_paged_decode_h32_kv8_d128_ps64",
      "gqa_paged_prefill_causal_h32_kv8_d128_ps64",
      "gqa_ragged_prefill_causal_h32_kv8_d128",
      "gemm_n28672_k4096",  // gate_up_proj
      "gemm_n14336_k4096",  // gate_proj, up_proj
      "gemm_n4096_k14336",  // down_proj
      "gemm_n128256_k4096",  // lm_head
      "top_k_sampling_from_probs_v128256",
      "top_p_sampling_from_probs_v128256",
      "top_k_top_p_sampling_from_probs_v128256",
  };
  EXPECT_EQ(names_of(*d), expected);
  const DerivedDefinition* qo = find(*d, "gemm_n4096_k4096");
  ASSERT_TRUE(qo);
  EXPECT_EQ(qo->uses, (std::vector<std::string>{"q_proj, 32 layers", "o_proj, 32 layers"}));
  EXPECT_EQ(*find(*d, "rmsnorm_h4096")->definition.const_value("hidden_size"), 4096);
  EXPECT_NE(find(*d, "rmsnorm_h4096")->definition.reference.find("EPS = 1e-05\n"), std::string::npos);
}

TEST(DeriveTest, TagsCarryModelAndTheParallelismTheShapeDependsOn) {
  auto d = derive_fixture("qwen3-30b-a3b", 2, 4);
  ASSERT_TRUE(d) << d.error().message;
  auto tags = [&](const std::string& name) { return find(*d, name)->definition.tags; };
  auto has = [](const std::vector<std::string>& t, const std::string& x) {
    return std::find(t.begin(), t.end(), x) != t.end();
  };
  auto attn = tags("gqa_paged_decode_h16_kv2_d128_ps64");
  EXPECT_TRUE(has(attn, "model:qwen3-30b-a3b") && has(attn, "tp:2") && !has(attn, "ep:4"));
  auto moe = tags("moe_fp8_block_scale_renorm_topk8_e32_h2048_i768");
  EXPECT_TRUE(has(moe, "ep:4") && !has(moe, "tp:2"));
  auto norm = tags("rmsnorm_h2048");
  EXPECT_TRUE(has(norm, "model:qwen3-30b-a3b") && !has(norm, "tp:2"));
}

TEST(DeriveTest, EveryFixtureDerivesLintCleanDefinitions) {
  const char* fixtures[] = {"llama-3.1-8b",  "llama-3.1-70b", "llama-3.2-3b",       "qwen2.5-7b",   "qwen3-32b",
                            "qwen3-30b-a3b", "qwen3-235b-a22b", "mixtral-8x22b",    "deepseek-v3",  "kimi-k2",
                            "deepseek-v3.2", "gemma-3-27b",   "llama-4-scout",      "llama-4-maverick",
                            "qwen3-next-80b-a3b", "nemotron-h-8b", "minimax-m2"};
  for (const char* f : fixtures) {
    for (std::int64_t tp : {1, 2}) {
      TempDir dir;
      auto d = derive_fixture(f, tp, tp);
      ASSERT_TRUE(d) << f << " tp " << tp << ": " << d.error().message;
      for (const auto& x : d->definitions)
        write_text(dir.path() / x.definition.op_type / (x.definition.name + ".json"), x.definition.raw.dump(2));
      auto report = lint({dir.path()});
      ASSERT_TRUE(report);
      EXPECT_EQ(report->invalid, 0u) << f << "\n" << report->to_text();
      EXPECT_EQ(report->valid, d->definitions.size()) << f;
      std::string warnings;
      for (const auto& w : report->warnings) warnings += w.to_string() + "\n";
      // fused_add_rmsnorm files are filed under their op_type's folder, so no location warnings either
      EXPECT_TRUE(report->warnings.empty()) << f << " tp " << tp << ":\n" << warnings;
      EXPECT_TRUE(report->conflicts.empty()) << f;
    }
  }
}

TEST(DeriveTest, ParallelismThatDoesNotFitIsAnErrorNamingTheField) {
  auto heads = derive_fixture("llama-3.1-8b", 3);
  ASSERT_FALSE(heads);
  EXPECT_EQ(heads.error().message,
            "--tp 3 does not divide num_attention_heads (32) of this model; pick a tp that divides it");
  auto experts = derive_fixture("qwen3-30b-a3b", 1, 3);
  ASSERT_FALSE(experts);
  EXPECT_EQ(experts.error().message,
            "--ep 3 does not divide the number of routed experts (128) of this model; pick a ep that divides it");
  auto spec = fixture_spec("llama-3.1-8b");
  DeriveOptions o;
  o.model_name = "x";
  o.page_sizes = {0};
  auto pages = derive_definitions(*spec, o);
  ASSERT_FALSE(pages);
  EXPECT_EQ(pages.error().message, "--page-sizes: 0 is not a page size in 1..4096");
}

TEST(DeriveTest, KvHeadsFewerThanTpAreReplicatedAndNoted) {
  auto d = derive_fixture("qwen3-next-80b-a3b", 4, 1);  // 2 KV heads, tp 4
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(find(*d, "gqa_paged_decode_h4_kv1_d256_ps64"));
  EXPECT_TRUE(find(*d, "gdn_decode_qk4_v8_d128_k_last"));
  EXPECT_TRUE(std::find(d->notes.begin(), d->notes.end(),
                        "num_key_value_heads (2) < tp (4): each KV head is replicated on 2 ranks, one per rank") !=
              d->notes.end());
}

TEST(DeriveTest, QuantSelectsTheMoeForms) {
  auto spec = fixture_spec("qwen3-30b-a3b");
  ASSERT_TRUE(spec);
  DeriveOptions o;
  o.model_name = "qwen3-30b-a3b";
  o.quant = QuantSelection::fp4;
  auto fp4 = derive_definitions(*spec, o);
  ASSERT_TRUE(fp4);
  EXPECT_TRUE(find(*fp4, "trtllm_fp4_block_scale_moe_topk8_e128_h2048_i768"));
  EXPECT_TRUE(find(*fp4, "trtllm_fp4_block_scale_routed_moe_topk8_e128_h2048_i768"));
  EXPECT_FALSE(has_prefix(*fp4, "moe_fp8"));
  EXPECT_FALSE(has_prefix(*fp4, "trtllm_fp8"));
  o.quant = QuantSelection::all;
  auto all = derive_definitions(*spec, o);
  ASSERT_TRUE(all);
  for (const char* n : {"moe_fp8_block_scale_renorm_topk8_e128_h2048_i768", "trtllm_fp8_per_tensor_scale_moe_topk8_e128_h2048_i768",
                        "trtllm_fp4_block_scale_moe_topk8_e128_h2048_i768",
                        "trtllm_fp4_block_scale_routed_moe_topk8_e128_h2048_i768"})
    EXPECT_TRUE(find(*all, n)) << n;
  o.quant = QuantSelection::bf16;
  auto bf16 = derive_definitions(*spec, o);
  ASSERT_TRUE(bf16);
  EXPECT_FALSE(has_prefix(*bf16, "moe_") || has_prefix(*bf16, "trtllm_"));
  EXPECT_TRUE(std::any_of(bf16->notes.begin(), bf16->notes.end(),
                          [](const std::string& n) { return n.starts_with("--quant bf16: the dataset has no bf16"); }));
  EXPECT_TRUE(find(*bf16, "gemm_n128_k2048"));  // the router GEMM is there whatever the quantization
}

TEST(DeriveTest, RoutingDecidesTheMoeForms) {
  auto ds = derive_fixture("deepseek-v3", 8, 8);
  ASSERT_TRUE(ds) << ds.error().message;
  const DerivedDefinition* moe = find(*ds, "moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048");
  ASSERT_TRUE(moe);
  EXPECT_EQ(*moe->definition.const_value("num_experts"), 256);
  EXPECT_EQ(*moe->definition.const_value("num_local_experts"), 32);
  EXPECT_TRUE(find(*ds, "trtllm_fp4_block_scale_routed_moe_topk8_e32_h7168_i2048"));
  EXPECT_FALSE(has_prefix(*ds, "trtllm_fp8_per_tensor"));  // no DeepSeek-routed per-tensor form
  auto maverick = derive_fixture("llama-4-maverick");
  ASSERT_TRUE(maverick);
  const DerivedDefinition* fp4 = find(*maverick, "trtllm_fp4_block_scale_moe_topk1_e128_h5120_i8192");
  ASSERT_TRUE(fp4);
  EXPECT_TRUE(fp4->definition.find_input("routing_bias"));  // Llama 4 routing form
  EXPECT_FALSE(has_prefix(*maverick, "moe_fp8_block_scale"));
}

TEST(DeriveTest, ProjectionFormsSelectFusedOrSplitLinearLayers) {
  auto spec = fixture_spec("llama-3.1-8b");
  DeriveOptions o;
  o.model_name = "llama-3.1-8b";
  o.projections = ProjectionForms::fused;
  auto fused = derive_definitions(*spec, o);
  ASSERT_TRUE(fused);
  EXPECT_TRUE(find(*fused, "gemm_n6144_k4096") && find(*fused, "gemm_n28672_k4096"));
  EXPECT_FALSE(find(*fused, "gemm_n1024_k4096") || find(*fused, "gemm_n14336_k4096"));
  o.projections = ProjectionForms::split;
  auto split = derive_definitions(*spec, o);
  ASSERT_TRUE(split);
  EXPECT_FALSE(find(*split, "gemm_n6144_k4096") || find(*split, "gemm_n28672_k4096"));
  EXPECT_TRUE(find(*split, "gemm_n1024_k4096") && find(*split, "gemm_n14336_k4096"));
}

TEST(DeriveTest, GemmaUsesZeroCentredNormsAndNotesItsSlidingWindow) {
  auto d = derive_fixture("gemma-3-27b");
  ASSERT_TRUE(d) << d.error().message;
  const DerivedDefinition* norm = find(*d, "gemma_rmsnorm_h5376");
  ASSERT_TRUE(norm);
  EXPECT_EQ(norm->definition.op_type, "gemma_rmsnorm");
  EXPECT_NE(norm->definition.reference.find("1.0 + weight.float()"), std::string::npos);
  EXPECT_FALSE(find(*d, "rmsnorm_h5376"));
  EXPECT_TRUE(find(*d, "gemma_rmsnorm_h128"));  // q/k norm
  EXPECT_TRUE(std::any_of(d->notes.begin(), d->notes.end(), [](const std::string& n) {
    return n.starts_with("52 of 62 layers attend over a sliding window of 1024 tokens");
  }));
}

}  // namespace
}  // namespace kjit::jit::model_test
