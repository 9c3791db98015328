MLA_QUERY_TILE = 128  # queries per step, to bound the memory of the logits


def mla_paged_attention(q_nope, q_pe, ckv_cache, kpe_cache, qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}},
                        sm_scale):
    # Absorbed multi-head latent attention: every head scores the shared
    # compressed KV (ckv) plus the shared rope key (kpe) and averages ckv rows,
    # with an end-aligned causal mask (query i of Q sees token t of L when
    # t <= i + L - Q).
    assert q_nope.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_CKV) and q_pe.shape[1:] == (NUM_QO_HEADS, HEAD_DIM_KPE)
    assert ckv_cache.shape[1:] == (PAGE_SIZE, HEAD_DIM_CKV) and kpe_cache.shape[1:] == (PAGE_SIZE, HEAD_DIM_KPE)
    device = q_nope.device
    output, lse = attention_outputs(q_nope.shape[0], HEAD_DIM_CKV, device)
    for rows, pages, last_page_len in paged_sequences(qo_indptr, kv_indptr, kv_indices{{LAST_PAGE_PARAM}}):
        ckv = kv_rows(ckv_cache, pages, last_page_len)  # [L, CKV]
        kpe = kv_rows(kpe_cache, pages, last_page_len)  # [L, KPE]
        num_q, num_kv = rows.stop - rows.start, ckv.shape[0]
        for t0 in range(0, num_q, MLA_QUERY_TILE):
            t1 = min(t0 + MLA_QUERY_TILE, num_q)
            tile = slice(rows.start + t0, rows.start + t1)
            logits = (torch.einsum("qhc,lc->qhl", q_nope[tile].float(), ckv) +
                      torch.einsum("qhp,lp->qhl", q_pe[tile].float(), kpe)) * sm_scale
            position = torch.arange(t0, t1, device=device)[:, None, None] + (num_kv - num_q)
            hidden = torch.arange(num_kv, device=device)[None, None, :] > position
            logits = logits.masked_fill(hidden, -math.inf)
            lse[tile] = torch.logsumexp(logits, dim=-1) / math.log(2.0)
            probs = torch.softmax(logits, dim=-1).nan_to_num(0.0)
            output[tile] = torch.einsum("qhl,lc->qhc", probs, ckv).to(torch.bfloat16)
    return output, lse
