#!/bin/bash
# A throwaway PostgreSQL 15 for tests and benchmarks, from Debian's packages.
#
#   scripts/pg-test-server.sh start [--durable] [DIR]   start one; print its conninfo
#   scripts/pg-test-server.sh stop DIR                  stop it and remove everything
#   scripts/pg-test-server.sh pause DIR                 stop the server, keep its data
#   scripts/pg-test-server.sh resume DIR                start it again (same port, same data)
#
# DIR (created when missing; a new temp dir when omitted) receives `conninfo` (one line, libpq
# key=value syntax) and `pgdir` (where the cluster lives). The cluster itself lives in its own
# directory under ${TMPDIR:-/tmp}, so the server user can reach it wherever DIR is. The server
# listens on 127.0.0.1 on a free port, with its socket in that directory; the superuser is
# `fantasy`, trusted without a password.
#
# Default settings are for tests: fsync, synchronous_commit and full_page_writes off (a crash of
# the machine may lose the cluster, which is thrown away anyway). --durable keeps all three on,
# as a production server would run, for benchmarks that must pay for durability.
#
# initdb and pg_ctl refuse to run as root: as root, they run as the `postgres` OS user (Debian's
# package creates it) or, when it is missing, a system user `pgtest` created for the purpose.
set -euo pipefail

BIN=${FANTASY_PG_BIN:-/usr/lib/postgresql/15/bin}
SUPERUSER=fantasy

die() {
    echo "pg-test-server: $*" >&2
    exit 1
}

as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$SERVER_USER" -- "$@"
    else
        "$@"
    fi
}

pick_server_user() {
    SERVER_USER=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
        if id postgres >/dev/null 2>&1; then
            SERVER_USER=postgres
        else
            id pgtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin pgtest
            SERVER_USER=pgtest
        fi
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}

start() {
    local durable=0
    if [ "${1:-}" = "--durable" ]; then
        durable=1
        shift
    fi
    local dir=${1:-}
    [ -x "$BIN/initdb" ] || die "no PostgreSQL 15 in $BIN (apt-get install postgresql-15)"
    if [ -z "$dir" ]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/fantasy-pg.XXXXXX")
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/pgdir" ] || die "$dir already holds a server (stop it first)"
    pick_server_user
    local pg
    pg=$(mktemp -d "${TMPDIR:-/tmp}/fantasy-pgdata.XXXXXX")
    chmod 755 "$pg"
    [ "$(id -u)" -ne 0 ] || chown "$SERVER_USER" "$pg"
    echo "$pg" >"$dir/pgdir"
    as_server_user "$BIN/initdb" -D "$pg/data" -U "$SUPERUSER" -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$pg/initdb.log" 2>&1 ||
        die "initdb failed, see $pg/initdb.log"
    local settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [ "$durable" -eq 1 ]; then
        settings="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
    fi
    local port started=0
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        if as_server_user "$BIN/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 30 -o \
            "-c listen_addresses=127.0.0.1 -p $port -k $pg -c max_connections=300 $settings" \
            start >/dev/null 2>&1; then
            started=1
            break
        fi
    done
    [ "$started" -eq 1 ] || die "the server would not start, see $pg/log"
    echo "-c listen_addresses=127.0.0.1 -p $port -k $pg -c max_connections=300 $settings" \
        >"$pg/options"
    echo "host=127.0.0.1 port=$port dbname=postgres user=$SUPERUSER" >"$dir/conninfo"
    cat "$dir/conninfo"
}

stop() {
    local dir=${1:-}
    [ -n "$dir" ] || die "usage: $0 stop DIR"
    [ -f "$dir/pgdir" ] || die "$dir holds no server"
    local pg
    pg=$(cat "$dir/pgdir")
    pick_server_user
    if [ -d "$pg/data" ]; then
        as_server_user "$BIN/pg_ctl" -D "$pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_server_user "$BIN/pg_ctl" -D "$pg/data" -m immediate -w stop >/dev/null 2>&1 ||
            true
    fi
    rm -rf "$pg"
    rm -f "$dir/pgdir" "$dir/conninfo"
    rmdir "$dir" 2>/dev/null || true
}

pause() {
    local dir=${1:-}
    [ -f "$dir/pgdir" ] || die "usage: $0 pause DIR (a DIR holding a server)"
    local pg
    pg=$(cat "$dir/pgdir")
    pick_server_user
    as_server_user "$BIN/pg_ctl" -D "$pg/data" -m fast -w -t 30 stop >/dev/null
}

resume() {
    local dir=${1:-}
    [ -f "$dir/pgdir" ] || die "usage: $0 resume DIR (a DIR holding a server)"
    local pg
    pg=$(cat "$dir/pgdir")
    pick_server_user
    as_server_user "$BIN/pg_ctl" -D "$pg/data" -l "$pg/log" -w -t 30 -o "$(cat "$pg/options")" \
        start >/dev/null || die "the server would not start again, see $pg/log"
}

case "${1:-}" in
pause | resume)
    cmd=$1
    shift
    "$cmd" "$@"
    ;;
start)
    shift
    start "$@"
    ;;
stop)
    shift
    stop "$@"
    ;;
*)
    echo "usage: $0 start [--durable] [DIR] | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
