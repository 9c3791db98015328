#!/usr/bin/env python3
"""Summary of a tests/gpu/gdn/run.sh output folder: compile resources, every check (status and
errors per definition and configuration), benchmarks with the issue-22 ratios, the torch
reference and the reference fidelity. Prints a report; --json writes the same as JSON.

Ratios:
  decode / mtp / mamba: state bytes moved / median time / measured copy bandwidth, where the
    state bytes are: decode 2 x batch x HV x D^2 x 4; mtp batch x HV x D^2 x 4 x (1 + seq_len)
    (read once, one intermediate state written per token; final_state unchanged in place);
    mamba 2 x batch x nheads x head_dim x dstate x 2 (bf16). Targets: >= 0.75 (moonshot 0.90).
  prefill: tokens/s at 8 x 4096 over kjit's causal GQA prefill at the same heads / dim (>= 0.5)
    and over the definition's PyTorch reference on the GPU (>= 20).
Usage: summarize.py OUT_DIR [--json FILE]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from results import read_jsonl, read_tsv, summary_args, write_report  # noqa: E402


jsonl = read_jsonl
tsv = read_tsv


def state_bytes(name, ax):
    d = ax.get("head_size", 0)
    if name.startswith("gdn_decode"):
        return 2 * ax["batch_size"] * ax["num_v_heads"] * d * d * 4
    if name.startswith("gdn_mtp"):
        return ax["batch_size"] * ax["num_v_heads"] * d * d * 4 * (1 + ax["seq_len"])
    if name.startswith("mamba_ssu"):
        return 2 * ax["batch_size"] * ax["nheads"] * ax["head_dim"] * ax["dstate"] * 2
    return None


def main():
    a = summary_args()
    o = a.out
    report = {"compile": [], "checks": [], "benches": [], "prefill": [], "torch": [], "fidelity": []}

    print("== compile (device arch)")
    for r in jsonl(os.path.join(o, "compile.jsonl")):
        report["compile"].append(r)
        print(f"  {r.get('name', '?'):50s} {r.get('status', '?'):9s} regs {r.get('registers')} spills {r.get('spill_bytes')} "
              f"{r.get('error', '')[:120]}")

    print("== checks")
    counts = {}
    for tag, args in tsv(os.path.join(o, "checks.tsv")):
        rows = jsonl(os.path.join(o, f"check_{tag}.jsonl"))
        if not rows:
            err = os.path.join(o, f"check_{tag}.err")
            msg = open(err).read().strip().splitlines()[-1:] if os.path.exists(err) else []
            report["checks"].append({"tag": tag, "args": args, "status": "NO_RESULT", "message": " ".join(msg)})
            counts["NO_RESULT"] = counts.get("NO_RESULT", 0) + 1
            print(f"  {tag:34s} NO RESULT  {' '.join(msg)[:160]}")
            continue
        for r in rows:
            w = (r.get("workloads") or [{}])[0]
            rec = {"tag": tag, "args": args, "name": r.get("name"), "status": r.get("status"), "axes": w.get("axes"),
                   "max_abs": w.get("max_absolute_error"), "max_rel": w.get("max_relative_error"),
                   "worst": w.get("worst_tensor"), "latency_ms": w.get("latency_ms"), "message": r.get("message")}
            report["checks"].append(rec)
            counts[rec["status"]] = counts.get(rec["status"], 0) + 1
            lat = f"{rec['latency_ms'] * 1e3:9.1f} us" if rec["latency_ms"] else ""
            print(f"  {tag:34s} {r.get('name', '?'):36s} {rec['status']:20s} abs {rec['max_abs']} rel {rec['max_rel']} "
                  f"{rec['worst'] or ''} {lat} {(rec['message'] or '')[:100]}")
    print("  totals:", counts)
    report["check_totals"] = counts

    print("== benches")
    by_tag = {}
    for tag, args in tsv(os.path.join(o, "benches.tsv")):
        for r in jsonl(os.path.join(o, f"bench_{tag}.jsonl")):
            ax = r.get("axes", {})
            rec = {"tag": tag, "name": r["name"], "axes": ax, "median_us": r["median_ms"] * 1e3, "gbps": r["gbps"],
                   "copy_gbps": r["peak_copy_gbps"], "fraction_all_bytes": r["bandwidth_fraction"]}
            sb = state_bytes(r["name"], ax)
            if sb and r["median_ms"] > 0 and r["peak_copy_gbps"] > 0:
                rec["state_bytes"] = sb
                rec["state_fraction"] = sb / (r["median_ms"] * 1e-3) / 1e9 / r["peak_copy_gbps"]
            if "total_seq_len" in ax or "total_q" in ax:
                tokens = ax.get("total_seq_len", ax.get("total_q"))
                rec["tokens_per_s"] = tokens / (r["median_ms"] * 1e-3)
            by_tag.setdefault(tag, []).append(rec)
            report["benches"].append(rec)
            extra = f"state {rec['state_fraction']:.3f} of copy" if "state_fraction" in rec else ""
            if "tokens_per_s" in rec:
                extra = f"{rec['tokens_per_s'] / 1e6:.2f} M tokens/s"
            print(f"  {tag:22s} {r['name']:50s} {rec['median_us']:10.1f} us {r['gbps']:8.0f} GB/s "
                  f"(copy {r['peak_copy_gbps']:.0f}, all bytes {r['bandwidth_fraction']:.3f}) {extra}")

    torch_rows = []
    tp = os.path.join(o, "torch_reference.json")
    if os.path.exists(tp):
        torch_rows = json.load(open(tp))
    report["torch"] = torch_rows
    print("== prefill 8 x 4096: kjit gdn vs kjit causal GQA (same heads / dim) vs the PyTorch reference")
    gqa = {r["name"]: r for r in by_tag.get("gqa_8x4096", [])}
    for r in by_tag.get("prefill_8x4096", []):
        qk = r["name"].split("_")[2]          # qk4 / qk8
        hv = r["name"].split("_")[3][1:]      # v8 -> 8
        g = gqa.get(f"gdntest_gqa_ragged_prefill_causal_h{hv}_kv{qk[2:]}_d128")
        t = next((x for x in torch_rows if x["name"] == r["name"]), None)
        rec = {"name": r["name"], "tokens_per_s": r.get("tokens_per_s"), "median_us": r["median_us"]}
        if g and g.get("tokens_per_s"):
            rec["gqa_name"] = g["name"]
            rec["gqa_tokens_per_s"] = g["tokens_per_s"]
            rec["vs_gqa"] = r["tokens_per_s"] / g["tokens_per_s"]
        if t:
            rec["torch_tokens_per_s"] = t["tokens_per_s"]
            rec["vs_torch"] = r["tokens_per_s"] / t["tokens_per_s"]
        report["prefill"].append(rec)
        print(f"  {r['name']:36s} {rec['median_us']:9.1f} us  {rec['tokens_per_s'] / 1e6:7.2f} M tok/s  "
              f"vs GQA {rec.get('vs_gqa', float('nan')):.2f}x (target >= 0.5)  vs torch reference "
              f"{rec.get('vs_torch', float('nan')):.0f}x (target >= 20)")

    print("== fidelity (C++ reference vs the definitions' PyTorch reference)")
    for r in jsonl(os.path.join(o, "fidelity.jsonl")):
        report["fidelity"].append({k: r.get(k) for k in ("name", "status", "max_abs_err", "max_rel_err", "message")})
        print(f"  {r.get('name')}: {r.get('status')} abs {r.get('max_abs_err')} rel {r.get('max_rel_err')} "
              f"{(r.get('message') or '')[:120]}")
    write_report(a.json, report)


if __name__ == "__main__":
    main()
