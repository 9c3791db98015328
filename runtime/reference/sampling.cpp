// The sampling references as distributions (see sampling.h), and their
// entry in the reference dispatcher: `samples` = the most probable token of
// each row's distribution (the reference draws at random; the mode is the
// deterministic stand-in, exact for argmax rows) and `filtered_probs`
// [batch, vocab] = the distributions themselves.
//
// Thread safety: pure functions; run_sampling spreads rows over call.threads.
#include "runtime/reference/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/reference/ops.h"
#include "runtime/reference/parallel.h"

namespace kjit::runtime::reference {
namespace {

double positive(double v) { return v > 0.0 ? v : 0.0; }  // NaN -> 0

std::vector<double> point_mass(std::size_t n, std::int64_t at) {
  std::vector<double> q(n, 0.0);
  if (at >= 0 && static_cast<std::size_t>(at) < n) q[static_cast<std::size_t>(at)] = 1.0;
  return q;
}

}  // namespace

std::vector<std::int64_t> sampling_order(std::span<const double> probs) {
  std::vector<std::int64_t> order(probs.size());
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return positive(probs[static_cast<std::size_t>(a)]) > positive(probs[static_cast<std::size_t>(b)]);
  });
  return order;
}

std::vector<double> sampling_distribution(std::span<const double> probs, const SamplingParams& params) {
  const std::vector<std::int64_t> order = sampling_order(probs);
  return sampling_distribution(probs, order, params);
}

std::vector<double> sampling_distribution(std::span<const double> probs, std::span<const std::int64_t> order,
                                          const SamplingParams& params) {
  const std::size_t n = probs.size();
  if (n == 0) return {};
  const std::int64_t argmax = order.front();  // first index of the maximum
  // The kept prefix of the sorted order: [0, kept).
  std::size_t kept = n;
  if (params.has_top_k && params.top_k > 0 && params.top_k < static_cast<std::int64_t>(n))
    kept = static_cast<std::size_t>(params.top_k);
  double mass_k = 0;
  for (std::size_t i = 0; i < kept; ++i) mass_k += positive(probs[static_cast<std::size_t>(order[i])]);
  if (params.has_top_p) {
    const double p = params.top_p;
    if (p <= 0.0) return point_mass(n, argmax);
    if (p < 1.0 && mass_k > 0) {
      // Renormalized by the top-k mass when top-k applied, the raw row otherwise (as the references).
      const double scale = kept < n ? mass_k : 1.0;
      double before = 0;  // mass of the sorted tokens before i
      std::size_t nucleus = 0;
      while (nucleus < kept && before <= p) {
        before += positive(probs[static_cast<std::size_t>(order[nucleus])]) / scale;
        ++nucleus;
      }
      kept = nucleus;
    }
  }
  std::vector<double> q(n, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < kept; ++i) {
    const std::size_t t = static_cast<std::size_t>(order[i]);
    q[t] = positive(probs[t]);
    total += q[t];
  }
  if (!(total > 0)) return point_mass(n, argmax);
  for (double& v : q) v /= total;
  return q;
}

std::int64_t sampling_mode(std::span<const double> distribution) {
  if (distribution.empty()) return -1;
  return std::max_element(distribution.begin(), distribution.end()) - distribution.begin();
}

namespace detail {

Result<TensorMap> run_sampling(const Call& call) {
  const RefTensor* probs = KJIT_TRY(input(call, "probs"));
  if (probs->shape.size() != 2) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': probs must be [batch_size, vocab_size], got ", shape_string(probs->shape)));
  }
  const std::int64_t batch = probs->shape[0], vocab = probs->shape[1];
  if (vocab <= 0) {
    return fail(ErrorCode::invalid_argument, str_cat("reference for '", call.def.name, "': vocab_size is ", vocab, ", nothing to sample from"));
  }
  std::vector<std::int64_t> top_k;
  const RefTensor* top_p = nullptr;
  if (has_input(call.def, "top_k")) top_k = KJIT_TRY(integers(call, "top_k"));
  if (has_input(call.def, "top_p")) top_p = KJIT_TRY(input(call, "top_p"));
  if ((has_input(call.def, "top_k") && static_cast<std::int64_t>(top_k.size()) != batch) ||
      (top_p && static_cast<std::int64_t>(top_p->data.size()) != batch)) {
    return fail(ErrorCode::invalid_argument,
                str_cat("reference for '", call.def.name, "': top_k / top_p must hold one value per row (", batch, ")"));
  }
  RefTensor samples = KJIT_TRY(make_output(call, "samples"));
  RefTensor filtered{{batch, vocab}, std::vector<double>(static_cast<std::size_t>(batch * vocab), 0.0)};
  parallel_for(static_cast<std::size_t>(batch), call.threads, [&](std::size_t row) {
    SamplingParams params;
    params.has_top_k = !top_k.empty();
    params.has_top_p = top_p != nullptr;
    if (params.has_top_k) params.top_k = top_k[row];
    if (params.has_top_p) params.top_p = top_p->data[row];
    const std::span<const double> row_probs(probs->data.data() + row * static_cast<std::size_t>(vocab),
                                            static_cast<std::size_t>(vocab));
    const std::vector<double> q = sampling_distribution(row_probs, params);
    std::copy(q.begin(), q.end(), filtered.data.begin() + static_cast<std::ptrdiff_t>(row * vocab));
    samples.data[row] = static_cast<double>(sampling_mode(q));
  });
  TensorMap out;
  out.emplace("samples", std::move(samples));
  out.emplace("filtered_probs", std::move(filtered));
  return out;
}

}  // namespace detail
}  // namespace kjit::runtime::reference
