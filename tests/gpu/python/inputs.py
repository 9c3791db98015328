"""Inputs for a definition and a workload, made with torch on the GPU the way
kjit's C++ runner makes them (runtime/inputs.h, runtime/index_structures.h):

- var axes from the workload; attention layouts (kv_indptr present) get a
  valid sequence plan: query lengths split from total_q (>= 1 each), pages
  from num_kv_indices (at least ceil(q_len / page_size) per causal sequence),
  last-page lengths in [lo, page_size] so kv_len >= q_len where the totals
  allow, ragged kv lengths from total_kv, distinct page ids below num_pages
  (raised to num_kv_indices when a workload gives fewer);
- float tensors ~ N(0, 1) cast (flashinfer-bench's _rand_tensor), other
  integer tensors uniform in [-1024, 1024);
- var axes no workload gives: kjit's defaults (batch_size 16, M 64, ...);
- scalars: the workload's value, else sm_scale from the first "1/sqrt(EXPR)"
  of its description that evaluates over the axes, else 1/sqrt(head_dim).

The workload's safetensors blobs are not in the public dataset, so index
structures are always built from the axes (and the result says so).
"""
import math
import re

import torch

TORCH_DTYPES = {
    "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16, "int8": torch.int8,
    "int16": torch.int16, "int32": torch.int32, "int64": torch.int64, "bool": torch.bool,
}
for _name in ("float8_e4m3fn", "float8_e5m2"):
    if hasattr(torch, _name):
        TORCH_DTYPES[_name] = getattr(torch, _name)

INDEX_NAMES = ("qo_indptr", "kv_indptr", "kv_indices", "kv_last_page_len")
# kjit's defaults for var axes no workload gives (runtime/inputs.h).
DEFAULT_AXES = {"batch_size": 16, "M": 64, "seq_len": 16, "num_tokens": 16, "num_seqs": 4}


def random_split(total, parts, min_each, rng):
    """`total` split into `parts` non-negative parts, each >= min_each when total allows."""
    if parts <= 0:
        return []
    if total < parts * min_each:
        return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
    rest = total - parts * min_each
    cuts = sorted(rng.randint(0, rest) for _ in range(parts - 1))
    out, prev = [], 0
    for i in range(parts):
        cut = cuts[i] if i + 1 < parts else rest
        out.append(min_each + cut - prev)
        prev = cut
    return out


def _consts(defn):
    return {n: a["value"] for n, a in defn["axes"].items() if a["type"] == "const"}


def plan_sequences(defn, axes, rng):
    """Fills the attention axes of `axes` (in place) and returns the index tensors' values."""
    inputs = defn["inputs"]
    has_qo = "qo_indptr" in inputs
    paged = "kv_indices" in inputs
    page = _consts(defn).get("page_size", 1) or 1
    batch = axes["len_indptr"] - 1 if "len_indptr" in axes else axes.get("batch_size", 16)
    if "batch_size" in defn["axes"]:
        axes["batch_size"] = batch
    if "len_indptr" in defn["axes"]:
        axes["len_indptr"] = batch + 1
    if not has_qo:
        q_lens = [1] * batch
    elif "total_q" in axes:
        q_lens = random_split(axes["total_q"], batch, 1, rng)
    else:
        q_lens = [64] * batch
    values = {}
    if paged:
        if "num_kv_indices" in axes:
            given = axes["num_kv_indices"]
            need = [max(1, math.ceil(q / page) if has_qo else 1) for q in q_lens]
            if sum(need) <= given:
                pages = [n + e for n, e in zip(need, random_split(given - sum(need), batch, 0, rng))]
            else:
                pages = random_split(given, batch, 1, rng)
            last = []
            for q, p in zip(q_lens, pages):
                if p == 0:
                    last.append(0)
                    continue
                lo = min(max(q - (p - 1) * page if has_qo else 1, 1), page)
                last.append(1 if page == 1 else rng.randint(lo, page))
        else:
            pages, last = [], []
            for q in q_lens:
                kv = max(256, q)
                pages.append(math.ceil(kv / page))
                last.append(kv - (pages[-1] - 1) * page)
        n = sum(pages)
        if "num_kv_indices" in defn["axes"]:
            axes["num_kv_indices"] = n
        pool = max(axes.get("num_pages", n), n, 1)
        if "num_pages" in defn["axes"]:
            axes["num_pages"] = pool
        ids = rng.sample(range(pool), n)
        values["kv_indptr"] = [0]
        for p in pages:
            values["kv_indptr"].append(values["kv_indptr"][-1] + p)
        values["kv_indices"] = ids
        values["kv_last_page_len"] = last
    else:
        q_sum = sum(q_lens)
        if "total_kv" in axes:
            total = axes["total_kv"]
            if q_sum <= total:
                kv = [q + e for q, e in zip(q_lens, random_split(total - q_sum, batch, 0, rng))]
            else:
                kv = random_split(total, batch, 1, rng)
        else:
            kv = [max(256, q) for q in q_lens]
        if "total_kv" in defn["axes"]:
            axes["total_kv"] = sum(kv)
        values["kv_indptr"] = [0]
        for k in kv:
            values["kv_indptr"].append(values["kv_indptr"][-1] + k)
    if has_qo:
        if "total_q" in defn["axes"]:
            axes["total_q"] = sum(q_lens)
        values["qo_indptr"] = [0]
        for q in q_lens:
            values["qo_indptr"].append(values["qo_indptr"][-1] + q)
    return values


def _scalar(defn, name, spec, axes, workload_inputs):
    given = (workload_inputs or {}).get(name)
    if given and given.get("type") == "scalar":
        return float(given["value"])
    env = dict(axes)
    env.update(_consts(defn))
    for m in re.finditer(r"1\s*/\s*sqrt\(([^()]*)\)", spec.get("description", "")):
        try:
            return 1.0 / math.sqrt(float(eval(m.group(1), {"__builtins__": {}}, env)))
        except Exception:
            continue
    return 1.0 / math.sqrt(env.get("head_dim", 128))


def make_inputs(defn, workload, device, rng, gen):
    """(axes, [input values in definition order], notes) for `workload` (its "workload" dict, or None)."""
    axes = dict((workload or {}).get("axes", {}))
    axes.update(_consts(defn))
    notes = []
    index_values = {}
    if "kv_indptr" in defn["inputs"]:
        index_values = plan_sequences(defn, axes, rng)
        notes.append("index structures built from the axes (the dataset ships no safetensors blobs)")
    for name, ax in defn["axes"].items():
        if ax["type"] == "var" and name not in axes:
            if name not in DEFAULT_AXES:
                raise ValueError(f"{defn['name']}: no value for var axis '{name}' (no workload gives it, no default)")
            axes[name] = DEFAULT_AXES[name]
            notes.append(f"{name}={axes[name]} (default)")
    values = []
    for name, spec in defn["inputs"].items():
        if spec["shape"] is None:
            values.append(_scalar(defn, name, spec, axes, (workload or {}).get("inputs")))
            continue
        shape = [axes[a] for a in spec["shape"]]
        dtype = TORCH_DTYPES[spec["dtype"]]
        if name in index_values:
            v = index_values[name]
            numel = math.prod(shape)
            v = (v + [1] * numel)[:numel]  # kv_last_page_len shaped [len_indptr]: entries past the batch are 1
            values.append(torch.tensor(v, dtype=dtype, device=device).reshape(shape))
        elif dtype.is_floating_point:
            values.append(torch.randn(shape, generator=gen, device=device, dtype=torch.float32).to(dtype))
        elif dtype == torch.bool:
            values.append(torch.randint(0, 2, shape, generator=gen, device=device).bool())
        else:
            values.append(torch.randint(-1024, 1024, shape, generator=gen, device=device, dtype=torch.int64).to(dtype))
    return axes, values, notes


def run_reference(defn, values):
    """The definition's own PyTorch reference (exec of its source, then run(...)), outputs as a list."""
    ns = {}
    exec(compile(defn["reference"], f"<reference of {defn['name']}>", "exec"), ns)
    out = ns["run"](*values)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare(out, ref, atol=1e-2, rtol=1e-2):
    """flashinfer-bench's rule (an element fails when |x-y| > atol and |x-y|/(|y|+1e-8) > rtol), with
    kjit's non-finite policy (matching infinities and NaN-vs-NaN agree; any other non-finite fails).
    Returns (matched_ratio, max_abs, max_rel, n_fail)."""
    if tuple(out.shape) != tuple(ref.shape):
        return 0.0, math.inf, math.inf, -1
    x = out.float()
    y = ref.float()
    if x.numel() == 0:
        return 1.0, 0.0, 0.0, 0
    fx, fy = torch.isfinite(x), torch.isfinite(y)
    both = fx & fy
    diff = torch.where(both, (x - y).abs(), torch.zeros_like(x))
    rel = diff / (y.abs() + 1e-8)
    fail_num = both & (diff > atol) & (rel > rtol)
    same_nonfinite = (~fx) & (~fy) & ((x == y) | (torch.isnan(x) & torch.isnan(y)))
    fail_nf = (~both) & ~same_nonfinite
    fail = fail_num | fail_nf
    n_fail = int(fail.sum().item())
    max_abs = float(diff.max().item()) if both.any() else 0.0
    max_rel = float(rel[both].max().item()) if both.any() else 0.0
    if fail_nf.any():
        max_abs = max_rel = math.inf
    return 1.0 - n_fail / x.numel(), max_abs, max_rel, n_fail
