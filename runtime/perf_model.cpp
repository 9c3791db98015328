// PerfModel: bytes and FLOPs per op type (formulas in perf_model.h).
//
// Thread safety: pure functions.
#include "runtime/perf_model.h"

#include <algorithm>
#include <vector>

#include "runtime/dsa_perf.h"

namespace kjit::runtime {
namespace {

using AxisMap = std::map<std::string, std::int64_t>;

std::int64_t axis(const AxisMap& axes, const std::string& name, std::int64_t fallback = 0) {
  auto it = axes.find(name);
  return it == axes.end() ? fallback : it->second;
}

double tensor_bytes(const jit::TensorSpec& spec, const AxisMap& axes) {
  std::int64_t numel = 1;
  if (spec.shape) {
    for (const std::string& dim : *spec.shape) numel *= axis(axes, dim);
  }
  double bytes = static_cast<double>(storage_bytes(spec.dtype, numel));
  // Recurrent state pools (gdn mtp, mamba_ssu): only the slots the batch
  // names are read or written.
  if (spec.shape && !spec.shape->empty() && (spec.shape->front() == "pool_size" || spec.shape->front() == "state_cache_size")) {
    std::int64_t slots = axis(axes, spec.shape->front());
    std::int64_t used = axis(axes, "batch_size", slots);
    if (slots > 0) bytes = bytes * static_cast<double>(std::min(used, slots)) / static_cast<double>(slots);
  }
  if (spec.shape && !spec.shape->empty() && spec.shape->front() == "num_pages") {
    std::int64_t pages = axis(axes, "num_pages");
    std::int64_t used = axis(axes, "num_kv_indices", pages);
    if (pages > 0) bytes = bytes * static_cast<double>(std::min(used, pages)) / static_cast<double>(pages);
  }
  return bytes;
}

std::vector<std::int64_t> diffs(const HostTensor& indptr, std::int64_t count) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < count && i + 1 < indptr.numel(); ++i)
    out.push_back(indptr.get_int(i + 1) - indptr.get_int(i));
  return out;
}

// Attention (query row, key) pairs over the batch.
double attention_pairs(const jit::Definition& def, const AxisMap& axes, const std::map<std::string, HostTensor>& inputs) {
  auto kv_it = inputs.find("kv_indptr");
  if (kv_it == inputs.end()) return 0;
  std::int64_t len_indptr = axis(axes, "len_indptr", kv_it->second.numel());
  std::int64_t batch = axis(axes, "batch_size", len_indptr - 1);
  std::vector<std::int64_t> kv = diffs(kv_it->second, batch);
  const bool paged = def.find_input("kv_indices") != nullptr;
  if (paged) {
    // kv_indptr counts pages: tokens = pages * page_size, or with a partial
    // last page (pages - 1) * page_size + last_page_len.
    std::int64_t page_size = axis(axes, "page_size", 1);
    auto last_it = inputs.find("kv_last_page_len");
    for (std::size_t i = 0; i < kv.size(); ++i) {
      std::int64_t pages = kv[i];
      if (pages <= 0) {
        kv[i] = 0;
      } else if (last_it != inputs.end() && static_cast<std::int64_t>(i) < last_it->second.numel()) {
        kv[i] = (pages - 1) * page_size + last_it->second.get_int(static_cast<std::int64_t>(i));
      } else {
        kv[i] = pages * page_size;
      }
    }
  }
  double pairs = 0;
  auto qo_it = inputs.find("qo_indptr");
  if (qo_it == inputs.end()) {
    for (std::int64_t k : kv) pairs += static_cast<double>(k);  // decode: one query row each
    return pairs;
  }
  std::vector<std::int64_t> q = diffs(qo_it->second, static_cast<std::int64_t>(kv.size()));
  for (std::size_t i = 0; i < q.size(); ++i) pairs += static_cast<double>(causal_pairs(q[i], kv[i]));
  return pairs;
}

}  // namespace

std::int64_t causal_pairs(std::int64_t q, std::int64_t kv) {
  std::int64_t pairs = 0;
  for (std::int64_t j = 0; j < q; ++j) pairs += std::clamp<std::int64_t>(kv - q + j + 1, 0, kv);
  return pairs;
}

PerfCounts perf_counts(const jit::Definition& def, const AxisMap& axes, const std::map<std::string, HostTensor>& inputs) {
  if (auto dsa = dsa_perf_counts(def, axes, inputs)) return *dsa;  // gathered caches (dsa_perf.h)
  if (def.op_type == "moe") return moe_perf_counts(def, axes, inputs);
  PerfCounts counts;
  for (const auto& spec : def.inputs) counts.bytes += tensor_bytes(spec, axes);
  for (const auto& spec : def.outputs) {
    // gdn mtp's final_state is initial_state unchanged: nothing to write in place.
    if (def.op_type == "gdn" && spec.name == "final_state") continue;
    counts.bytes += tensor_bytes(spec, axes);
  }
  if (def.op_type == "rope") {
    // The cos/sin cache is read only at the tokens' positions: at most min(num_tokens, max_seq_len) rows.
    if (const jit::TensorSpec* cache = def.find_input("cos_sin_cache")) {
      const std::int64_t seq = axis(axes, "max_seq_len"), tokens = axis(axes, "num_tokens");
      if (seq > 0) counts.bytes -= tensor_bytes(*cache, axes) * static_cast<double>(seq - std::min(tokens, seq)) / static_cast<double>(seq);
    }
  }

  const std::string& op = def.op_type;
  if (op == "rmsnorm") {
    double elements = 0;
    if (!def.outputs.empty() && def.outputs.front().shape) {
      elements = 1;
      for (const auto& dim : *def.outputs.front().shape) elements *= static_cast<double>(axis(axes, dim));
    }
    bool residual = def.find_input("residual") != nullptr;
    counts.flops = elements * (residual ? 5 : 4);
    counts.flops_formula = residual ? "5*numel(out)" : "4*numel(out)";
  } else if (op == "gemm") {
    counts.flops = 2.0 * static_cast<double>(axis(axes, "M")) * static_cast<double>(axis(axes, "N")) *
                   static_cast<double>(axis(axes, "K"));
    counts.flops_formula = "2*M*N*K";
  } else if (op == "gqa_paged" || op == "gqa_ragged" || op == "mla_paged" || op == "mla_ragged") {
    double qk = 0, vo = 0;
    if (axes.contains("head_dim_ckv")) {
      qk = static_cast<double>(axis(axes, "head_dim_ckv") + axis(axes, "head_dim_kpe"));
      vo = static_cast<double>(axis(axes, "head_dim_ckv"));
    } else if (axes.contains("qk_dim")) {
      qk = static_cast<double>(axis(axes, "qk_dim"));
      vo = static_cast<double>(axis(axes, "vo_dim"));
    } else {
      qk = vo = static_cast<double>(axis(axes, "head_dim"));
    }
    double pairs = attention_pairs(def, axes, inputs);
    counts.flops = pairs * static_cast<double>(axis(axes, "num_qo_heads")) * 2.0 * (qk + vo);
    counts.flops_formula = "pairs*num_qo_heads*2*(qk_dim+vo_dim)";
  } else if (op == "gdn") {
    const double d = static_cast<double>(axis(axes, "head_size"));
    const double tokens = axes.contains("total_seq_len")
                              ? static_cast<double>(axis(axes, "total_seq_len"))
                              : static_cast<double>(axis(axes, "batch_size")) * static_cast<double>(axis(axes, "seq_len", 1));
    counts.flops = 6.0 * d * d * tokens * static_cast<double>(axis(axes, "num_v_heads"));
    counts.flops_formula = "6*head_size^2*tokens*num_v_heads";
  } else if (op == "rope") {
    counts.flops = 3.0 * static_cast<double>(axis(axes, "num_tokens")) *
                   static_cast<double>(axis(axes, "num_qo_heads") + axis(axes, "num_kv_heads")) *
                   static_cast<double>(axis(axes, "rotary_dim"));
    counts.flops_formula = "3*num_tokens*(num_qo_heads+num_kv_heads)*rotary_dim";
  }
  return counts;
}

}  // namespace kjit::runtime
