#!/usr/bin/env bash
# GPU run for issue 23 (DeepSeek sparse attention, op type dsa_paged): compile, checks,
# benchmarks, a memcheck pass and a summary, results to $OUT (default ./dsa-out): summary.txt,
# dsa.json, dsa.tgz (every raw output). Run from the repository root on the GPU machine after
# tools/gpu_prepare.sh (carry .device):
#   tests/gpu/dsa/run.sh [STEP...]   steps: compile check bench sanitize summary (default: all)
# Never stops at a failure: every command has its own timeout and its exit status is logged.
# Raw outputs accumulate in /tmp/kjit-dsa (cleared by the compile step only), so the steps can
# be split over device calls of at most 9 minutes on one warm machine:
#   call 1: tests/gpu/dsa/run.sh compile check        (~1 min compile + at most 7.5 min checks)
#   call 2: tests/gpu/dsa/run.sh bench sanitize summary  (~2-4 min)
# (a fresh machine for call 2 recompiles on first use: the cache dir is /tmp too; fine.)
#   compile   NVRTC for the device's arch: the 3 dataset definitions and the 3 test variants
#             (tests/gpu/definitions/dsa: 20 and 128 query heads; an indexer with 32 heads,
#             page size 32, topk 512); registers / spills in compile.jsonl.
#   check     kjit check with synthesized inputs (runtime/dsa_inputs.h: pages shuffled over the
#             pool; sparse_indices with -1 padding, scattered on odd rows), 3 concurrent groups:
#             indexer and each sparse-attention page size, sequences shorter than topk
#             (padding), exactly topk, topk + 1, 10k, 32k and 128k tokens, random lengths, an
#             empty first sequence (indexer), massive ties at the topk-th score (indexer,
#             --inputs-profile ties: every page repeats 4 keys), batch 1 / 8 / 64, long
#             contexts on a bounded, shared page pool. Each group stops starting new checks
#             after CHECK_BUDGET seconds (default 420) so the step fits one call; skipped checks
#             are listed.
#   bench     serially: sparse attention at batch 64 / 8 / 1 (4096-token contexts, no padding),
#             the indexer at 64 x 32k (the issue's size), 8 x 128k and 1 x 128k.
#   sanitize  compute-sanitizer memcheck on small checks of each kernel (if installed).
#   summary   tests/gpu/dsa/summarize.py: statuses, evaluator figures, the issue's ratios
#             (sparse attention: 2048 x 576 x 2 B per token / time / copy bandwidth, target
#             0.70 at batch 64; indexer: FP8 key-cache bytes / time / copy bandwidth, target
#             0.60 at 64 x 32k, top-k included).
set -uo pipefail
cd "$(dirname "$0")/../../.."
final=${OUT:-dsa-out}
out=/tmp/kjit-dsa
mkdir -p "$final"
steps=${*:-compile check bench sanitize summary}
has() { [[ " $steps " == *" $1 "* ]]; }
has compile && rm -rf "$out"
mkdir -p "$out"
B=.device/bin
D=.device/shared/flashinfer-trace/definitions
[ -d "$D" ] || D=../shared/flashinfer-trace/definitions
export KJIT_CACHE_DIR=/tmp/kjit-dsa-cache KJIT_TEMPLATES=$PWD/templates PYTHONUNBUFFERED=1
K="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $D"
T="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions tests/gpu/definitions/dsa"
IX=dsa_topk_indexer_fp8_h64_d128_topk2048_ps64
SA1=dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps1
SA64=dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64
TIX=dsatest_topk_indexer_fp8_h32_d128_topk512_ps32
TSA="dsatest_sparse_attention_h20_ckv512_kpe64_topk2048_ps64 dsatest_sparse_attention_h128_ckv512_kpe64_topk2048_ps1"
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }

if has compile; then
  stamp compile
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$out/gpu.txt" 2>&1; cat "$out/gpu.txt"
  timeout 300 $K compile $IX $SA1 $SA64 --json > "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile rc=$?"
  timeout 300 $T compile $TIX $TSA --json >> "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile test variants rc=$?"
  cut -c1-240 "$out/compile.jsonl"
fi

if has check; then
  budget=${CHECK_BUDGET:-420}
  stamp "check (3 concurrent groups, budget ${budget}s each)"
  tc=$(date +%s)
  # chk TAG TIMEOUT ARGS...: one kjit check (KC picks the definition set; default: the
  # dataset); JSON lines to check_TAG.jsonl, arguments to checks.tsv for the summary. A check
  # that would start after the group's budget is recorded as skipped instead.
  chk() {
    local tag=$1 t=$2; shift 2
    local now=$(( $(date +%s) - tc ))
    if [ "$now" -ge "$budget" ]; then
      printf '%s\t%s\n' "$tag" "$*" >> "$out/skipped.tsv"; echo "  [${now}s] check $tag skipped (budget)"; return
    fi
    local left=$(( budget + 60 - now )); [ "$t" -gt "$left" ] && t=$left
    printf '%s\t%s\n' "$tag" "$*" >> "$out/checks.tsv"
    timeout "$t" ${KC:-$K} check "$@" --json --trace "$out/trace_$tag.jsonl" > "$out/check_$tag.jsonl" 2>> "$out/check_$tag.err"
    local rc=$?
    echo "  [$(( $(date +%s) - t0 ))s] check $tag rc=$rc"
  }
  (
    chk ix_b1_l1000 120 $IX --axes batch_size=1 --kv-len 1000
    chk ix_b8_l2048 120 $IX --axes batch_size=8 --kv-len 2048
    chk ix_b8_l2049 120 $IX --axes batch_size=8 --kv-len 2049
    chk ix_b64_random 180 $IX --axes batch_size=64
    chk ix_b8_l100_empty 120 $IX --axes batch_size=8 --kv-len 100 --empty-first
    chk ix_b8_l5000_ties 120 $IX --axes batch_size=8 --kv-len 5000 --inputs-profile ties
    chk ix_b64_l10000 180 $IX --axes batch_size=64 --kv-len 10000
    chk ix_b1_l131072 180 $IX --axes batch_size=1 --kv-len 131072
    chk ix_b8_l131072 240 $IX --axes batch_size=8 --kv-len 131072
    KC=$T chk tix_b8_random 120 $TIX --axes batch_size=8
    KC=$T chk tix_b64_l5000 180 $TIX --axes batch_size=64 --kv-len 5000
    chk ix_b64_l32768 300 $IX --axes batch_size=64 --kv-len 32768
    chk ix_b64_mixed 300 $IX --axes batch_size=64,max_num_pages=2048
  ) &
  for ps in 1 64; do
    (
      if [ $ps = 1 ]; then SA=$SA1; pool=262144; else SA=$SA64; pool=4096; fi
      chk sa${ps}_b1_l1000 120 $SA --axes num_tokens=1 --kv-len 1000
      chk sa${ps}_b3_l1 120 $SA --axes num_tokens=3 --kv-len 1
      chk sa${ps}_b8_l2048 120 $SA --axes num_tokens=8 --kv-len 2048
      chk sa${ps}_b64_random 180 $SA --axes num_tokens=64
      chk sa${ps}_b64_l10000 180 $SA --axes num_tokens=64 --kv-len 10000
      chk sa${ps}_b8_l131072 240 $SA --axes num_tokens=8,num_pages=$pool --kv-len 131072
      chk sa${ps}_b64_l131072 300 $SA --axes num_tokens=64,num_pages=$pool --kv-len 131072
      if [ $ps = 1 ]; then
        KC=$T chk tsa128_b8_random 180 dsatest_sparse_attention_h128_ckv512_kpe64_topk2048_ps1 --axes num_tokens=8
        KC=$T chk tsa128_b1_l1000 120 dsatest_sparse_attention_h128_ckv512_kpe64_topk2048_ps1 --axes num_tokens=1 --kv-len 1000
      else
        KC=$T chk tsa20_b8_random 180 dsatest_sparse_attention_h20_ckv512_kpe64_topk2048_ps64 --axes num_tokens=8
        KC=$T chk tsa20_b64_l4096 180 dsatest_sparse_attention_h20_ckv512_kpe64_topk2048_ps64 --axes num_tokens=64 --kv-len 4096
      fi
    ) &
  done
  wait
fi

if has bench; then
  stamp "bench (serial)"
  bn() {
    local tag=$1 t=$2 k=$3; shift 3
    printf '%s\t%s\n' "$tag" "$*" >> "$out/benches.tsv"
    timeout "$t" $k bench "$@" --json > "$out/bench_$tag.jsonl" 2>> "$out/bench_$tag.err"
    local rc=$?
    echo "  [$(( $(date +%s) - t0 ))s] bench $tag rc=$rc"; cut -c1-300 "$out/bench_$tag.jsonl"
  }
  bn sa_b64_l4096 180 "$K" $SA1 $SA64 --axes num_tokens=64 --kv-len 4096
  bn sa_b8_l4096 120 "$K" $SA1 $SA64 --axes num_tokens=8 --kv-len 4096
  bn sa_b1_l4096 120 "$K" $SA1 $SA64 --axes num_tokens=1 --kv-len 4096
  bn sa_b128_l4096 180 "$K" $SA64 --axes num_tokens=128 --kv-len 4096
  bn ix_b64_l32768 240 "$K" $IX --axes batch_size=64 --kv-len 32768
  bn ix_b8_l131072 180 "$K" $IX --axes batch_size=8 --kv-len 131072
  bn ix_b1_l131072 120 "$K" $IX --axes batch_size=1 --kv-len 131072
fi

if has sanitize; then
  stamp sanitize
  CS=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
  if [ -z "$CS" ]; then
    echo "  compute-sanitizer not found" | tee "$out/sanitize.txt"
  else
    sz() {
      local tag=$1; shift
      echo "== $tag: $*" >> "$out/sanitize.txt"
      timeout 240 "$CS" --tool memcheck --leak-check no --error-exitcode 99 $K check "$@" --json >> "$out/sanitize.txt" 2>&1
      echo "  sanitize $tag rc=$?" | tee -a "$out/sanitize.txt"
    }
    sz ix $IX --axes batch_size=3 --kv-len 3000
    sz sa1 $SA1 --axes num_tokens=3 --kv-len 3000
    sz sa64 $SA64 --axes num_tokens=3 --kv-len 1500
  fi
fi

if has summary; then
  stamp summary
  python3 tests/gpu/dsa/summarize.py "$out" --json "$final/dsa.json" > "$final/summary.txt" 2>&1; echo "  summary rc=$?"
  cat "$final/summary.txt"
fi
stamp done
tar czf "$final/dsa.tgz" -C "$(dirname "$out")" "$(basename "$out")"
