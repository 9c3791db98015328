import torch

VOCAB_SIZE = {{VOCAB_SIZE}}


@torch.no_grad()
def run(probs, top_p):
    # Per row (nucleus sampling): sort by probability, keep the shortest prefix
    # whose mass reaches top_p (a token is kept when the mass before it is
    # below top_p), renormalize, draw one token. top_p <= 0 takes the argmax.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        row = probs[i].float()
        p = float(top_p[i])
        if p <= 0.0:
            samples[i] = torch.argmax(row)
            continue
        if p < 1.0:
            values, order = torch.sort(row, descending=True)
            mass_before = torch.cumsum(values, dim=0) - values
            kept = order[mass_before < p * row.sum()]
            row = torch.zeros_like(row).index_copy_(0, kept, row[kept])
        samples[i] = torch.multinomial(row / row.sum(), 1, replacement=True)[0]
    return samples
