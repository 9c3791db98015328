#!/usr/bin/env python3
"""Times kjit's rmsnorm / fused_add_rmsnorm kernels against PyTorch on a GPU machine.

Reads the cases that `tests/gpu/norms/harness.py prepare` rendered and compiled (cubins + plans
in DIR, default .device/norms), launches each kernel through its plan with CuPy, and times with
CUDA events: warm-up, then per iteration an L2 flush (a 256 MiB memset, outside the timed
region), a ~100 us GPU sleep (so the CPU has enqueued the op before the GPU reaches it: GPU time,
not launch overhead), start event, the op, end event; the median is reported. Baselines on the same inputs:
  eager    the definition's own PyTorch reference (several kernels)
  F.rms    torch.nn.functional.rms_norm (on x + r for the fused op)
  compile  torch.compile(reference) (selected cases, while the compile budget lasts)
  copy     a device-to-device copy moving the same number of bytes (read + written)
GB/s counts the bytes the op must move: inputs read once, output written once, weight once.

Usage (GPU machine): python3 tools/bench/bench_norms.py [--dir .device/norms] [--out FILE.md]
        [--batches 1,64,1024,16384] [--compile-budget-s 120] [--filter SUBSTRING]
Single-threaded; prints a Markdown table (and writes it to --out).
"""
import argparse
import json
import os
import statistics
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "gpu", "norms"))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))
import cuda_events  # noqa: E402
import harness  # noqa: E402

COMPILE_CASES = {"rmsnorm_h128", "rmsnorm_h2048", "rmsnorm_h4096", "rmsnorm_h7168",
                 "fused_add_rmsnorm_h4096", "fused_add_rmsnorm_h7168"}


class Timer:
    def __init__(self):
        # One flush buffer for the whole run; a ~100 us GPU sleep after each flush (reported apart
        # from launch overhead). No synchronize after the warm-up launches.
        self.before = cuda_events.flush_and_sleep(cuda_events.flush_buffer(), 200_000)

    def median_us(self, fn, iters, warmup=5):
        return statistics.median(cuda_events.event_times_us(fn, iters, self.before, warmup, sync_warmup=False))


def op_bytes(d, batch):
    h = d["axes"]["hidden_size"]["value"]
    size = {"bfloat16": 2, "float16": 2, "float32": 4}
    total = 0
    for name, spec in list(d["inputs"].items()) + list(d["outputs"].items()):
        n = batch * h if spec["shape"][0] == "batch_size" else h
        total += n * size[spec["dtype"]]
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=os.path.join(REPO, ".device", "norms"))
    ap.add_argument("--out")
    ap.add_argument("--batches", default="1,64,1024,16384")
    ap.add_argument("--compile-budget-s", type=float, default=120.0)
    ap.add_argument("--filter", default="")
    a = ap.parse_args()

    import torch
    import torch.nn.functional as F
    torch._dynamo.config.recompile_limit = 64
    dev = torch.cuda.get_device_properties(0)
    timer = Timer()
    cases = [c for c in json.load(open(os.path.join(a.dir, "cases.json")))["cases"]
             if c["bench"] and a.filter in c["id"]]
    batches = [int(b) for b in a.batches.split(",")]
    compile_spent = 0.0
    rows = []
    header = ("| case | batch | kjit µs | kjit GB/s | % of copy | eager µs | F.rms_norm µs | compile µs | "
              "kjit speedup vs best torch |")
    print(f"device: {dev.name}, {dev.multi_processor_count} SMs; torch {torch.__version__}", flush=True)
    print(header + "\n|---|---|---|---|---|---|---|---|---|", flush=True)
    for case in cases:
        d = json.load(open(os.path.join(a.dir, case["definition"])))
        h = d["axes"]["hidden_size"]["value"]
        k = harness.Kernel(case, a.dir)
        ref = harness.reference_fn(d)
        eps = float(harness.reference_consts(d["reference"])["EPS"])
        fused = "residual" in d["inputs"]
        compiled = None
        torch._dynamo.reset()  # every definition's `run` shares dynamo's frame cache otherwise
        if case["id"] in COMPILE_CASES and compile_spent < a.compile_budget_s:
            compiled = torch.compile(ref, dynamic=False)
        for b in batches:
            ins = harness.make_inputs(d, b, seed=1)
            outs = harness.make_outputs(d, b)
            tensors = {**ins, **outs}
            axes = {"batch_size": b, "hidden_size": h}
            iters = 30 if b >= 4096 else 60
            t_k = timer.median_us(lambda: k.launch(tensors, axes), iters)
            t_e = timer.median_us(lambda: ref(**ins), iters)
            x, w = ins["hidden_states"], ins["weight"]
            if fused:
                r = ins["residual"]
                t_f = timer.median_us(lambda: F.rms_norm(x + r, (h,), w, eps), iters)
            else:
                t_f = timer.median_us(lambda: F.rms_norm(x, (h,), w, eps), iters)
            t_c = None
            if compiled is not None and compile_spent < a.compile_budget_s:
                t0 = time.time()
                try:
                    compiled(**ins)
                    torch.cuda.synchronize()
                    compile_spent += time.time() - t0
                    t_c = timer.median_us(lambda: compiled(**ins), iters)
                except Exception as e:  # noqa: BLE001 (report and go on without the baseline)
                    print(f"torch.compile failed for {case['id']}: {e}", file=sys.stderr)
                    compiled = None
            nbytes = op_bytes(d, b)
            src = torch.empty(nbytes // 4, dtype=torch.int16, device="cuda")
            dst = torch.empty_like(src)
            t_copy = timer.median_us(lambda: dst.copy_(src), iters)
            best_torch = min(t for t in (t_e, t_f, t_c) if t is not None)
            row = {"case": case["id"], "batch": b, "kjit_us": t_k, "gbps": nbytes / t_k / 1e3,
                   "pct_copy": 100.0 * t_copy / t_k, "eager_us": t_e, "frms_us": t_f, "compile_us": t_c,
                   "copy_us": t_copy, "speedup": best_torch / t_k, "bytes": nbytes}
            rows.append(row)
            line = (f"| {case['id']} | {b} | {t_k:.2f} | {row['gbps']:.0f} | {row['pct_copy']:.0f}% | {t_e:.2f} | "
                    f"{t_f:.2f} | {'' if t_c is None else f'{t_c:.2f}'} | {row['speedup']:.2f}x |")
            print(line, flush=True)
            del ins, outs, tensors, src, dst
    if a.out:
        with open(a.out, "w") as f:
            f.write(f"device: {dev.name}, {dev.multi_processor_count} SMs; torch {torch.__version__}\n\n")
            f.write(header + "\n|---|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                f.write(f"| {r['case']} | {r['batch']} | {r['kjit_us']:.2f} | {r['gbps']:.0f} | {r['pct_copy']:.0f}% | "
                        f"{r['eager_us']:.2f} | {r['frms_us']:.2f} | "
                        f"{'' if r['compile_us'] is None else format(r['compile_us'], '.2f')} | {r['speedup']:.2f}x |\n")
        with open(os.path.splitext(a.out)[0] + ".json", "w") as f:
            json.dump({"device": dev.name, "torch": torch.__version__, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
