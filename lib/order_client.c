/* SPDX-License-Identifier: MIT */
/*
 * Order client: outbox + journal + one reconnecting tipc_sock (see
 * order_client.h).
 *
 * The invariant behind "no order lost": an order enters the journal (when
 * there is one) and the outbox before its first byte is written, and leaves
 * the outbox only when its ack arrives. Everything in between may or may not
 * have reached the order manager, so every (re)connect walks the outbox
 * oldest first and sends each order again with its id unchanged; the order
 * manager's duplicate check makes that safe. Ids are "<name>-<n>"; with a
 * journal n comes from it (so it survives restarts), without one it counts
 * from 1, and submit formats the id before the journal does so that one
 * encode both validates the order and produces the bytes to send.
 *
 * A failed send only marks the connection broken (sends happen inside
 * submit, perhaps on another thread than the one waiting on the fd): the
 * socket is closed and the loss reported by the next poll, which keeps the
 * fd valid for a caller that waits on it outside its lock.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc/journal.h>
#include <tradeipc/order_client.h>
#include <tradeipc/outbox.h>

#include "client_int.h"

#define COMPONENT "order_client"

_Static_assert(TIPC_ORDER_CLIENT_NAME_MAX == TIPC_JOURNAL_PREFIX_MAX, "ids as the journal's");

struct tipc_order_client {
    struct tipc__conn conn;
    char name[TIPC_ORDER_CLIENT_NAME_MAX + 1];
    tipc_outbox *outbox;
    tipc_journal *journal; /* NULL without one */
    tipc_hist *rtt;
    uint64_t next_seq;
    tipc_order_client_stats st;
};

static const tipc_logger *
lg(const tipc_order_client *c)
{
    return tipc__conn_logger(&c->conn);
}

/* Take the orders a previous process left unacknowledged in the journal. */
static int
recover(tipc_order_client *c, uint32_t capacity)
{
    tipc_journal_stats js = {0};
    uint64_t pos = 0, cap;
    tipc_order o;
    int rc;

    if (c->journal != NULL)
        tipc_journal_get_stats(c->journal, &js);
    cap = (uint64_t)capacity + (js.orders - js.acked);
    if (cap > TIPC_OUTBOX_MAX_CAPACITY)
        cap = TIPC_OUTBOX_MAX_CAPACITY;
    if ((rc = tipc_outbox_create(&c->outbox, (uint32_t)cap)) < 0)
        return rc;
    while (c->journal != NULL && tipc_journal_next_unacked(c->journal, &pos, &o) == 1) {
        if ((rc = tipc_outbox_add(c->outbox, &o)) < 0)
            return rc;
        c->st.recovered++;
    }
    c->next_seq = js.orders + 1;
    return 0;
}

int
tipc_order_client_open(tipc_order_client **out, const char *addr,
                       const tipc_order_client_opts *opts)
{
    tipc_order_client *c;
    size_t nlen;
    int rc;

    assert(out != NULL);
    if (opts == NULL || opts->name == NULL)
        return TIPC_EINVAL;
    nlen = strnlen(opts->name, TIPC_ORDER_CLIENT_NAME_MAX + 1);
    if (nlen == 0 || nlen > TIPC_ORDER_CLIENT_NAME_MAX ||
        !tipc_order_id_is_valid(opts->name, nlen) ||
        (opts->token != NULL && strlen(opts->token) > TIPC_SOCK_TOKEN_MAX) ||
        opts->capacity > TIPC_OUTBOX_MAX_CAPACITY)
        return TIPC_EINVAL;
    tipc_hello hello = {.role = TIPC_ROLE_STRATEGY};
    memcpy(hello.name, opts->name, nlen + 1);
    if (opts->token != NULL)
        snprintf(hello.token, sizeof hello.token, "%s", opts->token);
    if ((c = calloc(1, sizeof *c)) == NULL)
        return TIPC_ENOMEM;
    memcpy(c->name, opts->name, nlen + 1);
    if ((rc = tipc__conn_init(&c->conn, addr, &hello, opts->connect_timeout_ms,
                              opts->backoff_min_ms, opts->backoff_max_ms, opts->logger)) < 0 ||
        (rc = tipc_hist_create(&c->rtt)) < 0) {
        tipc_order_client_close(c);
        return rc;
    }
    if (opts->journal != NULL) {
        tipc_journal_opts jo = {.logger = lg(c)};
        if ((rc = tipc_journal_open(&c->journal, opts->journal, c->name, &jo)) < 0) {
            tipc_order_client_close(c);
            return rc;
        }
    }
    if ((rc = recover(c, opts->capacity ? opts->capacity : TIPC_ORDER_CLIENT_DEFAULT_CAPACITY)) <
        0) {
        tipc_order_client_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void
tipc_order_client_close(tipc_order_client *c)
{
    if (c == NULL)
        return;
    tipc__conn_fini(&c->conn);
    tipc_outbox_destroy(c->outbox);
    tipc_journal_close(c->journal);
    tipc_hist_destroy(c->rtt);
    free(c);
}

/* Write one order on the current connection. A failure marks it broken. */
static int
send_json(tipc_order_client *c, const char *id, const char *json, size_t len)
{
    int rc = tipc_sock_send(c->conn.sock, TIPC_MSG_ORDER, json, len, TIPC_NONBLOCK);
    if (rc < 0) {
        tipc__log(lg(c), TIPC_LOG_WARN, COMPONENT, "%s: sending %s: %s", c->conn.addr, id,
                  tipc_strerror(rc));
        c->conn.broken = rc;
    }
    return rc;
}

/* Send a kept order again: a new send_ns, in the outbox too. */
static int
resend(tipc_order_client *c, tipc_order *o)
{
    char json[TIPC_ORDER_JSON_MAX];
    size_t len;
    int rc;

    if (o->send_ns != 0)
        c->st.resent++;
    o->send_ns = tipc_time_realtime_ns();
    if ((rc = tipc_outbox_update(c->outbox, o)) < 0 ||
        (rc = tipc_order_encode(o, json, sizeof json, &len)) < 0) {
        c->conn.broken = rc; /* cannot happen: it encoded when it was submitted */
        return rc;
    }
    return send_json(c, o->client_order_id, json, len);
}

int
tipc_order_client_submit(tipc_order_client *c, tipc_order *o)
{
    char json[TIPC_ORDER_JSON_MAX];
    size_t len;
    int rc;

    assert(c != NULL && o != NULL);
    int live = tipc__conn_is_up(&c->conn);
    tipc_order k = *o;
    if (k.strategy[0] == '\0')
        memcpy(k.strategy, c->name, sizeof c->name);
    /* The id the journal will assign (same form), so that this one encode
     * validates the order and yields the bytes to send. */
    snprintf(k.client_order_id, sizeof k.client_order_id, "%s-%llu", c->name,
             (unsigned long long)c->next_seq);
    k.send_ns = live ? tipc_time_realtime_ns() : 0;
    if ((rc = tipc_order_encode(&k, json, sizeof json, &len)) < 0)
        return rc;
    if (tipc_outbox_count(c->outbox) == tipc_outbox_capacity(c->outbox))
        return TIPC_ENOSPC;
    if (c->journal != NULL) {
        char id[sizeof k.client_order_id];
        uint64_t send_ns = k.send_ns;
        memcpy(id, k.client_order_id, sizeof id);
        k.send_ns = 0; /* as created: a recovered order has never been sent */
        if ((rc = tipc_journal_add_order(c->journal, &k)) < 0)
            return rc;
        if (strcmp(id, k.client_order_id) != 0)
            return TIPC_ESTATE; /* cannot happen: both count from the journal's orders */
        k.send_ns = send_ns;
    }
    if ((rc = tipc_outbox_add(c->outbox, &k)) < 0)
        return rc; /* cannot happen: room checked, ids never reused */
    c->next_seq++;
    c->st.submitted++;
    if (live)
        (void)send_json(c, k.client_order_id, json, len);
    *o = k;
    return 0;
}

static void
event_init(tipc_order_event *ev, tipc_order_event_kind kind)
{
    memset(ev, 0, offsetof(tipc_order_event, ack));
    ev->why[0] = '\0';
    ev->kind = kind;
}

/* Close a broken connection and say when the next try is due. */
static void
lose(tipc_order_client *c, tipc_order_event *ev)
{
    event_init(ev, TIPC_ORDER_EV_LOST);
    ev->err = c->conn.broken;
    ev->retry_ms = tipc__conn_lose(&c->conn);
}

/* One try; on success every unacknowledged order goes out again. */
static void
try_connect(tipc_order_client *c, tipc_order_event *ev)
{
    uint64_t pos = 0;
    tipc_order o;

    event_init(ev, TIPC_ORDER_EV_CONNECTED);
    if ((ev->err = tipc__conn_connect(&c->conn, &ev->retry_ms, ev->why, sizeof ev->why)) < 0) {
        ev->kind = TIPC_ORDER_EV_CONNECT_FAILED;
        return;
    }
    while (!c->conn.broken && tipc_outbox_next(c->outbox, &pos, &o) == 1 && resend(c, &o) == 0)
        ev->resent++;
    tipc__log(lg(c), TIPC_LOG_DEBUG, COMPONENT, "%s: %u unacknowledged orders sent again",
              c->conn.addr, ev->resent);
}

/* An ack frame: settle its order. Returns 1 when *ev was written. */
static int
on_frame(tipc_order_client *c, const tipc_frame *f, tipc_order_event *ev)
{
    tipc_order o;
    int rc;

    if (f->type != TIPC_MSG_ACK || tipc_ack_decode((const char *)f->data, f->len, &ev->ack) < 0) {
        c->st.bad_frames++;
        tipc__log(lg(c), TIPC_LOG_WARN, COMPONENT, "%s: ignoring a malformed %s frame",
                  c->conn.addr, tipc_msg_type_name(f->type));
        return 0;
    }
    if (tipc_outbox_remove(c->outbox, ev->ack.client_order_id, &o) < 0) {
        c->st.unknown_acks++;
        tipc__log(lg(c), TIPC_LOG_WARN, COMPONENT, "ack for unknown order '%s' (%s)",
                  ev->ack.client_order_id, ev->ack.reason);
        return 0;
    }
    if (c->journal != NULL &&
        (rc = tipc_journal_add_ack(c->journal, o.client_order_id, ev->ack.status)) < 0)
        tipc__log(lg(c), TIPC_LOG_ERROR, COMPONENT,
                  "journal: ack of %s not recorded (a restart would resend it): %s",
                  o.client_order_id, tipc_strerror(rc));
    if (ev->ack.status == TIPC_ACK_ACCEPTED) {
        c->st.accepted++;
        c->st.duplicates += ev->ack.duplicate != 0;
    } else {
        c->st.rejected++;
    }
    uint64_t now = tipc_time_realtime_ns();
    ev->kind = TIPC_ORDER_EV_ACK;
    ev->err = 0;
    ev->resent = ev->retry_ms = 0;
    ev->why[0] = '\0';
    ev->rtt_ns = o.send_ns != 0 && now > o.send_ns ? now - o.send_ns : 0;
    if (ev->rtt_ns != 0)
        tipc_hist_record(c->rtt, ev->rtt_ns);
    return 1;
}

/* Everything that can be done now without waiting. */
static int
step(tipc_order_client *c, tipc_order_event *ev, int max)
{
    tipc_sock *sock = c->conn.sock;
    tipc_frame f;
    int n = 0, rc = 0;

    if (sock != NULL && c->conn.broken)
        lose(c, &ev[n++]);
    if (n < max && tipc__conn_is_due(&c->conn))
        try_connect(c, &ev[n++]);
    if (!tipc__conn_is_up(&c->conn))
        return n;
    sock = c->conn.sock;
    while (n < max && (rc = tipc_sock_recv(sock, &f, 0)) == 0)
        n += on_frame(c, &f, &ev[n]);
    if (rc == 0 || rc == TIPC_EAGAIN)
        rc = tipc_sock_flush(sock, 0); /* orders left queued, heartbeats */
    if (rc < 0 && rc != TIPC_EAGAIN) {
        c->conn.broken = rc;
        if (n < max)
            lose(c, &ev[n++]); /* else reported by the next call */
    }
    return n;
}

/* Step, and wait for something to do until deadline_ns (or, when drain is
 * set, until nothing is unacknowledged). */
static int
run(tipc_order_client *c, tipc_order_event *ev, int max, uint64_t deadline_ns, bool drain)
{
    for (;;) {
        if (drain && tipc_outbox_count(c->outbox) == 0)
            return 0;
        int n = step(c, ev, max);
        if (n > 0)
            return n;
        if (tipc_time_monotonic_ns() >= deadline_ns)
            return drain ? TIPC_ETIMEDOUT : 0;
        if (tipc__conn_wait(&c->conn, deadline_ns) == TIPC_EINTR)
            return TIPC_EINTR;
    }
}

int
tipc_order_client_poll(tipc_order_client *c, tipc_order_event *ev, int max, int timeout_ms)
{
    assert(c != NULL && ev != NULL && max > 0);
    int n = run(c, ev, max, tipc__deadline_after_ms(timeout_ms), false);
    return n < 0 ? 0 : n;
}

int
tipc_order_client_drain(tipc_order_client *c, tipc_order_event *ev, int max, uint64_t deadline_ns)
{
    assert(c != NULL && ev != NULL && max > 0);
    return run(c, ev, max, deadline_ns, true);
}

int
tipc_order_client_fd(const tipc_order_client *c)
{
    assert(c != NULL);
    return tipc__conn_fd(&c->conn);
}

short
tipc_order_client_events(const tipc_order_client *c)
{
    assert(c != NULL);
    return tipc__conn_events(&c->conn);
}

int
tipc_order_client_next_timeout_ms(const tipc_order_client *c)
{
    assert(c != NULL);
    return tipc__conn_next_timeout_ms(&c->conn);
}

int
tipc_order_client_is_connected(const tipc_order_client *c)
{
    assert(c != NULL);
    return tipc__conn_is_up(&c->conn);
}

void
tipc_order_client_get_stats(const tipc_order_client *c, tipc_order_client_stats *out)
{
    assert(c != NULL && out != NULL);
    *out = c->st;
    out->connects = c->conn.connects;
    out->connect_failures = c->conn.connect_failures;
    out->losses = c->conn.losses;
    out->unacked = tipc_outbox_count(c->outbox);
    out->connected = (uint32_t)tipc_order_client_is_connected(c);
    out->next_seq = c->next_seq;
    if (c->journal != NULL) {
        tipc_journal_stats js;
        tipc_journal_get_stats(c->journal, &js);
        out->journal_orders = js.orders;
        out->journal_accepted = js.accepted;
        out->journal_rejected = js.rejected;
    }
}

const tipc_hist *
tipc_order_client_rtt(const tipc_order_client *c)
{
    assert(c != NULL);
    return c->rtt;
}

const char *
tipc_order_event_kind_name(int kind)
{
    switch (kind) {
    case TIPC_ORDER_EV_ACK:
        return "ack";
    case TIPC_ORDER_EV_CONNECTED:
        return "connected";
    case TIPC_ORDER_EV_CONNECT_FAILED:
        return "connect failed";
    case TIPC_ORDER_EV_LOST:
        return "lost";
    default:
        return "unknown";
    }
}
