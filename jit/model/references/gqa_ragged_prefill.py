import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
HEAD_DIM = {{HEAD_DIM}}
QUERY_TILE = 256  # queries per step, to bound the memory of the logits


@torch.no_grad()
def run(q, k, v, qo_indptr, kv_indptr, sm_scale):
    # Causal attention over contiguous (ragged) K/V rows per sequence, aligned
    # at the end: query i of Q sees key t of L when t <= i + L - Q. lse is base 2.
    total_q = q.shape[0]
    assert q.shape[1:] == (NUM_QO_HEADS, HEAD_DIM) and k.shape[1:] == (NUM_KV_HEADS, HEAD_DIM)
    group = NUM_QO_HEADS // NUM_KV_HEADS
    output = torch.zeros(total_q, NUM_QO_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=q.device)
    lse = torch.full((total_q, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=q.device)
    for b in range(qo_indptr.numel() - 1):
        q_begin, q_end = int(qo_indptr[b]), int(qo_indptr[b + 1])
        kv_begin, kv_end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if q_begin >= q_end or kv_begin >= kv_end:
            continue
        keys = k[kv_begin:kv_end].float().repeat_interleave(group, dim=1)  # [L, H, D]
        values = v[kv_begin:kv_end].float().repeat_interleave(group, dim=1)
        num_q, num_kv = q_end - q_begin, kv_end - kv_begin
        for t0 in range(0, num_q, QUERY_TILE):
            t1 = min(t0 + QUERY_TILE, num_q)
            logits = torch.einsum("qhd,lhd->hql", q[q_begin + t0:q_begin + t1].float(), keys) * sm_scale
            position = torch.arange(t0, t1, device=q.device)[:, None] + (num_kv - num_q)
            hidden = torch.arange(num_kv, device=q.device)[None, :] > position
            logits = logits.masked_fill(hidden, -math.inf)
            lse[q_begin + t0:q_begin + t1] = (torch.logsumexp(logits, dim=-1) / math.log(2.0)).t()
            probs = torch.softmax(logits, dim=-1).nan_to_num(0.0)
            output[q_begin + t0:q_begin + t1] = torch.einsum("hql,lhd->qhd", probs, values).to(torch.bfloat16)
    return output, lse
