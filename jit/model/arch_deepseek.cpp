// The DeepSeek-V3 family: deepseek_v3 (DeepSeek-V3, -R1), kimi_k2 (Kimi K2,
// the same network at other sizes) and deepseek_v32 (V3.2: sparse attention
// chosen by a lightning indexer). Multi-head latent attention (low-rank q and
// kv, a shared rotary key, GPT-J style rope), the first first_k_dense_replace
// layers dense, the rest routed experts (sigmoid scores, correction bias,
// group-limited top-k) plus shared experts.
//
// Thread safety: pure functions.
#include "jit/model/architectures.h"
#include "jit/util/str_cat.h"

namespace kjit::jit::detail {

Result<ModelSpec> read_deepseek_family(const HfConfig& c, std::string_view model_type) {
  ModelSpec spec = KJIT_TRY(read_basics(c, model_type == "kimi_k2"        ? "Kimi K2 (DeepSeek-V3 architecture)"
                                           : model_type == "deepseek_v32" ? "DeepSeek-V3.2"
                                                                          : "DeepSeek-V3"));

  AttentionSpec a;
  a.kind = model_type == "deepseek_v32" ? AttentionSpec::Kind::dsa : AttentionSpec::Kind::mla;
  a.layers = spec.num_layers;
  a.num_heads = KJIT_TRY(c.positive("num_attention_heads"));
  // q_lora_rank is null for models that project q directly (DeepSeek-V2-Lite).
  a.q_lora_rank = c.has("q_lora_rank") ? KJIT_TRY(c.positive("q_lora_rank")) : 0;
  a.kv_lora_rank = KJIT_TRY(c.positive("kv_lora_rank"));
  a.qk_nope_head_dim = KJIT_TRY(c.positive("qk_nope_head_dim"));
  a.qk_rope_head_dim = KJIT_TRY(c.positive("qk_rope_head_dim"));
  a.v_head_dim = KJIT_TRY(c.positive("v_head_dim"));
  a.rope = RopeStyle::gptj;
  a.rotary_dim = a.qk_rope_head_dim;
  if (a.kind == AttentionSpec::Kind::dsa) {
    a.index_heads = KJIT_TRY(c.positive("index_n_heads"));
    a.index_head_dim = KJIT_TRY(c.positive("index_head_dim"));
    a.index_topk = KJIT_TRY(c.positive("index_topk"));
  }
  spec.attention = a;

  std::string scoring = KJIT_TRY(c.string("scoring_func"));
  if (scoring != "sigmoid")
    return c.error("scoring_func", str_cat("is \"", scoring, "\": only sigmoid scoring (DeepSeek-V3 routing) is "
                                                             "supported; softmax scoring (DeepSeek-V2) has no "
                                                             "definition form in the dataset"));
  if (!KJIT_TRY(c.boolean("norm_topk_prob")))
    return c.error("norm_topk_prob", "is false: DeepSeek-V3 routing normalizes the top-k weights; other forms are "
                                     "not supported");
  MoeSpec moe = KJIT_TRY(read_moe(c, MoeRouting::deepseek, "n_routed_experts", "moe_intermediate_size"));
  moe.n_group = KJIT_TRY(c.positive("n_group"));
  moe.topk_group = KJIT_TRY(c.positive("topk_group"));
  moe.shared_intermediate_size = KJIT_TRY(c.count("n_shared_experts")) * moe.intermediate_size;
  if (moe.num_experts % moe.n_group != 0)
    return c.error("n_group", str_cat(moe.n_group, " does not divide n_routed_experts (", moe.num_experts, ")"));
  if (moe.topk_group > moe.n_group)
    return c.error("topk_group", str_cat(moe.topk_group, " exceeds n_group (", moe.n_group, ")"));
  if (moe.top_k > moe.topk_group * (moe.num_experts / moe.n_group))
    return c.error("num_experts_per_tok", str_cat(moe.top_k, " exceeds the experts of topk_group groups"));
  std::int64_t first_dense = KJIT_TRY(c.count("first_k_dense_replace"));
  std::int64_t freq = KJIT_TRY(c.positive("moe_layer_freq"));
  for (int i = 0; i < spec.num_layers; ++i)
    if (i >= first_dense && i % freq == 0) ++moe.layers;
  if (moe.layers > 0) spec.moe = moe;
  if (moe.layers < spec.num_layers)
    spec.dense_mlp = MlpSpec{spec.num_layers - moe.layers, KJIT_TRY(c.positive("intermediate_size")),
                             MlpActivation::silu_gated};
  spec.notes.push_back("MLA decode also multiplies by the absorbed k/v up-projections per head (batched matmuls "
                       "w_kc, w_vc): no definition form covers them");
  return spec;
}

}  // namespace kjit::jit::detail
