import torch

VOCAB_SIZE = {{VOCAB_SIZE}}


@torch.no_grad()
def run(probs, top_k):
    # Per row: keep the top_k most probable tokens (all tokens when top_k <= 0
    # or >= VOCAB_SIZE), renormalize, draw one token.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        row = probs[i].float()
        k = int(top_k[i])
        if 0 < k < VOCAB_SIZE:
            kept = torch.topk(row, k).indices
            row = torch.zeros_like(row).index_copy_(0, kept, row[kept])
        samples[i] = torch.multinomial(row / row.sum(), 1, replacement=True)[0]
    return samples
