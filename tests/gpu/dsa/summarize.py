#!/usr/bin/env python3
"""Summary of a tests/gpu/dsa/run.sh output folder: compile resources, every check (status,
errors and the flashinfer-bench evaluator's figures per configuration), skipped checks,
benchmarks with the issue-23 ratios and the memcheck results. Prints a report; --json writes
the same as JSON.

Ratios (bytes / median time / the copy bandwidth kjit bench measured in the same run):
  sparse attention: the gathered KV bytes, num_tokens x topk x (512 + 64) x 2 B (every entry
    valid: the benches use contexts of 4096 >= topk tokens); target >= 0.70 at batch 64.
  indexer: the FP8 key-cache bytes of the sequences, sum of seq_lens x 132 B (--kv-len x
    batch); target >= 0.60 at 64 x 32768 tokens, the top-k included (the bench times both
    kernels of the plan).
Usage: summarize.py OUT_DIR [--json FILE]
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from results import read_jsonl, read_tsv, summary_args, write_report  # noqa: E402

jsonl = read_jsonl
tsv = read_tsv


def kv_len(args):
    m = re.search(r"--kv-len (\d+)", args)
    return int(m.group(1)) if m else None


def main():
    a = summary_args()
    report = {"gpu": "", "compile": [], "checks": [], "skipped": [], "benches": [], "sanitize": []}
    gpu = os.path.join(a.out, "gpu.txt")
    if os.path.exists(gpu):
        report["gpu"] = open(gpu).read().strip().splitlines()[-1]
    print("GPU:", report["gpu"] or "?")

    print("\n== compile (registers / spill bytes)")
    for r in jsonl(os.path.join(a.out, "compile.jsonl")):
        row = {k: r.get(k) for k in ("name", "arch", "status", "registers", "spill_bytes", "error")}
        report["compile"].append(row)
        print(f"  {row['name']:58} {row['arch']} {row['status']:9} regs={row['registers']} spill={row['spill_bytes']}"
              + (f"  {str(row['error'])[:200]}" if row.get("error") else ""))

    print("\n== checks")
    passed = total = 0
    for tag, args in tsv(os.path.join(a.out, "checks.tsv")):
        rows = jsonl(os.path.join(a.out, f"check_{tag}.jsonl"))
        err = os.path.join(a.out, f"check_{tag}.err")
        err_tail = open(err, errors="replace").read().strip()[-300:].replace("\n", " | ") if os.path.exists(err) else ""
        if not rows:
            total += 1
            report["checks"].append({"tag": tag, "args": args, "status": "NO_OUTPUT", "stderr": err_tail})
            print(f"  {tag:24} NO_OUTPUT (timeout or crash)  {err_tail[-160:]}")
            continue
        for d in rows:
            for w in d.get("workloads", []) or [{"status": d.get("status"), "log": d.get("message")}]:
                total += 1
                ok = w.get("status") == "PASSED"
                passed += ok
                rule = w.get("rule") or {}
                entry = {"tag": tag, "args": args, "definition": d.get("name"), "status": w.get("status"),
                         "axes": w.get("axes"), "max_abs": w.get("max_absolute_error"),
                         "max_rel": w.get("max_relative_error"), "latency_ms": w.get("latency_ms"),
                         "reference_ms": w.get("reference_ms"), "rule": rule}
                if not ok:
                    entry["log"] = (w.get("log") or d.get("message") or "")[-600:]
                report["checks"].append(entry)
                extra = ""
                if rule.get("evaluator") == "DsaTopkIndexerEvaluator":
                    extra = (f" matched={rule.get('matched_ratio')} pad(ref/out)={rule.get('padded_reference')}/"
                             f"{rule.get('padded_output')} oor={rule.get('out_of_range_rows')} dup={rule.get('duplicate_rows')}")
                lat = w.get("latency_ms")
                print(f"  {tag:24} {w.get('status'):20} abs={w.get('max_absolute_error')} rel={w.get('max_relative_error')}"
                      f" lat_ms={lat if lat is None else round(lat, 4)} ref_ms={round(w.get('reference_ms') or 0)}{extra}")
                if not ok:
                    print("      " + entry["log"].replace("\n", "\n      ")[:600])
    print(f"  passed {passed}/{total}")
    report["passed"], report["total"] = passed, total
    for tag, args in tsv(os.path.join(a.out, "skipped.tsv")):
        report["skipped"].append({"tag": tag, "args": args})
        print(f"  skipped (budget): {tag}: {args}")

    print("\n== benches (issue-23 ratio = issue bytes / median / measured copy bandwidth)")
    for tag, args in tsv(os.path.join(a.out, "benches.tsv")):
        rows = jsonl(os.path.join(a.out, f"bench_{tag}.jsonl"))
        if not rows:
            report["benches"].append({"tag": tag, "args": args, "status": "NO_OUTPUT"})
            print(f"  {tag:18} NO_OUTPUT")
            continue
        for r in rows:
            axes = r.get("axes") or {}
            name = r.get("name", "")
            med = r.get("median_ms") or 0
            copy = r.get("peak_copy_gbps") or 0
            if "topk_indexer" in name:
                n = kv_len(args)
                issue_bytes = (axes.get("batch_size") or 0) * n * 132 if n else None
                target = 0.60
            else:
                issue_bytes = (axes.get("num_tokens") or 0) * 2048 * 576 * 2
                target = 0.70
            ratio = issue_bytes / (med * 1e-3) / (copy * 1e9) if issue_bytes and med and copy else None
            row = {"tag": tag, "definition": name, "axes": axes, "median_ms": med, "gbps_model": r.get("gbps"),
                   "copy_gbps": copy, "fraction_model": r.get("bandwidth_fraction"), "issue_bytes": issue_bytes,
                   "issue_ratio": ratio, "target": target}
            report["benches"].append(row)
            print(f"  {tag:18} {name:52} median={med * 1e3:9.1f} us  model {r.get('gbps', 0):7.1f} GB/s"
                  f" ({(r.get('bandwidth_fraction') or 0) * 100:5.1f}% of {copy:.0f})  issue ratio="
                  f"{'%.3f' % ratio if ratio is not None else '?'} (target {target})")

    print("\n== sanitize")
    san = os.path.join(a.out, "sanitize.txt")
    if os.path.exists(san):
        for line in open(san, errors="replace"):
            if "rc=" in line or "ERROR SUMMARY" in line or "not found" in line:
                report["sanitize"].append(line.strip())
                print("  " + line.strip())
    write_report(a.json, report)


if __name__ == "__main__":
    main()
