#!/usr/bin/env bash
# The main job: installs what is missing, builds every example in Release,
# runs each (full mode; pass --quick for the fast version), writes CSVs to
# out/ and renders their figures to out/*.png.
# Usage: scripts/run_examples.sh [--quick] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
out=out
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=(--quick); shift ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: scripts/run_examples.sh [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
done
scripts/install_deps.sh
cmake --preset release -DRLVALUE_BUILD_TESTS=OFF -DRLVALUE_BUILD_EXAMPLES=ON -DRLVALUE_BUILD_BENCHMARKS=OFF
cmake --build --preset release -j "$(nproc)"
mkdir -p "$out"
status=0
for src in examples/*.cpp; do
  name=$(basename "$src" .cpp)
  echo "== $name =="
  build/release/examples/"$name" "${mode[@]}" --out "$out" || status=1
done
# Debian's matplotlib belongs to the system interpreter, not to whatever
# python3 comes first on PATH.
/usr/bin/python3 examples/plot.py "$out"
exit $status
