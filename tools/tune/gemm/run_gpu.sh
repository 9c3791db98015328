#!/bin/bash
# GPU run 2 for the gemm wgmma work: checks, kjit bench, cuBLAS baseline. Outputs also in $OUT.
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions KJIT_CACHE_DIR=/tmp/c
TD=tests/gpu/definitions/gemm
K=".device/bin/kjit --definitions .device/shared/flashinfer-trace/definitions --definitions $TD"
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
S() { python3 -c "
import sys,json
for l in sys.stdin:
  try: d=json.loads(l)
  except Exception: print(l.rstrip()[:300]); continue
  w=d.get('workloads') or [{}]
  print(d['name'], d.get('status'), [(x.get('axes'),x.get('status'),x.get('max_absolute_error'),x.get('latency_ms')) for x in w])"; }
{
for M in 1 16 100 128 200 257; do timeout 25 $K check gemm_n4096_k4096 gemm_n28672_k4096 --axes M=$M --json; done
for M in 1 20 1100; do timeout 15 $K check gemmtest_n4000_k1000 --axes M=$M --json; done
timeout 15 $K check gemmtest_n1000_k1000 gemmtest_n776_k520_f32out --axes M=1100 --json
timeout 15 $K check gemm_n3584_k3584 gemm_n5120_k2048 gemm_n2048_k4096 gemm_n256_k7168 --axes M=1 --json
timeout 15 $K check gemm_n5120_k2048 gemm_n2048_k4096 gemm_n3584_k3584 --axes M=64 --json
} 2>&1 | tee $OUT/check.txt | S
for M in 4096 8192; do timeout 20 $K bench gemm_n4096_k4096 gemm_n28672_k4096 --axes M=$M --json; done 2>&1 | tee $OUT/bench.txt | cut -c1-420
timeout 40 python3 tools/tune/gemm/torch_mm.py 2>&1 | tee $OUT/torch.txt
for M in 1 16 128 200 512; do timeout 12 $K bench gemm_n4096_k4096 gemm_n28672_k4096 --axes M=$M --json; done 2>&1 | tee -a $OUT/bench.txt | cut -c1-420
