import torch

NUM_EXPERTS = {{NUM_EXPERTS}}
HIDDEN_SIZE = {{HIDDEN_SIZE}}
INTERMEDIATE_SIZE = {{INTERMEDIATE_SIZE}}
TOP_K = {{TOP_K}}
BLOCK = 128  # FP8 scale block edge along every scaled dimension


def dequantize(values, scales):
    # values [..., R, C] times one scale per BLOCK x BLOCK tile ([..., R/BLOCK, C/BLOCK]).
    scale = scales.float().repeat_interleave(BLOCK, dim=-2).repeat_interleave(BLOCK, dim=-1)
    return values.float() * scale


@torch.no_grad()
def run(routing_logits, hidden_states, hidden_states_scale, gemm1_weights, gemm1_weights_scale,
        gemm2_weights, gemm2_weights_scale):
    # Renormalize routing: the TOP_K largest logits, softmax over those only.
    # Expert e: y = W2[e] @ (silu(gate) * up), [up; gate] = W13[e] @ x (SwiGLU,
    # up is the first half), summed over the chosen experts with the weights.
    # Activations carry one scale per 128 hidden columns (scale tensor [H/128, T]).
    T = hidden_states.shape[0]
    I = INTERMEDIATE_SIZE
    assert routing_logits.shape == (T, NUM_EXPERTS) and hidden_states.shape == (T, HIDDEN_SIZE)
    x = hidden_states.float() * hidden_states_scale.float().t().repeat_interleave(BLOCK, dim=1)
    w13 = dequantize(gemm1_weights, gemm1_weights_scale)  # [E, 2I, H]
    w2 = dequantize(gemm2_weights, gemm2_weights_scale)   # [E, H, I]
    top_logits, top_experts = torch.topk(routing_logits.float(), TOP_K, dim=-1)
    top_weights = torch.softmax(top_logits, dim=-1)
    output = torch.zeros(T, HIDDEN_SIZE, dtype=torch.float32, device=hidden_states.device)
    for e in range(NUM_EXPERTS):
        tokens, slot = torch.nonzero(top_experts == e, as_tuple=True)
        if tokens.numel() == 0:
            continue
        h = x[tokens] @ w13[e].t()
        y = (torch.nn.functional.silu(h[:, I:]) * h[:, :I]) @ w2[e].t()
        output.index_add_(0, tokens, y * top_weights[tokens, slot].unsqueeze(1))
    return output.to(torch.bfloat16)
