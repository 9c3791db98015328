@torch.no_grad()
def run(q, k, cos_sin_cache, positions):
    # Rotary embedding of the first ROTARY_DIM dimensions of every q and k head;
    # cos_sin_cache[pos] holds ROTARY_DIM/2 cosines then ROTARY_DIM/2 sines.
    assert q.shape[-1] == HEAD_SIZE and k.shape[-1] == HEAD_SIZE and cos_sin_cache.shape[-1] == ROTARY_DIM
    cos, sin = cos_sin_cache[positions.long()].float().chunk(2, dim=-1)
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)  # broadcast over heads
    return rotate(q, cos, sin), rotate(k, cos, sin)
