"""kjit kernels inside PyTorch programs, on the GPU:

1. direct calls: outputs allocated like the inputs, correct against torch math;
   a side stream (torch.cuda.stream) is honoured; a wrong dtype is a ValueError;
2. torch.compile(fullgraph=True) of a function calling three kjit operators
   (kjit.torch.library: rmsnorm, gemm, paged decode) and torch ops gives the
   eager result;
3. CUDA graph capture and replay of 3 different kernels (rmsnorm; gemm at
   M = 1, split-K with a workspace; paged GQA decode with a workspace and a
   programmatic dependent merge), called directly and as torch operators,
   equals eager, also after the inputs change in place.

Writes a JSON report to --out; exit 0 when every check passed.
"""
import argparse
import json
import sys
import traceback

import torch

import kjit
import kjit.torch as kt

DEV = "cuda"
results = []


def check(name):
    def wrap(fn):
        try:
            detail = fn() or {}
            results.append({"check": name, "status": "PASSED", **detail})
        except Exception as e:
            results.append({"check": name, "status": "FAILED", "error": "".join(traceback.format_exception(type(e), e, e.__traceback__))[-3000:]})
        print(f"{results[-1]['status']:<8} {name}", flush=True)
        return fn
    return wrap


def rms_ref(x, w, eps=1e-5):
    xf = x.float()
    return (xf * torch.rsqrt(xf.square().mean(-1, keepdim=True) + eps) * w.float()).to(x.dtype)


def decode_inputs(batch=4, pages_per_seq=5, seed=0):
    g = torch.Generator(device=DEV).manual_seed(seed)
    num_pages = batch * pages_per_seq + 3
    q = torch.randn(batch, 32, 128, generator=g, device=DEV).bfloat16()
    kc = torch.randn(num_pages, 64, 8, 128, generator=g, device=DEV).bfloat16()
    vc = torch.randn(num_pages, 64, 8, 128, generator=g, device=DEV).bfloat16()
    indptr = torch.arange(0, batch + 1, device=DEV, dtype=torch.int32) * pages_per_seq
    indices = torch.randperm(num_pages, generator=g, device=DEV)[: batch * pages_per_seq].to(torch.int32)
    last = torch.randint(1, 65, (batch,), generator=g, device=DEV, dtype=torch.int32)
    return q, kc, vc, indptr, indices, last


def decode_ref(q, kc, vc, indptr, indices, last, scale):
    outs, lses = [], []
    for b in range(q.shape[0]):
        pages = indices[int(indptr[b]): int(indptr[b + 1])].long()
        n = (pages.numel() - 1) * 64 + int(last[b])
        k = kc[pages].reshape(-1, 8, 128)[:n].float().repeat_interleave(4, dim=1)
        v = vc[pages].reshape(-1, 8, 128)[:n].float().repeat_interleave(4, dim=1)
        s = torch.einsum("hd,thd->ht", q[b].float(), k) * scale
        lse = torch.logsumexp(s, -1)
        outs.append(torch.einsum("ht,thd->hd", torch.softmax(s, -1), v))
        lses.append(lse / torch.log(torch.tensor(2.0)))
    return torch.stack(outs).bfloat16(), torch.stack(lses)


def close(a, b, tol=1e-2):
    torch.testing.assert_close(a.float(), b.float(), atol=tol, rtol=tol)


@check("direct call: rmsnorm allocates like the input and matches torch")
def _():
    k = kjit.kernel("rmsnorm_h4096")
    x = torch.randn(33, 4096, device=DEV).bfloat16()
    w = torch.randn(4096, device=DEV).bfloat16()
    y = k(x, w)
    assert y.device == x.device and y.dtype == torch.bfloat16 and y.shape == x.shape
    close(y, rms_ref(x, w))
    y2 = torch.empty_like(x)
    assert k(hidden_states=x, weight=w, out=y2) is y2
    assert torch.equal(y, y2)


@check("direct call: a side stream is used")
def _():
    k = kjit.kernel("gemm_n4096_k4096")
    a = torch.randn(64, 4096, device=DEV).bfloat16()
    b = torch.randn(4096, 4096, device=DEV).bfloat16() * 0.02
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        c = k(a, b)
    s.synchronize()
    close(c, (a.float() @ b.float().t()).bfloat16(), tol=2e-2)


@check("direct call: wrong dtype is a ValueError naming the tensor")
def _():
    k = kjit.kernel("rmsnorm_h4096")
    try:
        k(torch.randn(2, 4096, device=DEV).half(), torch.randn(4096, device=DEV).bfloat16())
    except ValueError as e:
        assert "tensor 'hidden_states' has dtype float16" in str(e), str(e)
        return {"message": str(e)}
    raise AssertionError("no error")


@check("torch.compile(fullgraph=True) with three kjit operators equals eager")
def _():
    norm = kt.library("rmsnorm_h4096")
    gemm = kt.library("gemm_n4096_k4096")
    dec = kt.library("gqa_paged_decode_h32_kv8_d128_ps64")

    def f(x, w, b, q, kc, vc, indptr, indices, last):
        h = norm(x, w)
        y = gemm(h, b)
        o, lse = dec(q, kc, vc, indptr, indices, last, 0.08838834764831845)
        return y * 2 + 1, o.float().sum(-1), lse

    x = torch.randn(5, 4096, device=DEV).bfloat16()
    w = torch.randn(4096, device=DEV).bfloat16()
    b = torch.randn(4096, 4096, device=DEV).bfloat16() * 0.02
    args = (x, w, b, *decode_inputs())
    eager = f(*args)
    compiled = torch.compile(f, fullgraph=True)
    got = compiled(*args)
    for e, c in zip(eager, got):
        close(c, e)
    got2 = compiled(*args)  # cached graph
    for e, c in zip(eager, got2):
        close(c, e)
    o, lse = dec(*decode_inputs(), 0.08838834764831845)
    ro, rlse = decode_ref(*decode_inputs(), 0.08838834764831845)
    close(o, ro)
    close(lse, rlse)
    return {"torch": torch.__version__}


@check("CUDA graph: 3 kernels (rmsnorm, split-K gemm M=1, paged decode) replay equal to eager, direct and as operators")
def _():
    rms = kjit.kernel("rmsnorm_h4096")
    gemm = kjit.kernel("gemm_n4096_k4096")
    dec = kjit.kernel("gqa_paged_decode_h32_kv8_d128_ps64")
    assert gemm.resolve(torch.empty(1, 4096, device=DEV, dtype=torch.bfloat16),
                        torch.empty(4096, 4096, device=DEV, dtype=torch.bfloat16))["workspace_bytes"] > 0
    x = torch.randn(1, 4096, device=DEV).bfloat16()
    w = torch.randn(4096, device=DEV).bfloat16()
    b = torch.randn(4096, 4096, device=DEV).bfloat16() * 0.02
    dq = decode_inputs(batch=1, pages_per_seq=9)
    scale = 0.08838834764831845

    def step():
        h = rms(x, w)
        y = gemm(h, b)
        o, lse = dec(*dq, scale)
        return h, y, o, lse

    def step_ops():
        h = kt.library("rmsnorm_h4096")(x, w)
        y = kt.library("gemm_n4096_k4096")(h, b)
        o, lse = kt.library("gqa_paged_decode_h32_kv8_d128_ps64")(*dq, scale)
        return h, y, o, lse

    detail = {}
    for label, fn in (("direct", step), ("operators", step_ops)):
        eager = fn()
        torch.cuda.synchronize()
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):  # warm-up on the capture stream, as PyTorch recommends
            fn()
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            static = fn()
        g.replay()
        torch.cuda.synchronize()
        for e, c in zip(eager, static):
            assert torch.equal(e, c), f"{label}: replay differs from eager (max diff {(e.float() - c.float()).abs().max().item()})"
        # New inputs, same buffers: the graph must read them.
        x.copy_(torch.randn(1, 4096, device=DEV).bfloat16())
        dq[0].copy_(torch.randn(1, 32, 128, device=DEV).bfloat16())
        eager2 = fn()
        g.replay()
        torch.cuda.synchronize()
        for e, c in zip(eager2, static):
            assert torch.equal(e, c), f"{label}: replay after new inputs differs from eager"
        close(static[0], rms_ref(x, w))
        detail[label] = "equal"
    return detail


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="python_torch.json")
    a = p.parse_args()
    with open(a.out, "w") as f:
        json.dump({"torch": torch.__version__, "device": torch.cuda.get_device_name(), "results": results}, f, indent=1)
    failed = [r for r in results if r["status"] != "PASSED"]
    for r in failed:
        print(r["check"], "\n", r["error"][-1500:])
    print(f"torch integration: {len(results) - len(failed)}/{len(results)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
