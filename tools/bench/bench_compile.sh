#!/usr/bin/env bash
# bench_compile.sh — NVRTC compile time of a representative kernel (bf16
# RMSNorm, hidden 4096, sm_90a) next to `nvcc -cubin` of the same source,
# plus what headers, options and automatic PCH change. Builds the benchmark
# (tests/compiler/bench/bench_compile.cpp) in its own build folder and puts
# the report into docs/perf/compile.md between the markers
# `<!-- bench:begin -->` and `<!-- bench:end -->` (the analysis around them
# is written by hand), or prints it with --stdout.
#
# Usage: tools/bench/bench_compile.sh [--iterations N] [--nvcc-iterations N] [--arch A] [--stdout]
#        BUILD_DIR=build-bench tools/bench/bench_compile.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"
iterations=15 nvcc_iterations=5 arch=sm_90a to_stdout=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    --nvcc-iterations) nvcc_iterations="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --stdout) to_stdout=1; shift ;;
    *) echo "usage: $0 [--iterations N] [--nvcc-iterations N] [--arch A] [--stdout]" >&2; exit 2 ;;
  esac
done

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target kjit_compiler_bench -j2 >/dev/null

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
report="$("$build/kjit_compiler_bench" --iterations "$iterations" --nvcc-iterations "$nvcc_iterations" --arch "$arch")"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
machine="$(nproc) cores ($cpu), load average before / after the run: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
body="$(printf '%s\n\nMachine: %s. Date: %s.\nCommand: `tools/bench/bench_compile.sh --iterations %s --nvcc-iterations %s --arch %s`\n' \
  "$report" "$machine" "$(date -u +%Y-%m-%dT%H:%MZ)" "$iterations" "$nvcc_iterations" "$arch")"
printf '%s\n' "$body"
[[ $to_stdout == 1 ]] && exit 0
doc="$root/docs/perf/compile.md"
BODY="$body" python3 - "$doc" <<'PY'
import os, sys
path = sys.argv[1]
text = open(path).read()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
if begin not in text or end not in text:
    sys.exit(f"{path}: markers {begin} / {end} not found")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + os.environ["BODY"] + "\n" + end + tail)
PY
echo "updated $doc" >&2
