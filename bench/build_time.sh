#!/usr/bin/env bash
# Build time of the C++ tree from clean, without ccache, on this machine. Baseline in the same
# command: the same build with a warm ccache (what a developer sees after `make clean`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
start=$(date +%s)
CCACHE_DISABLE=1 ninja -C "$dir" >/dev/null
cold=$(( $(date +%s) - start ))
ninja -C "$dir" -t clean >/dev/null
CCACHE_DIR="$dir/ccache" ninja -C "$dir" >/dev/null  # fill a private cache
ninja -C "$dir" -t clean >/dev/null
start=$(date +%s)
CCACHE_DIR="$dir/ccache" ninja -C "$dir" >/dev/null
warm=$(( $(date +%s) - start ))
echo "build from clean on $(nproc) cores: ${cold} s without ccache, ${warm} s with a warm ccache, ratio $(awk "BEGIN {printf \"%.1f\", $cold/($warm>0?$warm:1)}")"
