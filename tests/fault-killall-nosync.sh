#!/bin/sh
# SPDX-License-Identifier: MIT
# The crashes of fault-killall.sh with the order manager in --no-sync mode: it
# acknowledges orders once they are in its mapped staging file and writes the log
# after, so its kill -9 can fall between the two; the restarted one appends what
# the log lacks, and every order must still be logged exactly once.
TIPC_FAULT_RUN_ARGS=--no-sync exec sh "${TIPC_SRCDIR:-.}/tests/fault-killall.sh"
