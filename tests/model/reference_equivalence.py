#!/usr/bin/env python3
"""Reference equivalence: runs kjit's derived references (`kjit model --out DIR`)
and the dataset's references of the same name on the same random inputs and
compares the outputs. This proves that kjit's reference code (written by us)
computes what the dataset's does, definition by definition.

Usage:
  reference_equivalence.py --derived DIR [--dataset DIR] [--max-gib 2.0] [--device cpu|cuda] [--only TEXT]

DIR holds definitions written by `kjit --no-builtin-definitions model CONFIG --out DIR`
(all of them new, so every derived definition is there). Needs PyTorch (CPU is
enough; FP8 inputs need torch >= 2.1 and are run as float32 stand-ins below it).
Definitions whose inputs would exceed --max-gib are skipped and listed. Sampling
is compared draw for draw under the same seed. Exit 0 when nothing failed.
"""
import argparse
import glob
import json
import math
import os
import sys


def load_defs(root):
    out = {}
    for f in glob.glob(os.path.join(root, "**", "*.json"), recursive=True):
        try:
            d = json.load(open(f))
        except ValueError:
            continue
        if isinstance(d, dict) and "name" in d and "reference" in d:
            out[d["name"]] = d
    return out


def compile_run(source, name):
    scope = {"__name__": "ref_" + name}
    exec(compile(source, name, "exec"), scope)
    return scope["run"]


class Inputs:
    """Random inputs honouring the index structures of each op family."""

    def __init__(self, torch, device, seed):
        self.t = torch
        self.dev = device
        self.g = torch.Generator().manual_seed(seed)

    def rand(self, shape, dtype, scale=1.0):
        t = self.t
        x = t.randn(*shape, generator=self.g) * scale
        if dtype in ("float8_e4m3fn",):
            if hasattr(t, "float8_e4m3fn"):
                return x.clamp(-448, 448).to(t.float8_e4m3fn).to(self.dev)
            return x.to(self.dev)  # float32 stand-in (both references dequantize with .float())
        if dtype == "float16":
            return x.half().float().to(self.dev)  # CPU matmul has no half kernels: float32 holding fp16 values
        return x.to(getattr(t, dtype)).to(self.dev)

    def ints(self, values, dtype="int32"):
        return self.t.tensor(values, dtype=getattr(self.t, dtype), device=self.dev)


def paged(inp, ps, kv_lens):
    """kv_indptr, kv_indices, kv_last_page_len, num_pages for sequences of kv_lens tokens."""
    pages = [max(1, math.ceil(n / ps)) for n in kv_lens]
    total = sum(pages) + 3
    perm = inp.t.randperm(total, generator=inp.g).tolist()
    indptr, indices, last = [0], [], []
    for n, p in zip(kv_lens, pages):
        indices += perm[:p]
        perm = perm[p:]
        indptr.append(indptr[-1] + p)
        last.append(n - (p - 1) * ps)
    return indptr, indices, last, total


def build(defn, inp):
    t = inp.t
    ax = {k: v.get("value") for k, v in defn["axes"].items()}
    ins = defn["inputs"]
    name = defn["name"]
    op = defn["op_type"]
    v = {}
    if op in ("rmsnorm", "gemma_rmsnorm"):
        for k, s in ins.items():
            shape = [5 if a == "batch_size" else ax[a] for a in s["shape"]]
            v[k] = inp.rand(shape, s["dtype"])
        return v
    if op == "gemm":
        return {"A": inp.rand([3, ax["K"]], "float16"), "B": inp.rand([ax["N"], ax["K"]], "float16", 0.05)}
    if op in ("gqa_paged", "mla_paged"):
        ps = ax["page_size"]
        kv_lens = [5, 1, 2 * ps + 3] if "prefill" in name else [5, 1, 2 * ps + 1]
        q_lens = [3, 1, 4] if "prefill" in name else [1, 1, 1]
        indptr, indices, last, num_pages = paged(inp, ps, kv_lens)
        total_q = sum(q_lens)
        rows = total_q if "prefill" in name else len(kv_lens)
        if op == "gqa_paged":
            h, kv, d = ax["num_qo_heads"], ax["num_kv_heads"], ax["head_dim"]
            v["q"] = inp.rand([rows, h, d], "bfloat16")
            v["k_cache"] = inp.rand([num_pages, ps, kv, d], "bfloat16")
            v["v_cache"] = inp.rand([num_pages, ps, kv, d], "bfloat16")
        else:
            h, c, p = ax["num_qo_heads"], ax["head_dim_ckv"], ax["head_dim_kpe"]
            v["q_nope"] = inp.rand([rows, h, c], "bfloat16")
            v["q_pe"] = inp.rand([rows, h, p], "bfloat16")
            v["ckv_cache"] = inp.rand([num_pages, ps, c], "bfloat16")
            v["kpe_cache"] = inp.rand([num_pages, ps, p], "bfloat16")
        if "qo_indptr" in ins:
            qo = [0]
            for n in q_lens:
                qo.append(qo[-1] + n)
            v["qo_indptr"] = inp.ints(qo)
        v["kv_indptr"] = inp.ints(indptr)
        v["kv_indices"] = inp.ints(indices)
        if "kv_last_page_len" in ins:
            v["kv_last_page_len"] = inp.ints(last)
        v["sm_scale"] = 0.09
        return v
    if op in ("gqa_ragged", "mla_ragged"):
        q_lens, kv_lens = [3, 1, 4], [5, 1, 9]
        h = ax["num_qo_heads"]
        kvh = ax["num_kv_heads"]
        dq = ax.get("head_dim") or ax["qk_dim"]
        dv = ax.get("head_dim") or ax["vo_dim"]
        v["q"] = inp.rand([sum(q_lens), h, dq], "bfloat16")
        v["k"] = inp.rand([sum(kv_lens), kvh, dq], "bfloat16")
        v["v"] = inp.rand([sum(kv_lens), kvh, dv], "bfloat16")
        qo, kvp = [0], [0]
        for a, b in zip(q_lens, kv_lens):
            qo.append(qo[-1] + a)
            kvp.append(kvp[-1] + b)
        v["qo_indptr"], v["kv_indptr"], v["sm_scale"] = inp.ints(qo), inp.ints(kvp), 0.09
        return v
    if op == "dsa_paged" and "sparse_indices" in ins:
        ps, topk, h = ax["page_size"], ax["topk"], ax["num_qo_heads"]
        c, p = ax["head_dim_ckv"], ax["head_dim_kpe"]
        num_pages = max(4, math.ceil(300 / ps))
        slots = num_pages * ps
        idx = t.full((3, topk), -1, dtype=t.int32)
        for i, n in enumerate([min(topk, slots) - 7, 5, 0]):
            idx[i, :n] = t.randperm(slots, generator=inp.g)[:n].to(t.int32)
        return {"q_nope": inp.rand([3, h, c], "bfloat16"), "q_pe": inp.rand([3, h, p], "bfloat16"),
                "ckv_cache": inp.rand([num_pages, ps, c], "bfloat16"),
                "kpe_cache": inp.rand([num_pages, ps, p], "bfloat16"), "sparse_indices": idx.to(inp.dev),
                "sm_scale": 0.05}
    if op == "dsa_paged" and "k_index_cache_fp8" in ins:
        if not hasattr(t, "float8_e4m3fn"):
            raise RuntimeError("the indexer's key cache is float8 bytes: needs torch >= 2.1 (float8)")
        ps, ih, idim = ax["page_size"], ax["num_index_heads"], ax["index_head_dim"]
        num_pages, lens = 9, [300, 64 * 3 + 5, 0]
        keys = (t.randn(num_pages, ps * idim, generator=inp.g)).to(t.float8_e4m3fn).view(t.uint8)
        scales = (t.rand(num_pages, ps, generator=inp.g) + 0.5).view(t.uint8).reshape(num_pages, ps * 4)
        cache = t.cat([keys, scales], dim=1).view(t.int8).reshape(num_pages, ps, 1, idim + 4)
        table = t.stack([t.randperm(num_pages, generator=inp.g)[:6] for _ in lens]).to(t.int32)
        return {"q_index_fp8": t.randn(len(lens), ih, idim, generator=inp.g).to(t.float8_e4m3fn).to(inp.dev),
                "k_index_cache_fp8": cache.to(inp.dev), "weights": t.rand(len(lens), ih, generator=inp.g).to(inp.dev),
                "seq_lens": inp.ints(lens), "block_table": table.to(inp.dev)}
    if op == "moe":
        T = 4
        for k, s in ins.items():
            if s["shape"] is None:
                v[k] = 0 if k == "local_expert_offset" else 2.5
                continue
            shape = [T if a == "seq_len" else ax[a] for a in s["shape"]]
            if k == "topk_ids":
                E, K = ax["num_experts"], ax["top_k"]
                ids = t.stack([t.randperm(E, generator=inp.g)[:K] for _ in range(T)])
                w = t.rand(T, K, generator=inp.g).to(t.bfloat16).view(t.int16).to(t.int32) & 0xFFFF
                v[k] = ((ids.to(t.int32) << 16) | w).to(inp.dev)
            elif k.endswith("_scale") or "scales" in k:
                v[k] = (t.rand(*shape, generator=inp.g) * 0.5 + 0.75).to(inp.dev)
            elif k == "routing_bias":
                v[k] = inp.rand(shape, s["dtype"], 0.1)
            elif "weights" in k:
                v[k] = inp.rand(shape, s["dtype"], 0.05)
            else:
                v[k] = inp.rand(shape, s["dtype"])
        return v
    if op == "sampling":
        V = ax["vocab_size"]
        probs = t.softmax(t.randn(4, V, generator=inp.g) * 3, dim=-1).to(inp.dev)
        v["probs"] = probs
        if "top_k" in ins:
            v["top_k"] = inp.ints([1, 20, 0, V])
        if "top_p" in ins:
            v["top_p"] = t.tensor([0.9, 0.5, 1.0, 0.0], device=inp.dev)
        return v
    if op == "rope":
        d, rd = ax["head_size"], ax["rotary_dim"]
        return {"q": inp.rand([5, 3, d], "bfloat16"), "k": inp.rand([5, 2, d], "bfloat16"),
                "cos_sin_cache": inp.rand([16, rd], "float32"), "positions": inp.ints([0, 3, 15, 7, 7], "int64")}
    if op == "gdn":
        hq, hv, d = ax["num_q_heads"], ax["num_v_heads"], ax["head_size"]
        if "cu_seqlens" in ins:
            lead = {"total_seq_len": 5, "num_seqs": 2, "len_cu_seqlens": 3}
        elif "initial_state" in ins:
            lead = {"batch_size": 2, "seq_len": 3, "pool_size": 4}
        else:
            lead = {"batch_size": 3, "seq_len": 1}
        for k, s in ins.items():
            if s["shape"] is None:
                v[k] = 0.0 if k == "scale" else None
                continue
            if k == "cu_seqlens":
                v[k] = inp.ints([0, 2, 5], "int64")
                continue
            if k == "initial_state_indices":
                v[k] = inp.ints([3, 1])
                continue
            if k == "intermediate_states_buffer":
                v[k] = None
                continue
            shape = [lead[a] if a in lead else ax[a] for a in s["shape"]]
            scale = 0.1 if k in ("k", "state", "initial_state") else 1.0
            v[k] = inp.rand(shape, s["dtype"], scale)
        if "k" in v:
            v["k"] = t.nn.functional.normalize(v["k"].float(), dim=-1).to(v["k"].dtype)
        return v
    if op == "mamba_ssu":
        lead = {"batch_size": 3, "state_cache_size": 4}
        for k, s in ins.items():
            if k == "state_batch_indices":
                v[k] = inp.ints([2, -1, 0])
                continue
            shape = [lead[a] if a in lead else ax[a] for a in s["shape"]]
            v[k] = inp.rand(shape, s["dtype"], 0.5)
        v["A"] = -v["A"].abs()
        return v
    return None


def estimated_bytes(defn):
    """Float32 bytes of the inputs, with every var axis taken as 16 (before any allocation)."""
    ax = {k: (v.get("value") if v["type"] == "const" else 16) for k, v in defn["axes"].items()}
    total = 0
    for s in defn["inputs"].values():
        n = 1
        for a in s["shape"] or []:
            n *= ax[a]
        total += n * 4
    return total


def compare(torch, a, b, name):
    a = a if isinstance(a, (tuple, list)) else (a,)
    b = b if isinstance(b, (tuple, list)) else (b,)
    if len(a) != len(b):
        return f"{len(a)} outputs vs {len(b)}"
    for i, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            return f"output {i}: shape {tuple(x.shape)} vs {tuple(y.shape)}"
        if not x.dtype.is_floating_point:
            if not torch.equal(x.cpu(), y.cpu()):
                return f"output {i}: integer outputs differ ({(x != y).sum().item()} of {x.numel()})"
            continue
        xf, yf = x.float().cpu(), y.float().cpu()
        if not torch.equal(torch.isinf(xf), torch.isinf(yf)):
            return f"output {i}: -inf positions differ"
        fin = torch.isfinite(xf) & torch.isfinite(yf)
        tol = 2e-2 if x.dtype in (torch.bfloat16, torch.float16) else 1e-3
        if fin.any() and not torch.allclose(xf[fin], yf[fin], atol=tol, rtol=tol):
            diff = (xf[fin] - yf[fin]).abs().max().item()
            return f"output {i}: max abs difference {diff:.4g}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--derived", required=True)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--dataset", default=os.path.join(here, "..", "..", "..", "shared", "flashinfer-trace",
                                                      "definitions"))
    ap.add_argument("--max-gib", type=float, default=2.0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--only", default="", help="only definitions whose name contains this text")
    args = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"reference_equivalence: needs torch ({e})", file=sys.stderr)
        return 2
    derived, dataset = load_defs(args.derived), load_defs(args.dataset)
    common = sorted(n for n in set(derived) & set(dataset) if args.only in n)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for name in common:
        mine, theirs = derived[name], dataset[name]
        if estimated_bytes(mine) > args.max_gib * 2**30:
            print(f"SKIP   {name}: inputs over {args.max_gib} GiB")
            counts["skipped"] += 1
            continue
        try:
            inputs = build(mine, Inputs(torch, args.device, 1234))
        except RuntimeError as e:
            print(f"SKIP   {name}: {e}")
            counts["skipped"] += 1
            continue
        if inputs is None:
            print(f"SKIP   {name}: no input generator for op_type {mine['op_type']}")
            counts["skipped"] += 1
            continue
        try:
            run_mine = compile_run(mine["reference"], name)
            run_theirs = compile_run(theirs["reference"], name)
            torch.manual_seed(7)
            out_mine = run_mine(**inputs)
            torch.manual_seed(7)
            out_theirs = run_theirs(**inputs)
            problem = compare(torch, out_mine, out_theirs, name)
        except Exception as e:  # noqa: BLE001 - report any failure of either reference
            msg = str(e).split("\n")[0]
            if "float8" in msg or "Float8" in msg:
                print(f"SKIP   {name}: this torch has no float8 ({msg})")
                counts["skipped"] += 1
                continue
            problem = f"{type(e).__name__}: {msg}"
        if problem:
            print(f"FAIL   {name}: {problem}")
            counts["failed"] += 1
        else:
            print(f"PASS   {name}")
            counts["passed"] += 1
    print(f"{len(common)} definitions in both: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['skipped']} skipped")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
