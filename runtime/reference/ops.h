// Entry points of the per-family reference implementations, called by the
// dispatcher (reference.cpp) after check_inputs has validated the call.
//
// Thread safety: each op is reentrant; it uses call.threads workers.
#pragma once

#include <optional>

#include "runtime/reference/call.h"

namespace kjit::runtime::reference::detail {

// rmsnorm and fused_add_rmsnorm (rmsnorm.cpp).
Result<TensorMap> run_rmsnorm(const Call& call);
// C = A @ B.T (or A @ B when B is declared [K, N]) (gemm.cpp).
Result<TensorMap> run_gemm(const Call& call);
// Paged GQA decode and causal prefill (gqa_paged.cpp).
Result<TensorMap> run_gqa_paged(const Call& call);
// Ragged causal prefill: gqa_ragged and mla_ragged (ragged.cpp).
Result<TensorMap> run_ragged_prefill(const Call& call);
// Paged MLA decode and causal prefill (mla_paged.cpp).
Result<TensorMap> run_mla_paged(const Call& call);
// DeepSeek sparse attention, dsa_paged: the FP8 top-k indexer
// (dsa_indexer.cpp) and the sparse MLA attention (dsa_sparse_attention.cpp).
Result<TensorMap> run_dsa_indexer(const Call& call);
Result<TensorMap> run_dsa_sparse_attention(const Call& call);
// Fused MoE: routing, per-expert GEMM1 -> SwiGLU -> GEMM2, weighted sum
// (moe.cpp; structure in moe_structure.h).
Result<TensorMap> run_moe(const Call& call);
// Why run_moe cannot serve `def` (moe_structure's message); empty when it can.
std::string moe_why_not(const kjit::jit::Definition& def);
// Gated Delta Net decode, multi-token (mtp) and prefill (gdn.cpp).
Result<TensorMap> run_gdn(const Call& call);
// Mamba2 selective state update (mamba.cpp).
Result<TensorMap> run_mamba_ssu(const Call& call);
// Sampling from probabilities: samples (each row's mode) and filtered_probs (sampling.cpp).
Result<TensorMap> run_sampling(const Call& call);
// Rotary embedding with a cos/sin cache, NeoX or GPT-J style (rope.cpp).
Result<TensorMap> run_rope(const Call& call);
// rope: true for NeoX halves, false for GPT-J pairs, empty when the reference does not say.
std::optional<bool> rope_is_neox(const kjit::jit::Definition& def);

}  // namespace kjit::runtime::reference::detail
