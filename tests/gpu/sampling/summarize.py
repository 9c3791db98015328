#!/usr/bin/env python3
"""Summary of a tests/gpu/sampling/run.sh output folder: correctness per check job (status counts,
the worst pooled / per-token TVD, mask violations, determinism, every non-PASSED workload), then
performance (kjit bench against the same run's torch baselines and copy bandwidth) with the issue's
targets marked. Usage: summarize.py DIR
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from results import read_jsonl  # noqa: E402


load_lines = read_jsonl


def baseline(row, text):
    """`text(us)` for a torch baselines row (torch.json) that ran; "" when the row is missing."""
    return text(row["us"]) if row else ""


def main(d):
    print("== correctness")
    suspect = []
    for f in sorted(glob.glob(os.path.join(d, "check_*.jsonl"))):
        tag = os.path.basename(f)[6:-6]
        defs = load_lines(f)
        counts, worst_pooled, worst_token, viol, nondet = {}, 0.0, 0.0, 0, 0
        bad = []
        for r in defs:
            counts[r.get("status")] = counts.get(r.get("status"), 0) + 1
            for w in r.get("workloads", []):
                s = w.get("sampling")
                if s:
                    worst_pooled = max(worst_pooled, s.get("tvd_pooled_max", 0))
                    worst_token = max(worst_token, s.get("tvd_token_max", 0))
                    viol += s.get("mask_violations", 0)
                    nondet += 0 if s.get("deterministic", True) else 1
                    if s.get("tvd_pooled_max", 0) > 0.05:
                        suspect.append((tag, r["name"], w.get("axes"), s.get("tvd_pooled_max")))
                if w.get("status") != "PASSED":
                    bad.append((r["name"], w.get("axes"), w.get("status"), str(w.get("log", ""))[-300:]))
            if not r.get("workloads") and r.get("status") != "PASSED":
                bad.append((r["name"], None, r.get("status"), r.get("message", "")[:300]))
        extra = f" pooled TVD max {worst_pooled:.4f}, per-token TVD max {worst_token:.3f}, mask violations {viol}, non-deterministic {nondet}" if worst_pooled or worst_token else ""
        print(f"{tag:14s} {len(defs):3d} definitions {counts}{extra}")
        err = f[:-6] + ".err"
        if not defs and os.path.exists(err):
            tail = [l.rstrip() for l in open(err) if l.strip()][-2:]
            for l in tail:
                print("     stderr:", l[:300])
        for b in bad[:8]:
            print("    ", *b)
        lat = [(r["name"], w.get("axes"), w.get("latency_ms")) for r in defs for w in r.get("workloads", []) if w.get("latency_ms")]
        if tag.startswith("rope") and lat:
            for n, a, l in lat:
                print(f"     {n} {a} latency {l * 1e3:.1f} us")
    if suspect:
        print("pooled TVD above 0.05 (passes the 0.2 rule; an exact sampler's noise is ~0.01-0.02):")
        for s in suspect[:20]:
            print("    ", *s)

    print("\n== performance")
    torch_rows = {}
    copy = None
    tj = os.path.join(d, "torch.json")
    if os.path.exists(tj):
        t = json.load(open(tj))
        for r in t.get("results", []):
            torch_rows[r["name"]] = r
        copy = torch_rows.get("copy_1GiB", {}).get("GBps")
        print(f"device {t.get('device')}, torch {t.get('torch')}, torch copy {copy:.0f} GB/s" if copy else "")
    bench = []
    for f in ("bench_sampling.jsonl", "bench_rope.jsonl"):
        p = os.path.join(d, f)
        if os.path.exists(p):
            bench += load_lines(p)
    for r in bench:
        name, axes = r["name"], r.get("axes", {})
        us = r["median_ms"] * 1e3
        frac = r.get("bandwidth_fraction", 0)
        line = f"{name:44s} {json.dumps(axes):60s} {us:9.1f} us {r.get('gbps', 0):7.0f} GB/s {frac:5.2f} of copy ({r.get('peak_copy_gbps', 0):.0f})"
        if name.startswith(("top_k", "top_p")):
            kind = "top_k_top_p" if name.startswith("top_k_top_p") else ("top_k" if name.startswith("top_k") else "top_p")
            vocab, batch = axes.get("vocab_size"), axes.get("batch_size")
            tr = torch_rows.get(f"torch_{kind}_v{vocab}_b{batch}")
            line += baseline(tr, lambda t: f" | torch {t:8.1f} us x{t / us:5.1f}")
            line += baseline(torch_rows.get(f"flashinfer_{kind}_v{vocab}_b{batch}"),
                             lambda t: f" | flashinfer {t:7.1f} us x{t / us:4.2f}")
            goals = []
            if batch == 1:
                goals.append("<=20us " + ("ok" if us <= 20 else "MISS"))
            if batch == 64:
                goals.append(">=0.5 copy " + ("ok" if frac >= 0.5 else "MISS"))
                if tr:
                    goals.append(">=10x torch " + ("ok" if tr["us"] / us >= 10 else "MISS"))
            line += "  [" + ", ".join(goals) + "]"
        elif name.startswith("rope"):
            for label in ("torch", "compile"):
                line += baseline(torch_rows.get(f"{label}_rope_neox_d128_rd64_t{axes.get('num_tokens')}"),
                                 lambda t: f" | {label} {t:7.1f} us")
            if axes.get("num_tokens") == 8192:
                line += "  [>=0.8 copy " + ("ok" if frac >= 0.8 else "MISS") + "]"
        print(line)
    vp = os.path.join(d, "bench_variants.jsonl")
    if os.path.exists(vp):
        print("\n== variants (tools/tune/sampling/variants.sh; timing only)")
        for r in load_lines(vp):
            print(f"{r.get('variant', '?'):10s} {r['name']:44s} batch {r.get('axes', {}).get('batch_size')!s:4s} "
                  f"{r['median_ms'] * 1e3:8.1f} us {r.get('bandwidth_fraction', 0):5.2f} of copy")
    print("\n(torch rows: " + ", ".join(f"{n} {r['us']:.0f}us" for n, r in torch_rows.items() if n != "copy_1GiB") + ")")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
