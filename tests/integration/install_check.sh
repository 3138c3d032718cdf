#!/bin/sh
# Install the build into a temporary prefix, then build and run a small consumer against it
# through pkg-config (shared library) and through find_package(fantasy) (fantasy::fantasy, and
# fantasy::fantasy_static with its dependencies). `pkg-config --static` is not tried: Debian's
# libpq.pc names static-only libraries (-lpgcommon -lpgport) that libpq-dev does not ship.
#   install_check.sh BUILD_DIR CONSUMER_DIR [CMAKE] [CC]
# The library may land in lib/ or lib/<multiarch>/ (GNUInstallDirs): found by its .pc file.
# FANTASY_CONSUMER_FLAGS (environment) is added when compiling and linking the consumer: a build
# with FANTASY_SANITIZE needs the same -fsanitize flags so the sanitizer runtime loads first.
set -u

build=${1:?usage: install_check.sh BUILD_DIR CONSUMER_DIR [CMAKE] [CC]}
consumer=${2:?usage: install_check.sh BUILD_DIR CONSUMER_DIR [CMAKE] [CC]}
cmake=${3:-cmake}
cc=${4:-cc}
extra=${FANTASY_CONSUMER_FLAGS:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fantasy-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix

fail() {
    echo "FAIL: $*"
    exit 1
}
# run LOG CMD...: run quietly, show the log on failure.
run() {
    log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        cat "$log"
        fail "$*"
    fi
}
# check_output FILE WHAT: the consumer printed one JSON object.
check_output() {
    if [ -x /usr/bin/python3 ]; then
        /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict), d' "$1" ||
            fail "$2 did not print a JSON object: $(cat "$1")"
    else
        grep -q '^{.*}$' "$1" || fail "$2 did not print a JSON object: $(cat "$1")"
    fi
    echo "ok: $2 -> $(head -c 300 "$1")"
}

# 1. Install.
run "$tmp/install.log" "$cmake" --install "$build" --prefix "$prefix"
pc=$(find "$prefix" -name libfantasy.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "no libfantasy.pc installed under $prefix: $(cd "$prefix" && find . -type f)"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
[ -f "$prefix/include/fantasy/fantasy.h" ] || fail "include/fantasy/fantasy.h not installed"
ls "$libdir"/libfantasy.so.* >/dev/null 2>&1 || fail "no libfantasy.so.* in $libdir"
[ -f "$libdir/libfantasy.a" ] || fail "no libfantasy.a in $libdir"
[ -f "$libdir/cmake/fantasy/fantasyConfig.cmake" ] || fail "no cmake/fantasy/fantasyConfig.cmake in $libdir"
echo "ok: installed to $prefix (libdir ${libdir#"$prefix"/})"

# 2. pkg-config, shared library.
PKG_CONFIG_PATH=$pcdir
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs libfantasy) || fail "pkg-config --cflags --libs libfantasy"
case " $flags " in
*"$prefix"*) ;;
*) fail "pkg-config flags do not point into the install prefix: $flags" ;;
esac
# shellcheck disable=SC2086
run "$tmp/pc.log" "$cc" -std=c11 -Wall -Wextra -Werror $extra -o "$tmp/consumer_pc" "$consumer/main.c" $flags
LD_LIBRARY_PATH=$libdir "$tmp/consumer_pc" >"$tmp/pc.out" 2>"$tmp/pc.err" ||
    { cat "$tmp/pc.err"; fail "consumer built with pkg-config exited non-zero"; }
LD_LIBRARY_PATH=$libdir ldd "$tmp/consumer_pc" | grep -q "$libdir/libfantasy.so" ||
    fail "consumer_pc does not load the installed libfantasy.so"
check_output "$tmp/pc.out" "pkg-config (shared)"

unset PKG_CONFIG_PATH

# 3. find_package(fantasy) -> fantasy::fantasy (and fantasy::fantasy_static).
run "$tmp/cmake-configure.log" "$cmake" -S "$consumer" -B "$tmp/cbuild" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra"
dir=$(sed -n 's/^fantasy_DIR:PATH=//p' "$tmp/cbuild/CMakeCache.txt")
case $dir in
"$prefix"/*) ;;
*) fail "find_package(fantasy) found $dir, not the install prefix" ;;
esac
run "$tmp/cmake-build.log" "$cmake" --build "$tmp/cbuild"
LD_LIBRARY_PATH=$libdir "$tmp/cbuild/consumer" >"$tmp/cm.out" 2>"$tmp/cm.err" ||
    { cat "$tmp/cm.err"; fail "consumer built with find_package exited non-zero"; }
check_output "$tmp/cm.out" "find_package fantasy::fantasy"
if [ -x "$tmp/cbuild/consumer_static" ]; then
    "$tmp/cbuild/consumer_static" >"$tmp/cms.out" 2>"$tmp/cms.err" ||
        { cat "$tmp/cms.err"; fail "consumer linked with fantasy::fantasy_static exited non-zero"; }
    check_output "$tmp/cms.out" "find_package fantasy::fantasy_static"
fi
echo "install_check: pkg-config and find_package consumers build and run"
exit 0
