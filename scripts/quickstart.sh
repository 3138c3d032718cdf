#!/usr/bin/env bash
# The main job on the embedded default: install what is missing, build in Release, and run
# `fantasy park-day` (a simulated day at the park on a temporary SQLite store, then its summary).
# Extra arguments go to park-day, e.g. scripts/quickstart.sh --visitors 500 --report day.html
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "${JOBS:-$(nproc)}" --target fantasy_cli >/dev/null
exec build/release/fantasy park-day "$@"
