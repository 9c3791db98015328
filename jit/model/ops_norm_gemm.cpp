// Norm and GEMM definition forms; see ops.h.
//
// Thread safety: pure functions.
#include "jit/model/ops.h"

#include "jit/util/str_cat.h"

namespace kjit::jit::ops {

namespace {

DefinitionBuilder norm_common(std::string name, bool fused, std::int64_t hidden, double eps, bool zero_centered) {
  std::string scale = zero_centered ? "1 + weight (zero-centred weight, Gemma style)" : "weight";
  std::string what = fused ? str_cat("RMS normalization of hidden_states + residual (", hidden, " channels)")
                           : str_cat("RMS normalization over ", hidden, " channels");
  DefinitionBuilder b(std::move(name), zero_centered ? "gemma_rmsnorm" : "rmsnorm",
                      str_cat(what, ", scaled by ", scale, ". Statistics in float32; epsilon ", python_float(eps),
                              "."));
  b.var_axis("batch_size", "Token rows.").const_axis("hidden_size", hidden, "Channels per row.");
  b.input("hidden_states", std::vector<std::string>{"batch_size", "hidden_size"}, "bfloat16", "Rows to normalize.");
  if (fused)
    b.input("residual", std::vector<std::string>{"batch_size", "hidden_size"}, "bfloat16",
            "Residual stream added to hidden_states before normalizing.");
  b.input("weight", std::vector<std::string>{"hidden_size"}, "bfloat16", "Per-channel scale.");
  b.output("output", {"batch_size", "hidden_size"}, "bfloat16", "Normalized rows times the scale.");
  return b;
}

}  // namespace

DefinitionBuilder rmsnorm(std::int64_t hidden, double eps, bool zero_centered) {
  DefinitionBuilder b = norm_common(str_cat(zero_centered ? "gemma_" : "", "rmsnorm_h", hidden), false, hidden, eps,
                                    zero_centered);
  b.tag(zero_centered ? "fi_api:flashinfer.norm.gemma_rmsnorm" : "fi_api:flashinfer.norm.rmsnorm");
  b.reference(zero_centered ? "gemma_rmsnorm" : "rmsnorm",
              {{"HIDDEN_SIZE", str_cat(hidden)}, {"EPS", python_float(eps)}});
  return b;
}

DefinitionBuilder fused_add_rmsnorm(std::int64_t hidden, double eps, bool zero_centered) {
  DefinitionBuilder b = norm_common(str_cat(zero_centered ? "gemma_" : "", "fused_add_rmsnorm_h", hidden), true,
                                    hidden, eps, zero_centered);
  b.tag("fused");
  b.tag(zero_centered ? "fi_api:flashinfer.norm.gemma_fused_add_rmsnorm" : "fi_api:flashinfer.norm.fused_add_rmsnorm");
  b.reference(zero_centered ? "gemma_fused_add_rmsnorm" : "fused_add_rmsnorm",
              {{"HIDDEN_SIZE", str_cat(hidden)}, {"EPS", python_float(eps)}});
  return b;
}

DefinitionBuilder gemm(std::int64_t n, std::int64_t k, const std::string& dtype) {
  DefinitionBuilder b(str_cat("gemm_n", n, "_k", k), "gemm",
                      str_cat("Linear layer C = A . B^T with an [", n, " x ", k, "] weight B (N = outputs, K = inputs), ",
                              dtype, " in and out, float32 accumulation."));
  b.var_axis("M", "Token rows.").const_axis("N", n, "Output features.").const_axis("K", k, "Input features.");
  b.input("A", std::vector<std::string>{"M", "K"}, dtype, "Activations.");
  b.input("B", std::vector<std::string>{"N", "K"}, dtype, "Weight, one row per output feature.");
  b.output("C", {"M", "N"}, dtype, "A . B^T.");
  b.reference("gemm", {{"N", str_cat(n)}, {"K", str_cat(k)}});
  return b;
}

}  // namespace kjit::jit::ops
