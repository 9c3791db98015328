VOCAB_SIZE = {{VOCAB_SIZE}}


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


def draw(row):
    # One token drawn from row's probabilities (renormalized).
    return torch.multinomial(row / row.sum(), 1, replacement=True)[0]


def draw_top_p(row, p):
    # One token after the top-p filter: p <= 0 takes the argmax, p >= 1 keeps every token.
    if p <= 0.0:
        return torch.argmax(row)
    if p < 1.0:
        row = keep_top_p(row, p)
    return draw(row)


def sample_rows(probs, draw_row):
    # samples[i] = draw_row(i, row i of probs in float32), one row after the other.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        samples[i] = draw_row(i, probs[i].float())
    return samples
