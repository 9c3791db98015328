// The definition forms kjit derives, one function per op form, each giving
// the dataset's schema (naming convention, axes, input and output names,
// shapes and dtypes of flashinfer-trace) with kjit's own reference. Shapes
// passed in are those of one rank (already split by tensor or expert
// parallelism). The callers add the model's tags (model:, tp:, ep:).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "jit/model/definition_builder.h"

namespace kjit::jit::ops {

// --- norms (ops_norm_gemm.cpp)
// rmsnorm_h{H} / fused_add_rmsnorm_h{H}; `zero_centered` gives the Gemma
// form (scale 1 + weight): gemma_rmsnorm_h{H} / gemma_fused_add_rmsnorm_h{H}.
DefinitionBuilder rmsnorm(std::int64_t hidden, double eps, bool zero_centered);
DefinitionBuilder fused_add_rmsnorm(std::int64_t hidden, double eps, bool zero_centered);

// --- linear layers: gemm_n{N}_k{K}, C[M, N] = A[M, K] . B[N, K]^T in the
// model's `dtype` (A, B and C; float32 accumulation).
DefinitionBuilder gemm(std::int64_t n, std::int64_t k, const std::string& dtype);

// --- attention (ops_attention.cpp); `page_size` 1 drops kv_last_page_len.
DefinitionBuilder gqa_paged_decode(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                                   std::int64_t page_size);
DefinitionBuilder gqa_paged_prefill(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                                    std::int64_t page_size);
DefinitionBuilder gqa_ragged_prefill(std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim);
DefinitionBuilder mla_paged_decode(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t page_size);
DefinitionBuilder mla_paged_prefill(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t page_size);
DefinitionBuilder mla_ragged_prefill(std::int64_t heads, std::int64_t qk_dim, std::int64_t vo_dim);
DefinitionBuilder dsa_sparse_attention(std::int64_t heads, std::int64_t ckv, std::int64_t kpe, std::int64_t topk,
                                       std::int64_t page_size);
DefinitionBuilder dsa_topk_indexer(std::int64_t index_heads, std::int64_t index_head_dim, std::int64_t topk,
                                   std::int64_t page_size);

// --- mixture of experts (ops_moe.cpp). `experts` is the experts of one
// rank; `intermediate` the per-expert intermediate size.
struct MoeShape {
  std::int64_t experts = 0;
  std::int64_t hidden = 0;
  std::int64_t intermediate = 0;
  std::int64_t top_k = 0;
};
// moe_fp8_block_scale_renorm_topk{k}_e{E}_h{H}_i{I}
DefinitionBuilder moe_fp8_block_scale_renorm(const MoeShape& shape);
// moe_fp8_block_scale_ds_routing_topk{k}_ng{G}_kg{KG}_e{E_local}_h{H}_i{I}
DefinitionBuilder moe_fp8_block_scale_ds_routing(const MoeShape& local, std::int64_t global_experts,
                                                 std::int64_t n_group, std::int64_t topk_group);
// trtllm_fp8_per_tensor_scale_moe_topk{k}_e{E}_h{H}_i{I}; `llama4` routing adds routing_bias.
DefinitionBuilder moe_fp8_per_tensor_scale(const MoeShape& shape, bool llama4);
// trtllm_fp4_block_scale_moe_topk{k}_e{E}_h{H}_i{I}; `llama4` routing adds routing_bias.
DefinitionBuilder moe_fp4_block_scale(const MoeShape& shape, bool llama4);
// trtllm_fp4_block_scale_routed_moe_topk{k}_e{E}_h{H}_i{I} (routing done by the caller).
DefinitionBuilder moe_fp4_block_scale_routed(const MoeShape& shape);

// --- sampling, rope, recurrent layers (ops_other.cpp)
enum class Sampling { top_k, top_p, top_k_top_p };
DefinitionBuilder sampling(Sampling kind, std::int64_t vocab);
// rope_with_cos_sin_cache_{neox,gptj}_style_d{head}_rd{rotary}
DefinitionBuilder rope(std::int64_t head_size, std::int64_t rotary_dim, bool neox);
struct GdnShape {
  std::int64_t q_heads = 0;  // = k heads
  std::int64_t v_heads = 0;
  std::int64_t head_size = 0;
};
DefinitionBuilder gdn_decode(const GdnShape& shape);
DefinitionBuilder gdn_prefill(const GdnShape& shape);
DefinitionBuilder gdn_mtp(const GdnShape& shape);
DefinitionBuilder mamba_ssu_decode(std::int64_t heads, std::int64_t head_dim, std::int64_t state_size,
                                   std::int64_t groups);

}  // namespace kjit::jit::ops
