#!/usr/bin/env bash
# Installs the Debian packages rlvalue needs, if any are missing.
# Usage: scripts/install_deps.sh [extra packages...]
set -euo pipefail
packages=(g++ clang cmake ninja-build libeigen3-dev catch2 libbenchmark-dev python3-matplotlib "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "rlvalue: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
