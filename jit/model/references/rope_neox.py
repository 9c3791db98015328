import torch

HEAD_SIZE = {{HEAD_SIZE}}
ROTARY_DIM = {{ROTARY_DIM}}


def rotate(x, cos, sin):
    # NeoX style: dimension j of the first half pairs with j + ROTARY_DIM/2.
    rotated, rest = x[..., :ROTARY_DIM].float(), x[..., ROTARY_DIM:]
    first, second = rotated.chunk(2, dim=-1)
    out = torch.cat((first * cos - second * sin, second * cos + first * sin), dim=-1)
    return torch.cat((out.to(x.dtype), rest), dim=-1)


@torch.no_grad()
def run(q, k, cos_sin_cache, positions):
    # Rotary embedding of the first ROTARY_DIM dimensions of every q and k head;
    # cos_sin_cache[pos] holds ROTARY_DIM/2 cosines then ROTARY_DIM/2 sines.
    assert q.shape[-1] == HEAD_SIZE and k.shape[-1] == HEAD_SIZE and cos_sin_cache.shape[-1] == ROTARY_DIM
    cos, sin = cos_sin_cache[positions.long()].float().chunk(2, dim=-1)
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)  # broadcast over heads
    return rotate(q, cos, sin), rotate(k, cos, sin)
