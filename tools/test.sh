#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (GPU tests skip without a
# device). The README's test command; .ci/run calls it.
# Usage: tools/test.sh [ctest args...]   e.g. tools/test.sh -L template
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
