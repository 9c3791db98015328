#!/bin/bash
# Round 4 device run 5 (issue #6): fused_add_rmsnorm_h4096 / rmsnorm_h4096 with 2 or 3 rows per
# CTA (rpc; all rows copied at the CTA start, more bytes in flight per SM) against the shipped
# one-row kernel (evict_last loads), in kjit bench and in one process with torch.compile
# (tools/tune/rmsnorm/same_harness.py, three L2 flushes); checks at odd batches.
# The rpc knob was removed again after this run (no gain); run it at commit 8af9015.
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4e
. tools/tune/round4/prelude.sh
F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
SH="$(v $R - r2) $(v $F - r2 r3 r2o)"
same_start same5 $SH
ts warm
RV="$(v $F - r2 r3 r2o -) $(v $R - r2 -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
run 30 bench $RV --axes batch_size=1024
ts bench
same_finish same5
ts same-process
for b in 33 1 16383; do run 30 check $(v $F r2 r3 r2o) ${R}__r2 --axes batch_size=$b; done
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
