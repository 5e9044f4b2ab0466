/* SPDX-License-Identifier: MIT */
/*
 * Order client: the strategy side of the order protocol, for any program
 * that sends orders to an order manager.
 *
 * It owns one connection (handshake as TIPC_ROLE_STRATEGY, optional token)
 * and the bookkeeping that makes "no order lost, none logged twice" hold:
 *   - submit gives each order a stable client order id "<name>-<n>" (n = 1,
 *     2, ...), keeps it in an outbox (outbox.h) until its ack arrives and
 *     sends it at once when connected;
 *   - with a journal (journal.h) every order is recorded before it is sent
 *     and every ack as it arrives, so a restarted process numbers on and
 *     resends what its predecessor left unacknowledged;
 *   - a lost connection is retried on a backoff schedule (backoff.h); after
 *     each reconnect every unacknowledged order is sent again, oldest first,
 *     with its id unchanged, and the order manager answers copies it already
 *     logged as duplicates (orderlog.h);
 *   - acks are matched to their orders, counted, and timed (round trip from
 *     the order's last send to its ack, in a tipc_hist).
 *
 * It starts no thread and plugs into the caller's loop like a tipc_sock:
 * wait on tipc_order_client_fd/_events/_next_timeout_ms, then call
 * tipc_order_client_poll, which does the I/O, the reconnects and the resends
 * and hands back what happened as events (acks, connects, losses). Only a
 * reconnect blocks, for at most connect_timeout_ms. Memory is allocated at
 * open; submit and poll never allocate (the journal's file, when it fills,
 * doubles in size: see journal.h).
 *
 * Threads: one thread at a time. A program whose orders come from several
 * threads serialises every call with one mutex. Only poll and drain close
 * or replace the connection, so the fd read under that mutex stays valid
 * until the same thread's next poll: it may wait on it with the mutex
 * released.
 */
#ifndef TRADEIPC_ORDER_CLIENT_H
#define TRADEIPC_ORDER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/backoff.h>
#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/hist.h>
#include <tradeipc/log.h>

TIPC_BEGIN_DECLS

/* Longest client name: "<name>-<n>" fits TIPC_ORDER_ID_MAX for n up to
 * 10 digits (the same bound as TIPC_JOURNAL_PREFIX_MAX). */
#define TIPC_ORDER_CLIENT_NAME_MAX 20
/* Unacknowledged orders the outbox holds when opts.capacity is 0. */
#define TIPC_ORDER_CLIENT_DEFAULT_CAPACITY 8192u

typedef struct tipc_order_client tipc_order_client; /* opaque */

/* Options for tipc_order_client_open(). Zero-initialise, then set what you
 * need; name is required. Strings are copied. */
typedef struct tipc_order_client_opts {
    /* The HELLO name, the orders' strategy field and the client order id
     * prefix: 1..TIPC_ORDER_CLIENT_NAME_MAX bytes of [A-Za-z0-9._:-]. */
    const char *name;
    const char *token;   /* handshake token; NULL or "": none */
    const char *journal; /* path of the journal file; NULL: no journal */
    /* Most unacknowledged orders (submit then fails with TIPC_ENOSPC); orders
     * recovered from the journal come on top. 0: the default above. */
    uint32_t capacity;
    int connect_timeout_ms;                  /* connect + handshake, per try; 0: 1000 */
    uint32_t backoff_min_ms, backoff_max_ms; /* reconnect schedule; 0: 100, 2000 */
    /* Unknown or malformed acks and journal failures (WARN, ERROR); connects,
     * losses and resends at DEBUG (the events report them). Also handed to
     * the socket. NULL: silent. Copied. */
    const tipc_logger *logger;
} tipc_order_client_opts;

typedef enum tipc_order_event_kind {
    TIPC_ORDER_EV_ACK = 1,            /* an ack for one of ours: .ack, .rtt_ns */
    TIPC_ORDER_EV_CONNECTED = 2,      /* (re)connected: .resent orders sent again */
    TIPC_ORDER_EV_CONNECT_FAILED = 3, /* a try failed: .err, .why, .retry_ms */
    TIPC_ORDER_EV_LOST = 4            /* the connection broke: .err; retried after .retry_ms */
} tipc_order_event_kind;

/* One thing that happened, as poll and drain hand it out. Plain value. */
typedef struct tipc_order_event {
    tipc_order_event_kind kind;
    int err;           /* CONNECT_FAILED, LOST: a TIPC_E* code */
    uint32_t resent;   /* CONNECTED: unacknowledged orders sent again */
    uint32_t retry_ms; /* CONNECT_FAILED, LOST: until the next try */
    uint64_t rtt_ns;   /* ACK: last send to ack, CLOCK_REALTIME; 0 when unknown */
    tipc_ack ack;      /* ACK: as the order manager sent it */
    char why[128];     /* CONNECT_FAILED: what err does not say (the server's reason,
                          the handshake step); often "" */
} tipc_order_event;

/* Counters since open. */
typedef struct tipc_order_client_stats {
    uint64_t submitted;    /* orders submit accepted (and gave an id) */
    uint64_t accepted;     /* acks with status ACCEPTED ... */
    uint64_t duplicates;   /* ... of which duplicate=1: logged before, by an earlier send */
    uint64_t rejected;     /* acks with status REJECTED */
    uint64_t resent;       /* sends of an order that had been sent before */
    uint64_t recovered;    /* unacknowledged orders taken over from the journal at open */
    uint64_t unknown_acks; /* acks for no order in the outbox (ignored) */
    uint64_t bad_frames;   /* frames that were not acks, or did not decode (ignored) */
    uint64_t connects;     /* successful connects */
    uint64_t connect_failures;
    uint64_t losses;    /* connections lost */
    uint32_t unacked;   /* orders waiting for their ack */
    uint32_t connected; /* 1 while connected */
    /* With a journal, over every process that used it (else 0): */
    uint64_t journal_orders, journal_accepted, journal_rejected;
    uint64_t next_seq; /* n of the next client order id "<name>-<n>" */
} tipc_order_client_stats;

/* tipc_order_client_open - a client for the order manager at addr (as for
 * tipc_sock_connect). Opens the journal if one is given and puts the orders
 * it holds unacknowledged into the outbox, to be sent on the first
 * connection. Does not connect: the first poll does, at once.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (no or bad name, addr NULL or empty, bad backoff or
 *   capacity over TIPC_OUTBOX_MAX_CAPACITY); TIPC_ENOMEM; the errors of
 *   tipc_journal_open (TIPC_EBUSY: another process has the journal, ...).
 * Ownership: addr and opts copied; caller owns *out; release with
 *   tipc_order_client_close(). */
TIPC_API TIPC_NODISCARD int tipc_order_client_open(tipc_order_client **out, const char *addr,
                                                   const tipc_order_client_opts *opts);

/* tipc_order_client_close - close the connection (BYE, best effort) and the
 * journal and free the client. Unacknowledged orders stay in the journal for
 * the next process. NULL is a no-op. */
TIPC_API void tipc_order_client_close(tipc_order_client *c);

/* tipc_order_client_submit - give *o the next client order id, record it in
 * the journal, keep it until its ack, and send it now if connected (else it
 * goes out after the next connect). Fill in symbol, side, quantity, price,
 * signal and tick_ns; an empty strategy becomes the client's name; the
 * client sets client_order_id and send_ns. A failed send does not fail the
 * submit: the order stays kept, and the next poll reports the lost
 * connection. That includes an output queue at its bound (out_cap, 4 MiB:
 * an order manager that stopped reading): the connection is dropped and
 * everything unacknowledged goes out again on the next one.
 * Returns: 0, with o->client_order_id (and, if sent, o->send_ns) set.
 * Errors: TIPC_EBADVAL and the other codes of tipc_order_encode (an order
 *   the order manager would reject: nothing kept); TIPC_ENOSPC (capacity
 *   orders unacknowledged); the journal's errors (nothing kept).
 * Ownership: o borrowed for the call; its contents are copied. */
TIPC_API TIPC_NODISCARD int tipc_order_client_submit(tipc_order_client *c, tipc_order *o);

/* tipc_order_client_poll - do the client's work and return what happened:
 * connect when a try is due (blocking up to connect_timeout_ms) and resend
 * the unacknowledged orders, read acks, flush output, notice a lost
 * connection. Waits up to timeout_ms (-1 forever, 0 not at all) for the
 * first event; returns at most max (>= 1) events.
 * Returns: the number of events written to ev (0: nothing happened in
 *   timeout_ms, or a signal interrupted the wait).
 * Errors: none; connection trouble comes as events.
 * Ownership: events copied into the caller's array. */
TIPC_API TIPC_NODISCARD int tipc_order_client_poll(tipc_order_client *c, tipc_order_event *ev,
                                                   int max, int timeout_ms);

/* tipc_order_client_drain - poll until no order is unacknowledged or the
 * CLOCK_MONOTONIC time deadline_ns passes, reconnecting as needed. Returns
 * as soon as there are events: call it again until it returns 0 or an
 * error.
 * Returns: > 0 events in ev; 0 when every order is acknowledged.
 * Errors: TIPC_ETIMEDOUT (deadline passed with orders unacknowledged:
 *   stats.unacked says how many); TIPC_EINTR (a signal interrupted the
 *   wait; call again, perhaps with a new deadline).
 * Ownership: events copied into the caller's array. */
TIPC_API TIPC_NODISCARD int tipc_order_client_drain(tipc_order_client *c, tipc_order_event *ev,
                                                    int max, uint64_t deadline_ns);

/* tipc_order_client_fd - the connection's fd for poll/epoll, or -1 while
 * not connected. It changes with each reconnect. */
TIPC_API int tipc_order_client_fd(const tipc_order_client *c);

/* tipc_order_client_events - what to wait for on the fd: POLLIN, plus
 * POLLOUT while output is queued; 0 while not connected. */
TIPC_API short tipc_order_client_events(const tipc_order_client *c);

/* tipc_order_client_next_timeout_ms - ms until poll has work that no fd
 * event announces (a heartbeat, a due reconnect, a lost connection to
 * report); call poll by then. Returns: >= 0, or -1 when there is none. */
TIPC_API int tipc_order_client_next_timeout_ms(const tipc_order_client *c);

/* tipc_order_client_is_connected - 1 while connected, else 0. */
TIPC_API int tipc_order_client_is_connected(const tipc_order_client *c);

/* tipc_order_client_get_stats - copy the counters into *out. */
TIPC_API void tipc_order_client_get_stats(const tipc_order_client *c, tipc_order_client_stats *out);

/* tipc_order_client_rtt - the round-trip histogram: one sample per ack of
 * an order this process sent (ns, last send to ack arrival).
 * Ownership: borrowed; valid until tipc_order_client_close(). */
TIPC_API const tipc_hist *tipc_order_client_rtt(const tipc_order_client *c);

/* tipc_order_event_kind_name - "ack", "connected", ... for logs.
 * Returns: a static string; "unknown" for other values. */
TIPC_API const char *tipc_order_event_kind_name(int kind);

TIPC_END_DECLS

#endif
