#!/usr/bin/env bash
# Builds the benchmarks in Release, runs them, and prints rlvalue's
# throughput as ratios to the limits measured in the same binary, then runs
# the Python peers (numpy, torch at one thread and all threads) on the same
# GAE / lambda-return shapes, Q-learning tables and categorical projections
# beside rlvalue's rate, and plots throughput against problem size.
# Usage: scripts/run_benchmarks.sh [extra Google Benchmark flags...]
# Writes out/bench.json, out/peers_*.json and out/bench_throughput.png.
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
/usr/bin/python3 bench/peers/gae_peers.py --bench-json out/bench.json --out out/peers_sequence.json
/usr/bin/python3 bench/peers/q_learning_peers.py --bench-json out/bench.json --out out/peers_q_learning.json
/usr/bin/python3 bench/peers/categorical_projection_peers.py --bench-json out/bench.json \
  --out out/peers_projection.json
/usr/bin/python3 bench/plot_bench.py out/bench.json --out out/bench_throughput.png \
  --peers out/peers_sequence.json out/peers_q_learning.json out/peers_projection.json
