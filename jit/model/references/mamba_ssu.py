import torch
import torch.nn.functional as F

NHEADS = {{NHEADS}}
HEAD_DIM = {{HEAD_DIM}}
DSTATE = {{DSTATE}}
NGROUPS = {{NGROUPS}}


@torch.no_grad()
def run(state, x, dt, A, B, C, D, dt_bias, state_batch_indices):
    # Mamba-2 selective state update for one token per sequence. With
    # delta = softplus(dt + dt_bias), for each head and channel:
    #   h <- exp(delta * A) h + delta * x * B;   y = C . h + D * x
    # B and C are shared by NHEADS / NGROUPS heads. The state lives in slot
    # state_batch_indices[i] of the cache; a negative slot is padding (skipped,
    # output 0). new_state is the cache after the update.
    batch_size = x.shape[0]
    assert x.shape[1:] == (NHEADS, HEAD_DIM) and B.shape[1:] == (NGROUPS, DSTATE)
    group = NHEADS // NGROUPS
    delta = F.softplus(dt.float() + dt_bias.float())                  # [B, H, P]
    decay = torch.exp(delta[..., None] * A.float()[None])             # [B, H, P, N]
    Bh = B.float().repeat_interleave(group, dim=1)[:, :, None, :]      # [B, H, 1, N]
    Ch = C.float().repeat_interleave(group, dim=1)[:, :, None, :]
    new_state = state.clone()
    output = torch.zeros(batch_size, NHEADS, HEAD_DIM, dtype=torch.float32, device=x.device)
    for i in range(batch_size):
        slot = int(state_batch_indices[i])
        if slot < 0:
            continue
        h = decay[i] * new_state[slot].float() + (delta[i] * x[i].float())[..., None] * Bh[i]
        new_state[slot] = h.to(state.dtype)
        output[i] = (h * Ch[i]).sum(dim=-1) + D.float() * x[i].float()
    return output.to(x.dtype), new_state
