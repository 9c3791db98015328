#!/usr/bin/env bash
# Stage attribution and alternatives for the sampling template (METHOD.md: time variants that leave
# one stage out): builds overlay template roots under $1 (default /tmp/kjit-sampling-variants),
# each a copy of templates/ with one edit, for `kjit --templates ROOT bench`. Nothing here ships;
# the results go to docs/perf/sampling.md. An edit whose text is not found drops its variant with
# a message, so a template change cannot silently turn a variant into the baseline.
#   shipped     templates/ unchanged
#   copies1     one level-0 histogram copy everywhere (less shared memory; more same-address atomics)
#   copies4     four copies everywhere (shipped: 8 where that costs no CTA per SM, else 2)
#   match       level-0 atomics aggregated per warp: lanes with the same digit combine their count
#               (__match_any_sync + popc) and mass (__reduce_add_sync), one atomic per digit
#   nohist0     no level-0 histogram atomics (WRONG samples: timing only)
#   argmax      every row takes the argmax path (load + level 0 + one exchange)
#   nofilter    top-k / top-p never apply (load + level 0 + the draw)
# Usage: tools/tune/sampling/variants.sh [ROOT]   prints "NAME ROOT" per variant built.
set -uo pipefail
cd "$(dirname "$0")/../../.."
root=${1:-/tmp/kjit-sampling-variants}
rm -rf "$root"; mkdir -p "$root"
variant() {  # variant NAME [FILE OLD NEW]...: copy templates/, replace OLD by NEW in each FILE
  local name=$1; shift
  cp -r templates "$root/$name"
  while [ $# -ge 3 ]; do
    if ! python3 - "$root/$name/$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if old not in text:
    sys.exit(1)
open(path, "w").write(text.replace(old, new))
PY
    then
      echo "variants: $name: '$2' not found in $1, dropped" >&2
      rm -rf "$root/$name"; return
    fi
    shift 3
  done
  echo "$name $root/$name"
}
level0='kjit::radix_add<k_copies, k_has_k, k_has_p, false>(sh.scratch, key >> 23, key, kjit::key_mass(key), copy);'
variant shipped
variant copies1 sampling/sampling_shape.j2 '{%- set copies = 8 if fit8 == fit2 else 2 -%}' '{%- set copies = 1 -%}'
variant copies4 sampling/sampling_shape.j2 '{%- set copies = 8 if fit8 == fit2 else 2 -%}' '{%- set copies = 4 -%}'
variant match sampling/sampling.cu.j2 "$level0" '{
          const unsigned peers = __match_any_sync(__activemask(), key >> 23);
          const bool leader = (threadIdx.x & 31) == static_cast<unsigned>(__ffs(peers) - 1);
          if constexpr (k_has_k) { if (leader) atomicAdd(&sh.scratch.hist.cnt[key >> 23][0], static_cast<unsigned>(__popc(peers))); }
          if constexpr (k_has_p) { const unsigned m = __reduce_add_sync(peers, kjit::key_mass(key)); if (leader) atomicAdd(&sh.scratch.hist.mass[key >> 23][0], m); }
        }'
variant nohist0 sampling/sampling.cu.j2 "$level0" "if (false) $level0"
variant argmax sampling/sampling.cu.j2 'const bool argmax_only = k_has_p && p <= 0.0f;' 'const bool argmax_only = true;'
variant nofilter sampling/sampling.cu.j2 'const bool k_on = k_has_k && k > 0 && k < k_vocab;' 'const bool k_on = false;' \
  sampling/sampling.cu.j2 'const bool p_on = k_has_p && p > 0.0f && p < 1.0f;' 'const bool p_on = false;'
