// The sampling correctness rule: masks and pooled total variation (see
// sampling_check.h).
//
// Thread safety: pure functions.
#include "runtime/sampling_check.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

namespace kjit::runtime {
namespace {

double positive(double v) { return v > 0.0 ? v : 0.0; }

}  // namespace

std::vector<std::uint8_t> evaluator_mask(std::span<const double> probs, std::span<const std::int64_t> order,
                                         const reference::SamplingParams& params, double eps) {
  const std::size_t n = probs.size();
  std::vector<std::uint8_t> mask(n, 1);
  if (n == 0) return mask;
  if (params.has_top_k && params.top_k > 0 && params.top_k < static_cast<std::int64_t>(n)) {
    // Any token >= the k-th largest value (ties at the pivot allowed).
    const double pivot = positive(probs[static_cast<std::size_t>(order[static_cast<std::size_t>(params.top_k - 1)])]);
    for (std::size_t i = 0; i < n; ++i) mask[i] = positive(probs[i]) >= pivot ? 1 : 0;
  }
  if (params.has_top_p && params.top_p > 0.0 && params.top_p < 1.0) {
    // Sorted tokens whose cumulative mass (inclusive) is <= p + eps, at least the first; over the
    // raw row, also for top_k_top_p (as flashinfer-bench computes it).
    std::vector<std::uint8_t> nucleus(n, 0);
    double cdf = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t t = static_cast<std::size_t>(order[i]);
      cdf += positive(probs[t]);
      if (cdf <= params.top_p + eps || i == 0) nucleus[t] = 1;
    }
    for (std::size_t i = 0; i < n; ++i) mask[i] = mask[i] && nucleus[i];
  }
  return mask;
}

std::vector<std::uint8_t> valid_mask(std::span<const double> probs, std::span<const std::int64_t> order,
                                     std::span<const double> distribution, const reference::SamplingParams& params,
                                     double eps) {
  std::vector<std::uint8_t> mask = evaluator_mask(probs, order, params, eps);
  for (std::size_t i = 0; i < mask.size() && i < distribution.size(); ++i)
    if (distribution[i] > 0) mask[i] = 1;
  return mask;
}

double expected_abs_deviation(double q, std::int64_t n) {
  if (n <= 0 || !(q > 0)) return 0;
  const double lambda = q * static_cast<double>(n);
  if (lambda < 30) {
    // Poisson: E|X - l| = 2 l^(floor(l)+1) e^-l / floor(l)!
    const double f = std::floor(lambda);
    return 2.0 * std::exp((f + 1) * std::log(lambda) - lambda - std::lgamma(f + 1)) / static_cast<double>(n);
  }
  return std::sqrt(2.0 * q * (1.0 - std::min(q, 1.0)) / (std::numbers::pi * static_cast<double>(n)));
}

nlohmann::ordered_json RowStats::to_json() const {
  return {{"row", row},
          {"samples", samples},
          {"tvd_pooled", tvd_pooled},
          {"noise_pooled", noise_pooled},
          {"groups", groups},
          {"tvd_token", tvd_token},
          {"noise_token", noise_token},
          {"max_abs_error", max_abs_error},
          {"outside_support", outside_support},
          {"passed", passed}};
}

RowStats row_stats(std::span<const std::uint64_t> counts, std::span<const double> distribution, const SamplingRule& rule) {
  RowStats s;
  const std::size_t n = std::min(counts.size(), distribution.size());
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < n; ++i) total += counts[i];
  s.samples = static_cast<std::int64_t>(total);
  if (total == 0) return s;
  const double inv = 1.0 / static_cast<double>(total);

  // Per token (flashinfer-bench's statistic) and the tokens outside the support.
  for (std::size_t i = 0; i < n; ++i) {
    const double f = static_cast<double>(counts[i]) * inv, q = distribution[i];
    const double d = std::fabs(f - q);
    s.tvd_token += 0.5 * d;
    s.noise_token += 0.5 * expected_abs_deviation(q, s.samples);
    s.max_abs_error = std::max(s.max_abs_error, d);
    if (q > 0) s.max_rel_error = std::max(s.max_rel_error, d / q);
    if (!(q > 0)) s.outside_support += f;
  }

  // Pooled: support tokens by expected probability (descending, ties by index).
  std::vector<std::size_t> support;
  for (std::size_t i = 0; i < n; ++i)
    if (distribution[i] > 0) support.push_back(i);
  std::stable_sort(support.begin(), support.end(),
                   [&](std::size_t a, std::size_t b) { return distribution[a] > distribution[b]; });
  const double group_mass = rule.min_group_count * inv;  // expected mass of a full group
  std::vector<std::pair<double, double>> groups;         // (expected, observed) mass
  double q_acc = 0, f_acc = 0;
  for (std::size_t t : support) {
    q_acc += distribution[t];
    f_acc += static_cast<double>(counts[t]) * inv;
    if (q_acc >= group_mass) {
      groups.emplace_back(q_acc, f_acc);
      q_acc = f_acc = 0;
    }
  }
  if (q_acc > 0 || f_acc > 0) {  // a short last group joins the one before it
    if (groups.empty()) {
      groups.emplace_back(q_acc, f_acc);
    } else {
      groups.back().first += q_acc;
      groups.back().second += f_acc;
    }
  }
  s.groups = static_cast<std::int64_t>(groups.size());
  for (const auto& [q, f] : groups) {
    s.tvd_pooled += 0.5 * std::fabs(f - q);
    s.noise_pooled += 0.5 * expected_abs_deviation(q, s.samples);
  }
  s.tvd_pooled += 0.5 * s.outside_support;  // the outside group expects nothing
  s.passed = s.tvd_pooled <= rule.tvd_threshold;
  return s;
}

}  // namespace kjit::runtime
