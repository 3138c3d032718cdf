#!/usr/bin/env bash
# Build in Release and run every benchmark in bench/ (each prints its table with ratios).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DFANTASY_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench -j "${JOBS:-$(nproc)}" >/dev/null
for b in build/bench/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "== $(basename "$b")"
    "$b"
done
