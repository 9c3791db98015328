// The correctness rule for sampling kernels: flashinfer-bench's
// SamplingEvaluator (flashinfer_bench/bench/evaluators/sampling.py),
// computed in C++ from sample counts, with two documented departures.
//
// flashinfer-bench's rule, per workload:
//   1. every sample is in [0, vocab) and inside the row's valid mask:
//      top-k (0 < k < vocab): probs >= the k-th largest value (any token tied
//      with the k-th value is allowed); top-p (0 < p < 1): tokens whose
//      cumulative sorted mass is <= p + eps (eps = 0.05), the first one
//      always; top_k_top_p: both masks, the top-p one over the raw row;
//   2. over >= 500,000 samples per row, the total variation distance
//      TVD = 1/2 sum |frequency - expected| between the sample frequencies
//      and expected = probs * mask renormalized must be <= 0.2.
// kjit's rule (SamplingRule defaults):
//   1. the same mask, united with the reference's own support (the tokens
//      the reference can return, reference/sampling.h): flashinfer-bench's
//      mask rejects the reference's own sample when the token crossing p
//      carries more than eps of mass (sorted masses 0.4, 0.4, 0.2 with
//      p = 0.5: the reference keeps two tokens, the mask one). Samples
//      inside the support but outside flashinfer-bench's mask are counted
//      (`outside_evaluator_mask`) but do not fail.
//   2. the TVD is taken against the reference's distribution (not the
//      eps-widened mask, which for a small p on a flat row holds far more
//      mass than the nucleus and would fail an exact sampler), with tokens
//      pooled: sorted by expected probability (descending, ties by index),
//      consecutive tokens form one group until the group expects at least
//      `min_group_count` samples; tokens outside the support form one group
//      expected empty. Why: on a flat row of 262k tokens, 500k samples leave
//      every token about 2 expected hits, and the per-token TVD of an exact
//      sampler is then ~0.25 from counting noise alone (above 0.2); pooled,
//      the noise is ~0.02 while a sampler that draws the wrong
//      probabilities still moves mass between groups. The per-token TVD and
//      its expected noise floor are reported beside it.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/reference/sampling.h"

namespace kjit::runtime {

struct SamplingRule {
  double tvd_threshold = 0.2;           // Default: 0.2 (flashinfer-bench's TVD_THRESHOLD_DEFAULT)
  double mask_eps = 0.05;               // Default: 0.05 (flashinfer-bench's top-p mask epsilon)
  std::int64_t min_samples = 500000;    // Default: 500000 per tested row (flashinfer-bench's num_trials)
  double min_group_count = 400;         // Default: 400 expected samples per pooled group
};

// flashinfer-bench's valid mask for one row (1 = allowed). `params` says which filters the
// definition has (its inputs) and their values.
std::vector<std::uint8_t> evaluator_mask(std::span<const double> probs, std::span<const std::int64_t> order,
                                         const reference::SamplingParams& params, double eps);

// kjit's mask: evaluator_mask | (distribution > 0).
std::vector<std::uint8_t> valid_mask(std::span<const double> probs, std::span<const std::int64_t> order,
                                     std::span<const double> distribution, const reference::SamplingParams& params,
                                     double eps);

// E|X - N q| / N for X ~ Binomial(N, q) (Poisson form below 30 expected hits, normal above).
double expected_abs_deviation(double q, std::int64_t n);

struct RowStats {
  std::int64_t row = 0;
  std::int64_t samples = 0;
  double tvd_pooled = 0;         // the gated statistic
  double tvd_token = 0;          // flashinfer-bench's statistic, against the reference distribution
  double noise_pooled = 0;       // expected tvd_pooled of an exact sampler
  double noise_token = 0;        // expected tvd_token of an exact sampler
  std::int64_t groups = 0;
  double max_abs_error = 0;      // max over tokens |frequency - expected|
  double max_rel_error = 0;      // same over expected (tokens with expected > 0)
  double outside_support = 0;    // frequency of tokens the reference never returns
  bool passed = false;

  nlohmann::ordered_json to_json() const;
};

// Statistics of one row's sample counts against its reference distribution.
RowStats row_stats(std::span<const std::uint64_t> counts, std::span<const double> distribution, const SamplingRule& rule);

}  // namespace kjit::runtime
