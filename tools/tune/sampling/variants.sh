#!/usr/bin/env bash
# Stage attribution for the sampling template (METHOD.md: time variants that leave one stage out):
# builds overlay template roots under $1 (default /tmp/kjit-sampling-variants), each a copy of
# templates/ with one edit, for `kjit --templates ROOT bench`. Nothing here ships; the results go
# to docs/perf/sampling.md. Variants (the edits are checked: a variant whose sed matched nothing
# is dropped with a message, so a template change cannot silently turn it into the baseline):
#   shipped     templates/ unchanged
#   copies1     one level-0 histogram copy everywhere (less shared memory; more same-address atomics)
#   copies4     four copies everywhere (shipped: 2 for slices <= 64 KiB, 8 above)
#   nohist0     no level-0 histogram atomics (WRONG samples: timing only)
#   argmax      every row takes the argmax path (load + level 0 + one exchange)
#   nofilter    top-k / top-p never apply (load + level 0 + the draw)
# Usage: tools/tune/sampling/variants.sh [ROOT]   prints "NAME ROOT" per variant built.
set -uo pipefail
cd "$(dirname "$0")/../../.."
root=${1:-/tmp/kjit-sampling-variants}
rm -rf "$root"; mkdir -p "$root"
variant() {  # variant NAME FILE SED-EXPRESSION
  local name=$1 file=$2 expr=$3
  cp -r templates "$root/$name"
  if [ -n "$file" ]; then
    sed -i "$expr" "$root/$name/$file"
    if cmp -s "templates/$file" "$root/$name/$file"; then
      echo "variants: $name: the edit matched nothing in $file, dropped" >&2
      rm -rf "$root/$name"; return
    fi
  fi
  echo "$name $root/$name"
}
variant shipped "" ""
variant copies1 sampling/sampling_shape.j2 's/{%- set copies = 2 if slice_bytes <= 65536 else 8 -%}/{%- set copies = 1 -%}/'
variant copies4 sampling/sampling_shape.j2 's/{%- set copies = 2 if slice_bytes <= 65536 else 8 -%}/{%- set copies = 4 -%}/'
variant nohist0 sampling/sampling.cu.j2 's/kjit::radix_add<k_copies, k_has_k, k_has_p, false>(sh.scratch, key >> 23/if (false) kjit::radix_add<k_copies, k_has_k, k_has_p, false>(sh.scratch, key >> 23/'
variant argmax sampling/sampling.cu.j2 's/const bool argmax_only = k_has_p \&\& p <= 0.0f;/const bool argmax_only = true;/'
variant nofilter sampling/sampling.cu.j2 's/const bool k_on = k_has_k \&\& k > 0 \&\& k < k_vocab;/const bool k_on = false;/; s/const bool p_on = k_has_p \&\& p > 0.0f \&\& p < 1.0f;/const bool p_on = false;/'
