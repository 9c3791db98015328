import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
HEAD_DIM = {{HEAD_DIM}}
# kjit-part: paged_kv


# kjit-part: attention_batch


# kjit-part: causal_attention


# kjit-part: gqa_paged


@torch.no_grad()
def run(q, k_cache, v_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Causal attention of each sequence's new queries over its cached tokens
    # (new tokens appended to cached ones). A query that sees no token keeps
    # output 0 and lse -inf. lse is base 2.
    return gqa_paged_attention(q, k_cache, v_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale)
