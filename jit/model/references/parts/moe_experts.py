# Experts the router chooses from, hidden size, intermediate size of one
# expert, experts per token.
NUM_EXPERTS = {{NUM_EXPERTS}}
HIDDEN_SIZE = {{HIDDEN_SIZE}}
INTERMEDIATE_SIZE = {{INTERMEDIATE_SIZE}}
TOP_K = {{TOP_K}}


def renormalize_route(routing_logits):
    # Renormalize routing: the TOP_K largest logits, softmax over those only.
    top_logits, top_experts = torch.topk(routing_logits.float(), TOP_K, dim=-1)
    return top_experts, torch.softmax(top_logits, dim=-1)


def llama4_route(routing_logits):
    # Llama 4 routing: the TOP_K largest logits, each weighted sigmoid(logit).
    top_logits, top_experts = torch.topk(routing_logits.float(), TOP_K, dim=-1)
    return top_experts, torch.sigmoid(top_logits)


def swiglu_experts(x, experts, weights, w13, w2, first_expert=0, weight_input=False, scales=None):
    # Sum over each token's chosen experts of weight * W2[e] @ (silu(gate) * up),
    # [up; gate] = W13[e] @ x (SwiGLU, up is the first half of W13's output).
    # x: float32 activations [T, HIDDEN_SIZE]; experts/weights [T, TOP_K] (global
    # expert ids); w13/w2 hold the experts first_expert.. that this rank runs.
    # weight_input: the weight scales the expert's input, not its output (Llama 4).
    # scales: per-expert (up, gate, down) dequantization scalars (FP8 per tensor).
    T, I = x.shape[0], INTERMEDIATE_SIZE
    output = torch.zeros(T, HIDDEN_SIZE, dtype=torch.float32, device=x.device)
    for local in range(w13.shape[0]):
        tokens, slot = torch.nonzero(experts == first_expert + local, as_tuple=True)
        if tokens.numel() == 0:
            continue
        w = weights[tokens, slot].unsqueeze(1)
        h = (x[tokens] * w if weight_input else x[tokens]) @ w13[local].float().t()
        up, gate = h[:, :I], h[:, I:]
        if scales is not None:
            up, gate = up * scales[0][local].float(), gate * scales[1][local].float()
        y = (torch.nn.functional.silu(gate) * up) @ w2[local].float().t()
        if scales is not None:
            y = y * scales[2][local].float()
        output.index_add_(0, tokens, y if weight_input else y * w)
    return output.to(torch.bfloat16)
