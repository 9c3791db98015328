import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
HEAD_DIM = {{HEAD_DIM}}
PAGE_SIZE = {{PAGE_SIZE}}
QUERY_TILE = 256  # queries per step, to bound the memory of the logits


# kjit-part: paged_kv


# kjit-part: causal_attention


@torch.no_grad()
def run(q, k_cache, v_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Causal attention of each sequence's new queries over its cached tokens,
    # aligned at the end: query i of Q sees token t of L when t <= i + L - Q.
    # A query that sees no token keeps output 0 and lse -inf. lse is base 2.
    total_q = q.shape[0]
    assert q.shape[1:] == (NUM_QO_HEADS, HEAD_DIM)
    assert k_cache.shape[1:] == (PAGE_SIZE, NUM_KV_HEADS, HEAD_DIM)
    group = NUM_QO_HEADS // NUM_KV_HEADS
    output = torch.zeros(total_q, NUM_QO_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=q.device)
    lse = torch.full((total_q, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=q.device)
    for b in range(qo_indptr.numel() - 1):
        q_begin, q_end = int(qo_indptr[b]), int(qo_indptr[b + 1])
        first, end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if q_begin >= q_end or first >= end:
            continue
        pages = kv_indices[first:end].long()
        last_page_len = {{LAST_PAGE_LEN}}
        k = kv_rows(k_cache, pages, last_page_len).repeat_interleave(group, dim=1)  # [L, H, D]
        v = kv_rows(v_cache, pages, last_page_len).repeat_interleave(group, dim=1)
        causal_attention(q[q_begin:q_end], k, v, sm_scale, output[q_begin:q_end], lse[q_begin:q_end])
    return output, lse
