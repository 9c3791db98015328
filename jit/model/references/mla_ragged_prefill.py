import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
QK_DIM = {{QK_DIM}}
VO_DIM = {{VO_DIM}}
QUERY_TILE = 256  # queries per step, to bound the memory of the logits


# kjit-part: causal_attention


@torch.no_grad()
def run(q, k, v, qo_indptr, kv_indptr, sm_scale):
    # MLA prefill in the non-absorbed form: per-head keys of QK_DIM (nope + rope
    # parts) and values of VO_DIM, one KV head per query head, end-aligned
    # causal mask (query i of Q sees key t of L when t <= i + L - Q).
    total_q = q.shape[0]
    assert q.shape[1:] == (NUM_QO_HEADS, QK_DIM) and k.shape[1:] == (NUM_QO_HEADS, QK_DIM)
    assert v.shape[1:] == (NUM_QO_HEADS, VO_DIM)
    output = torch.zeros(total_q, NUM_QO_HEADS, VO_DIM, dtype=torch.bfloat16, device=q.device)
    lse = torch.full((total_q, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=q.device)
    for b in range(qo_indptr.numel() - 1):
        q_begin, q_end = int(qo_indptr[b]), int(qo_indptr[b + 1])
        kv_begin, kv_end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if q_begin >= q_end or kv_begin >= kv_end:
            continue
        keys, values = k[kv_begin:kv_end].float(), v[kv_begin:kv_end].float()
        causal_attention(q[q_begin:q_end], keys, values, sm_scale, output[q_begin:q_end], lse[q_begin:q_end])
    return output, lse
