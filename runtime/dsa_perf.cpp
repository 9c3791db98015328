// DSA bytes and FLOPs; see dsa_perf.h.
//
// Thread safety: pure functions.
#include "runtime/dsa_perf.h"

#include <algorithm>

namespace kjit::runtime {
namespace {

std::int64_t axis(const std::map<std::string, std::int64_t>& axes, const std::string& name) {
  auto it = axes.find(name);
  return it == axes.end() ? 0 : it->second;
}

double bytes_of(const std::map<std::string, HostTensor>& inputs, const std::string& name) {
  auto it = inputs.find(name);
  return it == inputs.end() ? 0.0 : static_cast<double>(it->second.byte_size());
}

double output_bytes(const jit::Definition& def, const std::map<std::string, std::int64_t>& axes) {
  double bytes = 0;
  for (const auto& spec : def.outputs) {
    std::int64_t n = 1;
    if (spec.shape)
      for (const auto& dim : *spec.shape) n *= axis(axes, dim);
    bytes += static_cast<double>(storage_bytes(spec.dtype, n));
  }
  return bytes;
}

}  // namespace

std::optional<PerfCounts> dsa_perf_counts(const jit::Definition& def, const std::map<std::string, std::int64_t>& axes,
                                          const std::map<std::string, HostTensor>& inputs) {
  if (def.op_type != "dsa_paged") return std::nullopt;
  PerfCounts c;
  c.bytes = output_bytes(def, axes);
  if (auto it = inputs.find("sparse_indices"); it != inputs.end()) {
    double valid = 0;
    for (std::int64_t i = 0; i < it->second.numel(); ++i) valid += it->second.get_int(i) >= 0;
    const double ckv = static_cast<double>(axis(axes, "head_dim_ckv")), kpe = static_cast<double>(axis(axes, "head_dim_kpe"));
    c.bytes += bytes_of(inputs, "q_nope") + bytes_of(inputs, "q_pe") + bytes_of(inputs, "sparse_indices") +
               valid * (ckv + kpe) * 2.0;
    c.flops = valid * static_cast<double>(axis(axes, "num_qo_heads")) * 2.0 * (ckv + kpe + ckv);
    c.flops_formula = "valid_indices*num_qo_heads*2*(ckv+kpe+ckv)";
    return c;
  }
  auto lens = inputs.find("seq_lens");
  if (lens == inputs.end()) return c;
  const std::int64_t ps = std::max<std::int64_t>(1, axis(axes, "page_size"));
  const double dim = static_cast<double>(axis(axes, "index_head_dim"));
  double tokens = 0, pages = 0;
  for (std::int64_t b = 0; b < lens->second.numel(); ++b) {
    const std::int64_t len = std::max<std::int64_t>(0, lens->second.get_int(b));
    tokens += static_cast<double>(len);
    pages += static_cast<double>((len + ps - 1) / ps);
  }
  c.bytes += bytes_of(inputs, "q_index_fp8") + bytes_of(inputs, "weights") + bytes_of(inputs, "seq_lens") +
             pages * 4.0 + tokens * (dim + 4.0);
  c.flops = tokens * static_cast<double>(axis(axes, "num_index_heads")) * 2.0 * dim;
  c.flops_formula = "sum(seq_lens)*num_index_heads*2*index_head_dim";
  return c;
}

}  // namespace kjit::runtime
