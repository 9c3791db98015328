// ModelSpec: the facts about a model's architecture that decide which kernels
// it runs, in one normalized form whatever the `model_type` (read from a
// Hugging Face config by architectures.h, turned into definitions by
// derive.h). Sizes are those of the whole model, before any parallel split.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kjit::jit {

// How q and k are normalized per token before attention.
enum class QkNorm {
  none,
  per_head,   // RMSNorm over head_dim, one weight shared by all heads (Qwen3, Gemma 3)
  per_layer,  // RMSNorm over all heads at once (MiniMax-M2)
  l2,         // weightless L2 normalization (Llama 4)
};

enum class RopeStyle { none, neox, gptj };

enum class MlpActivation {
  silu_gated,  // SwiGLU: gate_proj and up_proj (fused as gate_up), silu(gate) * up
  gelu_gated,  // GeGLU with tanh-approximated GELU (Gemma)
  relu2,       // squared ReLU on up_proj only, no gate (Nemotron-H)
};

enum class MoeRouting {
  renormalize,  // softmax over the top-k logits (Qwen3-MoE, Qwen3-Next, Mixtral)
  llama4,       // top-k logits, weight sigmoid(logit) applied to the expert input
  deepseek,     // sigmoid scores + correction bias, group-limited top-k (DeepSeek-V3, Kimi K2, MiniMax-M2)
};

struct NormSpec {
  double eps = 0;
  bool zero_centered = false;  // the scale is 1 + weight (Gemma 3, Qwen3-Next)
};

struct AttentionSpec {
  enum class Kind { gqa, mla, dsa };
  Kind kind = Kind::gqa;
  int layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;  // gqa only
  std::int64_t head_dim = 0;      // gqa only
  bool q_gate = false;            // q_proj also emits a per-head output gate (Qwen3-Next)
  bool qkv_bias = false;          // q/k/v projections carry a bias (Qwen2)
  QkNorm qk_norm = QkNorm::none;
  RopeStyle rope = RopeStyle::neox;
  std::int64_t rotary_dim = 0;    // dimensions rotated per head (<= head_dim)
  // MLA and DSA (DeepSeek-V3 family)
  std::int64_t q_lora_rank = 0;   // 0: q is projected directly (no low-rank q)
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t v_head_dim = 0;
  // DSA lightning indexer (DeepSeek-V3.2)
  std::int64_t index_heads = 0;
  std::int64_t index_head_dim = 0;
  std::int64_t index_topk = 0;
};

struct MlpSpec {
  int layers = 0;
  std::int64_t intermediate_size = 0;
  MlpActivation activation = MlpActivation::silu_gated;
};

struct MoeSpec {
  int layers = 0;
  std::int64_t num_experts = 0;
  std::int64_t top_k = 0;
  std::int64_t intermediate_size = 0;  // per expert
  MoeRouting routing = MoeRouting::renormalize;
  std::int64_t n_group = 1;            // deepseek routing
  std::int64_t topk_group = 1;
  std::int64_t shared_intermediate_size = 0;  // 0: no shared expert
  bool shared_expert_gate = false;            // sigmoid(x . w) scales the shared expert (Qwen3-Next)
};

// Gated DeltaNet linear attention (Qwen3-Next).
struct GdnSpec {
  int layers = 0;
  std::int64_t num_k_heads = 0;
  std::int64_t num_v_heads = 0;
  std::int64_t head_k_dim = 0;
  std::int64_t head_v_dim = 0;
};

// Mamba-2 mixer (Nemotron-H).
struct MambaSpec {
  int layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t state_size = 0;
  std::int64_t n_groups = 0;
};

// A value the architecture defines from other fields, recorded so that the
// report shows it (nothing is filled in silently).
struct DerivedField {
  std::string field;  // "head_dim"
  std::int64_t value = 0;
  std::string rule;   // "hidden_size / num_attention_heads (config has no head_dim)"
};

struct ModelSpec {
  std::string model_type;      // as in the config ("llama", "qwen3_moe", ...)
  std::string family;          // readable architecture name ("Llama", "DeepSeek-V3")
  int num_layers = 0;
  std::int64_t hidden_size = 0;
  std::int64_t vocab_size = 0;
  std::string dtype;           // weights and activations: "bfloat16", "float16" or "float32" (torch_dtype)
  NormSpec norm;
  std::optional<AttentionSpec> attention;
  std::optional<MlpSpec> dense_mlp;
  std::optional<MoeSpec> moe;
  std::optional<GdnSpec> gdn;
  std::optional<MambaSpec> mamba;
  std::vector<DerivedField> derived;
  // What the model runs that the derived definitions knowingly leave out
  // (sliding windows, ops outside the schema's op types), one sentence each.
  std::vector<std::string> notes;
};

}  // namespace kjit::jit
