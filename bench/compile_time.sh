#!/usr/bin/env bash
# Compile time of rlvalue's umbrella header (issue 9): a translation unit that
# includes only <rlvalue/rlvalue.hpp> against one that includes only
# <Eigen/Dense>, each compiled REPS times with `-fsyntax-only` (parsing and
# template definitions) and with a full `-c` (code generation too), both
# -std=c++20 -O2. Prints the median compiler CPU times (user + sys of the
# compiler processes: steadier than wall-clock time on a shared machine) and
# their ratio (the issue asks for at most 1.5). With g++ it also prints the
# memory the front end allocates (the GGC total of -ftime-report): it does not
# depend on the machine's load, so it shows a change of a few percent that the
# CPU times (which vary by 30% and more on a loaded machine) hide.
#
# Usage: bench/compile_time.sh [--headers] [REPS]   (REPS defaults to 5)
#   --headers  also times -fsyntax-only of <Eigen/Dense> plus the headers of
#              layers 0-2 (core, targets, mapping, approx, learners) and plus
#              those of layer 3 (mdp, envs, policies, experiment), and of
#              <Eigen/Dense> plus each public header (one run each; the 15
#              costliest are listed, by GGC memory with g++): what to look at
#              when the ratio is too high.
# bench/compile_trace.py [HEADER] lists the template instantiations (clang
# -ftime-trace) that a header adds beyond <Eigen/Dense>: what to cut next.
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

# GGC memory (MB, from g++ -ftime-report) of one compile; empty for other
# compilers.
ggc_mb() {
  "$cxx" "${flags[@]}" "$@" -o "$tmp/out" -ftime-report 2>&1 >/dev/null |
    awk '$1 == "TOTAL" { v = $NF; u = substr(v, length(v)); n = v + 0;
      if (u == "k") n /= 1024; else if (u != "M") n /= 1048576; printf "%.0f\n", n }'
}

# Median of the REPS times of one compile.
median_seconds() {
  local i
  for ((i = 0; i < reps; ++i)); do seconds "$@"; done | sort -g |
    awk '{ t[NR] = $1 } END { if (NR % 2) print t[(NR + 1) / 2]; else printf "%.3f\n", (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

# The timings below do not look at the compiler's exit status: check first
# that both translation units compile.
for tu in eigen_dense umbrella; do
  if ! "$cxx" "${flags[@]}" -fsyntax-only "$tmp/$tu.cpp" 2>"$tmp/errors"; then
    echo "error: $tu.cpp does not compile:" >&2
    head -n 20 "$tmp/errors" >&2
    exit 1
  fi
done

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
gcc_like=0
if "$cxx" -v 2>&1 | grep -q '^gcc version'; then gcc_like=1; fi
if ((gcc_like)); then
  echo "front-end memory (MB of GGC, g++ -ftime-report; independent of load):"
  for mode in -fsyntax-only -c; do
    base=$(ggc_mb "$mode" "$tmp/eigen_dense.cpp")
    ours=$(ggc_mb "$mode" "$tmp/umbrella.cpp")
    ratio=$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    printf '%-14s %14s %14s %8s\n' "$mode" "$base" "$ours" "$ratio"
  done
fi

if ((headers)); then
  # "<CPU seconds> <GGC MB>" of -fsyntax-only (two compiles: -ftime-report
  # inflates the time); only the seconds with a compiler other than g++.
  cost() {
    if ((gcc_like)); then
      printf '%s %5s\n' "$(seconds -fsyntax-only "$1")" "$(ggc_mb -fsyntax-only "$1")"
    else
      seconds -fsyntax-only "$1"
    fi
  }
  echo
  echo "-fsyntax-only of <Eigen/Dense> plus the headers of a layer (one run each;"
  echo "CPU seconds, and GGC MB with g++):"
  printf '%s  %s\n' "$(cost "$tmp/eigen_dense.cpp")" "<Eigen/Dense> alone"
  for layer in "core targets mapping approx learners" "mdp envs policies experiment"; do
    echo '#include <Eigen/Dense>' > "$tmp/layer.cpp"
    for dir in $layer; do
      for h in include/rlvalue/"$dir"/*.hpp; do printf '#include <%s>\n' "${h#include/}"; done
    done >> "$tmp/layer.cpp"
    printf '%s  %s\n' "$(cost "$tmp/layer.cpp")" "$layer"
  done
  echo
  echo "-fsyntax-only of <Eigen/Dense> plus each public header (one run each; the"
  echo "15 costliest: by GGC MB with g++, else by CPU seconds):"
  find include/rlvalue -name '*.hpp' ! -name rlvalue.hpp | sort | while read -r h; do
    printf '#include <Eigen/Dense>\n#include <%s>\n' "${h#include/}" > "$tmp/one.cpp"
    if ((gcc_like)); then
      printf '%5s MB  %s\n' "$(ggc_mb -fsyntax-only "$tmp/one.cpp")" "${h#include/}"
    else
      printf '%s s  %s\n' "$(seconds -fsyntax-only "$tmp/one.cpp")" "${h#include/}"
    fi
  done | sort -g -r | head -n 15
fi
