#!/usr/bin/env python3
"""Same-run PyTorch baselines for the rmsnorm kernels (GPU machine): F.rms_norm eager and
torch.compile, plain and fused (x + r, then rms_norm; output only), bf16, and a D2D copy.
Method as tools/bench/torch_baselines.py (CUDA events around the op, 256 MiB memset flush before each
iteration, median) plus a short GPU sleep after the flush so that the events time GPU work, not
Python launch overhead (this favours torch at small batches): tools/bench/cuda_events.py.
Usage: torch_norms.py --hidden 4096,7168 --batches 1,64,1024,16384 --compile-batches 16384 [--json OUT]
"""
import argparse, json, os, statistics, sys
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from cuda_events import event_times_us, flush_and_sleep, flush_buffer  # noqa: E402


def bench(fn, iters=50, warmup=5):
    before = flush_and_sleep(flush_buffer(), 100_000)
    return statistics.median(event_times_us(fn, iters, before, warmup))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", default="4096,7168")
    ap.add_argument("--batches", default="1,64,1024,16384")
    ap.add_argument("--compile-batches", default="16384")
    ap.add_argument("--json")
    ap.add_argument("--warm-only", action="store_true",
                    help="only compile (fills the inductor cache for a later timed run)")
    a = ap.parse_args()
    torch._dynamo.config.recompile_limit = 64
    res = []

    def rec(name, us, nbytes):
        r = {"name": name, "us": round(us, 3), "GBps": round(nbytes / us / 1e3, 1)}
        res.append(r)
        print(json.dumps(r), flush=True)

    if a.warm_only:
        for h in (int(x) for x in a.hidden.split(",")):
            for b in (int(x) for x in a.compile_batches.split(",") if x):
                x = torch.randn(b, h, dtype=torch.bfloat16, device="cuda")
                r = torch.randn(b, h, dtype=torch.bfloat16, device="cuda")
                w = torch.randn(h, dtype=torch.bfloat16, device="cuda")
                torch._dynamo.reset()
                torch.compile(lambda x, w: F.rms_norm(x.float(), (h,), w.float(), 1e-5).to(x.dtype))(x, w)
                torch._dynamo.reset()
                torch.compile(lambda x, r, w: F.rms_norm(x.float() + r.float(), (h,), w.float(), 1e-5).to(x.dtype))(x, r, w)
        torch.cuda.synchronize()
        print("warm done", flush=True)
        return
    n = 512 << 20
    src = torch.empty(n, dtype=torch.uint8, device="cuda").fill_(1)
    dst = torch.empty_like(src)
    rec("copy_512MiB", bench(lambda: dst.copy_(src), iters=20), 2 * n)
    cb = {int(b) for b in a.compile_batches.split(",") if b}
    for h in (int(x) for x in a.hidden.split(",")):
        for b in (int(x) for x in a.batches.split(",")):
            x = torch.randn(b, h, dtype=torch.bfloat16, device="cuda")
            r = torch.randn(b, h, dtype=torch.bfloat16, device="cuda")
            w = torch.randn(h, dtype=torch.bfloat16, device="cuda")
            pb, fb = 2 * b * h * 2 + 2 * h, 3 * b * h * 2 + 2 * h
            rec(f"rmsnorm_h{h}_b{b}_eager", bench(lambda: F.rms_norm(x, (h,), w, 1e-5)), pb)
            rec(f"fused_add_rmsnorm_h{h}_b{b}_eager", bench(lambda: F.rms_norm(x + r, (h,), w, 1e-5)), fb)
            if b in cb:
                torch._dynamo.reset()
                c1 = torch.compile(lambda x, w: F.rms_norm(x.float(), (h,), w.float(), 1e-5).to(x.dtype))
                rec(f"rmsnorm_h{h}_b{b}_compile", bench(lambda: c1(x, w)), pb)
                torch._dynamo.reset()
                c2 = torch.compile(lambda x, r, w: F.rms_norm(x.float() + r.float(), (h,), w.float(), 1e-5).to(x.dtype))
                rec(f"fused_add_rmsnorm_h{h}_b{b}_compile", bench(lambda: c2(x, r, w)), fb)
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
