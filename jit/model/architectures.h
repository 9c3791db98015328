// Architecture readers: Hugging Face `model_type` -> ModelSpec. One reader
// per architecture family (arch_*.cpp), each reading exactly the fields its
// model code uses; a missing or malformed field is an error naming it, and
// an unknown model_type an error listing the supported ones.
//
// Supported: llama (Llama 3.x), qwen2 (Qwen2.5), qwen3, qwen3_moe, mixtral,
// deepseek_v3 / kimi_k2 / deepseek_v32, gemma3 / gemma3_text, llama4 /
// llama4_text, qwen3_next, nemotron_h, minimax_m2.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "jit/model/hf_config.h"
#include "jit/model/model_spec.h"
#include "jit/util/error.h"

namespace kjit::jit {

// The model_type values read_model_spec() accepts, sorted.
std::vector<std::string_view> supported_model_types();

// The architecture of the model described by `config` (the whole config.json;
// multimodal configs are read through their text_config).
Result<ModelSpec> read_model_spec(const HfConfig& config);

namespace detail {
// The per-family readers (arch_*.cpp); `config` is the language-model part.
Result<ModelSpec> read_llama_family(const HfConfig& config, std::string_view model_type);  // llama qwen2 qwen3 qwen3_moe mixtral
Result<ModelSpec> read_deepseek_family(const HfConfig& config, std::string_view model_type);
Result<ModelSpec> read_gemma3(const HfConfig& config);
Result<ModelSpec> read_llama4(const HfConfig& config);
Result<ModelSpec> read_qwen3_next(const HfConfig& config);
Result<ModelSpec> read_nemotron_h(const HfConfig& config);
Result<ModelSpec> read_minimax_m2(const HfConfig& config);

// Shared field readers (arch_common.cpp).
// A spec of `family` with hidden_size, vocab_size, num_hidden_layers and the
// RMSNorm epsilon from `eps_field`.
Result<ModelSpec> read_basics(const HfConfig& config, std::string family, std::string_view eps_field = "rms_norm_eps");
// GQA heads: num_attention_heads, num_key_value_heads (default: as many as
// the query heads, recorded), head_dim (default hidden_size /
// num_attention_heads, recorded; `head_dim_field` names the field), with
// the divisibility checks. Rope: NeoX style over the whole head.
Result<AttentionSpec> read_gqa(const HfConfig& config, ModelSpec& spec, std::string_view head_dim_field = "head_dim");
// Routed experts with `routing`: num_experts from `experts_field`, top_k from
// num_experts_per_tok, the per-expert size from `intermediate_field`. The
// caller counts the MoE layers and reads the shared experts.
Result<MoeSpec> read_moe(const HfConfig& config, MoeRouting routing, std::string_view experts_field,
                         std::string_view intermediate_field);
// `field` when present, else `fallback` (recorded with `rule`).
Result<std::int64_t> positive_or(const HfConfig& config, ModelSpec& spec, std::string_view field,
                                 std::int64_t fallback, std::string rule);
}  // namespace detail

}  // namespace kjit::jit
