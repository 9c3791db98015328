# One-off cuBLAS baseline (same method as tools/bench/torch_baselines.py: L2 flush, CUDA events, median).
import json, statistics, sys, torch
DEV = "cuda"
def bench(fn, iters=30, warmup=5):
    flush = torch.empty(256 * 1024 * 1024, dtype=torch.uint8, device=DEV)
    for _ in range(warmup): fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        flush.zero_()
        s = torch.cuda.Event(enable_timing=True); e = torch.cuda.Event(enable_timing=True)
        s.record(); fn(); e.record(); e.synchronize()
        ts.append(s.elapsed_time(e) * 1e-3)
    return statistics.median(ts)
torch.manual_seed(0)
for nn, k in ((4096, 4096), (28672, 4096)):
    b = torch.randn(nn, k, dtype=torch.bfloat16, device=DEV)
    for m in (1, 16, 128, 4096, 8192):
        a = torch.randn(m, k, dtype=torch.bfloat16, device=DEV)
        t = bench(lambda: torch.matmul(a, b.t()))
        print(json.dumps({"name": f"cublas_n{nn}_k{k}_m{m}", "us": round(t * 1e6, 2), "TFLOPs": round(2 * m * nn * k / t / 1e12, 1), "B_GBps": round(nn * k * 2 / t / 1e9, 1)}), flush=True)
