def keep_top_k(row, k):
    # The k most probable tokens of row (all of them when k <= 0 or >= VOCAB_SIZE); the rest 0.
    if 0 < k < VOCAB_SIZE:
        kept = torch.topk(row, k).indices
        row = torch.zeros_like(row).index_copy_(0, kept, row[kept])
    return row


def keep_top_p(row, p):
    # Nucleus filter (0 < p < 1): sort by probability and keep a token when the
    # mass before it is below p of the row's mass; the rest 0.
    values, order = torch.sort(row, descending=True)
    mass_before = torch.cumsum(values, dim=0) - values
    kept = order[mass_before < p * row.sum()]
    return torch.zeros_like(row).index_copy_(0, kept, row[kept])
