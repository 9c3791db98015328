#!/usr/bin/env python3
"""The yardstick of issue 21's prefill target: torch._scaled_mm's FP8 (e4m3 x e4m3 -> bf16, per-tensor
scales) rate on the device, at the GEMM1 / GEMM2 shapes of a DeepSeek-V3 expert given 4096 x 8 / 32
token rows (a prefill of 4096 tokens spread evenly over 32 local experts = 1024 rows per expert) and
a large square GEMM. Median of 20 timed calls (CUDA events) after 5 warm-up calls.
Usage: bench_ref.py [--json FILE]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "bench"))
import cuda_events  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    a = ap.parse_args()
    torch = cuda_events.cuda_torch("bench_ref")
    if torch is None:
        return 2
    dev = torch.device("cuda")
    shapes = [("ds_gemm1_1024rows", 1024, 4096, 7168), ("ds_gemm2_1024rows", 1024, 7168, 2048),
              ("square_8192", 8192, 8192, 8192)]
    rows = []
    for name, m, n, k in shapes:
        a_ = torch.randn(m, k, device=dev).to(torch.float8_e4m3fn)
        b_ = torch.randn(n, k, device=dev).to(torch.float8_e4m3fn).t()  # column-major, as _scaled_mm wants
        one = torch.ones((), device=dev)
        f = lambda: torch._scaled_mm(a_, b_, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        for _ in range(5):
            f()
        torch.cuda.synchronize()
        times = []
        for _ in range(20):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            f()
            e.record()
            torch.cuda.synchronize()
            times.append(s.elapsed_time(e))
        times.sort()
        ms = times[len(times) // 2]
        tflops = 2.0 * m * n * k / (ms * 1e-3) / 1e12
        rows.append({"name": name, "m": m, "n": n, "k": k, "median_ms": ms, "tflops": tflops})
        print(f"{name:20s} {m}x{n}x{k}  {ms * 1e3:9.1f} us  {tflops:7.1f} TFLOP/s")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"device": torch.cuda.get_device_name(), "scaled_mm": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
