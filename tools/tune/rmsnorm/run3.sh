#!/bin/bash
# Device run 3 (norms3, kjit issue #6): h4096 variants (balanced persistent grid, TMA bulk store
# of the output, non-persistent one-row-per-CTA grids), checked at batch 33 and 1 and benched at
# 16384 with kjit bench; then kjit's and torch.compile's kernels timed in ONE python process
# with the same flush procedures (tools/tune/rmsnorm/same_harness.py); then ncu DRAM bytes of
# the kjit kernels under kjit bench's flush. Repo root on the GPU machine; variant definitions
# in .norms3/defs (gen_defs.py .norms3/defs DATASET "$V3"); logs to $OUT. Run 3's variants:
# V3='{"bal":["grid=bal"],"stma":["st=tma"],"stmab":["st=tma","grid=bal"],"s2":["stages=2"],"s2b":["stages=2","grid=bal"],"s2tma":["stages=2","st=tma"],"s2tmab":["stages=2","st=tma","grid=bal"],"np":["persist=0","stages=1","cpsm=6"],"np2":["persist=0","stages=2","cpsm=8"],"i2b":["items=2","grid=bal"],"i4b":["items=4","grid=bal"],"rnp":["mode=regs","persist=0","ld=ca","items=2","cpsm=8"],"rnp4":["mode=regs","persist=0","ld=ca","items=4","cpsm=8"]}'
# (at templates 2eac664, where persistent was the default; np / np2 = persist=0 there).
D=.norms3/defs RUN=run3
. tools/tune/rmsnorm/prelude.sh
ts start
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee -a $L
VAR=$(ls $D | grep '_h4096__' | sed 's/.json//' | tr '\n' ' ')
HN="rmsnorm_h4096 fused_add_rmsnorm_h4096"
HV="rmsnorm_h4096__bal fused_add_rmsnorm_h4096__bal rmsnorm_h4096__stmab fused_add_rmsnorm_h4096__stmab rmsnorm_h4096__s2tmab fused_add_rmsnorm_h4096__s2tmab rmsnorm_h4096__np2 fused_add_rmsnorm_h4096__np2"
mkdir -p /tmp/kc
for n in $HN $HV; do $K get $n -o /tmp/kc/$n.cubin --plan /tmp/kc/$n.json 2>/dev/null >/dev/null || echo "get $n failed" | tee -a $L; done
ts harness warm
rm -f /tmp/go
python3 tools/tune/rmsnorm/same_harness.py --kjit-dir /tmp/kc --names $(echo $HN $HV | tr ' ' ',') \
  --wait-flag /tmp/go --dump-triton $OUT/triton.tar.gz --json $OUT/same3.json > $OUT/same3.log 2>&1 &
HP=$!
ts check variants b=33
timeout 30 $K check $VAR --axes batch_size=33 2>&1 | tail -4 | tee -a $L
ts check variants b=1
timeout 20 $K check $VAR --axes batch_size=1 2>&1 | tail -3 | tee -a $L
ts wait harness warm
for i in $(seq 90); do grep -q "warm done" $OUT/same3.log && break; kill -0 $HP 2>/dev/null || break; sleep 0.5; done
grep -v "^{" $OUT/same3.log | grep -iv warn | tail -12 | tee -a $L
ts bench defaults
timeout 15 $K bench $HN --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench3.jsonl | fmt | tee -a $L
ts bench variants
timeout 50 $K bench $VAR --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench3.jsonl | fmt | tee -a $L
ts bench defaults again
timeout 15 $K bench $HN --axes batch_size=16384 --json 2>&1 | tee -a $OUT/bench3.jsonl | fmt | tee -a $L
ts same-process harness
touch /tmp/go
timeout 40 tail -f --pid=$HP $OUT/same3.log | grep "^{" | tee -a $L
ts ncu
for n in $HN; do
  timeout 25 ncu --clock-control none --cache-control none --launch-skip 3 --launch-count 1 -k regex:kjit \
    --metrics dram__bytes_read.sum,dram__bytes_write.sum,gpu__time_duration.sum,lts__t_sectors_srcunit_tex_op_write.sum \
    $K bench $n --axes batch_size=16384 --iters 3 --warmup 2 2>&1 | grep -E "dram__|gpu__time|lts__|==ERR|rror" | tee -a $L
done
ts done
