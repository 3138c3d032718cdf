#!/usr/bin/env bash
# The main job on the embedded default: install what is missing, build, run `fantasy`.
# Extra arguments go to the CLI call (default: the park's stats as the host).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "${JOBS:-$(nproc)}" --target fantasy_cli >/dev/null
if [ $# -eq 0 ]; then
    set -- --system call park.stats
fi
exec build/release/fantasy "$@"
