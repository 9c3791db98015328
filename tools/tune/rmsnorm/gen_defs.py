#!/usr/bin/env python3
"""Writes benchmark/test definitions for the rmsnorm templates into OUT_DIR (run anywhere).

  variants: copies of kjit's own rmsnorm definitions named NAME__SUFFIX whose tags carry
            "kjit-tune:KEY=VALUE" overrides (read by rmsnorm_persist_shape.j2 only), so one
            `kjit bench` run can compare launch shapes of the same op.
  odd:      made-up hidden sizes / dtypes derived from the dataset definitions (hidden not a
            multiple of 8, rows too long for registers, partial last item, fp16, fp32 weight).
Usage: gen_defs.py OUT_DIR DATASET_DEFS_DIR [VARIANTS_JSON [DATASET_NAMES]]
VARIANTS_JSON: {"suffix": ["key=value", ...], ...} applied to kjit's own 4 definitions.
"""
import json, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
own = os.path.join(here, "..", "..", "..", "definitions", "rmsnorm")
out, dataset = sys.argv[1], sys.argv[2]
variants = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
os.makedirs(out, exist_ok=True)

def dump(d):
    json.dump(d, open(os.path.join(out, d["name"] + ".json"), "w"), indent=1)

# Optional 4th argument: dataset rmsnorm definitions (comma-separated names) that get the same variants.
extra = [os.path.join(dataset, "rmsnorm", n + ".json") for n in sys.argv[4].split(",")] if len(sys.argv) > 4 else []
for f in sorted(os.listdir(own)) + extra:
    base = json.load(open(os.path.join(own, f)))
    for suf, kvs in variants.items():
        d = dict(base, name=base["name"] + "__" + suf, tags=base["tags"] + ["kjit-tune:" + kv for kv in kvs])
        dump(d)

def odd(src, hidden, prefix, dtype=None, wdtype=None):
    d = json.load(open(os.path.join(dataset, "rmsnorm", src)))
    old = d["axes"]["hidden_size"]["value"]
    d["axes"]["hidden_size"]["value"] = hidden
    d["reference"] = re.sub(r"hidden_size == %d" % old, "hidden_size == %d" % hidden, d["reference"])
    tag = ""
    if dtype:
        for t in ("hidden_states", "residual"):
            if t in d["inputs"]: d["inputs"][t]["dtype"] = dtype
        d["outputs"]["output"]["dtype"] = dtype
        tag += "_" + dtype
    if wdtype:
        d["inputs"]["weight"]["dtype"] = wdtype
        tag += "_w" + wdtype
    d["name"] = "%s%s_h%d" % (prefix, tag, hidden)
    d["tags"] = [t for t in d["tags"] if not t.startswith("status:")] + ["source:kjit-norms-test"]
    dump(d)

for h in (3, 1000, 1001, 2050, 4104, 40000, 12288):
    odd("rmsnorm_h512.json", h, "odd_rmsnorm")
    odd("fused_add_rmsnorm_h2048.json", h, "odd_fused_add_rmsnorm")
odd("rmsnorm_h512.json", 4104, "odd_rmsnorm", dtype="float16")
odd("fused_add_rmsnorm_h2048.json", 7168, "odd_fused_add_rmsnorm", dtype="float16")
odd("rmsnorm_h512.json", 4096, "odd_rmsnorm", wdtype="float32")
odd("fused_add_rmsnorm_h2048.json", 4104, "odd_fused_add_rmsnorm", wdtype="float32")

# Dataset definitions that kjit's own definitions of the same name shadow: renamed copies so
# that they can be checked too (with --axes; their workloads are keyed by the original name).
for f in sorted(os.listdir(own)):
    p = os.path.join(dataset, "rmsnorm", f)
    if os.path.exists(p):
        d = json.load(open(p))
        d["name"] = "ds_" + d["name"]
        dump(d)
