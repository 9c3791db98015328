import torch

NUM_LOCAL_EXPERTS = {{NUM_LOCAL_EXPERTS}}
N_GROUP = {{N_GROUP}}
TOPK_GROUP = {{TOPK_GROUP}}
# kjit-part: fp8_block


# kjit-part: moe_experts


def route(routing_logits, routing_bias, routed_scaling_factor):
    # DeepSeek-V3 routing: scores s = sigmoid(logits); experts are chosen on
    # s + bias, first the TOPK_GROUP groups (of N_GROUP) with the largest sum
    # of their two best biased scores, then the TOP_K best experts inside them.
    # Weights use s without the bias, normalized to sum 1, times the factor.
    T = routing_logits.shape[0]
    s = torch.sigmoid(routing_logits.float())
    biased = s + routing_bias.float()
    groups = biased.view(T, N_GROUP, NUM_EXPERTS // N_GROUP)
    group_score = groups.topk(min(2, groups.shape[-1]), dim=-1).values.sum(dim=-1)
    keep_group = torch.zeros_like(group_score).scatter_(1, group_score.topk(TOPK_GROUP, dim=-1).indices, 1.0)
    keep = keep_group.repeat_interleave(NUM_EXPERTS // N_GROUP, dim=1) > 0
    experts = biased.masked_fill(~keep, float("-inf")).topk(TOP_K, dim=-1).indices
    weights = s.gather(1, experts)
    weights = weights / weights.sum(dim=-1, keepdim=True) * routed_scaling_factor
    return experts, weights


@torch.no_grad()
def run(routing_logits, routing_bias, hidden_states, hidden_states_scale, gemm1_weights, gemm1_weights_scale,
        gemm2_weights, gemm2_weights_scale, local_expert_offset, routed_scaling_factor):
    # Routing over all NUM_EXPERTS; this rank computes only its experts
    # [local_expert_offset, local_expert_offset + NUM_LOCAL_EXPERTS) with
    # SwiGLU experts (up is the first half of W13's output) and adds their
    # weighted outputs. Activations carry one scale per 128 hidden columns.
    T = hidden_states.shape[0]
    assert routing_logits.shape == (T, NUM_EXPERTS) and gemm1_weights.shape[0] == NUM_LOCAL_EXPERTS
    experts, weights = route(routing_logits, routing_bias, float(routed_scaling_factor))
    x = dequantize_activations(hidden_states, hidden_states_scale)
    w13 = dequantize(gemm1_weights, gemm1_weights_scale)
    w2 = dequantize(gemm2_weights, gemm2_weights_scale)
    return swiglu_experts(x, experts, weights, w13, w2, first_expert=int(local_expert_offset))
