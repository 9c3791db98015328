import torch

HEAD_SIZE = {{HEAD_SIZE}}
ROTARY_DIM = {{ROTARY_DIM}}


def rotate(x, cos, sin):
    # NeoX style: dimension j of the first half pairs with j + ROTARY_DIM/2.
    rotated, rest = x[..., :ROTARY_DIM].float(), x[..., ROTARY_DIM:]
    first, second = rotated.chunk(2, dim=-1)
    out = torch.cat((first * cos - second * sin, second * cos + first * sin), dim=-1)
    return torch.cat((out.to(x.dtype), rest), dim=-1)


# kjit-part: rope_run
