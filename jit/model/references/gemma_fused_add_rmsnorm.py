import torch

HIDDEN_SIZE = {{HIDDEN_SIZE}}
EPS = {{EPS}}


@torch.no_grad()
def run(hidden_states, residual, weight):
    # Zero-centred RMSNorm (scale 1 + weight) of hidden_states + residual.
    assert hidden_states.shape[-1] == HIDDEN_SIZE
    x = hidden_states.float() + residual.float()
    inv_rms = torch.rsqrt(x.square().mean(dim=-1, keepdim=True) + EPS)
    return (x * inv_rms * (1.0 + weight.float())).to(hidden_states.dtype)
