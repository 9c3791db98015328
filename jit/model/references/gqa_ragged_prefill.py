import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
HEAD_DIM = {{HEAD_DIM}}
QUERY_TILE = 256  # queries per step, to bound the memory of the logits


# kjit-part: causal_attention


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
        causal_attention(q[q_begin:q_end], keys, values, sm_scale, output[q_begin:q_end], lse[q_begin:q_end])
    return output, lse
