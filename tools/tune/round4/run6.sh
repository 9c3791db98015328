#!/bin/bash
# Round 4 device run 6 (issue #6): fused_add_rmsnorm_h4096 / rmsnorm_h4096 with 2 or 4 rows per
# CTA side by side (rpp: 512 / 1024 threads, one bulk copy per input covering the CTA's rows; the
# shape of the one-row kernel at hidden 8192 / 16384) against the shipped one-row kernel, in
# kjit bench and in one process with torch.compile (tools/tune/rmsnorm/same_harness.py, three L2
# flushes); checks at odd batches (the last CTA holds fewer rows).
# The rpp knob was removed again after this run (no gain); run it at commit e9df2fb.
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4f
. tools/tune/round4/prelude.sh
F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
SH="$(v $R - p2) $(v $F - p2 p4)"
same_start same6 $SH
ts warm
RV="$(v $F - p2 p4 -) $(v $R - p2 -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
run 30 bench $RV --axes batch_size=1024
ts bench
same_finish same6
ts same-process
for b in 33 1 16383; do run 30 check $(v $F p2 p4) ${R}__p2 --axes batch_size=$b; done
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
