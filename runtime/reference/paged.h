// Turns a paged KV layout (kv_indptr over kv_indices page ids, optional
// kv_last_page_len, optional qo_indptr for prefill) into attention
// sequences of KV rows (row = page_id * page_size + slot), with named errors
// for malformed index structures.
//
// Token semantics (as in the references): a sequence owning pages
// p_0..p_{n-1} holds (n - 1) * page_size + last_len tokens, the first n - 1
// pages full and the last one filled to last_len = kv_last_page_len[b]
// (0 <= last_len <= page_size). Without a kv_last_page_len input every page
// is full (page_size 1: one token per page).
//
// Thread safety: pure function over the call's inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/reference/attention.h"
#include "runtime/reference/call.h"

namespace kjit::runtime::reference::detail {

// `total_q` is the number of query rows (batch_size for decode, where query
// b belongs to sequence b); `num_pages` and `page_size` come from the cache
// tensor's shape.
Result<std::vector<AttentionSequence>> paged_sequences(const Call& call, std::int64_t total_q, std::int64_t num_pages,
                                                       std::int64_t page_size);

// Prefill definitions mask causally; `qo_indptr` marks a prefill and the
// definition's name or reference says "causal".
bool is_causal_prefill(const Call& call);

}  // namespace kjit::runtime::reference::detail
