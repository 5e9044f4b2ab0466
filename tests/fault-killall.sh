#!/bin/sh
# SPDX-License-Identifier: MIT
# Crashes and restarts: nothing lost. The whole stack runs under tradeipc-run on the
# embedded data (about 6 s of replay) while this script kills each component with
# SIGKILL in turn, mid-stream, waiting for each restart before the next kill:
#   orderbook      the new one takes its book over (generation 2) and the running
#                  strategy reads on
#   strategy       killed while the order manager is stopped (SIGSTOP), so it dies
#                  with unacknowledged orders; the new one finds them in its journal,
#                  resends them and numbers on
#   order manager  the new one rebuilds its id set from the log; orders in flight are
#                  resent and deduplicated
#   gateway        the new one replays from the start; the clients reconnect, take
#                  the snapshot, notice the seq reset, and go on
# Then: the launcher exits 0 and counts one restart per component; the client order
# ids in the strategy's journal (every order any of its processes created) are exactly
# the ids of its lines in the order log, each once; every order was acknowledged; no
# shared memory and no process is left. Bounded by TIPC_FAULT_LIMIT seconds (60);
# TIPC_FAULT_KEEP=1 keeps the temporary directory with all output;
# TIPC_FAULT_RUN_ARGS adds options to tradeipc-run (fault-killall-nosync.sh).
set -u
build=${TIPC_BUILDDIR:-.}
src=${TIPC_SRCDIR:-.}
run="$build/tradeipc-run"
tool="$build/tests/fault_tool"
limit=${TIPC_FAULT_LIMIT:-60}
rate=6000

for p in "$run" "$build/tradeipc-gateway" "$build/tradeipc-orderbook" \
    "$build/tradeipc-strategy" "$build/tradeipc-order-manager" "$tool"; do
    [ -x "$p" ] || { echo "FAIL: $p not built"; exit 1; }
done
tmp=$(mktemp -d /tmp/tipc-fault.XXXXXX)
out="$tmp/out" err="$tmp/err" log="$tmp/order_log.txt"
lp= stopped=
start=$(date +%s)

# Every process of this run, by the pids the launcher reported; each child leads its
# own process group. Only processes whose command line is one of ours are touched.
cleanup() {
    [ -n "$stopped" ] && kill -CONT "$stopped" 2>/dev/null
    if [ -n "$lp" ] && kill -0 "$lp" 2>/dev/null; then
        kill -TERM "$lp" 2>/dev/null
        i=0
        while kill -0 "$lp" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$lp" 2>/dev/null
    fi
    for pid in $(sed -n 's/.*(pid \([0-9][0-9]*\)).*/\1/p' "$err" 2>/dev/null | sort -u); do
        if grep -q tradeipc- "/proc/$pid/cmdline" 2>/dev/null; then
            kill -KILL "-$pid" "$pid" 2>/dev/null
        fi
    done
    for b in $(sed -n 's/.*books \(\/[^ ]*\) and \(\/[^ ,]*\),.*/\1 \2/p' "$err" 2>/dev/null); do
        rm -f "/dev/shm$b"
    done
    if [ "${TIPC_FAULT_KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "FAIL: $*"
    echo "--- launcher stdout"; cat "$out"
    echo "--- launcher stderr (last 60 lines)"; tail -n 60 "$err"
    exit 1
}
elapsed() { echo $(($(date +%s) - start)); }
# wait_for WHAT COMMAND...: poll COMMAND every 50 ms until it succeeds, within the limit.
wait_for() {
    what=$1
    shift
    until "$@"; do
        [ "$(elapsed)" -lt "$limit" ] || fail "timed out waiting for $what"
        kill -0 "$lp" 2>/dev/null || fail "the launcher exited while waiting for $what"
        sleep 0.05
    done
}
# Lines the launcher logged: "[name] ready (pid N)" once per process of a component.
starts() { grep -c "tradeipc-run: \[$1\] ready (pid" "$err"; }
started() { [ "$(starts "$1")" -ge "$2" ]; }
pid_of() { sed -n "s/.*tradeipc-run: \[$1\] ready (pid \([0-9]*\)).*/\1/p" "$err" | tail -n 1; }
log_lines() { if [ -f "$log" ]; then wc -l < "$log"; else echo 0; fi; }
log_grew() { [ "$(log_lines)" -ge "$1" ]; }
journal_stat() { "$tool" journal "$journal" "$strat" 2>&1 >/dev/null | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
unacked_at_least() {
    o=$(journal_stat orders) a=$(journal_stat acked)
    [ -n "$o" ] && [ -n "$a" ] && [ $((o - a)) -ge "$1" ]
}
# kill_restart NAME: SIGKILL the component's current process, wait for its successor
# to be ready and for 20 more orders in the log (the system is moving again).
kill_restart() {
    n=$(starts "$1")
    pid=$(pid_of "$1")
    [ -n "$pid" ] || fail "no pid for $1"
    grep -q "tradeipc-run: \[gateway\] exited" "$err" && fail "the replay ended before $1 was killed"
    echo "$(elapsed) s: kill -9 $1 (pid $pid), $(log_lines) orders logged"
    kill -KILL "$pid" || fail "cannot kill $1 ($pid)"
    wait_for "$1 to restart" started "$1" $((n + 1))
    grown=$(($(log_lines) + 20))
    wait_for "orders after the $1 restart" log_grew "$grown"
}

set -- $("$tool" ports 2) || fail "no free ports"
gport=$1 oport=$2
timeout -s TERM "$limit" "$run" --data "$src/data" --gateway-port "$gport" --orders-port "$oport" \
    --log "$log" --rate "$rate" --restarts 2 --keep-journal ${TIPC_FAULT_RUN_ARGS:-} \
    > "$out" 2> "$err" &
lp=$!
wait_for "the strategy to start" started strategy 1
strat=$(sed -n 's/.*strategy \([^ ,]*\), order log.*/\1/p' "$err" | head -n 1)
journal="$log.$strat.journal"
wait_for "the first orders" log_grew 30

kill_restart orderbook

# The strategy dies with orders in flight: the order manager is stopped until then.
om=$(pid_of order_manager)
kill -STOP "$om" && stopped=$om
wait_for "unacknowledged orders in the journal" unacked_at_least 5
kill_pending=$(($(journal_stat orders) - $(journal_stat acked)))
kill -KILL "$(pid_of strategy)" && echo "$(elapsed) s: kill -9 strategy with $kill_pending orders unacknowledged"
sleep 0.2
kill -CONT "$om" && stopped=
wait_for "strategy to restart" started strategy 2
grown=$(($(log_lines) + 20))
wait_for "orders after the strategy restart" log_grew "$grown"

kill_restart order_manager
kill_restart gateway

wait "$lp"
rc=$?
lp=
echo "$(elapsed) s: launcher exited with status $rc"
[ "$rc" -eq 0 ] || fail "launcher exit status $rc, want 0"

# One restart per component, in the summary table.
for c in order_manager gateway orderbook strategy; do
    grep -q "^  $c  *code 0  *1$" "$out" || fail "summary: $c is not 'code 0' with 1 restart"
done
grep -q "^orders: sent \([0-9]*\) = logged \1 = acked \1: OK$" "$out" || fail "summary counts disagree"

# Every order any strategy process created is in the log exactly once, and nothing else.
"$tool" journal "$journal" "$strat" > "$tmp/journal.ids" 2> "$tmp/journal.stats" ||
    fail "cannot read the journal: $(cat "$tmp/journal.stats")"
sed -n "s/.* client_id=\([^ ]*\) strategy=$strat .*/\1/p" "$log" > "$tmp/log.ids"
sort "$tmp/journal.ids" > "$tmp/journal.sorted"
sort "$tmp/log.ids" > "$tmp/log.sorted"
created=$(wc -l < "$tmp/journal.sorted")
[ "$created" -gt 100 ] || fail "only $created orders created"
dups=$(uniq -d "$tmp/log.sorted" | head -n 5)
[ -z "$dups" ] || fail "logged more than once: $dups"
cmp -s "$tmp/journal.sorted" "$tmp/log.sorted" ||
    fail "journal and log differ (< journal only, > log only): $(diff "$tmp/journal.sorted" "$tmp/log.sorted" | head -n 10)"
[ "$(wc -l < "$log")" -eq "$created" ] || fail "the log has lines of other strategies"
grep -q "^# orders=$created acked=$created accepted=$created rejected=0 dense=1$" "$tmp/journal.stats" ||
    fail "journal: $(cat "$tmp/journal.stats"), want all $created accepted, ids dense"

# Each restart did its part.
grep -q "\[strategy *\] .*price book taken over by a new writer (generation 1 -> 2); reading on" "$err" ||
    fail "the strategy did not notice the orderbook's takeover"
grep -q "\[orderbook *\] .*took over book .* (generation 2)" "$err" || fail "no takeover by the orderbook"
recovered=$(sed -n 's/^  journal .*; \([0-9]*\) recovered by the last process$/\1/p' "$out")
[ -n "$recovered" ] && [ "$recovered" -ge "$kill_pending" ] ||
    fail "the restarted strategy recovered '$recovered' orders, want at least $kill_pending"
grep -q "\[strategy *\] .*journal .*: [1-9][0-9]* orders so far, $recovered unacknowledged to resend" "$err" ||
    fail "the restarted strategy did not report its journal"
grep -q "\[order_manager *\] .*recovered [1-9][0-9]* orders" "$err" ||
    fail "the restarted order manager recovered nothing from its log"
grep -q "\[strategy *\] .*gateway restarted: news seq back" "$err" ||
    fail "the strategy did not notice the gateway restart"
grep -q "^  prices written .*, 1 reconnects)$" "$out" || fail "the orderbook did not reconnect once"

# Nothing left behind (the trap cleans up anyway; this makes a leak fail the test).
for b in $(sed -n 's/.*books \(\/[^ ]*\) and \(\/[^ ,]*\),.*/\1 \2/p' "$err"); do
    [ ! -e "/dev/shm$b" ] || fail "/dev/shm$b left behind"
done
for pid in $(sed -n 's/.*(pid \([0-9][0-9]*\)).*/\1/p' "$err" | sort -u); do
    grep -q tradeipc- "/proc/$pid/cmdline" 2>/dev/null && fail "process $pid left running"
done
echo "PASS: $created orders over 4 kills, each logged once; $recovered resent by the new strategy; $(elapsed) s"
exit 0
