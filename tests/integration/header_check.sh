#!/bin/sh
# Compile every public header alone, as C11 and as C++17, with warnings as errors (STYLE.md
# "Headers"). Headers are found when the test runs, so new ones are covered without reconfiguring.
#   header_check.sh INCLUDE_DIR CC [CXX]
# Each header gets a generated translation unit that includes it twice (the second include
# checks the guard). Exit 0 when all compile, 1 otherwise; the compiler output is printed.
set -u

inc=${1:?usage: header_check.sh INCLUDE_DIR CC [CXX]}
cc=${2:?usage: header_check.sh INCLUDE_DIR CC [CXX]}
cxx=${3:-}

if [ ! -d "$inc/fantasy" ]; then
    echo "header_check: no $inc/fantasy directory" >&2
    exit 1
fi
if [ -z "$cxx" ]; then
    for c in g++ c++ clang++; do
        if command -v "$c" >/dev/null 2>&1; then
            cxx=$c
            break
        fi
    done
fi
if [ -z "$cxx" ]; then
    echo "header_check: no C++ compiler found (install g++)" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fantasy-headers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

cflags="-std=c11 -pedantic -Wall -Wextra -Wstrict-prototypes -Werror"
cxxflags="-std=c++17 -pedantic -Wall -Wextra -Werror"

headers=$(cd "$inc" && find fantasy -name '*.h' -type f | LC_ALL=C sort)
if [ -z "$headers" ]; then
    echo "header_check: no headers under $inc/fantasy" >&2
    exit 1
fi

fail=0
n=0
for h in $headers; do
    n=$((n + 1))
    stem=$(printf '%s' "$h" | tr '/.' '__')
    printf '#include "%s"\n#include "%s"\n' "$h" "$h" >"$tmp/$stem.c"
    cp "$tmp/$stem.c" "$tmp/$stem.cpp"
    # shellcheck disable=SC2086
    if ! out=$("$cc" $cflags -I"$inc" -fsyntax-only "$tmp/$stem.c" 2>&1); then
        echo "FAIL C11:   $h"
        printf '%s\n' "$out"
        fail=1
    else
        echo "ok   C11:   $h"
    fi
    # shellcheck disable=SC2086
    if ! out=$("$cxx" $cxxflags -I"$inc" -fsyntax-only "$tmp/$stem.cpp" 2>&1); then
        echo "FAIL C++17: $h"
        printf '%s\n' "$out"
        fail=1
    else
        echo "ok   C++17: $h"
    fi
done

if [ "$fail" -ne 0 ]; then
    echo "header_check: some of $n headers do not compile alone"
    exit 1
fi
echo "header_check: $n headers compile alone as C11 and C++17"
exit 0
