/* SPDX-License-Identifier: MIT */
/*
 * libtradeipc - low-latency IPC for trading systems.
 *
 * Modules: framed sockets (sock.h), shared-memory books (book.h), market-data
 * and order codecs (codec.h), and the reusable pieces of a trading stack:
 * CSV replay (csv.h), a last-value cache and symbol table for publishers
 * (feed.h), per-symbol change reports over a book (book_watch.h), latency
 * histograms and throughput meters (hist.h), signal rules (signal.h), the
 * durable order log (orderlog.h), the table of unacknowledged orders
 * (outbox.h) and child process supervision (supervise.h).
 *
 * Thread-safety defaults, stated once here: a handle (tipc_sock, tipc_server,
 * tipc_book, ...) is used by one thread at a time; codec functions are
 * reentrant with no global state; tipc_strerror is thread-safe; a tipc_book
 * has exactly one writer and any number of readers in any number of
 * processes. The library starts no threads, keeps no global state, never
 * prints and never exits. Anything that differs says so in a "Threads:" line.
 */
#ifndef TRADEIPC_H
#define TRADEIPC_H

#include <tradeipc/export.h>
#include <tradeipc/version.h>
#include <tradeipc/error.h>
#include <tradeipc/log.h>
#include <tradeipc/time.h>
#include <tradeipc/codec.h>
#include <tradeipc/sock.h>
#include <tradeipc/book.h>
#include <tradeipc/book_watch.h>
#include <tradeipc/csv.h>
#include <tradeipc/feed.h>
#include <tradeipc/hist.h>
#include <tradeipc/signal.h>
#include <tradeipc/orderlog.h>
#include <tradeipc/outbox.h>
#include <tradeipc/journal.h>
#include <tradeipc/backoff.h>
#include <tradeipc/order_client.h>
#include <tradeipc/subscriber.h>
#include <tradeipc/supervise.h>

#endif
