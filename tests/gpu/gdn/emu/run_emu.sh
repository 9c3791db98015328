#!/usr/bin/env bash
# CPU emulation of one kjit kernel against the C++ reference (no GPU needed; slow: every CUDA
# thread is a fiber). From the repository root, after a build (build/kjit, build/lib*.a):
#   tests/gpu/gdn/emu/run_emu.sh NAME [--axes k=v,...] [--q-len N] [--kv-len N] [--empty-first] [--alias OUT=IN] [--seed N]
# EMU_BUILD (default build) is the build folder, EMU_DIR (default /tmp/kjit-emu) the work folder,
# EMU_TEMPLATES (default templates) the template root (a tuning root, tools/tune/overlay.sh, runs
# an overlay variant), EMU_DEFINITIONS another folder to search for NAME first (variant copies),
# EMU_ARCH (default sm_90a) the arch rendered (sm_80 for templates whose sm_90 variant uses
# mbarriers and bulk copies, which the emulation lacks: the DSA kernels).
# NAME is searched in ../shared/flashinfer-trace/definitions, definitions/ and tests/gpu/definitions.
# The kernel is rendered from templates/ with include/kjit_types and include/kjit_mma swapped for
# the host stand-ins beside this script, compiled with g++ together with cuda_emu.h and
# emu_main.cpp, and run on inputs from kjit's own generator; the launch plan comes from
# `kjit get --plan` (an NVRTC compile of the real template, cached under $EMU_DIR).
# Exit: 0 every output (and in-place input) within the check's tolerance, 1 a mismatch, 2 an error,
# 77 the definition is not found outside CI (the dataset is missing: skipped).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
root=$PWD
here=tests/gpu/gdn/emu
name=${1:?usage: run_emu.sh NAME [args...]}
shift
emu_dir=${EMU_DIR:-/tmp/kjit-emu}
build=${EMU_BUILD:-build}
arch=${EMU_ARCH:-sm_90a}
# One work folder per definition, arch and arguments: ctest runs several cases of one definition at once.
work=$emu_dir/$name-$arch-$(printf '%s ' "$@" | md5sum | cut -c1-8)
mkdir -p "$work"
tsrc=${EMU_TEMPLATES:-templates}
def=$(find ${EMU_DEFINITIONS:-} ../shared/flashinfer-trace/definitions definitions tests/gpu/definitions -name "$name.json" 2>/dev/null | head -1)
if [ -z "$def" ]; then
  echo "run_emu: no definition $name.json (is ../shared/flashinfer-trace there?)" >&2
  [ "${CI:-}" = true ] && exit 2
  exit 77  # CTest: skipped
fi
defdir=$(dirname "$def")

# Overlay template root: everything from templates/, but the two CUDA-only includes.
overlay=$work/templates
rm -rf "$overlay"; mkdir -p "$overlay/include"
for d in "$tsrc"/*; do [ "$(basename "$d")" = include ] || cp -r "$d" "$overlay/"; done
cp -r "$tsrc"/include/. "$overlay/include/"
for f in $here/include/*; do rm -f "$overlay/include/$(basename "$f")"; cp "$f" "$overlay/include/"; done
python3 $here/patch_overlay.py "$overlay"  # inline PTX inside shared pieces -> host stand-ins

K="$build/kjit --no-builtin-definitions --definitions $defdir"
KJIT_CACHE_DIR=$emu_dir/cache $K --templates "$tsrc" get "$name" --arch $arch -o "$work/k.cubin" --plan "$work/plan.json" >/dev/null 2>&1 \
  || { echo "run_emu: kjit get $name failed" >&2; exit 2; }
$K --templates "$overlay" render "$name" --arch $arch -o "$work/k.cu"
# Dynamic shared memory: one buffer per emulated CTA.
sed -i -E 's/extern __shared__ [^;]* ([a-z_]+)\[\];/unsigned char* \1 = ::emu::dyn_smem();/' "$work/k.cu"
python3 $here/emu_asm.py "$work/k.cu"   # inline PTX in shared template code -> host stand-ins
python3 $here/gen_entries.py "$work/k.cu"
flags="-std=gnu++23 -O1 -g0 -w -I$root -I/usr/local/cuda/include"
# The driver does not depend on the kernel: built once per $EMU_DIR (a lock keeps parallel runs
# apart), again when its sources or kjit's libraries (their headers: resolve_plan, make_inputs)
# are newer.
(
  flock 9
  stale=0
  [ -f "$emu_dir/emu_main.o" ] || stale=1
  for f in $here/emu_main.cpp $here/cuda_emu.h $build/libkjit_runtime.a $build/libkjit_codegen.a $build/libkjit_definition.a; do
    [ "$f" -nt "$emu_dir/emu_main.o" ] && stale=1
  done
  if [ $stale = 1 ]; then
    g++ $flags -c $here/emu_main.cpp -o "$emu_dir/emu_main.o.tmp" && mv "$emu_dir/emu_main.o.tmp" "$emu_dir/emu_main.o"
  fi
) 9> "$emu_dir/emu_main.lock"
g++ $flags -include $here/cuda_emu.h -x c++ -c "$work/k.cu" -o "$work/k.o"
g++ -o "$work/gdn_emu" "$emu_dir/emu_main.o" "$work/k.o" $build/libkjit_runtime.a $build/libkjit_codegen.a \
  $build/libkjit_definition.a $build/libkjit_template.a $build/libkjit_util.a -lxxhash -ldl -lpthread
"$work/gdn_emu" "$def" "$work/plan.json" "$@"
