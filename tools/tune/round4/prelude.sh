# prelude.sh — shared start of tools/tune/round4/run1.sh .. run5.sh, sourced on the GPU machine from
# the repository root with RUN set (the log's name) after tools/gpu_prepare.sh and
# `tools/tune/round4/gen_defs.py .device/r4`:
#   K     kjit over the carried dataset definitions and the variant copies in .device/r4
#         (templates and kjit's own definitions from the checkout)
#   L E J the log ($OUT/$RUN.log), stderr of every kjit call ($OUT/err.log), JSON lines ($OUT/$RUN.jsonl)
#   ts    a line with the elapsed seconds into the log
#   run T ARGS...  `kjit ARGS --json` under a T-second timeout; JSON to $J, one line per result to the log
#   v BASE SUFFIX...  BASE__SUFFIX for each suffix ("-": BASE itself)
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions KJIT_CACHE_DIR=/tmp/c4 PYTHONUNBUFFERED=1
K=".device/bin/kjit --definitions .device/shared/flashinfer-trace/definitions --definitions .device/r4"
L=$OUT/$RUN.log E=$OUT/err.log J=$OUT/$RUN.jsonl
t0=$(date +%s)
ts() { echo "-- t=$(( $(date +%s) - t0 ))s $*" | tee -a $L; }
fmt() { python3 -c '
import sys, json
for l in sys.stdin:
    l = l.strip()
    if not l.startswith("{"): continue
    d = json.loads(l)
    if "median_ms" in d:
        print("B %-48s b=%-6s %9.2f us (min %9.2f) %5.0f GB/s frac %.3f copy %.0f %.1f TFLOP/s" % (d["name"], d["axes"].get("batch_size"), d["median_ms"] * 1e3, d["min_ms"] * 1e3, d["gbps"], d["bandwidth_fraction"], d["peak_copy_gbps"], d.get("tflops", 0)))
    elif "status" in d:
        print("C %-48s %s %s" % (d["name"], d["status"], " ".join("%s:%.3g" % (w["status"], w.get("max_absolute_error", -1)) for w in d.get("workloads", []))[:300]))
' | tee -a $L; }
run() { local t=$1; shift; timeout $t $K "$@" --json 2>>$E | tee -a $J | fmt; }
v() { local b=$1; shift; for s in "$@"; do [ "$s" = - ] && echo $b || echo ${b}__$s; done; }
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee -a $L
# same_start TAG NAME...: kjit cubins + plans of NAME... into /tmp/kc and tools/tune/rmsnorm/same_harness.py
# started on them in the background (it compiles torch.compile's kernels, then waits for /tmp/go);
# same_finish TAG (after the kjit benches): let it time, its JSON lines into the log.
same_start() {
  local tag=$1; shift; mkdir -p /tmp/kc
  for n in "$@"; do $K get $n -o /tmp/kc/$n.cubin --plan /tmp/kc/$n.json >/dev/null 2>>$E || echo "get $n failed" | tee -a $L; done
  rm -f /tmp/go
  python3 tools/tune/rmsnorm/same_harness.py --kjit-dir /tmp/kc --names $(echo "$@" | tr ' ' ,) --wait-flag /tmp/go --json $OUT/$tag.json > $OUT/$tag.log 2>&1 &
  HP=$!
}
same_finish() {
  local tag=$1
  for i in $(seq 60); do grep -q "warm done" $OUT/$tag.log && break; kill -0 $HP 2>/dev/null || break; sleep 0.5; done
  touch /tmp/go
  timeout 40 tail -f --pid=$HP $OUT/$tag.log | grep "^{" | tee -a $L
}
