// MoE routing in float64, as the definitions' references compute it: which
// top_k experts each token picks and the weight of each pick. Used by the
// MoE reference (moe.cpp) and by the perf model (which experts' weights a
// workload touches).
//
// Semantics per form (moe_structure.h):
//   deepseek     s = sigmoid(logit), b = s + bias; group score = sum of the
//                two largest b in the group; keep the TOPK_GROUP best groups;
//                top_k of b among the kept experts; weight = s / (sum of the
//                selected s + 1e-20) * routed_scaling_factor.
//   renormalize  top_k of the logits; weight = softmax of the selected logits.
//   llama4       top_k of sigmoid(logit) (the same order as the logits);
//                weight = sigmoid(logit).
//   precomputed  expert = topk_ids >> 16 (arithmetic), weight = the bf16 in
//                the low 16 bits.
// Every top-k orders by value, descending, and takes the lower index first
// among equal values (NaN ranks below every number), so the kernel, which
// does the same, picks the same experts on ties (frequent with bf16 logits).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "runtime/reference/moe_structure.h"

namespace kjit::runtime::reference {

struct MoeRoutes {
  std::int64_t tokens = 0;
  std::int64_t top_k = 0;
  std::vector<std::int64_t> expert;  // [tokens * top_k] global expert id (any value for precomputed)
  std::vector<double> weight;        // [tokens * top_k]
};

struct MoeRoutingInputs {
  std::span<const double> logits;    // [tokens, routed_experts] (not precomputed)
  std::span<const double> bias;      // [routed_experts] (deepseek; empty otherwise)
  std::span<const double> topk_ids;  // [tokens, top_k] int32 values (precomputed)
  double routed_scaling_factor = 1.0;
};

// Routes `tokens` tokens. REQUIRES: the spans hold the sizes above.
MoeRoutes moe_route(const MoeStructure& s, std::int64_t tokens, const MoeRoutingInputs& in);

// Indices of the `k` largest of `values` (n of them), in selection order:
// descending value, lower index first among equals, NaN below every number.
// `eligible` (optional, n flags) excludes entries. REQUIRES: k <= n.
std::vector<std::int64_t> topk_indices(const double* values, std::int64_t n, std::int64_t k,
                                       const std::vector<char>* eligible = nullptr);

}  // namespace kjit::runtime::reference
