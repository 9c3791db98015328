#!/usr/bin/env bash
# Installs dependencies, builds, and runs kjit's main job on its bundled
# definitions with the default cache (~/.cache/kjit): lint, list, warm-up of
# every definition a template serves, cache stats, and `check --all` when a
# GPU is present. The README's run command.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --target kjit   # the CLI only: tools/test.sh builds the tests
kjit=build/kjit
echo "== kjit lint definitions/"
$kjit lint definitions
echo "== kjit list"
$kjit list
if $kjit --help | grep -q '^  warmup'; then
  echo "== kjit warmup"
  $kjit warmup
  echo "== kjit cache stats"
  $kjit cache stats
fi
if $kjit --help | grep -q '^  check' && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  echo "== kjit check --all"
  $kjit check --all
fi
