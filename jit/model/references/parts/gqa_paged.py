def gqa_paged_attention(q, k_cache, v_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}, sm_scale):
    # Causal attention of each sequence's queries over its cached tokens,
    # aligned at the end: query i of Q sees token t of L when t <= i + L - Q.
    # Query head h reads KV head h // (NUM_QO_HEADS // NUM_KV_HEADS).
    assert q.shape[1:] == (NUM_QO_HEADS, HEAD_DIM)
    assert k_cache.shape[1:] == (PAGE_SIZE, NUM_KV_HEADS, HEAD_DIM)
    group = NUM_QO_HEADS // NUM_KV_HEADS
    output, lse = attention_outputs(q.shape[0], HEAD_DIM, q.device)
    for rows, pages, last_page_len in paged_sequences(qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}):
        k = kv_rows(k_cache, pages, last_page_len).repeat_interleave(group, dim=1)  # [L, H, D]
        v = kv_rows(v_cache, pages, last_page_len).repeat_interleave(group, dim=1)
        causal_attention(q[rows], k, v, sm_scale, output[rows], lse[rows])
    return output, lse
