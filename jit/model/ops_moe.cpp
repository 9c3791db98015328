// Mixture-of-experts definition forms (the dataset's five: FP8 block-scale
// with renormalize or DeepSeek routing, FP8 per-tensor, FP4 block-scale and
// FP4 with routing done by the caller); see ops.h. Experts are SwiGLU:
// gemm1 produces [up; gate] (2 * intermediate rows), gemm2 maps back.
//
// Thread safety: pure functions.
#include "jit/model/ops.h"

#include "jit/util/str_cat.h"

namespace kjit::jit::ops {

namespace {

using Shape = std::vector<std::string>;
constexpr std::int64_t k_block = 128;  // FP8 block-scale tile edge (DeepSeek-V3 recipe)

std::string suffix(const MoeShape& s) {
  return str_cat("_e", s.experts, "_h", s.hidden, "_i", s.intermediate);
}

ReferenceValues shape_values(const MoeShape& s) {
  return {{"NUM_EXPERTS", str_cat(s.experts)},
          {"HIDDEN_SIZE", str_cat(s.hidden)},
          {"INTERMEDIATE_SIZE", str_cat(s.intermediate)},
          {"TOP_K", str_cat(s.top_k)}};
}

void size_axes(DefinitionBuilder& b, const MoeShape& s, bool top_k) {
  b.const_axis("hidden_size", s.hidden, "Hidden size.");
  b.const_axis("intermediate_size", s.intermediate, "Intermediate size of one expert.");
  b.const_axis("gemm1_out_size", 2 * s.intermediate, "Rows of gemm1 (up and gate: 2 * intermediate_size).");
  if (top_k) b.const_axis("top_k", s.top_k, "Experts per token.");
}

void block_axes(DefinitionBuilder& b, const MoeShape& s) {
  b.const_axis("num_hidden_blocks", s.hidden / k_block, "128-wide scale blocks along hidden_size.");
  b.const_axis("num_intermediate_blocks", s.intermediate / k_block, "128-wide scale blocks along intermediate_size.");
  b.const_axis("num_gemm1_out_blocks", 2 * s.intermediate / k_block, "128-wide scale blocks along gemm1_out_size.");
}

void weight_constraints(DefinitionBuilder& b) {
  b.constraint("gemm1_weights.shape[1] == 2 * intermediate_size")
      .constraint("gemm2_weights.shape[1] == hidden_size")
      .constraint("gemm2_weights.shape[2] == intermediate_size");
}

// The FP8 block-scale tensors after the routing inputs.
void block_scale_inputs(DefinitionBuilder& b, const std::string& experts) {
  b.input("hidden_states", Shape{"seq_len", "hidden_size"}, "float8_e4m3fn", "FP8 activations.");
  b.input("hidden_states_scale", Shape{"num_hidden_blocks", "seq_len"}, "float32",
          "One scale per token and 128 hidden channels (transposed).");
  b.input("gemm1_weights", Shape{experts, "gemm1_out_size", "hidden_size"}, "float8_e4m3fn",
          "Up and gate projections of each expert, FP8.");
  b.input("gemm1_weights_scale", Shape{experts, "num_gemm1_out_blocks", "num_hidden_blocks"}, "float32",
          "One scale per 128 x 128 tile of gemm1_weights.");
  b.input("gemm2_weights", Shape{experts, "hidden_size", "intermediate_size"}, "float8_e4m3fn",
          "Down projection of each expert, FP8.");
  b.input("gemm2_weights_scale", Shape{experts, "num_hidden_blocks", "num_intermediate_blocks"}, "float32",
          "One scale per 128 x 128 tile of gemm2_weights.");
}

// Axes and weight constraints of the forms whose experts are all on this rank
// (num_experts of them).
void rank_axes(DefinitionBuilder& b, const MoeShape& s) {
  b.var_axis("seq_len", "Tokens.");
  b.const_axis("num_experts", s.experts, "Experts on this rank.");
  size_axes(b, s, true);
  weight_constraints(b);
}

// "<routing>, <experts> experts, SwiGLU of <hidden> -> <intermediate>." for
// the forms offered with renormalize or Llama 4 routing.
std::string routing_text(const MoeShape& s, bool llama4) {
  return str_cat(llama4 ? "Llama 4 routing (top " : "renormalize routing (softmax over the top ", s.top_k,
                 llama4 ? " logits, sigmoid weight on the expert input)" : " logits)", ", ", s.experts,
                 " experts, SwiGLU of ", s.hidden, " -> ", s.intermediate, ".");
}

void output(DefinitionBuilder& b) {
  b.output("output", {"seq_len", "hidden_size"}, "bfloat16", "Weighted sum of the chosen experts' outputs.");
}

// The forms offered with renormalize or Llama 4 routing (named
// <stem>_topk<k>_e.._h.._i..; reference <reference>[_llama4]): `inputs` adds
// the form's own inputs between routing_logits and (Llama 4) routing_bias.
DefinitionBuilder routed_form(const char* stem, const char* what, const char* quant_tag, const char* api,
                              const char* reference, const MoeShape& s, bool llama4,
                              void (*inputs)(DefinitionBuilder&)) {
  DefinitionBuilder b(str_cat(stem, "_topk", s.top_k, suffix(s)), "moe", str_cat(what, routing_text(s, llama4)));
  b.tag(quant_tag).tag(api);
  rank_axes(b, s);
  b.input("routing_logits", Shape{"seq_len", "num_experts"}, "bfloat16", "Router logits.");
  inputs(b);
  if (llama4) b.input("routing_bias", Shape{"num_experts"}, "bfloat16", "Router bias (Llama 4 has none: zeros).");
  output(b);
  b.reference(llama4 ? str_cat(reference, "_llama4") : reference, shape_values(s));
  return b;
}

void fp8_per_tensor_inputs(DefinitionBuilder& b) {
  b.input("hidden_states", Shape{"seq_len", "hidden_size"}, "float8_e4m3fn", "FP8 activations.");
  b.input("gemm1_weights", Shape{"num_experts", "gemm1_out_size", "hidden_size"}, "float8_e4m3fn",
          "Up and gate projections of each expert, FP8.");
  b.input("output1_scales_scalar", Shape{"num_experts"}, "float32", "Dequantization scale of each expert's up output.");
  b.input("output1_scales_gate_scalar", Shape{"num_experts"}, "float32",
          "Dequantization scale of each expert's gate output.");
  b.input("gemm2_weights", Shape{"num_experts", "hidden_size", "intermediate_size"}, "float8_e4m3fn",
          "Down projection of each expert, FP8.");
  b.input("output2_scales_scalar", Shape{"num_experts"}, "float32", "Dequantization scale of each expert's output.");
}

// bf16 activations and float32 weights (MxFP4 in the kernel).
void fp4_inputs(DefinitionBuilder& b) {
  b.input("hidden_states", Shape{"seq_len", "hidden_size"}, "bfloat16", "Activations.");
  b.input("gemm1_weights", Shape{"num_experts", "gemm1_out_size", "hidden_size"}, "float32",
          "Up and gate projections (float32 here; MxFP4 in the kernel).");
  b.input("gemm2_weights", Shape{"num_experts", "hidden_size", "intermediate_size"}, "float32",
          "Down projections (float32 here; MxFP4 in the kernel).");
}

}  // namespace

DefinitionBuilder moe_fp8_block_scale_renorm(const MoeShape& s) {
  DefinitionBuilder b(str_cat("moe_fp8_block_scale_renorm_topk", s.top_k, suffix(s)), "moe",
                      str_cat("FP8 block-scale mixture of experts, renormalize routing (softmax over the top ",
                              s.top_k, " of ", s.experts, " expert logits), SwiGLU experts of ", s.hidden, " -> ",
                              s.intermediate, "."));
  b.tag("quantization:float8_e4m3fn").tag("fi_api:flashinfer.fused_moe.trtllm_fp8_block_scale_moe");
  b.var_axis("seq_len", "Tokens.");
  b.const_axis("num_local_experts", s.experts, "Experts on this rank.");
  size_axes(b, s, true);
  block_axes(b, s);
  weight_constraints(b);
  b.input("routing_logits", Shape{"seq_len", "num_local_experts"}, "bfloat16", "Router logits.");
  block_scale_inputs(b, "num_local_experts");
  output(b);
  b.reference("moe_fp8_block_scale_renorm", shape_values(s));
  return b;
}

DefinitionBuilder moe_fp8_block_scale_ds_routing(const MoeShape& local, std::int64_t global_experts,
                                                 std::int64_t n_group, std::int64_t topk_group) {
  DefinitionBuilder b(
      str_cat("moe_fp8_block_scale_ds_routing_topk", local.top_k, "_ng", n_group, "_kg", topk_group, suffix(local)),
      "moe",
      str_cat("FP8 block-scale mixture of experts, DeepSeek-V3 routing (sigmoid scores plus correction bias, top ",
              topk_group, " of ", n_group, " groups, top ", local.top_k, " of ", global_experts,
              " experts, weights normalized and scaled); this rank computes ", local.experts,
              " experts, SwiGLU of ", local.hidden, " -> ", local.intermediate, "."));
  b.tag("quantization:float8_e4m3fn").tag("fi_api:flashinfer.fused_moe.trtllm_fp8_block_scale_moe");
  b.var_axis("seq_len", "Tokens.");
  b.const_axis("num_experts", global_experts, "Experts of the model (routing is over all of them).");
  b.const_axis("num_local_experts", local.experts, "Experts on this rank.");
  size_axes(b, local, true);
  block_axes(b, local);
  weight_constraints(b);
  b.input("routing_logits", Shape{"seq_len", "num_experts"}, "float32", "Router logits.");
  b.input("routing_bias", Shape{"num_experts"}, "bfloat16", "Expert score correction bias (selection only).");
  block_scale_inputs(b, "num_local_experts");
  b.input("local_expert_offset", std::nullopt, "int32", "Global index of this rank's first expert.");
  b.input("routed_scaling_factor", std::nullopt, "float32", "Factor on the normalized routing weights.");
  output(b);
  ReferenceValues values = shape_values(local);
  values["NUM_EXPERTS"] = str_cat(global_experts);
  values["NUM_LOCAL_EXPERTS"] = str_cat(local.experts);
  values["N_GROUP"] = str_cat(n_group);
  values["TOPK_GROUP"] = str_cat(topk_group);
  b.reference("moe_fp8_block_scale_ds_routing", values);
  return b;
}

DefinitionBuilder moe_fp8_per_tensor_scale(const MoeShape& s, bool llama4) {
  return routed_form("trtllm_fp8_per_tensor_scale_moe", "FP8 per-tensor-scale mixture of experts, ",
                     "quantization:float8_e4m3fn", "fi_api:flashinfer.fused_moe.trtllm_fp8_per_tensor_scale_moe",
                     "moe_fp8_per_tensor_scale", s, llama4, fp8_per_tensor_inputs);
}

DefinitionBuilder moe_fp4_block_scale(const MoeShape& s, bool llama4) {
  return routed_form("trtllm_fp4_block_scale_moe",
                     "FP4 block-scale (MxFP4 weights, bf16 activations) mixture of experts, ",
                     "quantization:float4_e2m1fn_mxfp4", "fi_api:flashinfer.fused_moe.trtllm_fp4_block_scale_moe",
                     "moe_fp4_block_scale", s, llama4, fp4_inputs);
}

DefinitionBuilder moe_fp4_block_scale_routed(const MoeShape& s) {
  DefinitionBuilder b(str_cat("trtllm_fp4_block_scale_routed_moe_topk", s.top_k, suffix(s)), "moe",
                      str_cat("FP4 block-scale (MxFP4 weights, bf16 activations) mixture of experts with the routing "
                              "done by the caller (packed expert ids and weights, top ",
                              s.top_k, "), ", s.experts, " experts, SwiGLU of ", s.hidden, " -> ", s.intermediate,
                              "."));
  b.tag("quantization:float4_e2m1fn_mxfp4")
      .tag("routing:pre-computed")
      .tag("fi_api:flashinfer.fused_moe.trtllm_fp4_block_scale_routed_moe");
  rank_axes(b, s);
  b.input("topk_ids", Shape{"seq_len", "top_k"}, "int32",
          "Chosen experts: expert index in the high 16 bits, bfloat16 weight in the low 16 bits.");
  fp4_inputs(b);
  output(b);
  b.reference("moe_fp4_block_scale_routed", shape_values(s));
  return b;
}

}  // namespace kjit::jit::ops
