#!/usr/bin/env bash
# Compile time of rlvalue's umbrella header (issue 9): a translation unit that
# includes only <rlvalue/rlvalue.hpp> against one that includes only
# <Eigen/Dense>, each compiled REPS times with `-fsyntax-only` (parsing and
# template definitions) and with a full `-c` (code generation too), both
# -std=c++20 -O2. Prints the median compiler CPU times (user + sys of the
# compiler processes: steadier than wall-clock time on a shared machine) and
# their ratio (the issue asks for at most 1.5).
#
# Usage: bench/compile_time.sh [--headers] [REPS]   (REPS defaults to 5)
#   --headers  also times -fsyntax-only of <Eigen/Dense> plus the headers of
#              layers 0-2 (core, targets, mapping, approx, learners) and plus
#              those of layer 3 (mdp, envs, policies, experiment), and of each
#              public header alone (one run each; the 15 slowest are listed):
#              what to look at when the ratio is too high.
# Environment: CXX (default g++), CXXFLAGS (extra flags).
# Compiles run one after another (never in parallel); on a shared machine run
# it when nothing else compiles, or compare ratios rather than times.
set -euo pipefail
cd "$(dirname "$0")/.."

headers=0
if [[ "${1:-}" == "--headers" ]]; then
  headers=1
  shift
fi
reps="${1:-5}"
cxx="${CXX:-g++}"
eigen_flags="$(pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)"
# shellcheck disable=SC2206  # word splitting of the flag strings is intended
flags=(-std=c++20 -O2 -Iinclude $eigen_flags ${CXXFLAGS:-})

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '#include <Eigen/Dense>\nint main() { return 0; }\n' > "$tmp/eigen_dense.cpp"
printf '#include <rlvalue/rlvalue.hpp>\nint main() { return 0; }\n' > "$tmp/umbrella.cpp"

# CPU seconds (user + sys, compiler driver and its children) of one compile.
seconds() {
  local TIMEFORMAT='%3U %3S' t
  t=$( { time "$cxx" "${flags[@]}" "$@" -o "$tmp/out" >/dev/null; } 2>&1)
  echo "$t" | awk '{ printf "%.3f\n", $1 + $2 }'
}

# Median of the REPS times of one compile.
median_seconds() {
  local i
  for ((i = 0; i < reps; ++i)); do seconds "$@"; done | sort -g |
    awk '{ t[NR] = $1 } END { if (NR % 2) print t[(NR + 1) / 2]; else printf "%.3f\n", (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

echo "compiler: $("$cxx" --version | head -n 1)"
echo "flags:    ${flags[*]}"
echo "medians of $reps runs (compiler CPU seconds, user + sys):"
printf '%-14s %14s %14s %8s\n' mode "<Eigen/Dense>" "rlvalue.hpp" ratio
for mode in -fsyntax-only -c; do
  base=$(median_seconds "$mode" "$tmp/eigen_dense.cpp")
  ours=$(median_seconds "$mode" "$tmp/umbrella.cpp")
  ratio=$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
  printf '%-14s %14s %14s %8s\n' "$mode" "$base" "$ours" "$ratio"
done

if ((headers)); then
  echo
  echo "-fsyntax-only of <Eigen/Dense> plus the headers of a layer (one run each):"
  for layer in "core targets mapping approx learners" "mdp envs policies experiment"; do
    echo '#include <Eigen/Dense>' > "$tmp/layer.cpp"
    for dir in $layer; do
      for h in include/rlvalue/"$dir"/*.hpp; do printf '#include <%s>\n' "${h#include/}"; done
    done >> "$tmp/layer.cpp"
    printf '%s  %s\n' "$(seconds -fsyntax-only "$tmp/layer.cpp")" "$layer"
  done
  echo
  echo "-fsyntax-only of each public header alone (one run each, slowest first):"
  find include/rlvalue -name '*.hpp' ! -name rlvalue.hpp | sort | while read -r h; do
    printf '#include <%s>\n' "${h#include/}" > "$tmp/one.cpp"
    printf '%s %s\n' "$(seconds -fsyntax-only "$tmp/one.cpp")" "${h#include/}"
  done | sort -g -r | head -n 15
fi
