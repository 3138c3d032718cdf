#!/usr/bin/env bash
# Run each libFuzzer target of tests/fuzz for a while (clang, ASan+UBSan), starting from its
# committed seed corpus; new interesting inputs land in build/fuzz/corpus/<name>/, crashes in
# build/fuzz/. ctest replays only the committed corpus; copy inputs worth keeping there.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
secs=${1:-30}
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DFANTASY_FUZZ=ON \
    "-DFANTASY_SANITIZE=address;undefined" -DFANTASY_BUILD_BENCH=OFF \
    -DFANTASY_WITH_POSTGRES=OFF -DFANTASY_WITH_SQLITE=OFF >/dev/null
cmake --build build/fuzz -j "${JOBS:-$(nproc)}" --target fuzz_call fuzz_conf fuzz_json >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
for t in call conf json; do
    work=build/fuzz/corpus/$t
    mkdir -p "$work"
    echo "== fuzz_$t for ${secs}s"
    (cd build/fuzz && tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=4096 -print_final_stats=0 \
        -artifact_prefix="$PWD/fuzz_$t-" "$PWD/corpus/$t" "$OLDPWD/tests/fuzz/corpus/$t" 2>&1 |
        grep -E '^(#[0-9]+[[:space:]]+DONE|==[0-9]+==ERROR|SUMMARY)' || true)
    if ls build/fuzz/fuzz_$t-* >/dev/null 2>&1; then
        echo "fuzz_$t: crash inputs in build/fuzz/" >&2
        exit 1
    fi
done
echo "fuzz: clean"
