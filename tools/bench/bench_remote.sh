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
# Each "machine" is a process with its own cache folder: on a 2-core box the
# two run side by side on the two cores, as two machines would. On a box
# loaded by other work the wall-clock ratio says little (two processes get
# no more CPU than one when many others compete), so the CPU time of each
# machine is printed too: max(m0, m1) / one is the ratio two idle machines
# would see.
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
"$BUILD/kjit_remote_bench" "$URL" "$HIT_DEF" sm_90a 100 | tee "$tmp/hit.json"
python3 - "$tmp/hit.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
p50, x = j["remote_hit_ms_p50"], j["compile_over_hit_p50"]
print(f"remote hit p50 {p50:.2f} ms (target <= 3 ms): {'ok' if p50 <= 3 else 'MISSED'}; "
      f"{x:.0f}x faster than compiling (target >= 20x): {'ok' if x >= 20 else 'MISSED'}")
PY
redis-cli -p "$port" flushall >/dev/null

if [ ! -d "$DATASET" ]; then echo "bench_remote: no dataset at $DATASET; skipping the warm-up part"; exit 0; fi
# warm NAME SHARD REMOTE: one "machine"'s warm-up; $tmp/NAME.time gets its
# wall seconds and the CPU seconds (user + system) it and its children used.
warm() {
  python3 - "$tmp/$1.time" "$tmp/$1.err" env -u KJIT_DEFINITIONS -u KJIT_REMOTE_CACHE "$KJIT" --cache-dir "$tmp/$1" \
      --definitions "$DATASET" --remote-cache "$3" warmup --arch sm_90a -j 1 --shard "$2" --report "$tmp/$1.json" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[3:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[2], "w"))
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"{time.monotonic() - t:.2f} {r.ru_utime + r.ru_stime:.2f}")
PY
}
totals() { python3 -c "import json,sys; t=json.load(open('$tmp/$1.json'))['totals']; print(' '.join(f'{k}={t[k]}' for k in ('items','compiled','remote_hit','hit','failed','skipped')))"; }
wall() { cut -d' ' -f1 "$tmp/$1.time"; }
cpu() { cut -d' ' -f2 "$tmp/$1.time"; }
load() { cut -d' ' -f1 /proc/loadavg; }
now() { date +%s.%N; }

echo "== 2. fleet warm-up: $(ls "$DATASET"/*/*.json | wc -l) definitions, sm_90a (load before: $(load))"
warm one 0/1 "$URL"
printf "one machine, -j1:            wall %6.1f s, CPU %6.1f s  (%s; load after %s)\n" "$(wall one)" "$(cpu one)" "$(totals one)" "$(load)"
redis-cli -p "$port" flushall >/dev/null
t0=$(now); warm m0 0/2 "$URL" & p0=$!; warm m1 1/2 "$URL" & p1=$!; wait $p0 $p1; t1=$(now)
two=$(echo "$t1 - $t0" | bc -l)
printf "two machines, -j1 each:      wall %6.1f s  (m0: CPU %.1f s, %s; m1: CPU %.1f s, %s; load after %s)\n" "$two" \
       "$(cpu m0)" "$(totals m0)" "$(cpu m1)" "$(totals m1)" "$(load)"
printf "ratio two/one, wall: %.2f (target <= 0.6)\n" "$(echo "$two / $(wall one)" | bc -l)"
# What two idle machines would see: the slower machine's CPU time over the one
# machine's (each is one single-threaded process; they share nothing but Redis).
crit=$(python3 -c "print(max($(cpu m0), $(cpu m1)))")
printf "ratio two/one, critical-path CPU: %.2f (max(m0, m1) CPU / one machine's CPU)\n" "$(echo "$crit / $(cpu one)" | bc -l)"
echo "redis now holds $(redis-cli -p "$port" dbsize) values"
t0=$(now); warm s0 0/2 "$URL" & p0=$!; warm s1 1/2 "$URL" & p1=$!; wait $p0 $p1; t1=$(now)
printf "second pass (fresh folders): wall %6.1f s  (s0: %s; s1: %s)\n" "$(echo "$t1 - $t0" | bc -l)" "$(totals s0)" "$(totals s1)"
