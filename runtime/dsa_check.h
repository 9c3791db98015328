// The comparison rules of DeepSeek sparse attention (op_type dsa_paged):
// flashinfer-bench's DsaTopkIndexerEvaluator and DsaSparseAttentionEvaluator
// (flashinfer_bench/bench/evaluators/dsa_topk_indexer.py and
// dsa_sparse_attention.py), in C++.
//
// Top-k indexer (a dsa_paged definition with output `topk_indices`): the
// indices are judged as a set, by the scores they select, never position by
// position. Per batch row of the kernel's output:
//   1. reachability: every index >= 0 must name a page found in the row's
//      block_table (first matching column c) with c * page_size + offset <
//      seq_lens[row]; else INCORRECT_NUMERICAL, errors inf ("out-of-range
//      indices in batch [rows]"). Negative indices are padding (any negative,
//      as the evaluator's `indices >= 0`).
//   2. no index >= 0 twice; else INCORRECT_NUMERICAL, errors inf ("duplicate
//      indices in batch [rows]").
//   3. the scores (dsa.h) at the reference's and at the kernel's indices
//      (padding: -inf), each row sorted descending, compared element by
//      element: both -inf (or both NaN) match; one finite and one not is a
//      mismatch with infinite error; finite pairs fail when |x - y| > atol and
//      |x - y| / (|y| + 1e-8) > rtol (float32, as the evaluator's torch
//      float32 math); matched_ratio = 1 - failed / elements must reach
//      required_matched_ratio (1.0). So a tie at the k-th score may be broken
//      either way, and -1 padding must sit exactly where the reference pads.
// Scores are computed in float64 from the dequantized cache (the evaluator
// uses float32 bmm); compared in float32.
//
// Sparse attention (a dsa_paged definition with input `sparse_indices`): per
// output (output, lse): shape, dtype, then any inf in the kernel's tensor,
// else any NaN, is INCORRECT_NUMERICAL (errors inf / NaN), then
// flashinfer-bench's tolerance rule: compare_tensors with
// NonFinite::flashinfer_bench. Note: a token whose indices are all -1 has
// lse -inf in the reference, and the evaluator rejects any inf in the
// kernel's lse, so such a token can never pass; kjit's generated inputs give
// every token at least one valid index.
//
// flashinfer-bench picks these evaluators by definition name
// (dsa_topk_indexer*, the two dataset sparse-attention names); kjit by
// structure, so definitions derived by `kjit model` get the same rules.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jit/definition/definition.h"
#include "runtime/compare.h"
#include "runtime/host_tensor.h"
#include "runtime/reference/reference.h"

namespace kjit::runtime {

enum class DsaRule { none, topk_indexer, sparse_attention };

// Which DSA rule judges `def` (none for every other op).
DsaRule dsa_rule_for(const jit::Definition& def);

// The evaluator's name: "DsaTopkIndexerEvaluator", "DsaSparseAttentionEvaluator", "".
std::string_view dsa_evaluator_name(DsaRule rule);

struct DsaIndexerReport {
  CompareReport compare;                         // status, errors, matched ratio, samples
  std::vector<std::int64_t> out_of_range_rows;   // step 1
  std::vector<std::int64_t> duplicate_rows;      // step 2
  std::int64_t padded_reference = 0;             // -1 entries in the reference
  std::int64_t padded_output = 0;                // negative entries in the kernel's output

  // {"evaluator", "status", "max_abs", "max_rel", "matched_ratio",
  //  "mismatched", "total", "out_of_range_rows", "duplicate_rows",
  //  "padded_reference", "padded_output"}
  nlohmann::ordered_json figures() const;
};

// The indexer rule. `inputs` are the definition's inputs in float64 (as for
// run_reference); `output` and `reference` int32 [batch, topk].
// Errors: invalid_argument when the inputs are malformed (indexer_problem).
Result<DsaIndexerReport> compare_dsa_topk_indices(const jit::Definition& def, const reference::TensorMap& inputs,
                                                  const HostTensor& output, const HostTensor& reference,
                                                  const Tolerance& tolerance = {});

// The rule for output `output_name` of `def` when a DSA rule judges it (the
// report and, in `figures`, the evaluator's figures); empty for other
// definitions, which use compare_tensors.
std::optional<Result<CompareReport>> compare_dsa_output(const jit::Definition& def, const std::string& output_name,
                                                        const reference::TensorMap& inputs, const HostTensor& output,
                                                        const HostTensor& reference, const Tolerance& tolerance,
                                                        nlohmann::ordered_json& figures);

}  // namespace kjit::runtime
