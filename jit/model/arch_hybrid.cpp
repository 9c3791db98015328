// Architectures that mix layer kinds or deviate from the Llama layout:
// gemma3 (zero-centred norms, GeGLU, local/global attention), llama4 (MoE
// interleaved with dense layers, a shared expert, chunked attention),
// qwen3_next (Gated DeltaNet linear attention with a full-attention layer
// every few, gated attention, MoE with a gated shared expert), nemotron_h
// (Mamba-2 layers, attention and squared-ReLU MLP layers in a pattern) and
// minimax_m2 (MoE with DeepSeek-style biased sigmoid routing).
//
// Thread safety: pure functions.
#include <set>

#include "jit/model/architectures.h"
#include "jit/util/str_cat.h"

namespace kjit::jit::detail {

Result<ModelSpec> read_gemma3(const HfConfig& c) {
  ModelSpec spec = KJIT_TRY(read_basics(c, "Gemma 3"));
  spec.norm.zero_centered = true;
  AttentionSpec a = KJIT_TRY(read_gqa(c, spec));
  a.layers = spec.num_layers;
  a.qk_norm = QkNorm::per_head;
  spec.attention = a;
  spec.dense_mlp = MlpSpec{spec.num_layers, KJIT_TRY(c.positive("intermediate_size")), MlpActivation::gelu_gated};
  std::int64_t scalar = KJIT_TRY(c.positive("query_pre_attn_scalar"));
  spec.notes.push_back(str_cat("attention scales logits by query_pre_attn_scalar^-0.5 = 1/sqrt(", scalar,
                               ") (pass it as sm_scale), not 1/sqrt(head_dim)"));
  std::int64_t window = KJIT_TRY(c.positive("sliding_window"));
  int sliding = 0;
  if (c.has("layer_types")) {
    for (const auto& t : KJIT_TRY(c.strings("layer_types")))
      if (t == "sliding_attention") ++sliding;
  } else {
    std::int64_t pattern = KJIT_TRY(c.positive("sliding_window_pattern"));
    for (int i = 0; i < spec.num_layers; ++i)
      if ((i + 1) % pattern != 0) ++sliding;
  }
  if (sliding > 0)
    spec.notes.push_back(str_cat(sliding, " of ", spec.num_layers, " layers attend over a sliding window of ", window,
                                 " tokens: the derived attention definitions are full causal (the global layers); "
                                 "the windowed layers need a window the schema does not express"));
  if (c.has("attn_logit_softcapping") || c.has("final_logit_softcapping"))
    spec.notes.push_back("logit soft-capping is set: the attention definitions do not cap logits");
  return spec;
}

Result<ModelSpec> read_llama4(const HfConfig& c) {
  ModelSpec spec = KJIT_TRY(read_basics(c, "Llama 4"));
  AttentionSpec a = KJIT_TRY(read_gqa(c, spec));
  a.layers = spec.num_layers;
  a.rope = RopeStyle::gptj;  // Llama 4 rotates interleaved pairs (complex multiplication)
  if (KJIT_TRY(c.boolean("use_qk_norm"))) {
    a.qk_norm = QkNorm::l2;
    spec.notes.push_back("q and k get a weightless L2 norm on the rope layers: no definition form covers it");
  }
  spec.attention = a;
  MoeSpec moe = KJIT_TRY(read_moe(c, MoeRouting::llama4, "num_local_experts", "intermediate_size"));
  moe.shared_intermediate_size = moe.intermediate_size;  // one shared expert of the routed experts' size
  if (c.has("moe_layers")) {
    moe.layers = static_cast<int>(KJIT_TRY(c.integers("moe_layers")).size());
  } else {
    std::int64_t step = KJIT_TRY(c.positive("interleave_moe_layer_step"));
    for (int i = 0; i < spec.num_layers; ++i)
      if ((i + 1) % step == 0) ++moe.layers;
  }
  if (moe.layers > 0) spec.moe = moe;
  if (moe.layers < spec.num_layers)
    spec.dense_mlp = MlpSpec{spec.num_layers - moe.layers, KJIT_TRY(c.positive("intermediate_size_mlp")),
                             MlpActivation::silu_gated};
  if (c.has("attention_chunk_size"))
    spec.notes.push_back(str_cat("the rope layers attend within chunks of ", KJIT_TRY(c.positive("attention_chunk_size")),
                                 " tokens: the attention definitions are full causal (the NoPE layers); chunked "
                                 "attention needs a mask the schema does not express"));
  return spec;
}

Result<ModelSpec> read_qwen3_next(const HfConfig& c) {
  ModelSpec spec = KJIT_TRY(read_basics(c, "Qwen3-Next"));
  spec.norm.zero_centered = true;
  AttentionSpec a = KJIT_TRY(read_gqa(c, spec));
  a.q_gate = true;
  a.qk_norm = QkNorm::per_head;
  double factor = KJIT_TRY(c.number("partial_rotary_factor"));
  double rotary = factor * static_cast<double>(a.head_dim);
  a.rotary_dim = static_cast<std::int64_t>(rotary);
  if (factor <= 0 || factor > 1 || rotary != static_cast<double>(a.rotary_dim) || a.rotary_dim % 2 != 0)
    return c.error("partial_rotary_factor",
                   str_cat("must give an even number of rotary dimensions in (0, head_dim]; head_dim ", a.head_dim,
                           " x ", factor, " = ", rotary));
  int full = 0;
  if (c.has("layer_types")) {
    for (const auto& t : KJIT_TRY(c.strings("layer_types"))) {
      if (t == "full_attention") ++full;
      else if (t != "linear_attention")
        return c.error("layer_types", str_cat("has unknown layer type \"", t, "\" (expected full_attention or "
                                                                             "linear_attention)"));
    }
  } else {
    std::int64_t interval = KJIT_TRY(c.positive("full_attention_interval"));
    for (int i = 0; i < spec.num_layers; ++i)
      if ((i + 1) % interval == 0) ++full;
  }
  a.layers = full;
  if (full > 0) spec.attention = a;
  GdnSpec g;
  g.layers = spec.num_layers - full;
  g.num_k_heads = KJIT_TRY(c.positive("linear_num_key_heads"));
  g.num_v_heads = KJIT_TRY(c.positive("linear_num_value_heads"));
  g.head_k_dim = KJIT_TRY(c.positive("linear_key_head_dim"));
  g.head_v_dim = KJIT_TRY(c.positive("linear_value_head_dim"));
  if (g.num_v_heads % g.num_k_heads != 0)
    return c.error("linear_num_value_heads",
                   str_cat(g.num_v_heads, " is not a multiple of linear_num_key_heads (", g.num_k_heads, ")"));
  if (g.layers > 0) spec.gdn = g;
  spec.notes.push_back("linear-attention layers also run a causal depthwise conv1d (kernel " +
                       std::to_string(KJIT_TRY(c.positive("linear_conv_kernel_dim"))) +
                       ") and a gated RMSNorm (norm(x) * w * silu(z)) per head: no definition form covers them");

  MoeSpec moe = KJIT_TRY(read_moe(c, MoeRouting::renormalize, "num_experts", "moe_intermediate_size"));
  moe.shared_intermediate_size = KJIT_TRY(c.count("shared_expert_intermediate_size"));
  moe.shared_expert_gate = moe.shared_intermediate_size > 0;
  if (!KJIT_TRY(c.boolean("norm_topk_prob")))
    return c.error("norm_topk_prob", "is false: only renormalized top-k routing has a definition form");
  std::int64_t step = KJIT_TRY(c.positive("decoder_sparse_step"));
  std::vector<std::int64_t> dense = KJIT_TRY(c.integers("mlp_only_layers"));
  std::set<std::int64_t> dense_set(dense.begin(), dense.end());
  for (int i = 0; i < spec.num_layers; ++i)
    if (!dense_set.contains(i) && (i + 1) % step == 0) ++moe.layers;
  if (moe.layers > 0) spec.moe = moe;
  if (moe.layers < spec.num_layers)
    spec.dense_mlp = MlpSpec{spec.num_layers - moe.layers, KJIT_TRY(c.positive("intermediate_size")),
                             MlpActivation::silu_gated};
  return spec;
}

Result<ModelSpec> read_nemotron_h(const HfConfig& c) {
  ModelSpec spec = KJIT_TRY(read_basics(c, "Nemotron-H", "layer_norm_epsilon"));
  std::string pattern = KJIT_TRY(c.string("hybrid_override_pattern"));
  if (static_cast<int>(pattern.size()) != spec.num_layers)
    return c.error("hybrid_override_pattern", str_cat("has ", pattern.size(), " layers, num_hidden_layers says ",
                                                      spec.num_layers));
  int mamba = 0, attention = 0, mlp = 0;
  for (char k : pattern) {
    if (k == 'M') ++mamba;
    else if (k == '*') ++attention;
    else if (k == '-') ++mlp;
    else
      return c.error("hybrid_override_pattern",
                     str_cat("has layer kind '", k, "': only M (Mamba-2), * (attention) and - (MLP) are supported"));
  }
  if (attention > 0) {
    AttentionSpec a = KJIT_TRY(read_gqa(c, spec, c.has("head_dim") ? "head_dim" : "attention_head_dim"));
    a.layers = attention;
    a.rope = RopeStyle::none;  // position comes from the Mamba layers; attention has no rotary embedding
    spec.attention = a;
  }
  if (mamba > 0) {
    MambaSpec m;
    m.layers = mamba;
    m.num_heads = KJIT_TRY(c.positive("mamba_num_heads"));
    m.head_dim = KJIT_TRY(c.positive("mamba_head_dim"));
    m.state_size = KJIT_TRY(c.positive("ssm_state_size"));
    m.n_groups = KJIT_TRY(c.positive("n_groups"));
    if (m.num_heads % m.n_groups != 0)
      return c.error("n_groups", str_cat(m.n_groups, " does not divide mamba_num_heads (", m.num_heads, ")"));
    spec.mamba = m;
    spec.notes.push_back("Mamba-2 layers also run a causal conv1d and a grouped gated RMSNorm, and prefill runs a "
                         "chunked scan: the dataset has a form for the decode state update (mamba_ssu) only");
  }
  if (mlp > 0) {
    std::string act = KJIT_TRY(c.string("mlp_hidden_act"));
    if (act != "relu2") return c.error("mlp_hidden_act", str_cat("is \"", act, "\": only relu2 is supported"));
    spec.dense_mlp = MlpSpec{mlp, KJIT_TRY(c.positive("intermediate_size")), MlpActivation::relu2};
  }
  return spec;
}

Result<ModelSpec> read_minimax_m2(const HfConfig& c) {
  ModelSpec spec = KJIT_TRY(read_basics(c, "MiniMax-M2"));
  if (c.has("attn_type_list"))
    for (auto t : KJIT_TRY(c.integers("attn_type_list")))
      if (t != 1)
        return c.error("attn_type_list", "has lightning-attention layers (0): only full attention (1) is supported");
  AttentionSpec a = KJIT_TRY(read_gqa(c, spec));
  a.layers = spec.num_layers;
  a.rotary_dim = KJIT_TRY(c.positive("rotary_dim"));
  if (a.rotary_dim > a.head_dim || a.rotary_dim % 2 != 0)
    return c.error("rotary_dim", str_cat("must be even and at most head_dim (", a.head_dim, ")"));
  if (KJIT_TRY(c.boolean("use_qk_norm"))) {
    std::string kind = KJIT_TRY(c.string("qk_norm_type"));
    if (kind != "per_layer")
      return c.error("qk_norm_type", str_cat("is \"", kind, "\": only per_layer is supported"));
    a.qk_norm = QkNorm::per_layer;
  }
  spec.attention = a;
  std::string scoring = KJIT_TRY(c.string("scoring_func"));
  if (scoring != "sigmoid") return c.error("scoring_func", str_cat("is \"", scoring, "\": only sigmoid is supported"));
  if (!KJIT_TRY(c.boolean("use_routing_bias")))
    return c.error("use_routing_bias", "is false: only biased sigmoid routing (DeepSeek-V3 style) is supported");
  // Sigmoid + correction bias, no groups.
  MoeSpec moe = KJIT_TRY(read_moe(c, MoeRouting::deepseek, "num_local_experts", "intermediate_size"));
  moe.n_group = 1;
  moe.topk_group = 1;
  moe.shared_intermediate_size = KJIT_TRY(c.count("shared_intermediate_size"));
  moe.layers = spec.num_layers;
  spec.moe = moe;
  return spec;
}

}  // namespace kjit::jit::detail
