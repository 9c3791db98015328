#!/usr/bin/env python3
"""Standalone GPU harness for kjit's rmsnorm templates (templates/rmsnorm/), usable before the
C++ runtime exists and as an independent cross-check of it.

Two halves, on two machines:
  prepare (here, no GPU):  render every case with tools/dev/dev_render.py's context builder (the same
      context kjit's codegen builds), write source + plan, compile to a cubin with
      `nvcc -cubin -arch=sm_90a`, record ptxas registers/spills, copy the definition JSON, and
      write DIR/cases.json. DIR is git-ignored (.device/norms) so it can travel with `run`.
  check / bench (GPU machine, torch + CuPy): load each cubin with cupy.RawModule, launch it as its
      rendered plan says, compare with the definition's own PyTorch `reference` (exec'd from the
      JSON) on batches 1, 7, 64, 1024, 16384 (flashinfer-bench rule: an element fails when
      |x-y| > atol and |x-y| > rtol*|y|, 1e-2 each); bench: tools/bench/bench_norms.py.

Cases: every rmsnorm definition in the flashinfer-trace dataset and in kjit's definitions/rmsnorm,
synthetic hidden sizes (3, 1000, 1001, 2050, 12288, 32768, 40000) and fp16 variants derived from
them, and a `bad` case rendered from tests/data/bad_templates that must FAIL (wrong epsilon).
Tuning variants (kjit_tune_* context overrides, read by the tuning overlay tools/tune/overlay/)
are compiled too so bench can compare shapes.

Usage:
  tests/gpu/norms/harness.py prepare [--dir .device/norms]      # here
  python3 tests/gpu/norms/harness.py check --dir .device/norms  # GPU machine
Single-threaded script; nothing here is shared between processes.
"""
import argparse
import copy
import glob
import json
import os
import re
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SHARED = os.environ.get("KJIT_SHARED_DIR", os.path.join(REPO, "..", "shared"))
DATASET = os.path.join(SHARED, "flashinfer-trace", "definitions", "rmsnorm")
KJIT_DEFS = os.path.join(REPO, "definitions", "rmsnorm")
TEMPLATES = os.path.join(REPO, "templates")
BAD_TEMPLATES = os.path.join(REPO, "tests", "data", "bad_templates")
CHECK_BATCHES = [1, 7, 64, 1024, 16384]

# ---------------------------------------------------------------------------------------------
# prepare (no GPU)


def _load_dev_render():
    sys.path.insert(0, os.path.join(REPO, "tools"))
    import dev_render  # noqa: E402
    return dev_render


def reference_consts(ref):
    """The reference's top-level `NAME = number` constants, parsed as kjit's codegen does."""
    return _load_dev_render().reference_consts(ref)


def _derive(base, name, hidden, dtype=None):
    """A synthetic definition: `base` with another hidden size (and dtype), reference included."""
    d = copy.deepcopy(base)
    d["name"] = name
    d["axes"]["hidden_size"]["value"] = hidden
    ref = re.sub(r"assert hidden_size == \d+", f"assert hidden_size == {hidden}", d["reference"])
    ref = re.sub(r"(?m)^HIDDEN_SIZE = \d+", f"HIDDEN_SIZE = {hidden}", ref)
    if ref == d["reference"] and hidden != base["axes"]["hidden_size"]["value"]:
        sys.exit(f"harness: cannot re-target the reference of {base['name']} to hidden size {hidden}")
    d["reference"] = ref
    if dtype:
        for group in ("inputs", "outputs"):
            for t in d[group].values():
                t["dtype"] = dtype
    d["tags"] = [t for t in d.get("tags", []) if not t.startswith("status:")] + ["synthetic"]
    return d


def collect_definitions():
    """Cases by id: the dataset's rmsnorm definitions, kjit's own (id prefix `kjit__`: same names,
    their own reference text), and synthetic ones derived from the dataset's h4096 pair."""
    defs = {}
    for folder, prefix in ((DATASET, ""), (KJIT_DEFS, "kjit__")):
        for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
            d = json.load(open(path))
            if d.get("op_type") == "rmsnorm":
                defs[prefix + d["name"]] = d
    if "rmsnorm_h4096" not in defs or "fused_add_rmsnorm_h4096" not in defs:
        sys.exit(f"harness: the dataset's rmsnorm_h4096 / fused_add_rmsnorm_h4096 are not under {DATASET}; "
                 f"set KJIT_SHARED_DIR to the folder holding flashinfer-trace/")
    # The dataset's references take the dtype from the input and assert `hidden_size == N`,
    # so they stay right when only the hidden size and dtype change.
    plain, fused = defs["rmsnorm_h4096"], defs["fused_add_rmsnorm_h4096"]
    for h in (3, 1000, 1001, 2050, 12288, 32768):
        defs[f"rmsnorm_h{h}"] = _derive(plain, f"rmsnorm_h{h}", h)
    for h in (3, 1000, 12288, 40000):
        defs[f"fused_add_rmsnorm_h{h}"] = _derive(fused, f"fused_add_rmsnorm_h{h}", h)
    for h in (128, 4096, 7168):
        defs[f"rmsnorm_f16_h{h}"] = _derive(plain, f"rmsnorm_f16_h{h}", h, "float16")
    for h in (3, 4096):
        defs[f"fused_add_rmsnorm_f16_h{h}"] = _derive(fused, f"fused_add_rmsnorm_f16_h{h}", h, "float16")
    return defs


def render(dev_render, d, templates_root, extra=None):
    import jinja2
    ctx = dev_render.build_context(d, "sm_90a")
    ctx.update(extra or {})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([templates_root]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    src = env.get_template("rmsnorm/rmsnorm.cu.j2").render(**ctx)
    plan = json.loads(env.get_template("rmsnorm/rmsnorm.plan.j2").render(**ctx))
    return src, plan


def compile_cubin(src_path, cubin_path):
    r = subprocess.run(["nvcc", "-cubin", "-arch=sm_90a", "-std=c++17", "-O3", "-Xptxas", "-v",
                        "-o", cubin_path, src_path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"harness: nvcc failed for {src_path}:\n{r.stderr}")
    regs = re.search(r"Used (\d+) registers", r.stderr)
    spill = re.search(r"(\d+) bytes spill stores", r.stderr)
    return {"registers": int(regs.group(1)) if regs else None,
            "spill_bytes": int(spill.group(1)) if spill else None}


def prepare(out_dir, only=""):
    dev_render = _load_dev_render()
    defs = collect_definitions()
    os.makedirs(os.path.join(out_dir, "defs"), exist_ok=True)
    cases = []

    def add(case_id, d, root, extra=None, expect="pass", bench=True):
        if only not in case_id:
            return
        src, plan = render(dev_render, d, root, extra)
        src_path = os.path.join(out_dir, case_id + ".cu")
        open(src_path, "w").write(src)
        res = compile_cubin(src_path, os.path.join(out_dir, case_id + ".cubin"))
        def_path = os.path.join("defs", case_id + ".json")
        json.dump(d, open(os.path.join(out_dir, def_path), "w"), indent=1)
        cases.append({"id": case_id, "definition": def_path, "cubin": case_id + ".cubin",
                      "plan": plan, "tune": extra or {}, "expect": expect, "bench": bench, **res})
        print(f"{case_id:40s} block={plan['launches'][0]['block'][0]:5d} "
              f"grid={plan['launches'][0]['grid'][0]!s:26s} smem={plan['launches'][0]['shared_bytes']:6d} "
              f"regs={res['registers']} spill={res['spill_bytes']}")

    for case_id in sorted(defs):
        add(case_id, defs[case_id], TEMPLATES)
    # Shape variants for the bench (same math). The knobs (kjit_tune_* context variables) are read
    # only by the tuning overlay's rmsnorm_shape.j2 (tools/tune/overlay/), so the variants render
    # from the tuning template root (templates/ with the overlay laid over it).
    tune_root = subprocess.run([os.path.join(REPO, "tools", "tune", "overlay.sh"), os.path.join(out_dir, "tune-templates")],
                               check=True, capture_output=True, text=True).stdout.strip()
    n4 = "kjit_tune_max_reg_items"
    variants = {
        "rmsnorm_h4096": {"rt128": {"kjit_tune_row_threads": 128, n4: 4},
                          "rt256": {"kjit_tune_row_threads": 256, n4: 4}},
        "fused_add_rmsnorm_h4096": {"rt128": {"kjit_tune_row_threads": 128, n4: 4},
                                    "rt256": {"kjit_tune_row_threads": 256, n4: 4}},
        "rmsnorm_h7168": {"rt256": {"kjit_tune_row_threads": 256, n4: 4},
                          "rt1024": {"kjit_tune_row_threads": 1024}},
        "fused_add_rmsnorm_h7168": {"rt256": {"kjit_tune_row_threads": 256, n4: 4},
                                    "rt1024": {"kjit_tune_row_threads": 1024}},
        "rmsnorm_h128": {"gb256": {"kjit_tune_group_block": 256}, "gb512": {"kjit_tune_group_block": 512}},
    }
    for name, vs in variants.items():
        for tag, knobs in vs.items():
            add(f"{name}__{tag}", defs[name], tune_root, knobs)
    # The deliberately wrong template must be caught by the comparison.
    if os.path.isdir(BAD_TEMPLATES):
        add("bad__rmsnorm_h4096", defs["rmsnorm_h4096"], BAD_TEMPLATES, expect="fail", bench=False)
    json.dump({"cases": cases}, open(os.path.join(out_dir, "cases.json"), "w"), indent=1)
    print(f"harness: {len(cases)} cases in {out_dir}")


# ---------------------------------------------------------------------------------------------
# GPU side

def eval_expr(expr, env):
    """Evaluates a launch-plan integer expression (docs/templates.md): ints, names, + - * / %,
    parentheses, min, max, ceil_div; `/` truncates."""
    if isinstance(expr, int):
        return expr
    if not re.fullmatch(r"[A-Za-z0-9_+\-*/%(), ]*", expr):
        raise ValueError(f"bad plan expression {expr!r}")
    py = expr.replace("/", "//")
    scope = {"min": min, "max": max, "ceil_div": lambda a, b: -(-a // b), "__builtins__": {}}
    scope.update(env)
    return int(eval(py, scope))  # noqa: S307 (restricted grammar checked above)


class Kernel:
    """A loaded cubin plus its plan; `launch(tensors, axes)` runs every launch on torch's stream."""

    def __init__(self, case, root):
        import cupy
        self.cupy = cupy
        self.case = case
        self.module = cupy.RawModule(path=os.path.join(root, case["cubin"]))
        self.plan = case["plan"]
        import torch
        # Cached so a launch costs little CPU time (bench timings hide it, but keep it small).
        self.num_sms = torch.cuda.get_device_properties(0).multi_processor_count
        self.stream = cupy.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream)
        self.funcs = []
        for ln in self.plan["launches"]:
            f = self.module.get_function(ln["entry"])
            smem = eval_expr(ln["shared_bytes"], {})
            if smem > 48 * 1024:
                f.max_dynamic_shared_size_bytes = smem
            self.funcs.append(f)

    def launch(self, tensors, axes):
        import numpy as np
        env = dict(axes)
        env["num_sms"] = self.num_sms
        with self.stream:
            for ln, f in zip(self.plan["launches"], self.funcs):
                grid = tuple(eval_expr(g, env) for g in ln["grid"])
                block = tuple(eval_expr(b, env) for b in ln["block"])
                if 0 in grid:
                    continue
                args = []
                for a in ln["args"]:
                    if a in tensors:
                        args.append(np.uint64(tensors[a].data_ptr()))
                    else:
                        args.append(np.int64(env[a]))
                f(grid, block, tuple(args), shared_mem=eval_expr(ln["shared_bytes"], env))


TORCH_DTYPES = {"bfloat16": "bfloat16", "float16": "float16", "float32": "float32"}


def make_inputs(d, batch, seed=0):
    import torch
    g = torch.Generator(device="cuda").manual_seed(seed)
    out = {}
    for name, spec in d["inputs"].items():
        shape = [batch if s == "batch_size" else d["axes"][s]["value"] for s in spec["shape"]]
        dt = getattr(torch, TORCH_DTYPES[spec["dtype"]])
        out[name] = torch.randn(shape, generator=g, device="cuda", dtype=torch.float32).to(dt)
    return out


def make_outputs(d, batch):
    import torch
    out = {}
    for name, spec in d["outputs"].items():
        shape = [batch if s == "batch_size" else d["axes"][s]["value"] for s in spec["shape"]]
        out[name] = torch.full(shape, float("nan"), device="cuda", dtype=getattr(torch, TORCH_DTYPES[spec["dtype"]]))
    return out


def reference_fn(d):
    scope = {}
    exec(compile(d["reference"], d["name"] + ".reference", "exec"), scope)  # noqa: S102
    return scope["run"]


def compare(got, want, atol=1e-2, rtol=1e-2):
    g, w = got.float(), want.float()
    diff = (g - w).abs()
    bad = (diff > atol) & (diff > rtol * w.abs()) | torch_isnan(g)
    return {"max_abs": float(diff.nan_to_num(float("inf")).max()) if diff.numel() else 0.0,
            "mismatch": int(bad.sum()), "n": g.numel(),
            "not_bitwise": int((g != w).sum())}


def torch_isnan(t):
    import torch
    return torch.isnan(t)


def check(root, out_path=None):
    import torch
    cases = json.load(open(os.path.join(root, "cases.json")))["cases"]
    lines, failures = [], 0
    for case in cases:
        d = json.load(open(os.path.join(root, case["definition"])))
        k = Kernel(case, root)
        ref = reference_fn(d)
        worst = None
        for b in CHECK_BATCHES:
            ins = make_inputs(d, b, seed=b)
            outs = make_outputs(d, b)
            k.launch({**ins, **outs}, {"batch_size": b, "hidden_size": d["axes"]["hidden_size"]["value"]})
            want = ref(**ins)
            torch.cuda.synchronize()
            r = compare(outs["output"], want)
            r["batch"] = b
            if worst is None or r["mismatch"] > worst["mismatch"] or r["max_abs"] > worst["max_abs"]:
                worst = r
            ok = r["mismatch"] == 0
            if ok != (case["expect"] == "pass"):
                failures += 1
                lines.append(f"FAIL {case['id']} batch={b}: {r} (expected {case['expect']})")
        # batch 0: the plan's grid is 0 and nothing launches.
        status = "ok" if case["expect"] == "pass" else "ok (mismatch detected as expected)"
        lines.append(f"{status:34s} {case['id']:36s} worst: batch={worst['batch']:5d} max_abs={worst['max_abs']:.3g} "
                     f"mismatch={worst['mismatch']}/{worst['n']} not_bitwise={worst['not_bitwise']}")
        print(lines[-1], flush=True)
    summary = f"check: {len(cases)} cases, {failures} unexpected results"
    lines.append(summary)
    print(summary, flush=True)
    if out_path:
        open(out_path, "w").write("\n".join(lines) + "\n")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["prepare", "check"])
    ap.add_argument("--dir", default=os.path.join(REPO, ".device", "norms"))
    ap.add_argument("--out")
    ap.add_argument("--only", default="", help="prepare: only case ids containing this text")
    a = ap.parse_args()
    if a.command == "prepare":
        prepare(a.dir, a.only)
    else:
        sys.exit(1 if check(a.dir, a.out) else 0)


if __name__ == "__main__":
    main()
