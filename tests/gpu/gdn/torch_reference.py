#!/usr/bin/env python3
"""Times the gdn prefill definitions' own PyTorch `reference` on the GPU: the baseline kjit's
chunked prefill is compared with (issue 22: >= 20x). Execs each definition's `reference` text and
calls run() on CUDA tensors of N sequences x L tokens (kjit's input distributions: q, v, a, b
N(0, 1) bf16, k rows of unit norm, state N(0, 1) fp32, A_log / dt_bias N(0, 1) fp32, scale
1/sqrt(head_size)), after one small warm-up call; one timed call (the reference is a Python loop
over tokens, seconds long), synchronized. Prints one JSON line per definition:
  {"name", "seqs", "len", "tokens", "seconds", "tokens_per_s"}
and writes them all to --json OUT.

Usage: torch_reference.py --definitions-root DIR NAME [NAME ...] [--seqs 8] [--len 4096] [--json OUT]
"""
import argparse
import json
import math
import time
from pathlib import Path

import torch


def load(root, name):
    found = sorted(Path(root).rglob(f"{name}.json"))
    if not found:
        raise SystemExit(f"torch_reference: {name}.json not found under {root}")
    d = json.loads(found[0].read_text())
    ns = {"__name__": f"reference_{name}"}
    exec(compile(d["reference"], f"<{name}.reference>", "exec"), ns)  # noqa: S102 - the dataset's reference
    return d, ns["run"]


def inputs(d, seqs, length, dev):
    ax = {k: v.get("value") for k, v in d["axes"].items()}
    hq, hk, hv, dim = ax["num_q_heads"], ax["num_k_heads"], ax["num_v_heads"], ax["head_size"]
    total = seqs * length
    g = torch.Generator(device=dev).manual_seed(0)

    def randn(*shape, dtype=torch.bfloat16):
        return torch.randn(*shape, generator=g, device=dev, dtype=torch.float32).to(dtype)

    k = randn(total, hk, dim, dtype=torch.float32)
    k = (k / k.norm(dim=-1, keepdim=True)).to(torch.bfloat16)
    return dict(q=randn(total, hq, dim), k=k, v=randn(total, hv, dim),
                state=randn(seqs, hv, dim, dim, dtype=torch.float32),
                A_log=randn(hv, dtype=torch.float32), a=randn(total, hv),
                dt_bias=randn(hv, dtype=torch.float32), b=randn(total, hv),
                cu_seqlens=torch.arange(0, total + 1, length, device=dev, dtype=torch.int64),
                scale=1.0 / math.sqrt(dim))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="+")
    ap.add_argument("--definitions-root", required=True)
    ap.add_argument("--seqs", type=int, default=8)
    ap.add_argument("--len", type=int, default=4096)
    ap.add_argument("--json")
    a = ap.parse_args()
    dev = "cuda"
    records = []
    for name in a.names:
        d, run = load(a.definitions_root, name)
        run(**inputs(d, 1, 16, dev))  # warm-up: CUDA context, kernels' first launch
        x = inputs(d, a.seqs, a.len, dev)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        run(**x)
        torch.cuda.synchronize()
        s = time.perf_counter() - t0
        r = {"name": name, "seqs": a.seqs, "len": a.len, "tokens": a.seqs * a.len, "seconds": s,
             "tokens_per_s": a.seqs * a.len / s, "device": torch.cuda.get_device_name(0)}
        records.append(r)
        print(json.dumps(r), flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
