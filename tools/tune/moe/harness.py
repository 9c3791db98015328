#!/usr/bin/env python3
"""tools/tune/moe/harness.py — tuning harness of the fused-MoE kernels (templates/moe/): runs kjit
bench / check on the shipped kernels and on variants (definition copies with "kjit-tune:KEY=VALUE"
tags) through the tuning template root (templates/ + tools/tune/overlay/). Common options:
tools/tune/tunelib.py.

Knobs the overlay reads (tools/tune/overlay/moe/moe_pick.j2; measurements in docs/perf/moe.md):
  g1s, g1w, g2s, g2w   GEMM1 / GEMM2 small (decode) and wide (prefill) tiles,
                       BMxBNxBKxSTAGESxWMxWNxWK (shipped fp8: g1s 32x16x128x8x1x1x4,
                       g1w 128x128x128x4x2x4x1, g2s 32x16x128x8x1x1x4, g2w 128x128x32x4x2x4x1)
  wide                 picks per routed expert from which the wide tiles run (32)
  g2math               tf32split (shipped: the fp8 GEMM2's C as two tf32 terms) | bf16split (two bf16
                       terms: session 10, 1% faster at prefill, 2^-17 instead of 2^-21 per product)
  gemm                 1 | 0: probe without GEMM CTAs (times route + permute + reduce, the fixed cost
                       of a step; wrong output)
  rp                   1 (shipped) | 0: route and permute as two kernels (and the counts memset) also
                       when the picks fit one permute CTA
  fold                 0 | 1: decode without the reduce launch — the last GEMM2 CTA of each 32-column
                       tile (a zeroed counter per tile) sums its columns over every token's picks
  wg                   1 (shipped) | 0: on sm_90a with fp8 weights, the mma.sync wide tiles (g1w /
                       g2w, fp32 C) instead of the wgmma kernels (moe/gemm{1,2}_wgmma.cuh.j2)
  g1p                  128 (shipped) | 64 | 32: the wgmma GEMM1 adds its FP8 partial sums to the fp32
                       accumulators every g1p k (session 12: all pass check at seq_len 600)
  dec                  1 (shipped) | 0: fp8 decode on the shared-memory small tiles (g1s / g2s)
                       instead of the register-streamed decode kernels (moe/gemm_decode.cuh.j2)
  dw, du, db           decode kernels: warps per CTA (4), k-loop unroll (0: all of <= 4 blocks, else
                       2), token tile (8 | 16)
  ds, dm               K splits of the small decode launches (4 | 2 | 1 | 0: the mid rule, >= 8
                       blocks of 128 k per warp); picks per routed expert from which the mid
                       launches (the rule's splits) run (2 | 0: never)
  dcap                 0 (shipped) | 1: the decode launches' grid capped at 16 CTAs per SM (shipped in
                       session 15, withdrawn in 16: 6% slower for renorm h2048 at seq_len 64)
  g1bm                 128 (shipped) | 256: the wgmma GEMM1 tile's weight rows (256: 128 columns, twice
                       the reuse of each token row, 4 stages)
  wpers                0 (shipped) | 1: the wgmma GEMM1 and GEMM2 persistent (grid min(items, num_sms))
  wpm                  0 | 1 (with wpers): persistent only in the prefill form, the mixed form one CTA
                       per item
  mixt                 16 (shipped) | 2..128 | 0: the mixed form over the mid range, an expert with
                       >= mixt picks on the wide tiles, the others on the mid launches (0: the mid
                       launches for every expert, as before session 15)
  dt, dp               retired in session 15 (grid-stride decode kernels); their session-13
                       measurements stay in docs/perf/moe.md
  fr                   1: with route_permute (seq_len <= 32) no reduce launch, the last decode GEMM2 CTA
                       of each H slice reduces it (counters zeroed by route_permute); session 14: slower
  pf, pfm, p2          with rp=1, pf prefetch CTAs (-1: one per SM) bulk-prefetching the picked experts' weights
                       into L2 (at most pfm MiB); p2=1|2: GEMM1 decode CTAs prefetch the expert's
                       GEMM2 weights at their start | after their k-loop
Session 11 (H100): m64 / s12 / k2 slower than shipped at seq_len 1, rp / fold 1-3 us faster, the
gemm=0 probe 13-16 us; wgmma wide tiles 2.8-3.5x faster than wg=0 at seq_len 4096.
Session 12: the decode kernels (tiles of 16, K split by 4) against dec=0 at seq_len 1: DeepSeek EP
85.1 vs 126.4 us, renorm h2048 0.326 vs 0.276 of copy; seq_len 16: 0.638 vs 0.516.
Session 13: token tiles of 8, the mid launches (seq_len 64: 0.761 / 0.211 / 0.734 of copy) and
route_permute (0.6-2.7 us at seq_len 1) ship; pf, pf + p2=2 and dmb=32 did not pay.

Examples (GPU machine, repo root, after tools/gpu_prepare.sh; OUT set by the run tool):
  # prefill: the shipped wgmma wide tiles against the mma.sync ones
  tools/tune/moe/harness.py bench --names moe_fp8_block_scale_renorm_topk8_e128_h2048_i768 \\
      --variant mw:wg=0 --axes seq_len=4096
  # decode: 64-row small tiles, 12 stages
  tools/tune/moe/harness.py bench --names moe_fp8_block_scale_renorm_topk8_e128_h2048_i768 \\
      --variant m64:g1s=64x16x128x8x1x1x4,g2s=64x16x128x8x1x1x4 --axes seq_len=1
  # without a GPU: render and compile the variants (registers, spills)
  tools/tune/moe/harness.py render --names moe_fp8_block_scale_renorm_topk8_e128_h2048_i768 \\
      --variant s12:g1s=32x16x128x12x1x1x4
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import tunelib  # noqa: E402

DEFAULT = ["moe_fp8_block_scale_renorm_topk8_e128_h2048_i768"]


if __name__ == "__main__":
    tunelib.common_main("moe", __doc__, DEFAULT)
