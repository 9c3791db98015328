import torch

# kjit-part: sampling_filters


@torch.no_grad()
def run(probs, top_k, top_p):
    # Per row: top-k filter first (keep the top_k most probable tokens; all when
    # top_k <= 0 or >= VOCAB_SIZE), renormalize, then the top-p (nucleus) filter
    # on the result (keep a token when the mass before it is below top_p;
    # top_p <= 0 takes the argmax), renormalize, draw one token.
    def draw_row(i, row):
        row = keep_top_k(row, int(top_k[i]))
        return draw_top_p(row / row.sum(), float(top_p[i]))

    return sample_rows(probs, draw_row)
