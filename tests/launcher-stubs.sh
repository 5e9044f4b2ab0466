#!/bin/sh
# SPDX-License-Identifier: MIT
# tradeipc-run alone: the four components are replaced by one stand-in shell script
# (installed under their names in a temporary --bindir) whose behaviour each case picks
# through STUB_* variables. Checks the start order and readiness hand-over, the port-file
# round trip, output prefixes, STATS/HIST parsing into the summary, the order-log count,
# restarts, failures (named, non-zero exit, nothing left running), --duration, signals.
set -u
build=${TIPC_BUILDDIR:-.}
run="$build/tradeipc-run"
tmp=$(mktemp -d /tmp/tipc-launcher-stubs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ncase=0

# ---- the stand-in component ----
mkdir "$tmp/bin" "$tmp/empty"
cat > "$tmp/bin/stub" <<'EOF'
#!/bin/sh
# Stand-in for tradeipc-<name>. STUB_<NAME> picks a behaviour: ok (default), fail
# (exit 1 before ready), crash-once (exit 3 before ready on the first run), crash (exit 3
# after ready, every run), stubborn (ignores SIGTERM), early (the strategy's STATS and exit
# 0 without ever signalling readiness, as when the data ends before it is connected). STUB_LOOP=1: servers and clients
# run until SIGTERM.
stopped=
trap 'stopped=1' TERM
name=${0##*/}; name=${name#tradeipc-}
var=STUB_$(echo "$name" | tr a-z- A-Z_)
eval "mode=\${$var:-ok}"
[ "$mode" = stubborn ] && trap '' TERM
echo "$name $$ $*" >> "$STUB_DIR/started"
for a in "$@"; do
    case $a in --port-file=*) pf=${a#--port-file=} ;; --log=*) log=${a#--log=} ;; esac
done
case $mode in
fail) echo "simulated start failure" >&2; exit 1 ;;
crash-once) [ -e "$STUB_DIR/$name.crashed" ] || { touch "$STUB_DIR/$name.crashed"; exit 3; } ;;
early)
    echo "STATS strategy news_received=2 prices_seen=3 orders_sent=2 accepted=2 rejected=0 duplicates=0 resent=0 unacked=0"
    exit 0 ;;
esac
# As the real order manager: a torn last line (no '\n') is cut off at start.
if [ "$name" = order-manager ] && [ -f "$log" ]; then
    n=$(wc -l < "$log") && head -n "$n" "$log" > "$log.cut" && mv "$log.cut" "$log"
fi
case $name in order-manager) port=4102 ;; *) port=4101 ;; esac
[ -n "${pf:-}" ] && echo "$port" > "$pf"
echo R >&3
exec 3>&-
echo "hello from $name"
echo "a line on stderr" >&2
[ "$mode" = crash ] && exit 3
idle() { while [ -z "$stopped" ]; do sleep 0.05; done; }
case $name in
order-manager)
    idle
    # Log two orders of the strategy this run started (its --name), plus one of another.
    strat=$(sed -n 's/^strategy .* --name=\([^ ]*\).*/\1/p' "$STUB_DIR/started" | tail -n 1)
    for i in 1 2 3; do
        [ "$i" = 3 ] && strat=other
        ns=$(date +%s%N)
        ts=$(date -u -d "@${ns%?????????}.${ns#??????????}" +%Y-%m-%dT%H:%M:%S.%NZ)
        echo "$ts order_id=$((i + 1)) client_id=s-$i strategy=$strat symbol=AAPL side=BUY qty=100 price=164.0500 rule=manual tick_ns=1 send_ns=2 recv_ns=$ns" >> "$log"
    done
    echo "STATS order_manager orders=2 accepted=2 rejected=0 duplicates=0 log_lines=2 strategies=1"
    echo "HIST order_manager tick_to_order tipc-hist/1 n=2 min=5 max=12 sum=0:17 b=5:1,12:1" ;;
gateway)
    [ "${STUB_LOOP:-}" = 1 ] && idle
    echo "STATS gateway prices_sent=3 news_sent=2 clients_joined=2 clients_dropped=0 elapsed_ms=500 ticks_per_s=10.0" ;;
orderbook)
    [ "${STUB_LOOP:-}" = 1 ] && idle
    echo "STATS orderbook prices_written=3 symbols=2 reconnects=0 updates_per_s=6.0" ;;
strategy)
    [ "${STUB_LOOP:-}" = 1 ] && idle
    echo "STATS strategy news_received=2 prices_seen=3 orders_sent=${STUB_SENT:-2} accepted=2 rejected=0 duplicates=0 resent=0 unacked=0"
    echo "HIST strategy order_rtt tipc-hist/1 n=2 min=20 max=40 sum=0:60 b=20:1,40:1" ;;
esac
exit 0
EOF
chmod +x "$tmp/bin/stub"
for p in order-manager gateway orderbook strategy; do ln -s stub "$tmp/bin/tradeipc-$p"; done
printf 'timestamp,symbol,price\n' > "$tmp/prices.csv"
printf 'timestamp,symbol,sentiment\n' > "$tmp/sentiment.csv"

# run_case NAME [launcher args...]: runs the launcher (bounded) with STUB_* from the
# environment; output in $out/$err, exit status in $rc, fresh $STUB_DIR.
run_case() {
    ncase=$((ncase + 1))
    case_name=$1
    shift
    STUB_DIR="$tmp/case$ncase"
    export STUB_DIR
    mkdir "$STUB_DIR"
    out="$STUB_DIR/out" err="$STUB_DIR/err"
    timeout 30 "$run" --bindir "$tmp/bin" --data "$tmp" --gateway-port 0 --orders-port 0 \
        --log "$STUB_DIR/order_log.txt" "$@" > "$out" 2> "$err"
    rc=$?
}
fail() {
    echo "FAIL [$case_name]: $*"
    echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"
    fails=$((fails + 1))
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, want $1"; }
has() { grep -q -- "$2" "$1" || fail "no line matching '$2' in ${1##*/}"; }
hasnt() { ! grep -q -- "$2" "$1" || fail "unexpected line matching '$2' in ${1##*/}"; }
# Every stand-in process this case started is gone.
none_running() {
    while read -r _ pid _; do
        kill -0 "$pid" 2>/dev/null && fail "pid $pid still running"
    done < "$STUB_DIR/started"
}
started_order() { awk '{ printf "%s%s", sep, $1; sep = " " }' "$STUB_DIR/started"; }

# 1. Everything ends well: order, readiness hand-over, ports, prefixes, summary.
run_case "all ok"
expect_rc 0
[ "$(started_order)" = "order-manager gateway orderbook strategy" ] ||
    fail "start order: $(started_order)"
has "$STUB_DIR/started" "^order-manager [0-9]* --listen=127.0.0.1:0 --port-file=[^ ]* --log=$STUB_DIR/order_log.txt$"
has "$STUB_DIR/started" "^gateway [0-9]* --listen=127.0.0.1:0 --port-file=[^ ]* --prices=$tmp/prices.csv --news=$tmp/sentiment.csv --wait-clients=2 --rate=10000$"
has "$STUB_DIR/started" "^orderbook [0-9]* --gateway=127.0.0.1:4101 --book=/tradeipc_prices_[0-9]*$"
has "$STUB_DIR/started" "^strategy [0-9]* --gateway=127.0.0.1:4101 --orders=127.0.0.1:4102 --price-book=/tradeipc_prices_[0-9]* --news-book=/tradeipc_news_[0-9]* --name=strat-[0-9a-z]* --journal=$STUB_DIR/order_log.txt.strat-[0-9a-z]*.journal$"
has "$out" "^\[gateway      \] hello from gateway$"
has "$out" "^\[order_manager\] hello from order-manager$"
has "$err" "^\[strategy     \] a line on stderr$"
hasnt "$out" "STATS"
hasnt "$out" "HIST"
has "$out" "^== tradeipc-run summary: end of data,"
has "$out" "^  ticks sent  *prices 3, news 2, total 5$"
has "$out" "^  throughput  *10 ticks/s over 0.500 s$"
has "$out" "^  prices written  *3 into /tradeipc_prices_[0-9]* (2 symbols, 0 reconnects)$"
has "$out" "^  news received  *2$"
has "$out" "^  orders  *sent 2, accepted 2, rejected 0, duplicates 0, resent 0$"
has "$out" "^  order log  *2 lines appended to "
has "$out" "^  tick-to-order  *n=2 p50=5ns p99=12ns p99.9=12ns max=12ns$"
has "$out" "^  order round trip  *n=2 p50=20ns p99=40ns p99.9=40ns max=40ns$"
has "$out" "^  strategy  *code 0  *0$"
has "$out" "^orders: sent 2 = logged 2 = acked 2: OK$"
none_running

# 1b. Lines already in the log (and a torn tail) are not this run's.
printf '%s\n%s' \
    "2020-01-01T00:00:00.000000000Z order_id=1 client_id=old-1 strategy=old symbol=AAPL side=BUY qty=1 price=1.0000 rule=manual tick_ns=1 send_ns=2 recv_ns=1577836800000000000" \
    "2020-01-01T00:00:01.000000000Z order_id=9 client_id=torn" > "$tmp/prelog"
run_case "existing log" --log "$tmp/prelog"
expect_rc 0
has "$out" "^  order log  *2 lines appended to $tmp/prelog$"
has "$out" "^orders: sent 2 = logged 2 = acked 2: OK$"

# 2. -v echoes the STATS and HIST lines as well.
run_case "verbose" -v
expect_rc 0
has "$out" "^\[gateway      \] STATS gateway prices_sent=3"
has "$out" "^\[strategy     \] HIST strategy order_rtt tipc-hist/1"

# 3. --quiet: no component lines, the summary still.
run_case "quiet" --quiet
expect_rc 0
hasnt "$out" "hello from"
has "$out" "^orders: sent 2 = logged 2 = acked 2: OK$"

# 4. The order manager cannot start: named, non-zero, nothing else started or running.
#    On a fixed port it is restarted (--restarts times); on port 0 it is not, because a
#    new process would listen on a port its clients do not know.
STUB_ORDER_MANAGER=fail run_case "order manager fails" --orders-port 17102 --restarts 2
expect_rc 1
[ "$(started_order)" = "order-manager order-manager order-manager" ] ||
    fail "started: $(started_order) (want 1 + 2 restarts of the order manager only)"
has "$err" "order_manager did not become ready"
has "$err" "failed: order_manager exited with code 1 before it was ready"
has "$out" "^  order_manager  *code 1  *2  FAILED: exited with code 1 before it was ready$"
has "$out" "^  gateway  *not started"
none_running
STUB_ORDER_MANAGER=fail run_case "order manager fails, port 0" --restarts 2 --quiet
expect_rc 1
[ "$(started_order)" = "order-manager" ] || fail "started: $(started_order)"
has "$err" "failed: order_manager exited with code 1 before it was ready"
has "$err" "order_manager's last line: simulated start failure$"

# 5. A program that is not there: named, non-zero.
run_case "missing program" --bindir "$tmp/empty"
expect_rc 1
has "$err" "cannot start order_manager ($tmp/empty/tradeipc-order-manager): "
has "$err" "failed: order_manager could not be started"

# 6. A component that crashes once is restarted; the run still ends well.
STUB_ORDERBOOK=crash-once run_case "restart" --restarts 1
expect_rc 0
has "$out" "^  orderbook  *code 0  *1$"
has "$err" "\[orderbook\] exited with code 3 .*restart 1 of 1"

# 6b. A client that ends well before it said it was ready is not a start failure.
STUB_STRATEGY=early run_case "early end"
expect_rc 0
has "$out" "^== tradeipc-run summary: end of data,"
has "$out" "^orders: sent 2 = logged 2 = acked 2: OK$"

# 7. A component that keeps crashing: named, the others stopped, nothing left running.
STUB_STRATEGY=crash run_case "crash" --restarts 1
expect_rc 1
has "$err" "failed: strategy exited with code 3$"
has "$out" "^== tradeipc-run summary: a component failed,"
has "$out" "^  strategy  *code 3  *1  FAILED: exited with code 3$"
has "$out" "^  order_manager  *code 0  *0$"
none_running

# 8. --duration stops a looping run cleanly: exit 0, a summary, every component exit 0.
STUB_LOOP=1 run_case "duration" --loop --duration 0.5
expect_rc 0
has "$out" "^== tradeipc-run summary: --duration reached, 0\.[5-9][0-9] s ==$"
has "$STUB_DIR/started" "^gateway .* --loop"
for c in order_manager gateway orderbook strategy; do has "$out" "^  $c  *code 0  *0$"; done
has "$out" "^orders: sent 2 = logged 2 = acked 2: OK$"
none_running

# 9. SIGINT and SIGTERM to the launcher: everything stops, summary, exit 0.
for sig in INT TERM; do
    ncase=$((ncase + 1))
    case_name="SIG$sig"
    STUB_DIR="$tmp/case$ncase"
    mkdir "$STUB_DIR"
    out="$STUB_DIR/out" err="$STUB_DIR/err"
    STUB_LOOP=1 "$run" --bindir "$tmp/bin" --data "$tmp" --gateway-port 0 --orders-port 0 \
        --log "$STUB_DIR/order_log.txt" --loop > "$out" 2> "$err" &
    pid=$!
    for _ in $(seq 100); do grep -q "^strategy" "$STUB_DIR/started" 2>/dev/null && break; sleep 0.05; done
    sleep 0.2
    kill -"$sig" "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null && fail "launcher still running 10 s after SIG$sig"
    wait "$pid"
    rc=$?
    expect_rc 0
    has "$out" "^== tradeipc-run summary: interrupted,"
    has "$out" "^  strategy  *code 0  *0$"
    none_running
done

# 9b. A component that ignores SIGTERM is killed after the grace period and named.
STUB_LOOP=1 STUB_ORDERBOOK=stubborn run_case "stubborn" --loop --duration 0.2
expect_rc 1
has "$err" "orderbook (pid [0-9]*) still running 3000 ms after SIGTERM: SIGKILL"
has "$out" "^  orderbook  *signal 9 (Killed)  *0  FAILED: killed by signal 9$"
has "$out" "^  order_manager  *code 0  *0$"
none_running

# 9c. Pacing and other flags reach the right programs.
run_case "flags" --asap --no-sync -vv
expect_rc 0
has "$STUB_DIR/started" "^gateway [0-9]* --listen=127.0.0.1:0 --port-file=[^ ]* --prices=[^ ]* --news=[^ ]* --wait-clients=2 -v$"
has "$STUB_DIR/started" "^order-manager [0-9]* --listen=127.0.0.1:0 --port-file=[^ ]* --log=[^ ]* --no-sync -v$"
run_case "speed" --speed 86400 --gateway-port 17101 --orders-port 17102
expect_rc 0
has "$STUB_DIR/started" "^gateway [0-9]* --listen=127.0.0.1:17101 --prices=[^ ]* --news=[^ ]* --wait-clients=2 --speed=86400$"
has "$STUB_DIR/started" "^strategy [0-9]* --gateway=127.0.0.1:17101 --orders=127.0.0.1:17102 "

# 10. Counts that disagree: exit 3, MISMATCH.
STUB_SENT=3 run_case "mismatch"
expect_rc 3
has "$out" "^orders: sent 3 = logged 2 = acked 2: MISMATCH$"

# 11. Usage errors: exit 2.
"$run" --data "$tmp/empty" > /dev/null 2> "$tmp/usage.err"
rc=$? case_name="missing data" out="$tmp/usage.err" err="$tmp/usage.err"
expect_rc 2
has "$err" "cannot read $tmp/empty/prices.csv"
"$run" --asap --rate 5 > /dev/null 2> "$tmp/usage.err"
rc=$? case_name="exclusive flags"
expect_rc 2

echo "launcher-stubs: $ncase cases, $fails failures"
[ "$fails" -eq 0 ]
