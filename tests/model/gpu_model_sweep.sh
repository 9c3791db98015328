#!/usr/bin/env bash
# `kjit model` on the lent GPU machine, after tools/gpu_prepare.sh filled
# .device/ (carry .device), from the repository root:
#   1. onboard: `kjit model CONFIG --warmup --check` for a set of fixtures at
#      their dataset parallelism (kjit's own definitions first on the search
#      path, then the dataset: existing names are checked with the dataset's
#      workloads, new ones with synthesized axes);
#   2. references: tests/model/reference_equivalence.py on CUDA for every
#      dataset definition the fixtures derive, including the large MoE ones
#      a CPU cannot hold (needs torch >= 2.1 for the FP8 indexer).
# Results go to $OUT (or ./model-sweep-out) as model-sweep.tgz plus a summary.
# Usage: tests/model/gpu_model_sweep.sh [onboard] [references]   (default: both)
set -uo pipefail
cd "$(dirname "$0")/../.."
final=${OUT:-model-sweep-out}
out=/tmp/kjit-model-sweep
rm -rf "$out"; mkdir -p "$out" "$final"
B=${KJIT_BIN:-.device/bin}
D=${DATASET:-.device/shared/flashinfer-trace/definitions}
[ -d "$D" ] || D=../shared/flashinfer-trace/definitions
export KJIT_CACHE_DIR=/tmp/kjit-model-sweep-cache KJIT_TEMPLATES=$PWD/templates PYTHONUNBUFFERED=1
steps=${*:-onboard references}
has() { [[ " $steps " == *" $1 "* ]]; }
M=tests/data/models
# fixture tp ep (the parallelism of the dataset's tags)
runs="llama-3.1-8b 1 1
qwen3-30b-a3b 1 1
qwen3-14b 2 1
deepseek-v3 8 1
deepseek-v3 1 8
qwen3-next-80b-a3b 4 4
nemotron-h-8b 2 1
gemma-3-27b 1 1"

if has onboard; then
  while read -r f tp ep; do
    echo "== onboard $f tp $tp ep $ep"
    timeout 1500 "$B/kjit" --definitions "$D" model "$M/$f.json" --tp "$tp" --ep "$ep" --warmup -j 16 --check \
      > "$out/onboard-$f-tp$tp-ep$ep.txt" 2>&1
    echo "rc=$?" | tee -a "$out/onboard-$f-tp$tp-ep$ep.txt"
    grep -E "definitions:|^(compiled|hit|failed|skipped) |PASSED|FAILED|INCORRECT|ERROR|check skipped" \
      "$out/onboard-$f-tp$tp-ep$ep.txt" | sort | uniq -c | sort -rn | head -12
  done <<< "$runs"
fi
if has references; then
  echo "== references"
  derived=$out/derived
  while read -r f tp ep; do
    "$B/kjit" --no-builtin-definitions model "$M/$f.json" --tp "$tp" --ep "$ep" --out "$derived" > /dev/null 2>&1
  done <<< "$runs
llama-3.1-70b 4 1
llama-3.2-3b 1 1
qwen3-32b 4 1
qwen3-235b-a22b 8 1
qwen3-235b-a22b 8 2
mixtral-8x22b 2 1
kimi-k2 8 1
deepseek-v3.2 8 1
deepseek-v3.2 1 1
llama-4-scout 8 1
llama-4-maverick 1 1
qwen3-next-80b-a3b 2 1
minimax-m2 8 1
minimax-m2 1 1"
  timeout 3000 python3 tests/model/reference_equivalence.py --derived "$derived" --dataset "$D" --device cuda \
    --max-gib 40 > "$out/references.txt" 2>&1
  echo "rc=$?" | tee -a "$out/references.txt"
  grep -v "^PASS" "$out/references.txt" | tail -30
fi
tar -czf "$final/model-sweep.tgz" -C "$out" --exclude derived .
echo "results: $final/model-sweep.tgz"
