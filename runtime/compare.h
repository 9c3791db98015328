// Output comparison with flashinfer-bench's correctness rule.
//
// flashinfer-bench (flashinfer_bench/bench/utils.py compute_error_stats and
// evaluators/default.py) checks, per output tensor and in this order:
//   1. shape equal, else INCORRECT_SHAPE;
//   2. dtype equal, else INCORRECT_DTYPE;
//   3. non-finite values in the output (policy below);
//   4. numbers: both sides cast to float32; an element fails when
//        |x - y| > atol  AND  |x - y| / (|y| + 1e-8) > rtol
//      (float32 arithmetic); matched_ratio = 1 - failed / numel; the tensor
//      is INCORRECT_NUMERICAL when matched_ratio < required_matched_ratio.
//      An empty tensor passes.
// Defaults: atol = rtol = 1e-2 (BenchmarkConfig); required_matched_ratio is
// None there, meaning 1.0 (every element must match). Per-op overrides come
// from flashinfer-bench's eval_config.yaml and LowBitEvaluator: op type
// "moe" and definitions whose name contains "moe_fp8_block_scale" require
// 0.95. (Sampling ops are judged by a distribution test there, not here.)
//
// Non-finite policy:
//   - NonFinite::kjit (default, per kjit's design): infinities of the same
//     sign at the same index are equal; NaN in both is equal; any other
//     non-finite on either side (NaN or inf in the output where the
//     reference is finite or different, or a non-finite reference against a
//     finite output) fails that element whatever the tolerances, with
//     infinite error. Attention outputs need this: lse is -inf for a query
//     row with no keys in the reference.
//   - NonFinite::flashinfer_bench: exactly flashinfer-bench: any inf in the
//     output makes the tensor INCORRECT_NUMERICAL with max errors inf, else
//     any NaN does with max errors NaN; non-finite reference values are then
//     compared with IEEE float32 arithmetic as torch does.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jit/definition/definition.h"
#include "runtime/host_tensor.h"

namespace kjit::runtime {

enum class CompareStatus { passed, incorrect_shape, incorrect_dtype, incorrect_numerical };

// "PASSED", "INCORRECT_SHAPE", "INCORRECT_DTYPE", "INCORRECT_NUMERICAL"
// (flashinfer-bench's EvaluationStatus names).
std::string_view to_string(CompareStatus status);

enum class NonFinite { kjit, flashinfer_bench };

struct Tolerance {
  double atol = 1e-2;                   // Default: 1e-2
  double rtol = 1e-2;                   // Default: 1e-2
  double required_matched_ratio = 1.0;  // Default: 1.0 (all elements)
  NonFinite non_finite = NonFinite::kjit;
};

// flashinfer-bench's tolerance for a definition: the defaults, with
// required_matched_ratio 0.95 for op type "moe" or a name containing
// "moe_fp8_block_scale".
Tolerance tolerance_for(std::string_view op_type, std::string_view definition_name);
Tolerance tolerance_for(const jit::Definition& definition);

// One failing element, for messages.
struct Mismatch {
  std::vector<std::int64_t> index;
  double output = 0.0;
  double reference = 0.0;
};

struct CompareReport {
  CompareStatus status = CompareStatus::passed;
  double max_abs_error = 0.0;
  double max_rel_error = 0.0;
  // Multi-dimensional index of the worst element: the failing element with
  // the largest absolute error, else the element with the largest error.
  // Empty when nothing was compared.
  std::vector<std::int64_t> worst_index;
  std::int64_t mismatched = 0;
  std::int64_t total = 0;
  double matched_ratio = 1.0;
  std::int64_t non_finite_mismatched = 0;  // part of `mismatched`
  std::vector<Mismatch> first_mismatches;  // up to 8, in index order
  std::string message;                     // one line, for logs

  bool passed() const { return status == CompareStatus::passed; }
};

// Compares `output` against `reference` under `tolerance`.
CompareReport compare_tensors(const HostTensor& output, const HostTensor& reference,
                              const Tolerance& tolerance = {});

}  // namespace kjit::runtime
