import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
HEAD_DIM_CKV = {{HEAD_DIM_CKV}}
HEAD_DIM_KPE = {{HEAD_DIM_KPE}}
PAGE_SIZE = {{PAGE_SIZE}}
TOPK = {{TOPK}}


@torch.no_grad()
def run(q_nope, q_pe, ckv_cache, kpe_cache, sparse_indices, sm_scale):
    # DeepSeek sparse attention: each token attends (absorbed MLA) only to the
    # cache slots its indexer chose. sparse_indices holds flat slot numbers
    # (page * PAGE_SIZE + offset); -1 marks unused entries. lse is base 2.
    num_tokens = q_nope.shape[0]
    assert q_nope.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_CKV) and q_pe.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_KPE)
    assert ckv_cache.shape[1] == PAGE_SIZE and sparse_indices.shape == (num_tokens, TOPK)
    ckv_slots = ckv_cache.reshape(-1, HEAD_DIM_CKV)
    kpe_slots = kpe_cache.reshape(-1, HEAD_DIM_KPE)
    output = torch.zeros(num_tokens, NUM_QO_HEADS, HEAD_DIM_CKV, dtype=torch.bfloat16, device=q_nope.device)
    lse = torch.full((num_tokens, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=q_nope.device)
    for t in range(num_tokens):
        slots = sparse_indices[t]
        slots = slots[slots >= 0].long()
        if slots.numel() == 0:
            continue
        ckv = ckv_slots[slots].float()
        kpe = kpe_slots[slots].float()
        logits = (q_nope[t].float() @ ckv.t() + q_pe[t].float() @ kpe.t()) * sm_scale  # [H, S]
        lse[t] = torch.logsumexp(logits, dim=-1) / math.log(2.0)
        output[t] = (torch.softmax(logits, dim=-1) @ ckv).to(torch.bfloat16)
    return output, lse
