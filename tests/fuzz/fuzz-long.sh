#!/bin/sh
# SPDX-License-Identifier: MIT
# A long libFuzzer run of one target, as recorded in doc/reliability.md.
#   tests/fuzz/fuzz-long.sh TARGET SECONDS [WORKDIR]
# Run from a build directory after `make fuzz`. The corpus grows in
# WORKDIR/TARGET (default /tmp/fuzzwork), seeded from the repository's
# corpus, which is only read; findings land in WORKDIR/TARGET-artifacts/.
# The run is nice'd. The last lines of WORKDIR/TARGET.log hold the totals
# (-print_final_stats). To keep new inputs, merge them into the seeds:
#   tests/fuzz/fuzz_TARGET -merge=1 SRCDIR/tests/fuzz/corpus/TARGET WORKDIR/TARGET
set -eu
t=${1:?target}
secs=${2:?seconds}
work=${3:-/tmp/fuzzwork}
srcdir=${TIPC_SRCDIR:-$(sed -n 's/^abs_top_srcdir = //p' Makefile)}
bin=tests/fuzz/fuzz_$t
test -x "$bin" || { echo "$bin: not built (make fuzz)" >&2; exit 1; }
case $t in
order | ack) dict=json ;;
tick | news | snapshot | handshake) dict=msgpack ;;
csv | csv_time) dict=csv ;;
*) dict=$t ;;
esac
set --
test -f "$srcdir/tests/fuzz/dict/$dict.dict" && set -- "-dict=$srcdir/tests/fuzz/dict/$dict.dict"
mkdir -p "$work/$t" "$work/$t-artifacts"
cp -n "$srcdir/tests/fuzz/corpus/$t"/* "$work/$t/" 2>/dev/null || true
exec nice -n 10 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/$t-artifacts/" "$@" "$work/$t" \
    >"$work/$t.log" 2>&1
