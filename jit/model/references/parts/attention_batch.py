def attention_outputs(rows, value_dim, device):
    # output [rows, NUM_QO_HEADS, value_dim] (bfloat16; stays 0 for a query that
    # sees no key) and lse [rows, NUM_QO_HEADS] (float32, base 2; stays -inf there).
    output = torch.zeros(rows, NUM_QO_HEADS, value_dim, dtype=torch.bfloat16, device=device)
    lse = torch.full((rows, NUM_QO_HEADS), -math.inf, dtype=torch.float32, device=device)
    return output, lse


def sequences(qo_indptr, kv_indptr):
    # Every sequence b that has queries and keys: (b, its query rows
    # qo_indptr[b]:qo_indptr[b+1] as a slice, kv_indptr[b], kv_indptr[b+1]).
    for b in range(qo_indptr.numel() - 1):
        q_begin, q_end = int(qo_indptr[b]), int(qo_indptr[b + 1])
        kv_begin, kv_end = int(kv_indptr[b]), int(kv_indptr[b + 1])
        if q_begin < q_end and kv_begin < kv_end:
            yield b, slice(q_begin, q_end), kv_begin, kv_end


def one_query_each(q):
    # The qo_indptr of a decode batch: sequence b owns query row b.
    return torch.arange(q.shape[0] + 1, device=q.device)
