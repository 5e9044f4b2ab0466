/* SPDX-License-Identifier: MIT */
/*
 * Subscriber: a market-data client that stays subscribed.
 *
 * Every program that reads a gateway's stream needs the same loop: connect
 * and handshake, decode TICK and NEWS frames, follow each stream's sequence
 * numbers, and when the connection goes away reconnect with backoff and
 * resume from the snapshot the gateway sends each joining client. A
 * tipc_subscriber does that loop and hands back decoded items as events:
 *   - a snapshot item whose seq is not above the last one handled on its
 *     stream before the snapshot began was seen before the reconnect and is
 *     skipped, so each item reaches the application once; a live item not
 *     above the last one handled is skipped too;
 *   - a SNAPSHOT_END whose seq is below the last one handled means the
 *     publisher restarted and numbering starts over: a RESET event, and the
 *     stream goes on from the new numbers (snapshot items of the restarted
 *     publisher that came before its SNAPSHOT_END and carry seqs not above
 *     the old ones were skipped as seen: a restarted publisher's snapshot is
 *     normally empty);
 *   - without a symbol filter a live item whose seq is not the next one is a
 *     GAP event (with a filter, seqs of other symbols are missing by design,
 *     so no gaps are reported);
 *   - END_OF_DATA becomes an event; the connection stays open.
 *
 * It starts no thread: wait on tipc_subscriber_fd/_events/_next_timeout_ms,
 * then call tipc_subscriber_poll. Only a reconnect blocks, for at most
 * connect_timeout_ms. Memory is allocated at open; poll never allocates.
 *
 * Threads: one thread at a time.
 */
#ifndef TRADEIPC_SUBSCRIBER_H
#define TRADEIPC_SUBSCRIBER_H

#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/log.h>
#include <tradeipc/sock.h>

TIPC_BEGIN_DECLS

typedef struct tipc_subscriber tipc_subscriber; /* opaque */

/* Options for tipc_subscriber_open(). Zero-initialise, then set what you
 * need; NULL means all defaults. */
typedef struct tipc_subscriber_opts {
    int connect_timeout_ms;                  /* connect + handshake, per try; 0: 1000 */
    uint32_t backoff_min_ms, backoff_max_ms; /* reconnect schedule; 0: 100, 2000 */
    /* Malformed frames (WARN; connects and losses at DEBUG: the events
     * report them); also handed to the socket. NULL: silent. Copied. */
    const tipc_logger *logger;
} tipc_subscriber_opts;

typedef enum tipc_sub_event_kind {
    TIPC_SUB_EV_TICK = 1,           /* .tick; .snapshot set inside a snapshot */
    TIPC_SUB_EV_NEWS = 2,           /* .news; .snapshot as for TICK */
    TIPC_SUB_EV_CONNECTED = 3,      /* (re)connected; a snapshot follows */
    TIPC_SUB_EV_CONNECT_FAILED = 4, /* a try failed: .err, .why, .retry_ms */
    TIPC_SUB_EV_LOST = 5,           /* the connection broke: .err; retried after .retry_ms */
    TIPC_SUB_EV_END_OF_DATA = 6,    /* the publisher has no more data */
    TIPC_SUB_EV_RESET = 7,          /* .stream's numbering went back from .seq_from to .seq_to */
    TIPC_SUB_EV_GAP = 8             /* .stream skipped: expected .seq_from, got .seq_to */
} tipc_sub_event_kind;

/* One thing that happened, as poll hands it out. Plain value. */
typedef struct tipc_sub_event {
    tipc_sub_event_kind kind;
    int err;                   /* CONNECT_FAILED, LOST: a TIPC_E* code */
    uint32_t retry_ms;         /* CONNECT_FAILED, LOST: until the next try */
    int snapshot;              /* TICK, NEWS: 1 when part of a snapshot */
    uint32_t len;              /* TICK, NEWS: payload bytes of its frame (for rate meters) */
    tipc_stream stream;        /* RESET, GAP */
    uint64_t seq_from, seq_to; /* RESET, GAP */
    tipc_tick tick;            /* TICK */
    tipc_news news;            /* NEWS */
    char why[128];             /* CONNECT_FAILED: what err does not say; often "" */
} tipc_sub_event;

/* Counters since open. */
typedef struct tipc_subscriber_stats {
    uint64_t ticks, news;  /* items handed out */
    uint64_t skipped;      /* snapshot items already handled before a reconnect */
    uint64_t gaps, resets; /* GAP and RESET events */
    uint64_t bad_frames;   /* TICK, NEWS or SNAPSHOT_END payloads that did not decode */
    uint64_t end_of_data;  /* END_OF_DATA frames */
    uint64_t connects, connect_failures, losses;
    uint64_t price_seq, news_seq; /* last seq handled per stream */
    uint32_t connected;           /* 1 while connected */
} tipc_subscriber_stats;

/* tipc_subscriber_open - a subscriber to the publisher at addr (as for
 * tipc_sock_connect) with this HELLO (role, streams, name, filter, token).
 * Does not connect: the first poll does, at once.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (addr NULL or empty, hello NULL, bad backoff or
 *   timeout); TIPC_ENOMEM. A hello the server refuses shows as
 *   CONNECT_FAILED events.
 * Ownership: addr, hello and opts copied; caller owns *out; release with
 *   tipc_subscriber_close(). */
TIPC_API TIPC_NODISCARD int tipc_subscriber_open(tipc_subscriber **out, const char *addr,
                                                 const tipc_hello *hello,
                                                 const tipc_subscriber_opts *opts);

/* tipc_subscriber_close - close the connection (BYE, best effort) and free
 * the subscriber. NULL is a no-op. */
TIPC_API void tipc_subscriber_close(tipc_subscriber *s);

/* tipc_subscriber_poll - connect when a try is due (blocking up to
 * connect_timeout_ms), read and decode what arrived, send heartbeats, notice
 * a lost connection. Waits up to timeout_ms (-1 forever, 0 not at all) for
 * the first event; returns at most max events. max is at least 2 (one frame
 * can make two events: a GAP, then the item).
 * Returns: the number of events written to ev (0: nothing in timeout_ms, or
 *   a signal interrupted the wait).
 * Errors: none; connection trouble comes as events.
 * Ownership: events copied into the caller's array. */
TIPC_API TIPC_NODISCARD int tipc_subscriber_poll(tipc_subscriber *s, tipc_sub_event *ev, int max,
                                                 int timeout_ms);

/* tipc_subscriber_fd - the connection's fd for poll/epoll, or -1 while not
 * connected. It changes with each reconnect. */
TIPC_API int tipc_subscriber_fd(const tipc_subscriber *s);

/* tipc_subscriber_events - what to wait for on the fd; 0 while not
 * connected. */
TIPC_API short tipc_subscriber_events(const tipc_subscriber *s);

/* tipc_subscriber_next_timeout_ms - ms until poll has work that no fd event
 * announces (a heartbeat, a due reconnect, buffered frames). Returns: >= 0,
 * or -1 when there is none. */
TIPC_API int tipc_subscriber_next_timeout_ms(const tipc_subscriber *s);

/* tipc_subscriber_is_connected - 1 while connected, else 0. */
TIPC_API int tipc_subscriber_is_connected(const tipc_subscriber *s);

/* tipc_subscriber_get_stats - copy the counters into *out. */
TIPC_API void tipc_subscriber_get_stats(const tipc_subscriber *s, tipc_subscriber_stats *out);

TIPC_END_DECLS

#endif
