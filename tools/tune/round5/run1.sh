#!/bin/bash
# Round 5 device run 1 (issue #7, design point "tensor cores for MLA prefill"): the tensor-core
# mla_paged prefill (templates/mla_paged/prefill_mma.*: every query token a request of the MLA
# decode kernel over its causal prefix). kjit check of the mla_paged prefill definitions (the
# dataset's own files with up to 6 workloads each, kjit's own ps1 / ps64, extremes: an empty
# first sequence with partial last pages, one 256-query x 4096-key sequence, 8 x 1000 at ps64),
# then kjit bench at 8 x 512, 8 x 2048 and 1 x 4096 queries over 16384 keys, with mla_ragged
# (the tensor-core ragged MLA prefill) at the same token counts in the same run; head_dim 256
# prefill checks and bench; the norms against torch.compile in one process (same_final.sh).
# Repo root on the GPU machine after tools/gpu_prepare.sh.
RUN=r5a
. tools/tune/round4/prelude.sh
DS=.device/shared/flashinfer-trace/definitions
KDS="env -u KJIT_DEFINITIONS .device/bin/kjit --no-builtin-definitions --definitions $DS"
KO=".device/bin/kjit"
chk() { local t=$1; shift; timeout $t "$@" --json 2>>$E | tee -a $J | fmt; }
P1=mla_paged_prefill_causal_h16_ckv512_kpe64_ps1 P64=mla_paged_prefill_causal_h16_ckv512_kpe64_ps64
KT="env -u KJIT_DEFINITIONS .device/bin/kjit --no-builtin-definitions --definitions tests/gpu/definitions/attention"
TN=$(ls tests/gpu/definitions/attention | sed 's/.json$//' | tr '\n' ' ')
RG=$($KDS list --op-type mla_ragged --json 2>/dev/null | python3 -c 'import json,sys; print([r["name"] for r in json.load(sys.stdin) if r.get("template")][0])')
$KO show $P1 2>&1 | grep -i template | tee -a $L
# CPU references run concurrently (16 cores)
( chk 200 $KDS check $P1 $P64 --max-workloads 6 > $OUT/c_ds.txt ) &
( chk 150 $KO check $P1 $P64 --max-workloads 4 > $OUT/c_own.txt ) &
( chk 150 $KDS check $P1 $P64 --axes len_indptr=4 --q-len 100 --kv-len 1000 --empty-first > $OUT/c_x1.txt
  chk 150 $KDS check $P1 $P64 --axes len_indptr=2 --q-len 256 --kv-len 4096 > $OUT/c_x2.txt
  chk 150 $KDS check $P64 --axes len_indptr=9 --q-len 1000 --kv-len 1000 > $OUT/c_x3.txt ) &
# head_dim 256 / 64 prefill on tensor cores (made-up definitions, tests/gpu/definitions/attention)
( chk 150 $KT check $TN --axes len_indptr=4 --q-len 300 --kv-len 700 --empty-first > $OUT/c_t1.txt
  chk 150 $KT check $TN --axes len_indptr=3 --q-len 500 --kv-len 300 > $OUT/c_t2.txt
  chk 150 $KT check $TN --axes len_indptr=2 --q-len 1 --kv-len 1000 > $OUT/c_t3.txt ) &
wait
cat $OUT/c_*.txt | tee -a $L
ts checks
run 60 bench $P1 $P64 --axes len_indptr=9 --q-len 512 --kv-len 512
run 60 bench $RG --axes len_indptr=9 --q-len 512 --kv-len 512
run 60 bench $P1 $P64 --axes len_indptr=9 --q-len 2048 --kv-len 2048
run 60 bench $RG --axes len_indptr=9 --q-len 2048 --kv-len 2048
run 60 bench $P1 --axes len_indptr=2 --q-len 4096 --kv-len 16384
run 60 bench gqa_ragged_prefill_causal_h32_kv8_d128 --axes len_indptr=9 --q-len 2048 --kv-len 2048
timeout 60 $KT bench attntest_gqa_ragged_prefill_causal_h16_kv4_d256 attntest_gqa_paged_prefill_causal_h8_kv1_d256_ps64 --axes len_indptr=9 --q-len 2048 --kv-len 2048 --json 2>>$E | tee -a $J | fmt
ts bench
# issue #6: the shipped norm kernels against torch.compile's, same process, three L2 flushes
bash tools/tune/round4/same_final.sh 2>&1 | tee -a $L
ts same-process
