#!/usr/bin/env bash
# Build the benchmarks in Release and run every bench/bench_* executable, each measuring the
# library beside its baseline in one run. Their own tables go by as they run; at the end the
# machine-readable lines they print (BENCH, benchmark, backend, threads, ops_per_s,
# baseline_name, baseline_ops_per_s, tab-separated) become one Markdown table with the ratio
# ops/s ÷ baseline ops/s, headed by the machine it ran on.
#
#   bench/run.sh [--out FILE] [--build-dir DIR] [--no-build] [NAME...]
#     --out FILE       also write the table (with the machine) to FILE
#     --build-dir DIR  the Release build tree (default build/bench)
#     --no-build       run what the build tree already holds
#     NAME...          run only these benchmarks (bench_queues or queues); default: all
#
# The environment passes through to every benchmark: BENCH_SECONDS (time per measurement),
# BENCH_THREADS, BENCH_CASES, and FANTASY_BENCH_PG (a PostgreSQL conninfo for bench_postgres,
# which starts a throwaway server of its own when it is unset). JOBS sets build parallelism.
# Exit status: 0 when every benchmark ran and exited 0, 1 otherwise (the table still prints).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

usage() { sed -n '8,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

out="" build=1 dir=build/bench only=()
while [ $# -gt 0 ]; do
    case $1 in
        --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
        --out=*) out=${1#--out=}; shift ;;
        --build-dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h | --help) usage ;;
        -*) echo "bench/run.sh: unknown option $1" >&2; usage ;;
        *) only+=("bench_${1#bench_}"); shift ;;
    esac
done

if [ "$build" -eq 1 ]; then
    bash scripts/install-deps.sh
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DFANTASY_BUILD_TESTS=OFF >/dev/null
    # Only the benchmarks (and the library they link): the CLI or tests are not needed here.
    targets=()
    for src in bench/bench_*.c; do
        targets+=("$(basename "$src" .c)")
    done
    cmake --build "$dir" -j "${JOBS:-$(nproc)}" --target "${targets[@]}" >/dev/null
fi

benches=()
for b in "$dir"/bench/bench_*; do
    if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
    name=$(basename "$b")
    wanted=$((${#only[@]} == 0))
    for o in "${only[@]}"; do
        if [ "$o" = "$name" ]; then wanted=1; fi
    done
    if [ "$wanted" -eq 1 ]; then benches+=("$b"); fi
done
if [ ${#benches[@]} -eq 0 ]; then
    echo "bench/run.sh: no benchmark executables in $dir/bench${only:+ matching ${only[*]}}" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for b in "${benches[@]}"; do
    name=$(basename "$b")
    echo "== $name"
    set +e
    "$b" 2>&1 | tee "$work/$name.log"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "== $name exited with status $rc" >&2
        failed+=("$name (exit $rc)")
    elif ! grep -q $'^BENCH\t' "$work/$name.log"; then
        echo "== $name printed no BENCH lines" >&2
        failed+=("$name (no BENCH lines)")
    fi
    grep $'^BENCH\t' "$work/$name.log" >>"$work/lines" || true
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$dir/CMakeCache.txt" 2>/dev/null || true)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$dir/CMakeCache.txt" 2>/dev/null || true)
{
    echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "Build: ${build_type:-unknown type} ($("${compiler:-cc}" --version 2>/dev/null | head -n 1 || echo "unknown compiler"))."
    echo
    echo "| benchmark | backend | threads | ops/s | baseline | baseline ops/s | ratio |"
    echo "|---|---|---|---:|---|---:|---:|"
    [ -f "$work/lines" ] && awk -F '\t' -f bench/table.awk "$work/lines"
    if [ ${#failed[@]} -gt 0 ]; then
        echo
        echo "Failed: ${failed[*]}."
    fi
} >"$work/table.md"

echo
cat "$work/table.md"
if [ -n "$out" ]; then
    cp "$work/table.md" "$out"
    echo "bench/run.sh: table written to $out" >&2
fi
[ ${#failed[@]} -eq 0 ]
