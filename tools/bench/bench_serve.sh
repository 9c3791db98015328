#!/usr/bin/env bash
# bench_serve.sh: cached-kernel throughput and latency of `kjit serve` with
# wrk on loopback. Starts a server on a free port with a temporary cache,
# compiles one kernel, then runs wrk against GET /v1/kernels/NAME?arch=A
# (the memory-hit path: cubin body + X-Kjit-Key / X-Kjit-Plan headers).
#
# Usage: tools/bench/bench_serve.sh [KJIT_BINARY] [NAME] [DURATION] [CONNECTIONS] [WRK_THREADS]
# Defaults: build/kjit rmsnorm_h4096 10s 16 2. Targets: >= 5000 req/s, p99 <= 5 ms.
set -euo pipefail
KJIT=${1:-build/kjit}
NAME=${2:-rmsnorm_h4096}
DURATION=${3:-10s}
CONNS=${4:-16}
WRK_THREADS=${5:-2}
ARCH=sm_90a
tmp=$(mktemp -d)
cleanup() { [[ -n "${pid:-}" ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$KJIT" --cache-dir "$tmp/cache" serve --listen 127.0.0.1:0 --threads $((CONNS + 8)) >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/out" && break; sleep 0.1; done
url=$(sed -n 's/^kjit: listening on //p' "$tmp/out")
curl -sf -XPOST "$url/v1/kernels/$NAME/compile" -d "{\"arch\":\"$ARCH\"}" >/dev/null
curl -sf -o /dev/null "$url/v1/kernels/$NAME?arch=$ARCH"
echo "kjit serve bench: $NAME $ARCH, $CONNS connections, $WRK_THREADS wrk threads, $DURATION, $(nproc) cores"
wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$url/v1/kernels/$NAME?arch=$ARCH"
