#!/bin/sh
# Install what libfantasy's build, tests and CI need on Debian 12 (see ../shared/PLATFORM.md).
# Idempotent: asks dpkg what is missing first; runs apt-get update and install only then, and is
# quiet when everything is already there. Runs as root, or through sudo when not root.
#   scripts/install-deps.sh            install what is missing
#   scripts/install-deps.sh --check    exit 1 and list what is missing, install nothing
set -eu

PACKAGES="
build-essential g++ cmake pkg-config
libssl-dev libcjson-dev libcmocka-dev
libsqlite3-dev sqlite3
libpq-dev postgresql-15
libhiredis-dev redis-server
librdkafka-dev
liblua5.4-dev lua5.4 lua-busted
python3 python3-pytest
clang-tidy-14 clang-format doxygen valgrind
"

check_only=0
case ${1:-} in
--check) check_only=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing=""
for p in $PACKAGES; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$st" != installed ]; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "$check_only" -eq 1 ]; then
    echo "missing:$missing"
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
