#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library must export exactly the TIPC_API symbols in tests/exports/*.txt:
# a leaked tipc__ helper or a forgotten TIPC_API fails here.
so="${TIPC_BUILDDIR:-.}/.libs/libtradeipc.so"
listdir="${TIPC_SRCDIR:-.}/tests/exports"
if [ ! -f "$so" ]; then
    echo "skip: $so not built (static-only build)"
    exit 77
fi
got=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u)
bad=$(printf '%s\n' "$got" | grep -v '^tipc_[a-z]' ; printf '%s\n' "$got" | grep '^tipc__')
if [ -n "$bad" ]; then
    echo "FAIL: symbols exported that are not public API:"; printf '%s\n' "$bad"; exit 1
fi
want=$(cat "$listdir"/*.txt | grep -v '^#' | sed '/^$/d' | sort -u)
if [ "$got" != "$want" ]; then
    echo "FAIL: exported symbols differ from tests/exports/*.txt (< exported, > listed):"
    tmp=$(mktemp -d)
    printf '%s\n' "$got" > "$tmp/exported"; printf '%s\n' "$want" > "$tmp/listed"
    diff "$tmp/exported" "$tmp/listed"; rm -rf "$tmp"
    exit 1
fi
echo "exports: $(printf '%s\n' "$got" | wc -l) tipc_ symbols, all listed"
