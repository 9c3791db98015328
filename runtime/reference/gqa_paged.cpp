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
                str_cat("reference for '", call.def.name, "': gqa_paged expects q [rows, heads, dim] and k_cache/v_cache [pages, page_size, kv_heads, dim]; got q ", shape_string(q->shape), ", k_cache ", shape_string(k_cache->shape), ", v_cache ", shape_string(v_cache->shape)));
  }
  if (k_cache->shape[3] != q->shape[2] || v_cache->shape[0] != k_cache->shape[0] ||
      v_cache->shape[1] != k_cache->shape[1] || v_cache->shape[2] != k_cache->shape[2]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': q ", shape_string(q->shape), ", k_cache ",
                        shape_string(k_cache->shape), " and v_cache ", shape_string(v_cache->shape),
                        " disagree on pages, heads or head_dim"));
  }
  AttentionProblem p = KJIT_TRY(gqa_problem(call, *q, k_cache->shape[2], v_cache->shape[3], *k_cache, *v_cache));
  auto sequences = KJIT_TRY(paged_sequences(call, q->shape[0], k_cache->shape[0], k_cache->shape[1]));

  return attention_outputs(call, p, sequences, q->shape[0]);
}

}  // namespace kjit::runtime::reference::detail
