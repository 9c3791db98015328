#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for a GPU sweep on the lent machine, which
# has the NVIDIA driver, CUDA 13, libsqlite3/libxxhash and PyTorch but no
# cpp-httplib and no ../shared: the kjit binary and test/bench programs, the
# one missing shared library (found through the binaries' $ORIGIN rpath), the
# Python package (build/python/kjit: the abi3 extension with libkjit.so next
# to it), and a copy of the flashinfer-trace data.
# Usage: tools/gpu_prepare.sh [BUILD_DIR]   then run tools/gpu_sweep.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build}
rm -rf .device/bin .device/shared .device/python
mkdir -p .device/bin .device/shared .device/python
cp "$b/kjit" "$b/kjit-full" .device/bin/  # kjit execs kjit-full for serve/export/cache
for extra in kjit_gpu_tests reference_dump kjit_reference_dump kjit_launch_bench kjit_rmsnorm_launch_c kjit_rmsnorm_launch_cpp libkjit.so; do
  [ -f "$b/$extra" ] && cp "$b/$extra" .device/bin/ || true
done
cp /usr/lib/x86_64-linux-gnu/libcpp-httplib.so.0.11* .device/bin/ 2>/dev/null || true
if [ -f "$b/python/kjit/_kjit.abi3.so" ]; then
  mkdir -p .device/python/kjit
  cp "$b"/python/kjit/*.py "$b/python/kjit/_kjit.abi3.so" "$b/python/kjit/libkjit.so" .device/python/kjit/
else
  echo "gpu_prepare: $b/python/kjit is not built (cmake --build $b --target kjit_python_package); the python steps will fail" >&2
fi
strip --strip-debug .device/bin/* .device/python/kjit/*.so 2>/dev/null || true
cp -r ../shared/flashinfer-trace .device/shared/
du -sh .device/bin .device/python .device/shared
