// PerfModel: the bytes a kernel must move and the FLOPs it must do for one
// workload, per op type, so `kjit bench` can report achieved GB/s and
// TFLOP/s. The numbers are the algorithmic minimum (each byte read or
// written once), not what a particular kernel happens to move.
//
// Bytes (every op type): the sum over inputs and outputs of the bytes of
// each tensor (elements x dtype size; scalars count their size), except
// paged KV caches (tensors whose first dimension is the axis `num_pages`),
// of which only the referenced pages count:
//   bytes(cache) x num_kv_indices / num_pages.
// So rmsnorm = read x (+ residual) + weight + write out; gemm = A + B + C;
// paged decode = q + K and V pages read + indptr/indices + out + lse;
// sampling = one read of probs (+ top_k, top_p) + samples. rope: q, k,
// positions, q_out, k_out, and of the cos/sin cache only the rows tokens can
// reference, min(num_tokens, max_seq_len) of them.
// Recurrent state pools (tensors whose first dimension is `pool_size` or
// `state_cache_size`: gdn mtp's initial_state and intermediate_states_buffer,
// mamba_ssu's state and new_state) count only the batch's slots:
//   bytes(pool) x min(batch_size, slots) / slots,
// and gdn mtp's final_state (initial_state unchanged, nothing to write when
// updated in place) counts 0: the in-place traffic a serving stack sees.
//
// FLOPs:
//   rmsnorm  4 per output element (square, accumulate, scale, weight),
//            plus 1 per element for the residual add when there is one.
//   gemm     2 * M * N * K (C = A * B^T; M, N, K from the axes).
//   attention (gqa_paged, gqa_ragged, mla_paged, mla_ragged):
//            pairs * num_qo_heads * 2 * (qk_dim + vo_dim), where `pairs`
//            counts (query row, key) pairs that attend: for decode (no
//            qo_indptr) the sequence's kv length; for prefill the causal
//            count sum over query rows j < q of clamp(kv - q + j + 1, 0, kv)
//            per sequence (bottom-right aligned, as flashinfer's causal mask).
//            qk_dim/vo_dim: head_dim/head_dim (gqa); head_dim_ckv +
//            head_dim_kpe / head_dim_ckv (mla_paged); qk_dim / vo_dim
//            (mla_ragged). Sequence lengths come from the index inputs
//            (qo_indptr, kv_indptr, kv_last_page_len, page_size).
//   dsa_paged: bytes and FLOPs of runtime/dsa_perf.h (gathered cache rows,
//            the sequences' FP8 key bytes).
//   moe      2 * pairs * 3 * I * H, pairs = routed (token, local expert)
//            picks (perf_model_moe.cpp routes the workload with the
//            reference's routing); its bytes count the expert weights (and
//            their block scales) of the local experts that receive at least
//            one token, not every expert's.
//   gdn      6 * head_size^2 per token and value head (k.S, the rank-1
//            update, q.S), tokens = batch_size * seq_len or total_seq_len.
//   rope     3 per rotated element (2 multiplies and an add) of q and k:
//            3 * num_tokens * (num_qo_heads + num_kv_heads) * rotary_dim.
//   other op types: 0 (bandwidth only).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "jit/definition/definition.h"
#include "runtime/host_tensor.h"

namespace kjit::runtime {

struct PerfCounts {
  double bytes = 0;
  double flops = 0;
  std::string flops_formula;  // e.g. "2*M*N*K", for the report
};

// REQUIRES: `axes` binds every axis of `def`; `inputs` holds the host
// copies of the inputs (index structures are read from them).
PerfCounts perf_counts(const jit::Definition& def, const std::map<std::string, std::int64_t>& axes,
                       const std::map<std::string, HostTensor>& inputs);

// Causal (query row, key) pairs of one sequence with `q` queries and `kv`
// keys, bottom-right aligned.
std::int64_t causal_pairs(std::int64_t q, std::int64_t kv);

// perf_counts for op_type "moe" (perf_model_moe.cpp): the routing inputs
// (routing_logits, routing_bias, topk_ids, routed_scaling_factor,
// local_expert_offset) must be in `inputs`; the weights need not be.
PerfCounts moe_perf_counts(const jit::Definition& def, const std::map<std::string, std::int64_t>& axes,
                           const std::map<std::string, HostTensor>& inputs);

}  // namespace kjit::runtime
