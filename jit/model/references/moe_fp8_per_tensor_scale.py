import torch

# kjit-part: moe_experts


@torch.no_grad()
def run(routing_logits, hidden_states, gemm1_weights, output1_scales_scalar, output1_scales_gate_scalar,
        gemm2_weights, output2_scales_scalar):
    # Renormalize routing (softmax over the TOP_K largest logits). FP8 weights
    # and activations with one dequantization scale per expert for each GEMM
    # output: up (first half of W13) x output1_scales_scalar[e], gate (second
    # half) x output1_scales_gate_scalar[e], down x output2_scales_scalar[e].
    T = hidden_states.shape[0]
    assert routing_logits.shape == (T, NUM_EXPERTS) and hidden_states.shape == (T, HIDDEN_SIZE)
    experts, weights = renormalize_route(routing_logits)
    scales = (output1_scales_scalar, output1_scales_gate_scalar, output2_scales_scalar)
    return swiglu_experts(hidden_states.float(), experts, weights, gemm1_weights, gemm2_weights, scales=scales)
