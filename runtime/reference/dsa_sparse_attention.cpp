// dsa_paged sparse attention (dsa_sparse_attention_*): absorbed MLA of each
// token's query heads over the cache slots its row of sparse_indices lists.
// The cache is flattened to slots (ckv_cache [num_pages, page_size, ckv] ->
// [num_pages * page_size, ckv]; index = page * page_size + offset), -1
// entries are padding and skipped, and the attention core (attention.h) does
// the rest: logits = (q_nope . ckv + q_pe . kpe) * sm_scale, V = ckv, lse in
// base 2; a token with no valid index keeps output 0 and lse -inf.
// An index below -1 or past the last slot is an error (torch would wrap a
// negative index or raise; kjit's kernel skips such entries, so a check
// with them means nothing).
//
// Thread safety: reentrant; see attention.h.
#include "runtime/reference/attention.h"
#include "runtime/reference/ops.h"

namespace kjit::runtime::reference::detail {

Result<TensorMap> run_dsa_sparse_attention(const Call& call) {
  const RefTensor* q_nope = KJIT_TRY(input(call, "q_nope"));
  const RefTensor* q_pe = KJIT_TRY(input(call, "q_pe"));
  const RefTensor* ckv = KJIT_TRY(input(call, "ckv_cache"));
  const RefTensor* kpe = KJIT_TRY(input(call, "kpe_cache"));
  const RefTensor* sparse = KJIT_TRY(input(call, "sparse_indices"));
  const bool ok = q_nope->shape.size() == 3 && q_pe->shape.size() == 3 && ckv->shape.size() == 3 &&
                  kpe->shape.size() == 3 && sparse->shape.size() == 2 && q_pe->shape[0] == q_nope->shape[0] &&
                  q_pe->shape[1] == q_nope->shape[1] && ckv->shape[2] == q_nope->shape[2] &&
                  kpe->shape[2] == q_pe->shape[2] && kpe->shape[0] == ckv->shape[0] && kpe->shape[1] == ckv->shape[1] &&
                  sparse->shape[0] == q_nope->shape[0];
  if (!ok) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': sparse attention expects q_nope [T, heads, ckv], q_pe [T, heads, kpe], ckv_cache [pages, page_size, ckv], kpe_cache [pages, page_size, kpe], sparse_indices [T, topk]; got ",
                        shape_string(q_nope->shape), ", ", shape_string(q_pe->shape), ", ", shape_string(ckv->shape), ", ",
                        shape_string(kpe->shape), ", ", shape_string(sparse->shape)));
  }
  AttentionProblem p;
  p.num_qo_heads = q_nope->shape[1];
  p.num_kv_heads = 1;
  p.dim_qk = q_nope->shape[2];
  p.dim_pe = q_pe->shape[2];
  p.dim_v = ckv->shape[2];
  p.sm_scale = KJIT_TRY(scalar(call, "sm_scale"));
  p.q = q_nope->data.data();
  p.q_pe = q_pe->data.data();
  p.k = ckv->data.data();
  p.k_pe = kpe->data.data();
  p.v = ckv->data.data();

  const std::int64_t tokens = q_nope->shape[0];
  const std::int64_t topk = sparse->shape[1];
  const std::int64_t slots = ckv->shape[0] * ckv->shape[1];
  auto indices = KJIT_TRY(integers(call, "sparse_indices"));
  std::vector<AttentionSequence> sequences(static_cast<std::size_t>(tokens));
  for (std::int64_t t = 0; t < tokens; ++t) {
    auto& seq = sequences[static_cast<std::size_t>(t)];
    seq.q_begin = t;
    seq.q_len = 1;
    for (std::int64_t i = 0; i < topk; ++i) {
      const std::int64_t slot = indices[static_cast<std::size_t>(t * topk + i)];
      if (slot == -1) continue;
      if (slot < -1 || slot >= slots) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", call.def.name, "': sparse_indices[", t, ", ", i, "] = ", slot,
                            " is neither -1 (padding) nor a cache slot in [0, num_pages * page_size = ", slots, ")"));
      }
      seq.kv_rows.push_back(slot);
    }
  }
  return attention_outputs(call, p, sequences, tokens);
}

}  // namespace kjit::runtime::reference::detail
