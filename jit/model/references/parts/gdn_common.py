import math

import torch
import torch.nn.functional as F

NUM_Q_HEADS = {{NUM_Q_HEADS}}
NUM_K_HEADS = {{NUM_K_HEADS}}
NUM_V_HEADS = {{NUM_V_HEADS}}
HEAD_SIZE = {{HEAD_SIZE}}


def delta_step(S, q, k, v, g, beta, scale):
    # Gated delta rule for one token, all heads at once. S [H, K, V] is the
    # state, q/k [H, K], v [H, V], g/beta [H]:
    #   S <- g S;  S <- S + k^T (beta (v - k S));  out = scale q S.
    S = g[:, None, None] * S
    correction = beta[:, None] * (v - torch.einsum("hk,hkv->hv", k, S))
    S = S + k[:, :, None] * correction[:, None, :]
    return S, scale * torch.einsum("hk,hkv->hv", q, S)


