# SPDX-License-Identifier: MIT
# doc/perf/*.png from the results of `make bench` (tests/bench/results/*.dat).
# Run by `make bench-plots`:  gnuplot -e "results='DIR'; out='DIR'" plots.gp
if (!exists("results")) results = "tests/bench/results"
if (!exists("out")) out = "doc/perf"

set terminal pngcairo size 900,540 enhanced font "DejaVu Sans,11"
set grid lc rgb "#d0d0d0"
set key top left box opaque
set border lw 1.2
c_lib = "#1f77b4"; c_raw = "#2ca02c"; c_bytes = "#98df8a"; c_zmq = "#d62728"; c_sync = "#9467bd"

# Latency percentile plots: x is 1/(1-p), so 50% .. 99.99% are evenly spread.
set macros
pctx = 'set logscale x; set xrange [0.9:200000]; set xtics ("min" 1, "50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "max" 100000); set xlabel "percentile"'

# ---- 1. Feed throughput vs subscribers -----------------------------------------------
set output out."/feed_scaling.png"
set title "Feed throughput per subscriber (every tick decoded and checked)"
set logscale xy
set xrange [0.8:80]
set xtics (1, 8, 64)
set xlabel "subscribers"
set ylabel "ticks/s per subscriber"
set format y "%.0s%c"
set key top right
plot results."/feed.dat" u 1:3 w lp lw 2 pt 7 lc rgb c_raw t "raw TCP + decode (floor)", \
     "" u 1:4 w lp lw 2 pt 6 dt 2 lc rgb c_bytes t "raw TCP bytes, no decode", \
     "" u 1:2 w lp lw 3 pt 5 lc rgb c_lib t "tradeipc", \
     "" u 1:($5 > 0 ? $5 : 1/0) w lp lw 2 pt 9 lc rgb c_zmq t "ZeroMQ PUB/SUB (NODROP)"
unset logscale; set format y "%g"; set key top left

# ---- 2. Order round trip distribution --------------------------------------------------
set output out."/order_latency.png"
set title "Order round trip, 1 strategy, one order in flight"
@pctx
set logscale y
set ylabel "round trip"
set yrange [*:*]
set format y "%.0s%cs"
plot results."/lat_order_raw_1.dat" u 2:($3/1e9) w lp lw 2 pt 7 lc rgb c_raw t "raw TCP ping-pong (floor)", \
     results."/lat_order_zmq_1.dat" u 2:($3/1e9) w lp lw 2 pt 9 lc rgb c_zmq t "ZeroMQ REQ/REP", \
     results."/lat_order_nosync_1.dat" u 2:($3/1e9) w lp lw 3 pt 5 lc rgb c_lib t "tradeipc order manager --no-sync", \
     results."/lat_order_sync_1.dat" u 2:($3/1e9) w lp lw 2 pt 4 lc rgb c_sync t "tradeipc order manager --sync (fdatasync)", \
     results."/lat_order_rawspin_1.dat" u 2:($3/1e9) w lp lw 2 pt 6 dt 2 lc rgb c_raw t "raw TCP, client spinning", \
     results."/lat_order_spin_1.dat" u 2:($3/1e9) w lp lw 2 pt 4 dt 2 lc rgb c_lib t "tradeipc --no-sync, client busy-poll (200 us)"

set output out."/order_latency_8.png"
set title "Order round trip, 8 concurrent strategies, one order in flight each"
plot results."/lat_order_raw_8.dat" u 2:($3/1e9) w lp lw 2 pt 7 lc rgb c_raw t "raw TCP ping-pong (floor)", \
     results."/lat_order_zmq_8.dat" u 2:($3/1e9) w lp lw 2 pt 9 lc rgb c_zmq t "ZeroMQ REQ/REP", \
     results."/lat_order_nosync_8.dat" u 2:($3/1e9) w lp lw 3 pt 5 lc rgb c_lib t "tradeipc order manager --no-sync", \
     results."/lat_order_sync_8.dat" u 2:($3/1e9) w lp lw 2 pt 4 lc rgb c_sync t "tradeipc order manager --sync (fdatasync)"

# ---- 3. Book visibility distribution ---------------------------------------------------
set output out."/book_visibility.png"
set title "Shared book: cross-process visibility, one way (ping-pong / 2)"
set ylabel "one-way latency"
plot results."/lat_book_raw_spin.dat" u 2:($3/1e9) w lp lw 2 pt 7 lc rgb c_raw t "raw shm cache line, spinning (floor)", \
     results."/lat_book_spin.dat" u 2:($3/1e9) w lp lw 3 pt 5 lc rgb c_lib t "tipc\\_book\\_set, reader spinning", \
     results."/lat_book_spin_at.dat" u 2:($3/1e9) w lp lw 2 pt 4 lc rgb c_sync t "tipc\\_book\\_set\\_at (caller's time), reader spinning", \
     results."/lat_book_raw_futex.dat" u 2:($3/1e9) w lp lw 2 pt 6 dt 2 lc rgb c_raw t "raw futex wait/wake (floor)", \
     results."/lat_book_futex.dat" u 2:($3/1e9) w lp lw 3 pt 4 dt 2 lc rgb c_lib t "tipc\\_book, reader in tipc\\_book\\_wait"

# ---- 4. Tick-to-order distribution -----------------------------------------------------
set output out."/system_latency.png"
set title "Tick-to-order through the whole system (tradeipc-run, 10,000 events/s)"
set ylabel "latency"
plot results."/lat_system_tcp_rtt.dat" u 2:($3/1e9) w lp lw 2 pt 7 lc rgb c_raw t "raw TCP ping-pong round trip (floor)", \
     results."/lat_system_chain.dat" u 2:($3/1e9) w lp lw 2 pt 6 dt 2 lc rgb c_raw t "raw TCP -> futex -> TCP chain, same pace (path floor)", \
     results."/lat_system_t2o.dat" u 2:($3/1e9) w lp lw 3 pt 5 lc rgb c_lib t "tick-to-order, default (log fdatasync on)", \
     results."/lat_system_t2o_nosync.dat" u 2:($3/1e9) w lp lw 2 pt 4 lc rgb c_sync t "tick-to-order, --no-sync"
unset logscale; set format y "%g"; set xtics auto; set xrange [*:*]; set yrange [*:*]

# ---- 5. Book read cost vs symbols --------------------------------------------------------
set output out."/book_scaling.png"
set title "Shared book read cost vs symbols (random order)"
set logscale x
set logscale y
set xrange [5:200000]
set xtics (10, 1000, 100000)
set xlabel "symbols in the book"
set ylabel "ns per operation"
set format y "%g"
plot results."/book_scaling.dat" u 1:4 w lp lw 2 pt 7 lc rgb c_raw t "plain array copy (floor)", \
     "" u 1:2 w lp lw 3 pt 5 lc rgb c_lib t "tipc\\_book\\_get (by index)", \
     "" u 1:3 w lp lw 2 pt 4 lc rgb c_sync t "tipc\\_book\\_lookup (by name)"
unset logscale; set xtics auto; set xrange [*:*]

# ---- 6. Order round trip vs strategies ---------------------------------------------------
set output out."/order_scaling.png"
set title "Order round trip vs concurrent strategies (p50 solid, p99 dashed)"
set logscale y
set xrange [0.5:8.5]
set xtics (1, 8)
set xlabel "concurrent strategies"
set ylabel "round trip"
set format y "%.0s%cs"
plot results."/order_scaling.dat" u 1:($2/1e9) w lp lw 2 pt 7 lc rgb c_raw t "raw TCP p50", \
     "" u 1:($3/1e9) w lp lw 2 pt 9 lc rgb c_zmq t "ZeroMQ p50", \
     "" u 1:($4/1e9) w lp lw 3 pt 5 lc rgb c_lib t "tradeipc --no-sync p50", \
     "" u 1:($5/1e9) w lp lw 2 pt 4 lc rgb c_sync t "tradeipc --sync p50", \
     "" u 1:($6/1e9) w lp lw 2 pt 7 dt 2 lc rgb c_raw t "raw TCP p99", \
     "" u 1:($7/1e9) w lp lw 2 pt 9 dt 2 lc rgb c_zmq t "ZeroMQ p99", \
     "" u 1:($8/1e9) w lp lw 3 pt 5 dt 2 lc rgb c_lib t "tradeipc --no-sync p99", \
     "" u 1:($9/1e9) w lp lw 2 pt 4 dt 2 lc rgb c_sync t "tradeipc --sync p99"
unset logscale; set xtics auto; set xrange [*:*]; set format y "%g"

# ---- 7. Codec ----------------------------------------------------------------------------
set output out."/codec.png"
set title "Codec cost per message (p50 ns/op)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1:1000000]
set xlabel ""
set ylabel "ns per operation"
set xtics rotate by 30 right scale 0
set key top left
plot results."/codec.dat" u 2:xtic(1) lc rgb c_lib t "tradeipc", \
     "" u 3 lc rgb c_zmq t "dependency used directly (msgpack-c / jansson)", \
     "" u 4 lc rgb c_raw t "memcpy of the encoded bytes (floor)"
unset logscale; set yrange [*:*]; set xtics norotate

# ---- 8. Footprint ------------------------------------------------------------------------
set output out."/footprint.png"
set title "Peak RSS per process, default tradeipc-run (target < 8 MB)"
set style histogram rowstacked
set ylabel "MB"
set yrange [0:9]
set xtics rotate by 20 right scale 0
set arrow 1 from graph 0, first 8 to graph 1, first 8 nohead lw 2 dt 2 lc rgb c_zmq
set label 1 "8 MB target" at graph 0.02, first 8.3 tc rgb c_zmq
plot results."/footprint.dat" u (($2-$3)/1024):xtic(1) lc rgb c_lib t "private + file-backed", \
     "" u ($3/1024) lc rgb c_raw t "shared memory (books)"
