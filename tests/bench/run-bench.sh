#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark of issue 5 and print the targets table.
#   run-bench.sh full|quick BUILDDIR SRCDIR
# Called by `make bench` and `make bench-quick`. The whole output is also kept in
# BUILDDIR/tests/bench/results/bench.txt, next to the *.dat files that
# `make bench-plots` reads. The exit status is 1 only when a benchmark's
# correctness check failed (or a program could not run): never because of a
# number.
set -u
mode=${1:?usage: run-bench.sh full|quick BUILDDIR SRCDIR}
builddir=${2:?builddir}
srcdir=${3:?srcdir}
results=$builddir/tests/bench/results
case $mode in
full) quick= ;;
quick) quick=--quick ;;
*) echo "run-bench.sh: mode must be full or quick" >&2; exit 2 ;;
esac

rm -rf "$results"
mkdir -p "$results" || exit 1
out=$results/bench.txt

machine() {
    model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    echo "machine:  ${model:-unknown CPU}, $(nproc) CPUs online, $(uname -sr), $(uname -m)"
    if command -v lscpu >/dev/null 2>&1; then
        lscpu | sed -n 's/^\(Hypervisor vendor\|L2 cache\|L3 cache\):[[:space:]]*/\1: /p' |
            tr '\n' ';' | sed 's/;$//; s/;/; /g; s/^/          /'
        echo
    fi
    echo "memory:   $(sed -n 's/^MemTotal:[[:space:]]*//p' /proc/meminfo)"
    echo "compiler: $(${CC:-cc} --version 2>/dev/null | head -n 1)"
    zmq=$(pkg-config --modversion libzmq 2>/dev/null || echo "not found")
    echo "libzmq:   $zmq    load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')    mode: $mode"
}

status=0
{
    echo "libtradeipc benchmarks (issue 5)"
    machine
    for b in codec book feed order system; do
        if ! "$builddir/tests/bench/bench_$b" $quick --results "$results" --topdir "$srcdir" \
            --bindir "$builddir"; then
            echo "bench_$b: FAILED (see the FAIL line above)"
            echo "bench_$b" >>"$results/failed"
        fi
    done
} 2>&1 | tee "$out"
[ -f "$results/failed" ] && status=1

# The targets table, from the key/value lines the programs appended to summary.txt.
awk -v mode="$mode" '
function v(k) { return (k in val) ? val[k] : -1 }
function row(name, measured, target, ok) {
    verdict = ok ? "met" : "MISSED"
    if (mode == "quick") verdict = "(quick: not judged)"
    printf "   %-46s %-26s %-20s %s\n", name, measured, target, verdict
}
function ns(x) { return x >= 1000000 ? sprintf("%.2fms", x / 1e6) : x >= 1000 ? sprintf("%.1fus", x / 1e3) : sprintf("%.0fns", x) }
{ val[$1] = $2 }
END {
    print ""
    print "== Targets (issue 5) =="
    if (mode == "quick") print "   quick run: the numbers above are noise; only the correctness checks count"
    printf "   %-46s %-26s %-20s %s\n", "target", "measured", "required", "verdict"
    l1 = v("feed.lib.1"); r1 = v("feed.raw.1"); z1 = v("feed.zmq.1")
    row("feed: ticks/s to 1 subscriber", sprintf("%.2fM/s", l1 / 1e6), ">= 10M/s", l1 >= 1e7)
    for (n = 1; n <= 64; n *= 8) {
        l = v("feed.lib." n); r = v("feed.raw." n)
        if (l > 0 && r > 0)
            row("feed: vs raw TCP + decode floor, " n " sub" (n > 1 ? "s" : ""), sprintf("%.2fx", l / r), ">= 0.8x", l / r >= 0.8)
    }
    for (n = 1; n <= 64; n *= 8) {
        l = v("feed.lib." n); z = v("feed.zmq." n)
        if (z > 0)
            row("feed: vs ZeroMQ PUB/SUB, " n " sub" (n > 1 ? "s" : ""), sprintf("%.2fx", l / z), ">= 2x", l / z >= 2)
        else if (n == 1)
            row("feed: vs ZeroMQ PUB/SUB", "not measured (no libzmq)", ">= 2x", 0)
    }
    sg = v("book.setget.p50")
    row("book: set+get uncontended (p50)", ns(sg), "<= 50ns", sg >= 0 && sg <= 50)
    ba = v("book.vis.spin_at.p50"); bs = v("book.vis.spin.p50"); br = v("book.vis.raw.p50")
    row("book: spinning visibility p50 vs raw shm", sprintf("%.2fx (%s vs %s)", ba / br, ns(ba), ns(br)), "<= 1.5x", ba / br <= 1.5)
    printf "   %-46s %-26s %-20s %s\n", "  same with the clock read of tipc_book_set", sprintf("%.2fx (%s)", bs / br, ns(bs)), "(set_at above)", "reported"
    bf = v("book.vis.futex.p50"); rf = v("book.vis.rawfutex.p50")
    printf "   %-46s %-26s %-20s %s\n", "book: futex wake path p50 (vs raw futex)", sprintf("%s (%.2fx)", ns(bf), bf / rf), "measured", "reported"
    for (n = 1; n <= 8; n *= 8) {
        s = (n == 1) ? "1 strategy" : n " strategies"
        o50 = v("order.nosync." n ".p50"); o99 = v("order.nosync." n ".p99")
        t50 = v("order.raw." n ".p50"); t99 = v("order.raw." n ".p99")
        z50 = v("order.zmq." n ".p50"); z99 = v("order.zmq." n ".p99")
        row("order RTT no-sync p50 vs raw TCP, " s, sprintf("%.2fx (%s vs %s)", o50 / t50, ns(o50), ns(t50)), "<= 1.3x", o50 / t50 <= 1.3)
        rlo = v("order.nosync." n ".round_ratio_min"); rhi = v("order.nosync." n ".round_ratio_max")
        if (rlo > 0)
            printf "   %-46s %-26s %-20s %s\n", "  the same, each round on its own", sprintf("%.2fx - %.2fx", rlo, rhi), "(spread)", "reported"
        row("order RTT no-sync p99 vs raw TCP, " s, sprintf("%.2fx (%s vs %s)", o99 / t99, ns(o99), ns(t99)), "<= 2x", o99 / t99 <= 2)
        sh50 = v("order.rawshape." n ".p50"); cd50 = v("order.rawcodec." n ".p50")
        if (n == 1 && sh50 > 0 && cd50 > 0)
            printf "   %-46s %-26s %-20s %s\n", "  of which kernel (floor + OM syscalls) / codec", sprintf("%.2fx / %.2fx", sh50 / t50, cd50 / t50), "(decomposition)", "reported"
        if (z50 > 0) {
            row("order RTT no-sync p50 vs ZeroMQ REQ/REP, " s, sprintf("%.2fx (%s)", o50 / z50, ns(z50)), "< 1x", o50 < z50)
            row("order RTT no-sync p99 vs ZeroMQ REQ/REP, " s, sprintf("%.2fx (%s)", o99 / z99, ns(z99)), "< 1x", o99 < z99)
        }
    }
    o50 = v("order.spin.1.p50"); t50 = v("order.rawspin.1.p50")
    if (o50 > 0 && t50 > 0)
        printf "   %-46s %-26s %-20s %s\n", "order RTT busy-poll p50 vs raw spinning TCP", sprintf("%.2fx (%s vs %s)", o50 / t50, ns(o50), ns(t50)), "(option)", "reported"
    o50 = v("order.srvspin.1.p50"); t50 = v("order.rawsrvspin.1.p50"); f50 = v("order.raw.1.p50")
    if (o50 > 0 && t50 > 0 && f50 > 0)
        printf "   %-46s %-26s %-20s %s\n", "order RTT OM busy-poll p50 vs raw spinning server", sprintf("%.2fx (%s vs %s; %.2fx floor)", o50 / t50, ns(o50), ns(t50), o50 / f50), "(option)", "reported"
    rt = v("system.tcp_rtt.p50"); ch = v("system.chain.p50")
    t = v("system.t2o.nosync.p50")
    row("tick-to-order p50 (--no-sync) vs raw TCP RTT", sprintf("%.2fx (%s vs %s)", t / rt, ns(t), ns(rt)), "<= 3x", t / rt <= 3)
    rlo = v("system.t2o.nosync.round_ratio_min"); rhi = v("system.t2o.nosync.round_ratio_max")
    if (rlo > 0)
        printf "   %-46s %-26s %-20s %s\n", "  the same, each round on its own", sprintf("%.2fx - %.2fx", rlo, rhi), "(spread)", "reported"
    t = v("system.t2o.p50")
    row("tick-to-order p50 (default: sync) vs raw RTT", sprintf("%.2fx (%s vs %s)", t / rt, ns(t), ns(rt)), "<= 3x", t / rt <= 3)
    rlo = v("system.t2o.sync.round_ratio_min"); rhi = v("system.t2o.sync.round_ratio_max")
    if (rlo > 0)
        printf "   %-46s %-26s %-20s %s\n", "  the same, each round on its own", sprintf("%.2fx - %.2fx", rlo, rhi), "(spread)", "reported"
    if (ch > 0)
        printf "   %-46s %-26s %-20s %s\n", "  kernel floor of that path (raw chain) vs RTT", sprintf("%.2fx (%s)", ch / rt, ns(ch)), "floor", "reported"
    m = v("rss.max")
    row("largest peak RSS, default full run", sprintf("%.2f MB", m / 1024), "< 8 MB", m >= 0 && m < 8192)
}' "$results/summary.txt" | tee -a "$out"

if [ $status -ne 0 ]; then
    echo "FAILED: $(tr '\n' ' ' <"$results/failed")" | tee -a "$out"
fi
echo "results: $results (make bench-plots turns them into doc/perf/*.png)"
exit $status
