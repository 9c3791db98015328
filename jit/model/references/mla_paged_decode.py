import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
HEAD_DIM_CKV = {{HEAD_DIM_CKV}}
HEAD_DIM_KPE = {{HEAD_DIM_KPE}}
PAGE_SIZE = {{PAGE_SIZE}}


# kjit-part: paged_kv


@torch.no_grad()
def run(q_nope, q_pe, ckv_cache, kpe_cache, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Multi-head latent attention, absorbed form: every head scores the shared
    # compressed KV (ckv) plus the shared rope key (kpe) and averages ckv rows.
    batch_size = q_nope.shape[0]
    assert q_nope.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_CKV) and q_pe.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_KPE)
    assert ckv_cache.shape[1:] == (PAGE_SIZE, HEAD_DIM_CKV) and kpe_cache.shape[1:] == (PAGE_SIZE, HEAD_DIM_KPE)
    output = torch.zeros(batch_size, NUM_QO_HEADS, HEAD_DIM_CKV, dtype=torch.bfloat16, device=q_nope.device)
    lse = torch.full((batch_size, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=q_nope.device)
    for b in range(batch_size):
        first, end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if first >= end:
            continue
        pages = kv_indices[first:end].long()
        last_page_len = {{LAST_PAGE_LEN}}
        ckv = kv_rows(ckv_cache, pages, last_page_len)  # [L, CKV]
        kpe = kv_rows(kpe_cache, pages, last_page_len)  # [L, KPE]
        logits = (q_nope[b].float() @ ckv.t() + q_pe[b].float() @ kpe.t()) * sm_scale  # [H, L]
        lse[b] = torch.logsumexp(logits, dim=-1) / math.log(2.0)
        output[b] = (torch.softmax(logits, dim=-1) @ ckv).to(torch.bfloat16)
    return output, lse
