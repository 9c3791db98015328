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
def run(q, k_cache, v_cache, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # One query token per sequence attends to every cached token of it: the
    # paged prefill with one query per sequence. lse is base 2.
    return gqa_paged_attention(q, k_cache, v_cache, one_query_each(q), kv_indptr, kv_indices{{LAST_PAGE_PARAM}},
                               sm_scale)
