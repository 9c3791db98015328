#!/usr/bin/env bash
# GPU run for issue #20 (sampling + rope), from the repository root on the lent GPU machine after
# tools/gpu_prepare.sh filled .device/ (carry .device). One run gives every correctness and
# performance answer; no step aborts the others (each is time-boxed with `timeout`, its exit code
# printed). Results: $OUT/sampling.tgz (everything) and $OUT/summary.txt (the table, also printed
# last).
# Steps (default: all, in this order): warmup check edge madeup rope gtest bench variants torch summary
#   warmup   compile every sampling / rope kernel first (kjit warmup -j 16)
#   check    the 18 dataset sampling definitions at batch 1, 7, 64, 513 (statistical rule,
#            runtime/sampling_check.h; every row mask-checked over 100 launches, ROWS_BIG rows of
#            the large batches tested for their distribution at 500k samples each)
#   edge     the same 18 with --inputs-profile edge at batch 7 (one row per edge case: one-hot,
#            uniform, ties at the k-th value, zeros + denormals, top_k = vocab & top_p = 1,
#            tiny p, tied maxima with p = 0 / k = 1)
#   madeup   tests/gpu/definitions/sampling (vocab 7, 1000, 50001, 600000: small, bounds-checked,
#            streaming paths) at batch 1, 64, and edge at 7
#   rope     the dataset rope definition at 1, 77, 8192 tokens (48 q heads, 8 kv heads, like
#            MiniMax M2) and the made-up rope definitions (GPT-J style, fp16, full rotation)
#   gtest    SamplingLaunchTest (seed / offset launch parameters on the device)
#   bench    kjit bench: sampling at batch 1 and 64 for vocab 128256 and 262208 (all three
#            filters), rope at 1, 77, 8192 tokens
#   variants stage attribution and alternatives: tools/tune/sampling/variants.sh overlays (copies1/4,
#            warp-aggregated level-0 atomics, no level-0 histogram, all-argmax, no filters) benched at
#            batch 1 and 64; the alternatives meant to be correct (copies1/4, match) also checked
#   torch    tests/gpu/sampling/torch_sampling.py: copy bandwidth, the torch formulation batched,
#            flashinfer if importable, torch rope
#   summary  tests/gpu/sampling/summarize.py over everything
# Usage: tests/gpu/sampling/run.sh [STEP...]      env: OUT (default ./sampling-out), ROWS_BIG (4)
# Expected duration on an H100 with a cold kernel cache: ~6-8 minutes for all steps; the essential
# subset `run.sh warmup check rope bench torch summary` ~4 minutes.
set -uo pipefail
cd "$(dirname "$0")/../../.."
final=${OUT:-sampling-out}
out=/tmp/kjit-sampling
rm -rf "$out"; mkdir -p "$out" "$final"
B=${KJIT_BIN:-.device/bin}
D=${KJIT_DATASET:-.device/shared/flashinfer-trace/definitions}
export KJIT_CACHE_DIR=/tmp/kjit-sampling-cache PYTHONUNBUFFERED=1 KJIT_TEMPLATES=$PWD/templates
unset KJIT_DEFINITIONS
K="$B/kjit --no-builtin-definitions --definitions $D"
M="$B/kjit --no-builtin-definitions --definitions tests/gpu/definitions/sampling --definitions tests/gpu/definitions/rope"
steps=${*:-warmup check edge madeup rope gtest bench variants torch summary}
has() { [[ " $steps " == *" $1 "* ]]; }
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }
names() { $K list --op-type "$1" --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin) if r.get("template")))'; }
S=$(names sampling)
R=$(names rope)
echo "sampling definitions: $(echo $S | wc -w), rope: $(echo $R | wc -w)"
# chk TAG TIMEOUT KJIT ARGS...: one check job, JSON lines + trace under $out, stderr kept.
chk() {
  local tag=$1 t=$2 kj=$3; shift 3
  timeout "$t" $kj check "$@" --json --trace "$out/trace_$tag.jsonl" > "$out/check_$tag.jsonl" 2> "$out/check_$tag.err"
  local rc=$?
  echo "  [$(( $(date +%s) - t0 ))s] check $tag rc=$rc $(python3 -c 'import json,sys,collections; print(dict(collections.Counter(json.loads(l)["status"] for l in open(sys.argv[1]) if l.strip())))' "$out/check_$tag.jsonl" 2>/dev/null)"
}

if has warmup; then
  stamp warmup
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt"
  timeout 300 $K warmup -j 16 --filter 'top_*,rope*' --report "$out/warmup_ds.json" > "$out/warmup_ds.txt" 2>&1; echo "warmup dataset rc=$?"
  timeout 120 $M warmup -j 16 --report "$out/warmup_madeup.json" > "$out/warmup_madeup.txt" 2>&1; echo "warmup made-up rc=$?"
  tail -3 "$out/warmup_ds.txt"
fi
if has check; then
  stamp "check (dataset sampling, batch 1 7 64 513)"
  chk b1 300 "$K" $S --axes batch_size=1 &
  chk b7 400 "$K" $S --axes batch_size=7 &
  wait
  chk b64 400 "$K" $S --axes batch_size=64 --sampling-rows ${ROWS_BIG:-4} &
  chk b513 500 "$K" $S --axes batch_size=513 --sampling-rows ${ROWS_BIG:-4} &
  wait
fi
if has edge; then
  stamp "edge profiles (dataset sampling, batch 7)"
  chk edge 500 "$K" $S --axes batch_size=7 --inputs-profile edge
fi
if has madeup; then
  stamp "made-up sampling definitions"
  MS=$($M list --op-type sampling --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin) if r.get("template")))')
  chk madeup_b1 200 "$M" $MS --axes batch_size=1
  chk madeup_b64 300 "$M" $MS --axes batch_size=64 --sampling-rows ${ROWS_BIG:-4}
  chk madeup_edge 300 "$M" $MS --axes batch_size=7 --inputs-profile edge
fi
if has rope; then
  stamp rope
  for t in 1 77 8192; do
    chk rope_t$t 200 "$K" $R --axes num_tokens=$t,num_qo_heads=48,num_kv_heads=8,max_seq_len=4096
  done
  MR=$($M list --op-type rope --json 2>/dev/null | python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(sys.stdin) if r.get("template")))')
  chk rope_madeup 200 "$M" $MR --axes num_tokens=77,num_qo_heads=12,num_kv_heads=3,max_seq_len=513
fi
if has gtest; then
  stamp gtest
  [ -x $B/kjit_gpu_tests ] && KJIT_TEST_SOURCE_DIR=$PWD timeout 300 $B/kjit_gpu_tests --gtest_filter='SamplingLaunchTest.*' \
    > "$out/gtest.txt" 2>&1; echo "gtest rc=$?"
  grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) *\]" "$out/gtest.txt" | tail -5
fi
if has bench; then
  stamp bench
  for b in 1 64; do
    timeout 300 $K bench top_k_sampling_from_probs_v128256 top_p_sampling_from_probs_v128256 top_k_top_p_sampling_from_probs_v128256 \
      top_p_sampling_from_probs_v262208 top_k_top_p_sampling_from_probs_v262208 --axes batch_size=$b --json
  done > "$out/bench_sampling.jsonl" 2> "$out/bench.err"; echo "bench sampling rc=$?"
  for t in 1 77 8192; do
    timeout 120 $K bench $R --axes num_tokens=$t,num_qo_heads=48,num_kv_heads=8,max_seq_len=4096 --json
  done > "$out/bench_rope.jsonl" 2>> "$out/bench.err"; echo "bench rope rc=$?"
fi
if has variants; then
  stamp variants
  tools/tune/sampling/variants.sh /tmp/kjit-sampling-variants 2> "$out/variants.err" | while read -r name root; do
    for b in 1 64; do
      timeout 120 $K --templates "$root" bench top_k_top_p_sampling_from_probs_v128256 top_k_top_p_sampling_from_probs_v262208 \
        top_p_sampling_from_probs_v128256 --axes batch_size=$b --json 2>> "$out/variants.err" | sed "s/^{/{\"variant\":\"$name\",/"
    done
    case $name in copies1|copies4|match)  # alternatives meant to be correct: check them too (results: check_variant_*)
      chk variant_$name 200 "$K --templates $root" top_k_top_p_sampling_from_probs_v128256 top_p_sampling_from_probs_v262208 \
        --axes batch_size=64 --sampling-rows 2 > /dev/null ;;
    esac
  done > "$out/bench_variants.jsonl"; echo "variants: $(wc -l < "$out/bench_variants.jsonl") benches"
fi
if has torch; then
  stamp torch
  timeout 400 python3 tests/gpu/sampling/torch_sampling.py --json "$out/torch.json" > "$out/torch.txt" 2>&1; echo "torch rc=$?"
  tail -3 "$out/torch.txt"
fi
if has summary; then
  stamp summary
  python3 tests/gpu/sampling/summarize.py "$out" > "$out/summary.txt" 2>&1; echo "summary rc=$?"
fi
stamp done
tar czf "$final/sampling.tgz" -C "$(dirname "$out")" "$(basename "$out")"
[ -f "$out/summary.txt" ] && cp "$out/summary.txt" "$final/summary.txt" && cat "$out/summary.txt"
exit 0
