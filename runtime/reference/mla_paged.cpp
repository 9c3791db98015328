// mla_paged: multi-head latent attention (absorbed form) over a paged cache
// of compressed KV (ckv_cache [num_pages, page_size, head_dim_ckv]) and
// rotary keys (kpe_cache [num_pages, page_size, head_dim_kpe]), decode or
// causal prefill. One shared KV head: logits = (q_nope . ckv + q_pe . kpe)
// * sm_scale, and the values are the ckv rows themselves, so output is
// [rows, num_qo_heads, head_dim_ckv].
//
// Thread safety: reentrant; see attention.h.

#include "runtime/reference/attention.h"
#include "runtime/reference/ops.h"
#include "runtime/reference/paged.h"

namespace kjit::runtime::reference::detail {

Result<TensorMap> run_mla_paged(const Call& call) {
  const RefTensor* q_nope = KJIT_TRY(input(call, "q_nope"));
  const RefTensor* q_pe = KJIT_TRY(input(call, "q_pe"));
  const RefTensor* ckv = KJIT_TRY(input(call, "ckv_cache"));
  const RefTensor* kpe = KJIT_TRY(input(call, "kpe_cache"));
  const bool ranks_ok =
      q_nope->shape.size() == 3 && q_pe->shape.size() == 3 && ckv->shape.size() == 3 && kpe->shape.size() == 3;
  if (!ranks_ok || q_pe->shape[0] != q_nope->shape[0] || q_pe->shape[1] != q_nope->shape[1] ||
      ckv->shape[2] != q_nope->shape[2] || kpe->shape[2] != q_pe->shape[2] || kpe->shape[0] != ckv->shape[0] ||
      kpe->shape[1] != ckv->shape[1]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': mla_paged expects q_nope [rows, heads, ckv], q_pe [rows, heads, kpe], ckv_cache [pages, page_size, ckv], kpe_cache [pages, page_size, kpe]; got ", shape_string(q_nope->shape), ", ", shape_string(q_pe->shape), ", ", shape_string(ckv->shape), ", ", shape_string(kpe->shape)));
  }
  AttentionProblem p;
  p.num_qo_heads = q_nope->shape[1];
  p.num_kv_heads = 1;
  p.dim_qk = q_nope->shape[2];
  p.dim_pe = q_pe->shape[2];
  p.dim_v = ckv->shape[2];
  p.sm_scale = KJIT_TRY(scalar(call, "sm_scale"));
  p.causal = is_causal_prefill(call);
  p.q = q_nope->data.data();
  p.q_pe = q_pe->data.data();
  p.k = ckv->data.data();
  p.k_pe = kpe->data.data();
  p.v = ckv->data.data();
  auto sequences = KJIT_TRY(paged_sequences(call, q_nope->shape[0], ckv->shape[0], ckv->shape[1]));
  return attention_outputs(call, p, sequences, q_nope->shape[0]);
}

}  // namespace kjit::runtime::reference::detail
