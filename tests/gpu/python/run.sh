#!/usr/bin/env bash
# The GPU side of issue #18 (kjit from Python / C++ / C), run on the lent GPU
# machine from the repository root after tools/gpu_prepare.sh filled .device/
# (carry .device). Results (JSON + summary.txt) go to $OUT/python (or
# ./python-out; also packed as $OUT/python.tgz, summary in $OUT/python_summary.txt).
# Each step has its own timeout; split the steps over three calls so that
# each stays under the device tool's 10 minutes (tools/gpu_sweep.sh steps
# python, python_api, python_bench do the same):
#
#   tests/gpu/python/run.sh warm dataset                 # compiles ~90 kernels (-j 16), then the dataset check
#   tests/gpu/python/run.sh torch examples readme log
#   tests/gpu/python/run.sh bench launch_bench layer
#
# Steps:
#   warm          kjit warmup -j 16 of kjit's own and the dataset's definitions (the CLI, same cache)
#   dataset       every served dataset definition through the Python package vs its own torch reference
#   torch         torch.compile(fullgraph=True) and CUDA-graph capture/replay with kjit kernels
#   bench         Python per-call overhead: kjit vs raw cuLaunchKernel (ctypes) vs torch.add
#   launch_bench  C++ / C API per-launch overhead vs raw cuLaunchKernel (kjit_launch_bench)
#   layer         the Llama-3.1-8B decoder layer example: kjit vs torch, CUDA graph
#   examples      the C and C++ rmsnorm launch examples (host-checked)
#   readme        the README's GPU snippets
#   log           KJIT_LOGLEVEL=5 records of a torch call (statistics read back)
set -uo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
final=${OUT:-python-out}
out="$final/python"
mkdir -p "$out"
B=$root/.device/bin
D=$root/.device/shared/flashinfer-trace
export PYTHONPATH=$root/.device/python:$root/tests/gpu/python PYTHONUNBUFFERED=1
export KJIT_CACHE_DIR=${KJIT_CACHE_DIR:-/tmp/kjit-py-cache} KJIT_TEMPLATES=$root/templates
OWN=$root/definitions
steps=${*:-warm dataset torch bench launch_bench layer examples readme log}
has() { [[ " $steps " == *" $1 "* ]]; }
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*" | tee -a "$out/summary.txt"; }
note() { echo "$*" | tee -a "$out/summary.txt"; }

stamp "steps: $steps; python $(python3 -c 'import sys; print(sys.version.split()[0])'); torch $(python3 -c 'import torch; print(torch.__version__)' 2>&1 | tail -1)"
python3 -c "import kjit; print('kjit package:', kjit.__file__)" 2>&1 | tee -a "$out/summary.txt"

if has warm; then
  stamp warm
  KJIT_DEFINITIONS=$OWN timeout 200 $B/kjit warmup -j 16 > "$out/warm_own.txt" 2>&1; note "warmup own rc=$?"
  env -u KJIT_DEFINITIONS timeout 300 $B/kjit --no-builtin-definitions --definitions $D/definitions warmup -j 16 \
    > "$out/warm_dataset.txt" 2>&1; note "warmup dataset rc=$?"
  tail -3 "$out/warm_dataset.txt"
fi
if has dataset; then
  stamp "dataset (Python package vs each definition's torch reference)"
  ( cd tests/gpu/python && KJIT_BUILTIN_DEFINITIONS=0 KJIT_DEFINITIONS=$D/definitions timeout ${DATASET_T:-420} python3 test_dataset.py --dataset $D \
      --max-workloads ${MAXW:-3} --out "$out/python_dataset.jsonl" > "$out/dataset.txt" 2>&1 ); note "dataset rc=$?"
  grep -E "^python dataset check|FAILED:" "$out/dataset.txt" | cut -c1-300 | tee -a "$out/summary.txt"
fi
if has torch; then
  stamp "torch integration (torch.compile, CUDA graphs)"
  KJIT_DEFINITIONS=$OWN timeout 300 python3 tests/gpu/python/test_torch_integration.py --out "$out/python_torch.json" \
    > "$out/torch.txt" 2>&1; note "torch rc=$?"
  grep -E "^(PASSED|FAILED) |torch integration" "$out/torch.txt" | tee -a "$out/summary.txt"
fi
if has bench; then
  stamp "python per-call overhead"
  KJIT_DEFINITIONS=$OWN timeout 200 python3 tests/gpu/python/bench_overhead.py --out "$out/python_bench.json" \
    > "$out/bench.txt" 2>&1; note "bench rc=$?"
  tail -8 "$out/bench.txt" | tee -a "$out/summary.txt"
fi
if has launch_bench; then
  stamp "C++ / C API per-launch overhead"
  for name in rmsnorm_h4096; do
    KJIT_DEFINITIONS=$OWN timeout 120 $B/kjit_launch_bench --name $name --rows 1 > "$out/launch_bench_$name.json" 2> "$out/launch_bench.err"
    note "launch_bench $name rc=$?: $(cat "$out/launch_bench_$name.json")"
  done
fi
if has layer; then
  stamp "Llama-3.1-8B decoder layer: kjit vs torch"
  KJIT_DEFINITIONS=$OWN timeout 400 python3 examples/python/llama_layer.py --json "$out/llama_layer.json" > "$out/layer.txt" 2>&1
  note "layer rc=$?"
  tail -6 "$out/layer.txt" | tee -a "$out/summary.txt"
fi
if has examples; then
  stamp "C and C++ launch examples"
  for ex in kjit_rmsnorm_launch_c kjit_rmsnorm_launch_cpp; do
    KJIT_DEFINITIONS=$OWN timeout 120 $B/$ex > "$out/$ex.txt" 2>&1; note "$ex rc=$? (want 0): $(tail -1 "$out/$ex.txt")"
  done
fi
if has readme; then
  stamp "README GPU snippets"
  KJIT_DEFINITIONS=$OWN timeout 300 python3 tests/python/readme_snippets.py --gpu --build "$root/.device" > "$out/readme.txt" 2>&1
  note "readme rc=$?"; tail -4 "$out/readme.txt" | tee -a "$out/summary.txt"
fi
if has log; then
  stamp "KJIT_LOGLEVEL=5"
  KJIT_DEFINITIONS=$OWN KJIT_LOGLEVEL=5 KJIT_LOGDEST="$out/kjit_log_%i.txt" timeout 120 python3 -c "
import torch, kjit
k = kjit.kernel('gqa_paged_decode_h32_kv8_d128_ps64')
x = torch.ones(2, 4096, device='cuda', dtype=torch.bfloat16)
y = kjit.kernel('rmsnorm_h4096')(x, torch.full((4096,), 2.0, device='cuda', dtype=torch.bfloat16))
torch.cuda.synchronize(); print('rmsnorm of ones times 2:', y.float().mean().item())
" > "$out/log.txt" 2>&1; note "log rc=$?: $(tail -1 "$out/log.txt")"
  cat "$out"/kjit_log_*.txt 2>/dev/null | head -20 | tee -a "$out/summary.txt"
fi
stamp done
cp "$out/summary.txt" "$final/python_summary.txt"
tar czf "$final/python.tgz" -C "$final" python
