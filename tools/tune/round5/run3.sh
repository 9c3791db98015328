#!/bin/bash
# Round 5 device run 3 (issue #7): mla_paged prefill, repeat of run 2's surprise (ef1, the KV
# stream with the decode's evict_first policy, 12% faster at 8 x 512) with mgq1 + ef1; each bench
# twice, 8 x 512 and 8 x 2048; a check of mgq1ef1 (empty first sequence).
RUN=r5d
. tools/tune/round4/prelude.sh
P1=mla_paged_prefill_causal_h16_ckv512_kpe64_ps1
( timeout 60 $K check $(v $P1 mgq1ef1) --axes len_indptr=4 --q-len 100 --kv-len 1000 --empty-first --json > $OUT/c_e1.jsonl 2>>$E ) &
for i in 1 2; do
  run 60 bench $(v $P1 mgq1 ef1 mgq1ef1 -) --axes len_indptr=9 --q-len 512 --kv-len 512
  run 60 bench $(v $P1 mgq1 mgq1ef1) --axes len_indptr=9 --q-len 2048 --kv-len 2048
done
wait
cat $OUT/c_e1.jsonl | fmt
ts done
