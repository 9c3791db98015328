#!/usr/bin/env bash
# GPU run for issue 21 (fused MoE): compile, check, bench and a summary of the 14 dataset moe
# definitions and kjit's own (definitions/moe). Results go to $OUT (default ./moe-out), three
# files: summary.txt, moe.json (tests/gpu/moe/summarize.py) and moe.tgz (every raw output).
# Run from the repository root on the GPU machine after tools/gpu_prepare.sh (carry .device):
#   tests/gpu/moe/run.sh [STEP...]     (default: every step, about 25 minutes in all)
# Every command has its own timeout, its exit status is logged, and no step stops the run.
# Each step fits one device call of at most 9 minutes; raw output accumulates in /tmp/kjit-moe
# (kept between calls on a warm machine; `compile` starts it afresh), and every call ends by
# writing summary.txt / moe.json / moe.tgz over everything there so far. Split it as:
#   call 1: tests/gpu/moe/run.sh compile check_small check1   (~1.5 + ~1 + ~5 min)
#   call 2: tests/gpu/moe/run.sh sanitize check2              (~2 + ~5 min)
#   call 3: tests/gpu/moe/run.sh check_big                    (~6 min: the two 60 GiB fp32-weight defs)
#   call 4: tests/gpu/moe/run.sh check_ds bench               (~3 + ~4 min; performance is secondary)
# (estimates: not yet run on a GPU.) A check the budget cut off is listed as NO RESULT with
# "skipped: ... budget" in the summary; run its step again (a warm machine keeps what ran).
# (a step run on a fresh machine works alone too: check compiles what it needs).
#   compile    NVRTC for the device's arch, every moe definition (registers / spills in
#              compile.jsonl), and sm_80 (the fallback without fp8 tensor cores).
#   check_small  kjit's small test definitions (tests/gpu/definitions/moe: hidden 256, every
#              template variant) at seq_len 1 / 7 / 300 (small and wide tiles) and the profiles:
#              seconds each, and they localize a failure of the big ones.
#   sanitize   compute-sanitizer memcheck (seq_len 7 and 300) and racecheck (seq_len 7) over the
#              small definitions: out-of-bounds accesses and shared-memory races on real hardware.
#   check1     DeepSeek (EP 8 and all 384 local), the fp8 renorm and fp8 per-tensor definitions;
#   check2     the fp4 (fp32-weight) renorm and routed definitions and kjit's own (definitions/moe);
#              synthesized inputs at seq_len 1, 7, 300, --inputs-profile one_expert (all tokens
#              to one expert) and half_empty (experts with no tokens) at seq_len 300, no_local
#              (DeepSeek EP: no local pick, output zero) at seq_len 7. Two concurrent groups per
#              step (at most ~17 GiB of weights each, host and device).
#   check_big  the two Llama-4 definitions with 128 x (16384 + 8192) x 5120 fp32 weights (60 GiB):
#              one at a time, seq_len 1 / 300 and one_expert at 300.
#   check_ds   the 19 dataset workloads of the DeepSeek EP definition (seq_len 1 .. 14107).
#   bench      decode (seq_len 1, 8) and prefill (4096) medians with the perf model's bytes /
#              flops and the copy bandwidth; torch._scaled_mm's fp8 rate for the ratio (bench_ref.py)
#              and torch's grouped-GEMM MoE layer on the prefill shapes (bench_torch_moe.py).
# The summary (tests/gpu/moe/summarize.py) runs at the end of every call.
set -uo pipefail
cd "$(dirname "$0")/../../.."
final=${OUT:-moe-out}
out=/tmp/kjit-moe
mkdir -p "$final"
steps=${*:-compile check_small sanitize check1 check2 check_ds check_big bench}
has() { [[ " $steps " == *" $1 "* ]]; }
has compile && rm -rf "$out"
mkdir -p "$out"
B=.device/bin
D=.device/shared/flashinfer-trace/definitions
export KJIT_CACHE_DIR=/tmp/kjit-moe-cache KJIT_TEMPLATES=$PWD/templates PYTHONUNBUFFERED=1
K="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $D"
O="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $PWD/definitions/moe"  # kjit's own
T="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $PWD/tests/gpu/definitions/moe"  # small
SMALL="moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 moetest_fp8_block_renorm_topk4_e8 moetest_fp8_tensor_llama4_topk1_e8
  moetest_fp8_tensor_renorm_topk4_e8 moetest_fp4_renorm_topk4_e8 moetest_fp4_llama4_topk1_e8 moetest_fp4_routed_topk4_e8
  moetest_fp4_routed_topk1_e8"
DS_EP=moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048
DS_ALL=moe_fp8_block_scale_ds_routing_topk8_ng1_kg1_e384_h7168_i2048
RENORM="moe_fp8_block_scale_renorm_topk8_e128_h2048_i768 moe_fp8_block_scale_renorm_topk8_e128_h4096_i1536"
FP4="trtllm_fp4_block_scale_moe_topk10_e128_h2048_i512 trtllm_fp4_block_scale_moe_topk8_e128_h2048_i768 trtllm_fp4_block_scale_moe_topk8_e64_h4096_i1536"
ROUTED="trtllm_fp4_block_scale_routed_moe_topk10_e128_h2048_i512 trtllm_fp4_block_scale_routed_moe_topk8_e128_h2048_i768 trtllm_fp4_block_scale_routed_moe_topk1_e16_h5120_i8192"
FP8T="trtllm_fp8_per_tensor_scale_moe_topk1_e128_h5120_i8192 trtllm_fp8_per_tensor_scale_moe_topk8_e128_h2048_i768"
BIG="trtllm_fp4_block_scale_moe_topk1_e128_h5120_i8192 trtllm_fp4_block_scale_routed_moe_topk1_e128_h5120_i8192"
OWN="moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e256_h7168_i2048 moe_fp8_block_scale_renorm_topk8_e128_h2048_i384"
t0=$(date +%s)
# Every command's timeout is cut to what is left of MOE_BUDGET_S (default 500 s) since this
# call started, and commands past it are skipped (logged), so the summary and the archive
# are always written before a 9-minute device call ends.
budget=${MOE_BUDGET_S:-500}
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }
# within T: prints min(T, seconds left), or nothing (status 1) when under 15 s are left.
within() { local left=$(( budget - ($(date +%s) - t0) )); (( left >= 15 )) || return 1; echo $(( $1 < left ? $1 : left )); }

# chk TAG TIMEOUT ARGS...: one kjit check; JSON lines to check_TAG.jsonl, arguments to checks.tsv.
# KC picks the definition set (default: the dataset).
chk() {
  local tag=$1 t; t=$(within "$2"); local ok=$?; shift 2
  printf '%s\t%s\n' "$tag" "$*" >> "$out/checks.tsv"
  if (( ok != 0 )); then  # the summary lists it as NO RESULT with this line
    echo "skipped: this call's budget (MOE_BUDGET_S=$budget) was spent; run the step again" >> "$out/check_$tag.err"
    echo "  check $tag skipped: budget spent"; return 0
  fi
  rm -f "$out/check_$tag.err"
  timeout "$t" ${KC:-$K} check "$@" --json --trace "$out/trace_$tag.jsonl" > "$out/check_$tag.jsonl" 2>> "$out/check_$tag.err"
  local rc=$?
  echo "  [$(( $(date +%s) - t0 ))s] check $tag rc=$rc"
}
# cases DEFS...: seq_len 1 / 7 / 300 and the routing profiles, one kjit check each.
cases() {
  local tag=$1; shift
  for s in 1 7 300; do chk ${tag}_s$s 300 "$@" --axes seq_len=$s; done
  chk ${tag}_one_expert 300 "$@" --axes seq_len=300 --inputs-profile one_expert
  [[ $tag != big* ]] && chk ${tag}_half_empty 300 "$@" --axes seq_len=300 --inputs-profile half_empty
  return 0
}

if has compile; then
  stamp compile
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$out/gpu.txt" 2>&1; cat "$out/gpu.txt"
  timeout "$(within 300 || echo 1)" $K compile $DS_EP $DS_ALL $RENORM $FP4 $ROUTED $FP8T $BIG --json > "$out/compile.jsonl" 2>> "$out/compile.err"
  echo "  compile rc=$?"
  timeout "$(within 120 || echo 1)" $O compile $OWN --json >> "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile own rc=$?"
  timeout "$(within 120 || echo 1)" $T compile $SMALL --json >> "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile small rc=$?"
  timeout "$(within 200 || echo 1)" $K compile $DS_EP $RENORM $FP4 $FP8T --arch sm_80 --json > "$out/compile_sm80.jsonl" 2>> "$out/compile.err"
  echo "  compile sm_80 rc=$?"
  cut -c1-200 "$out/compile.jsonl"
fi

if has check_small; then
  stamp "check_small"
  KC=$T cases small $SMALL
  KC=$T chk small_s2000 120 $SMALL --axes seq_len=2000
  KC=$T chk small_ds_no_local 60 moetest_fp8_block_ds_ng4_kg2_topk4_e16_l8 --axes seq_len=7 --inputs-profile no_local
fi

if has sanitize; then
  stamp "sanitize (compute-sanitizer on the small definitions)"
  CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  san() {  # san TAG TOOL ARGS...: one kjit check under compute-sanitizer; the log's last lines
    local tag=$1 tool=$2 t; shift 2
    t=$(within 150) || { echo "  sanitize $tag skipped: budget spent" | tee "$out/sanitize_$tag.txt"; return 0; }
    timeout "$t" "$CS" --tool "$tool" --target-processes all --print-limit 20 $T check "$@" \
      > "$out/sanitize_$tag.txt" 2>&1
    echo "  [$(( $(date +%s) - t0 ))s] sanitize $tag rc=$?: $(grep -m1 'ERROR SUMMARY' "$out/sanitize_$tag.txt")"
  }
  san memcheck_s7 memcheck $SMALL --axes seq_len=7
  san memcheck_s300 memcheck $SMALL --axes seq_len=300
  san racecheck_s7 racecheck $SMALL --axes seq_len=7
fi

if has check1; then
  stamp "check1 (2 concurrent groups)"
  ( cases ds_ep $DS_EP; chk ds_ep_no_local 300 $DS_EP --axes seq_len=7 --inputs-profile no_local
    cases fp8t $FP8T ) &
  ( cases ds_all $DS_ALL; cases renorm $RENORM ) &
  wait
fi

if has check2; then
  stamp "check2 (2 concurrent groups)"
  ( cases fp4 $FP4; KC=$O cases own $OWN ) &
  ( cases routed $ROUTED ) &
  wait
fi

if has check_big; then
  stamp "check_big (serial)"
  for d in $BIG; do
    tag=big_${d#trtllm_fp4_block_scale_}; tag=${tag%%_e128_h5120_i8192}
    for s in 1 300; do chk ${tag}_s$s 200 $d --axes seq_len=$s; done
    chk ${tag}_one_expert 200 $d --axes seq_len=300 --inputs-profile one_expert
  done
fi

if has check_ds; then
  stamp "check_ds (dataset workloads)"
  chk ds_ep_workloads 480 $DS_EP --all-workloads
fi

if has bench; then
  stamp "bench (serial)"
  bn() {
    local tag=$1 t k=$3; t=$(within "$2") || { echo "  bench $1 skipped: budget spent"; return 0; }; shift 3
    printf '%s\t%s\n' "$tag" "$*" >> "$out/benches.tsv"
    timeout "$t" $k bench "$@" --json > "$out/bench_$tag.jsonl" 2>> "$out/bench_$tag.err"
    echo "  [$(( $(date +%s) - t0 ))s] bench $tag rc=$?"; cut -c1-260 "$out/bench_$tag.jsonl"
  }
  timeout "$(within 120 || echo 1)" python3 tests/gpu/moe/bench_ref.py --json "$out/bench_ref.json" > "$out/bench_ref.txt" 2>&1
  echo "  bench_ref rc=$?"; cat "$out/bench_ref.txt"
  # the same prefill shapes as torch would run them end to end (grouped GEMMs, routing in torch)
  timeout "$(within 200 || echo 1)" python3 tests/gpu/moe/bench_torch_moe.py $(for d in $DS_EP $RENORM; do echo $D/moe/$d.json; done) \
    --seq-len 4096 --json "$out/bench_torch_moe.json" > "$out/bench_torch_moe.txt" 2>&1
  echo "  bench_torch_moe rc=$?"; cat "$out/bench_torch_moe.txt"
  bn prefill_s4096 300 "$K" $DS_EP $RENORM --axes seq_len=4096 --iters 10
  # MOE_DECODE_DEFS narrows the decode set (the 16-17 GiB e384 and fp8 top-1 definitions spend most
  # of their time generating weights)
  for s in 1 8; do bn decode_s$s 240 "$K" ${MOE_DECODE_DEFS:-$DS_EP $DS_ALL $RENORM $FP8T} --axes seq_len=$s --iters 50; done
  bn own_decode_s1 120 "$O" $OWN --axes seq_len=1 --iters 50
fi

stamp summary
timeout 120 python3 tests/gpu/moe/summarize.py "$out" --json "$final/moe.json" > "$final/summary.txt" 2>&1
echo "  summary rc=$?"; cat "$final/summary.txt"
stamp done
tar czf "$final/moe.tgz" -C "$(dirname "$out")" "$(basename "$out")"
