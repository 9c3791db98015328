#!/usr/bin/env python3
"""Issue 21's second prefill yardstick: the best MoE layer torch offers, end to end, on the shapes
of a moe definition. Routing in torch (DeepSeek sigmoid + bias with group top-k, or renormalized
softmax top-k, as the definition's name says), the local picks (one host sync) permuted by expert
(each expert's rows padded to 16), GEMM1, SwiGLU, GEMM2, weighted un-permute and reduce
(index_add_). Two variants, each timed only where this torch has it:

  grouped_mm_bf16      torch._grouped_mm, bf16 hidden states and bf16 weights (the weights are
                       stored in bf16 up front: the conversion is not timed);
  scaled_grouped_mm    torch._scaled_grouped_mm, FP8 e4m3 weights with per-output-row scales
                       (quantized up front) and the activations quantized per row in the timed
                       path (before GEMM1 and before GEMM2).

Inputs are random (routing logits N(0,1), so every expert gets about the same number of rows, as
in kjit bench's synthesized inputs). Each variant is checked against a per-token float loop on the
first 8 tokens before it is timed (relative L2 error; a variant over its bound is reported FAILED
and not timed). Times: median of --iters single launches after an L2 flush
(tools/bench/cuda_events.median_s, as kjit bench does).

Usage: bench_torch_moe.py DEFINITION_JSON... [--seq-len 4096] [--iters 20] [--json FILE]
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "bench"))
import cuda_events  # noqa: E402

ALIGN = 16  # rows per expert group are padded to this (grouped GEMMs want 16-byte-aligned groups)


def shapes(defn):
    ax = {k: v.get("value") for k, v in defn["axes"].items() if v.get("type") == "const"}
    name = defn["name"]
    s = {"name": name, "H": ax["hidden_size"], "I": ax["intermediate_size"],
         "EL": ax["num_local_experts"], "E": ax.get("num_experts", ax["num_local_experts"]),
         "topk": ax.get("top_k"), "ng": None, "kg": None, "ds": "_ds_routing_" in name}
    parts = name.split("_")
    for p in parts:
        if p.startswith("topk") and p[4:].isdigit():
            s["topk"] = s["topk"] or int(p[4:])
        if p.startswith("ng") and p[2:].isdigit():
            s["ng"] = int(p[2:])
        if p.startswith("kg") and p[2:].isdigit():
            s["kg"] = int(p[2:])
    return s


def route(torch, s, logits, bias):
    """(ids [T, k] int64, weights [T, k] float32) as the definition family routes."""
    k = s["topk"]
    if s["ds"]:
        sc = torch.sigmoid(logits.float())
        sb = sc + bias.float()
        T, E = sb.shape
        g = sb.view(T, s["ng"], E // s["ng"]).topk(2, dim=-1).values.sum(-1)
        keep = torch.zeros_like(g).scatter_(1, g.topk(s["kg"], dim=-1).indices, 1.0)
        mask = keep.repeat_interleave(E // s["ng"], dim=1) > 0
        ids = sb.masked_fill(~mask, float("-inf")).topk(k, dim=-1).indices
        w = sc.gather(1, ids)
        w = w / w.sum(-1, keepdim=True) * 2.5
        return ids, w
    vals, ids = logits.float().topk(k, dim=-1)
    return ids, torch.softmax(vals, dim=-1)


def make(torch, s, T, dev):
    g = torch.Generator(device=dev).manual_seed(0)
    H, I, EL, E = s["H"], s["I"], s["EL"], s["E"]
    t = {"x": (torch.randn(T, H, device=dev, generator=g) * 0.5).to(torch.bfloat16),
         "logits": torch.randn(T, E, device=dev, generator=g),
         "bias": torch.randn(E, device=dev, generator=g).to(torch.bfloat16) * 0.1,
         # weights [EL, N, K] (output rows contiguous in K), as the definitions store them
         "w1": (torch.randn(EL, 2 * I, H, device=dev, generator=g) / math.sqrt(H)).to(torch.bfloat16),
         "w2": (torch.randn(EL, H, I, device=dev, generator=g) / math.sqrt(I)).to(torch.bfloat16)}
    return t


def plan(torch, s, ids):
    """The local picks (one host sync: torch.nonzero), sorted by expert: their flat pick index,
    destination row in the group-padded buffer, and the padded group ends (offs)."""
    EL = s["EL"]
    e = ids.flatten()  # local_expert_offset 0: the first EL experts are local
    sel = torch.nonzero(e < EL).squeeze(1)
    es = e[sel]
    order = torch.argsort(es, stable=True)
    sel, es = sel[order], es[order]
    counts = torch.bincount(es, minlength=EL)
    ends = torch.cumsum(counts, 0)
    padded = (counts + ALIGN - 1) // ALIGN * ALIGN
    pends = torch.cumsum(padded, 0)
    rank = torch.arange(es.numel(), device=ids.device) - (ends - counts)[es]
    dest = (pends - padded)[es] + rank
    return sel, dest, pends.to(torch.int32), sel.numel() + EL * ALIGN


def quant_rows(torch, a):
    amax = a.abs().amax(dim=-1).float().clamp(min=1e-6)
    scale = amax / 448.0
    return (a.float() / scale[:, None]).to(torch.float8_e4m3fn), scale


def layer(torch, s, t, gemm):
    """One MoE layer; gemm(kind, a [rows, K] bf16, offs) -> [rows, N] bf16."""
    T, H, I, k = t["x"].shape[0], s["H"], s["I"], s["topk"]
    ids, w = route(torch, s, t["logits"], t["bias"])
    sel, dest, offs, rows = plan(torch, s, ids)
    tok = sel // k
    xs = torch.zeros(rows, H, device=t["x"].device, dtype=torch.bfloat16)
    xs[dest] = t["x"][tok]
    h = gemm(1, xs, offs)
    a = torch.nn.functional.silu(h[:, I:]) * h[:, :I]
    y = gemm(2, a, offs)
    out = torch.zeros(T, H, device=t["x"].device, dtype=torch.float32)
    out.index_add_(0, tok, y[dest].float() * w.flatten()[sel][:, None])
    return out.to(torch.bfloat16)


def variant_bf16(torch, t):
    w1t, w2t = t["w1"].transpose(-2, -1), t["w2"].transpose(-2, -1)  # [EL, K, N], column-major
    return lambda kind, a, offs: torch._grouped_mm(a, w1t if kind == 1 else w2t, offs=offs)


def variant_fp8(torch, t):
    q = {}
    for kind, w in ((1, t["w1"]), (2, t["w2"])):
        amax = w.abs().amax(dim=-1).float().clamp(min=1e-6)  # [EL, N]
        sc = amax / 448.0
        q[kind] = ((w.float() / sc[..., None]).to(torch.float8_e4m3fn).transpose(-2, -1), sc)

    def gemm(kind, a, offs):
        aq, sa = quant_rows(torch, a)
        wq, sb = q[kind]
        return torch._scaled_grouped_mm(aq, wq, sa, sb, offs=offs, out_dtype=torch.bfloat16)
    return gemm


def reference(torch, s, t, n):
    """Float loop over the first n tokens: sum over picks of w * W2 (silu(W1g x) * W1u x)."""
    ids, w = route(torch, s, t["logits"][:n], t["bias"])
    I, out = s["I"], []
    for i in range(n):
        acc = torch.zeros(s["H"], device=t["x"].device)
        for j in range(s["topk"]):
            e = int(ids[i, j])
            if e >= s["EL"]:
                continue
            h = t["w1"][e].float() @ t["x"][i].float()
            acc += float(w[i, j]) * (t["w2"][e].float() @ (torch.nn.functional.silu(h[I:]) * h[:I]))
        out.append(acc)
    return torch.stack(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("definitions", nargs="+", help="moe definition JSON files")
    ap.add_argument("--seq-len", type=int, default=4096)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch = cuda_events.cuda_torch("bench_torch_moe")
    if torch is None:
        return 2
    dev = torch.device("cuda")
    rows = []
    for path in a.definitions:
        s = shapes(json.load(open(path)))
        t = make(torch, s, a.seq_len, dev)
        ref = reference(torch, s, t, 8)
        for vname, make_v, bound in (("grouped_mm_bf16", variant_bf16, 0.02), ("scaled_grouped_mm", variant_fp8, 0.08)):
            rec = {"name": s["name"], "variant": vname, "seq_len": a.seq_len}
            try:
                gemm = make_v(torch, t)
                fn = lambda: layer(torch, s, t, gemm)  # noqa: E731
                got = fn()[:8].float()
                err = float((got - ref).norm() / ref.norm().clamp(min=1e-12))
                rec["rel_l2_error_first8"] = err
                if not err <= bound:
                    rec["status"] = "FAILED"
                else:
                    sec = cuda_events.median_s(fn, a.iters, 3)
                    rec.update(status="OK", median_us=sec * 1e6)
            except Exception as ex:  # a torch without the op, or an op refusing these shapes
                rec.update(status="UNAVAILABLE", message=f"{type(ex).__name__}: {str(ex)[:300]}")
            rows.append(rec)
            print(json.dumps(rec), flush=True)
        del t
        torch.cuda.empty_cache()
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "results": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
