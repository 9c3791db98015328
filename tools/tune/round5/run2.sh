#!/bin/bash
# Round 5 device run 2 (issue #7): mla_paged prefill with the merge grid over CTAs (mgq1) against
# the shipped merge over (total_q, heads) blocks, no merge at all (mg0, main kernel alone) and
# the decode's evict_first KV policy (ef1), at 8 x 512 and 8 x 2048, with mla_ragged in the same
# run; checks of mgq1 (empty first sequence, q_len > kv_len, 8 x 700 / 900) and of the shipped
# default (the first two).
# Repo root on the GPU machine after tools/gpu_prepare.sh and tools/tune/round5/gen_defs.py .device/r4.
RUN=r5c
. tools/tune/round4/prelude.sh
DS=.device/shared/flashinfer-trace/definitions
KDS="env -u KJIT_DEFINITIONS .device/bin/kjit --no-builtin-definitions --definitions $DS"
P1=mla_paged_prefill_causal_h16_ckv512_kpe64_ps1 P64=mla_paged_prefill_causal_h16_ckv512_kpe64_ps64
RG=mla_ragged_prefill_causal_h16_qk192_vo128
M1=$(v $P1 mgq1)
( timeout 100 $K check $M1 --axes len_indptr=4 --q-len 100 --kv-len 1000 --empty-first --json > $OUT/c_x1.jsonl 2>>$E
  timeout 100 $K check $M1 --axes len_indptr=3 --q-len 300 --kv-len 200 --json > $OUT/c_x2.jsonl 2>>$E
  timeout 100 $K check $M1 --axes len_indptr=9 --q-len 700 --kv-len 900 --json > $OUT/c_x3.jsonl 2>>$E ) &
( timeout 100 $K check $P1 $P64 --axes len_indptr=4 --q-len 100 --kv-len 1000 --empty-first --json > $OUT/c_d1.jsonl 2>>$E
  timeout 100 $K check $P1 $P64 --axes len_indptr=3 --q-len 300 --kv-len 200 --json > $OUT/c_d2.jsonl 2>>$E ) &
run 60 bench $P1 $(v $P1 mgq1 mg0 ef1) $RG --axes len_indptr=9 --q-len 512 --kv-len 512
run 60 bench $P1 $(v $P1 mgq1 mg0) --axes len_indptr=9 --q-len 2048 --kv-len 2048
ts bench
wait
cat $OUT/c_*.jsonl | fmt
ts checks
