# kjit-part: gdn_common
@torch.no_grad()
def run(q, k, v, state, A_log, a, dt_bias, b, cu_seqlens, scale):
    # Variable-length sequences (tokens cu_seqlens[n]..cu_seqlens[n+1]) through
    # a Gated DeltaNet layer, token by token from the given state (zero when
    # missing); new_state is each sequence's state after its last token.
    # g = exp(-exp(A_log) * softplus(a + dt_bias)), beta = sigmoid(b); states
    # are k-last ([sequence, value head, V, K]).
    total = q.shape[0]
    num_seqs = cu_seqlens.numel() - 1
    assert q.shape[1:] == (NUM_Q_HEADS, HEAD_SIZE) and v.shape[1:] == (NUM_V_HEADS, HEAD_SIZE)
    if scale is None or float(scale) == 0.0:
        scale = 1.0 / math.sqrt(HEAD_SIZE)
    g = torch.exp(-torch.exp(A_log.float()) * F.softplus(a.float() + dt_bias.float()))  # [T, HV]
    beta = torch.sigmoid(b.float())
    qs = q.float().repeat_interleave(NUM_V_HEADS // NUM_Q_HEADS, dim=1)
    ks = k.float().repeat_interleave(NUM_V_HEADS // NUM_K_HEADS, dim=1)
    output = torch.zeros(total, NUM_V_HEADS, HEAD_SIZE, dtype=torch.bfloat16, device=q.device)
    new_state = torch.zeros(num_seqs, NUM_V_HEADS, HEAD_SIZE, HEAD_SIZE, dtype=torch.float32, device=q.device)
    for n in range(num_seqs):
        S = torch.zeros_like(new_state[n]) if state is None else state[n].float().transpose(-1, -2)
        for t in range(int(cu_seqlens[n]), int(cu_seqlens[n + 1])):
            S, out = delta_step(S, qs[t], ks[t], v[t].float(), g[t], beta[t], float(scale))
            output[t] = out.to(torch.bfloat16)
        new_state[n] = S.transpose(-1, -2)
    return output, new_state
