import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
HEAD_DIM_CKV = {{HEAD_DIM_CKV}}
HEAD_DIM_KPE = {{HEAD_DIM_KPE}}
# kjit-part: paged_kv


# kjit-part: attention_batch


# kjit-part: mla_paged


@torch.no_grad()
def run(q_nope, q_pe, ckv_cache, kpe_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Absorbed multi-head latent attention prefill with an end-aligned causal
    # mask over the paged cache. lse is base 2.
    return mla_paged_attention(q_nope, q_pe, ckv_cache, kpe_cache, qo_indptr, kv_indptr,
                               kv_indices{{LAST_PAGE_PARAM}}, sm_scale)
