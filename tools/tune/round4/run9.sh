#!/bin/bash
# Round 4 device run 9 (issue #6): validation of the final norm defaults (fused one-row kernel
# holds its row in registers on sm_90, evict_last loads for every one-row kernel): kjit check of
# every rmsnorm definition (the dataset's own files with workloads and at batch 1, kjit's own,
# the 26 made-up definitions of .device/rdefs at batch 1, 33 and 517), kjit bench of the defaults
# at batch 1 / 64 / 1024 / 16384, the same-process comparison with torch.compile
# (same_final.sh) and torch eager / compile baselines (tools/bench/torch_baselines.py).
# Repo root on the GPU machine after tools/gpu_prepare.sh.
RUN=r4i
. tools/tune/round4/prelude.sh
DS=.device/shared/flashinfer-trace/definitions
KDS="env -u KJIT_DEFINITIONS .device/bin/kjit --no-builtin-definitions --definitions $DS"
KO=".device/bin/kjit"
KR="env -u KJIT_DEFINITIONS .device/bin/kjit --no-builtin-definitions --definitions .device/rdefs"
chk() { local t=$1; shift; timeout $t "$@" --json 2>>$E | tee -a $J | fmt; }
DSN=$($KDS list --op-type rmsnorm --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin) if r.get("template")))')
OWN="rmsnorm_h4096 fused_add_rmsnorm_h4096 rmsnorm_h7168 fused_add_rmsnorm_h7168"
ODD=$(ls .device/rdefs | sed 's/.json$//' | tr '\n' ' ')
chk 60 $KDS check $DSN --max-workloads 3
chk 30 $KDS check $DSN --axes batch_size=1
chk 30 $KO check $OWN --max-workloads 3
for b in 1 33 517; do chk 40 $KR check $ODD --axes batch_size=$b; done
ts checks
for b in 1 64 1024 16384; do run 40 bench $OWN --axes batch_size=$b; done
run 30 bench fused_add_rmsnorm_h4096 rmsnorm_h4096 --axes batch_size=16384
ts bench
bash tools/tune/round4/same_final.sh 2>&1 | tee -a $L
ts same-process
timeout 180 python3 tools/bench/torch_baselines.py --json $OUT/torch.json > $OUT/torch.txt 2>&1; echo "torch rc=$?" | tee -a $L
ts torch
grep -v "differs from" $E | tail -5 | tee -a $L
