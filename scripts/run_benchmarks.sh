#!/usr/bin/env bash
# Builds the benchmarks in Release, runs them, and prints rlvalue's
# throughput as ratios to the limits measured in the same binary, then runs
# the Python peers (numpy, torch) on the same GAE shapes beside rlvalue's rate.
# Usage: scripts/run_benchmarks.sh [extra Google Benchmark flags...]
# Writes out/bench.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh python3-numpy python3-torch
cmake --preset release -DRLVALUE_BUILD_BENCHMARKS=ON
cmake --build --preset release --target rlvalue_bench -j "$(nproc)"
mkdir -p out
build/release/bench/rlvalue_bench --benchmark_format=json --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true "$@" > out/bench.json
/usr/bin/python3 bench/ratios.py out/bench.json
# Debian's numpy and torch belong to the system interpreter.
/usr/bin/python3 bench/peers/gae_peers.py --bench-json out/bench.json
