#!/bin/bash
# Device run 4 (norms3, final): new default for hidden <= 640 vectors (h4096, h5120) = one row
# per CTA staged by cp.async.bulk (not persistent). Checks of every rmsnorm definition (dataset
# names + kjit's own with --max-workloads 3 and at batch 1, made-up odd sizes and the shadowed
# dataset copies at batch 517, benched variants at 33 and 1); kjit bench of the defaults at
# 1/64/1024/16384 and of variants at 16384; kjit cubins and torch.compile timed in one process
# with the same flushes (same_harness.py); F.rms_norm eager at 1/64/1024/16384 (torch_norms.py).
# Repo root on the GPU machine; definitions in .norms3/defs, made by
#   gen_defs.py .norms3/defs DATASET "$V4" rmsnorm_h5120,fused_add_rmsnorm_h5120
# V4='{"p1":["persist=1"],"p0":["persist=0"],"npe":["ld=ef"],"rre":["reread=ef"],"i4c8":["items=4","cpsm=8"],"i4c12":["items=4","cpsm=12"],"rnp4":["mode=regs","persist=0","ld=ca","items=4","cpsm=8"]}'
# logs to $OUT.
D=.norms3/defs RUN=run4
. tools/tune/rmsnorm/prelude.sh
ts start
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee -a $L
HN="rmsnorm_h4096 fused_add_rmsnorm_h4096"
P="rmsnorm_h4096 fused_add_rmsnorm_h4096 rmsnorm_h5120 fused_add_rmsnorm_h5120 rmsnorm_h7168 fused_add_rmsnorm_h7168"
VB="rmsnorm_h4096__rre fused_add_rmsnorm_h4096__rre rmsnorm_h4096__p1 rmsnorm_h4096__i4c8 rmsnorm_h4096__i4c12 rmsnorm_h4096__npe rmsnorm_h4096__rnp4 fused_add_rmsnorm_h4096__p1 fused_add_rmsnorm_h4096__i4c8 fused_add_rmsnorm_h4096__npe fused_add_rmsnorm_h4096__rnp4 rmsnorm_h5120__p1 fused_add_rmsnorm_h5120__p1 rmsnorm_h7168__p0 fused_add_rmsnorm_h7168__p0"
mkdir -p /tmp/kc
for n in $HN rmsnorm_h4096__p1 fused_add_rmsnorm_h4096__p1 fused_add_rmsnorm_h4096__rre; do $K get $n -o /tmp/kc/$n.cubin --plan /tmp/kc/$n.json >/dev/null 2>&1 || echo "get $n failed" | tee -a $L; done
rm -f /tmp/go
python3 tools/tune/rmsnorm/same_harness.py --kjit-dir /tmp/kc --names rmsnorm_h4096,fused_add_rmsnorm_h4096,rmsnorm_h4096__p1,fused_add_rmsnorm_h4096__p1,fused_add_rmsnorm_h4096__rre \
  --wait-flag /tmp/go --json $OUT/same4.json > $OUT/same4.log 2>&1 &
HP=$!
ALL=$($K list --op-type rmsnorm --json 2>/dev/null | python3 -c "import sys,json; print(' '.join(x['name'] for x in json.load(sys.stdin) if '__' not in x['name'] and not x['name'].startswith(('odd_','ds_'))))")
ODD=$(ls $D | grep -E "^(odd|ds)_" | sed "s/.json//" | tr "\n" " ")
ts check workloads: $ALL
timeout 45 $K check $ALL --max-workloads 3 2>&1 | tee $OUT/check4.log | tail -15 | tee -a $L
ts check b1
timeout 20 $K check $ALL --axes batch_size=1 2>&1 | tail -3 | tee -a $L
ts check odd b517
timeout 30 $K check $ODD --axes batch_size=517 2>&1 | tee -a $OUT/check4.log | tail -3 | tee -a $L
ts check variants b33 b1
timeout 15 $K check $VB --axes batch_size=33 2>&1 | tail -2 | tee -a $L
timeout 15 $K check $VB --axes batch_size=1 2>&1 | tail -2 | tee -a $L
ts wait harness warm
for i in $(seq 60); do grep -q "warm done" $OUT/same4.log && break; kill -0 $HP 2>/dev/null || break; sleep 0.5; done
grep -v "^{" $OUT/same4.log | grep -iv warn | tail -6 | tee -a $L
ts bench defaults 16384
timeout 20 $K bench $P --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench4.jsonl | fmt | tee -a $L
ts bench variants 16384
timeout 35 $K bench $VB --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench4.jsonl | fmt | tee -a $L
ts bench defaults again
timeout 15 $K bench $P --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench4.jsonl | fmt | tee -a $L
ts same-process harness
touch /tmp/go
timeout 30 tail -f --pid=$HP $OUT/same4.log | grep "^{" | tee -a $L
ts small batches
for b in 1 64 1024; do timeout 10 $K bench $P --axes batch_size=$b --json 2>&1 | tee -a $OUT/bench4.jsonl | fmt | tee -a $L; done
ts torch eager
timeout 30 python3 tools/tune/rmsnorm/torch_norms.py --hidden 4096,7168 --batches 1,64,1024,16384 --compile-batches "" --json $OUT/torch4.json 2>&1 | grep -v -i warn | tee -a $L
ts done
