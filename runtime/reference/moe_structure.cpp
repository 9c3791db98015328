// moe_structure: a fused-MoE definition's routing, quantization and sizes,
// read from its declared inputs; see moe_structure.h.
//
// Thread safety: pure functions.
#include "runtime/reference/moe_structure.h"

#include <cmath>

#include "jit/util/str_cat.h"
#include "runtime/reference/constants.h"

namespace kjit::runtime::reference {
namespace {

using kjit::jit::Definition;
using kjit::jit::Dtype;
using kjit::jit::TensorSpec;
using Axes = std::map<std::string, std::int64_t>;

Error bad(const Definition& def, std::string_view what) {
  return Error{ErrorCode::invalid_argument, str_cat("moe definition '", def.name, "': ", what), {}};
}

// Dimension `dim` of input `name`, resolved through `axes`.
Result<std::int64_t> dim(const Definition& def, const Axes& axes, std::string_view name, std::size_t index,
                         std::size_t rank) {
  const TensorSpec* spec = def.find_input(name);
  if (spec == nullptr) return std::unexpected(bad(def, str_cat("it has no input '", name, "'")));
  if (spec->is_scalar() || spec->shape->size() != rank) {
    return std::unexpected(bad(def, str_cat("input '", name, "' must have rank ", rank)));
  }
  const std::string& axis = (*spec->shape)[index];
  auto it = axes.find(axis);
  if (it == axes.end()) {
    return std::unexpected(bad(def, str_cat("axis '", axis, "' (dimension ", index, " of '", name, "') has no value")));
  }
  return it->second;
}

Result<void> need(const Definition& def, std::string_view name) {
  if (def.find_input(name) == nullptr) return std::unexpected(bad(def, str_cat("it needs the input '", name, "'")));
  return {};
}

Result<void> need_dtype(const Definition& def, std::string_view name, std::initializer_list<Dtype> dtypes) {
  const TensorSpec* spec = def.find_input(name);
  if (spec == nullptr) return std::unexpected(bad(def, str_cat("it needs the input '", name, "'")));
  for (Dtype d : dtypes)
    if (spec->dtype == d) return {};
  return std::unexpected(bad(def, str_cat("input '", name, "' has dtype ", kjit::jit::dtype_name(spec->dtype),
                                          ", which this form does not take")));
}

// An integral reference constant, or `fallback` when the reference does not assign it.
Result<std::int64_t> int_constant(const Definition& def, std::string_view name, std::int64_t fallback) {
  auto v = reference_constant(def, name);
  if (!v) return fallback;
  if (*v != std::trunc(*v) || *v < 1 || *v > 1e6) {
    return std::unexpected(bad(def, str_cat("reference constant ", name, " = ", *v, " is not a positive integer")));
  }
  return static_cast<std::int64_t>(*v);
}

}  // namespace

std::string_view to_string(MoeRouting routing) {
  switch (routing) {
    case MoeRouting::deepseek: return "deepseek";
    case MoeRouting::renormalize: return "renormalize";
    case MoeRouting::llama4: return "llama4";
    case MoeRouting::precomputed: return "precomputed";
  }
  return "?";
}

std::string_view to_string(MoeQuant quant) {
  switch (quant) {
    case MoeQuant::fp8_block: return "fp8_block";
    case MoeQuant::fp8_tensor: return "fp8_tensor";
    case MoeQuant::float_weights: return "float_weights";
  }
  return "?";
}

Result<MoeStructure> moe_structure(const Definition& def, const Axes& axes) {
  if (def.op_type != "moe") return std::unexpected(bad(def, str_cat("op_type is '", def.op_type, "', not 'moe'")));
  MoeStructure s;
  auto present = [&](std::string_view n) { return def.find_input(n) != nullptr; };

  // Routing form.
  if (present("topk_ids")) {
    s.routing = MoeRouting::precomputed;
    KJIT_TRY_VOID(need_dtype(def, "topk_ids", {Dtype::int32}));
  } else if (!present("routing_logits")) {
    return std::unexpected(bad(def, "it has neither 'routing_logits' nor 'topk_ids'"));
  } else if (present("local_expert_offset") || present("routed_scaling_factor")) {
    s.routing = MoeRouting::deepseek;
    KJIT_TRY_VOID(need(def, "local_expert_offset"));
    KJIT_TRY_VOID(need(def, "routed_scaling_factor"));
    KJIT_TRY_VOID(need(def, "routing_bias"));
  } else if (present("routing_bias")) {
    s.routing = MoeRouting::llama4;
  } else {
    s.routing = MoeRouting::renormalize;
  }
  if (present("routing_logits")) {
    KJIT_TRY_VOID(need_dtype(def, "routing_logits", {Dtype::float32, Dtype::bfloat16, Dtype::float16}));
  }
  if (present("routing_bias")) {
    KJIT_TRY_VOID(need_dtype(def, "routing_bias", {Dtype::float32, Dtype::bfloat16, Dtype::float16}));
  }

  // Quantization form.
  if (present("hidden_states_scale")) {
    s.quant = MoeQuant::fp8_block;
    for (auto n : {"hidden_states", "gemm1_weights", "gemm2_weights"})
      KJIT_TRY_VOID(need_dtype(def, n, {Dtype::float8_e4m3fn}));
    for (auto n : {"hidden_states_scale", "gemm1_weights_scale", "gemm2_weights_scale"})
      KJIT_TRY_VOID(need_dtype(def, n, {Dtype::float32}));
  } else if (present("output1_scales_scalar")) {
    s.quant = MoeQuant::fp8_tensor;
    for (auto n : {"hidden_states", "gemm1_weights", "gemm2_weights"})
      KJIT_TRY_VOID(need_dtype(def, n, {Dtype::float8_e4m3fn}));
    for (auto n : {"output1_scales_scalar", "output1_scales_gate_scalar", "output2_scales_scalar"})
      KJIT_TRY_VOID(need_dtype(def, n, {Dtype::float32}));
  } else {
    s.quant = MoeQuant::float_weights;
    KJIT_TRY_VOID(need_dtype(def, "hidden_states", {Dtype::bfloat16, Dtype::float16, Dtype::float32}));
    for (auto n : {"gemm1_weights", "gemm2_weights"})
      KJIT_TRY_VOID(need_dtype(def, n, {Dtype::float32, Dtype::bfloat16, Dtype::float16}));
  }

  // Sizes.
  s.local_experts = KJIT_TRY(dim(def, axes, "gemm1_weights", 0, 3));
  const std::int64_t two_i = KJIT_TRY(dim(def, axes, "gemm1_weights", 1, 3));
  s.hidden = KJIT_TRY(dim(def, axes, "gemm1_weights", 2, 3));
  s.intermediate = KJIT_TRY(dim(def, axes, "gemm2_weights", 2, 3));
  if (KJIT_TRY(dim(def, axes, "gemm2_weights", 0, 3)) != s.local_experts ||
      KJIT_TRY(dim(def, axes, "gemm2_weights", 1, 3)) != s.hidden) {
    return std::unexpected(bad(def, "gemm2_weights must be [local experts, hidden, intermediate] like gemm1_weights"));
  }
  if (two_i != 2 * s.intermediate) {
    return std::unexpected(bad(def, str_cat("gemm1_weights has ", two_i, " rows, expected 2 * intermediate = ",
                                            2 * s.intermediate)));
  }
  if (s.local_experts < 1 || s.hidden < 1 || s.intermediate < 1) return std::unexpected(bad(def, "empty expert weights"));
  const TensorSpec* hs = def.find_input("hidden_states");
  if (hs == nullptr || hs->is_scalar() || hs->shape->size() != 2) {
    return std::unexpected(bad(def, "hidden_states must be [seq_len, hidden]"));
  }
  if (auto h = axes.find((*hs->shape)[1]); h == axes.end() || h->second != s.hidden) {
    return std::unexpected(bad(def, "hidden_states' second dimension must be gemm1_weights' hidden size"));
  }

  if (s.routing == MoeRouting::precomputed) {
    s.top_k = KJIT_TRY(dim(def, axes, "topk_ids", 1, 2));
    s.routed_experts = s.local_experts;
  } else {
    s.routed_experts = KJIT_TRY(dim(def, axes, "routing_logits", 1, 2));
    if (auto it = axes.find("top_k"); it != axes.end()) {
      s.top_k = it->second;
    } else {
      s.top_k = KJIT_TRY(int_constant(def, "TOP_K", 0));
      if (s.top_k == 0) return std::unexpected(bad(def, "no 'top_k' axis and no TOP_K constant in the reference"));
    }
    if (s.routing != MoeRouting::deepseek && s.routed_experts != s.local_experts) {
      return std::unexpected(bad(def, str_cat("routing_logits has ", s.routed_experts, " experts but the weights ",
                                              s.local_experts, " (only the deepseek form has local experts)")));
    }
  }
  if (s.top_k < 1 || s.top_k > s.routed_experts || s.top_k > 32) {
    return std::unexpected(bad(def, str_cat("top_k = ", s.top_k, " must be in [1, min(32, experts = ", s.routed_experts, ")]")));
  }
  if (s.routing == MoeRouting::deepseek) {
    s.n_group = KJIT_TRY(int_constant(def, "N_GROUP", 1));
    s.topk_group = KJIT_TRY(int_constant(def, "TOPK_GROUP", 1));
    if (s.routed_experts % s.n_group != 0 || s.topk_group > s.n_group || s.n_group > 32) {
      return std::unexpected(bad(def, str_cat("N_GROUP = ", s.n_group, " / TOPK_GROUP = ", s.topk_group,
                                              " do not split ", s.routed_experts, " experts (at most 32 groups)")));
    }
    const std::int64_t group_size = s.routed_experts / s.n_group;
    if (s.n_group > 1 && group_size < 2) return std::unexpected(bad(def, "groups need >= 2 experts (top-2 group score)"));
    if (s.topk_group * group_size < s.top_k) {
      return std::unexpected(bad(def, str_cat("TOPK_GROUP groups of ", group_size, " experts cannot supply top_k = ", s.top_k)));
    }
  }
  if (s.quant == MoeQuant::fp8_block) {
    s.block = KJIT_TRY(int_constant(def, "BLOCK", 128));
    if (s.hidden % s.block != 0 || s.intermediate % s.block != 0) {
      return std::unexpected(bad(def, str_cat("hidden ", s.hidden, " and intermediate ", s.intermediate,
                                              " must be multiples of the scale block ", s.block)));
    }
    const std::int64_t hb = s.hidden / s.block, ib = s.intermediate / s.block;
    if (KJIT_TRY(dim(def, axes, "hidden_states_scale", 0, 2)) != hb ||
        KJIT_TRY(dim(def, axes, "gemm1_weights_scale", 0, 3)) != s.local_experts ||
        KJIT_TRY(dim(def, axes, "gemm1_weights_scale", 1, 3)) != 2 * ib ||
        KJIT_TRY(dim(def, axes, "gemm1_weights_scale", 2, 3)) != hb ||
        KJIT_TRY(dim(def, axes, "gemm2_weights_scale", 0, 3)) != s.local_experts ||
        KJIT_TRY(dim(def, axes, "gemm2_weights_scale", 1, 3)) != hb ||
        KJIT_TRY(dim(def, axes, "gemm2_weights_scale", 2, 3)) != ib) {
      return std::unexpected(bad(def, str_cat("block-scale tensors must be hidden_states_scale [H/", s.block,
                                              ", seq_len], gemm1_weights_scale [E, 2I/", s.block, ", H/", s.block,
                                              "], gemm2_weights_scale [E, H/", s.block, ", I/", s.block, "]")));
    }
  }
  if (s.quant == MoeQuant::fp8_tensor) {
    for (auto n : {"output1_scales_scalar", "output1_scales_gate_scalar", "output2_scales_scalar"}) {
      if (KJIT_TRY(dim(def, axes, n, 0, 1)) != s.local_experts) {
        return std::unexpected(bad(def, str_cat("'", n, "' must hold one scale per expert")));
      }
    }
  }
  if (s.routing != MoeRouting::precomputed && def.find_input("routing_bias") != nullptr &&
      KJIT_TRY(dim(def, axes, "routing_bias", 0, 1)) != s.routed_experts) {
    return std::unexpected(bad(def, "routing_bias must hold one value per routed expert"));
  }
  s.scales_on_input = s.routing == MoeRouting::llama4 || (s.routing == MoeRouting::precomputed && s.top_k == 1);
  return s;
}

Result<MoeStructure> moe_structure(const Definition& def) {
  Axes axes;
  for (const auto& a : def.axes)
    if (a.kind == kjit::jit::AxisKind::const_) axes[a.name] = a.value;
  return moe_structure(def, axes);
}

}  // namespace kjit::runtime::reference
