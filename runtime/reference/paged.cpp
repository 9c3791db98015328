// Paged KV index structures -> attention sequences; see paged.h.
//
// Thread safety: pure functions.
#include "runtime/reference/paged.h"


namespace kjit::runtime::reference::detail {

bool is_causal_prefill(const Call& call) {
  if (!has_input(call.def, "qo_indptr")) return false;
  return call.def.name.find("causal") != std::string::npos ||
         call.def.reference.find("causal") != std::string::npos;
}

Result<std::vector<AttentionSequence>> paged_sequences(const Call& call, std::int64_t total_q, std::int64_t num_pages,
                                                       std::int64_t page_size) {
  const std::string& name = call.def.name;
  if (page_size <= 0) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", name, "': page_size = ", page_size, " must be positive"));
  }
  auto kv_indptr = KJIT_TRY(integers(call, "kv_indptr"));
  auto kv_indices = KJIT_TRY(integers(call, "kv_indices"));
  const bool prefill = has_input(call.def, "qo_indptr");
  std::vector<std::int64_t> qo_indptr;
  std::int64_t batch = total_q;  // decode: one query per sequence
  if (prefill) {
    qo_indptr = KJIT_TRY(integers(call, "qo_indptr"));
    if (qo_indptr.empty()) {
      return fail(ErrorCode::invalid_argument, str_cat("reference for '", name, "': qo_indptr is empty"));
    }
    batch = static_cast<std::int64_t>(qo_indptr.size()) - 1;
    KJIT_TRY_VOID(check_indptr(call, qo_indptr, "qo_indptr", total_q, "the number of query rows"));
  }
  if (static_cast<std::int64_t>(kv_indptr.size()) != batch + 1) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", name, "': kv_indptr has ", kv_indptr.size(), " entries, expected batch_size + 1 = ", batch + 1));
  }
  KJIT_TRY_VOID(check_indptr(call, kv_indptr, "kv_indptr", static_cast<std::int64_t>(kv_indices.size()),
                             "the length of kv_indices"));
  std::vector<std::int64_t> last_page_len;
  const bool has_last = call.inputs.contains("kv_last_page_len") && has_input(call.def, "kv_last_page_len");
  if (has_last) {
    last_page_len = KJIT_TRY(integers(call, "kv_last_page_len"));
    if (static_cast<std::int64_t>(last_page_len.size()) < batch) {
      return fail(ErrorCode::invalid_argument,
                  str_cat("reference for '", name, "': kv_last_page_len has ", last_page_len.size(), " entries, expected one per sequence (", batch, ")"));
    }
  }

  std::vector<AttentionSequence> sequences(static_cast<std::size_t>(batch));
  for (std::int64_t b = 0; b < batch; ++b) {
    auto& seq = sequences[static_cast<std::size_t>(b)];
    seq.q_begin = prefill ? qo_indptr[static_cast<std::size_t>(b)] : b;
    seq.q_len = prefill ? qo_indptr[static_cast<std::size_t>(b) + 1] - seq.q_begin : 1;
    const std::int64_t page_begin = kv_indptr[static_cast<std::size_t>(b)];
    const std::int64_t pages = kv_indptr[static_cast<std::size_t>(b) + 1] - page_begin;
    if (pages == 0) continue;  // empty sequence: 0 / -inf
    std::int64_t last_len = page_size;
    if (has_last) {
      last_len = last_page_len[static_cast<std::size_t>(b)];
      if (last_len < 0 || last_len > page_size) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", name, "': kv_last_page_len[", b, "] = ", last_len, " is outside [0, page_size = ", page_size, "]"));
      }
    }
    const std::int64_t tokens = (pages - 1) * page_size + last_len;
    seq.kv_rows.resize(static_cast<std::size_t>(tokens));
    for (std::int64_t t = 0; t < tokens; ++t) {
      const std::int64_t index = page_begin + t / page_size;
      const std::int64_t page = kv_indices[static_cast<std::size_t>(index)];
      if (page < 0 || page >= num_pages) {
        return fail(ErrorCode::invalid_argument,
                    str_cat("reference for '", name, "': kv_indices[", index, "] = ", page, " is outside [0, num_pages = ", num_pages, ")"));
      }
      seq.kv_rows[static_cast<std::size_t>(t)] = page * page_size + t % page_size;
    }
  }
  return sequences;
}

}  // namespace kjit::runtime::reference::detail
