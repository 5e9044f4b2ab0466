#!/bin/sh
# SPDX-License-Identifier: MIT
# The embedded data is what its README says: prices.csv is the real file (sha256 from the
# source), sentiment.csv is byte-for-byte the output of data/gen_sentiment.
src=${TIPC_SRCDIR:-.}
build=${TIPC_BUILDDIR:-.}
want=94fb26dc7d32fc07ee52831cbf4ce7bd3e1da9426d74b37b9e45a476282080b6
got=$(sha256sum "$src/data/prices.csv" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "FAIL: data/prices.csv sha256 $got, want $want"; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$build/data/gen_sentiment" "$src/data/prices.csv" > "$tmp" || { echo "FAIL: generator"; exit 1; }
cmp -s "$tmp" "$src/data/sentiment.csv" || { echo "FAIL: data/sentiment.csv differs from the generator's output (make regen-data)"; exit 1; }
echo "data: prices.csv sha256 ok; sentiment.csv reproduces ($(($(wc -l < "$tmp") - 1)) rows)"
