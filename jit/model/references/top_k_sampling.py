import torch

# kjit-part: sampling_filters


@torch.no_grad()
def run(probs, top_k):
    # Per row: keep the top_k most probable tokens (all tokens when top_k <= 0
    # or >= VOCAB_SIZE), renormalize, draw one token.
    return sample_rows(probs, lambda i, row: draw(keep_top_k(row, int(top_k[i]))))
