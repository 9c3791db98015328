// gqa_paged: grouped-query attention over a paged KV cache
// (k_cache / v_cache [num_pages, page_size, num_kv_heads, head_dim]),
// decode (one query per sequence, no mask) or prefill (qo_indptr, causal).
// Outputs: output [rows, num_qo_heads, head_dim] (bf16 after the caller's
// cast) and lse [rows, num_qo_heads] (base 2).
//
// Thread safety: reentrant; see attention.h.

#include "runtime/reference/attention.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/paged.h"

namespace kjit::runtime::reference::detail {

Result<TensorMap> run_gqa_paged(const Call& call) {
  const RefTensor* q = KJIT_TRY(input(call, "q"));
  const RefTensor* k_cache = KJIT_TRY(input(call, "k_cache"));
  const RefTensor* v_cache = KJIT_TRY(input(call, "v_cache"));
  if (q->shape.size() != 3 || k_cache->shape.size() != 4 || v_cache->shape.size() != 4) {
    return fail(ErrorCode::invalid_argument,
                fmt("reference for '{}': gqa_paged expects q [rows, heads, dim] and k_cache/v_cache "
                            "[pages, page_size, kv_heads, dim]; got q {}, k_cache {}, v_cache {}",
                            call.def.name, shape_string(q->shape), shape_string(k_cache->shape),
                            shape_string(v_cache->shape)));
  }
  AttentionProblem p;
  p.num_qo_heads = q->shape[1];
  p.num_kv_heads = k_cache->shape[2];
  p.dim_qk = q->shape[2];
  p.dim_v = v_cache->shape[3];
  if (p.num_kv_heads <= 0 || p.num_qo_heads % p.num_kv_heads != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt("reference for '{}': num_qo_heads = {} is not a multiple of num_kv_heads = {}",
                            call.def.name, p.num_qo_heads, p.num_kv_heads));
  }
  if (k_cache->shape[3] != p.dim_qk || v_cache->shape[0] != k_cache->shape[0] ||
      v_cache->shape[1] != k_cache->shape[1] || v_cache->shape[2] != k_cache->shape[2]) {
    return fail(ErrorCode::invalid_argument,
                fmt("reference for '{}': q {}, k_cache {} and v_cache {} disagree on pages, heads or head_dim",
                            call.def.name, shape_string(q->shape), shape_string(k_cache->shape),
                            shape_string(v_cache->shape)));
  }
  p.sm_scale = KJIT_TRY(scalar(call, "sm_scale"));
  p.causal = is_causal_prefill(call);
  p.q = q->data.data();
  p.k = k_cache->data.data();
  p.v = v_cache->data.data();
  auto sequences = KJIT_TRY(paged_sequences(call, q->shape[0], k_cache->shape[0], k_cache->shape[1]));

  return attention_outputs(call, p, sequences, q->shape[0]);
}

}  // namespace kjit::runtime::reference::detail
