HIDDEN_SIZE = {{HIDDEN_SIZE}}
EPS = {{EPS}}


def rms_norm(x, scale, dtype):
    # Each row of x (float32, [..., HIDDEN_SIZE]) divided by its root mean
    # square (float32 statistics), times scale, cast to dtype.
    assert x.shape[-1] == HIDDEN_SIZE
    inv_rms = torch.rsqrt(x.square().mean(dim=-1, keepdim=True) + EPS)
    return (x * inv_rms * scale).to(dtype)
