// Index structures for batched attention: the per-sequence plan (query
// lengths, kv lengths, pages) and the indptr / indices / last-page tensors
// built from it, for definitions whose blobs are absent.
//
// Layout detection is by the flashinfer-trace input names used by gqa_paged,
// gqa_ragged, mla_paged and mla_ragged: `qo_indptr` (absent for decode: one
// query per sequence), `kv_indptr`, `kv_indices` (present = paged: kv_indptr
// counts pages), `kv_last_page_len`, and the const axis `page_size` (1 when
// absent). Invariants of a plan (checked by tests/runtime/index_structures_test):
//   - indptrs start at 0, are non-decreasing, have batch_size + 1 entries and
//     end at total_q / total_kv / num_kv_indices;
//   - kv_indices are distinct page ids in [0, num_pages);
//   - paged: a sequence with p > 0 pages has kv length (p - 1) * page_size +
//     last_page_len with last_page_len in [1, page_size]; a sequence with 0
//     pages has kv length 0 and last_page_len 0 (flashinfer's convention);
//   - causal prefill: kv_len >= q_len for every sequence whenever the bound
//     totals allow it (workloads can fix totals that do not, e.g. total_q 34
//     with 1 kv page: then `causal_shortfall` counts the sequences left short).
// Entries of a kv_last_page_len shaped [len_indptr] (5 dataset definitions)
// beyond batch_size are 1.
//
// Thread safety: functions only; the Rng argument is mutated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jit/util/error.h"
#include "jit/definition/definition.h"
#include "runtime/host_tensor.h"
#include "runtime/rng.h"
#include "runtime/workload.h"

namespace kjit::runtime {

struct IndexLayout {
  bool has_qo_indptr = false;  // false: decode, one query row per sequence
  bool has_kv_indptr = false;
  bool paged = false;          // kv_indices present
  bool has_last_page_len = false;
  std::int64_t page_size = 1;
};

// The layout of `definition`, or empty when it has no kv_indptr.
std::optional<IndexLayout> detect_index_layout(const jit::Definition& definition);

// Test and bench controls for sequence lengths.
struct SequenceOptions {
  std::optional<std::int64_t> q_len;   // per-sequence query length (prefill)
  std::optional<std::int64_t> kv_len;  // per-sequence kv length in tokens
  bool include_empty = false;          // sequence 0 gets no queries and no kv
};

// Defaults when neither the axes nor SequenceOptions fix them.
inline constexpr std::int64_t k_default_batch_size = 16;
inline constexpr std::int64_t k_default_q_len = 64;      // prefill, per sequence
inline constexpr std::int64_t k_default_kv_len = 256;    // tokens, per sequence

struct SequencePlan {
  IndexLayout layout;
  std::int64_t batch_size = 0;
  std::vector<std::int64_t> q_lens;
  std::vector<std::int64_t> kv_lens;         // tokens
  std::vector<std::int64_t> pages;           // paged: pages per sequence
  std::vector<std::int64_t> last_page_len;   // paged
  std::vector<std::int64_t> page_ids;        // paged: concatenated per sequence
  std::int64_t num_pages = 0;                // paged: pool size
  std::int64_t causal_shortfall = 0;         // sequences with kv_len < q_len
  std::vector<std::string> notes;            // adjustments made to given axes

  std::int64_t total_q() const;
  std::int64_t total_kv() const;             // tokens
  std::int64_t num_kv_indices() const;       // pages (paged)
};

// Plans sequences for `definition` given the axes bound so far (`axes`,
// consts included); fills in batch_size, len_indptr, total_q, total_kv,
// num_kv_indices and num_pages where the definition has them. Fails when
// given axes contradict each other (e.g. len_indptr != batch_size + 1). A
// given num_pages below num_kv_indices (3 dataset workloads) is raised to
// num_kv_indices, with a note.
Result<SequencePlan> plan_sequences(const jit::Definition& definition, const IndexLayout& layout,
                                    AxisValues& axes, const SequenceOptions& options, Rng& rng);

// The tensor for index input `name` (qo_indptr, kv_indptr, kv_indices,
// kv_last_page_len) with `shape` and `dtype`; empty when `name` is not an
// index structure.
std::optional<HostTensor> build_index_tensor(const SequencePlan& plan, std::string_view name,
                                             Dtype dtype, const std::vector<std::int64_t>& shape);

// `count` distinct ids in [0, pool) in random order (empty when count <= 0).
// REQUIRES: count <= pool.
std::vector<std::int64_t> distinct_ids(std::int64_t count, std::int64_t pool, Rng& rng);

// Splits `total` into `parts` non-negative parts at random, each >= `min_each`
// when total allows (else as even as possible).
std::vector<std::int64_t> random_split(std::int64_t total, std::int64_t parts, std::int64_t min_each,
                                       Rng& rng);

}  // namespace kjit::runtime
