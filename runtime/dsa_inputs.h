// Inputs of DeepSeek sparse attention (op_type dsa_paged) when no workload
// blob gives them: per-row token contexts on shuffled pages, the indexer's
// seq_lens / block_table and its deep_gemm-format FP8 key cache, and the
// sparse attention's sparse_indices with -1 padding.
//
// Plan (plan_dsa), per row (indexer: batch_size rows; sparse attention:
// num_tokens rows), a context of L_b tokens:
//   - L_b = --kv-len N for every row when given; else uniform in
//     [1, max_num_pages * page_size] when max_num_pages is bound; else uniform
//     in [1, 2 * topk] (rows shorter than topk are padded, longer ones
//     select); --empty-first makes row 0 empty (L_0 = 0).
//   - row b owns ceil(L_b / page_size) pages. With num_pages unbound the pool
//     is the sum of those (at least 1) and the rows' pages are disjoint, taken
//     from one random permutation of the pool (so consecutive pages of a
//     row are scattered: "shuffled pages"). With num_pages bound and below the
//     sum, each row draws its pages independently (distinct within the row)
//     from the pool, so contexts share pages (a bounded cache for long
//     contexts); a pool smaller than one row's pages is raised, with a note.
//   - indexer: max_num_pages (unbound) = max(max_b pages_b, ceil(topk /
//     page_size)), so that the definition's constraint topk <= max_num_pages
//     * page_size holds even when every row is short; block_table row b =
//     its pages, then 0 in the unused columns.
// Tensors:
//   - k_index_cache_fp8 [num_pages, page_size, 1, D + 4] (int8 storage): as
//     flashinfer-bench's _pack_fp8_k_cache on torch.randn bf16 keys: per
//     token, scale = max(amax |k|, 1e-4) / 448 (float32), value =
//     e4m3fn(k * (1 / scale)); page layout in runtime/reference/dsa.h.
//   - seq_lens [batch] = L_b; block_table [batch, max_num_pages].
//   - sparse_indices [num_tokens, topk]: min(topk, L_t) distinct slots of
//     row t's context (all of them when L_t <= topk, else a uniform random
//     subset), slot = page * page_size + offset; even rows list them first
//     then -1 (the indexer's output order), odd rows have the -1 entries
//     scattered among them.
// Determinism: the plan and every tensor draw from streams derived from the
// caller's Rng / seed; the same seed gives the same bytes.
//
// Thread safety: functions only; Rng arguments are mutated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/host_tensor.h"
#include "runtime/index_structures.h"
#include "runtime/rng.h"
#include "runtime/workload.h"

namespace kjit::runtime {

struct DsaPlan {
  enum class Kind { indexer, sparse_attention };
  Kind kind = Kind::indexer;
  std::int64_t page_size = 1;
  std::int64_t topk = 0;
  std::int64_t num_pages = 0;   // pool
  std::int64_t max_pages = 0;   // indexer: block_table columns
  std::vector<std::int64_t> lens;                 // tokens per row
  std::vector<std::vector<std::int64_t>> pages;   // per row, in context order
  std::vector<std::string> notes;

  // Flat slot of token j of row b's context: pages[b][j / ps] * ps + j % ps.
  std::int64_t slot(std::int64_t row, std::int64_t j) const;
};

// Whether `definition` is a dsa_paged op whose inputs kjit can make (the
// indexer or the sparse attention, by input names); empty otherwise.
std::optional<DsaPlan::Kind> detect_dsa_kind(const jit::Definition& definition);

// Plans the contexts (see above) and binds batch_size / num_tokens,
// num_pages and max_num_pages where unbound. Errors: a row count below 0,
// --kv-len above max_num_pages * page_size, a const topk or page_size < 1.
Result<DsaPlan> plan_dsa(const jit::Definition& definition, DsaPlan::Kind kind, AxisValues& axes,
                         const SequenceOptions& options, Rng& rng);

// The tensor for DSA input `name` (k_index_cache_fp8, seq_lens, block_table,
// sparse_indices) shaped `shape`; empty for any other input (made the
// generic way).
std::optional<HostTensor> build_dsa_tensor(const DsaPlan& plan, std::string_view name, Dtype dtype,
                                           const std::vector<std::int64_t>& shape, Rng& rng);

// flashinfer-bench's _pack_fp8_k_cache: `keys` [num_pages * page_size, dim]
// (bf16 values as float) into the packed int8 layout.
HostTensor pack_fp8_key_cache(const std::vector<float>& keys, std::int64_t num_pages, std::int64_t page_size,
                              std::int64_t dim);

}  // namespace kjit::runtime
