#!/bin/sh
# The `fantasy` CLI contract (API.md "The CLI" and its fine points):
#   fantasy [-c key=value]... [--system | --token TOKEN] call METHOD [ARGS_JSON]
# result JSON on stdout and exit 0; error JSON on stdout and exit 1 (also when the library refuses
# a -c pair); exit 2 for a usage error; ARGS_JSON '-' reads standard input.
#   cli_check.sh PATH/TO/fantasy [EXPECTED_VERSION]
set -u

cli=${1:?usage: cli_check.sh PATH/TO/fantasy [EXPECTED_VERSION]}
version=${2:-}
py=/usr/bin/python3
[ -x "$py" ] || py=python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fantasy-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
n=0

# expect NAME RC PYEXPR [STDIN] -- ARGS...: run the CLI, check its exit status and, when PYEXPR is
# not empty, that all of stdout is one JSON document `d` for which PYEXPR holds.
expect() {
    name=$1 want=$2 check=$3 input=$4
    shift 5
    n=$((n + 1))
    if [ -n "$input" ]; then
        printf '%s\n' "$input" | "$cli" "$@" >"$tmp/out" 2>"$tmp/err"
    else
        "$cli" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    fi
    got=$?
    why=""
    if [ "$got" -ne "$want" ]; then
        why="exit $got, want $want"
    elif [ -n "$check" ]; then
        if ! perr=$("$py" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit("stdout is not one JSON document: %s" % e)
ok = eval(sys.argv[2], {"d": d})
if not ok:
    sys.exit("check failed: %s" % sys.argv[2])
' "$tmp/out" "$check" 2>&1); then
            why=$perr
        fi
    fi
    if [ -n "$why" ]; then
        fails=$((fails + 1))
        echo "FAIL: $name: fantasy $*"
        echo "      $why"
        echo "      stdout: $(head -c 600 "$tmp/out")"
        echo "      stderr: $(head -c 600 "$tmp/err")"
    else
        echo "ok:   $name"
    fi
}

# err CODE STATUS: a Python expression for the error JSON of API.md.
err() {
    printf 'isinstance(d, dict) and set(d) == {"error"} and d["error"]["code"] == "%s" and d["error"]["status"] == %s and isinstance(d["error"]["message"], str)' "$1" "$2"
}

expect "system park.stats" 0 \
    'isinstance(d, dict) and "error" not in d and all(k in d for k in ("products", "queues", "orders", "bus"))' "" -- \
    --system call park.stats
expect "system park.stats with explicit {}" 0 'isinstance(d, dict) and "error" not in d' "" -- \
    --system call park.stats '{}'
expect "anonymous park.stats -> UNAUTHENTICATED" 1 "$(err UNAUTHENTICATED -15)" "" -- \
    call park.stats
expect "bad token -> UNAUTHENTICATED" 1 "$(err UNAUTHENTICATED -15)" "" -- \
    --token not.a.token call park.stats
expect "unknown method -> NOT_FOUND" 1 "$(err NOT_FOUND -2)" "" -- \
    --system call no.such_method
expect "malformed args JSON -> INVALID_ARGUMENT" 1 "$(err INVALID_ARGUMENT -1)" "" -- \
    --system call park.stats '{"a":'
expect "args not an object -> INVALID_ARGUMENT" 1 "$(err INVALID_ARGUMENT -1)" "" -- \
    --system call park.stats '[1]'
expect "-c unknown key -> exit 1" 1 "$(err INVALID_ARGUMENT -1)" "" -- \
    -c nosuchkey=1 --system call park.stats
expect "-c store=bogus: -> exit 1" 1 "$(err INVALID_ARGUMENT -1)" "" -- \
    -c store=bogus: --system call park.stats
expect "-c refusal carries the library's message" 1 \
    "$(err INVALID_ARGUMENT -1) and 'nosuchkey' in d['error']['message']" "" -- \
    -c nosuchkey=1 --system call park.stats
expect "-c key with a quote still gives valid JSON" 1 "$(err INVALID_ARGUMENT -1)" "" -- \
    -c 'bad"key\x=1' --system call park.stats
expect "a park that cannot open -> error JSON, exit 1" 1 "$(err UNAVAILABLE -18)" "" -- \
    -c "store=sqlite:$tmp/no/such/dir/park.db" --system call park.stats
expect "-c store=memory: accepted" 0 'isinstance(d, dict) and "error" not in d' "" -- \
    -c store=memory: --system call park.stats
expect "ARGS - reads stdin (manual clock)" 0 'isinstance(d, dict) and isinstance(d.get("now"), int)' \
    '{"ms":5}' -- -c clock=manual --system call park.advance_clock -
expect "manual clock from clock.start_ms" 0 'd == {"now": 1005}' '{"ms":5}' -- \
    -c clock=manual -c clock.start_ms=1000 --system call park.advance_clock -
expect "advance_clock on the system clock -> INVALID_STATE" 1 "$(err INVALID_STATE -9)" "" -- \
    --system call park.advance_clock '{"ms":5}'
# A payment whose answer was lost is settled by a later process: the sandbox keeps its payments
# in the park's store, so `park.run_due` in another CLI call finds it approved.
db="store=sqlite:$tmp/park.db"
field() { # FIELD: print that field of the JSON object in $tmp/out
    "$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/out" "$1"
}
expect "sqlite: signup" 0 'd["role"] == "USER"' "" -- \
    -c "$db" call accounts.signup '{"username":"walkin","password":"password1"}'
uid=$(field user_id)
expect "sqlite: product" 0 'd["status"] == "DRAFT"' "" -- -c "$db" --system call products.create \
    '{"name":"Day","type":"TICKET","price":{"amount":5000,"currency":"KRW"},"stock":10}'
pid=$(field product_id)
expect "sqlite: open product" 0 'd["status"] == "OPEN"' "" -- -c "$db" --system call \
    products.open "{\"product_id\":\"$pid\"}"
expect "sqlite: order" 0 'd["status"] == "PENDING_PAYMENT"' "" -- -c "$db" --system call \
    orders.create "{\"as_user_id\":\"$uid\",\"product_id\":\"$pid\",\"quantity\":2,\"idempotency_key\":\"k1\"}"
oid=$(field order_id)
expect "sqlite: pay, answer lost -> PAYMENT_UNKNOWN" 1 "$(err PAYMENT_UNKNOWN -14)" "" -- \
    -c "$db" --system call orders.pay \
    "{\"as_user_id\":\"$uid\",\"order_id\":\"$oid\",\"payment_key\":\"timeout_1\",\"amount\":{\"amount\":10000,\"currency\":\"KRW\"}}"
expect "sqlite: run_due in a new process resolves it" 0 'd["payments_resolved"] == 1' "" -- \
    -c "$db" --system call park.run_due
expect "sqlite: the order is PAID with its tickets" 0 \
    'd["status"] == "PAID" and d["payment"] is not None and len(d["tickets"]) == 2' "" -- \
    -c "$db" --system call orders.get "{\"as_user_id\":\"$uid\",\"order_id\":\"$oid\"}"
expect "sqlite: refund in yet another process" 0 'd["status"] == "REFUNDED"' "" -- \
    -c "$db" --system call orders.cancel "{\"as_user_id\":\"$uid\",\"order_id\":\"$oid\"}"
expect "sqlite: stock back" 0 'd["available"] == 10 and d["sold"] == 0 and d["held"] == 0' "" -- \
    -c "$db" --system call products.get "{\"product_id\":\"$pid\"}"
expect "no arguments -> usage" 2 "" "" --
expect "options but no command -> usage" 2 "" "" -- --system
expect "unknown option -> usage" 2 "" "" -- --bogus call park.stats
expect "unknown command -> usage" 2 "" "" -- frobnicate
expect "call without method -> usage" 2 "" "" -- --system call
expect "call with extra argument -> usage" 2 "" "" -- --system call park.stats '{}' extra
expect "-c without a value -> usage" 2 "" "" -- -c
expect "version" 0 "" "" -- version
if [ -n "$version" ] && ! grep -q -F "$version" "$tmp/out"; then
    fails=$((fails + 1))
    echo "FAIL: fantasy version printed '$(cat "$tmp/out")', want $version"
fi
if [ ! -s "$tmp/out" ]; then
    fails=$((fails + 1))
    echo "FAIL: fantasy version printed nothing on stdout"
fi

if [ "$fails" -ne 0 ]; then
    echo "cli_check: $fails of $n checks failed"
    exit 1
fi
echo "cli_check: $n checks passed"
exit 0
