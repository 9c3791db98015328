import torch

HEAD_SIZE = {{HEAD_SIZE}}
ROTARY_DIM = {{ROTARY_DIM}}


def rotate(x, cos, sin):
    # GPT-J (interleaved) style: dimensions 2j and 2j + 1 form pair j.
    rotated, rest = x[..., :ROTARY_DIM].float(), x[..., ROTARY_DIM:]
    even, odd = rotated[..., 0::2], rotated[..., 1::2]
    out = torch.stack((even * cos - odd * sin, odd * cos + even * sin), dim=-1).flatten(-2)
    return torch.cat((out.to(x.dtype), rest), dim=-1)


# kjit-part: rope_run
