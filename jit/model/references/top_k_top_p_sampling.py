import torch

VOCAB_SIZE = {{VOCAB_SIZE}}


# kjit-part: sampling_filters


@torch.no_grad()
def run(probs, top_k, top_p):
    # Per row: top-k filter first (keep the top_k most probable tokens; all when
    # top_k <= 0 or >= VOCAB_SIZE), renormalize, then the top-p (nucleus) filter
    # on the result (keep a token when the mass before it is below top_p;
    # top_p <= 0 takes the argmax), renormalize, draw one token.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        row = keep_top_k(probs[i].float(), int(top_k[i]))
        row, p = row / row.sum(), float(top_p[i])
        if p <= 0.0:
            samples[i] = torch.argmax(row)
            continue
        if p < 1.0:
            row = keep_top_p(row, p)
        samples[i] = torch.multinomial(row / row.sum(), 1, replacement=True)[0]
    return samples
