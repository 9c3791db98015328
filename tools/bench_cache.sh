#!/usr/bin/env bash
# Benchmarks issue "Compile and cache" targets on this machine, in one run:
#  1. in-process hit through Jit::get (p50/p99),
#  2. cold-process disk hit (`kjit compile NAME` when cached) vs a miss (fresh cache),
#  3. NVRTC miss vs `nvcc -cubin` of the same rendered source.
# Usage: tools/bench_cache.sh [NAME]   (default rmsnorm_h4096); needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-rmsnorm_h4096}
b=${BUILD_DIR:-build}
cmake --build "$b" --target kjit kjit_jit_get_bench >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KJIT_CACHE_DIR=$tmp/cache KJIT_ARCH=sm_90a
echo "== 1. in-process hit"
"$b/kjit_jit_get_bench" "$name" 200000
echo "== 2. cold process: disk hit vs miss"
"$b/kjit" compile "$name" >/dev/null
hyperfine -N --warmup 3 --runs 30 --export-json "$tmp/hit.json" "$b/kjit compile $name" 2>/dev/null | grep -E "Time|Range"
hyperfine -N --runs 10 --prepare "rm -rf $tmp/cache" --export-json "$tmp/miss.json" "$b/kjit compile $name" 2>/dev/null | grep -E "Time|Range"
python3 - "$tmp/hit.json" "$tmp/miss.json" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["results"][0]; m = json.load(open(sys.argv[2]))["results"][0]
print(f"disk hit median {h['median']*1e3:.1f} ms, miss median {m['median']*1e3:.1f} ms, miss/hit = {m['median']/h['median']:.1f}x")
PY
echo "== 3. NVRTC vs nvcc on the same rendered source"
"$b/kjit" render "$name" -o "$tmp/k.cu" 2>/dev/null
hyperfine -N --runs 10 --prepare "rm -rf $tmp/cache" --export-json "$tmp/nvrtc.json" "$b/kjit compile $name" 2>/dev/null | grep -E "Time"
hyperfine -N --runs 5 --export-json "$tmp/nvcc.json" \
  "/usr/local/cuda/bin/nvcc -cubin -arch=sm_90a -std=c++17 -I/usr/local/cuda/include -o $tmp/k.cubin $tmp/k.cu" 2>/dev/null | grep -E "Time"
python3 - "$tmp/nvrtc.json" "$tmp/nvcc.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]; b = json.load(open(sys.argv[2]))["results"][0]
print(f"kjit miss (whole process, NVRTC) median {a['median']*1e3:.0f} ms; nvcc -cubin median {b['median']*1e3:.0f} ms; nvcc/kjit = {b['median']/a['median']:.1f}x")
PY
"$b/kjit" compile "$name" --force --json
