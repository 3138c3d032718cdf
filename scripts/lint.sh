#!/usr/bin/env bash
# Static checks CI runs: clang-format (no diff), clang-tidy-14 with the repository's .clang-tidy
# on the library, the CLI and the tests, and Doxygen over the public headers (the `docs` target,
# whose doc warnings are errors). Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${1:-build/lint}
cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" >/dev/null # generated headers for the tidy run
git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror
git ls-files 'lib/*.c' 'tools/*.c' 'tests/*.c' 'bindings/*.c' 'examples/*.c' 'bench/*.c' |
    xargs -P "${JOBS:-$(nproc)}" -n 8 clang-tidy-14 -p "$build" --quiet 2>&1 |
    { ! grep -E '(error|warning):' | grep -v '^/usr/'; }
# The API reference: doxygen prints each warning (file:line) and the target fails on any.
cmake --build "$build" --target docs
echo "lint: clean"
