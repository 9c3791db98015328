"""A Llama-3.1-8B decoder layer (random weights), written once with kjit
kernels through the kjit Python package and once in plain PyTorch.

kjit serves: input RMSNorm (rmsnorm_h4096), the fused QKV projection
(gemm_n6144_k4096), paged GQA attention (gqa_paged_decode_h32_kv8_d128_ps*
for decode, gqa_paged_prefill_causal_h32_kv8_d128_ps* for prefill), the
output projection (gemm_n4096_k4096), residual add + post-attention RMSNorm
(fused_add_rmsnorm_h4096), gate/up (gemm_n28672_k4096) and down
(gemm_n4096_k14336). PyTorch keeps what kjit does not serve: rotary
embedding, writing K/V into the paged cache, SwiGLU and the residual adds.
The plain version uses torch.nn.functional.linear (cuBLAS), F.rms_norm (or
the HF formula on older torch) and scaled_dot_product_attention over a
contiguous KV cache.

For each shape (decode batch 1 and 64 with --ctx tokens of context per
sequence; prefill 1 x 2048) it checks the two layers against each other
with flashinfer-bench's rule (atol = rtol = 1e-2; matched ratio reported,
>= --min-match required) and times eager layers with CUDA events; the kjit
layer is also captured in a CUDA graph and replayed (decode batch 1 by
default). Results: --json FILE.

Usage: python3 llama_layer.py [--page-size 64] [--ctx 2048] [--iters 20] [--json out.json]
"""
import argparse
import json
import math
import statistics
import sys

import torch
import torch.nn.functional as F

import kjit

H, NH, NKV, D, INTER, EPS = 4096, 32, 8, 128, 14336, 1e-5
SCALE = 1.0 / math.sqrt(D)


class Weights:
    def __init__(self, dev, seed=0):
        g = torch.Generator(device=dev).manual_seed(seed)

        def lin(out_f, in_f):
            return (torch.randn(out_f, in_f, generator=g, device=dev) / math.sqrt(in_f)).bfloat16()

        self.qkv = lin(NH * D + 2 * NKV * D, H)        # [6144, 4096]
        self.o = lin(H, NH * D)                        # [4096, 4096]
        self.gate_up = lin(2 * INTER, H)               # [28672, 4096]: gate rows, then up rows
        self.down = lin(H, INTER)                      # [4096, 14336]
        self.norm_in = (1 + 0.1 * torch.randn(H, generator=g, device=dev)).bfloat16()
        self.norm_post = (1 + 0.1 * torch.randn(H, generator=g, device=dev)).bfloat16()


def rope(x, pos):
    """Neox-style rotary embedding (Llama), theta 500000, on [T, heads, 128] at positions `pos` [T]."""
    inv = 1.0 / (500000.0 ** (torch.arange(0, D, 2, device=x.device, dtype=torch.float32) / D))
    ang = pos.float()[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1)[:, None, :], torch.cat([ang.sin(), ang.sin()], -1)[:, None, :]
    xf = x.float()
    rot = torch.cat([-xf[..., D // 2:], xf[..., : D // 2]], -1)
    return (xf * cos + rot * sin).to(x.dtype)


class Batch:
    """One step's shape and KV caches: `seqs` sequences with `ctx` cached tokens each and `new` new tokens each.
    Paged cache (kjit) and contiguous [B, NKV, T, D] cache (torch) hold the same values."""

    def __init__(self, dev, seqs, ctx, new, page, seed=1):
        g = torch.Generator(device=dev).manual_seed(seed)
        self.seqs, self.ctx, self.new, self.page = seqs, ctx, new, page
        total = ctx + new
        pages_per = math.ceil(total / page)
        self.num_pages = seqs * pages_per + 1
        perm = torch.randperm(self.num_pages, generator=g, device=dev)[: seqs * pages_per].to(torch.int32)
        self.kv_indices = perm
        self.kv_indptr = (torch.arange(seqs + 1, device=dev, dtype=torch.int32) * pages_per)
        self.kv_last_page_len = torch.full((seqs,), total - (pages_per - 1) * page, device=dev, dtype=torch.int32)
        self.qo_indptr = (torch.arange(seqs + 1, device=dev, dtype=torch.int32) * new)
        self.k_cache = torch.zeros(self.num_pages, page, NKV, D, device=dev, dtype=torch.bfloat16)
        self.v_cache = torch.zeros_like(self.k_cache)
        self.k_torch = torch.zeros(seqs, NKV, total, D, device=dev, dtype=torch.bfloat16)
        self.v_torch = torch.zeros_like(self.k_torch)
        if ctx > 0:  # earlier tokens: random keys/values in both layouts
            k_old = torch.randn(seqs, ctx, NKV, D, generator=g, device=dev).bfloat16()
            v_old = torch.randn(seqs, ctx, NKV, D, generator=g, device=dev).bfloat16()
            self.write_paged(torch.arange(ctx, device=dev), k_old, v_old)
            self.k_torch[:, :, :ctx] = k_old.transpose(1, 2)
            self.v_torch[:, :, :ctx] = v_old.transpose(1, 2)
        # Slot (page, offset) of each new token, precomputed: the layer only indexes.
        tok = torch.arange(ctx, total, device=dev)
        pages = self.kv_indices.view(seqs, pages_per).long()
        self.new_page = pages[:, tok // page].reshape(-1)
        self.new_off = (tok % page).repeat(seqs)
        self.positions = tok.repeat(seqs)

    def write_paged(self, tok, k, v):
        pages = self.kv_indices.view(self.seqs, -1).long()
        pg = pages[:, tok // self.page]
        self.k_cache[pg, (tok % self.page)[None, :]] = k
        self.v_cache[pg, (tok % self.page)[None, :]] = v


class KjitLayer:
    def __init__(self, w, page, prefill):
        self.w = w
        self.norm = kjit.kernel("rmsnorm_h4096")
        self.add_norm = kjit.kernel("fused_add_rmsnorm_h4096")
        self.qkv = kjit.kernel("gemm_n6144_k4096")
        self.o = kjit.kernel("gemm_n4096_k4096")
        self.gate_up = kjit.kernel("gemm_n28672_k4096")
        self.down = kjit.kernel("gemm_n4096_k14336")
        kind = "prefill_causal" if prefill else "decode"
        self.attn = kjit.kernel(f"gqa_paged_{kind}_h32_kv8_d128_ps{page}")
        self.prefill = prefill

    def __call__(self, x, b):
        w = self.w
        h = self.norm(x, w.norm_in)
        qkv = self.qkv(h, w.qkv)
        q, k, v = qkv.split([NH * D, NKV * D, NKV * D], dim=-1)
        q = rope(q.view(-1, NH, D), b.positions)
        k = rope(k.view(-1, NKV, D), b.positions)
        b.k_cache[b.new_page, b.new_off] = k
        b.v_cache[b.new_page, b.new_off] = v.view(-1, NKV, D)
        if self.prefill:
            args = [q, b.k_cache, b.v_cache, b.qo_indptr, b.kv_indptr, b.kv_indices]
        else:
            args = [q, b.k_cache, b.v_cache, b.kv_indptr, b.kv_indices]
        if "kv_last_page_len" in self.attn.input_names:
            args.append(b.kv_last_page_len)
        o, _ = self.attn(*args, SCALE)
        attn = self.o(o.view(-1, NH * D), w.o)
        h2 = self.add_norm(attn, x, w.norm_post)
        resid = x + attn
        gu = self.gate_up(h2, w.gate_up)
        act = F.silu(gu[:, :INTER]) * gu[:, INTER:]
        return resid + self.down(act, w.down)


def torch_rms(x, weight):
    if hasattr(F, "rms_norm"):
        return F.rms_norm(x, (H,), weight, EPS)
    xf = x.float()
    return weight * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + EPS)).to(x.dtype)


_GQA = {"native": None}


def causal_gqa(q, k, v):
    """Causal SDPA with grouped KV heads: PyTorch's enable_gqa when it has it (2.5+), else repeated KV heads."""
    if _GQA["native"] is not False:
        try:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=SCALE, enable_gqa=True)
            _GQA["native"] = True
            return out
        except TypeError:
            _GQA["native"] = False
    rep = NH // NKV
    return F.scaled_dot_product_attention(q, k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1), is_causal=True, scale=SCALE)


def torch_layer(x, w, b, prefill):
    h = torch_rms(x, w.norm_in)
    qkv = F.linear(h, w.qkv)
    q, k, v = qkv.split([NH * D, NKV * D, NKV * D], dim=-1)
    q = rope(q.view(-1, NH, D), b.positions)
    k = rope(k.view(-1, NKV, D), b.positions)
    B, T = b.seqs, b.new
    b.k_torch[:, :, b.ctx:] = k.view(B, T, NKV, D).transpose(1, 2)
    b.v_torch[:, :, b.ctx:] = v.view(B, T, NKV, D).transpose(1, 2)
    if prefill:  # [B, NH, T, D] against [B, NKV, T, D], causal
        qh = q.view(B, T, NH, D).transpose(1, 2)
        o = causal_gqa(qh, b.k_torch, b.v_torch).transpose(1, 2).reshape(B * T, NH * D)
    else:  # one query per sequence: the 4 heads of a group act as 4 queries over the group's keys
        qg = q.view(B, NKV, NH // NKV, D)
        o = F.scaled_dot_product_attention(qg, b.k_torch, b.v_torch, scale=SCALE).reshape(B, NH * D)
    attn = F.linear(o, w.o)
    resid = x + attn
    h2 = torch_rms(resid, w.norm_post)
    gu = F.linear(h2, w.gate_up)
    act = F.silu(gu[:, :INTER]) * gu[:, INTER:]
    return resid + F.linear(act, w.down)


def matched(out, ref, atol=1e-2, rtol=1e-2):
    d = (out.float() - ref.float()).abs()
    fail = (d > atol) & (d / (ref.float().abs() + 1e-8) > rtol)
    return 1.0 - fail.float().mean().item(), d.max().item()


def time_ms(fn, iters, reps=5):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    per = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(iters):
            fn()
        e.record()
        e.synchronize()
        per.append(s.elapsed_time(e) / iters)
    return statistics.median(per)


def run_case(name, dev, w, seqs, ctx, new, page, iters, graph, min_match):
    prefill = new > 1
    b = Batch(dev, seqs, ctx, new, page)
    x = torch.randn(seqs * new, H, device=dev).bfloat16()
    layer = KjitLayer(w, page, prefill)
    y_kjit = layer(x, b)
    y_torch = torch_layer(x, w, b, prefill)
    torch.cuda.synchronize()
    ratio, max_abs = matched(y_kjit, y_torch)
    res = {"seqs": seqs, "ctx": ctx, "new": new, "page_size": page, "matched_ratio_vs_torch": ratio, "max_abs_vs_torch": max_abs,
           "check": "PASSED" if ratio >= min_match else "FAILED"}
    res["kjit_eager_ms"] = time_ms(lambda: layer(x, b), iters)
    res["torch_eager_ms"] = time_ms(lambda: torch_layer(x, w, b, prefill), iters)
    res["kjit_vs_torch_eager"] = res["torch_eager_ms"] / res["kjit_eager_ms"]
    if graph:
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            layer(x, b)
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            y_graph = layer(x, b)
        g.replay()
        torch.cuda.synchronize()
        res["graph_equals_eager"] = bool(torch.equal(y_graph, layer(x, b)))
        res["kjit_graph_ms"] = time_ms(g.replay, iters)
        res["graph_vs_kjit_eager"] = res["kjit_eager_ms"] / res["kjit_graph_ms"]
        if not res["graph_equals_eager"]:
            res["check"] = "FAILED"
    print(f"{name:<12} match {ratio:.5f} (max |diff| {max_abs:.3g})  kjit {res['kjit_eager_ms']:.3f} ms  torch {res['torch_eager_ms']:.3f} ms"
          + (f"  kjit graph {res['kjit_graph_ms']:.3f} ms (equal to eager: {res['graph_equals_eager']})" if graph else ""), flush=True)
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--page-size", type=int, default=64, choices=(1, 64))
    p.add_argument("--ctx", type=int, default=2048, help="cached tokens per sequence for decode")
    p.add_argument("--prefill", type=int, default=2048, help="prompt length of the 1-sequence prefill")
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--min-match", type=float, default=0.99)
    p.add_argument("--json")
    a = p.parse_args()
    dev = torch.device("cuda")
    w = Weights(dev)
    out = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "cases": {}}
    out["cases"]["decode_b1"] = run_case("decode b=1", dev, w, 1, a.ctx, 1, a.page_size, a.iters, True, a.min_match)
    out["cases"]["decode_b64"] = run_case("decode b=64", dev, w, 64, a.ctx, 1, a.page_size, a.iters, True, a.min_match)
    out["cases"]["prefill_1x2048"] = run_case("prefill", dev, w, 1, 0, a.prefill, a.page_size, max(3, a.iters // 4), False,
                                              a.min_match)
    ok = all(c["check"] == "PASSED" for c in out["cases"].values())
    c = out["cases"]
    out["targets"] = {
        "kjit_eager_not_slower_decode_b64": c["decode_b64"]["kjit_eager_ms"] <= c["decode_b64"]["torch_eager_ms"],
        "kjit_eager_not_slower_prefill": c["prefill_1x2048"]["kjit_eager_ms"] <= c["prefill_1x2048"]["torch_eager_ms"],
        "graph_faster_than_eager_b1": c["decode_b1"]["kjit_graph_ms"] < c["decode_b1"]["kjit_eager_ms"],
    }
    print(json.dumps(out["targets"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
