import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
HEAD_DIM_CKV = {{HEAD_DIM_CKV}}
HEAD_DIM_KPE = {{HEAD_DIM_KPE}}
# kjit-part: paged_kv


# kjit-part: attention_batch


# kjit-part: mla_paged


@torch.no_grad()
def run(q_nope, q_pe, ckv_cache, kpe_cache, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Multi-head latent attention decode, absorbed form: the paged prefill
    # with one query token per sequence, which sees every cached token.
    return mla_paged_attention(q_nope, q_pe, ckv_cache, kpe_cache, one_query_each(q_nope), kv_indptr,
                               kv_indices{{LAST_PAGE_PARAM}}, sm_scale)
