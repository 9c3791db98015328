# kjit-part: gdn_common
@torch.no_grad()
def run(q, k, v, state, A_log, a, dt_bias, b, scale):
    # One token per sequence through a Gated DeltaNet layer. Gates per value
    # head: g = exp(-exp(A_log) * softplus(a + dt_bias)), beta = sigmoid(b).
    # q/k heads are shared by NUM_V_HEADS / NUM_Q_HEADS value heads. The state
    # is stored k-last ([batch, value head, V, K]); a missing state is zero.
    batch_size = q.shape[0]
    assert q.shape[1:] == (1, NUM_Q_HEADS, HEAD_SIZE) and v.shape[1:] == (1, NUM_V_HEADS, HEAD_SIZE)
    if scale is None or float(scale) == 0.0:
        scale = 1.0 / math.sqrt(HEAD_SIZE)
    group = NUM_V_HEADS // NUM_Q_HEADS
    g = torch.exp(-torch.exp(A_log.float()) * F.softplus(a.float() + dt_bias.float()))[:, 0]  # [B, HV]
    beta = torch.sigmoid(b.float())[:, 0]
    qs = q[:, 0].float().repeat_interleave(group, dim=1)
    ks = k[:, 0].float().repeat_interleave(NUM_V_HEADS // NUM_K_HEADS, dim=1)
    output = torch.zeros(batch_size, 1, NUM_V_HEADS, HEAD_SIZE, dtype=torch.bfloat16, device=q.device)
    new_state = torch.zeros(batch_size, NUM_V_HEADS, HEAD_SIZE, HEAD_SIZE, dtype=torch.float32, device=q.device)
    for i in range(batch_size):
        S = torch.zeros_like(new_state[i]) if state is None else state[i].float().transpose(-1, -2)
        S, out = delta_step(S, qs[i], ks[i], v[i, 0].float(), g[i], beta[i], float(scale))
        output[i, 0] = out.to(torch.bfloat16)
        new_state[i] = S.transpose(-1, -2)
    return output, new_state
