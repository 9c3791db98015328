#!/usr/bin/env bash
# bench_warmup.sh: `kjit warmup` wall time with -j1 vs -j2 (and -jN when
# given) over the public dataset's definitions matching a glob, each run
# from an empty temporary cache (so every item compiles). Prints the
# speedup. Needs the dataset at ../shared/flashinfer-trace (or $KJIT_DATASET).
#
# Usage: tools/bench/bench_warmup.sh [KJIT_BINARY] [GLOB] [JOBS...]
# Defaults: build/kjit '*rmsnorm*,gemm*' 1 2 (the issue's set: public rmsnorm + gemm). Target: -j2 >= 1.7x -j1.
set -euo pipefail
KJIT=${1:-build/kjit}
GLOB=${2:-*rmsnorm*,gemm*}
shift $(( $# > 2 ? 2 : $# ))
JOBS=("$@")
[[ ${#JOBS[@]} -eq 0 ]] && JOBS=(1 2)
DATASET=${KJIT_DATASET:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/flashinfer-trace/definitions}
echo "kjit warmup bench: '$GLOB' from $DATASET, sm_90a, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A wall
for j in "${JOBS[@]}"; do
  tmp=$(mktemp -d)
  start=$(date +%s.%N)
  env -u KJIT_DEFINITIONS "$KJIT" --cache-dir "$tmp" --definitions "$DATASET" warmup --arch sm_90a --filter "$GLOB" \
      -j "$j" --report "$tmp/report.json" >/dev/null 2>&1 || { echo "warmup -j$j failed"; exit 1; }
  end=$(date +%s.%N)
  items=$(python3 -c "import json,sys; t=json.load(open('$tmp/report.json'))['totals']; print(t['compiled'])")
  wall[$j]=$(echo "$end - $start" | bc -l)
  printf -- "-j%-3s %3s compiled  %7.2f s\n" "$j" "$items" "${wall[$j]}"
  rm -rf "$tmp"
done
base=${wall[${JOBS[0]}]}
for j in "${JOBS[@]:1}"; do
  printf "speedup -j%s vs -j%s: %.2fx\n" "$j" "${JOBS[0]}" "$(echo "$base / ${wall[$j]}" | bc -l)"
done
