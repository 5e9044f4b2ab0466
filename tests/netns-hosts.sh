#!/bin/sh
# SPDX-License-Identifier: MIT
# The trading stack across three hosts over real TCP. The hosts are network
# namespaces made here and joined by veth pairs on private addresses that
# exist only inside them:
#
#   gw (10.231.1.1)  ====  strat (10.231.1.2 | 10.231.2.2)  ====  om (10.231.2.1)
#   tradeipc-gateway       tradeipc-orderbook + -strategy         tradeipc-order-manager
#                          (they share the books in /dev/shm)
#
# Run 1 replays the embedded data and checks the single-host run's exact
# counts. Run 2 cuts the strategy <-> order manager link, then the gateway <->
# strategy-host link, each for longer than the heartbeat timeout (3 s), and
# checks that the peers noticed by heartbeat, reconnected, resumed from the
# snapshot, and that every client order id the strategy created is in the
# order log exactly once. Skips (77) when namespaces cannot be made; needs
# root and iproute2. Bounded by a global timeout; everything it made (the
# namespaces, their processes, the books, the temp dir) goes at exit
# (TIPC_NETNS_KEEP=1 keeps the temp dir with every component's output).
set -u
build=${TIPC_BUILDDIR:-.}
src=${TIPC_SRCDIR:-.}
data="$src/data"
limit=${TIPC_NETNS_LIMIT:-180} # seconds for the whole script
cut_s=5                        # link down this long: over the 3 s dead-peer timeout
gw_ip=10.231.1.1 stgw_ip=10.231.1.2 om_ip=10.231.2.1 stom_ip=10.231.2.2
gw_addr=$gw_ip:7101 om_addr=$om_ip:7102
strat=netns

skip() {
    echo "SKIP: netns-hosts: $*"
    exit 77
}
for p in gateway orderbook strategy order-manager; do
    [ -x "$build/tradeipc-$p" ] || { echo "FAIL: $build/tradeipc-$p not built"; exit 1; }
done
[ -x "$build/tests/netns-book" ] || { echo "FAIL: $build/tests/netns-book not built"; exit 1; }
[ -r "$data/prices.csv" ] && [ -r "$data/sentiment.csv" ] ||
    { echo "FAIL: no data in $data (set TIPC_SRCDIR)"; exit 1; }
nprices=$(($(wc -l < "$data/prices.csv") - 1))
nnews=$(($(wc -l < "$data/sentiment.csv") - 1))
nsyms=$(sed 1d "$data/prices.csv" | cut -d, -f2 | sort -u | wc -l)
[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces (uid $(id -u))"
command -v ip > /dev/null 2>&1 || skip "no 'ip' command: install iproute2"

id=$$
ns_gw=tipc$id-gw ns_st=tipc$id-strat ns_om=tipc$id-om
tmp=$(mktemp -d /tmp/tipc-netns.XXXXXX)
made='' pids='' run_pids='' watchdog='' fails=0 case_name=setup dir=$tmp

cleanup() {
    trap - EXIT INT TERM
    for p in $pids; do kill -9 "$p" 2> /dev/null; done
    for ns in $made; do
        for p in $(ip netns pids "$ns" 2> /dev/null); do kill -9 "$p" 2> /dev/null; done
    done
    for p in $pids; do wait "$p" 2> /dev/null; done
    for ns in $made; do ip netns delete "$ns" 2> /dev/null; done
    rm -f /dev/shm/tipc_netns_"$id"_*
    [ -n "$watchdog" ] && kill "$watchdog" 2> /dev/null
    if [ -n "${TIPC_NETNS_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 1' INT
trap 'echo "FAIL [$case_name]: over the ${limit} s limit"; dump_logs; exit 1' TERM
# The global limit: the shell runs the TERM trap between commands, and no
# command here blocks for more than a few seconds.
(
    trap 'kill "$s"; exit 0' TERM
    sleep "$limit" &
    s=$!
    wait "$s" && kill -TERM $id
) > /dev/null 2>&1 &
watchdog=$!

fail() {
    echo "FAIL [$case_name]: $*"
    fails=$((fails + 1))
}
# dump_logs: the tail of the current run's output files.
dump_logs() {
    for f in "$dir"/*.out "$dir"/*.err; do
        [ -s "$f" ] || continue
        echo "--- ${f#"$tmp"/}"
        tail -n 25 "$f"
    done
}

# --- the hosts --------------------------------------------------------------
for ns in $ns_gw $ns_st $ns_om; do
    ip netns add "$ns" 2> "$tmp/netns.err" || skip "cannot create a network namespace: $(cat "$tmp/netns.err")"
    made="$made $ns"
    ip -n "$ns" link set lo up 2> "$tmp/netns.err" || skip "cannot use namespace $ns: $(cat "$tmp/netns.err")"
done
ip netns exec "$ns_gw" true 2> "$tmp/netns.err" || skip "ip netns exec fails: $(cat "$tmp/netns.err")"
# veth NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth pair between two hosts, /24.
veth() {
    ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" &&
        ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$4" addr add "$6/24" dev "$5" &&
        ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}
veth "$ns_st" to-gw "$stgw_ip" "$ns_gw" to-strat "$gw_ip" 2> "$tmp/netns.err" &&
    veth "$ns_st" to-om "$stom_ip" "$ns_om" to-strat "$om_ip" 2>> "$tmp/netns.err" ||
    skip "cannot make veth links: $(cat "$tmp/netns.err")"

# --- helpers ------------------------------------------------------------------
# start NAME NS PROGRAM ARGS...: run one component on a host; NAME.out/.err.
start() {
    name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$@" > "$dir/$name.out" 2> "$dir/$name.err" &
    eval "pid_$name=\$!"
    pids="$pids $!" run_pids="$run_pids $!"
}
# wait_for SECONDS FILE REGEX [COUNT]: until FILE has COUNT (1) lines matching.
wait_for() {
    n=$(($1 * 20))
    while [ "$n" -gt 0 ]; do
        c=$(grep -c -- "$3" "$2" 2> /dev/null)
        [ "${c:-0}" -ge "${4:-1}" ] && return 0
        sleep 0.05
        n=$((n - 1))
    done
    fail "no ${4:-1} line(s) matching '$3' in ${2##*/} within $1 s"
    return 1
}
# has FILE REGEX [COUNT]: FILE has COUNT (1) lines matching.
has() {
    c=$(grep -c -- "$2" "$1" 2> /dev/null)
    [ "${c:-0}" -ge "${3:-1}" ] ||
        fail "no ${3:-1} line(s) matching '$2' in ${1##*/}"
}
# finish NAME: wait (bounded) for a component to exit; sets rc_NAME.
finish() {
    eval "p=\$pid_$1"
    n=600
    while kill -0 "$p" 2> /dev/null && [ "$n" -gt 0 ]; do
        sleep 0.05
        n=$((n - 1))
    done
    if kill -0 "$p" 2> /dev/null; then
        fail "$1 still running 30 s after the end; killed"
        kill -9 "$p" 2> /dev/null
    fi
    wait "$p"
    eval "rc_$1=$?"
}
# field NAME KEY: KEY's value on NAME's STATS line.
field() { sed -n "s/^STATS .* $2=\([0-9][0-9]*\).*/\1/p" "$dir/$1.out" | head -n 1; }
# want NAME KEY VALUE: the STATS value is exactly VALUE.
want() {
    v=$(field "$1" "$2")
    [ "$v" = "$3" ] || fail "$1 $2=${v:-missing}, want $3"
}
# last_values FILE: "SYMBOL VALUE" of each symbol's last row, sorted, value
# scaled as the books store it (prices: TIPC_PRICE_SCALE 10000, 4 decimals).
last_values() {
    awk -F, 'NR > 1 { v = $3; sub(/\./, "", v); sub(/^0+/, "", v); last[$2] = v + 0 }
             END { for (s in last) print s, last[s] }' "$1" | sort
}

# run_stack RATE: the four components, on their hosts, with this run's books
# and log; returns once the replay has started.
run_stack() {
    dir="$tmp/$case_name" run_pids=''
    mkdir -p "$dir"
    book_p=/tipc_netns_${id}_${case_name}_prices book_n=/tipc_netns_${id}_${case_name}_news
    log="$dir/order_log.txt"
    start om "$ns_om" "$build/tradeipc-order-manager" --listen "$om_addr" --log "$log" \
        --port-file "$dir/om.port"
    start gateway "$ns_gw" "$build/tradeipc-gateway" --listen "$gw_addr" \
        --prices "$data/prices.csv" --news "$data/sentiment.csv" --rate "$1" \
        --wait-clients 2 --port-file "$dir/gw.port"
    wait_for 10 "$dir/om.err" "ready: listening on $om_addr" || return 1
    wait_for 10 "$dir/gateway.err" "ready: listening on $gw_addr" || return 1
    start orderbook "$ns_st" "$build/tradeipc-orderbook" --gateway "$gw_addr" --book "$book_p"
    wait_for 10 "$dir/orderbook.err" "ready: " || return 1
    start strategy "$ns_st" "$build/tradeipc-strategy" --gateway "$gw_addr" --orders "$om_addr" \
        --price-book "$book_p" --news-book "$book_n" --name "$strat"
    wait_for 10 "$dir/strategy.err" "ready: " || return 1
    wait_for 10 "$dir/gateway.err" "starting the replay"
}

# kill_stack: a run that failed to start leaves nothing behind for the next.
kill_stack() {
    for p in $run_pids; do kill -9 "$p" 2> /dev/null; done
    for p in $run_pids; do wait "$p" 2> /dev/null; done
    dump_logs
}

# finish_stack: every component exits 0 with its STATS line.
finish_stack() {
    for c in gateway orderbook strategy; do finish $c; done
    kill -TERM "$pid_om" 2> /dev/null # the order manager serves until told to stop
    finish om
    for c in gateway orderbook strategy om; do
        eval "rc=\$rc_$c"
        [ "$rc" -eq 0 ] || fail "$c exited with status $rc"
        grep -q '^STATS ' "$dir/$c.out" || fail "$c printed no STATS line"
    done
}

# check_orders: the strategy's orders, the order manager's counts and the log
# agree: ids $strat-1 .. $strat-N, each logged exactly once, all acked.
check_orders() {
    sent=$(field strategy orders_sent)
    dups=$(field om duplicates)
    [ -n "$sent" ] && [ "$sent" -gt 0 ] || { fail "no orders sent"; return; }
    want strategy accepted "$sent"
    for k in rejected unacked dropped; do want strategy $k 0; done
    want om orders $((sent + ${dups:-0}))
    want om accepted $((sent + ${dups:-0}))
    want om rejected 0
    want om log_lines "$sent"
    [ "$(wc -l < "$log")" -eq "$sent" ] || fail "order log has $(wc -l < "$log") lines, want $sent"
    sed -n 's/.* client_id=\([^ ]*\) strategy=\([^ ]*\) .*/\2 \1/p' "$log" | sort > "$dir/ids.log"
    seq "$sent" | sed "s/^/$strat $strat-/" | sort > "$dir/ids.want"
    if ! cmp -s "$dir/ids.log" "$dir/ids.want"; then
        fail "client order ids in the log are not $strat-1 .. $strat-$sent, each once:"
        diff "$dir/ids.want" "$dir/ids.log" | head -n 20
    fi
    n=$(sed -n 's/.* order_id=\([0-9]*\) .*/\1/p' "$log" | sort -u | wc -l)
    [ "$n" -eq "$sent" ] || fail "$n distinct order_id values in the log, want $sent"
}

# check_books: the price book and the strategy's news book end with every
# symbol's last value from the data; sets updates_prices and updates_news to
# the books' total updates.
check_books() {
    for kind in prices news; do
        case $kind in
        prices) b=$book_p csv=$data/prices.csv ;;
        news) b=$book_n csv=$data/sentiment.csv ;;
        esac
        if ! "$build/tests/netns-book" "$b" $kind > "$dir/$kind.book"; then
            fail "cannot read the $kind book $b"
            continue
        fi
        awk '{ print $1, $2 }' "$dir/$kind.book" | sort > "$dir/$kind.got"
        last_values "$csv" > "$dir/$kind.want"
        if ! cmp -s "$dir/$kind.got" "$dir/$kind.want"; then
            fail "the $kind book does not end with each symbol's last value:"
            diff "$dir/$kind.want" "$dir/$kind.got" | head -n 10
        fi
        eval "updates_$kind=$(awk '{ n += $3 } END { print n + 0 }' "$dir/$kind.book")"
    done
}

# --- run 1: no faults; the single-host run's exact counts ---------------------
case_name=clean
if run_stack 20000; then
    finish_stack
    # Over the veths: the listeners saw the clients' veth addresses.
    has "$dir/gateway.err" "($stgw_ip:[0-9]*) joined" 2
    has "$dir/om.err" "($stom_ip:[0-9]*) joined"
    want gateway prices_sent "$nprices"
    want gateway news_sent "$nnews"
    want gateway clients_joined 2
    want gateway clients_dropped 0
    want orderbook prices_written "$nprices"
    want orderbook symbols "$nsyms"
    want orderbook reconnects 0
    want orderbook gaps 0
    want strategy news_received "$nnews"
    for k in duplicates resent; do want strategy $k 0; done
    want om duplicates 0
    want om strategies 1
    check_orders
    check_books
    [ "${updates_prices:-}" = "$nprices" ] || fail "price book updates ${updates_prices:-?}, want $nprices"
    [ "${updates_news:-}" = "$nnews" ] || fail "news book updates ${updates_news:-?}, want $nnews"
    echo "clean: $nprices prices, $nnews news across 3 hosts; $sent orders, each logged once"
    [ "$fails" -eq 0 ] || dump_logs
else
    kill_stack
fi

# --- run 2: cut each link mid-stream for longer than the heartbeat timeout --
case_name=cuts
before=$fails
if run_stack 2000; then # about 19 s: room for both cuts and the reconnects
    # 1. strategy <-> order manager, cut on the order manager's side: its
    #    veth goes down, so the strategy's packets and connects vanish.
    wait_for 10 "$log" " strategy=$strat " 5
    logged_before=$(wc -l < "$log")
    ip -n "$ns_om" link set to-strat down
    sleep "$cut_s"
    ip -n "$ns_om" link set to-strat up
    wait_for 15 "$dir/strategy.err" "order manager connected;" 2
    # 2. gateway <-> strategy host, cut on the strategy host's side: its
    #    route goes away, so reconnects fail at once until it is back.
    ip -n "$ns_st" link set to-gw down
    sleep "$cut_s"
    ip -n "$ns_st" link set to-gw up
    wait_for 15 "$dir/orderbook.err" "reconnected to $gw_addr"
    finish_stack

    # The dead links were noticed by heartbeat, on both sides.
    has "$dir/strategy.err" "order connection lost: .*timed out"
    has "$dir/strategy.err" "gateway connection lost: .*timed out"
    has "$dir/orderbook.err" "connection to the gateway lost: .*timed out"
    has "$dir/om.err" "heartbeat timeout"
    has "$dir/gateway.err" "heartbeat timeout" 2
    # The gateway sent everything once; both clients came back for the rest.
    want gateway prices_sent "$nprices"
    want gateway news_sent "$nnews"
    want gateway clients_joined 4
    want gateway clients_dropped 2
    want orderbook reconnects 1
    want orderbook symbols "$nsyms"
    want orderbook gaps 0
    written=$(field orderbook prices_written)
    [ "${written:-0}" -gt 0 ] && [ "$written" -lt "$nprices" ] ||
        fail "orderbook wrote ${written:-?} prices: the cut should have cost some of $nprices"
    news=$(field strategy news_received)
    [ "${news:-0}" -gt 0 ] && [ "$news" -lt "$nnews" ] ||
        fail "strategy received ${news:-?} news: the cut should have cost some of $nnews"
    want om strategies 2
    # Orders: some were in flight during cut 1 and were sent again; none is
    # lost and none is logged twice.
    resent=$(field strategy resent)
    [ "${resent:-0}" -gt 0 ] || fail "strategy resent ${resent:-?} orders, want > 0"
    [ "$logged_before" -gt 0 ] || fail "nothing was logged before the cut"
    check_orders
    # Resumed from the snapshot: both books end with the data's last values.
    check_books
    echo "cuts: $written prices written, $sent orders ($resent resent," \
        "$(field om duplicates) duplicates), each logged once"
    [ "$fails" -eq "$before" ] || dump_logs
else
    kill_stack
fi

echo "netns-hosts: $fails failures"
[ "$fails" -eq 0 ]
