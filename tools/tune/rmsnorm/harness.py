#!/usr/bin/env python3
"""tools/tune/rmsnorm/harness.py — tuning harness of the rmsnorm kernels (templates/rmsnorm/):
kjit bench / check of the shipped kernels and of variants (definition copies with
"kjit-tune:KEY=VALUE" tags, read by the overlay's rmsnorm_persist_shape.j2), plus the two
comparisons docs/perf/norms.md quotes. Common options: tools/tune/tunelib.py.

Commands beyond bench / check / render / defs:
  same-process  kjit's cubins of the targets (kjit get) and torch.compile's Triton kernels timed in
                ONE process under three L2 flushes (tools/tune/rmsnorm/same_harness.py; --hidden,
                --batch, --iters); results in OUT/TAG.json
  torch         F.rms_norm eager / torch.compile baselines and a D2D copy, same run
                (tools/tune/rmsnorm/torch_norms.py; --hidden H,H --batches B,B --compile-batches B)

Knobs the overlay reads (rmsnorm_persist.cu.j2: rows of 512..2048 16-byte vectors): items,
threads, cpsm (CTAs per SM), stages, mode (tma / regs), persist (0: one row per CTA, 1: persistent),
ld (nc / ca / ef / el / eln: load cache policy), st (wb / cs / ef / tma: store policy, tma = bulk
store of the output row), grid (max / bal), occ (at most N CTAs per SM), reread (smem / ef).
rmsnorm_rows.cu.j2 (the other sizes), the overlay's rmsnorm_shape.j2: row_threads (512),
max_reg_items (2), group_block (128), as tags or as the context variables kjit_tune_<KEY>
(tests/gpu/norms/harness.py's bench variants).
Made-up shapes (odd sizes, fp16, fp32 weight): tests/gpu/definitions/coverage/cov_*rmsnorm*.

Examples (GPU machine, repo root, after tools/gpu_prepare.sh):
  tools/tune/rmsnorm/harness.py bench --variant p1:persist=1 --variant i4c8:items=4,cpsm=8 --axes batch_size=16384 --repeat 2
  tools/tune/rmsnorm/harness.py check --names 'cov_*rmsnorm*' --axes batch_size=517
  tools/tune/rmsnorm/harness.py same-process --names rmsnorm_h4096,fused_add_rmsnorm_h4096
  tools/tune/rmsnorm/harness.py torch --hidden 4096,7168 --batches 1,64,1024,16384
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tunelib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = ["rmsnorm_h4096", "fused_add_rmsnorm_h4096", "rmsnorm_h7168", "fused_add_rmsnorm_h7168"]


def main():
    h = tunelib.Harness("rmsnorm", __doc__, DEFAULT, extra=["same-process", "torch"])
    h.parser.add_argument("--hidden", help="same-process: one hidden size (default 4096); torch: a list")
    h.parser.add_argument("--batch", type=int, default=16384, help="same-process batch")
    h.parser.add_argument("--iters", type=int, default=100, help="same-process timed launches per case")
    h.parser.add_argument("--batches", default="1,64,1024,16384", help="torch: eager batches")
    h.parser.add_argument("--compile-batches", default="16384", help="torch: torch.compile batches")
    a = h.parse()
    if h.run_common():
        return
    if a.command == "same-process":
        cub = os.path.join(a.work, "cubins")
        os.makedirs(cub, exist_ok=True)
        names = h.targets()
        for n in names:
            h.kjit(["get", n, "-o", os.path.join(cub, n + ".cubin"), "--plan", os.path.join(cub, n + ".json")],
                   json_lines=False)
        cmd = [sys.executable, os.path.join(HERE, "same_harness.py"), "--kjit-dir", cub, "--names", ",".join(names),
               "--batch", str(a.batch), "--hidden", a.hidden or "4096", "--iters", str(a.iters),
               "--json", os.path.join(a.out, h.tag + ".json")]
    elif a.command == "torch":
        cmd = [sys.executable, os.path.join(HERE, "torch_norms.py"), "--hidden", a.hidden or "4096,7168",
               "--batches", a.batches, "--compile-batches", a.compile_batches,
               "--json", os.path.join(a.out, h.tag + ".json")]
    else:
        h.parser.error(f"unknown command {a.command!r}")
    if a.dry_run:
        print(" ".join(cmd))
        return
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=max(a.timeout, 300))
    for line in (p.stdout + p.stderr).splitlines():
        if "warn" not in line.lower():
            h.log(line)


if __name__ == "__main__":
    main()
