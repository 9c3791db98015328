import torch

NUM_EXPERTS = {{NUM_EXPERTS}}
HIDDEN_SIZE = {{HIDDEN_SIZE}}
INTERMEDIATE_SIZE = {{INTERMEDIATE_SIZE}}
TOP_K = {{TOP_K}}


@torch.no_grad()
def run(routing_logits, hidden_states, gemm1_weights, output1_scales_scalar, output1_scales_gate_scalar,
        gemm2_weights, output2_scales_scalar):
    # Renormalize routing (softmax over the TOP_K largest logits). FP8 weights
    # and activations with one dequantization scale per expert for each GEMM
    # output: up (first half of W13) x output1_scales_scalar[e], gate (second
    # half) x output1_scales_gate_scalar[e], down x output2_scales_scalar[e].
    T = hidden_states.shape[0]
    I = INTERMEDIATE_SIZE
    assert routing_logits.shape == (T, NUM_EXPERTS) and hidden_states.shape == (T, HIDDEN_SIZE)
    top_logits, top_experts = torch.topk(routing_logits.float(), TOP_K, dim=-1)
    top_weights = torch.softmax(top_logits, dim=-1)
    x = hidden_states.float()
    output = torch.zeros(T, HIDDEN_SIZE, dtype=torch.float32, device=hidden_states.device)
    for e in range(NUM_EXPERTS):
        tokens, slot = torch.nonzero(top_experts == e, as_tuple=True)
        if tokens.numel() == 0:
            continue
        h = x[tokens] @ gemm1_weights[e].float().t()
        up = h[:, :I] * output1_scales_scalar[e].float()
        gate = h[:, I:] * output1_scales_gate_scalar[e].float()
        y = (torch.nn.functional.silu(gate) * up) @ gemm2_weights[e].float().t() * output2_scales_scalar[e].float()
        output.index_add_(0, tokens, y * top_weights[tokens, slot].unsqueeze(1))
    return output.to(torch.bfloat16)
