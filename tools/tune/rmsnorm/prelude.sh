# prelude.sh — shared start of the rmsnorm tuning runs (run1.sh .. run4.sh), sourced on the GPU
# machine from the repo root with D (variant definition folder) and RUN (log name) set:
#   K     kjit over the carried dataset definitions and $D (templates and kjit's own from the checkout)
#   L     the log, $OUT/$RUN.log
#   ts    a timestamped line into the log
#   fmt   kjit bench JSON lines (stdin) -> one aligned line per result (stdout)
export KJIT_TEMPLATES=$PWD/templates KJIT_DEFINITIONS=$PWD/definitions KJIT_CACHE_DIR=/tmp/c PYTHONUNBUFFERED=1
DS=.device/shared/flashinfer-trace/definitions
K=".device/bin/kjit --definitions $DS --definitions $D"
L=$OUT/$RUN.log
ts() { echo "-- $(date +%T) $*" | tee -a $L; }
fmt() { python3 -c "
import sys,json
for l in sys.stdin:
  try: d=json.loads(l)
  except Exception: print(l.rstrip()[:200]); continue
  print('%-36s b=%-6s %8.2f us (min %7.2f) %5.0f GB/s frac %.3f copy %.0f' % (d['name'], d['axes']['batch_size'], d['median_ms']*1e3, d['min_ms']*1e3, d['gbps'], d['bandwidth_fraction'], d['peak_copy_gbps']))"; }
