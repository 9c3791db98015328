import torch

VOCAB_SIZE = {{VOCAB_SIZE}}


# kjit-part: sampling_filters


@torch.no_grad()
def run(probs, top_p):
    # Per row (nucleus sampling): sort by probability, keep the shortest prefix
    # whose mass reaches top_p (a token is kept when the mass before it is
    # below top_p), renormalize, draw one token. top_p <= 0 takes the argmax.
    assert probs.shape[-1] == VOCAB_SIZE
    samples = torch.empty(probs.shape[0], dtype=torch.int64, device=probs.device)
    for i in range(probs.shape[0]):
        row, p = probs[i].float(), float(top_p[i])
        if p <= 0.0:
            samples[i] = torch.argmax(row)
            continue
        if p < 1.0:
            row = keep_top_p(row, p)
        samples[i] = torch.multinomial(row / row.sum(), 1, replacement=True)[0]
    return samples
