// The Llama-style decoder family: llama (Llama 3.x), qwen2 (Qwen2.5), qwen3,
// qwen3_moe and mixtral. Every layer is GQA attention (NeoX rope) plus a
// SwiGLU MLP or a mixture of SwiGLU experts with renormalized top-k routing.
//
// Thread safety: pure functions.
#include <set>

#include "jit/model/architectures.h"
#include "jit/util/str_cat.h"

namespace kjit::jit::detail {

namespace {

// Qwen3-MoE: layer i is sparse unless listed in mlp_only_layers, every
// decoder_sparse_step-th layer (1-based).
Result<int> sparse_layer_count(const HfConfig& c, int layers) {
  std::int64_t step = KJIT_TRY(c.positive("decoder_sparse_step"));
  std::vector<std::int64_t> dense = KJIT_TRY(c.integers("mlp_only_layers"));
  std::set<std::int64_t> dense_set(dense.begin(), dense.end());
  int sparse = 0;
  for (int i = 0; i < layers; ++i)
    if (!dense_set.contains(i) && (i + 1) % step == 0) ++sparse;
  return sparse;
}

Result<void> read_renormalize_flag(const HfConfig& c) {
  bool renormalize = KJIT_TRY(c.boolean("norm_topk_prob"));
  if (!renormalize)
    return c.error("norm_topk_prob", "is false (top-k of the full softmax, not renormalized): no definition form of "
                                     "the dataset routes that way; only renormalized routing is supported");
  return {};
}

}  // namespace

Result<ModelSpec> read_llama_family(const HfConfig& c, std::string_view model_type) {
  ModelSpec spec = KJIT_TRY(read_basics(c, model_type == "qwen2"       ? "Qwen2"
                                           : model_type == "qwen3"     ? "Qwen3"
                                           : model_type == "qwen3_moe" ? "Qwen3-MoE"
                                           : model_type == "mixtral"   ? "Mixtral"
                                                                       : "Llama"));
  AttentionSpec attn = KJIT_TRY(read_gqa(c, spec));
  attn.layers = spec.num_layers;
  if (model_type == "qwen2") attn.qkv_bias = true;
  if (model_type == "qwen3" || model_type == "qwen3_moe") attn.qk_norm = QkNorm::per_head;
  if (c.has("attention_bias") && KJIT_TRY(c.boolean("attention_bias"))) attn.qkv_bias = true;
  if (attn.qkv_bias)
    spec.notes.push_back("q/k/v projections add a bias after the GEMM; the gemm definitions cover the product only");
  if (c.has("use_sliding_window") && KJIT_TRY(c.boolean("use_sliding_window")))
    spec.notes.push_back("use_sliding_window is set: layers past max_window_layers use a sliding window, which the "
                         "attention definitions (full causal) do not express");
  if (model_type == "mixtral" && c.has("sliding_window"))
    spec.notes.push_back(str_cat("sliding_window ", KJIT_TRY(c.positive("sliding_window")),
                                 ": the attention definitions are full causal and do not express the window"));
  spec.attention = attn;

  if (model_type == "qwen3_moe" || model_type == "mixtral") {
    const bool mixtral = model_type == "mixtral";
    MoeSpec moe = KJIT_TRY(read_moe(c, MoeRouting::renormalize, mixtral ? "num_local_experts" : "num_experts",
                                    mixtral ? "intermediate_size" : "moe_intermediate_size"));
    if (mixtral) {
      moe.layers = spec.num_layers;
    } else {
      KJIT_TRY_VOID(read_renormalize_flag(c));
      moe.layers = KJIT_TRY(sparse_layer_count(c, spec.num_layers));
    }
    if (moe.top_k > moe.num_experts)
      return c.error("num_experts_per_tok", str_cat(moe.top_k, " exceeds the number of experts (", moe.num_experts, ")"));
    if (moe.layers > 0) spec.moe = moe;
    if (moe.layers < spec.num_layers)
      spec.dense_mlp = MlpSpec{spec.num_layers - moe.layers, KJIT_TRY(c.positive("intermediate_size")),
                               MlpActivation::silu_gated};
  } else {
    spec.dense_mlp = MlpSpec{spec.num_layers, KJIT_TRY(c.positive("intermediate_size")), MlpActivation::silu_gated};
  }
  return spec;
}

}  // namespace kjit::jit::detail
