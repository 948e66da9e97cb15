#!/usr/bin/env bash
# Builds the API reference (issue 10) with doxygen from the /// comments of
# include/rlvalue/, into build/api/html/index.html.
# Usage: scripts/make_api_docs.sh
# Fails (exit 1) on any doxygen warning, in particular on any public name
# (outside rlvalue::detail) without a /// comment, and on any concept without
# one (doxygen 1.9.4 documents concepts but does not warn about them).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v doxygen >/dev/null 2>&1 || scripts/install_deps.sh doxygen

log=build/api/doxygen-warnings.txt
rm -rf build/api
mkdir -p build/api
status=0
doxygen docs/Doxyfile 2>"$log" || status=$?
# Each warning once (doxygen repeats some for templates).
warnings=$(sort -u "$log" | grep -c . || true)

# Concepts: a `concept Name =` line outside namespace detail must follow a ///
# line (or a line of a /// block ending in a template<> header).
undocumented_concepts=$(awk '
  FNR == 1 { prev = ""; doc = 0 }
  /^[[:space:]]*namespace[[:space:]]+(rlvalue::)?detail[[:space:]]*\{/ { in_detail = 1 }
  in_detail && /^}[[:space:]]*\/\/[[:space:]]*namespace[[:space:]]+(rlvalue::)?detail/ { in_detail = 0 }
  /^[[:space:]]*\/\/\// { doc = 1; next }
  /^[[:space:]]*template[[:space:]]*</ { next }
  /^[[:space:]]*concept[[:space:]]+[A-Za-z_]/ || /^[[:space:]]*template[[:space:]]*<.*>[[:space:]]*concept[[:space:]]/ {
    if (!in_detail && !doc) print FILENAME ":" FNR ": error: concept not documented: " $0
  }
  { doc = 0 }
' $(find include/rlvalue -name '*.hpp' | LC_ALL=C sort))
if [ -n "$undocumented_concepts" ]; then
  printf '%s\n' "$undocumented_concepts" >>"$log"
  warnings=$((warnings + $(printf '%s\n' "$undocumented_concepts" | grep -c .)))
fi

if [ "$status" -ne 0 ] || [ "$warnings" -ne 0 ]; then
  sort -u "$log" >&2
  echo "rlvalue: API reference has $warnings warning(s) (listed above, kept in $log)" >&2
  exit 1
fi
echo "rlvalue: API reference at $(pwd)/build/api/html/index.html"
