#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test with ctest.
#   scripts/test.sh              plain build (-Werror), all tests
#   scripts/test.sh --sanitize   ASan+UBSan build, all tests; then TSan on the concurrency tests
# Build trees live in build/ (build/test, build/asan, build/tsan); JOBS overrides parallelism.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash scripts/install-deps.sh
jobs=${JOBS:-$(nproc)}

run_suite() { # dir, cmake args..., then -- ctest args...
    local dir=$1; shift
    local cm=() ct=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do cm+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    ct=("$@")
    cmake -S . -B "$dir" -DFANTASY_WERROR=ON "${cm[@]}" >/dev/null
    cmake --build "$dir" -j "$jobs"
    (cd "$dir" && ctest --output-on-failure -j "$jobs" "${ct[@]}")
}

case "${1:-}" in
    --sanitize)
        export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
        export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
        run_suite build/asan -DCMAKE_BUILD_TYPE=Debug "-DFANTASY_SANITIZE=address;undefined" \
            -- -E '^(install|exports)'
        export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
        run_suite build/tsan -DCMAKE_BUILD_TYPE=Debug -DFANTASY_SANITIZE=thread \
            -- -L concurrency
        ;;
    "")
        run_suite build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo --
        ;;
    *)
        echo "usage: scripts/test.sh [--sanitize]" >&2
        exit 2
        ;;
esac
