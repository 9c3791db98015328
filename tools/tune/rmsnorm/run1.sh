#!/bin/bash
# Device run 1 for the rmsnorm templates: variant bench + torch baselines + checks.
# Run from the repo root on the GPU machine (the `run` tool); writes logs to $OUT.
D=/tmp/normdefs RUN=run1
. tools/tune/rmsnorm/prelude.sh
V='{"ef":["ld=ef"],"cs":["st=cs"],"i4":["items=4"],"i1":["items=1"],"s2":["stages=2"],"regs":["mode=regs"],"np1":["mode=regs","persist=0","items=1"]}'
python3 tools/tune/rmsnorm/gen_defs.py $D $DS "$V" || exit 1
nvidia-smi --query-gpu=name,clocks.max.sm,clocks.max.mem --format=csv,noheader | tee $L
B=16384
for g in np1 regs tma; do
  if [ $g = tma ]; then names="rmsnorm_h4096 fused_add_rmsnorm_h4096 rmsnorm_h7168 fused_add_rmsnorm_h7168"; for s in ef cs i4 i1 s2; do names="$names rmsnorm_h4096__$s fused_add_rmsnorm_h4096__$s"; done; names="$names rmsnorm_h7168__i4 fused_add_rmsnorm_h7168__i4 rmsnorm_h7168__ef fused_add_rmsnorm_h7168__ef rmsnorm_h7168__i1 fused_add_rmsnorm_h7168__i1";
  else names="rmsnorm_h4096__$g fused_add_rmsnorm_h4096__$g rmsnorm_h7168__$g fused_add_rmsnorm_h7168__$g"; fi
  echo "== bench $g" | tee -a $L
  timeout 40 $K bench $names --axes batch_size=$B --json 2>&1 | tee -a $OUT/bench1.jsonl | python3 -c "
import sys,json
for l in sys.stdin:
  try: d=json.loads(l)
  except Exception: print(l.rstrip()); continue
  print('%-36s %8.2f us %7.0f GB/s frac %.3f copy %.0f' % (d['name'], d['median_ms']*1e3, d['gbps'], d['bandwidth_fraction'], d['peak_copy_gbps']))" | tee -a $L
done
echo "== small batches" | tee -a $L
for b in 1 64 1024; do timeout 20 $K bench rmsnorm_h4096 fused_add_rmsnorm_h4096 rmsnorm_h7168 fused_add_rmsnorm_h7168 --axes batch_size=$b --json 2>&1 | tee -a $OUT/bench1.jsonl | python3 -c "
import sys,json
for l in sys.stdin:
  try: d=json.loads(l)
  except Exception: print(l.rstrip()); continue
  print('%-36s b=%-6s %8.2f us %7.0f GB/s' % (d['name'], d['axes']['batch_size'], d['median_ms']*1e3, d['gbps']))" | tee -a $L; done
echo "== torch" | tee -a $L
timeout 60 python3 tools/tune/rmsnorm/torch_norms.py --hidden 4096 --batches 16384 --compile-batches 16384 2>&1 | grep -v Warning | tee -a $L
echo "== check" | tee -a $L
ALL=$($K list --op-type rmsnorm --json 2>/dev/null | python3 -c "import sys,json; print(' '.join(x['name'] for x in json.load(sys.stdin) if '__' not in x['name'] and not x['name'].startswith('odd_')))")
timeout 60 $K check $ALL --max-workloads 3 2>&1 | tail -16 | tee -a $L
timeout 30 $K check $ALL --axes batch_size=1 2>&1 | tail -14 | tee -a $L
ODD=$(ls $D | grep -E "^(odd|ds)_" | sed "s/.json//" | tr "\n" " ")
timeout 40 $K check $ODD --axes batch_size=517 2>&1 | tail -30 | tee -a $L
VAR=$(ls $D | grep '__' | sed 's/.json//' | tr '\n' ' ')
timeout 40 $K check $VAR --axes batch_size=1000 2>&1 | tail -32 | tee -a $L
