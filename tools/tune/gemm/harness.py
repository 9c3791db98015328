#!/usr/bin/env python3
"""tools/tune/gemm/harness.py — tuning harness of the GEMM kernels (templates/gemm/): kjit bench /
check of the shipped kernels and of variants, and the same-run cuBLAS baseline. Common options:
tools/tune/tunelib.py.

Commands beyond bench / check / render / defs:
  cublas   torch.matmul (cuBLAS) at the shapes of docs/perf/gemm.md, same method as
           tools/bench/torch_baselines.py (L2 flush, CUDA events, median) (tools/tune/gemm/torch_mm.py)

Knobs the overlay's gemm_shape.j2 reads (definition tags "kjit-tune:KEY=N"): stages (mma.sync
cp.async stages, 4), wg_stages / wg_n_stages (wgmma wide / narrow stages, 4 / 5), wg_group_m
(wgmma raster group, 16). Made-up shapes: tests/gpu/definitions/gemm (N / K tails, fp32 output)
and tests/gpu/definitions/coverage/cov_gemm_*.

Examples (GPU machine, repo root, after tools/gpu_prepare.sh):
  tools/tune/gemm/harness.py check --names gemm_n4096_k4096,gemm_n28672_k4096 --axes M=1 --repeat 1
  tools/tune/gemm/harness.py check --names 'gemmtest_*' --axes M=1100
  tools/tune/gemm/harness.py bench --names gemm_n4096_k4096,gemm_n28672_k4096 --axes M=4096
  tools/tune/gemm/harness.py bench --names gemm_n4096_k4096 --variant ws3:wg_stages=3 --axes M=4096
  tools/tune/gemm/harness.py cublas
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tunelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = ["gemm_n4096_k4096", "gemm_n28672_k4096"]


def main():
    h = tunelib.Harness("gemm", __doc__, DEFAULT, extra=["cublas"])
    a = h.parse()
    if h.run_common():
        return
    if a.command != "cublas":
        h.parser.error(f"unknown command {a.command!r}")
    cmd = [sys.executable, os.path.join(HERE, "torch_mm.py")]
    if a.dry_run:
        print(" ".join(cmd))
        return
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=max(a.timeout, 300))
    for line in (p.stdout + p.stderr).splitlines():
        h.log(line)


if __name__ == "__main__":
    main()
