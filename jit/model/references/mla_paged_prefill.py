import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
HEAD_DIM_CKV = {{HEAD_DIM_CKV}}
HEAD_DIM_KPE = {{HEAD_DIM_KPE}}
PAGE_SIZE = {{PAGE_SIZE}}
QUERY_TILE = 128  # queries per step, to bound the memory of the logits


# kjit-part: paged_kv


@torch.no_grad()
def run(q_nope, q_pe, ckv_cache, kpe_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Absorbed multi-head latent attention with an end-aligned causal mask:
    # query i of Q sees token t of L when t <= i + L - Q. lse is base 2.
    total_q = q_nope.shape[0]
    assert q_nope.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_CKV) and q_pe.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_KPE)
    assert ckv_cache.shape[1:] == (PAGE_SIZE, HEAD_DIM_CKV) and kpe_cache.shape[1:] == (PAGE_SIZE, HEAD_DIM_KPE)
    device = q_nope.device
    output = torch.zeros(total_q, NUM_QO_HEADS, HEAD_DIM_CKV, dtype=torch.bfloat16, device=device)
    lse = torch.full((total_q, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=device)
    for b in range(qo_indptr.numel() - 1):
        q_begin, q_end = int(qo_indptr[b]), int(qo_indptr[b + 1])
        first, end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if q_begin >= q_end or first >= end:
            continue
        pages = kv_indices[first:end].long()
        last_page_len = {{LAST_PAGE_LEN}}
        ckv = kv_rows(ckv_cache, pages, last_page_len)
        kpe = kv_rows(kpe_cache, pages, last_page_len)
        num_q, num_kv = q_end - q_begin, ckv.shape[0]
        for t0 in range(0, num_q, QUERY_TILE):
            t1 = min(t0 + QUERY_TILE, num_q)
            rows = slice(q_begin + t0, q_begin + t1)
            logits = (torch.einsum("qhc,lc->qhl", q_nope[rows].float(), ckv) +
                      torch.einsum("qhp,lp->qhl", q_pe[rows].float(), kpe)) * sm_scale
            position = torch.arange(t0, t1, device=device)[:, None, None] + (num_kv - num_q)
            hidden = torch.arange(num_kv, device=device)[None, None, :] > position
            logits = logits.masked_fill(hidden, -math.inf)
            lse[rows] = torch.logsumexp(logits, dim=-1) / math.log(2.0)
            probs = torch.softmax(logits, dim=-1).nan_to_num(0.0)
            output[rows] = torch.einsum("qhl,lc->qhc", probs, ckv).to(torch.bfloat16)
    return output, lse
