#!/usr/bin/env bash
# The test command: installs what is missing, builds in Release with warnings
# as errors, and runs every test (unit tests, header checks, examples in
# --quick mode).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake --preset release -DRLVALUE_BUILD_TESTS=ON -DRLVALUE_BUILD_EXAMPLES=ON -DRLVALUE_BUILD_BENCHMARKS=ON
cmake --build --preset release -j "$(nproc)"
ctest --preset release -j "$(nproc)"
