#!/usr/bin/env bash
# bench_remote.sh: the remote tier (Redis) on loopback, in one run.
#
#  1. Remote hit vs compile (build/kjit_remote_bench): a ~100 KB cubin's
#     remote hit (local miss, Redis GET, verify_entry, local publish) p50,
#     and the compile it replaces. Targets: p50 <= 3 ms, >= 20x faster.
#  2. Fleet warm-up of the public dataset's definitions for sm_90a: one
#     "machine" (one cache folder, -j1) doing all, then two (two folders,
#     -j1 each, `--shard 0/2` and `1/2` at once) sharing one Redis; then a
#     second pass (fresh folders) that must be all remote hits.
#     Target: two machines <= 0.6x the time of one.
#
# Usage: tools/bench/bench_remote.sh [BUILD_DIR] [HIT_DEFINITION]
# Defaults: build, gemm_n4096_k4096 (kjit's own definition; its sm_90a cubin
# is ~100 KB). Needs redis-server (tools/setup.sh) and the dataset at
# ../shared/flashinfer-trace (or $KJIT_DATASET) for part 2.
# Each "machine" is a process with its own cache folder: on this 2-core box
# the two run side by side on the two cores, which is what two machines
# would do; a loaded box (other jobs) skews both runs alike, not the ratio.
set -euo pipefail
BUILD=${1:-build}
HIT_DEF=${2:-gemm_n4096_k4096}
KJIT="$BUILD/kjit"
DATASET=${KJIT_DATASET:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/flashinfer-trace/definitions}
command -v redis-server >/dev/null || { echo "bench_remote: redis-server is missing (tools/setup.sh)" >&2; exit 1; }
cmake --build "$BUILD" --target kjit kjit_remote_bench >/dev/null

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save "" --appendonly no --logfile "$tmp/redis.log" &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
URL="redis://127.0.0.1:$port"
echo "bench_remote: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), $URL"

echo "== 1. remote hit vs compile ($HIT_DEF, sm_90a)"
"$BUILD/kjit_remote_bench" "$URL" "$HIT_DEF" sm_90a 50 | tee "$tmp/hit.json"
python3 - "$tmp/hit.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"remote hit p50 {j['remote_hit_ms_p50']:.2f} ms (target <= 3 ms): {'ok' if j['remote_hit_ms_p50'] <= 3 else 'MISSED'}; "
      f"{j['compile_over_hit_p50']:.0f}x faster than compiling (target >= 20x): {'ok' if j['compile_over_hit_p50'] >= 20 else 'MISSED'}")
PY
redis-cli -p "$port" flushall >/dev/null

if [ ! -d "$DATASET" ]; then echo "bench_remote: no dataset at $DATASET; skipping the warm-up part"; exit 0; fi
warm() {  # warm NAME SHARD [REMOTE]
  env -u KJIT_DEFINITIONS -u KJIT_REMOTE_CACHE "$KJIT" --cache-dir "$tmp/$1" --definitions "$DATASET" \
      ${3:+--remote-cache "$3"} warmup --arch sm_90a -j 1 --shard "$2" --report "$tmp/$1.json" >/dev/null 2>"$tmp/$1.err" || true
}
totals() { python3 -c "import json,sys; t=json.load(open('$tmp/$1.json'))['totals']; print(' '.join(f'{k}={t[k]}' for k in ('items','compiled','remote_hit','hit','failed','skipped')))"; }
now() { date +%s.%N; }

echo "== 2. fleet warm-up: $(ls "$DATASET"/*/*.json | wc -l) definitions, sm_90a"
t0=$(now); warm one 0/1 "$URL"; t1=$(now)
one=$(echo "$t1 - $t0" | bc -l)
printf "one machine, -j1:            %7.1f s  (%s)\n" "$one" "$(totals one)"
redis-cli -p "$port" flushall >/dev/null
t0=$(now); warm m0 0/2 "$URL" & p0=$!; warm m1 1/2 "$URL" & p1=$!; wait $p0 $p1; t1=$(now)
two=$(echo "$t1 - $t0" | bc -l)
printf "two machines, -j1 each:      %7.1f s  (m0: %s; m1: %s)\n" "$two" "$(totals m0)" "$(totals m1)"
printf "ratio two/one: %.2f (target <= 0.6): %s\n" "$(echo "$two / $one" | bc -l)" \
       "$(echo "$two / $one <= 0.6" | bc -l | sed 's/1/ok/;s/0/MISSED/')"
echo "redis now holds $(redis-cli -p "$port" dbsize) values"
t0=$(now); warm s0 0/2 "$URL" & p0=$!; warm s1 1/2 "$URL" & p1=$!; wait $p0 $p1; t1=$(now)
printf "second pass (fresh folders): %7.1f s  (s0: %s; s1: %s)\n" "$(echo "$t1 - $t0" | bc -l)" "$(totals s0)" "$(totals s1)"
