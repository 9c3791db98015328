#!/bin/bash
# Round 4 device run 2 (issues #6, #7). MLA decode: new default = merge by programmatic
# dependent launch (trigger auto: at the main CTAs' start when batch x 16 >= CTAs, else at
# their end) + one-pass merge (m1), against the round-3 kernel (__p0), trigger variants
# (__t0 start, __t1 end), the two-pass merge (__m0), tile-aligned chunks (__al) and the main
# kernel alone (__mg0, __mg0al); checks of the default, __al, __t0 and __t1. Norms: bulk loads
# with an L2 evict_last policy (__el), output by one bulk store (__tma), both (__eltma).
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
RUN=r4b
. tools/tune/round4/prelude.sh
M=mla_paged_decode_h16_ckv512_kpe64 F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "${M}_ps*,*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
ts warm
run 50 bench $(v ${M}_ps1 - p0 m0 t0 t1 al mg0 mg0al - al p0) --axes batch_size=64 --kv-len 4096
ts mla uniform
run 30 bench $(v ${M}_ps1 - p0 al mg0 -) --axes batch_size=64,num_kv_indices=262144,num_pages=262144
run 20 bench $(v ${M}_ps64 - p0 al -) --axes batch_size=64 --kv-len 4096
run 20 bench $(v ${M}_ps64 - al) --axes batch_size=64,num_kv_indices=4096,num_pages=4096
run 20 bench $(v ${M}_ps1 - p0 t0 t1 m0 al) --axes batch_size=1 --kv-len 32768
ts mla others
RV="$(v $F - el tma eltma o6 -) $(v $R - el tma -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
ts norms
C1="$(v ${M}_ps1 - al t0 t1)" C64="$(v ${M}_ps64 - al)"
run 40 check $C1 --axes batch_size=64,num_kv_indices=40000,num_pages=40000
run 30 check $C1 --axes batch_size=1,num_kv_indices=20000,num_pages=20000
run 20 check $C64 --axes batch_size=7,num_kv_indices=300,num_pages=300
run 20 check $C1 --axes batch_size=5,num_kv_indices=4000,num_pages=4000 --empty-first
run 20 check $C64 --axes batch_size=5,num_kv_indices=64,num_pages=64 --empty-first
run 20 check $(v $F el tma eltma) $(v $R el tma) --axes batch_size=33
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
