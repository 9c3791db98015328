#!/bin/bash
# Round 4 device run 3 (issues #6, #7). MLA decode: new default adds tile-aligned CTA ranges
# (sn) to run 2's default (pdl + one-pass merge), against sn0 (= run 2's default), al, r3 (the
# round-3 kernel) and the main kernel alone (mg0 / mg0sn0); checks of the default (page sizes 1,
# 16, 64, batch 1, empty first sequence). Norms: ld=eln (evict_last bulk loads, lines set back to
# evict_normal after the copy) against el and the default, in kjit bench and in one process
# with torch.compile under three L2 flushes (tools/tune/rmsnorm/same_harness.py).
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4c
. tools/tune/round4/prelude.sh
M=mla_paged_decode_h16_ckv512_kpe64 F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "${M}_ps*,*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
ts warm
SH="$R ${R}__el ${R}__eln ${R}__elntma $F ${F}__el ${F}__eln ${F}__elntma"
same_start same $SH
run 50 bench $(v ${M}_ps1 - sn0 al r3 mg0 mg0sn0 - sn0 al) --axes batch_size=64 --kv-len 4096
ts mla uniform
run 30 bench $(v ${M}_ps1 - sn0 al r3 mg0 -) --axes batch_size=64,num_kv_indices=262144,num_pages=262144
run 20 bench $(v ${M}_ps64 - sn0 al r3) --axes batch_size=64 --kv-len 4096
run 20 bench $(v ${M}_ps64 - sn0 r3) --axes batch_size=64,num_kv_indices=4096,num_pages=4096
run 20 bench $(v ${M}_ps1 - sn0 r3) --axes batch_size=1 --kv-len 32768
ts mla others
RV="$(v $F - el eln elntma -) $(v $R - el eln elntma -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
ts norms
same_finish same
ts same-process
C1="${M}_ps1" C64="${M}_ps64 ${M}_ps16"
run 40 check $C1 --axes batch_size=64,num_kv_indices=40000,num_pages=40000
run 30 check $C1 --axes batch_size=1,num_kv_indices=20000,num_pages=20000
run 20 check $C64 --axes batch_size=7,num_kv_indices=300,num_pages=300
run 20 check ${M}_ps16 --axes batch_size=9,num_kv_indices=700,num_pages=700
run 20 check $C1 --axes batch_size=5,num_kv_indices=4000,num_pages=4000 --empty-first
run 20 check $C64 --axes batch_size=5,num_kv_indices=64,num_pages=64 --empty-first
run 20 check $(v $F eln elntma) $(v $R eln elntma) --axes batch_size=33
run 20 check $(v $F eln) $(v $R eln) --axes batch_size=1
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
