#!/bin/bash
# Round 4 device run 1 (issues #6, #7): the merge of the MLA and GQA decode kernels as a
# programmatic dependent launch (new default on sm_90, plan "pdl": true) against the plain
# launch (__p0) and the main kernel alone (__mg0), same run; fused_add_rmsnorm_h4096 at capped
# occupancy (__o4 .. __o7) and with streaming / evict-first stores (__cs, __ef); checks of the
# pdl defaults on the decode shapes that split (many slots, batch 1) and on empty sequences.
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
# Everything goes to $OUT/r4.log (+ JSON lines).
RUN=r4
. tools/tune/round4/prelude.sh
M=mla_paged_decode_h16_ckv512_kpe64 G=gqa_paged_decode_h32_kv8_d128
timeout 60 $K warmup --filter "${M}_ps*,${G}_ps*,*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
ts warm
MV="${M}_ps1 ${M}_ps1__p0 ${M}_ps1__mg0 ${M}_ps1__nm ${M}_ps1 ${M}_ps1__p0"
run 40 bench $MV --axes batch_size=64 --kv-len 4096
ts mla uniform
run 30 bench ${M}_ps1 ${M}_ps1__p0 ${M}_ps1__mg0 ${M}_ps1 --axes batch_size=64,num_kv_indices=262144,num_pages=262144
run 20 bench ${M}_ps64 ${M}_ps64__p0 ${M}_ps64 --axes batch_size=64 --kv-len 4096
run 20 bench ${M}_ps1 ${M}_ps1__p0 --axes batch_size=1 --kv-len 32768
ts mla others
run 40 bench ${G}_ps1 ${G}_ps1__p0 ${G}_ps64 ${G}_ps64__p0 --axes batch_size=64 --kv-len 4096
run 30 bench ${G}_ps1 ${G}_ps1__p0 ${G}_ps64 ${G}_ps64__p0 ${G}_ps1 ${G}_ps64 --axes batch_size=1 --kv-len 32768
ts gqa
F=fused_add_rmsnorm_h4096
RV="$F ${F}__o4 ${F}__o5 ${F}__o6 ${F}__o7 ${F}__cs ${F}__ef $F rmsnorm_h4096 rmsnorm_h4096__o4 rmsnorm_h4096__o6 rmsnorm_h4096"
run 60 bench $RV --axes batch_size=16384
run 60 bench $RV --axes batch_size=16384
ts norms
run 40 check ${M}_ps1 --axes batch_size=64,num_kv_indices=40000,num_pages=40000
run 30 check ${M}_ps1 --axes batch_size=1,num_kv_indices=20000,num_pages=20000
run 20 check ${M}_ps64 --axes batch_size=7,num_kv_indices=300,num_pages=300
run 20 check ${M}_ps1 --axes batch_size=5,num_kv_indices=4000,num_pages=4000 --empty-first
run 20 check ${M}_ps64 --axes batch_size=5,num_kv_indices=64,num_pages=64 --empty-first
run 40 check ${G}_ps1 ${G}_ps64 --max-workloads 3
run 30 check ${G}_ps1 ${G}_ps64 --axes batch_size=5 --kv-len 1000 --empty-first
run 40 check ${G}_ps1 ${G}_ps64 --axes batch_size=1 --kv-len 32768
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
