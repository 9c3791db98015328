// PerfModel of DeepSeek sparse attention (op_type dsa_paged): the bytes each
// op must move at least and its FLOPs, read from the actual inputs (the
// caches are gathered, so their declared size says nothing).
//
// Sparse attention: bytes = q_nope + q_pe + sparse_indices + output + lse +
// the gathered cache rows, (ckv + kpe) * 2 bytes for every sparse_indices
// entry >= 0 (2048 x 576 x 2 bytes per token when no entry is padding: the
// "gathered KV bytes" of issue #23); FLOPs = valid entries * num_qo_heads *
// 2 * (ckv + kpe + ckv).
// Indexer: bytes = q_index_fp8 + weights + seq_lens + the block-table entries
// the sequences use + topk_indices + the FP8 key-cache bytes of the
// sequences' tokens, sum_b seq_lens[b] * (D + 4) ("the FP8 K-cache bytes of
// the sequences"); FLOPs = sum_b seq_lens[b] * num_index_heads * 2 * D (the
// scores; the ReLU, weights and top-k are not counted).
//
// Thread safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "jit/definition/definition.h"
#include "runtime/host_tensor.h"
#include "runtime/perf_model.h"

namespace kjit::runtime {

// The counts for a dsa_paged definition; empty for any other.
std::optional<PerfCounts> dsa_perf_counts(const jit::Definition& def, const std::map<std::string, std::int64_t>& axes,
                                          const std::map<std::string, HostTensor>& inputs);

}  // namespace kjit::runtime
