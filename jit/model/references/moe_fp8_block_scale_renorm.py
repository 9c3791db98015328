import torch

# kjit-part: fp8_block


# kjit-part: moe_experts


@torch.no_grad()
def run(routing_logits, hidden_states, hidden_states_scale, gemm1_weights, gemm1_weights_scale,
        gemm2_weights, gemm2_weights_scale):
    # Renormalize routing: the TOP_K largest logits, softmax over those only.
    # Expert e: y = W2[e] @ (silu(gate) * up), [up; gate] = W13[e] @ x (SwiGLU,
    # up is the first half), summed over the chosen experts with the weights.
    T = hidden_states.shape[0]
    assert routing_logits.shape == (T, NUM_EXPERTS) and hidden_states.shape == (T, HIDDEN_SIZE)
    x = dequantize_activations(hidden_states, hidden_states_scale)
    w13 = dequantize(gemm1_weights, gemm1_weights_scale)  # [E, 2I, H]
    w2 = dequantize(gemm2_weights, gemm2_weights_scale)   # [E, H, I]
    experts, weights = renormalize_route(routing_logits)
    return swiglu_experts(x, experts, weights, w13, w2)
