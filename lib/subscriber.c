/* SPDX-License-Identifier: MIT */
/*
 * Subscriber: a reconnecting market-data client (see subscriber.h).
 *
 * Resuming rests on one number per stream, the last seq handled. Each
 * stream's seqs only grow while the publisher lives, a joining client gets
 * the latest item per symbol with its original seq (symbol order, so not
 * sorted by seq), and SNAPSHOT_END says where the live stream resumes. So an
 * item of a snapshot at or below the number as it stood when the snapshot
 * began was handled before (skip it), SNAPSHOT_END moves the number to
 * the publisher's (forward after a gap in our connection; backward only when
 * the publisher restarted, which is the RESET event), and without a filter
 * any live item that is not last + 1 is a gap.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc/feed.h>
#include <tradeipc/subscriber.h>

#include "client_int.h"

#define COMPONENT "subscriber"

struct tipc_subscriber {
    struct tipc__conn conn;
    int in_snapshot;
    int resynced;                   /* SNAPSHOT_END seen on this connection: gaps can be judged */
    uint64_t base_price, base_news; /* last seqs when the snapshot began */
    tipc_subscriber_stats st;
};

int
tipc_subscriber_open(tipc_subscriber **out, const char *addr, const tipc_hello *hello,
                     const tipc_subscriber_opts *opts)
{
    static const tipc_subscriber_opts defaults;
    tipc_subscriber *s;
    int rc;

    assert(out != NULL);
    if (opts == NULL)
        opts = &defaults;
    if ((s = calloc(1, sizeof *s)) == NULL)
        return TIPC_ENOMEM;
    if ((rc = tipc__conn_init(&s->conn, addr, hello, opts->connect_timeout_ms, opts->backoff_min_ms,
                              opts->backoff_max_ms, opts->logger)) < 0) {
        tipc_subscriber_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void
tipc_subscriber_close(tipc_subscriber *s)
{
    if (s == NULL)
        return;
    tipc__conn_fini(&s->conn);
    free(s);
}

static tipc_sub_event *
event_init(tipc_sub_event *ev, tipc_sub_event_kind kind)
{
    memset(ev, 0, offsetof(tipc_sub_event, tick));
    ev->why[0] = '\0';
    ev->kind = kind;
    return ev;
}

static void
bad_frame(tipc_subscriber *s, const tipc_frame *f)
{
    if (s->st.bad_frames++ < 10) /* a broken publisher must not flood the log */
        tipc__log(tipc__conn_logger(&s->conn), TIPC_LOG_WARN, COMPONENT,
                  "%s: ignoring a malformed %s frame (%u bytes)", s->conn.addr,
                  tipc_msg_type_name(f->type), f->len);
}

/* Whether an item with this seq on this stream goes to the application;
 * writes a GAP event (returning 1 in *gap) when a live seq skipped ahead. */
static int
accept_seq(tipc_subscriber *s, tipc_stream stream, uint64_t seq, tipc_sub_event *gap_ev, int *gap)
{
    int prices = stream == TIPC_STREAM_PRICES;
    uint64_t *last = prices ? &s->st.price_seq : &s->st.news_seq;
    /* A snapshot lists symbols, not seqs, in order: judge its items against
     * where the stream stood when it began. */
    uint64_t seen = s->in_snapshot ? (prices ? s->base_price : s->base_news) : *last;

    *gap = 0;
    if (seq <= seen) {
        s->st.skipped++;
        return 0;
    }
    if (!s->in_snapshot && s->resynced && s->conn.hello.nsymbols == 0 && seq != *last + 1) {
        event_init(gap_ev, TIPC_SUB_EV_GAP);
        gap_ev->stream = stream;
        gap_ev->seq_from = *last + 1;
        gap_ev->seq_to = seq;
        s->st.gaps++;
        *gap = 1;
    }
    if (seq > *last)
        *last = seq;
    return 1;
}

/* SNAPSHOT_END: take the publisher's numbers; a step back is a restart. */
static int
resync(tipc_subscriber *s, const tipc_snapshot_end *e, tipc_sub_event *ev, int room)
{
    static const tipc_stream streams[2] = {TIPC_STREAM_PRICES, TIPC_STREAM_NEWS};
    uint64_t *last[2] = {&s->st.price_seq, &s->st.news_seq};
    const uint64_t now[2] = {e->price_seq, e->news_seq};
    int n = 0;

    s->in_snapshot = 0;
    s->resynced = 1;
    for (int i = 0; i < 2; i++) {
        if (!(s->conn.hello.streams & streams[i]))
            continue;
        if (now[i] < *last[i] && n < room) {
            event_init(&ev[n], TIPC_SUB_EV_RESET);
            ev[n].stream = streams[i];
            ev[n].seq_from = *last[i];
            ev[n++].seq_to = now[i];
            s->st.resets++;
        }
        *last[i] = now[i];
    }
    return n;
}

/* One frame; returns the events written (at most 2, room permitting). */
static int
on_frame(tipc_subscriber *s, const tipc_frame *f, tipc_sub_event *ev)
{
    tipc_snapshot_end e;
    int gap = 0;

    switch (f->type) {
    case TIPC_MSG_TICK:
        if (tipc_tick_decode(f->data, f->len, &ev[0].tick) < 0) {
            bad_frame(s, f);
            return 0;
        }
        if (!accept_seq(s, TIPC_STREAM_PRICES, ev[0].tick.seq, &ev[1], &gap))
            return 0;
        if (gap) { /* the GAP goes first */
            tipc_sub_event g = ev[1];
            ev[1] = ev[0];
            ev[0] = g;
        }
        event_init(&ev[gap], TIPC_SUB_EV_TICK)->snapshot = s->in_snapshot;
        ev[gap].len = f->len;
        s->st.ticks++;
        return 1 + gap;
    case TIPC_MSG_NEWS:
        if (tipc_news_decode(f->data, f->len, &ev[0].news) < 0) {
            bad_frame(s, f);
            return 0;
        }
        if (!accept_seq(s, TIPC_STREAM_NEWS, ev[0].news.seq, &ev[1], &gap))
            return 0;
        if (gap) {
            tipc_sub_event g = ev[1];
            ev[1] = ev[0];
            ev[0] = g;
        }
        event_init(&ev[gap], TIPC_SUB_EV_NEWS)->snapshot = s->in_snapshot;
        ev[gap].len = f->len;
        s->st.news++;
        return 1 + gap;
    case TIPC_MSG_SNAPSHOT_BEGIN:
        s->in_snapshot = 1;
        s->base_price = s->st.price_seq;
        s->base_news = s->st.news_seq;
        return 0;
    case TIPC_MSG_SNAPSHOT_END:
        if (tipc_snapshot_end_decode(f->data, f->len, &e) < 0) {
            bad_frame(s, f);
            s->in_snapshot = 0;
            return 0;
        }
        return resync(s, &e, ev, 2);
    case TIPC_MSG_END_OF_DATA:
        s->st.end_of_data++;
        event_init(ev, TIPC_SUB_EV_END_OF_DATA);
        return 1;
    default:
        return 0; /* another application's frame type: not ours */
    }
}

static int
step(tipc_subscriber *s, tipc_sub_event *ev, int max)
{
    tipc_frame f;
    int n = 0, rc = 0;

    if (s->conn.sock != NULL && s->conn.broken) {
        event_init(&ev[n], TIPC_SUB_EV_LOST)->err = s->conn.broken;
        ev[n++].retry_ms = tipc__conn_lose(&s->conn);
    }
    if (n < max && tipc__conn_is_due(&s->conn)) {
        tipc_sub_event *e = event_init(&ev[n++], TIPC_SUB_EV_CONNECTED);
        if ((e->err = tipc__conn_connect(&s->conn, &e->retry_ms, e->why, sizeof e->why)) < 0)
            e->kind = TIPC_SUB_EV_CONNECT_FAILED;
        s->in_snapshot = s->resynced = 0;
    }
    if (!tipc__conn_is_up(&s->conn))
        return n;
    /* A frame may make two events: read only while two fit. */
    while (n + 2 <= max && (rc = tipc_sock_recv(s->conn.sock, &f, 0)) == 0)
        n += on_frame(s, &f, &ev[n]);
    if (rc == 0 || rc == TIPC_EAGAIN)
        rc = tipc_sock_flush(s->conn.sock, 0); /* heartbeats */
    if (rc < 0 && rc != TIPC_EAGAIN) {
        s->conn.broken = rc;
        if (n < max) {
            event_init(&ev[n], TIPC_SUB_EV_LOST)->err = rc;
            ev[n++].retry_ms = tipc__conn_lose(&s->conn);
        }
    }
    return n;
}

int
tipc_subscriber_poll(tipc_subscriber *s, tipc_sub_event *ev, int max, int timeout_ms)
{
    uint64_t deadline = tipc__deadline_after_ms(timeout_ms);

    assert(s != NULL && ev != NULL && max >= 2);
    for (;;) {
        int n = step(s, ev, max);
        if (n > 0 || tipc_time_monotonic_ns() >= deadline ||
            tipc__conn_wait(&s->conn, deadline) == TIPC_EINTR)
            return n;
    }
}

int
tipc_subscriber_fd(const tipc_subscriber *s)
{
    assert(s != NULL);
    return tipc__conn_fd(&s->conn);
}

short
tipc_subscriber_events(const tipc_subscriber *s)
{
    assert(s != NULL);
    return tipc__conn_events(&s->conn);
}

int
tipc_subscriber_next_timeout_ms(const tipc_subscriber *s)
{
    assert(s != NULL);
    return tipc__conn_next_timeout_ms(&s->conn);
}

int
tipc_subscriber_is_connected(const tipc_subscriber *s)
{
    assert(s != NULL);
    return tipc__conn_is_up(&s->conn);
}

void
tipc_subscriber_get_stats(const tipc_subscriber *s, tipc_subscriber_stats *out)
{
    assert(s != NULL && out != NULL);
    *out = s->st;
    out->connects = s->conn.connects;
    out->connect_failures = s->conn.connect_failures;
    out->losses = s->conn.losses;
    out->connected = tipc__conn_is_up(&s->conn);
}
