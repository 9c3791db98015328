import torch

HIDDEN_SIZE = {{HIDDEN_SIZE}}
EPS = {{EPS}}


@torch.no_grad()
def run(hidden_states, weight):
    # Zero-centred RMSNorm (Gemma, Qwen3-Next): the learned scale is 1 + weight.
    assert hidden_states.shape[-1] == HIDDEN_SIZE
    x = hidden_states.float()
    inv_rms = torch.rsqrt(x.square().mean(dim=-1, keepdim=True) + EPS)
    return (x * inv_rms * (1.0 + weight.float())).to(hidden_states.dtype)
