import torch

VOCAB_SIZE = {{VOCAB_SIZE}}


@torch.no_grad()
def run(probs, top_k, top_p):
    # Per row: top-k filter first (keep the top_k most probable tokens; all when
    # top_k <= 0 or >= VOCAB_SIZE), renormalize, then the top-p (nucleus) filter
    # on the result (keep a token when the mass before it is below top_p;
    # top_p <= 0 takes the argmax), renormalize, draw one token.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        row = probs[i].float()
        k, p = int(top_k[i]), float(top_p[i])
        if 0 < k < VOCAB_SIZE:
            kept = torch.topk(row, k).indices
            row = torch.zeros_like(row).index_copy_(0, kept, row[kept])
        row = row / row.sum()
        if p <= 0.0:
            samples[i] = torch.argmax(row)
            continue
        if p < 1.0:
            values, order = torch.sort(row, descending=True)
            mass_before = torch.cumsum(values, dim=0) - values
            kept = order[mass_before < p]
            row = torch.zeros_like(row).index_copy_(0, kept, row[kept])
        samples[i] = torch.multinomial(row / row.sum(), 1, replacement=True)[0]
    return samples
