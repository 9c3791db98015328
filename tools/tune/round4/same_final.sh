#!/bin/bash
# Round 4, final sweep addition: the shipped rmsnorm_h4096 / fused_add_rmsnorm_h4096 cubins and
# torch.compile's kernels timed in one process under three L2 flushes
# (tools/tune/rmsnorm/same_harness.py). Repo root on the GPU machine after tools/gpu_prepare.sh;
# output under $OUT.
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions KJIT_CACHE_DIR=/tmp/c4f PYTHONUNBUFFERED=1
K=".device/bin/kjit --definitions .device/shared/flashinfer-trace/definitions"
mkdir -p /tmp/kcf
for n in rmsnorm_h4096 fused_add_rmsnorm_h4096; do $K get $n -o /tmp/kcf/$n.cubin --plan /tmp/kcf/$n.json >/dev/null 2>&1; done
timeout 90 python3 tools/tune/rmsnorm/same_harness.py --kjit-dir /tmp/kcf --names rmsnorm_h4096,fused_add_rmsnorm_h4096 \
  --json $OUT/same_final.json > $OUT/same_final.log 2>&1
grep "^{" $OUT/same_final.log
