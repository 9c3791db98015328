#!/usr/bin/env bash
# Installs kjit's Debian build dependencies (only the missing ones, with one
# apt-get update), then configures and builds into build/. Idempotent: quiet
# when everything is present and up to date.
#
# Usage: tools/setup.sh [--sanitize] [--fuzz] [--build-dir DIR] [--target T]...
#   --target T  build only T (and what it needs), e.g. `kjit` for the CLI alone
#               (tools/run.sh); default: everything, tests included.
#   --fuzz      also install clang-14 and libFuzzer (clang-14 libclang-rt-14-dev,
#               about 50 MiB of packages) for tools/dev/fuzz*.sh and the `fuzz`
#               CTest label; tools/test.sh passes it when CI=true
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cmake_args=()
targets=()
fuzz_deps=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) cmake_args+=(-DKJIT_SANITIZE=ON); build_dir=build-asan ;;
    --build-dir) build_dir="$2"; shift ;;
    --target) targets+=(--target "$2"); shift ;;
    --fuzz) fuzz_deps=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

packages=(build-essential cmake ninja-build pkg-config nlohmann-json3-dev libsqlite3-dev
          libxxhash-dev libgtest-dev libcli11-dev libcpp-httplib-dev libssl-dev python3
          python3-jinja2 python3-dev libdlpack-dev curl libhiredis-dev redis-server)
if [ "$fuzz_deps" = 1 ]; then packages+=(clang-14 libclang-rt-14-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -f /usr/local/cuda/include/nvrtc.h ]; then
  echo "setup: the CUDA 13 toolkit is required at /usr/local/cuda (NVRTC); install it from NVIDIA's CUDA repository" >&2
  exit 1
fi

if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
fi
jobs=$(nproc)
if [ -t 1 ]; then
  cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
else
  # pipefail keeps cmake's status; grep only hides the progress lines.
  cmake --build "$build_dir" -j "$jobs" "${targets[@]}" | { grep -vE '^\[[0-9]+/[0-9]+\] ' || true; }
fi
