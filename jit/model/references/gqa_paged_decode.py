import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
HEAD_DIM = {{HEAD_DIM}}
PAGE_SIZE = {{PAGE_SIZE}}


# kjit-part: paged_kv


@torch.no_grad()
def run(q, k_cache, v_cache, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # One query token per sequence attends to every cached token of it. Query
    # head h reads KV head h // (NUM_QO_HEADS // NUM_KV_HEADS). lse is base 2.
    batch_size = q.shape[0]
    assert q.shape[1:] == (NUM_QO_HEADS, HEAD_DIM)
    assert k_cache.shape[1:] == (PAGE_SIZE, NUM_KV_HEADS, HEAD_DIM)
    group = NUM_QO_HEADS // NUM_KV_HEADS
    output = torch.zeros(batch_size, NUM_QO_HEADS, HEAD_DIM, dtype=torch.bfloat16, device=q.device)
    lse = torch.full((batch_size, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=q.device)
    for b in range(batch_size):
        first, end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if first >= end:
            continue
        pages = kv_indices[first:end].long()
        last_page_len = {{LAST_PAGE_LEN}}
        k = kv_rows(k_cache, pages, last_page_len).repeat_interleave(group, dim=1)  # [L, H, D]
        v = kv_rows(v_cache, pages, last_page_len).repeat_interleave(group, dim=1)
        logits = torch.einsum("hd,lhd->hl", q[b].float(), k) * sm_scale
        lse[b] = torch.logsumexp(logits, dim=-1) / math.log(2.0)
        output[b] = torch.einsum("hl,lhd->hd", torch.softmax(logits, dim=-1), v).to(torch.bfloat16)
    return output, lse
