#!/usr/bin/env python3
"""PyTorch baselines for the sampling and rope kernels, measured in the same run as `kjit bench`
(tests/gpu/sampling/run.sh), so kjit's numbers can be quoted as ratios:

- copy_1GiB: device-to-device copy bandwidth (bytes read + written), the ceiling `kjit bench`
  also measures;
- sampling: the definitions' torch formulation, batched on the GPU (the references loop over
  rows; this is the same math on the whole batch): top-k by a descending sort and a rank mask,
  renormalize, top-p by a sort, cumsum and the shifted `cdf > p` mask, renormalize, then
  torch.multinomial. Rows use the definitions' per-row semantics (k <= 0 or >= vocab: no top-k;
  p <= 0: argmax; p >= 1: no top-p). Inputs like kjit's: softmax of N(0, 1), top_k uniform in
  [-1024, 1024), top_p ~ N(0, 1);
- flashinfer.sampling's kernels when the flashinfer package is importable (else skipped);
- rope: the definition's reference formulation on the whole batch (float32 math, bf16 out).

Timing: CUDA events, warm-up, L2 flushed before each iteration by writing 256 MiB, median
(tools/bench/cuda_events.py, as tools/bench/torch_baselines.py).
Usage: python3 tests/gpu/sampling/torch_sampling.py [--json OUT.json] [--quick]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "bench"))
from cuda_events import Results, median_s  # noqa: E402

DEV = "cuda"


def bench(fn, iters=30, warmup=3):
    return median_s(fn, iters, warmup)


def sample_batched(probs, top_k=None, top_p=None):
    """The references' math for a whole batch (one sort shared by both filters)."""
    batch, vocab = probs.shape
    vals, idx = torch.sort(probs, dim=-1, descending=True, stable=True)
    if top_k is not None:
        k = top_k.to(torch.int64)
        apply_k = (k > 0) & (k < vocab)
        rank = torch.arange(vocab, device=probs.device).unsqueeze(0)
        keep = (rank < k.unsqueeze(1)) | ~apply_k.unsqueeze(1)
        vals = torch.where(keep, vals, torch.zeros_like(vals))
        vals = vals / vals.sum(dim=-1, keepdim=True)
    argmax_rows = None
    if top_p is not None:
        p = top_p.to(torch.float32).unsqueeze(1)
        cdf = torch.cumsum(vals, dim=-1)
        remove = cdf > p
        remove[:, 1:] = remove[:, :-1].clone()
        remove[:, 0] = False
        remove &= (p < 1.0)
        vals = torch.where(remove, torch.zeros_like(vals), vals)
        argmax_rows = top_p <= 0
    choice = torch.multinomial(vals, 1).squeeze(1)
    samples = idx.gather(1, choice.unsqueeze(1)).squeeze(1)
    if argmax_rows is not None:
        samples = torch.where(argmax_rows, idx[:, 0], samples)
    return samples


def rope_reference(q, k, cache, positions, rotary_dim):
    head = q.shape[-1]
    cos, sin = cache[positions].chunk(2, dim=-1)

    def rot(x):
        xf = x.to(torch.float32)
        xr, xp = xf[..., :rotary_dim], xf[..., rotary_dim:]
        c, s = cos.unsqueeze(-2), sin.unsqueeze(-2)
        x1, x2 = torch.chunk(xr, 2, dim=-1)
        return torch.cat((x1 * c - x2 * s, x2 * c + x1 * s, xp), dim=-1).to(x.dtype)

    assert q.shape[-1] == head
    return rot(q), rot(k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    a = ap.parse_args()
    iters = 10 if a.quick else 30
    torch.manual_seed(0)
    out = Results()
    rec = out.rec
    out.rec_copy(warmup=3)

    try:
        import flashinfer.sampling as fis  # noqa: F401
    except Exception:  # not installed on the lent machine: skip its rows
        fis = None

    for vocab in (128256, 262208):
        for batch in (1, 64):
            probs = torch.softmax(torch.randn(batch, vocab, device=DEV), dim=-1)
            top_k = torch.randint(-1024, 1024, (batch,), device=DEV, dtype=torch.int32)
            top_p = torch.randn(batch, device=DEV)
            one_read = batch * vocab * 4
            for kind in ("top_k", "top_p", "top_k_top_p"):
                kk = top_k if "top_k" in kind else None
                pp = top_p if "top_p" in kind else None
                rec(f"torch_{kind}_v{vocab}_b{batch}", bench(lambda: sample_batched(probs, kk, pp), iters=iters),
                    one_read, kind=kind, vocab=vocab, batch=batch)
                if fis is not None:
                    try:
                        kpos = top_k.clamp(min=1)
                        ppos = top_p.clamp(min=1e-3, max=1.0)
                        fn = {"top_k": lambda: fis.top_k_sampling_from_probs(probs, kpos),
                              "top_p": lambda: fis.top_p_sampling_from_probs(probs, ppos),
                              "top_k_top_p": lambda: fis.top_k_top_p_sampling_from_probs(probs, kpos, ppos)}[kind]
                        rec(f"flashinfer_{kind}_v{vocab}_b{batch}", bench(fn, iters=iters), one_read, kind=kind,
                            vocab=vocab, batch=batch)
                    except Exception as e:  # an API difference must not stop the baselines
                        print(json.dumps({"name": f"flashinfer_{kind}_v{vocab}_b{batch}", "error": str(e)[:200]}))

    for tokens in (1, 77, 8192):
        hq, hk, head, rd, seq = 48, 8, 128, 64, 4096
        q = torch.randn(tokens, hq, head, device=DEV, dtype=torch.bfloat16)
        k = torch.randn(tokens, hk, head, device=DEV, dtype=torch.bfloat16)
        cache = torch.randn(seq, rd, device=DEV)
        pos = torch.randint(0, seq, (tokens,), device=DEV)
        moved = 2 * (q.numel() + k.numel()) * 2 + tokens * (rd * 4 + 8)
        rec(f"torch_rope_neox_d128_rd64_t{tokens}", bench(lambda: rope_reference(q, k, cache, pos, rd), iters=iters), moved,
            tokens=tokens)
        try:
            cc = torch.compile(lambda q, k, c, p: rope_reference(q, k, c, p, rd))
            rec(f"compile_rope_neox_d128_rd64_t{tokens}", bench(lambda: cc(q, k, cache, pos), iters=iters), moved,
                tokens=tokens)
        except Exception as e:
            print(json.dumps({"name": f"compile_rope_t{tokens}", "error": str(e)[:200]}))

    out.write(a.json)


if __name__ == "__main__":
    main()
