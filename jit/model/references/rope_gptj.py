import torch

HEAD_SIZE = {{HEAD_SIZE}}
ROTARY_DIM = {{ROTARY_DIM}}


def rotate(x, cos, sin):
    # GPT-J (interleaved) style: dimensions 2j and 2j + 1 form pair j.
    rotated, rest = x[..., :ROTARY_DIM].float(), x[..., ROTARY_DIM:]
    even, odd = rotated[..., 0::2], rotated[..., 1::2]
    out = torch.stack((even * cos - odd * sin, odd * cos + even * sin), dim=-1).flatten(-2)
    return torch.cat((out.to(x.dtype), rest), dim=-1)


@torch.no_grad()
def run(q, k, cos_sin_cache, positions):
    # Rotary embedding of the first ROTARY_DIM dimensions of every q and k head;
    # cos_sin_cache[pos] holds ROTARY_DIM/2 cosines then ROTARY_DIM/2 sines.
    assert q.shape[-1] == HEAD_SIZE and k.shape[-1] == HEAD_SIZE and cos_sin_cache.shape[-1] == ROTARY_DIM
    cos, sin = cos_sin_cache[positions.long()].float().chunk(2, dim=-1)
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)  # broadcast over heads
    return rotate(q, cos, sin), rotate(k, cos, sin)
