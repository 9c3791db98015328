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
  const auto [q_nope, q_pe, ckv, kpe, sparse] =
      KJIT_TRY(inputs(call, "q_nope", "q_pe", "ckv_cache", "kpe_cache", "sparse_indices"));
  const AttentionProblem p = KJIT_TRY(mla_problem(call, "sparse attention", "T", *q_nope, *q_pe, *ckv, *kpe));
  if (sparse->shape.size() != 2 || sparse->shape[0] != q_nope->shape[0]) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': sparse attention expects sparse_indices [T, topk] with T of q_nope ",
                        shape_string(q_nope->shape), "; got ", shape_string(sparse->shape)));
  }

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
