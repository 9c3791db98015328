// Inputs of op_type "moe" that flashinfer-bench's plain random draw would
// make invalid, unrealistic or too slow to build (make_inputs calls this
// first for every moe tensor input without a loaded blob):
//   - fp8 e4m3 tensors (activations, weights): flashinfer-bench's
//     distribution, N(0, 1) clamped to [-2, 2] then cast, sampled directly
//     as fp8 codes from that distribution's exact code probabilities, on
//     all cores (Kimi-K2's weights are 17 G elements);
//   - float32 scales (hidden_states_scale, gemm*_weights_scale,
//     output*_scales_scalar): valid, positive, 2^u with u uniform in
//     [-1, 1) (a random draw would give negative and near-zero scales);
//   - float32 expert weights (the "fp4" definitions, whose reference takes
//     dequantized weights): MxFP4 values, an e2m1 code of clamp(2 N(0, 1),
//     -6, 6) times a power-of-two scale 2^k, k uniform in {-1, 0, 1}, per
//     block of 32 along the last (reduction) dimension, as dequantized
//     MxFP4 checkpoints hold;
//   - topk_ids (pre-routed forms): per token, top_k distinct experts drawn
//     uniformly, packed (expert << 16) | bf16 bits of the weight: sigmoid of
//     a N(0, 1) draw for top_k = 1, else the softmax of top_k N(0, 1) draws.
// Everything else (routing logits and bias, bf16 activations) keeps the
// generic draw. Deterministic: the same seed gives the same bytes for any
// number of threads (each 1 Mi-element chunk draws from its own stream).
//
// Thread safety: functions only; uses std::thread internally.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jit/definition/definition.h"
#include "runtime/host_tensor.h"

namespace kjit::runtime {

// The tensor for moe input `spec` of shape `shape`, or nullopt when the
// generic draw applies. `note` says how it was made. `seed` is the input's
// own stream seed.
std::optional<HostTensor> make_moe_input(const jit::Definition& def, const jit::TensorSpec& spec,
                                         const std::vector<std::int64_t>& shape, std::uint64_t seed,
                                         std::string& note);

}  // namespace kjit::runtime
