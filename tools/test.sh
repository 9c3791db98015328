#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (GPU tests skip without a
# device). The README's test command; .ci/run calls it.
# Usage: tools/test.sh [ctest args...]   e.g. tools/test.sh -L template
set -euo pipefail
cd "$(dirname "$0")/.."
# CI fuzzes (the `fuzz` label fails there without clang-14): install it too.
if [ "${CI:-}" = true ]; then tools/setup.sh --fuzz; else tools/setup.sh; fi
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
