#!/usr/bin/env bash
# Builds and runs kjit's libFuzzer targets (tests/fuzz/<target>_fuzz.cpp) with
# clang-14, ASan and UBSan (any UBSan report aborts).
#
# Usage: tools/dev/fuzz.sh TARGET [SECONDS=60] [libFuzzer args...]
#   TARGET   definition   the definition loader (parse + validate + lint signatures)
#            launch_plan  the launch-plan parser and expression evaluator
#            serve        the HTTP request handlers (fake backend), head framing, option allow-list
#            bundle       the cache bundle reader (parse_bundle)
#            all          each of them for SECONDS
#   Extra arguments go to libFuzzer, e.g. -jobs=2 -workers=2, -runs=N, or a
#   crash file to replay it.
# Output: build-fuzz/<target>/ holds the binary, the corpus and any crash-*,
# leak-* or timeout-* file (replay: tools/dev/fuzz.sh TARGET 0 FILE). Each
# run ends with a line "fuzz TARGET: N execs in S s, corpus C, exit RC".
# Exit: the fuzzer's exit code (0: nothing found in the time given; 1: a
# crash, leak or UBSan report; 70: a timeout; libFuzzer's own default of 77 is
# replaced, it would read as "skipped"); 77 when
# clang-14 or its libFuzzer runtime (Debian: clang-14 libclang-rt-14-dev) is
# missing, unless CI=true: then 1 (CI must fuzz; tools/test.sh installs them).
#
# The sources are compiled directly with clang++-14 (not through CMake: the
# rest of the build uses g++), into build-fuzz/obj, shared by the targets
# under a lock. clang-14 cannot compile libstdc++ 12's <expected>, so
# tests/fuzz/shim/expected stands in for it (see that file).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${1:?usage: tools/dev/fuzz.sh definition|launch_plan|serve|bundle|all [SECONDS] [libFuzzer args...]}"
seconds="${2:-60}"
shift $(( $# >= 2 ? 2 : 1 ))

if [[ "$target" == all ]]; then
  rc=0
  for t in definition launch_plan serve bundle; do "$0" "$t" "$seconds" "$@" || rc=$?; done
  exit "$rc"
fi

fuzzer_rt=$(ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -1 || true)
if ! command -v clang++-14 >/dev/null || [[ -z "$fuzzer_rt" ]]; then
  msg="fuzz.sh: clang++-14 and libFuzzer (Debian packages clang-14 libclang-rt-14-dev) are needed"
  if [[ "${CI:-}" == true ]]; then echo "$msg; CI=true, so this is a failure (tools/setup.sh --fuzz installs them)" >&2; exit 1; fi
  echo "$msg; skipping" >&2
  exit 77
fi

common=(jit/util/error.cpp jit/util/json_limits.cpp jit/util/hash.cpp)
definition=(jit/definition/definition.cpp jit/definition/definition_set.cpp jit/definition/dtype.cpp
            jit/definition/issue.cpp jit/definition/lint.cpp jit/definition/names.cpp jit/definition/parse.cpp
            jit/definition/suggest.cpp jit/definition/validate.cpp)
case "$target" in
  definition) srcs=("${common[@]}" "${definition[@]}") ;;
  launch_plan) srcs=("${common[@]}" jit/codegen/launch_plan.cpp) ;;
  serve) srcs=("${common[@]}" "${definition[@]}" jit/codegen/launch_plan.cpp jit/compiler/options.cpp
               jit/compiler/arch.cpp jit/compiler/nvrtc_version.cpp jit/compiler/nvrtc_library.cpp tools/cli/http_api.cpp
               tools/cli/http_head.cpp) ;;
  bundle) srcs=("${common[@]}" cache/bundle.cpp cache/entry_codec.cpp cache/atomic_file.cpp cache/paths.cpp cache/posix_env.cpp) ;;
  *) echo "fuzz.sh: unknown target '$target' (definition, launch_plan, serve, bundle, all)" >&2; exit 2 ;;
esac
srcs+=("tests/fuzz/${target}_fuzz.cpp")

build="$root/build-fuzz"
out="$build/$target"
mkdir -p "$build/obj" "$out/corpus"
flags=(-std=gnu++2b -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -Wno-unused-command-line-argument
       -I"$root/tests/fuzz/shim" -I"$root" -I/usr/local/cuda/include)

# An object is rebuilt when it is missing or older than its source, a header
# it included (from clang's .d file), this script or the shim.
stale() {
  local obj="$1" src="$2" dep="${1%.o}.d"
  [[ -f "$obj" && -f "$dep" ]] || return 0
  [[ "$src" -nt "$obj" || "$0" -nt "$obj" || "$root/tests/fuzz/shim/expected" -nt "$obj" ]] && return 0
  local f
  for f in $(sed -e 's/\\$//' -e 's/^[^:]*://' "$dep"); do
    [[ "$f" -nt "$obj" ]] && return 0
  done
  return 1
}

exec 9>"$build/.lock"
flock 9
objs=()
pids=()
for rel in "${srcs[@]}"; do
  src="$root/$rel"
  obj="$build/obj/${rel//\//_}"
  obj="${obj%.cpp}.o"
  objs+=("$obj")
  if stale "$obj" "$src"; then
    clang++-14 "${flags[@]}" -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj" &
    pids+=($!)
    if (( ${#pids[@]} >= 2 )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
clang++-14 -fsanitize=fuzzer,address,undefined "${objs[@]}" -lxxhash -lcrypto -o "$out/kjit_${target}_fuzz"
flock -u 9

# Seeds: small hand-written inputs, plus real data where there is some.
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
if [[ -d "$root/tests/fuzz/seeds/$target" ]]; then cp "$root/tests/fuzz/seeds/$target"/* "$seeds/"; fi
case "$target" in
  definition)
    i=0
    for f in "$root"/definitions/*/*.json "$root"/../shared/flashinfer-trace/definitions/*/*.json; do
      [[ -f "$f" ]] && cp "$f" "$seeds/def_$((i++)).json"
    done ;;
  bundle)
    # A real bundle from a one-kernel cache (needs build/kjit and NVRTC).
    if [[ -x "$root/build/kjit" ]]; then
      tmp=$(mktemp -d)
      if env -u KJIT_DEFINITIONS "$root/build/kjit" --cache-dir "$tmp/c" get rmsnorm_h128 --arch sm_90a -o "$tmp/k.cubin" >/dev/null 2>&1 &&
         "$root/build/kjit" --cache-dir "$tmp/c" cache export "$seeds/real.kjit" >/dev/null 2>&1; then :; fi
      rm -rf "$tmp"
    fi ;;
esac
dict=()
[[ -f "$root/tests/fuzz/seeds/$target.dict" ]] && dict=(-dict="$root/tests/fuzz/seeds/$target.dict")

# Replay: arguments naming files run just those inputs.
replay=()
for a in "$@"; do [[ -f "$a" ]] && replay+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")"); done
cd "$out"
if (( ${#replay[@]} )); then
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 exec "./kjit_${target}_fuzz" -error_exitcode=1 "${replay[@]}"
fi
log="$out/last_run.log"
set +e
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  "./kjit_${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -error_exitcode=1 \
  -print_final_stats=1 "${dict[@]}" "$@" corpus "$seeds" 2>&1 | tee "$log" |
  grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)|^\s+NEW_FUNC|^"|ecommended dictionary' 
rc=${PIPESTATUS[0]}
set -e
execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}')
echo "fuzz $target: $execs execs in $seconds s, corpus $(ls corpus | wc -l), exit $rc"
exit "$rc"
