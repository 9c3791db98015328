#!/usr/bin/env bash
# Benchmarks issue "Compile and cache" targets on this machine, in one run:
#  1. in-process hit through Jit::get (p50/p99),
#  2. cold-process disk hit (`kjit compile NAME` when cached) vs a miss (fresh cache),
#  3. NVRTC miss vs `nvcc -cubin` of the same rendered source.
# Usage: tools/bench/bench_cache.sh [NAME]   (default rmsnorm_h4096); needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
echo "== 3. NVRTC vs nvcc on the same rendered source (interleaved rounds)"
# Rounds alternate the three so that both sides see the same machine state (this 2-vCPU VM's
# speed varies by up to 2x between minutes); ratios are taken per round, then the median.
#   miss:  `kjit compile NAME --force` in an existing cache (the usual miss: a new key);
#          compile_ms is NVRTC alone (its first-use setup included, loading libnvrtc not), wall the process
#   fresh: the first compile into an empty cache dir (also probes NVRTC's identity once)
#   nvcc:  `nvcc -cubin` of the rendered source, same arch and -std
"$b/kjit" render "$name" -o "$tmp/k.cu" 2>/dev/null
python3 - "$b/kjit" "$name" "$tmp" "${ROUNDS:-10}" <<'PY'
import json, shutil, statistics as st, subprocess, sys, time
kjit, name, tmp, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def timed(cmd):
    t = time.perf_counter(); r = subprocess.run(cmd, capture_output=True, text=True); dt = (time.perf_counter() - t) * 1e3
    if r.returncode != 0: sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return dt, r.stdout
nvcc = ["/usr/local/cuda/bin/nvcc", "-cubin", "-arch=sm_90a", "-std=c++17", "-I/usr/local/cuda/include", "-o", f"{tmp}/k.cubin", f"{tmp}/k.cu"]
rows = []
for i in range(rounds):
    wall, out = timed([kjit, "compile", name, "--force", "--json"])
    nvrtc = json.loads(out.splitlines()[0])["compile_ms"]
    fresh_dir = f"{tmp}/fresh"; shutil.rmtree(fresh_dir, ignore_errors=True)
    fresh, _ = timed([kjit, "--cache-dir", fresh_dir, "compile", name])
    nv, _ = timed(nvcc)
    rows.append((nvrtc, wall, fresh, nv))
med = lambda k: st.median(r[k] for r in rows)
ratio = lambda k: st.median(r[3] / r[k] for r in rows)
print(f"rounds {rounds}; medians (ms): NVRTC compile_ms {med(0):.0f} (min {min(r[0] for r in rows):.0f}), "
      f"miss process {med(1):.0f}, fresh-cache process {med(2):.0f}, nvcc -cubin {med(3):.0f} (min {min(r[3] for r in rows):.0f})")
print(f"nvcc / NVRTC compile {ratio(0):.1f}x; nvcc / miss process {ratio(1):.1f}x; nvcc / fresh-cache process {ratio(2):.1f}x (medians of per-round ratios)")
PY
"$b/kjit" compile "$name" --force --json
