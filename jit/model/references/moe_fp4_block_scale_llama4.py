import torch

# kjit-part: moe_experts


@torch.no_grad()
def run(routing_logits, hidden_states, gemm1_weights, gemm2_weights, routing_bias):
    # Llama 4 routing: the TOP_K largest logits, weight sigmoid(logit), applied
    # to the expert's input. routing_bias is part of the kernel interface but
    # Llama 4's router has none: it does not enter the result. Weights are
    # float32 here (the kernel runs them as MxFP4); SwiGLU, up = first half.
    T = hidden_states.shape[0]
    assert routing_logits.shape == (T, NUM_EXPERTS) and routing_bias.shape == (NUM_EXPERTS,)
    experts, weights = llama4_route(routing_logits)
    return swiglu_experts(hidden_states.float(), experts, weights, gemm1_weights, gemm2_weights, weight_input=True)
