#!/bin/bash
# Round 4 device run 4 (issues #6, #7). MLA decode: the Q of a piece also prefetched into the
# SM's L1 by the producer (q2), alone and with tile-aligned chunks (q2al), against the default
# (pdl + one-pass merge + sn), al, and the main kernel alone (mg0, mg0q2); checks of q2. Norms:
# ld=el combined with st=cs / st=ef / occ=6 / items=4, eln for plain rows; same-process
# comparison with torch.compile (tools/tune/rmsnorm/same_harness.py).
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4d
. tools/tune/round4/prelude.sh
M=mla_paged_decode_h16_ckv512_kpe64 F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "${M}_ps*,*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
ts warm
SH="$R ${R}__eln $F ${F}__el ${F}__elcs ${F}__elef ${F}__eli4"
same_start same $SH
run 50 bench $(v ${M}_ps1 - q2 q2al al mg0 mg0q2 - q2 q2al) --axes batch_size=64 --kv-len 4096
ts mla uniform
run 30 bench $(v ${M}_ps1 - q2 q2al al -) --axes batch_size=64,num_kv_indices=262144,num_pages=262144
run 20 bench $(v ${M}_ps64 - q2 q2al) --axes batch_size=64 --kv-len 4096
run 20 bench $(v ${M}_ps64 - q2 q2al) --axes batch_size=64,num_kv_indices=4096,num_pages=4096
run 20 bench $(v ${M}_ps1 - q2 q2al) --axes batch_size=1 --kv-len 32768
ts mla others
RV="$(v $F - el elcs elef elo6 eli4 -) $(v $R - eln el -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
ts norms
same_finish same
ts same-process
C1="${M}_ps1__q2 ${M}_ps1__q2al" C64="${M}_ps64__q2 ${M}_ps64__q2al"
run 40 check $C1 --axes batch_size=64,num_kv_indices=40000,num_pages=40000
run 30 check $C1 --axes batch_size=1,num_kv_indices=20000,num_pages=20000
run 20 check $C64 --axes batch_size=7,num_kv_indices=300,num_pages=300
run 20 check $C1 --axes batch_size=5,num_kv_indices=4000,num_pages=4000 --empty-first
run 20 check $C64 --axes batch_size=5,num_kv_indices=64,num_pages=64 --empty-first
run 20 check $(v $F elcs elef elo6 eli4 eln) ${R}__eln --axes batch_size=33
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
