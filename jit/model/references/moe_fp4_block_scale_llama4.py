import torch

NUM_EXPERTS = {{NUM_EXPERTS}}
HIDDEN_SIZE = {{HIDDEN_SIZE}}
INTERMEDIATE_SIZE = {{INTERMEDIATE_SIZE}}
TOP_K = {{TOP_K}}


@torch.no_grad()
def run(routing_logits, hidden_states, gemm1_weights, gemm2_weights, routing_bias):
    # Llama 4 routing: the TOP_K largest logits, weight sigmoid(logit), applied
    # to the expert's input. routing_bias is part of the kernel interface but
    # Llama 4's router has none: it does not enter the result. Weights are
    # float32 here (the kernel runs them as MxFP4); SwiGLU, up = first half.
    T = hidden_states.shape[0]
    I = INTERMEDIATE_SIZE
    assert routing_logits.shape == (T, NUM_EXPERTS) and routing_bias.shape == (NUM_EXPERTS,)
    top_logits, top_experts = torch.topk(routing_logits.float(), TOP_K, dim=-1)
    top_weights = torch.sigmoid(top_logits)
    x = hidden_states.float()
    output = torch.zeros(T, HIDDEN_SIZE, dtype=torch.float32, device=hidden_states.device)
    for e in range(NUM_EXPERTS):
        tokens, slot = torch.nonzero(top_experts == e, as_tuple=True)
        if tokens.numel() == 0:
            continue
        h = (x[tokens] * top_weights[tokens, slot].unsqueeze(1)) @ gemm1_weights[e].float().t()
        y = (torch.nn.functional.silu(h[:, I:]) * h[:, :I]) @ gemm2_weights[e].float().t()
        output.index_add_(0, tokens, y)
    return output.to(torch.bfloat16)
