#!/usr/bin/env bash
# Driver of the standalone rmsnorm GPU harness.
#   tests/gpu/norms/run.sh prepare   # here (no GPU): render + nvcc every case into .device/norms
#   tests/gpu/norms/run.sh device    # on the GPU machine (repo root, .device/norms carried):
#                                    # correctness check, then the timing table, into $OUT (or out/)
# The folder .device/ is git-ignored; carry `.device/norms` to the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/../../.."
case "${1:-}" in
  prepare)
    python3 tests/gpu/norms/harness.py prepare --dir .device/norms ;;
  device)
    out="${OUT:-out/norms}"; mkdir -p "$out"
    export PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv | tee "$out/device.txt"
    status=0
    python3 tests/gpu/norms/harness.py check --dir .device/norms --out "$out/check.txt" || status=$?
    python3 tools/bench/bench_norms.py --dir .device/norms --out "$out/bench.md" ${BENCH_ARGS:-} || status=$?
    exit $status ;;
  *)
    echo "usage: $0 prepare|device" >&2; exit 2 ;;
esac
