import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
HEAD_DIM = {{HEAD_DIM}}
PAGE_SIZE = {{PAGE_SIZE}}
QUERY_TILE = 256  # queries per step, to bound the memory of the logits


def kv_rows(cache, pages, last_page_len):
    # The token rows of one sequence: all slots of its pages but the last one,
    # then the first `last_page_len` slots of the last page.
    rows = cache[pages].reshape(-1, *cache.shape[2:])
    return rows[: (pages.numel() - 1) * PAGE_SIZE + last_page_len].float()


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
        num_q, num_kv = q_end - q_begin, k.shape[0]
        for t0 in range(0, num_q, QUERY_TILE):
            t1 = min(t0 + QUERY_TILE, num_q)
            logits = torch.einsum("qhd,lhd->hql", q[q_begin + t0:q_begin + t1].float(), k) * sm_scale
            position = torch.arange(t0, t1, device=q.device)[:, None] + (num_kv - num_q)
            hidden = torch.arange(num_kv, device=q.device)[None, :] > position
            logits = logits.masked_fill(hidden, -math.inf)
            lse[q_begin + t0:q_begin + t1] = (torch.logsumexp(logits, dim=-1) / math.log(2.0)).t()
            probs = torch.softmax(logits, dim=-1).nan_to_num(0.0)
            output[q_begin + t0:q_begin + t1] = torch.einsum("hql,lhd->qhd", probs, v).to(torch.bfloat16)
    return output, lse
