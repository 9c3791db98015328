#!/usr/bin/env python3
"""Times kjit's rmsnorm kernels and torch.compile's Triton kernels in ONE process with the SAME
L2-flush procedures, so that the two are compared fairly (GPU machine).

kjit kernels come as cubin + launch plan written by `kjit get NAME -o DIR/NAME.cubin --plan
DIR/NAME.json`; they are launched through CuPy on torch's current stream with the plan's grid /
block / dynamic shared memory (integer plan expressions evaluated here; only the shapes used by
templates/rmsnorm: names, + - * /, min, max, ceil_div).

Flush procedures before each timed launch (all outside the timed events):
  kjit   : memset of a buffer of 2 x L2 bytes, then the start event at once (runtime/runner_bench.cpp:
           the L2 is left full of dirty lines that are written back during the timed kernel)
  clean  : the same memset, then a read-only pass (sum) over another 2 x L2 buffer: the dirty
           lines are written back before the timed kernel, L2 holds clean lines
  torchn : memset of 256 MiB + ~100 us GPU sleep (tools/tune/rmsnorm/torch_norms.py)
Each case: 5 warm-ups, ITERS timed launches queued back to back, one synchronize, median
(tools/bench/cuda_events.event_times_us).
Usage: same_harness.py --kjit-dir DIR --names a,b,... [--batch 16384] [--hidden 4096] [--iters 100]
       [--wait-flag FILE] [--dump-triton OUT.tar.gz] [--json OUT]
--wait-flag: compile/warm everything first, print "warm done", then wait until FILE exists
(so that another benchmark can use the GPU alone meanwhile).
"""
import argparse, glob, json, os, re, sys, tarfile, time

import cupy as cp
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from cuda_events import event_times_us, flush_and_sleep, flush_buffer  # noqa: E402


def eval_expr(e, env):
    if isinstance(e, int):
        return e
    py = re.sub(r"(?<![/])/(?![/])", "//", str(e))
    return int(eval(py, {"min": min, "max": max, "ceil_div": lambda a, b: -(-a // b)}, dict(env)))


class KjitKernel:
    def __init__(self, d, name, tensors, env):
        plan = json.load(open(os.path.join(d, name + ".json")))
        assert len(plan["launches"]) == 1 and not plan.get("workspace")
        la = plan["launches"][0]
        self.mod = cp.RawModule(path=os.path.join(d, name + ".cubin"))
        self.fn = self.mod.get_function(la["entry"])
        self.smem = eval_expr(la["shared_bytes"], env)
        if self.smem > 48 * 1024:
            self.fn.max_dynamic_shared_size_bytes = self.smem
        self.grid = tuple(eval_expr(g, env) for g in la["grid"])
        self.block = tuple(eval_expr(b, env) for b in la["block"])
        args = []
        for a in la["args"]:
            if a in tensors:
                args.append(cp.asarray(tensors[a].view(torch.int16)))  # (no bf16 in CUDA array interface)
            else:
                args.append(cp.int64(env[a]))
        self.args = tuple(args)
        self.stream = cp.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream)

    def __call__(self):
        with self.stream:
            self.fn(self.grid, self.block, self.args, shared_mem=self.smem)


def bench(fn, method, iters, l2):
    flush = torch.empty(2 * l2, dtype=torch.uint8, device="cuda")
    clean = torch.empty(2 * l2 // 4, dtype=torch.float32, device="cuda").fill_(1.0)
    big = flush_buffer()
    sink = torch.empty(1, dtype=torch.float32, device="cuda")
    torchn = flush_and_sleep(big, 100_000)

    def before(i):
        if method == "kjit":
            flush.fill_(i & 1)
        elif method == "clean":
            flush.fill_(i & 1)
            torch.sum(clean, dim=0, keepdim=True, out=sink)
        else:
            torchn(i)
    t = sorted(event_times_us(fn, iters, before))
    return t[len(t) // 2], t[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kjit-dir", required=True)
    ap.add_argument("--names", required=True)
    ap.add_argument("--batch", type=int, default=16384)
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--methods", default="kjit,clean,torchn")
    ap.add_argument("--wait-flag")
    ap.add_argument("--dump-triton")
    ap.add_argument("--json")
    a = ap.parse_args()
    torch._dynamo.config.recompile_limit = 64
    b, h = a.batch, a.hidden
    dev = torch.cuda.get_device_properties(0)
    l2 = dev.L2_cache_size
    env = {"batch_size": b, "hidden_size": h, "num_sms": dev.multi_processor_count}
    g = torch.Generator(device="cuda").manual_seed(0)
    x = torch.randn(b, h, dtype=torch.bfloat16, device="cuda", generator=g)
    r = torch.randn(b, h, dtype=torch.bfloat16, device="cuda", generator=g)
    w = torch.randn(h, dtype=torch.bfloat16, device="cuda", generator=g)
    out = torch.empty_like(x)
    cases = {}
    want_p = F.rms_norm(x.float(), (h,), w.float(), 1e-5).to(torch.bfloat16)
    want_f = F.rms_norm(x.float() + r.float(), (h,), w.float(), 1e-5).to(torch.bfloat16)
    for n in a.names.split(","):
        fused = n.startswith("fused")
        t = {"hidden_states": x, "weight": w, "output": out}
        if fused:
            t["residual"] = r
        k = KjitKernel(a.kjit_dir, n, t, env)
        out.zero_()
        k()
        torch.cuda.synchronize()
        err = (out.float() - (want_f if fused else want_p).float()).abs().max().item()
        print(f"{n}: grid {k.grid} block {k.block} smem {k.smem} max|err| {err:.4g}", flush=True)
        cases["kjit:" + n] = (k, (3 if fused else 2) * b * h * 2 + 2 * h)
    torch._dynamo.reset()
    c1 = torch.compile(lambda x, w: F.rms_norm(x.float(), (h,), w.float(), 1e-5).to(x.dtype))
    c2 = torch.compile(lambda x, r, w: F.rms_norm(x.float() + r.float(), (h,), w.float(), 1e-5).to(x.dtype))
    c1(x, w); c2(x, r, w)
    torch.cuda.synchronize()
    cases["torch.compile:rmsnorm"] = (lambda: c1(x, w), 2 * b * h * 2 + 2 * h)
    cases["torch.compile:fused_add_rmsnorm"] = (lambda: c2(x, r, w), 3 * b * h * 2 + 2 * h)
    src = torch.empty(512 << 20, dtype=torch.uint8, device="cuda").fill_(1)
    dst = torch.empty_like(src)
    cases["copy_512MiB"] = (lambda: dst.copy_(src), 2 * (512 << 20))
    n16 = b * h * 2
    s16 = torch.empty(n16, dtype=torch.uint8, device="cuda").fill_(1)
    d16 = torch.empty_like(s16)
    cases["copy_same_bytes_as_rmsnorm"] = (lambda: d16.copy_(s16), 2 * n16)
    if a.dump_triton:
        files = []
        for pat in ("/tmp/torchinductor_*/**/*.py", os.path.expanduser("~/.triton/cache/**/*.ptx"),
                    os.path.expanduser("~/.triton/cache/**/*.json")):
            for f in glob.glob(pat, recursive=True):
                try:
                    txt = open(f, errors="ignore").read()
                except OSError:
                    continue
                if "rsqrt" in txt or "rms" in txt or f.endswith(".json"):
                    files.append(f)
        with tarfile.open(a.dump_triton, "w:gz") as tf:
            for f in files[:400]:
                tf.add(f, arcname=f.replace("/", "_")[-150:])
        print(f"dumped {len(files)} triton/inductor files", flush=True)
    print("warm done", flush=True)
    if a.wait_flag:
        while not os.path.exists(a.wait_flag):
            time.sleep(0.2)
    res = []
    for m in a.methods.split(","):
        for name, (fn, nbytes) in cases.items():
            med, mn = bench(fn, m, a.iters if not name.startswith("copy_512") else 20, l2)
            rr = {"method": m, "name": name, "us": round(med, 2), "min_us": round(mn, 2),
                  "GBps": round(nbytes / med / 1e3, 1)}
            res.append(rr)
            print(json.dumps(rr), flush=True)
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
