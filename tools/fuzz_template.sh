#!/usr/bin/env bash
# Builds the template fuzzer with clang-14 (libFuzzer + ASan + UBSan) in its own
# build folder and runs it. Usage: tools/fuzz_template.sh [seconds=60] [jobs=1]
# Seeds come from the golden corpus (tests/data/templates/*/template.j2).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
build="$root/build-fuzz-template"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DKJIT_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" >/dev/null
cmake --build "$build" --target kjit_template_fuzz -j2
corpus="$build/fuzz-corpus"
mkdir -p "$corpus"
for f in "$root"/tests/data/templates/*/template.j2; do
  cp "$f" "$corpus/$(basename "$(dirname "$f")").j2"
done
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/kjit_template_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 \
  "$corpus"
