#!/bin/bash
# Round 4 device run 7 (issue #6): the persistent rmsnorm kernel (weights loaded once per CTA
# and kept in registers, 2-3 rows in flight) with evict_last bulk loads (__pel, __pel2) and with
# plain loads (__pnc, the pre-session-3 default) against the shipped one-row kernel, in kjit
# bench and in one process with torch.compile; checks at odd batches.
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4g
. tools/tune/round4/prelude.sh
F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
SH="$(v $R - pel) $(v $F - pel pel2)"
same_start same7 $SH
ts warm
RV="$(v $F - pel pel2 pnc -) $(v $R - pel pnc -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
ts bench
same_finish same7
ts same-process
for b in 33 1; do run 30 check $(v $F pel pel2) ${R}__pel --axes batch_size=$b; done
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
