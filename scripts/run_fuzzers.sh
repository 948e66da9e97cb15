#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ with clang in build/fuzz
# (RelWithDebInfo, -fsanitize=fuzzer,address,undefined) and runs each one for
# SECONDS (default 60) on a copy of its seed corpus in build/fuzz/corpus/
# (tests/fuzz/corpus/ is never modified). Prints, per harness, the number of
# executions (libFuzzer's stat::number_of_executed_units), the corpus size
# (inputs before and after the run) and the time taken; exits non-zero if any
# harness failed: a crash, a sanitizer report, a leak (-detect_leaks=1), a
# timeout (30 s per input), running out of memory (2 GiB) or no execution
# reported (the failing input is kept in build/fuzz/artifacts/, the log in
# build/fuzz/logs/).
# Usage: scripts/run_fuzzers.sh [SECONDS] [HARNESS...]
# Environment: RLVALUE_FUZZ_JOBS (build parallelism, default 2);
# RLVALUE_FUZZ_PARALLEL (harnesses run at once, default nproc);
# RLVALUE_FUZZ_SEED (libFuzzer's -seed, default 1: a run from the seed corpus
# then tries the same inputs in the same order, so CI does not pass or fail
# by chance; 0: a random seed, for exploration).
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

# libFuzzer and the sanitizer runtimes of Debian's default clang.
bash scripts/install_deps.sh libclang-rt-dev

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

# One harness: runs it for $seconds and writes its exit status, elapsed time
# and corpus sizes to $build/logs/<harness>.result.
run_one() {
  local h="$1" corpus="$build/corpus/$1" log="$build/logs/$1.log"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$h/"* "$corpus/" 2>/dev/null || true
  local corpus_before start end status=0
  corpus_before=$(find "$corpus" -type f | wc -l)
  echo "run_fuzzers: $h for ${seconds}s" >&2
  start=$(date +%s.%N)
  "$build/tests/fuzz/${h}_fuzzer" -max_total_time="$seconds" -seed="${RLVALUE_FUZZ_SEED:-1}" \
    -print_final_stats=1 \
    -detect_leaks=1 -timeout=30 -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$h-" \
    "$corpus" >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  echo "$status $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') $corpus_before" \
    >"$build/logs/$h.result"
}

# libFuzzer runs on one core: the harnesses run side by side, as many at a
# time as there are cores (RLVALUE_FUZZ_PARALLEL), each for $seconds.
parallel="${RLVALUE_FUZZ_PARALLEL:-$(nproc)}"
running=0
for h in "${harnesses[@]}"; do
  rm -f "$build/logs/$h.result"
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
summary=()
for h in "${harnesses[@]}"; do
  corpus="$build/corpus/$h"
  log="$build/logs/$h.log"
  status=1 elapsed="?" corpus_before="?"
  if [ -f "$build/logs/$h.result" ]; then
    read -r status elapsed corpus_before <"$build/logs/$h.result"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  corpus_after=$(find "$corpus" -type f | wc -l)
  if [ "$status" -eq 0 ] && [ -z "$execs" ]; then
    status=1  # libFuzzer exited 0 without its final statistics: not a run
    echo "run_fuzzers: $h reported no executions" >&2
  fi
  if [ "$status" -ne 0 ]; then
    failed=1
    summary+=("$(printf '%-24s FAILED (exit %d) after %ss, %s executions, corpus %s -> %d; see %s' \
      "$h" "$status" "$elapsed" "${execs:-?}" "$corpus_before" "$corpus_after" "$log")")
    grep -E "invariant violated|ERROR: |runtime error|SUMMARY: |Test unit written|Base64: " "$log" \
      | head -n 8 >&2 || true
  else
    summary+=("$(printf '%-24s %12s executions in %6ss, corpus %s -> %d inputs' \
      "$h" "$execs" "$elapsed" "$corpus_before" "$corpus_after")")
  fi
done
echo "run_fuzzers: results"
printf '%s\n' "${summary[@]}"
exit "$failed"
