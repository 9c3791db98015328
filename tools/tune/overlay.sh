#!/usr/bin/env bash
# Builds the tuning template root: a copy of templates/ with tools/tune/overlay/ laid over it
# (each overlay file replaces the shipped file of the same path), and prints its path.
# The overlay files are the shipped stage files with the experiment knobs still in them
# (definition tags "kjit-tune:KEY=VALUE", kjit_tune_* context variables, measured-slower
# variants); without any knob set they render what templates/ renders (the same plans and
# cubins: tools/tune/compare_renders.py record OUT --templates "$(tools/tune/overlay.sh)").
# Usage: tools/tune/overlay.sh [OUT]      (default build/tune-templates; OUT is replaced)
#        build/kjit --templates "$(tools/tune/overlay.sh)" bench NAME__variant ...
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/tune-templates}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
rm -rf "$out"
mkdir -p "$out"
cp -r templates/. "$out"/
cp -r tools/tune/overlay/. "$out"/
echo "$out"
