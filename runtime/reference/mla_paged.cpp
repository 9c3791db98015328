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
  const auto [q_nope, q_pe, ckv, kpe] = KJIT_TRY(inputs(call, "q_nope", "q_pe", "ckv_cache", "kpe_cache"));
  AttentionProblem p = KJIT_TRY(mla_problem(call, "mla_paged", "rows", *q_nope, *q_pe, *ckv, *kpe));
  p.causal = is_causal_prefill(call);
  auto sequences = KJIT_TRY(paged_sequences(call, q_nope->shape[0], ckv->shape[0], ckv->shape[1]));
  return attention_outputs(call, p, sequences, q_nope->shape[0]);
}

}  // namespace kjit::runtime::reference::detail
