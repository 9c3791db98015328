// Ragged causal prefill, shared by gqa_ragged (q/k head_dim == v head_dim,
// num_kv_heads divides num_qo_heads) and mla_ragged (qk_dim 192 != vo_dim
// 128, num_kv_heads == num_qo_heads): sequence b's queries are
// q[qo_indptr[b] : qo_indptr[b+1]] and its keys/values are
// k/v[kv_indptr[b] : kv_indptr[b+1]], masked causally bottom-right aligned.
//
// Thread safety: reentrant; see attention.h.

#include "runtime/reference/attention.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/paged.h"

namespace kjit::runtime::reference::detail {

Result<TensorMap> run_ragged_prefill(const Call& call) {
  const RefTensor* q = KJIT_TRY(input(call, "q"));
  const RefTensor* k = KJIT_TRY(input(call, "k"));
  const RefTensor* v = KJIT_TRY(input(call, "v"));
  const bool ranks_ok = q->shape.size() == 3 && k->shape.size() == 3 && v->shape.size() == 3;
  if (!ranks_ok || k->shape[2] != q->shape[2] || v->shape[0] != k->shape[0] || v->shape[1] != k->shape[1]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': ragged prefill expects q [total_q, heads, qk_dim], k [total_kv, kv_heads, qk_dim], v [total_kv, kv_heads, vo_dim]; got ", shape_string(q->shape), ", ", shape_string(k->shape), ", ", shape_string(v->shape)));
  }
  AttentionProblem p = KJIT_TRY(gqa_problem(call, *q, k->shape[1], v->shape[2], *k, *v));

  auto qo_indptr = KJIT_TRY(integers(call, "qo_indptr"));
  auto kv_indptr = KJIT_TRY(integers(call, "kv_indptr"));
  if (qo_indptr.empty() || kv_indptr.size() != qo_indptr.size()) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': qo_indptr (", qo_indptr.size(), " entries) and kv_indptr (", kv_indptr.size(), " entries) must have the same non-zero length (batch_size + 1)"));
  }
  KJIT_TRY_VOID(check_indptr(call, qo_indptr, "qo_indptr", q->shape[0], "total_q"));
  KJIT_TRY_VOID(check_indptr(call, kv_indptr, "kv_indptr", k->shape[0], "total_kv"));
  std::vector<AttentionSequence> sequences(qo_indptr.size() - 1);
  for (std::size_t b = 0; b + 1 < qo_indptr.size(); ++b) {
    sequences[b].q_begin = qo_indptr[b];
    sequences[b].q_len = qo_indptr[b + 1] - qo_indptr[b];
    for (std::int64_t t = kv_indptr[b]; t < kv_indptr[b + 1]; ++t) sequences[b].kv_rows.push_back(t);
  }
  return attention_outputs(call, p, sequences, q->shape[0]);
}

}  // namespace kjit::runtime::reference::detail
