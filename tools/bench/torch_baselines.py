#!/usr/bin/env python3
"""Baselines measured with PyTorch on the GPU machine, in the same run as
`kjit bench`, so kjit's numbers can be quoted as ratios:

- device-to-device copy bandwidth (bytes read + written),
- rmsnorm / fused add+rmsnorm: F.rms_norm eager and torch.compile,
- gemm C = A @ B.T (cuBLAS through torch.matmul), bf16,
- causal prefill attention: scaled_dot_product_attention (flash backend).

Timing: CUDA events, warm-up, L2 flushed between iterations by writing a
buffer larger than L2, median of the iterations (cuda_events.median_s).
Usage: python3 tools/bench/torch_baselines.py [--json OUT.json]
"""
import argparse
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cuda_events import Results, median_s  # noqa: E402

DEV = "cuda"


def bench(fn, iters=50, warmup=5):
    return median_s(fn, iters, warmup)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.manual_seed(0)
    out = Results()
    rec = out.rec
    out.rec_copy(warmup=5)

    for h in (4096, 7168):
        for b in (1, 64, 1024, 16384):
            x = torch.randn(b, h, dtype=torch.bfloat16, device=DEV)
            r = torch.randn(b, h, dtype=torch.bfloat16, device=DEV)
            w = torch.randn(h, dtype=torch.bfloat16, device=DEV)
            eager = lambda: F.rms_norm(x, (h,), w, 1e-5)
            rec(f"rmsnorm_h{h}_b{b}_eager", bench(eager), 2 * b * h * 2 + 2 * h)
            fused = lambda: F.rms_norm(x + r, (h,), w, 1e-5)
            rec(f"fused_add_rmsnorm_h{h}_b{b}_eager", bench(fused), 3 * b * h * 2 + 2 * h)
            try:
                torch._dynamo.reset()
                c1 = torch.compile(lambda x, w: F.rms_norm(x.float(), (h,), w.float(), 1e-5).to(x.dtype))
                rec(f"rmsnorm_h{h}_b{b}_compile", bench(lambda: c1(x, w)), 2 * b * h * 2 + 2 * h)
                torch._dynamo.reset()
                c2 = torch.compile(lambda x, r, w: F.rms_norm((x.float() + r.float()), (h,), w.float(), 1e-5).to(x.dtype))
                rec(f"fused_add_rmsnorm_h{h}_b{b}_compile", bench(lambda: c2(x, r, w)), 3 * b * h * 2 + 2 * h)
            except Exception as e:  # torch.compile may be unavailable
                rec(f"rmsnorm_h{h}_b{b}_compile", float("nan"), error=str(e)[:200])

    for (nn, k) in ((4096, 4096), (28672, 4096)):
        bm = torch.randn(nn, k, dtype=torch.bfloat16, device=DEV)
        for m in (1, 16, 128, 4096, 8192):
            am = torch.randn(m, k, dtype=torch.bfloat16, device=DEV)
            t = bench(lambda: torch.matmul(am, bm.t()))
            rec(f"gemm_n{nn}_k{k}_m{m}_cublas", t, bytes_=nn * k * 2, flops=2 * m * nn * k)

    for (b, s) in ((8, 2048),):
        q = torch.randn(b, 32, s, 128, dtype=torch.bfloat16, device=DEV)
        kk = torch.randn(b, 8, s, 128, dtype=torch.bfloat16, device=DEV)
        v = torch.randn(b, 8, s, 128, dtype=torch.bfloat16, device=DEV)
        kr = kk.repeat_interleave(4, dim=1)
        vr = v.repeat_interleave(4, dim=1)
        flops = 4 * b * 32 * 128 * (s * (s + 1) // 2)
        try:
            from torch.nn.attention import SDPBackend, sdpa_kernel
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                t = bench(lambda: F.scaled_dot_product_attention(q, kr, vr, is_causal=True))
            rec(f"sdpa_flash_causal_b{b}_s{s}_h32_d128", t, flops=flops)
        except Exception as e:
            rec(f"sdpa_flash_causal_b{b}_s{s}_h32_d128", float("nan"), error=str(e)[:200])
    out.write(a.json)


if __name__ == "__main__":
    main()
