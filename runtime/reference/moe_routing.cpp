// moe_route and topk_indices; semantics in moe_routing.h.
//
// Thread safety: pure functions.
#include "runtime/reference/moe_routing.h"

#include <cmath>
#include <limits>

#include "runtime/dtype_convert.h"

namespace kjit::runtime::reference {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// NaN ranks below every number (and below -inf).
bool ranks_above(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a > b;
}

void route_deepseek(const MoeStructure& s, const double* logits, std::span<const double> bias, double rsf,
                    std::int64_t* expert, double* weight) {
  const std::int64_t e = s.routed_experts, group_size = e / s.n_group;
  std::vector<double> sig(static_cast<std::size_t>(e)), biased(static_cast<std::size_t>(e));
  for (std::int64_t i = 0; i < e; ++i) {
    sig[i] = sigmoid(logits[i]);
    biased[i] = sig[i] + bias[static_cast<std::size_t>(i)];
  }
  std::vector<char> eligible(static_cast<std::size_t>(e), 1);
  if (s.n_group > 1) {
    std::vector<double> group_score(static_cast<std::size_t>(s.n_group));
    for (std::int64_t g = 0; g < s.n_group; ++g) {
      const auto top2 = topk_indices(biased.data() + g * group_size, group_size, 2);
      group_score[g] = biased[g * group_size + top2[0]] + biased[g * group_size + top2[1]];
    }
    const auto groups = topk_indices(group_score.data(), s.n_group, s.topk_group);
    std::fill(eligible.begin(), eligible.end(), 0);
    for (auto g : groups) std::fill_n(eligible.begin() + g * group_size, group_size, 1);
  }
  const auto picked = topk_indices(biased.data(), e, s.top_k, &eligible);
  double sum = 0.0;
  for (auto i : picked) sum += sig[i];
  for (std::int64_t k = 0; k < s.top_k; ++k) {
    expert[k] = picked[k];
    weight[k] = sig[picked[k]] / (sum + 1e-20) * rsf;
  }
}

void route_renormalize(const MoeStructure& s, const double* logits, std::int64_t* expert, double* weight) {
  const auto picked = topk_indices(logits, s.routed_experts, s.top_k);
  double mx = -std::numeric_limits<double>::infinity();
  for (auto i : picked) mx = std::max(mx, logits[i]);
  double sum = 0.0;
  for (std::int64_t k = 0; k < s.top_k; ++k) {
    expert[k] = picked[k];
    weight[k] = std::exp(logits[picked[k]] - mx);
    sum += weight[k];
  }
  for (std::int64_t k = 0; k < s.top_k; ++k) weight[k] /= sum;
}

void route_llama4(const MoeStructure& s, const double* logits, std::int64_t* expert, double* weight) {
  const auto picked = topk_indices(logits, s.routed_experts, s.top_k);
  for (std::int64_t k = 0; k < s.top_k; ++k) {
    expert[k] = picked[k];
    weight[k] = sigmoid(logits[picked[k]]);
  }
}

}  // namespace

std::vector<std::int64_t> topk_indices(const double* values, std::int64_t n, std::int64_t k,
                                       const std::vector<char>* eligible) {
  std::vector<std::int64_t> picked;
  std::vector<char> taken(static_cast<std::size_t>(n), 0);
  for (std::int64_t round = 0; round < k; ++round) {
    std::int64_t best = -1;
    for (std::int64_t i = 0; i < n; ++i) {
      if (taken[i] || (eligible != nullptr && !(*eligible)[i])) continue;
      if (best < 0 || ranks_above(values[i], values[best])) best = i;
    }
    if (best < 0) break;  // fewer eligible entries than k (callers prevent it)
    taken[best] = 1;
    picked.push_back(best);
  }
  return picked;
}

MoeRoutes moe_route(const MoeStructure& s, std::int64_t tokens, const MoeRoutingInputs& in) {
  MoeRoutes r;
  r.tokens = tokens;
  r.top_k = s.top_k;
  r.expert.assign(static_cast<std::size_t>(tokens * s.top_k), -1);
  r.weight.assign(static_cast<std::size_t>(tokens * s.top_k), 0.0);
  for (std::int64_t t = 0; t < tokens; ++t) {
    std::int64_t* expert = r.expert.data() + t * s.top_k;
    double* weight = r.weight.data() + t * s.top_k;
    const double* logits = in.logits.empty() ? nullptr : in.logits.data() + t * s.routed_experts;
    switch (s.routing) {
      case MoeRouting::deepseek: route_deepseek(s, logits, in.bias, in.routed_scaling_factor, expert, weight); break;
      case MoeRouting::renormalize: route_renormalize(s, logits, expert, weight); break;
      case MoeRouting::llama4: route_llama4(s, logits, expert, weight); break;
      case MoeRouting::precomputed:
        for (std::int64_t k = 0; k < s.top_k; ++k) {
          const auto id = static_cast<std::int32_t>(static_cast<std::int64_t>(in.topk_ids[t * s.top_k + k]));
          expert[k] = id >> 16;  // arithmetic shift, as torch's >> on int32
          weight[k] = bf16_bits_to_float(static_cast<std::uint16_t>(static_cast<std::uint32_t>(id) & 0xFFFFu));
        }
        break;
    }
  }
  return r;
}

}  // namespace kjit::runtime::reference
