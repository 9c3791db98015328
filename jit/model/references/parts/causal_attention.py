QUERY_TILE = 256  # queries per step, to bound the memory of the logits


def causal_attention(q, keys, values, sm_scale, output, lse):
    # One sequence: queries q [Q, H, D] over keys [L, H, D] and values [L, H, Dv],
    # aligned at the end (query i of Q sees key t of L when t <= i + L - Q).
    # Writes output [Q, H, Dv] (bfloat16; 0 for a query that sees no key) and
    # lse [Q, H] (base 2; -inf there), QUERY_TILE queries at a time to bound
    # the memory of the logits.
    num_q, num_kv = q.shape[0], keys.shape[0]
    for t0 in range(0, num_q, QUERY_TILE):
        t1 = min(t0 + QUERY_TILE, num_q)
        logits = torch.einsum("qhd,lhd->hql", q[t0:t1].float(), keys) * sm_scale
        position = torch.arange(t0, t1, device=q.device)[:, None] + (num_kv - num_q)
        hidden = torch.arange(num_kv, device=q.device)[None, :] > position
        logits = logits.masked_fill(hidden, -math.inf)
        lse[t0:t1] = (torch.logsumexp(logits, dim=-1) / math.log(2.0)).t()
        probs = torch.softmax(logits, dim=-1).nan_to_num(0.0)
        output[t0:t1] = torch.einsum("hql,lhd->qhd", probs, values).to(torch.bfloat16)
