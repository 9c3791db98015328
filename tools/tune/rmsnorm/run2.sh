#!/bin/bash
# Device run 2 for the rmsnorm templates: checks (while torch.compile warms its cache), then
# kjit bench of the defaults at batch 1/64/1024/16384 and of shape variants at 16384, then the
# torch baselines (eager at every batch, compile at 16384). Repo root on the GPU machine; logs
# to $OUT.
D=/tmp/normdefs RUN=run2
. tools/tune/rmsnorm/prelude.sh
V='{"i2":["items=2"],"i4":["items=4"],"s2":["stages=2"],"i4s2":["items=4","stages=2"],"ste":["st=ef"],"lde":["ld=ef","st=ef"],"cs":["st=cs"]}'
python3 tools/tune/rmsnorm/gen_defs.py $D $DS "$V" || exit 1
T=tools/tune/rmsnorm/torch_norms.py
ts start
(timeout 70 python3 $T --hidden 4096,7168 --compile-batches 16384 --warm-only > $OUT/torch_warm.log 2>&1) &
WP=$!
ALL=$($K list --op-type rmsnorm --json 2>/dev/null | python3 -c "import sys,json; print(' '.join(x['name'] for x in json.load(sys.stdin) if '__' not in x['name'] and not x['name'].startswith(('odd_','ds_'))))")
ts check workloads
timeout 45 $K check $ALL --max-workloads 3 2>&1 | tail -14 | tee -a $L
ts check b1
timeout 20 $K check $ALL --axes batch_size=1 2>&1 | tail -3 | tee -a $L
ODD=$(ls $D | grep -E "^(odd|ds)_" | sed "s/.json//" | tr "\n" " ")
ts check odd
timeout 30 $K check $ODD --axes batch_size=517 2>&1 | tail -26 | tee -a $L
ts wait torch warm
wait $WP; tail -2 $OUT/torch_warm.log | tee -a $L
P="rmsnorm_h4096 fused_add_rmsnorm_h4096 rmsnorm_h7168 fused_add_rmsnorm_h7168"
ts bench 16384 defaults
timeout 20 $K bench $P --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench2.jsonl | fmt | tee -a $L
for b in 1 64 1024; do timeout 12 $K bench $P --axes batch_size=$b --json 2>&1 | tee -a $OUT/bench2.jsonl | fmt | tee -a $L; done
ts torch
timeout 40 python3 $T --hidden 4096,7168 --batches 1,64,1024,16384 --compile-batches 16384 --json $OUT/torch2.json 2>&1 | grep -v -i warn | tee -a $L
ts bench variants
VN="rmsnorm_h4096__i2 rmsnorm_h4096__s2 rmsnorm_h4096__ste rmsnorm_h4096__lde rmsnorm_h4096__cs fused_add_rmsnorm_h4096__i4 fused_add_rmsnorm_h4096__s2 fused_add_rmsnorm_h4096__i4s2 fused_add_rmsnorm_h4096__ste fused_add_rmsnorm_h4096__lde fused_add_rmsnorm_h4096__cs rmsnorm_h7168__i2 fused_add_rmsnorm_h7168__i4 fused_add_rmsnorm_h7168__ste"
timeout 40 $K bench $VN --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench2.jsonl | fmt | tee -a $L
ts bench defaults again
timeout 12 $K bench $P --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench2.jsonl | fmt | tee -a $L
ts end
ts check variants
VAR=$(ls $D | grep '__' | sed 's/.json//' | tr '\n' ' ')
timeout 25 $K check $VAR --axes batch_size=300 2>&1 | tail -3 | tee -a $L
ts done
