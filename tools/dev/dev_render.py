#!/usr/bin/env python3
"""Renders a kjit template with Python Jinja2, building the context the way
kjit's codegen does (see docs/templates.md). A development aid for template
authors before or beside the C++ engine, and a cross-check of the C++ codegen.

Usage:
  tools/dev/dev_render.py DEFINITION.json TEMPLATE.cu.j2 [--arch sm_90a] [--plan PLAN.j2] [--context-out FILE]
Prints the rendered source (and, with --plan, the rendered plan to stderr).
"""
import argparse
import json
import math
import os
import re
import sys

import jinja2

CTYPES = {
    "float32": ("float", 32), "float16": ("__half", 16), "bfloat16": ("__nv_bfloat16", 16),
    "float8_e4m3fn": ("__nv_fp8_e4m3", 8), "float8_e5m2": ("__nv_fp8_e5m2", 8),
    "float4_e2m1": ("uint8_t", 4), "int8": ("int8_t", 8), "int16": ("int16_t", 16),
    "int32": ("int32_t", 32), "int64": ("int64_t", 64), "bool": ("bool", 8),
}


def reference_consts(ref):
    out = {}
    for line in ref.splitlines():
        m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*(#.*)?$", line)
        if m:
            txt = m.group(2)
            out[m.group(1)] = int(txt) if re.fullmatch(r"[-+]?\d+", txt) else float(txt)
    return out


def build_context(d, arch):
    m = re.fullmatch(r"sm_(\d+)([af]?)", arch)
    if not m:
        sys.exit(f"bad arch {arch}")
    const = {k: a["value"] for k, a in d["axes"].items() if a["type"] == "const"}
    var = [k for k, a in d["axes"].items() if a["type"] == "var"]
    axes = {k: ({"kind": "const", "value": a["value"]} if a["type"] == "const" else {"kind": "var"})
            for k, a in d["axes"].items()}

    def tensor(name, spec, is_input):
        ctype, bits = CTYPES[spec["dtype"]]
        shape = spec.get("shape")
        return {"name": name, "dtype": spec["dtype"], "ctype": ctype, "bits": bits,
                "is_float": spec["dtype"].startswith(("float", "bfloat")), "scalar": shape is None,
                "rank": 0 if shape is None else len(shape), "shape": shape,
                "dims": None if shape is None else [const.get(s) for s in shape], "is_input": is_input}

    inputs = [tensor(n, s, True) for n, s in d["inputs"].items()]
    outputs = [tensor(n, s, False) for n, s in d["outputs"].items()]
    return {
        "name": d["name"], "op_type": d["op_type"], "description": d.get("description", ""),
        "tags": d.get("tags", []), "arch": arch, "sm": int(m.group(1)), "arch_suffix": m.group(2),
        "const": const, "var": var, "axes": axes, "inputs": inputs, "outputs": outputs,
        "tensors": {t["name"]: t for t in inputs + outputs},
        "consts": reference_consts(d.get("reference", "")),
        "entry_prefix": "kjit_" + re.sub(r"[^A-Za-z0-9_]", "_", d["name"]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("definition")
    ap.add_argument("template")
    ap.add_argument("--arch", default="sm_90a")
    ap.add_argument("--plan")
    ap.add_argument("--context-out")
    ap.add_argument("--templates", default=os.path.join(os.path.dirname(__file__), "..", "..", "templates"))
    a = ap.parse_args()
    d = json.load(open(a.definition))
    ctx = build_context(d, a.arch)
    if a.context_out:
        json.dump(ctx, open(a.context_out, "w"), indent=1)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([os.path.dirname(os.path.abspath(a.template)), a.templates]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    sys.stdout.write(env.get_template(os.path.basename(a.template)).render(**ctx))
    if a.plan:
        sys.stderr.write(env.get_template(os.path.basename(a.plan)).render(**ctx))


if __name__ == "__main__":
    main()
