import torch

# kjit-part: moe_experts


@torch.no_grad()
def run(routing_logits, hidden_states, gemm1_weights, output1_scales_scalar, output1_scales_gate_scalar,
        gemm2_weights, output2_scales_scalar, routing_bias):
    # Llama 4 routing: the TOP_K largest logits, weight sigmoid(logit), applied
    # to the expert's input (not its output). routing_bias is part of the kernel
    # interface but Llama 4's router has none: it does not enter the result.
    # FP8 with one scale per expert per GEMM output (up, gate, down).
    T = hidden_states.shape[0]
    assert routing_logits.shape == (T, NUM_EXPERTS) and routing_bias.shape == (NUM_EXPERTS,)
    experts, weights = llama4_route(routing_logits)
    scales = (output1_scales_scalar, output1_scales_gate_scalar, output2_scales_scalar)
    return swiglu_experts(hidden_states.float(), experts, weights, gemm1_weights, gemm2_weights,
                          weight_input=True, scales=scales)
