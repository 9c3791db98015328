#!/usr/bin/env python3
"""Summary of a tests/gpu/moe/run.sh output folder: compile resources (device arch and sm_80),
every check (status, max abs / rel error, matched ratio against the required 0.95, per definition
and configuration), benchmarks with the issue-21 ratios, and which of the 14 dataset definitions
passed every check they ran in. Prints a report; --json writes the same as JSON.

Ratios:
  decode (seq_len 1 / 8): bytes / median time / measured copy bandwidth, where the bytes are the
    perf model's: the weights (and block scales) of the local experts the workload's tokens pick,
    plus activations and output (runtime/perf_model.h). Target >= 0.70.
  prefill (seq_len 4096): the perf model's flops (2 x routed pairs x 3 x I x H) / median time over
    torch._scaled_mm's FP8 rate on the large square GEMM (8192^3, bench_ref.py), as the issue
    asks; the rate at a DeepSeek expert's GEMM1 shape with 1024 rows is printed beside it.
    Target >= 0.50. And the speed-up over torch's best grouped-GEMM MoE layer on the same
    definition and seq_len (bench_torch_moe.py: _grouped_mm bf16, _scaled_grouped_mm fp8),
    target > 1.
Usage: summarize.py OUT_DIR [--json FILE]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from results import last_line, read_jsonl, read_tsv, summary_args, write_report  # noqa: E402

jsonl = read_jsonl
tsv = read_tsv


DATASET = [
    "moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e384_h7168_i2048",
    "moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048",
    "moe_fp8_block_scale_renorm_topk8_e128_h2048_i768",
    "moe_fp8_block_scale_renorm_topk8_e128_h4096_i1536",
    "trtllm_fp4_block_scale_moe_topk10_e128_h2048_i512",
    "trtllm_fp4_block_scale_moe_topk1_e128_h5120_i8192",
    "trtllm_fp4_block_scale_moe_topk8_e128_h2048_i768",
    "trtllm_fp4_block_scale_moe_topk8_e64_h4096_i1536",
    "trtllm_fp4_block_scale_routed_moe_topk10_e128_h2048_i512",
    "trtllm_fp4_block_scale_routed_moe_topk1_e128_h5120_i8192",
    "trtllm_fp4_block_scale_routed_moe_topk1_e16_h5120_i8192",
    "trtllm_fp4_block_scale_routed_moe_topk8_e128_h2048_i768",
    "trtllm_fp8_per_tensor_scale_moe_topk1_e128_h5120_i8192",
    "trtllm_fp8_per_tensor_scale_moe_topk8_e128_h2048_i768",
]


def main():
    a = summary_args()
    o = a.out
    report = {"compile": [], "checks": [], "benches": [], "definitions": {}, "scaled_mm": None}

    for fname, label in (("compile.jsonl", "device arch"), ("compile_sm80.jsonl", "sm_80")):
        rows = jsonl(os.path.join(o, fname))
        if not rows:
            continue
        print(f"== compile ({label})")
        for r in rows:
            r["arch_label"] = label
            report["compile"].append(r)
            print(f"  {r.get('name', '?'):58s} {r.get('status', '?'):9s} regs {r.get('registers')} "
                  f"spills {r.get('spill_bytes')} {str(r.get('error', ''))[:120]}")

    sans = sorted(f for f in os.listdir(o) if f.startswith("sanitize_") and f.endswith(".txt")) if os.path.isdir(o) else []
    if sans:
        print("== compute-sanitizer (small definitions)")
    report["sanitize"] = []
    for f in sans:
        text = open(os.path.join(o, f), errors="replace").read()
        summary = next((l.strip() for l in text.splitlines() if "ERROR SUMMARY" in l), "no ERROR SUMMARY line")
        report["sanitize"].append({"tag": f[len("sanitize_"):-4], "summary": summary})
        print(f"  {f[len('sanitize_'):-4]:20s} {summary}")

    print("== checks")
    counts = {}
    per_def = {}
    # A step run again appends its tags again: each tag once, with its last arguments.
    checks = dict(tsv(os.path.join(o, "checks.tsv")))
    for tag, args in checks.items():
        rows = jsonl(os.path.join(o, f"check_{tag}.jsonl"))
        if not rows:
            msg = last_line(os.path.join(o, f"check_{tag}.err"))
            report["checks"].append({"tag": tag, "args": args, "status": "NO_RESULT", "message": msg})
            counts["NO_RESULT"] = counts.get("NO_RESULT", 0) + 1
            for name in args.split():
                if name in DATASET:
                    per_def.setdefault(name, []).append("NO_RESULT")
            print(f"  {tag:30s} NO RESULT  {msg[:160]}")
            continue
        for r in rows:
            for w in r.get("workloads") or [{}]:
                rec = {"tag": tag, "args": args, "name": r.get("name"), "status": w.get("status", r.get("status")),
                       "axes": w.get("axes"), "max_abs": w.get("max_absolute_error"),
                       "max_rel": w.get("max_relative_error"), "matched_ratio": w.get("matched_ratio"),
                       "required_matched_ratio": w.get("required_matched_ratio"), "latency_ms": w.get("latency_ms"),
                       "reference_ms": w.get("reference_ms"), "message": r.get("message") or w.get("log")}
                report["checks"].append(rec)
                counts[rec["status"]] = counts.get(rec["status"], 0) + 1
                per_def.setdefault(rec["name"], []).append(rec["status"])
                lat = f"{rec['latency_ms'] * 1e3:9.1f} us" if rec["latency_ms"] else ""
                print(f"  {tag:30s} {str(r.get('name'))[:52]:52s} {str(rec['axes'])[:22]:22s} {rec['status']:20s} "
                      f"abs {rec['max_abs']} rel {rec['max_rel']} matched {rec['matched_ratio']} {lat} "
                      f"{str(rec['message'] or '')[:100]}")
    print("  totals:", counts)
    report["check_totals"] = counts

    print("== dataset definitions (PASSED = every check it ran in passed)")
    passed = 0
    for name in DATASET:
        st = per_def.get(name, [])
        ok = bool(st) and all(s == "PASSED" for s in st)
        passed += ok
        report["definitions"][name] = {"checks": len(st), "passed": ok,
                                       "statuses": sorted(set(st))}
        print(f"  {name:58s} {'PASSED' if ok else ('NOT RUN' if not st else 'FAILED')} ({len(st)} checks: "
              f"{', '.join(sorted(set(st)))})")
    print(f"  {passed} / {len(DATASET)} dataset definitions passed")
    report["dataset_passed"] = passed

    ref = None
    rp = os.path.join(o, "bench_ref.json")
    if os.path.exists(rp):
        try:
            ref = json.load(open(rp))
        except ValueError:
            ref = None
    report["scaled_mm"] = ref
    fp8_rate = expert_rate = None
    if ref:
        fp8_rate = next((r["tflops"] for r in ref.get("scaled_mm", []) if r["name"] == "square_8192"), None)
        expert_rate = next((r["tflops"] for r in ref.get("scaled_mm", []) if r["name"] == "ds_gemm1_1024rows"), None)
    torch_moe = {}  # (definition, seq_len) -> (best variant, microseconds)
    tp = os.path.join(o, "bench_torch_moe.json")
    if os.path.exists(tp):
        try:
            doc = json.load(open(tp))
        except ValueError:
            doc = {}
        report["torch_moe"] = doc
        for r in doc.get("results", []):
            key = (r["name"], r["seq_len"])
            if r.get("status") == "OK" and (key not in torch_moe or r["median_us"] < torch_moe[key][1]):
                torch_moe[key] = (r["variant"], r["median_us"])

    print("== benches")
    for tag, args in dict(tsv(os.path.join(o, "benches.tsv"))).items():
        rows = jsonl(os.path.join(o, f"bench_{tag}.jsonl"))
        if not rows:
            print(f"  {tag:22s} NO RESULT  {last_line(os.path.join(o, f'bench_{tag}.err'))[:160]}")
            continue
        for r in rows:
            if "median_ms" not in r:
                print(f"  {tag:22s} {r.get('name')}: {r.get('status')} {str(r.get('message', ''))[:160]}")
                continue
            ax = r.get("axes", {})
            rec = {"tag": tag, "name": r["name"], "axes": ax, "median_us": r["median_ms"] * 1e3, "gbps": r.get("gbps"),
                   "copy_gbps": r.get("peak_copy_gbps"), "fraction_of_copy": r.get("bandwidth_fraction"),
                   "tflops": r.get("tflops")}
            extra = ""
            if ax.get("seq_len", 0) >= 4096 and fp8_rate and r.get("tflops"):
                rec["fraction_of_scaled_mm"] = r["tflops"] / fp8_rate
                extra = f"{r['tflops']:.1f} TFLOP/s = {rec['fraction_of_scaled_mm']:.2f} of _scaled_mm (target >= 0.50)"
                best = torch_moe.get((r["name"], ax.get("seq_len")))
                if best:
                    rec["torch_best"] = {"variant": best[0], "median_us": best[1]}
                    rec["speedup_over_torch"] = best[1] / rec["median_us"]
                    extra += f"; {rec['speedup_over_torch']:.2f}x torch {best[0]} ({best[1]:.0f} us)"
            elif rec["fraction_of_copy"] is not None:
                extra = f"routed weights at {rec['fraction_of_copy']:.2f} of copy bandwidth (target >= 0.70)"
            report["benches"].append(rec)
            print(f"  {tag:16s} {r['name'][:58]:58s} {rec['median_us']:10.1f} us {extra}")
    if fp8_rate:
        print(f"  torch._scaled_mm fp8 8192^3: {fp8_rate:.1f} TFLOP/s"
              + (f"; at 1024 x 4096 x 7168: {expert_rate:.1f} TFLOP/s" if expert_rate else ""))
    for r in report.get("torch_moe", {}).get("results", []):
        t = f"{r['median_us']:10.1f} us" if "median_us" in r else f"{r.get('status')} {r.get('message', '')[:100]}"
        print(f"  torch {r['variant']:18s} {r['name'][:58]:58s} seq_len {r['seq_len']}: {t}")
    write_report(a.json, report)


if __name__ == "__main__":
    main()
