#!/usr/bin/env python3
"""tools/tune/attention/harness.py — tuning harness of the attention kernels: the MLA tensor-core
decode / prefill (include/kjit_mla.cuh.j2), the GQA tensor-core decode (include/kjit_decode.cuh.j2)
and the tensor-core prefill (include/kjit_prefill.cuh.j2). Runs kjit bench / check on the shipped
kernels and on variants (definition copies with "kjit-tune:KEY=VALUE" tags) through the tuning
template root (templates/ + tools/tune/overlay/). Common options: tools/tune/tunelib.py.

Knobs the overlay reads (definition tags; measurements in docs/perf/attention.md):
  MLA (mla_paged *_mma): ws (0/1 warp-specialized bulk producer), cpsm (CTAs per SM), stages,
    ef (0/1 L2 evict-first KV), tk (keys per tile, ws = 0 only), fused (0/1 softmax in the reduce
    pass), math (0: no-math probe, times the loads alone), prod (1/2 producer warps), qpf (0/1 L2
    prefetch of Q), pbf (0/1 bf16 merge partials), kc, ca, cab (cp.async producer variants), pn
    (partial tiles copy only their keys), fm (F: merge folded into the main kernel), pdl (0/1
    programmatic dependent merge), pdt (0 start / 1 end / 2 auto: merge trigger), mg (0: no merge,
    wrong results for split sequences), al (0/1 tile-multiple chunks), sn (0/1 tile-aligned CTA
    ranges), mgq (prefill: 0/1 merge grid over CTAs).
  GQA decode (gqa_paged decode_fast_*): pdl (0: plain merge launch). Q-in-registers and no-evict-
    first are Jinja switches in the overlay's include/kjit_decode.cuh.j2 (d_q_regs, d_evict_first).
  Prefill (*prefill_mma*): the tile order is the overlay's pf_order in include/kjit_prefill.cuh.j2
    ("rev" shipped, "lpt", "lpth").

Examples (GPU machine, repo root, after tools/gpu_prepare.sh; OUT set by the run tool):
  # MLA decode, merge as a plain launch and no merge at all against the shipped kernel, 64 x 4096
  tools/tune/attention/harness.py bench --names mla_paged_decode_h16_ckv512_kpe64_ps1 \\
      --variant p0:pdl=0 --variant mg0:pdl=0,mg=0 --variant nm:math=0 --axes batch_size=64 --kv-len 4096
  # the same variants checked against the reference (mg0 must fail on split sequences)
  tools/tune/attention/harness.py check --names mla_paged_decode_h16_ckv512_kpe64_ps1 --variant p0:pdl=0 \\
      --axes batch_size=5,num_kv_indices=4000,num_pages=4000 --empty-first
  # without a GPU: render and compile the variants (registers, spills)
  tools/tune/attention/harness.py render --names mla_paged_decode_h16_ckv512_kpe64_ps1 --variant ca:ca=1
tools/tune/README.md lists the commands that reproduce each experiment of docs/perf/attention.md.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tunelib  # noqa: E402

DEFAULT = ["mla_paged_decode_h16_ckv512_kpe64_ps1", "mla_paged_decode_h16_ckv512_kpe64_ps64"]


if __name__ == "__main__":
    tunelib.common_main("attention", __doc__, DEFAULT)
