#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole trading stack under tradeipc-run, on the embedded data: every tick sent, the
# summary's order counts equal to the lines the order log gained, shared memory removed;
# a second run appending to the same log; --duration ending a --loop run; Ctrl-C; and an
# order manager that cannot listen (port in use) named in a non-zero exit.
set -u
# In the --enable-sanitizers build every component is an ASan program: keep LeakSanitizer on
# in all of them (whatever the caller's ASAN_OPTIONS say), so that a leak in any component
# makes it exit non-zero and fails the "code 0" checks below.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export ASAN_OPTIONS
build=${TIPC_BUILDDIR:-.}
src=${TIPC_SRCDIR:-.}
run="$build/tradeipc-run"
data="$src/data"
tmp=$(mktemp -d /tmp/tipc-launcher-full.XXXXXX)
bg=
trap '[ -n "$bg" ] && kill "$bg" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
log="$tmp/order_log.txt"

for p in run gateway orderbook strategy order-manager; do
    [ -x "$build/tradeipc-$p" ] || { echo "FAIL: $build/tradeipc-$p not built"; exit 1; }
done

fail() {
    echo "FAIL [$case_name]: $*"
    echo "--- stdout"; cat "$out"; echo "--- stderr"; tail -n 40 "$err"
    fails=$((fails + 1))
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, want $1"; }
has() { grep -q -- "$2" "$1" || fail "no line matching '$2' in ${1##*/}"; }
# field FILE REGEX: the first number after REGEX on the first line matching it.
field() { sed -n "s/$2 *\([0-9][0-9]*\).*/\1/p" "$1" | head -n 1; }
# launch NAME ARGS...: run the launcher (bounded) on the embedded data, ports 0.
launch() {
    case_name=$1
    shift
    out="$tmp/$case_name.out" err="$tmp/$case_name.err"
    timeout 60 "$run" --data "$data" --gateway-port 0 --orders-port 0 --log "$log" "$@" \
        > "$out" 2> "$err"
    rc=$?
}
# The run's shared-memory segments are gone (names from the launcher's first log line).
no_shm_left() {
    books=$(sed -n 's/.*books \(\/[^ ]*\) and \(\/[^ ,]*\),.*/\1 \2/p' "$err" | head -n 1)
    [ -n "$books" ] || fail "no 'books ... and ...' line on stderr"
    for b in $books; do
        [ ! -e "/dev/shm$b" ] || fail "/dev/shm$b left behind"
    done
}
# check_orders: sent = accepted = logged (summary) = what the log gained = tick-to-order n.
check_orders() {
    sent=$(field "$out" "^  orders  *sent")
    logged=$(field "$out" "^  order log ")
    strat=$(sed -n 's/.*strategy \([^ ,]*\),.*/\1/p' "$err" | head -n 1)
    in_log=$(grep -c " strategy=$strat " "$log")
    [ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "no orders sent"
    [ "$logged" = "$sent" ] || fail "summary: $sent sent, $logged logged"
    [ "$in_log" = "$sent" ] || fail "order log has $in_log lines of $strat, summary says $sent"
    has "$out" "^  orders  *sent $sent, accepted $sent, rejected 0,"
    has "$out" "^  tick-to-order  *n=$sent p50="
    has "$out" "^  order round trip  *n=$sent p50="
    has "$out" "^orders: sent $sent = logged $sent = acked $sent: OK$"
}

# 1. The full run on the embedded data, as fast as it goes.
launch full --asap
expect_rc 0
has "$out" "^== tradeipc-run summary: end of data,"
has "$out" "^  ticks sent  *prices 25160, news 12655, total 37815$"
has "$out" "^  prices written  *25160 into /tradeipc_prices_[0-9]* (20 symbols, 0 reconnects)$"
has "$out" "^  news received  *12655$"
for c in order_manager gateway orderbook strategy; do has "$out" "^  $c  *code 0  *0$"; done
has "$err" "^\[gateway      \] [0-9:.]* gateway: end of data: 25160 prices, 12655 news sent$"
check_orders
first=$sent
[ "$(wc -l < "$log")" -eq "$first" ] || fail "the new log has $(wc -l < "$log") lines, want $first"
no_shm_left

# 2. A second run appends to the same log: only its own lines count.
launch again --asap --no-sync --quiet
expect_rc 0
check_orders
[ "$(wc -l < "$log")" -eq $((first + sent)) ] ||
    fail "the log has $(wc -l < "$log") lines, want $first + $sent"
no_shm_left

# 3. --duration ends a --loop run cleanly.
launch duration --loop --rate 20000 --duration 1 --quiet
expect_rc 0
has "$out" "^== tradeipc-run summary: --duration reached,"
for c in order_manager gateway orderbook strategy; do has "$out" "^  $c  *code 0  *0$"; done
check_orders
no_shm_left

# 4. Ctrl-C (SIGINT) in the middle: everything stops, the summary still adds up.
case_name=sigint out="$tmp/sigint.out" err="$tmp/sigint.err"
"$run" --data "$data" --gateway-port 0 --orders-port 0 --log "$log" --loop --quiet \
    > "$out" 2> "$err" &
pid=$!
for _ in $(seq 200); do grep -q "\[strategy\] ready" "$err" && break; sleep 0.05; done
sleep 0.5
kill -INT "$pid"
for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null && fail "launcher still running 15 s after SIGINT"
wait "$pid"
rc=$?
expect_rc 0
has "$out" "^== tradeipc-run summary: interrupted,"
check_orders
no_shm_left

# 5. The order manager's port is taken: it fails, is named, and nothing else starts.
"$build/tradeipc-order-manager" --listen 127.0.0.1:0 --port-file "$tmp/busy.port" \
    --log "$tmp/busy.log" --report-ms 0 > /dev/null 2>&1 &
bg=$!
for _ in $(seq 100); do [ -s "$tmp/busy.port" ] && break; sleep 0.05; done
launch busy --orders-port "$(cat "$tmp/busy.port")" --restarts 1
expect_rc 1
has "$err" "failed: order_manager exited with code 1 before it was ready"
has "$out" "^  order_manager  *code 1  *1  FAILED: "
has "$out" "^  gateway  *not started"
no_shm_left
kill "$bg"
wait "$bg" 2>/dev/null
bg=

echo "launcher-full: $fails failures"
[ "$fails" -eq 0 ]
