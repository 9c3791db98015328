"""Timing a GPU op with CUDA events (PyTorch), shared by the GPU-machine baseline scripts so that
they all time the same way:

- median_s: one launch at a time (L2 flush by a 256 MiB memset, start event, the op, end event,
  wait for it), median in seconds: tools/bench/torch_baselines.py and
  tests/gpu/sampling/torch_sampling.py;
- event_times_us: ITERS launches queued back to back, each after `before(i)` (the caller's L2
  flush, e.g. flush_and_sleep), one synchronize at the end; the per-launch times in microseconds:
  tools/bench/bench_norms.py, tools/tune/rmsnorm/torch_norms.py and same_harness.py;
- Results: the {"device", "torch", "results"} document those baselines print (one JSON line per
  row) and write with --json;
- cuda_torch(prog): torch with a CUDA device, or None after a one-line reason (tests/gpu/moe's
  bench_ref.py and bench_torch_moe.py).

torch is imported on first use (the callers' --help works without it). Single-threaded.
Import with sys.path.insert(0, <tools/bench>).
"""
import json
import statistics

FLUSH_BYTES = 256 << 20  # larger than the L2 of the GPUs we time on (H100 50 MiB, H200 60 MiB)


def cuda_torch(prog):
    """torch, when it imports and sees a CUDA device; else None, after saying which is missing on
    stderr (prefixed with `prog`). The GPU baseline scripts exit 2 on None."""
    import sys
    try:
        import torch
    except ImportError:
        print(f"{prog}: no torch", file=sys.stderr)
        return None
    if not torch.cuda.is_available():
        print(f"{prog}: no CUDA device", file=sys.stderr)
        return None
    return torch


def flush_buffer(nbytes=FLUSH_BYTES):
    """A device buffer whose overwrite evicts the L2."""
    import torch
    return torch.empty(nbytes, dtype=torch.uint8, device="cuda")


def median_s(fn, iters, warmup):
    """Median seconds of `fn` over `iters` launches, each alone on the GPU after an L2 flush."""
    import torch
    flush = flush_buffer()
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        flush.zero_()
        s = torch.cuda.Event(enable_timing=True)
        e = torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e) * 1e-3)
    return statistics.median(times)


def event_times_us(fn, iters, before, warmup=5, sync_warmup=True):
    """Microseconds of each of `iters` launches of `fn` queued back to back, `before(i)` (untimed)
    ahead of launch i; `sync_warmup`: wait for the `warmup` launches before queueing."""
    import torch
    for _ in range(warmup):
        fn()
    if sync_warmup:
        torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    for i in range(iters):
        before(i)
        starts[i].record()
        fn()
        ends[i].record()
    torch.cuda.synchronize()
    return [s.elapsed_time(e) * 1e3 for s, e in zip(starts, ends)]


def flush_and_sleep(flush, cycles):
    """A `before` for event_times_us: overwrite `flush` (cold L2), then keep the GPU busy `cycles`
    more clocks so that the CPU enqueues the op before the GPU reaches it: the events then time GPU
    work, not Python/launch overhead."""
    import torch

    def before(_):
        flush.zero_()
        torch.cuda._sleep(cycles)
    return before


class Results:
    """The baselines document: the device, torch's version and one row per timed op."""

    def __init__(self):
        import torch
        self.doc = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": []}

    def rec(self, name, seconds, bytes_=None, flops=None, **kw):
        """Adds and prints a row: `name`, microseconds, GB/s for `bytes_` moved and TFLOP/s for
        `flops` (each only when given), then `kw`."""
        r = {"name": name, "us": seconds * 1e6}
        if bytes_:
            r["GBps"] = bytes_ / seconds / 1e9
        if flops:
            r["TFLOPs"] = flops / seconds / 1e12
        r.update(kw)
        self.doc["results"].append(r)
        print(json.dumps(r), flush=True)

    def rec_copy(self, warmup):
        """The copy_1GiB row: device-to-device copy bandwidth (bytes read + written), 20 launches."""
        import torch
        n = 1 << 30
        src = torch.empty(n, dtype=torch.uint8, device="cuda").random_(0, 255)
        dst = torch.empty_like(src)
        self.rec("copy_1GiB", median_s(lambda: dst.copy_(src), iters=20, warmup=warmup), 2 * n)

    def write(self, path):
        """Writes the document as indented JSON to `path` (the --json FILE); nothing when None."""
        if path:
            with open(path, "w") as f:
                json.dump(self.doc, f, indent=1)
