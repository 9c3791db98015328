import torch

# kjit-part: moe_experts


@torch.no_grad()
def run(topk_ids, hidden_states, gemm1_weights, gemm2_weights):
    # Routing done by the caller: each int32 of topk_ids packs an expert index
    # (high 16 bits) and its bfloat16 weight (low 16 bits). SwiGLU experts
    # (up = first half of W13's output), float32 weights here (MxFP4 in the
    # kernel), weighted sum of the chosen experts' outputs.
    T = hidden_states.shape[0]
    assert topk_ids.shape == (T, TOP_K) and hidden_states.shape == (T, HIDDEN_SIZE)
    experts = (topk_ids.long() >> 16) & 0xFFFF
    weights = (topk_ids & 0xFFFF).to(torch.int16).view(torch.bfloat16).float()
    return swiglu_experts(hidden_states.float(), experts, weights, gemm1_weights, gemm2_weights)
