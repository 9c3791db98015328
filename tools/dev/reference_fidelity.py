#!/usr/bin/env python3
"""Reference fidelity: proves kjit's C++ reference equal to the definitions' own
PyTorch `reference` code.

For each case (inputs and C++ outputs written by kjit, e.g. by
build/kjit_reference_dump), this execs the definition's `reference` text, calls
`run(**inputs)` with every input in its declared dtype (scalars as Python
floats/ints, as flashinfer-bench passes them), on CUDA when available, and
compares each output (a tuple is matched to the definition's outputs in order)
with the C++ output rounded to the torch output's dtype, using the
flashinfer-bench rule: an element fails when |x - y| > atol and
|x - y| / (|y| + 1e-8) > rtol (y = torch reference); matching infinities agree;
NaN never agrees.

Prints one JSON line per case:
  {"name", "op_type", "status": "pass"|"fail"|"error", "max_abs_err",
   "max_rel_err", "matched_ratio", "outputs": {name: {...}}, "message"?}
and exits 1 when any case fails or errors, 2 on usage errors.

Usage:
  reference_fidelity.py CASE_DIR [CASE_DIR ...] [--device cpu|cuda]
  reference_fidelity.py --definition D.json --inputs inputs.safetensors \
      --expected expected.safetensors
A CASE_DIR holds inputs.safetensors and expected.safetensors whose
__metadata__ names the definition file (definition_path), or pass
--definition; --definitions-root DIR finds <name>.json under DIR when that
path does not exist on this machine. Needs python3, torch and safetensors.
"""

import argparse
import json
import math
import sys
from pathlib import Path


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cases", nargs="*", type=Path, help="case folders (inputs.safetensors + expected.safetensors)")
    p.add_argument("--definition", type=Path, help="definition JSON (default: from the inputs' metadata)")
    p.add_argument("--definitions-root", type=Path,
                   help="where to find <name>.json (searched recursively) when the metadata's path does not exist")
    p.add_argument("--inputs", type=Path, help="inputs .safetensors (instead of a case folder)")
    p.add_argument("--expected", type=Path, help="C++ reference outputs .safetensors (instead of a case folder)")
    p.add_argument("--device", choices=["cpu", "cuda"], help="where the torch reference runs (default: cuda if available)")
    p.add_argument("--atol", type=float, default=1e-2)
    p.add_argument("--rtol", type=float, default=1e-2)
    args = p.parse_args(argv)
    if bool(args.inputs) != bool(args.expected):
        p.error("--inputs and --expected go together")
    if not args.cases and not args.inputs:
        p.error("give case folders or --inputs/--expected")
    return args


def read_metadata(path):
    """The __metadata__ of a safetensors file (a dict of strings)."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    return header.get("__metadata__", {}) or {}


def load_reference(definition):
    """Execs the definition's reference text and returns its `run`."""
    namespace = {"__name__": f"reference_{definition['name']}"}
    code = compile(definition["reference"], f"<{definition['name']}.reference>", "exec")
    exec(code, namespace)  # noqa: S102 - the dataset's own reference code is what we are checking against
    if "run" not in namespace:
        raise ValueError(f"reference of '{definition['name']}' defines no run()")
    return namespace["run"]


def build_kwargs(definition, tensors):
    """Inputs in definition order; scalars (shape null) become Python numbers."""
    kwargs = {}
    for name, spec in definition["inputs"].items():
        if name not in tensors:
            if spec.get("optional"):
                continue
            raise ValueError(f"input '{name}' is missing from the inputs file")
        t = tensors[name]
        kwargs[name] = t.item() if spec.get("shape") is None else t
    return kwargs


def compare(torch, ref, cpp, atol, rtol):
    """flashinfer-bench rule; ref = torch output, cpp = C++ output (float64)."""
    if tuple(ref.shape) != tuple(cpp.shape):
        return {"status": "fail", "message": f"shape {tuple(cpp.shape)} vs torch {tuple(ref.shape)}"}
    # Round the C++ float64 result to the output dtype, as kjit's check does.
    y = ref.detach().to("cpu").to(torch.float64)
    x = cpp.to(ref.dtype).to(torch.float64) if ref.dtype.is_floating_point else cpp.to(torch.float64)
    both_inf = torch.isinf(x) & torch.isinf(y) & (torch.sign(x) == torch.sign(y))
    finite = torch.isfinite(x) & torch.isfinite(y)
    diff = torch.where(finite, (x - y).abs(), torch.zeros_like(x))
    rel = diff / (y.abs() + 1e-8)
    ok = both_inf | (finite & ((diff <= atol) | (rel <= rtol)))
    n = ok.numel()
    matched = int(ok.sum().item())
    max_abs = float(diff.max().item()) if n else 0.0
    max_rel = float(torch.where(finite, rel, torch.zeros_like(rel)).max().item()) if n else 0.0
    result = {
        "status": "pass" if matched == n else "fail",
        "max_abs_err": max_abs,
        "max_rel_err": max_rel,
        "matched_ratio": matched / n if n else 1.0,
        "nan_in_torch": int(torch.isnan(y).sum().item()),
        "nan_in_cpp": int(torch.isnan(x).sum().item()),
    }
    if matched != n:
        bad = (~ok).nonzero()[0].tolist()
        result["first_mismatch"] = {"index": bad, "cpp": float(x[tuple(bad)]), "torch": float(y[tuple(bad)])}
    return result


def run_case(torch, load_file, inputs_path, expected_path, definition_path, device, atol, rtol):
    definition = json.loads(Path(definition_path).read_text())
    record = {"name": definition.get("name"), "op_type": definition.get("op_type")}
    run = load_reference(definition)
    tensors = load_file(str(inputs_path), device=device)
    expected = load_file(str(expected_path), device="cpu")
    result = run(**build_kwargs(definition, tensors))
    if not isinstance(result, (tuple, list)):
        result = (result,)
    names = list(definition["outputs"].keys())
    if len(result) != len(names):
        raise ValueError(f"run() returned {len(result)} values, the definition declares {len(names)} outputs")
    outputs = {}
    for name, ref in zip(names, result):
        if name not in expected:
            outputs[name] = {"status": "fail", "message": "missing from the C++ outputs"}
            continue
        outputs[name] = compare(torch, ref, expected[name], atol, rtol)
    record["status"] = "pass" if all(o["status"] == "pass" for o in outputs.values()) else "fail"
    record["max_abs_err"] = max((o.get("max_abs_err", math.inf) for o in outputs.values()), default=0.0)
    record["max_rel_err"] = max((o.get("max_rel_err", math.inf) for o in outputs.values()), default=0.0)
    record["matched_ratio"] = min((o.get("matched_ratio", 0.0) for o in outputs.values()), default=1.0)
    record["outputs"] = outputs
    return record


def main(argv):
    args = parse_args(argv)
    try:
        import torch
        from safetensors.torch import load_file
    except ImportError as e:
        print(f"reference_fidelity: needs torch and safetensors ({e})", file=sys.stderr)
        return 2
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    jobs = []
    if args.inputs:
        jobs.append((args.inputs, args.expected))
    for case in args.cases:
        jobs.append((case / "inputs.safetensors", case / "expected.safetensors"))
    failed = False
    for inputs_path, expected_path in jobs:
        try:
            definition_path = args.definition or read_metadata(inputs_path).get("definition_path")
            if not definition_path:
                raise ValueError(f"{inputs_path}: no definition_path in its metadata; pass --definition")
            if not Path(definition_path).exists() and args.definitions_root:
                name = read_metadata(inputs_path).get("definition", Path(definition_path).stem)
                found = sorted(args.definitions_root.rglob(f"{name}.json"))
                if not found:
                    raise ValueError(f"{name}.json not found under {args.definitions_root}")
                definition_path = found[0]
            record = run_case(torch, load_file, inputs_path, expected_path, definition_path, device, args.atol,
                              args.rtol)
        except Exception as e:  # one bad case must not hide the others
            meta = read_metadata(inputs_path) if Path(inputs_path).exists() else {}
            record = {"name": meta.get("definition"), "op_type": None, "status": "error",
                      "max_abs_err": None, "max_rel_err": None, "message": f"{type(e).__name__}: {e}",
                      "case": str(inputs_path)}
        failed |= record["status"] != "pass"
        print(json.dumps(record), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
