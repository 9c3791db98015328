#!/usr/bin/env bash
# Runs the `duplicates` tool over templates/ (or DIR). The tool reads source files by their
# ending and passes over *.j2, so this copies the templates to a temporary folder with the .j2
# dropped (x.cu.j2 -> x.cu, x.cuh.j2 -> x.cuh; x.plan.j2 -> x.plan.j2.cuh) and runs it there.
# Usage: tools/tune/duplicates_templates.sh [--min-lines N] [--most N] [--templates DIR]
# Line numbers in the output are those of the .j2 files (the copies are byte-identical).
set -euo pipefail
cd "$(dirname "$0")/../.."
src=templates
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --templates) src=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && find . -name '*.j2' -type f) | while read -r f; do
  case "$f" in *.cu.j2|*.cuh.j2) d=$tmp/${f%.j2} ;; *) d=$tmp/$f.cuh ;; esac
  mkdir -p "$(dirname "$d")"
  cp "$src/$f" "$d"
done
(cd "$tmp" && duplicates --repo "$tmp" --seconds 120 "${args[@]}") | sed -E -e 's/\.j2\.cuh\b/@J2@/g; s/\.(cuh|cu)\b/.\1.j2/g; s/@J2@/.j2/g'
