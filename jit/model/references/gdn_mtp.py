# kjit-part: gdn_common
@torch.no_grad()
def run(q, k, v, initial_state, initial_state_indices, A_log, a, dt_bias, b, scale,
        intermediate_states_buffer=None):
    # Speculative verification: each sequence runs seq_len draft tokens through
    # a Gated DeltaNet layer from its state in the pool (slot
    # initial_state_indices[i], k-last [value head, V, K]). The state after
    # each token goes to intermediate_states_buffer[slot, t] when given, for
    # rollback; the pool itself is left as it was (final_state is a copy),
    # since which draft tokens are accepted is decided afterwards.
    batch_size, seq_len = q.shape[0], q.shape[1]
    assert q.shape[2:] == (NUM_Q_HEADS, HEAD_SIZE) and v.shape[2:] == (NUM_V_HEADS, HEAD_SIZE)
    if scale is None or float(scale) == 0.0:
        scale = 1.0 / math.sqrt(HEAD_SIZE)
    g = torch.exp(-torch.exp(A_log.float()) * F.softplus(a.float() + dt_bias.float()))  # [B, T, HV]
    beta = torch.sigmoid(b.float())
    qs = q.float().repeat_interleave(NUM_V_HEADS // NUM_Q_HEADS, dim=2)
    ks = k.float().repeat_interleave(NUM_V_HEADS // NUM_K_HEADS, dim=2)
    output = torch.zeros(batch_size, seq_len, NUM_V_HEADS, HEAD_SIZE, dtype=torch.bfloat16, device=q.device)
    for i in range(batch_size):
        slot = int(initial_state_indices[i])
        S = initial_state[slot].float().transpose(-1, -2)
        for t in range(seq_len):
            S, out = delta_step(S, qs[i, t], ks[i, t], v[i, t].float(), g[i, t], beta[i, t], float(scale))
            output[i, t] = out.to(torch.bfloat16)
            if intermediate_states_buffer is not None:
                intermediate_states_buffer[slot, t] = S.transpose(-1, -2)
    return output, initial_state.clone()
