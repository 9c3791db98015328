#!/usr/bin/env python3
"""tools/tune/dsa/harness.py — tuning harness of the DeepSeek sparse attention kernels
(templates/dsa_paged/): runs kjit bench / check on the shipped kernels and on variants
(definition copies with "kjit-tune:KEY=VALUE" tags) through the tuning template root
(templates/ + tools/tune/overlay/). Common options: tools/tune/tunelib.py.

Knobs the overlay reads (definition tags; measurements in docs/perf/dsa.md):
  indexer (dsa_topk_indexer_*): tile (wg shipped on sm_90a with 64 heads and pages of 64: the
    scores on wgmma, scores_wgmma.cuh.j2 / hm, shipped elsewhere / nt / kouter: the mma.sync
    score tile's arrangement), cpsm (CTAs per SM), nw (math warps), stages (pages in flight per CTA),
    topk (0: probe without the top-k launch, times the scoring kernel; wrong output), pw (0/1 a
    page per math warp); top-k: tkh (plain shipped / agg / sub4: how the histogram adds a key),
    tkf (1 / 2: the scoring kernel builds the first histogram, as it writes / after its last
    page), tkt (top-k block threads), tkc (1, with tkf: the later passes read a shared list of
    the first cut bin's keys), tkcl (2 / 4, sm_90: a cluster of CTAs per row, histograms summed
    through DSMEM; not emulated; session 12: no faster, tkcl=4 13% slower). The sm_80 renders of the other top-k
    knobs run in the CPU emulation:
    EMU_TEMPLATES=<tuning root> EMU_DEFINITIONS=<variant copies> EMU_ARCH=sm_80
    tests/gpu/gdn/emu/run_emu.sh NAME__SUFFIX ...
  sparse attention (dsa_sparse_attention_*): cpsm (CTAs per SM), stages (key tiles in flight),
    sw (split waves: index splits aim at sw x the CTA slots).

Examples (GPU machine, repo root, after tools/gpu_prepare.sh; OUT set by the run tool):
  # the indexer at the issue's size: shipped, two tile arrangements, the scoring kernel alone
  tools/tune/dsa/harness.py bench --names dsa_topk_indexer_fp8_h64_d128_topk2048_ps64 \\
      --variant ko:tile=kouter --variant hm:tile=hm --variant s0:topk=0 --axes batch_size=64 --kv-len 32768
  # sparse attention: a third stage at one CTA per SM, two split waves
  tools/tune/dsa/harness.py bench --names dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64 \\
      --variant st3:cpsm=1,stages=3 --variant w2:sw=2 --axes num_tokens=64 --kv-len 4096
  # without a GPU: render and compile the variants (registers, spills)
  tools/tune/dsa/harness.py render --names dsa_topk_indexer_fp8_h64_d128_topk2048_ps64 --variant hm:tile=hm
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tunelib  # noqa: E402

DEFAULT = ["dsa_topk_indexer_fp8_h64_d128_topk2048_ps64"]


if __name__ == "__main__":
    tunelib.common_main("dsa", __doc__, DEFAULT)
