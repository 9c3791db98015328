"""Every served definition of the flashinfer-trace dataset, called through the
kjit Python package on the GPU, against the definition's own PyTorch
`reference` (exec'd and run on the GPU, as flashinfer-bench does), on the
dataset's workloads (var axes from workloads/<op>/<name>.jsonl; at most
--max-workloads per definition: the smallest, the largest and evenly spaced
ones by var-axis product, as kjit's runner picks them; definitions without a
workloads file get one default binding). Tolerance: flashinfer-bench's rule,
atol = rtol = 1e-2, every element must match (required matched ratio 1.0
for the served op types), non-finite values as kjit's runner (matching
infinities agree).

Writes one JSON object per workload to --out (JSONL) and prints a summary;
exit 0 when every workload PASSED (a reference that runs out of GPU memory
is reported as REFERENCE_OOM, not a failure of kjit).

Usage: python3 test_dataset.py --dataset DIR [--ops rmsnorm,gemm,...] [--max-workloads 3] [--out FILE]
"""
import argparse
import glob
import json
import math
import os
import random
import sys
import time
import traceback

import torch

import kjit
from inputs import compare, make_inputs, run_reference


def fully_masked_rows_to_zero(defn, ref, rec):
    """Attention rows that attend to no key (causal, a sequence with fewer kv than query
    tokens: the workloads' index structures are synthesized from the axes) have lse = -inf,
    and the definitions' references leave their output NaN (softmax over nothing).
    FlashInfer's convention, which kjit follows, is output 0 there: compare with that, so
    those rows are still checked, and say how many there were."""
    names = list(defn["outputs"])
    if "lse" not in names or "output" not in names:
        return ref
    out, lse = ref[names.index("output")], ref[names.index("lse")]
    empty = torch.isneginf(lse)
    if out.dim() != lse.dim() + 1 or not bool(empty.any()):
        return ref
    rows = empty.unsqueeze(-1) & torch.isnan(out)
    if not bool(rows.any()):
        return ref
    fixed = list(ref)
    fixed[names.index("output")] = torch.where(rows, torch.zeros_like(out), out)
    rec.setdefault("notes", []).append(
        f"{int(empty.sum().item())} (token, head) rows attend to no key: reference NaN, compared with 0")
    return fixed

SERVED = ("rmsnorm", "gemm", "gqa_paged", "gqa_ragged", "mla_paged", "mla_ragged")


def select(workloads, limit, var_axes):
    """Indices of at most `limit` workloads: smallest and largest by var-axis product, the rest evenly spaced."""
    if not workloads:
        return []
    order = sorted(range(len(workloads)), key=lambda i: math.prod(workloads[i]["workload"]["axes"].get(a, 1) for a in var_axes))
    if limit <= 0 or len(order) <= limit:
        return order
    if limit == 1:
        return [order[0]]
    picks = {order[round(j * (len(order) - 1) / (limit - 1))] for j in range(limit)}
    return sorted(picks, key=order.index)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", required=True, help="flashinfer-trace root (definitions/, workloads/)")
    p.add_argument("--ops", default=",".join(SERVED))
    p.add_argument("--max-workloads", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated definition names")
    p.add_argument("--out", default="python_dataset.jsonl")
    p.add_argument("--device", default="cuda")
    p.add_argument("--reference-only", action="store_true",
                   help="harness check without a GPU (e.g. --device cpu): inputs and references only, no kjit launch")
    a = p.parse_args()
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    oom = getattr(torch.cuda, "OutOfMemoryError", RuntimeError)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    ops = a.ops.split(",")
    known = {d["name"]: d for d in kjit.list()}
    # The dataset's own files (their references), whatever else is on kjit's search path.
    files = sorted(glob.glob(os.path.join(a.dataset, "definitions", "*", "*.json")))
    only = set(filter(None, a.only.split(",")))
    counts = {}
    failures = []
    t_start = time.time()
    with open(a.out, "w") as out:
        for file in files:
            with open(file) as f:
                defn = json.load(f)
            name = defn["name"]
            if defn["op_type"] not in ops or (only and name not in only):
                continue
            entry = known.get(name)
            if entry is None or not entry["template"]:
                rec = {"name": name, "status": "NOT_SERVED", "message": "kjit lists no template for it"}
                out.write(json.dumps(rec) + "\n")
                counts[rec["status"]] = counts.get(rec["status"], 0) + 1
                failures.append(rec)
                continue
            path = entry["path"]
            var_axes = [n for n, ax in defn["axes"].items() if ax["type"] == "var"]
            wl_file = os.path.join(a.dataset, "workloads", defn["op_type"], name + ".jsonl")
            workloads = []
            if os.path.exists(wl_file):
                with open(wl_file) as f:
                    workloads = [json.loads(line) for line in f if line.strip()]
                workloads = [w for w in workloads if w.get("definition") == name]
            jobs = [workloads[i] for i in select(workloads, a.max_workloads, var_axes)] or [None]
            try:
                k = None if a.reference_only else kjit.kernel(name)
            except kjit.Error as e:
                for job in jobs:
                    rec = {"name": name, "status": "COMPILE_ERROR" if isinstance(e, kjit.CompileError) else "RUNTIME_ERROR",
                           "message": str(e)[:2000]}
                    out.write(json.dumps(rec) + "\n")
                    counts[rec["status"]] = counts.get(rec["status"], 0) + 1
                    failures.append(rec)
                continue
            for wi, job in enumerate(jobs):
                wl = job["workload"] if job else None
                seed = 1000 + wi
                rec = {"name": name, "kernel_definition": path, "reference_definition": file,
                       "workload": (wl or {}).get("uuid"), "seed": seed}
                try:
                    rng = random.Random(seed)
                    gen = torch.Generator(device=dev)
                    gen.manual_seed(seed)
                    axes, values, notes = make_inputs(defn, wl, dev, rng, gen)
                    rec["axes"] = {n: axes[n] for n in var_axes if n in axes}
                    rec["notes"] = notes
                    got = None
                    if k is not None:
                        t0 = time.time()
                        got = k(*values)
                        sync()
                        rec["kjit_ms"] = round((time.time() - t0) * 1e3, 3)
                        got = list(got) if isinstance(got, tuple) else [got]
                    t0 = time.time()
                    try:
                        ref = run_reference(defn, values)
                        sync()
                    except oom:
                        rec["status"] = "REFERENCE_OOM"
                        raise StopIteration
                    if got is None:
                        got = ref  # --reference-only: the harness compares the reference with itself
                    rec["reference_ms"] = round((time.time() - t0) * 1e3, 3)
                    status = "PASSED"
                    rec["outputs"] = {}
                    ref = fully_masked_rows_to_zero(defn, ref, rec)
                    for (oname, ospec), x, y in zip(defn["outputs"].items(), got, ref):
                        if x.dtype != y.dtype:
                            status = "INCORRECT_DTYPE"
                        ratio, max_abs, max_rel, n_fail = compare(x, y)
                        rec["outputs"][oname] = {"matched_ratio": ratio, "max_abs": max_abs, "max_rel": max_rel, "failed": n_fail}
                        if n_fail < 0:
                            status = "INCORRECT_SHAPE"
                        elif ratio < 1.0 and status == "PASSED":
                            status = "INCORRECT_NUMERICAL"
                    rec["status"] = status
                except StopIteration:
                    pass
                except kjit.Error as e:
                    rec["status"] = "RUNTIME_ERROR"
                    rec["message"] = str(e)[:2000]
                except Exception as e:  # a harness problem: report it, keep going
                    rec["status"] = "HARNESS_ERROR"
                    rec["message"] = "".join(traceback.format_exception_only(type(e), e))[:2000]
                finally:
                    if cuda:
                        torch.cuda.empty_cache()
                counts[rec["status"]] = counts.get(rec["status"], 0) + 1
                if rec["status"] not in ("PASSED", "REFERENCE_OOM"):
                    failures.append(rec)
                out.write(json.dumps(rec) + "\n")
                out.flush()
                print(f"{rec['status']:<20} {name} {rec.get('axes', '')}", flush=True)
    print(f"python dataset check: {counts} in {time.time() - t_start:.0f} s")
    for f in failures[:10]:
        print("  FAILED:", json.dumps(f)[:400])
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
