// The sampling definitions' reference math (top_k / top_p / top_k_top_p
// sampling from probabilities), as a distribution: the probability with
// which the reference returns each token of a row. The reference itself
// draws one token at random (torch.multinomial); what can be checked is the
// distribution it draws from, so kjit's statistical rule
// (runtime/sampling_check.h) compares a kernel's sample frequencies with it.
//
// Semantics, per row of `vocab` probabilities p (float32 in the definitions,
// here as doubles), `sorted` = descending by value, ties by lower index (what
// torch's sort returns, on the CPU and with CUDA's stable radix sort):
//   top-k (an input top_k): when 0 < k < vocab, keep the first k tokens of
//     the sorted row, renormalize; otherwise keep everything.
//   top-p (an input top_p): p <= 0: the argmax (first index of the maximum;
//     after top-k when both apply, which keeps the maximum); 0 < p < 1: walk
//     the sorted (renormalized) row, keeping a token while the mass before it
//     is <= p (the token that crosses p is kept); p >= 1 or NaN: no filter.
//   then draw in proportion to the kept probabilities.
// Values that are not > 0 (zero, negative, NaN) count as zero. A row whose
// kept mass is zero (the reference divides by zero) gets the kernels'
// documented answer: the argmax, with probability 1.
// Arithmetic is float64 (the reference's float32 cumulative sums can differ
// in the last bits at the nucleus boundary; flashinfer-bench's mask allows
// for that with its epsilon, see sampling_check.h).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kjit::runtime::reference {

struct SamplingParams {
  bool has_top_k = false;
  bool has_top_p = false;
  std::int64_t top_k = 0;
  double top_p = 1.0;
};

// The token order the references sort by: descending value, ties by lower
// index; non-positive and NaN values as zero.
std::vector<std::int64_t> sampling_order(std::span<const double> probs);

// The reference's distribution over the row's tokens (sums to 1).
std::vector<double> sampling_distribution(std::span<const double> probs, const SamplingParams& params);

// The same, given the row's sampling_order (to share one sort with the mask).
std::vector<double> sampling_distribution(std::span<const double> probs, std::span<const std::int64_t> order,
                                          const SamplingParams& params);

// The most probable token of the distribution (lowest index on ties).
std::int64_t sampling_mode(std::span<const double> distribution);

}  // namespace kjit::runtime::reference
