#!/usr/bin/env bash
# Builds the template fuzzer with clang-14 (libFuzzer + ASan + UBSan) in its own
# folder (build-fuzz-template/) and runs it.
# Usage: tools/dev/fuzz_template.sh [seconds=60]
# Seeds: the golden corpus (tests/data/templates/*/template.j2). Crashes are
# written to build-fuzz-template/ as crash-* files (replay: pass the file).
#
# The engine's stages are compiled directly with clang++ (not through CMake):
# clang-14 cannot compile libstdc++'s std::expected, so environment.cpp and
# context_json.cpp are left out and tests/template/fuzz/shim provides the
# small part of error.h the stages use (see template_fuzz.cpp). An object is
# rebuilt when its source, any engine header or this script is newer.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-60}"
build="$root/build-fuzz-template"
mkdir -p "$build/obj" "$build/corpus"
flags=(-std=gnu++2b -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I"$root/tests/template/fuzz/shim" -I"$root")
objs=()
pids=()
newest_header="$(ls -t "$root"/jit/template/*.h "$root"/tests/template/fuzz/shim/jit/util/*.h | head -1)"
for src in "$root"/jit/template/*.cpp "$root"/tests/template/fuzz/template_fuzz.cpp; do
  case "$(basename "$src")" in environment.cpp|context_json.cpp) continue ;; esac
  obj="$build/obj/$(basename "$src" .cpp).o"
  objs+=("$obj")
  if [[ ! -f "$obj" || "$src" -nt "$obj" || "$0" -nt "$obj" || "$newest_header" -nt "$obj" ]]; then
    clang++-14 "${flags[@]}" -c "$src" -o "$obj" &
    pids+=($!)
    if (( ${#pids[@]} >= 2 )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
clang++-14 -fsanitize=fuzzer,address,undefined "${objs[@]}" -o "$build/kjit_template_fuzz"
for f in "$root"/tests/data/templates/*/template.j2; do
  cp "$f" "$build/corpus/$(basename "$(dirname "$f")").j2"
done
# The differential edge cases seed the corpus too (one file per case).
awk -v dir="$build/corpus" '/^#### /{ f = dir "/edge_" $2 ".j2"; printf "" > f; next } f { print >> f }' \
  "$root/tests/template/edge_cases.txt"
cd "$build"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ./kjit_template_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 corpus
