BLOCK = 128  # FP8 scale block edge along every scaled dimension


def dequantize(values, scales):
    # values [..., R, C] times one scale per BLOCK x BLOCK tile ([..., R/BLOCK, C/BLOCK]).
    scale = scales.float().repeat_interleave(BLOCK, dim=-2).repeat_interleave(BLOCK, dim=-1)
    return values.float() * scale


def dequantize_activations(hidden_states, hidden_states_scale):
    # Activations carry one scale per 128 hidden columns (scale tensor [H/128, T]).
    return hidden_states.float() * hidden_states_scale.float().t().repeat_interleave(BLOCK, dim=1)
