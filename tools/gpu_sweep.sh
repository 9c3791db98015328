#!/usr/bin/env bash
# The GPU sweep, run on the lent GPU machine from the repository root after
# tools/gpu_prepare.sh filled .device/ here (carry .device): warm-up, check of
# every served definition (dataset + kjit's own) with workloads, the
# deliberately wrong template, benches with same-run baselines (D2D copy inside
# `kjit bench`, torch/cuBLAS/SDPA via tools/bench/torch_baselines.py), and the
# reference-fidelity script. Results go to $OUT (or ./sweep-out).
# Usage: tools/gpu_sweep.sh [STEP...]   steps: info warmup check extremes bad gtests bench torch fidelity (default: all)
#        and sampling (not in the default: sampling + rope checks, benches and baselines, tests/gpu/sampling/run.sh)
#        and gdn (not in the default: gdn / mamba_ssu checks, benches and ratios, tests/gpu/gdn/run.sh, ~15-25 min)
#        and dsa (not in the default: DeepSeek sparse attention checks, benches, memcheck and ratios,
#        tests/gpu/dsa/run.sh, ~10-13 min; split it over two calls as that script says)
#        and moe (not in the default: fused MoE checks, benches and ratios, tests/gpu/moe/run.sh, ~25 min; for
#        9-minute device calls run its steps directly, as its header says)
#        plus, on request (each fits one 10-minute device call; results under $OUT/python):
#          python       every served dataset definition through the Python package vs its torch reference
#          python_api   torch.compile, CUDA graphs, the C/C++ examples, README GPU snippets, KJIT_LOGLEVEL=5
#          python_bench per-call overheads (Python, C++, C vs raw cuLaunchKernel) and the Llama decoder layer
#        all through tests/gpu/python/run.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
# Everything is written under $work and packed into $OUT/sweep.tgz at the end
# (the device tool returns at most 8 files).
final=${OUT:-sweep-out}
out=/tmp/kjit-sweep
rm -rf "$out"; mkdir -p "$out" "$final"
B=.device/bin
D=.device/shared/flashinfer-trace/definitions
# The binary was built elsewhere: point it at this checkout's templates and
# definitions (kjit's own first, then the dataset).
export KJIT_CACHE_DIR=/tmp/kjit-sweep-cache PYTHONUNBUFFERED=1
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions
K="$B/kjit --definitions $D"
# The dataset alone: its own files, not the same-named kjit definitions.
KDS="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $D"
steps=${*:-info warmup check extremes bad gtests bench torch fidelity}
has() { [[ " $steps " == *" $1 "* ]]; }
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }
# Status counts per check file matching the glob (and the first failures).
summarize() {
  python3 - "$out" "$1" <<'PY'
import json, sys, glob, collections, os
for f in sorted(glob.glob(os.path.join(sys.argv[1], sys.argv[2]))):
    c = collections.Counter(); bad = []
    for line in open(f):
        try: r = json.loads(line)
        except Exception: continue
        s = r.get("status", "?"); c[s] += 1
        if s != "PASSED": bad.append((r.get("name"), s, str(r.get("message", ""))[:150]))
    print(os.path.basename(f), dict(c))
    for b in bad[:6]: print("    ", *b)
PY
}

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
  # Two definition sets, each checked on its own so neither shadows the other:
  # the dataset (ds) and kjit's own (own). Norms and attention use workloads
  # (smallest .. largest, MAXW of them); gemm uses M = 1, 33, 100 because the
  # float64 CPU reference of the largest workloads (M = 16294, N*K up to 4.7e8)
  # would take hours.
  # Timeouts (CHECK_T, GEMM_T) default to 300 s: without the warmup step every job compiles
  # its own kernels first (gemm and MLA prefill take seconds each; 100 s cut off the dataset's
  # gemm and mla_paged checks on an H200 in session 6).
  # The op types run concurrently (each job its own timeout; the machine has 16 cores and the
  # float64 references and input generation are CPU work), gqa_paged in PAR_GQA slices.
  for set in ${SETS:-ds own}; do
    if [ $set = ds ]; then KS="$KDS"; else KS="$B/kjit"; fi
    names() { $KS list --op-type "$1" --json 2>/dev/null | python3 -c 'import json,sys; t=sys.stdin.read().strip(); print(" ".join(r["name"] for r in (json.loads(t) if t else []) if r.get("template")))'; }
    job() {  # job TAG TIMEOUT ARGS...: kjit check ARGS in the background, results under TAG
      local tag=$1 t=$2; shift 2
      ( timeout "$t" $KS check "$@" --trace "$out/trace_${set}_$tag.jsonl" --json > "$out/check_${set}_$tag.jsonl" \
          2>> "$out/check_$tag.err"; rc=$?; echo "  [$(( $(date +%s) - t0 ))s] check $set $tag rc=$rc" ) &
    }
    stamp "check $set (concurrent jobs)"
    for op in rmsnorm gqa_ragged mla_paged mla_ragged; do
      n=$(names $op); [ -n "$n" ] && job $op ${CHECK_T:-300} $n --max-workloads ${MAXW:-3}
    done
    gqa=($(names gqa_paged)); k=${PAR_GQA:-3}
    for ((i = 0; i < k; i++)); do
      slice=(); for ((j = i; j < ${#gqa[@]}; j += k)); do slice+=("${gqa[j]}"); done
      [ ${#slice[@]} -gt 0 ] && job gqa_paged_$i ${CHECK_T:-300} "${slice[@]}" --max-workloads ${MAXW:-3}
    done
    n=$(names gemm)
    for m in ${GEMM_MS:-1 33 100}; do job gemm_m$m ${GEMM_T:-300} $n --axes M=$m; done
    wait
  done
  cat "$out"/check_*.err >> "$out/check.err" 2>/dev/null
  summarize "check_[!e]*.jsonl"
  tail -5 "$out/check.err"
fi
if has extremes; then
  # Attention extremes with synthesized index structures (issue 7): a batch
  # whose first sequence is empty (zeros, lse -inf), kv lengths that leave
  # the last page partly filled (1000 = 15 * 64 + 40), and one 32k-token
  # sequence for decode (prefill at 32k would take the float64 CPU reference
  # hours, so prefill uses 4k).
  stamp extremes
  KS="$KDS"
  dnames() { $KS list --op-type "$1" --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin) if r.get("template") and ("decode" in r["name"]) == ('"$2"')))'; }
  dec="$(dnames gqa_paged True) $(dnames mla_paged True)"
  pre="$(dnames gqa_paged False) $(dnames gqa_ragged False) $(dnames mla_paged False) $(dnames mla_ragged False)"
  x() { local tag=$1; shift; timeout ${EXT_T:-120} $KS check "$@" --json --trace "$out/trace_ext_$tag.jsonl" > "$out/check_ext_$tag.jsonl" 2>> "$out/check.err"; echo "  $tag rc=$?"; }
  x empty_decode $dec --axes batch_size=5 --kv-len 1000 --empty-first
  x empty_prefill $pre --axes len_indptr=4 --q-len 100 --kv-len 1000 --empty-first  # prefill: batch = len_indptr - 1
  x long_decode $dec --axes batch_size=1 --kv-len 32768
  x long_prefill $pre --axes len_indptr=2 --q-len 256 --kv-len 4096
  # made-up shapes no public definition has (head_dim 256 and 64, page size 16; prefill on
  # tensor cores), from tools/tune/gen_test_definitions.py
  A="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions tests/gpu/definitions/attention"
  an=$(ls tests/gpu/definitions/attention | sed 's/.json$//' | tr '\n' ' ')
  timeout ${EXT_T:-120} $A check $an --axes len_indptr=4 --q-len 300 --kv-len 700 --empty-first --json \
    --trace "$out/trace_ext_attn_made_up.jsonl" > "$out/check_ext_attn_made_up.jsonl" 2>> "$out/check.err"; echo "  attn made-up rc=$?"
  # gemm: N/K tails and fp32 output (test-only definitions), M = 1 and 1100; and the
  # largest dataset workloads where the float64 CPU reference stays fast (M up to 16294).
  G="$B/kjit --definitions tests/gpu/definitions/gemm"
  for m in 1 1100; do
    timeout 60 $G check gemmtest_n1000_k1000 gemmtest_n4000_k1000 gemmtest_n776_k520_f32out --axes M=$m --json \
      --trace "$out/trace_ext_gemm_tails_m$m.jsonl" > "$out/check_ext_gemm_tails_m$m.jsonl" 2>> "$out/check.err"; echo "  gemm tails M=$m rc=$?"
  done
  x gemm_largest gemm_n128_k2048 gemm_n256_k7168 --max-workloads 3
  summarize "check_ext_*.jsonl"
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
  # The issue's shapes exactly: every sequence the same length (--kv-len/--q-len fix per-sequence lengths).
  timeout 90 $K bench gqa_paged_decode_h32_kv8_d128_ps1 gqa_paged_decode_h32_kv8_d128_ps64 mla_paged_decode_h16_ckv512_kpe64_ps1 \
    mla_paged_decode_h16_ckv512_kpe64_ps64 --axes batch_size=64 --kv-len 4096 --json > "$out/bench_attn_uniform.jsonl" 2>>"$out/bench.err"
  timeout 60 $K bench gqa_paged_decode_h32_kv8_d128_ps1 gqa_paged_decode_h32_kv8_d128_ps64 --axes batch_size=1 --kv-len 32768 --json >> "$out/bench_attn_uniform.jsonl" 2>>"$out/bench.err"
  timeout 60 $K bench gqa_ragged_prefill_causal_h32_kv8_d128 gqa_paged_prefill_causal_h32_kv8_d128_ps1 gqa_paged_prefill_causal_h32_kv8_d128_ps64 \
    --axes len_indptr=9 --q-len 2048 --kv-len 2048 --json >> "$out/bench_attn_uniform.jsonl" 2>>"$out/bench.err"
  # MLA prefill: the paged (absorbed, every token a decode request) and ragged tensor-core kernels at 8 x 512
  timeout 90 $K bench mla_paged_prefill_causal_h16_ckv512_kpe64_ps1 mla_paged_prefill_causal_h16_ckv512_kpe64_ps64 \
    $(ls $D/mla_ragged | head -1 | sed 's/.json//') --axes len_indptr=9 --q-len 512 --kv-len 512 --json >> "$out/bench_attn_uniform.jsonl" 2>>"$out/bench.err"
  cat "$out"/bench_*.jsonl | cut -c1-400
  tail -5 "$out/bench.err"
fi
if has gtests; then
  # The GPU-labelled GoogleTest cases (tests/gpu), pointed at this machine's copies of the
  # binary, the dataset and tests/data (their build-time paths are the build machine's).
  stamp gtests
  KJIT_TEST_BINARY=$PWD/$B/kjit KJIT_TEST_SHARED_DIR=$PWD/.device/shared KJIT_TEST_DATA_DIR=$PWD/tests/data \
    timeout 300 $B/kjit_gpu_tests > "$out/gtests.txt" 2>&1; echo "gtests rc=$?"
  grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) *\]" "$out/gtests.txt" | tail -20
fi
if has torch; then
  stamp torch
  timeout 180 python3 tools/bench/torch_baselines.py --json "$out/torch.json" > "$out/torch.txt" 2>&1; echo "torch rc=$?"
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
  timeout 120 python3 tools/dev/reference_fidelity.py $fid/* --definitions-root $D --device cuda > "$out/fidelity.jsonl" 2>>"$out/fidelity.err"
  echo "fidelity rc=$?"; cut -c1-200 "$out/fidelity.jsonl"
fi
if has sampling; then stamp sampling; OUT=$out/sampling timeout 1800 tests/gpu/sampling/run.sh > "$out/sampling.txt" 2>&1; echo "sampling rc=$?"; tail -40 "$out/sampling.txt"; fi
if has python; then
  stamp "python (tests/gpu/python/run.sh)"
  OUT="$out" KJIT_CACHE_DIR=/tmp/kjit-sweep-cache tests/gpu/python/run.sh warm dataset
fi
if has python_api; then
  stamp "python_api (tests/gpu/python/run.sh)"
  OUT="$out" KJIT_CACHE_DIR=/tmp/kjit-sweep-cache tests/gpu/python/run.sh torch examples readme log
fi
if has python_bench; then
  stamp "python_bench (tests/gpu/python/run.sh)"
  OUT="$out" KJIT_CACHE_DIR=/tmp/kjit-sweep-cache tests/gpu/python/run.sh bench launch_bench layer
fi
# gdn / mamba_ssu (issue 22): checks, benches and ratios of their own (tests/gpu/gdn/run.sh).
if has gdn; then stamp gdn; OUT="$out/gdn" timeout ${GDN_T:-1500} tests/gpu/gdn/run.sh; echo "gdn rc=$?"; fi
# DeepSeek sparse attention (issue 23): tests/gpu/dsa/run.sh.
if has dsa; then stamp dsa; OUT="$out/dsa" timeout ${DSA_T:-1000} tests/gpu/dsa/run.sh; echo "dsa rc=$?"; fi
# fused MoE (issue 21): tests/gpu/moe/run.sh, every step in one go (its per-call budget lifted).
if has moe; then stamp moe; OUT="$out/moe" MOE_BUDGET_S=${MOE_T:-1800} timeout ${MOE_T:-1800} tests/gpu/moe/run.sh; echo "moe rc=$?"; fi
stamp done
tar czf "$final/sweep.tgz" -C "$(dirname "$out")" "$(basename "$out")"
