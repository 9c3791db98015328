// MoeStructure: what a fused-MoE definition computes, read from its
// structure (which inputs it declares, their dtypes and shapes, its const
// axes and the constants of its reference), never from its name. The C++
// reference, the input generator and the perf model all read it, and the
// templates derive the same facts from the same structure
// (templates/moe/moe_pick.j2), so the four agree.
//
// Routing (which inputs the definition declares):
//   topk_ids                                   -> precomputed: int32 ids packed
//       as (expert << 16) | bf16 bits of the weight;
//   routing_logits + local_expert_offset + routed_scaling_factor (+ bias)
//                                              -> deepseek: sigmoid + bias, group
//       top-k (N_GROUP / TOPK_GROUP constants of the reference, 1 / 1 when
//       absent), weights = s / (sum of selected s + 1e-20) * rsf;
//   routing_logits + routing_bias              -> llama4: top-k of sigmoid(logits)
//       (the bias is ignored, as the definitions say), weights = sigmoid;
//   routing_logits alone                       -> renormalize: top-k of the
//       logits, weights = softmax over the selected logits.
// Quantization:
//   hidden_states_scale present                -> fp8_block: fp8 e4m3 values with
//       float32 scales per 128 x 128 weight block and per (128 hidden, token)
//       activation block (scale layout [blocks, seq_len]);
//   output1_scales_scalar present              -> fp8_tensor: fp8 activations
//       and weights, per-expert float32 scales on GEMM1's up / gate halves and
//       on GEMM2;
//   otherwise                                  -> float_weights: the "fp4"
//       definitions, whose reference takes dequantized float32 weights.
// Where the routing weight applies (`scales_on_input`): llama4 routing scales
// each token's input (A * w before GEMM1, as its reference does); so does a
// precomputed routing with top_k == 1 (the Llama-4 routed definitions: the
// structural rule, since the routed definitions differ only in the reference
// text); every other form scales GEMM2's output.
// Ties in every top-k select the lower index first (stable descending order).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "jit/definition/definition.h"
#include "jit/util/error.h"

namespace kjit::runtime::reference {

enum class MoeRouting { deepseek, renormalize, llama4, precomputed };
enum class MoeQuant { fp8_block, fp8_tensor, float_weights };

struct MoeStructure {
  MoeRouting routing = MoeRouting::renormalize;
  MoeQuant quant = MoeQuant::float_weights;
  std::int64_t routed_experts = 0;  // width of routing_logits (global experts)
  std::int64_t local_experts = 0;   // gemm1_weights.shape[0]
  std::int64_t hidden = 0;          // H
  std::int64_t intermediate = 0;    // I (gemm1 has 2 I rows: up then gate)
  std::int64_t top_k = 0;
  std::int64_t n_group = 1;         // deepseek only
  std::int64_t topk_group = 1;      // deepseek only
  std::int64_t block = 128;         // fp8_block scale block edge
  bool scales_on_input = false;
};

std::string_view to_string(MoeRouting routing);
std::string_view to_string(MoeQuant quant);

// Reads the structure of an op_type "moe" definition; `axes` may hold only
// the const axes (shapes are read from them). Errors: invalid_argument
// naming what is missing or inconsistent (an input the form needs, a shape
// that disagrees with gemm1's 2 * I rows, a group split that cannot supply
// top_k experts).
[[nodiscard]] Result<MoeStructure> moe_structure(const kjit::jit::Definition& def,
                                                 const std::map<std::string, std::int64_t>& axes);

// The same, binding only the definition's const axes.
[[nodiscard]] Result<MoeStructure> moe_structure(const kjit::jit::Definition& def);

}  // namespace kjit::runtime::reference
