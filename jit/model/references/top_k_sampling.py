import torch

VOCAB_SIZE = {{VOCAB_SIZE}}


# kjit-part: sampling_filters


@torch.no_grad()
def run(probs, top_k):
    # Per row: keep the top_k most probable tokens (all tokens when top_k <= 0
    # or >= VOCAB_SIZE), renormalize, draw one token.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        row = keep_top_k(probs[i].float(), int(top_k[i]))
        samples[i] = torch.multinomial(row / row.sum(), 1, replacement=True)[0]
    return samples
