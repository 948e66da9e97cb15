#!/usr/bin/env bash
# Regenerates include/rlvalue/rlvalue.hpp from the headers present.
set -euo pipefail
cd "$(dirname "$0")/../include"
{
  echo '#pragma once'
  echo '// rlvalue: every public header. Finer headers under rlvalue/<area>/ let'
  echo '// you include less.'
  echo
  find rlvalue -mindepth 2 -name '*.hpp' | LC_ALL=C sort | sed 's/.*/#include "&"/'
} > rlvalue/rlvalue.hpp
