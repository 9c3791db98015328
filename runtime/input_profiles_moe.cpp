// Input profiles of op_type "moe" (see input_profiles_moe.h).
//
// Thread safety: functions only.
#include "runtime/input_profiles_moe.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/reference/moe_structure.h"

namespace kjit::runtime {
namespace {

using reference::MoeRouting;

HostTensor* find_mut(InputSet& set, std::string_view name) {
  for (auto& [n, t] : set.inputs)
    if (n == name) return &t;
  return nullptr;
}

Error missing(const jit::Definition& def, std::string_view profile, std::string_view what) {
  return Error{ErrorCode::invalid_argument, def.name + ": input profile '" + std::string(profile) + "' needs " + std::string(what), {}};
}

// The expert every token picks in one_expert: a local one for DeepSeek.
std::int64_t chosen_expert(const reference::MoeStructure& s, const InputSet& set, Rng& rng) {
  if (s.routing == MoeRouting::deepseek) {
    const HostTensor* off = set.find("local_expert_offset");
    const std::int64_t base = off && off->numel() == 1 ? off->get_int(0) : 0;
    return std::clamp<std::int64_t>(base + rng.uniform_int(0, s.local_experts - 1), 0, s.routed_experts - 1);
  }
  const std::int64_t experts = s.routing == MoeRouting::precomputed ? s.local_experts : s.routed_experts;
  return rng.uniform_int(0, experts - 1);
}

Result<void> rewrite_logits(const jit::Definition& def, std::string_view profile, const reference::MoeStructure& s,
                            InputSet& set, std::int64_t chosen) {
  HostTensor* logits = find_mut(set, "routing_logits");
  if (!logits || logits->rank() != 2 || logits->shape[1] != s.routed_experts)
    return std::unexpected(missing(def, profile, "a routing_logits input [seq_len, num_experts]"));
  const std::int64_t tokens = logits->shape[0], experts = logits->shape[1];
  for (std::int64_t t = 0; t < tokens; ++t) {
    if (profile == "one_expert") {
      double top = -std::numeric_limits<double>::infinity();
      for (std::int64_t e = 0; e < experts; ++e) top = std::max(top, logits->get(t * experts + e));
      logits->set(t * experts + chosen, top + 1.0);
    } else {  // half_empty
      for (std::int64_t e = 1; e < experts; e += 2) logits->set(t * experts + e, -30.0);
    }
  }
  return {};
}

Result<void> rewrite_bias(const jit::Definition& def, std::string_view profile, const reference::MoeStructure& s,
                          InputSet& set, std::int64_t chosen) {
  HostTensor* bias = find_mut(set, "routing_bias");
  if (!bias || bias->numel() != s.routed_experts) return std::unexpected(missing(def, profile, "a routing_bias input [num_experts]"));
  if (profile == "one_expert") {
    bias->set(chosen, bias->get(chosen) + 32.0);
  } else if (profile == "half_empty") {
    for (std::int64_t e = 1; e < s.routed_experts; e += 2) bias->set(e, -32.0);
  } else {  // no_local
    const HostTensor* off = set.find("local_expert_offset");
    const std::int64_t base = off && off->numel() == 1 ? off->get_int(0) : 0;
    for (std::int64_t e = std::max<std::int64_t>(base, 0); e < std::min(base + s.local_experts, s.routed_experts); ++e)
      bias->set(e, -32.0);
  }
  return {};
}

// topk_ids: (expert << 16) | bf16 weight bits; the weights are kept.
Result<void> rewrite_ids(const jit::Definition& def, std::string_view profile, const reference::MoeStructure& s,
                         InputSet& set, std::int64_t chosen, Rng& rng) {
  HostTensor* ids = find_mut(set, "topk_ids");
  if (!ids || ids->rank() != 2 || ids->shape[1] != s.top_k) return std::unexpected(missing(def, profile, "a topk_ids input [seq_len, top_k]"));
  const std::int64_t tokens = ids->shape[0], k = ids->shape[1];
  for (std::int64_t t = 0; t < tokens; ++t) {
    std::vector<std::int64_t> expert(static_cast<std::size_t>(k)), low(static_cast<std::size_t>(k));
    for (std::int64_t j = 0; j < k; ++j) {
      const std::int64_t v = ids->get_int(t * k + j);
      expert[static_cast<std::size_t>(j)] = v >> 16;
      low[static_cast<std::size_t>(j)] = v & 0xFFFF;
    }
    if (profile == "one_expert") {
      auto it = std::find(expert.begin(), expert.end(), chosen);
      if (it != expert.end()) std::iter_swap(it, expert.begin());
      else expert[0] = chosen;
    } else {  // half_empty: distinct even experts
      std::vector<std::int64_t> pool;
      for (std::int64_t e = 0; e < s.local_experts; e += 2) pool.push_back(e);
      for (std::int64_t j = 0; j < k; ++j) {
        const std::int64_t r = rng.uniform_int(j, static_cast<std::int64_t>(pool.size()) - 1);
        std::swap(pool[static_cast<std::size_t>(j)], pool[static_cast<std::size_t>(r)]);
        expert[static_cast<std::size_t>(j)] = pool[static_cast<std::size_t>(j)];
      }
    }
    for (std::int64_t j = 0; j < k; ++j)
      ids->set_int(t * k + j, static_cast<std::int64_t>(static_cast<std::int32_t>(
                                  static_cast<std::uint32_t>(expert[static_cast<std::size_t>(j)]) << 16 |
                                  static_cast<std::uint32_t>(low[static_cast<std::size_t>(j)]))));
  }
  return {};
}

}  // namespace

std::vector<std::string> moe_input_profiles(const jit::Definition& def) {
  if (def.op_type != "moe") return {};
  auto s = reference::moe_structure(def);
  if (!s) return {};
  std::vector<std::string> names = {"one_expert"};
  // half_empty needs top_k distinct even experts.
  const std::int64_t experts = s->routing == MoeRouting::precomputed ? s->local_experts : s->routed_experts;
  if ((experts + 1) / 2 >= s->top_k) names.push_back("half_empty");
  if (s->routing == MoeRouting::deepseek && s->local_experts < s->routed_experts) names.push_back("no_local");
  return names;
}

Result<void> apply_moe_input_profile(const jit::Definition& def, std::string_view profile, InputSet& set, Rng& rng) {
  auto s = KJIT_TRY(reference::moe_structure(def, set.binding.values));
  const std::int64_t chosen = chosen_expert(s, set, rng);
  switch (s.routing) {
    case MoeRouting::precomputed: KJIT_TRY_VOID(rewrite_ids(def, profile, s, set, chosen, rng)); break;
    case MoeRouting::deepseek: KJIT_TRY_VOID(rewrite_bias(def, profile, s, set, chosen)); break;
    case MoeRouting::llama4:
    case MoeRouting::renormalize: KJIT_TRY_VOID(rewrite_logits(def, profile, s, set, chosen)); break;
  }
  set.notes.push_back("inputs: profile '" + std::string(profile) + "' (runtime/input_profiles_moe.h)");
  return {};
}

}  // namespace kjit::runtime
