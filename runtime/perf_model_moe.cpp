// moe_perf_counts: the bytes and FLOPs of one fused-MoE workload (formula in
// perf_model.h). The workload is routed on the host with the reference's
// routing (moe_routing.h), so the counts follow the experts this workload's
// tokens actually pick: at decode sizes the weights of the experts no token
// picks are never read, and counting them would overstate the bandwidth.
//
// Thread safety: pure function.
#include <set>

#include "runtime/perf_model.h"
#include "runtime/reference/moe_routing.h"

namespace kjit::runtime {
namespace {

using AxisMap = std::map<std::string, std::int64_t>;

std::vector<double> doubles(const std::map<std::string, HostTensor>& inputs, const std::string& name) {
  auto it = inputs.find(name);
  return it == inputs.end() ? std::vector<double>{} : it->second.to_doubles();
}

double numel_bytes(const jit::TensorSpec& spec, const AxisMap& axes) {
  std::int64_t numel = 1;
  if (spec.shape) {
    for (const auto& dim : *spec.shape) {
      auto it = axes.find(dim);
      numel *= it == axes.end() ? 0 : it->second;
    }
  }
  return static_cast<double>(storage_bytes(spec.dtype, numel));
}

bool per_expert(const std::string& name) {
  return name == "gemm1_weights" || name == "gemm2_weights" || name == "gemm1_weights_scale" ||
         name == "gemm2_weights_scale";
}

}  // namespace

PerfCounts moe_perf_counts(const jit::Definition& def, const AxisMap& axes, const std::map<std::string, HostTensor>& inputs) {
  PerfCounts counts;
  counts.flops_formula = "2*pairs*3*I*H";
  auto s = reference::moe_structure(def, axes);
  if (!s) return counts;
  const auto hs = def.find_input("hidden_states");
  const std::int64_t tokens = axes.contains((*hs->shape)[0]) ? axes.at((*hs->shape)[0]) : 0;

  reference::MoeRoutingInputs in;
  const auto logits = doubles(inputs, "routing_logits");
  const auto bias = doubles(inputs, "routing_bias");
  const auto ids = doubles(inputs, "topk_ids");
  const auto rsf = doubles(inputs, "routed_scaling_factor");
  const auto offset_v = doubles(inputs, "local_expert_offset");
  const bool routable = s->routing == reference::MoeRouting::precomputed
                            ? static_cast<std::int64_t>(ids.size()) == tokens * s->top_k
                            : static_cast<std::int64_t>(logits.size()) == tokens * s->routed_experts &&
                                  (s->routing != reference::MoeRouting::deepseek ||
                                   static_cast<std::int64_t>(bias.size()) == s->routed_experts);
  std::set<std::int64_t> touched;
  double pairs = 0;
  if (routable) {
    in.logits = logits;
    in.bias = bias;
    in.topk_ids = ids;
    if (!rsf.empty()) in.routed_scaling_factor = rsf[0];
    const std::int64_t offset = offset_v.empty() ? 0 : static_cast<std::int64_t>(offset_v[0]);
    const auto routes = reference::moe_route(*s, tokens, in);
    for (std::int64_t e : routes.expert) {
      const std::int64_t local = e - offset;
      if (local < 0 || local >= s->local_experts) continue;
      touched.insert(local);
      pairs += 1;
    }
  }
  const double used = static_cast<double>(touched.size()) / static_cast<double>(s->local_experts);
  for (const auto& spec : def.inputs) counts.bytes += numel_bytes(spec, axes) * (per_expert(spec.name) ? used : 1.0);
  for (const auto& spec : def.outputs) counts.bytes += numel_bytes(spec, axes);
  counts.flops = 2.0 * pairs * 3.0 * static_cast<double>(s->intermediate) * static_cast<double>(s->hidden);
  return counts;
}

}  // namespace kjit::runtime
