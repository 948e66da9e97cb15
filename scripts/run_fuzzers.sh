#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ with clang in build/fuzz
# (RelWithDebInfo, -fsanitize=fuzzer,address,undefined) and runs each one for
# SECONDS (default 60) on a copy of its seed corpus in build/fuzz/corpus/
# (tests/fuzz/corpus/ is never modified). Prints, per harness, the number of
# executions (libFuzzer's stat::number_of_executed_units) and the time taken;
# exits non-zero if any harness crashed (its input is kept in
# build/fuzz/artifacts/, its log in build/fuzz/logs/).
# Usage: scripts/run_fuzzers.sh [SECONDS] [HARNESS...]
# Environment: RLVALUE_FUZZ_JOBS (build parallelism, default 2).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "run_fuzzers: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(sequence_targets categorical_projection distributional_updates learner_updates)
fi

bash scripts/install_deps.sh libclang-rt-14-dev

build="$root/build/fuzz"
mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRLVALUE_BUILD_TESTS=ON -DRLVALUE_BUILD_EXAMPLES=OFF -DRLVALUE_BUILD_BENCHMARKS=OFF \
  -DRLVALUE_CHECK_HEADERS=OFF -DRLVALUE_BUILD_FUZZERS=ON >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  echo "run_fuzzers: configuring $build failed" >&2
  exit 1
}
targets=()
for h in "${harnesses[@]}"; do targets+=("${h}_fuzzer"); done
cmake --build "$build" --parallel "${RLVALUE_FUZZ_JOBS:-2}" --target "${targets[@]}"

mkdir -p "$build/logs" "$build/artifacts"
failed=0
summary=()
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$h/"* "$corpus/" 2>/dev/null || true
  log="$build/logs/$h.log"
  echo "run_fuzzers: $h for ${seconds}s" >&2
  start=$(date +%s.%N)
  status=0
  "$build/tests/fuzz/${h}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=30 -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$h-" \
    "$corpus" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  if [ "$status" -ne 0 ]; then
    failed=1
    summary+=("$(printf '%-24s CRASHED (exit %d) after %ss, executions %s; see %s' \
      "$h" "$status" "$elapsed" "${execs:-?}" "$log")")
    grep -E "invariant violated|ERROR: |runtime error|Test unit written" "$log" | head -n 5 >&2 || true
  else
    summary+=("$(printf '%-24s %12s executions in %ss' "$h" "${execs:-?}" "$elapsed")")
  fi
done
echo "run_fuzzers: results"
printf '%s\n' "${summary[@]}"
exit "$failed"
