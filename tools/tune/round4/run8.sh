#!/bin/bash
# Round 4 device run 8 (issue #6): one row per CTA held in registers (no TMA; closest to the
# first pass of torch.compile's Triton kernel) with evict_last loads (__rel4: 128 threads x 4
# vectors, __rel2: 256 x 2) and with plain .nc loads (__rnc4) against the shipped one-row TMA
# kernel, in kjit bench and in one process with torch.compile; checks at odd batches.
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4h
. tools/tune/round4/prelude.sh
F=fused_add_rmsnorm_h4096
timeout 60 $K warmup --filter "fused_add_rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
SH="$(v $F - rel4 rel2 rnc4)"
same_start same8 $SH
ts warm
RV="$(v $F - rel4 rel2 rnc4 -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
ts bench
same_finish same8
ts same-process
for b in 33 1; do run 30 check $(v $F rel4 rel2) --axes batch_size=$b; done
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
