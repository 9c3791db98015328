#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for a GPU sweep on the lent machine, which
# has the NVIDIA driver, CUDA 13, libsqlite3/libxxhash and PyTorch but no
# cpp-httplib and no ../shared: the kjit binary and test/bench programs, the
# one missing shared library (found through the binaries' $ORIGIN rpath), and
# a copy of the flashinfer-trace data.
# Usage: tools/gpu_prepare.sh [BUILD_DIR]   then run tools/gpu_sweep.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build}
rm -rf .device/bin .device/shared
mkdir -p .device/bin .device/shared
cp "$b/kjit" "$b/kjit-full" .device/bin/  # kjit execs kjit-full for serve/export/cache
for extra in kjit_gpu_tests reference_dump kjit_reference_dump; do
  [ -f "$b/$extra" ] && cp "$b/$extra" .device/bin/ || true
done
cp /usr/lib/x86_64-linux-gnu/libcpp-httplib.so.0.11* .device/bin/ 2>/dev/null || true
strip --strip-debug .device/bin/* 2>/dev/null || true
cp -r ../shared/flashinfer-trace .device/shared/
du -sh .device/bin .device/shared
