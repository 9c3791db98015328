import torch

# kjit-part: sampling_filters


@torch.no_grad()
def run(probs, top_p):
    # Per row (nucleus sampling): sort by probability, keep the shortest prefix
    # whose mass reaches top_p (a token is kept when the mass before it is
    # below top_p), renormalize, draw one token. top_p <= 0 takes the argmax.
    return sample_rows(probs, lambda i, row: draw_top_p(row, float(top_p[i])))
