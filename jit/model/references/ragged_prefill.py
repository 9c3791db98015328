import math

import torch

NUM_QO_HEADS = {{NUM_QO_HEADS}}
NUM_KV_HEADS = {{NUM_KV_HEADS}}
QK_DIM = {{QK_DIM}}
VO_DIM = {{VO_DIM}}
GROUP = NUM_QO_HEADS // NUM_KV_HEADS  # query heads per KV head


# kjit-part: attention_batch


# kjit-part: causal_attention


@torch.no_grad()
def run(q, k, v, qo_indptr, kv_indptr, sm_scale):
    # Causal attention over contiguous (ragged) keys and values per sequence,
    # aligned at the end: query i of Q sees key t of L when t <= i + L - Q.
    # Query head h reads KV head h // GROUP. GQA has QK_DIM == VO_DIM; MLA in
    # the non-absorbed form has one KV head per query head, keys of the nope +
    # rope parts and values of VO_DIM. lse is base 2.
    assert q.shape[1:] == (NUM_QO_HEADS, QK_DIM) and k.shape[1:] == (NUM_KV_HEADS, QK_DIM)
    assert v.shape[1:] == (NUM_KV_HEADS, VO_DIM)
    output, lse = attention_outputs(q.shape[0], VO_DIM, q.device)
    for _, rows, kv_begin, kv_end in sequences(qo_indptr, kv_indptr):
        keys = k[kv_begin:kv_end].float().repeat_interleave(GROUP, dim=1)  # [L, H, QK_DIM]
        values = v[kv_begin:kv_end].float().repeat_interleave(GROUP, dim=1)
        causal_attention(q[rows], keys, values, sm_scale, output[rows], lse[rows])
    return output, lse
