#!/bin/bash
# Round 4 device run 5 (issue #6): fused_add_rmsnorm_h4096 / rmsnorm_h4096 with 2 or 3 rows per
# CTA (rpc; all rows copied at the CTA start, more bytes in flight per SM) against the shipped
# one-row kernel (evict_last loads), in kjit bench and in one process with torch.compile
# (tools/tune/rmsnorm/same_harness.py, three L2 flushes); checks at odd batches.
# The rpc knob was removed again after this run (no gain); run it at commit 8af9015.
# Repo root on the GPU machine, .device/ from tools/gpu_prepare.sh, variant copies from
#   tools/tune/round4/gen_defs.py .device/r4
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions KJIT_CACHE_DIR=/tmp/c4 PYTHONUNBUFFERED=1
K=".device/bin/kjit --definitions .device/shared/flashinfer-trace/definitions --definitions .device/r4"
L=$OUT/r4e.log E=$OUT/err.log J=$OUT/r4e.jsonl
t0=$(date +%s)
ts() { echo "-- t=$(( $(date +%s) - t0 ))s $*" | tee -a $L; }
fmt() { python3 -c '
import sys, json
for l in sys.stdin:
    l = l.strip()
    if not l.startswith("{"): continue
    d = json.loads(l)
    if "median_ms" in d:
        print("B %-40s b=%-6s %9.2f us (min %9.2f) %5.0f GB/s frac %.3f copy %.0f" % (d["name"], d["axes"].get("batch_size"), d["median_ms"] * 1e3, d["min_ms"] * 1e3, d["gbps"], d["bandwidth_fraction"], d["peak_copy_gbps"]))
    elif "status" in d:
        print("C %-40s %s %s" % (d["name"], d["status"], " ".join("%s:%.3g" % (w["status"], w.get("max_absolute_error", -1)) for w in d.get("workloads", []))[:300]))
' | tee -a $L; }
run() { local t=$1; shift; timeout $t $K "$@" --json 2>>$E | tee -a $J | fmt; }
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee -a $L
F=fused_add_rmsnorm_h4096 R=rmsnorm_h4096
timeout 60 $K warmup --filter "*rmsnorm_h4096*" -j 16 2>>$E | tail -2 | tee -a $L
mkdir -p /tmp/kc
v() { local b=$1; shift; for s in "$@"; do [ "$s" = - ] && echo $b || echo ${b}__$s; done; }
SH="$(v $R - r2) $(v $F - r2 r3 r2o)"
for n in $SH; do $K get $n -o /tmp/kc/$n.cubin --plan /tmp/kc/$n.json >/dev/null 2>>$E || echo "get $n failed" | tee -a $L; done
rm -f /tmp/go
python3 tools/tune/rmsnorm/same_harness.py --kjit-dir /tmp/kc --names $(echo $SH | tr ' ' ,) --wait-flag /tmp/go --json $OUT/same5.json > $OUT/same5.log 2>&1 &
HP=$!
ts warm
RV="$(v $F - r2 r3 r2o -) $(v $R - r2 -)"
run 50 bench $RV --axes batch_size=16384
run 50 bench $RV --axes batch_size=16384
run 30 bench $RV --axes batch_size=1024
ts bench
for i in $(seq 60); do grep -q "warm done" $OUT/same5.log && break; kill -0 $HP 2>/dev/null || break; sleep 0.5; done
touch /tmp/go
timeout 40 tail -f --pid=$HP $OUT/same5.log | grep "^{" | tee -a $L
ts same-process
for b in 33 1 16383; do run 30 check $(v $F r2 r3 r2o) ${R}__r2 --axes batch_size=$b; done
ts checks
grep -v "differs from" $E | tail -5 | tee -a $L
