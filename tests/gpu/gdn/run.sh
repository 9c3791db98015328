#!/usr/bin/env bash
# GPU run for issue 22 (Gated Delta Net and Mamba selective state update): every check and
# benchmark in one go, results to $OUT (default ./gdn-out): summary.txt, gdn.json, gdn.tgz.
# Run from the repository root on the GPU machine after tools/gpu_prepare.sh (carry .device):
#   tests/gpu/gdn/run.sh [STEP...]      steps: compile check bench torch fidelity summary (default: all)
# Never stops at a failure: every command has its own timeout and its exit status is logged.
#   compile   NVRTC for the device's arch: the 7 dataset definitions and the 2 GQA baselines
#             (registers / spills in compile.jsonl); warms the cache for the steps below.
#   check     kjit check, dataset definitions, synthesized inputs, 4 concurrent groups:
#             decode batch 1 / 7 / 256, separate buffers and --alias new_state=state;
#             mtp seq_len 2..8 at batch 7 with pool 19 (shuffled distinct slots), batch 1 / 64,
#             and --alias final_state=initial_state; the intermediate states are compared too;
#             mamba batch 1 / 64 / 512 (shuffled slots in a larger cache), a pad slot
#             (--empty-first), and --alias new_state=state;
#             prefill 1 / 3 / 17 sequences x 1 / 63 / 64 / 65 / 1000 / 4096 tokens, an empty
#             first sequence, random lengths, and --alias new_state=state; kjit's own
#             Qwen3-Next gdn definitions (definitions/gdn) once per stage.
#   bench     serially, after the checks: decode / mtp / mamba at batch 256 (in place), decode at
#             batch 1, prefill 8 x 4096, and kjit's causal GQA prefill at the same heads / dim
#             (tests/gpu/definitions/gdn) for the tokens/s comparison.
#   torch     the prefill definitions' own PyTorch reference on the GPU at 8 x 4096.
#   fidelity  the C++ reference against the definitions' PyTorch reference (small cases).
#   summary   tests/gpu/gdn/summarize.py over everything.
set -uo pipefail
cd "$(dirname "$0")/../../.."
final=${OUT:-gdn-out}
out=/tmp/kjit-gdn
mkdir -p "$final"
steps=${*:-compile check bench torch fidelity summary}
has() { [[ " $steps " == *" $1 "* ]]; }
[[ " $steps " == *" compile "* ]] && { rm -rf "$out"; }
mkdir -p "$out"
B=.device/bin
D=.device/shared/flashinfer-trace/definitions
export KJIT_CACHE_DIR=/tmp/kjit-gdn-cache KJIT_TEMPLATES=$PWD/templates PYTHONUNBUFFERED=1
K="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $D"
G="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions tests/gpu/definitions/gdn"
O="env -u KJIT_DEFINITIONS $B/kjit --no-builtin-definitions --definitions $PWD/definitions/gdn"  # kjit's own (Qwen3-Next, TP 1)
DEC="gdn_decode_qk4_v8_d128_k_last gdn_decode_qk8_v16_d128_k_last"
MTP="gdn_mtp_qk4_v8_d128_k_last gdn_mtp_qk8_v16_d128_k_last"
PRE4=gdn_prefill_qk4_v8_d128_k_last
PRE8=gdn_prefill_qk8_v16_d128_k_last
MAM=mamba_ssu_decode_h64_d64_s128_ng4
GQA="gdntest_gqa_ragged_prefill_causal_h8_kv4_d128 gdntest_gqa_ragged_prefill_causal_h16_kv8_d128"
t0=$(date +%s)
stamp() { echo "== [$(( $(date +%s) - t0 ))s] $*"; }

if has compile; then
  stamp compile
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$out/gpu.txt" 2>&1; cat "$out/gpu.txt"
  timeout 600 $K compile $DEC $MTP $PRE4 $PRE8 $MAM --json > "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile rc=$?"
  timeout 300 $O compile gdn_decode_qk16_v32_d128_k_last gdn_mtp_qk16_v32_d128_k_last gdn_prefill_qk16_v32_d128_k_last --json \
    >> "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile own rc=$?"
  timeout 300 $G compile $GQA --json >> "$out/compile.jsonl" 2>> "$out/compile.err"; echo "  compile gqa rc=$?"
  cut -c1-220 "$out/compile.jsonl"
fi

if has check; then
  stamp "check (4 concurrent groups)"
  # chk TAG TIMEOUT ARGS...: one kjit check; the JSON lines go to check_TAG.jsonl, the
  # arguments to checks.tsv (the summary reads the configuration from there). KC picks the
  # definition set (default: the dataset).
  chk() {
    local tag=$1 t=$2; shift 2
    printf '%s\t%s\n' "$tag" "$*" >> "$out/checks.tsv"
    timeout "$t" ${KC:-$K} check "$@" --json --trace "$out/trace_$tag.jsonl" > "$out/check_$tag.jsonl" 2>> "$out/check_$tag.err"
    local rc=$?  # (before any $(...) below resets $?)
    echo "  [$(( $(date +%s) - t0 ))s] check $tag rc=$rc"
  }
  (
    for bs in 1 7 256; do
      chk decode_b$bs 300 $DEC --axes batch_size=$bs
      chk decode_b${bs}_alias 300 $DEC --axes batch_size=$bs --alias new_state=state
    done
  ) &
  (
    for t in 2 3 4 5 6 7 8; do chk mtp_b7_p19_t$t 300 $MTP --axes batch_size=7,pool_size=19,seq_len=$t; done
    chk mtp_b1_p3_t8 300 $MTP --axes batch_size=1,pool_size=3,seq_len=8
    chk mtp_b64_p80_t3 300 $MTP --axes batch_size=64,pool_size=80,seq_len=3
    chk mtp_b7_p19_t4_alias 300 $MTP --axes batch_size=7,pool_size=19,seq_len=4 --alias final_state=initial_state
    for bs in 1 64 512; do chk mamba_b$bs 300 $MAM --axes batch_size=$bs,state_cache_size=$((bs + bs / 4 + 3)); done
    chk mamba_b64_pad 300 $MAM --axes batch_size=64,state_cache_size=100 --empty-first
    chk mamba_b64_alias 300 $MAM --axes batch_size=64,state_cache_size=100 --alias new_state=state
    chk mamba_b512_alias 300 $MAM --axes batch_size=512,state_cache_size=600 --alias new_state=state
    # kjit's own Qwen3-Next definitions (16 q/k heads, 32 value heads)
    KC=$O chk own_decode_b64_alias 300 gdn_decode_qk16_v32_d128_k_last --axes batch_size=64 --alias new_state=state
    KC=$O chk own_mtp_b8_t4 300 gdn_mtp_qk16_v32_d128_k_last --axes batch_size=8,pool_size=12,seq_len=4
    KC=$O chk own_prefill_n3_l1000 600 gdn_prefill_qk16_v32_d128_k_last --axes num_seqs=3 --q-len 1000
  ) &
  for pre in $PRE4 $PRE8; do
    (
      p=${pre%%_d128_k_last}; p=${p#gdn_prefill_}
      for n in 1 3 17; do
        for len in 1 63 64 65 1000 4096; do chk pre_${p}_n${n}_l$len 600 $pre --axes num_seqs=$n --q-len $len; done
      done
      chk pre_${p}_n1_empty 300 $pre --axes num_seqs=1 --q-len 64 --empty-first
      chk pre_${p}_n3_l65_empty 300 $pre --axes num_seqs=3 --q-len 65 --empty-first
      chk pre_${p}_n17_l1000_empty 600 $pre --axes num_seqs=17 --q-len 1000 --empty-first
      chk pre_${p}_n17_random 600 $pre --axes num_seqs=17,total_seq_len=20000
      chk pre_${p}_n3_l4096_alias 600 $pre --axes num_seqs=3 --q-len 4096 --alias new_state=state
      chk pre_${p}_n17_l65_empty_alias 600 $pre --axes num_seqs=17 --q-len 65 --empty-first --alias new_state=state
    ) &
  done
  wait
fi

if has bench; then
  stamp "bench (serial)"
  bn() {
    local tag=$1 t=$2 k=$3; shift 3
    printf '%s\t%s\n' "$tag" "$*" >> "$out/benches.tsv"
    timeout "$t" $k bench "$@" --json > "$out/bench_$tag.jsonl" 2>> "$out/bench_$tag.err"
    local rc=$?
    echo "  [$(( $(date +%s) - t0 ))s] bench $tag rc=$rc"; cut -c1-260 "$out/bench_$tag.jsonl"
  }
  bn decode_b256 180 "$K" $DEC --axes batch_size=256 --alias new_state=state
  bn decode_b1 120 "$K" $DEC --axes batch_size=1 --alias new_state=state
  bn mtp_b256_t2 240 "$K" $MTP --axes batch_size=256,seq_len=2,pool_size=256 --alias final_state=initial_state
  bn mtp_b256_t4 240 "$K" $MTP --axes batch_size=256,seq_len=4,pool_size=256 --alias final_state=initial_state
  bn mamba_b256 180 "$K" $MAM --axes batch_size=256,state_cache_size=256 --alias new_state=state
  bn mamba_b256_separate 180 "$K" $MAM --axes batch_size=256,state_cache_size=256
  bn prefill_8x4096 300 "$K" $PRE4 $PRE8 --axes num_seqs=8 --q-len 4096 --iters 20
  bn gqa_8x4096 300 "$G" $GQA --axes len_indptr=9 --q-len 4096 --kv-len 4096 --iters 20
fi

if has torch; then
  stamp torch
  timeout 600 python3 tests/gpu/gdn/torch_reference.py --definitions-root $D $PRE4 $PRE8 --seqs 8 --len 4096 \
    --json "$out/torch_reference.json" > "$out/torch_reference.txt" 2>&1; echo "  torch rc=$?"; tail -3 "$out/torch_reference.txt"
fi

if has fidelity; then
  stamp fidelity
  fid=/tmp/kjit-gdn-fid; rm -rf $fid; mkdir -p $fid
  for d in $DEC $MTP $PRE4 $PRE8 $MAM; do
    f=$(find $D -name "$d.json" | head -1)
    timeout 120 $B/kjit_reference_dump "$f" "$fid/$d" --threads 16 > /dev/null 2>> "$out/fidelity.err"
  done
  for d in $PRE4 $PRE8; do  # several chunks' worth of tokens per sequence
    timeout 120 $B/kjit_reference_dump "$(find $D -name "$d.json" | head -1)" "$fid/${d}_long" --batch 3 --q-len 600 --threads 16 \
      > /dev/null 2>> "$out/fidelity.err"
  done
  timeout 600 python3 tools/dev/reference_fidelity.py $fid/* --definitions-root $D --device cuda > "$out/fidelity.jsonl" 2>> "$out/fidelity.err"
  echo "  fidelity rc=$?"; cut -c1-200 "$out/fidelity.jsonl"
fi

if has summary; then
  stamp summary
  python3 tests/gpu/gdn/summarize.py "$out" --json "$final/gdn.json" > "$final/summary.txt" 2>&1; echo "  summary rc=$?"
  cat "$final/summary.txt"
fi
stamp done
tar czf "$final/gdn.tgz" -C "$(dirname "$out")" "$(basename "$out")"
