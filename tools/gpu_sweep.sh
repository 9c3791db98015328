#!/usr/bin/env bash
# The GPU sweep, run on the lent GPU machine from the repository root after
# tools/gpu_prepare.sh filled .device/ here (carry .device): warm-up, check of
# every served definition (dataset + kjit's own) with workloads, the
# deliberately wrong template, benches with same-run baselines (D2D copy inside
# `kjit bench`, torch/cuBLAS/SDPA via tools/torch_baselines.py), and the
# reference-fidelity script. Results go to $OUT (or ./sweep-out).
# Usage: tools/gpu_sweep.sh [STEP...]   steps: info warmup check bad bench torch fidelity (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-sweep-out}
mkdir -p "$out"
B=.device/bin
D=.device/shared/flashinfer-trace/definitions
# The binary was built elsewhere: point it at this checkout's templates and
# definitions (kjit's own first, then the dataset).
export KJIT_CACHE_DIR=/tmp/kjit-sweep-cache PYTHONUNBUFFERED=1
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions
K="$B/kjit --definitions $D"
steps=${*:-info warmup check bad bench torch fidelity}
has() { [[ " $steps " == *" $1 "* ]]; }
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }

if has info; then
  stamp info
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
fi
if has warmup; then
  stamp warmup
  timeout 120 $K warmup -j 16 --report "$out/warmup.json" > "$out/warmup.txt" 2>&1; echo "warmup rc=$?"
  tail -15 "$out/warmup.txt"
fi
if has check; then
  stamp check
  timeout 300 $K check --all --max-workloads ${MAXW:-4} --trace "$out/trace.jsonl" --json > "$out/check.jsonl" 2> "$out/check.err"
  echo "check rc=$?"
  python3 - "$out/check.jsonl" <<'PY'
import json, sys, collections
c = collections.Counter(); bad = []
for line in open(sys.argv[1]):
    try: r = json.loads(line)
    except Exception: continue
    s = r.get("status", "?"); c[s] += 1
    if s not in ("PASSED", "SKIPPED", "skipped"): bad.append((r.get("name"), s, r.get("message", r.get("error", ""))[:160]))
print(dict(c))
for b in bad[:40]: print("  ", *b)
PY
  tail -5 "$out/check.err"
fi
if has bad; then
  stamp bad-template
  timeout 60 $B/kjit --templates tests/data/bad_templates check rmsnorm_h4096 > "$out/bad.txt" 2>&1; echo "bad template rc=$? (want 5)"
  tail -3 "$out/bad.txt"
fi
if has bench; then
  stamp bench
  for b in 1 64 1024 16384; do
    timeout 60 $K bench rmsnorm_h4096 fused_add_rmsnorm_h4096 rmsnorm_h7168 fused_add_rmsnorm_h7168 --axes batch_size=$b --json
  done > "$out/bench_norms.jsonl" 2>>"$out/bench.err"
  for m in 1 16 128 4096 8192; do
    timeout 60 $K bench gemm_n4096_k4096 gemm_n28672_k4096 --axes M=$m --json
  done > "$out/bench_gemm.jsonl" 2>>"$out/bench.err"
  # decode: batch 64 x 4096 tokens, and batch 1 x 32768 (split-KV); sequence lengths are random splits of the totals
  timeout 90 $K bench gqa_paged_decode_h32_kv8_d128_ps1 mla_paged_decode_h16_ckv512_kpe64_ps1 \
    --axes batch_size=64,num_kv_indices=262144,num_pages=262144 --json > "$out/bench_attn.jsonl" 2>>"$out/bench.err"
  timeout 60 $K bench gqa_paged_decode_h32_kv8_d128_ps64 --axes batch_size=64,num_kv_indices=4096,num_pages=4096 --json >> "$out/bench_attn.jsonl" 2>>"$out/bench.err"
  timeout 60 $K bench gqa_paged_decode_h32_kv8_d128_ps1 --axes batch_size=1,num_kv_indices=32768,num_pages=32768 --json >> "$out/bench_attn.jsonl" 2>>"$out/bench.err"
  timeout 60 $K bench gqa_paged_decode_h32_kv8_d128_ps64 --axes batch_size=1,num_kv_indices=512,num_pages=512 --json >> "$out/bench_attn.jsonl" 2>>"$out/bench.err"
  timeout 60 $K bench gqa_ragged_prefill_causal_h32_kv8_d128 --axes len_indptr=9,total_q=16384,total_kv=16384 --json >> "$out/bench_attn.jsonl" 2>>"$out/bench.err"
  cat "$out"/bench_*.jsonl | cut -c1-400
  tail -5 "$out/bench.err"
fi
if has torch; then
  stamp torch
  timeout 180 python3 tools/torch_baselines.py --json "$out/torch.json" > "$out/torch.txt" 2>&1; echo "torch rc=$?"
  cut -c1-200 "$out/torch.txt" | tail -40
fi
if has fidelity; then
  stamp fidelity
  fid=/tmp/fid; rm -rf $fid; mkdir -p $fid
  for d in rmsnorm/rmsnorm_h4096 rmsnorm/fused_add_rmsnorm_h4096 gemm/gemm_n2048_k4096 gqa_paged/gqa_paged_decode_h32_kv8_d128_ps1 \
           gqa_paged/gqa_paged_decode_h32_kv8_d128_ps64 gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps1 \
           gqa_paged/gqa_paged_prefill_causal_h32_kv8_d128_ps64 gqa_ragged/gqa_ragged_prefill_causal_h32_kv8_d128 \
           mla_paged/mla_paged_decode_h16_ckv512_kpe64_ps1 mla_paged/mla_paged_prefill_causal_h16_ckv512_kpe64_ps1 \
           mla_ragged/$(ls $D/mla_ragged | head -1 | sed 's/.json//'); do
    [ -f "$D/$d.json" ] || continue
    timeout 60 $B/kjit_reference_dump "$D/$d.json" "$fid/$(basename $d)" --threads 16 > /dev/null 2>>"$out/fidelity.err"
  done
  timeout 120 python3 tools/reference_fidelity.py $fid/* --definitions-root $D --device cuda > "$out/fidelity.jsonl" 2>>"$out/fidelity.err"
  echo "fidelity rc=$?"; cut -c1-200 "$out/fidelity.jsonl"
fi
stamp done
