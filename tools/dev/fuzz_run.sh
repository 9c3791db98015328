#!/usr/bin/env bash
# Long fuzz runs of prebuilt targets on a machine with more cores (e.g. the lent GPU host, which
# has no clang): tools/dev/fuzz.sh builds kjit_<target>_fuzz into build-fuzz/<target>/ here; copy
# (or carry) that folder, then on the big machine:
#   tools/dev/fuzz_run.sh DIR SECONDS WORKERS [TARGET...]    (default: every target found in DIR)
# Each target runs WORKERS libFuzzer processes (-jobs=-workers=WORKERS) for SECONDS on its corpus
# (DIR/<target>/corpus, seeded from DIR/<target>/seeds), all targets at once. Prints one line per
# target (executions summed over its workers, findings) and the total; crash inputs stay in
# DIR/<target>/ as crash-*/timeout-*/oom-* for replay with `tools/dev/fuzz.sh TARGET 0 FILE`.
# Exit 0 when no target found anything.
set -uo pipefail
dir=${1:?usage: fuzz_run.sh DIR SECONDS WORKERS [TARGET...]}
seconds=${2:?SECONDS}
workers=${3:?WORKERS}
shift 3
targets=("$@")
if (( ${#targets[@]} == 0 )); then
  for f in "$dir"/*/kjit_*_fuzz; do [[ -x "$f" ]] && targets+=("$(basename "$(dirname "$f")")"); done
fi
(( ${#targets[@]} )) || { echo "fuzz_run: no kjit_*_fuzz under $dir" >&2; exit 2; }
for t in "${targets[@]}"; do
  (
    cd "$dir/$t" || exit 2
    rm -f fuzz-*.log
    mkdir -p corpus
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      "./kjit_${t}_fuzz" -jobs="$workers" -workers="$workers" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 corpus seeds > run.log 2>&1
  ) &
done
wait
total=0
rc=0
for t in "${targets[@]}"; do
  execs=$(cat "$dir/$t"/fuzz-*.log 2>/dev/null | grep -oE 'stat::number_of_executed_units: *[0-9]+' |
          grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}')
  found=$(ls "$dir/$t" | grep -cE '^(crash|timeout|oom|leak)-')
  (( found > 0 )) && rc=1
  echo "fuzz_run $t: $execs executions, $workers workers x $seconds s, corpus $(ls "$dir/$t/corpus" | wc -l), findings $found"
  total=$((total + execs))
done
echo "fuzz_run total: $total executions"
exit "$rc"
