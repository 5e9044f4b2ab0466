/* SPDX-License-Identifier: MIT */
/* Order client: exact counts against a small order manager that runs in a
 * thread of this test (tipc_server, dedup by id like the real one): every
 * order acked, a reject with its reason, a connection dropped before the
 * acks and the resend that follows (same ids, each logged once), orders
 * taken over from a journal, the drain deadline, connect failures on the
 * backoff schedule, the token; and the backoff schedule itself. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tipc_check.h"
#include <tradeipc/order_client.h>

#define MAX_ORDERS 512
#define MS UINT64_C(1000000)

/* ---- a fake order manager in a thread ---------------------------------- */

enum om_mode {
    OM_ACK = 0,       /* ack every order; duplicates as duplicate=1 */
    OM_SILENT = 1,    /* log, never ack */
    OM_DROP_FIRST = 2 /* first connection: log, no ack, close after drop_after orders */
};

struct om {
    tipc_server *srv;
    int port;
    enum om_mode mode;
    int drop_after;
    pthread_t tid;
    atomic_int stop;
    /* written by the thread; read after om_stop() */
    int joins, nrecv, nlogged;
    uint64_t first_conn;
    char recv[2 * MAX_ORDERS][TIPC_ORDER_ID_MAX + 1]; /* every order received */
    char logged[MAX_ORDERS][TIPC_ORDER_ID_MAX + 1];   /* each id once */
};

static int
om_find(const struct om *om, const char *id)
{
    for (int i = 0; i < om->nlogged; i++)
        if (strcmp(om->logged[i], id) == 0)
            return i;
    return -1;
}

static void
om_ack(struct om *om, uint64_t conn, const tipc_order *o, int dup_of)
{
    tipc_ack a = {.status = TIPC_ACK_ACCEPTED, .order_send_ns = o->send_ns};
    char json[TIPC_ORDER_JSON_MAX];
    size_t len;

    snprintf(a.client_order_id, sizeof a.client_order_id, "%s", o->client_order_id);
    a.recv_ns = a.ack_ns = tipc_time_realtime_ns();
    if (dup_of >= 0) {
        a.duplicate = 1;
        a.order_id = (uint64_t)dup_of + 1;
    } else if (strcmp(o->symbol, "BAD") == 0) {
        a.status = TIPC_ACK_REJECTED;
        snprintf(a.reason, sizeof a.reason, "unknown symbol BAD");
    } else {
        a.order_id = (uint64_t)om->nlogged;
    }
    ck_assert_tipc_ok(tipc_ack_encode(&a, json, sizeof json, &len));
    ck_assert_tipc_ok(tipc_server_send(om->srv, conn, TIPC_MSG_ACK, json, len));
}

static void
om_order(struct om *om, uint64_t conn, const tipc_frame *f)
{
    tipc_order o;

    ck_assert_tipc_ok(tipc_order_decode((const char *)f->data, f->len, &o));
    ck_assert_int_lt(om->nrecv, 2 * MAX_ORDERS);
    memcpy(om->recv[om->nrecv++], o.client_order_id, sizeof o.client_order_id);
    int dup = om_find(om, o.client_order_id);
    if (dup < 0 && strcmp(o.symbol, "BAD") != 0) {
        ck_assert_int_lt(om->nlogged, MAX_ORDERS);
        memcpy(om->logged[om->nlogged++], o.client_order_id, sizeof o.client_order_id);
    }
    if (om->mode == OM_SILENT)
        return;
    if (om->mode == OM_DROP_FIRST && conn == om->first_conn) {
        if (om->nrecv == om->drop_after)
            ck_assert_tipc_ok(tipc_server_close_conn(om->srv, conn, "test drop"));
        return;
    }
    om_ack(om, conn, &o, dup);
}

static void *
om_main(void *arg)
{
    struct om *om = arg;
    tipc_server_event ev[32];

    while (!atomic_load(&om->stop)) {
        int n = tipc_server_poll(om->srv, ev, 32, 5);
        for (int i = 0; i < n; i++) {
            if (ev[i].kind == TIPC_SERVER_JOIN && om->joins++ == 0)
                om->first_conn = ev[i].conn;
            else if (ev[i].kind == TIPC_SERVER_FRAME && ev[i].frame.type == TIPC_MSG_ORDER)
                om_order(om, ev[i].conn, &ev[i].frame);
        }
        (void)tipc_server_flush(om->srv);
    }
    return NULL;
}

static struct om *
om_start(enum om_mode mode, const char *token, int drop_after)
{
    tipc_server_opts so = {.allowed_roles = TIPC_ROLE_STRATEGY, .token = token};
    struct om *om = calloc(1, sizeof *om);

    ck_assert_ptr_nonnull(om);
    om->mode = mode;
    om->drop_after = drop_after;
    ck_assert_tipc_ok(tipc_server_listen(&om->srv, "127.0.0.1:0", &so));
    om->port = tipc_server_port(om->srv);
    ck_assert_int_eq(pthread_create(&om->tid, NULL, om_main, om), 0);
    return om;
}

static void
om_stop(struct om *om)
{
    atomic_store(&om->stop, 1);
    ck_assert_int_eq(pthread_join(om->tid, NULL), 0);
    tipc_server_close(om->srv);
}

/* ---- client helpers ------------------------------------------------------ */

static char addr[64], jdir[64], jpath[128];
/* Ack events the helpers below have seen, and of those rejections (the
 * one rejected order of these tests is t-3, symbol BAD). */
static int acks_seen, rejects_seen;

static tipc_order_client *
client(int port, const char *journal, uint32_t capacity)
{
    tipc_order_client_opts o = {.name = "t",
                                .journal = journal,
                                .capacity = capacity,
                                .backoff_min_ms = 20,
                                .backoff_max_ms = 80};
    tipc_order_client *c = NULL;

    acks_seen = rejects_seen = 0; /* also with CK_FORK=no */
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    ck_assert_tipc_ok(tipc_order_client_open(&c, addr, &o));
    ck_assert_ptr_nonnull(c);
    return c;
}

static tipc_order
order(const char *symbol, int64_t price)
{
    tipc_order o;

    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "%s", symbol);
    o.side = TIPC_SIDE_BUY;
    o.quantity = 100;
    o.price = price;
    o.signal.rule = TIPC_RULE_MANUAL;
    o.tick_ns = 1;
    return o;
}

static void
submit_n(tipc_order_client *c, int n, uint64_t first)
{
    for (int i = 0; i < n; i++) {
        tipc_order o = order("AAPL", 1000000 + i);
        char want[32];
        ck_assert_tipc_ok(tipc_order_client_submit(c, &o));
        snprintf(want, sizeof want, "t-%llu", (unsigned long long)first + (uint64_t)i);
        ck_assert_str_eq(o.client_order_id, want);
        ck_assert_str_eq(o.strategy, "t");
    }
}

static void
tally(const tipc_order_event *ev)
{
    if (ev->kind != TIPC_ORDER_EV_ACK)
        return;
    acks_seen++;
    if (ev->ack.status == TIPC_ACK_REJECTED) {
        ck_assert_str_eq(ev->ack.reason, "unknown symbol BAD");
        ck_assert_str_eq(ev->ack.client_order_id, "t-3");
        ck_assert_uint_eq(ev->ack.order_id, 0);
        rejects_seen++;
    } else {
        ck_assert_uint_gt(ev->rtt_ns, 0);
    }
}

/* Poll until the first event of this kind; returns it. Acks on the way are
 * tallied. */
static tipc_order_event
wait_event(tipc_order_client *c, tipc_order_event_kind kind)
{
    uint64_t end = tipc_time_monotonic_ns() + 5000 * MS;
    tipc_order_event ev[8], found = {0};

    while (tipc_time_monotonic_ns() < end) {
        int n = tipc_order_client_poll(c, ev, 8, 50);
        ck_assert_int_ge(n, 0);
        for (int i = 0; i < n; i++) {
            tally(&ev[i]);
            if (ev[i].kind == kind && found.kind == 0)
                found = ev[i];
        }
        if (found.kind != 0)
            return found;
    }
    ck_abort_msg("no %s event within 5 s", tipc_order_event_kind_name(kind));
    return found;
}

/* Drain to zero unacknowledged; returns the acks seen since the test began. */
static int
drain_all(tipc_order_client *c)
{
    tipc_order_event ev[16];
    uint64_t deadline = tipc_time_monotonic_ns() + 5000 * MS;
    int n;

    while ((n = tipc_order_client_drain(c, ev, 16, deadline)) > 0)
        for (int i = 0; i < n; i++)
            tally(&ev[i]);
    ck_assert_tipc_ok(n);
    return acks_seen;
}

static tipc_order_client_stats
stats(const tipc_order_client *c)
{
    tipc_order_client_stats st;
    tipc_order_client_get_stats(c, &st);
    return st;
}

static void
assert_logged_dense(const struct om *om, int n)
{
    ck_assert_int_eq(om->nlogged, n);
    for (int i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "t-%d", i + 1);
        ck_assert_str_eq(om->logged[i], want);
    }
}

static void
journal_setup(void)
{
    snprintf(jdir, sizeof jdir, "/tmp/tipc_oc_%ld_XXXXXX", (long)getpid());
    ck_assert_ptr_nonnull(mkdtemp(jdir));
    snprintf(jpath, sizeof jpath, "%s/journal", jdir);
}

static void
journal_teardown(void)
{
    unlink(jpath);
    rmdir(jdir);
}

/* A port nobody listens on: bound, read back, closed. */
static int
dead_port(void)
{
    tipc_server *srv = NULL;
    ck_assert_tipc_ok(tipc_server_listen(&srv, "127.0.0.1:0", NULL));
    int port = tipc_server_port(srv);
    tipc_server_close(srv);
    return port;
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_order_client_every_order_acked_exactly)
{
    struct om *om = om_start(OM_ACK, NULL, 0);
    tipc_order_client *c = client(om->port, NULL, 0);

    ck_assert_int_eq(tipc_order_client_fd(c), -1);
    ck_assert_int_eq(tipc_order_client_next_timeout_ms(c), 0); /* first try due at once */
    tipc_order_event ev = wait_event(c, TIPC_ORDER_EV_CONNECTED);
    ck_assert_uint_eq(ev.resent, 0);
    ck_assert_int_eq(tipc_order_client_is_connected(c), 1);
    ck_assert_int_ge(tipc_order_client_fd(c), 0);
    submit_n(c, 300, 1);
    ck_assert_int_eq(drain_all(c), 300);
    ck_assert_int_eq(rejects_seen, 0);

    tipc_order_client_stats st = stats(c);
    ck_assert_uint_eq(st.submitted, 300);
    ck_assert_uint_eq(st.accepted, 300);
    ck_assert_uint_eq(st.rejected, 0);
    ck_assert_uint_eq(st.duplicates, 0);
    ck_assert_uint_eq(st.resent, 0);
    ck_assert_uint_eq(st.unacked, 0);
    ck_assert_uint_eq(st.connects, 1);
    ck_assert_uint_eq(st.losses, 0);
    ck_assert_uint_eq(st.unknown_acks, 0);
    ck_assert_uint_eq(st.journal_orders, 0);
    ck_assert_uint_eq(st.next_seq, 301);
    ck_assert_uint_eq(tipc_hist_count(tipc_order_client_rtt(c)), 300);
    ck_assert_uint_gt(tipc_hist_min(tipc_order_client_rtt(c)), 0);
    tipc_order_client_close(c);
    om_stop(om);
    ck_assert_int_eq(om->nrecv, 300);
    assert_logged_dense(om, 300);
    free(om);
}
END_TEST

START_TEST(test_order_client_orders_before_connect_go_out_on_connect)
{
    struct om *om = om_start(OM_ACK, NULL, 0);
    tipc_order_client *c = client(om->port, NULL, 0);

    submit_n(c, 5, 1); /* kept, not sent: no connection yet */
    ck_assert_uint_eq(stats(c).unacked, 5);
    tipc_order_event ev = wait_event(c, TIPC_ORDER_EV_CONNECTED);
    ck_assert_uint_eq(ev.resent, 5);
    ck_assert_int_eq(drain_all(c), 5);
    ck_assert_uint_eq(stats(c).accepted, 5);
    ck_assert_uint_eq(stats(c).resent, 0); /* never sent before: not a resend */
    tipc_order_client_close(c);
    om_stop(om);
    ck_assert_int_eq(om->nrecv, 5);
    assert_logged_dense(om, 5);
    free(om);
}
END_TEST

START_TEST(test_order_client_reject_carries_reason)
{
    struct om *om = om_start(OM_ACK, NULL, 0);
    tipc_order_client *c = client(om->port, NULL, 0);

    (void)wait_event(c, TIPC_ORDER_EV_CONNECTED);
    submit_n(c, 2, 1);
    tipc_order bad = order("BAD", 5000000);
    ck_assert_tipc_ok(tipc_order_client_submit(c, &bad));
    ck_assert_str_eq(bad.client_order_id, "t-3");
    submit_n(c, 2, 4);
    ck_assert_int_eq(drain_all(c), 5);
    ck_assert_int_eq(rejects_seen, 1);
    tipc_order_client_stats st = stats(c);
    ck_assert_uint_eq(st.accepted, 4);
    ck_assert_uint_eq(st.rejected, 1);
    ck_assert_uint_eq(st.unacked, 0);
    tipc_order_client_close(c);
    om_stop(om);
    ck_assert_int_eq(om->nlogged, 4);
    free(om);
}
END_TEST

/* ---- resend ------------------------------------------------------------------ */

/* The manager logs five orders, acks none and drops the connection. After the
 * reconnect the client sends the same five ids again; the manager answers
 * them as duplicates, and each id is logged once. */
START_TEST(test_order_client_resends_same_ids_after_drop)
{
    struct om *om = om_start(OM_DROP_FIRST, NULL, 5);
    tipc_order_client *c = client(om->port, NULL, 0);

    (void)wait_event(c, TIPC_ORDER_EV_CONNECTED);
    submit_n(c, 5, 1);
    tipc_order_event lost = wait_event(c, TIPC_ORDER_EV_LOST);
    ck_assert_int_lt(lost.err, 0);
    ck_assert_uint_le(lost.retry_ms, 20);
    ck_assert_int_eq(tipc_order_client_is_connected(c), 0);
    ck_assert_int_eq(tipc_order_client_fd(c), -1);
    tipc_order_event again = wait_event(c, TIPC_ORDER_EV_CONNECTED);
    ck_assert_uint_eq(again.resent, 5);
    ck_assert_int_eq(drain_all(c), 5);

    tipc_order_client_stats st = stats(c);
    ck_assert_uint_eq(st.submitted, 5);
    ck_assert_uint_eq(st.accepted, 5);
    ck_assert_uint_eq(st.duplicates, 5);
    ck_assert_uint_eq(st.resent, 5);
    ck_assert_uint_eq(st.unacked, 0);
    ck_assert_uint_eq(st.connects, 2);
    ck_assert_uint_eq(st.losses, 1);
    tipc_order_client_close(c);
    om_stop(om);
    ck_assert_int_eq(om->nrecv, 10);
    for (int i = 0; i < 5; i++) /* the same ids, oldest first, both times */
        ck_assert_str_eq(om->recv[i], om->recv[i + 5]);
    assert_logged_dense(om, 5);
    free(om);
}
END_TEST

/* Orders a process leaves unacknowledged are in its journal: the next
 * process numbers on and sends them on its first connection. */
START_TEST(test_order_client_journal_recovers_unacked)
{
    int port = dead_port();
    tipc_order_client *c = client(port, jpath, 0);

    submit_n(c, 3, 1);
    tipc_order_client_close(c);

    struct om *om = om_start(OM_ACK, NULL, 0);
    c = client(om->port, jpath, 0);
    tipc_order_client_stats st = stats(c);
    ck_assert_uint_eq(st.recovered, 3);
    ck_assert_uint_eq(st.unacked, 3);
    ck_assert_uint_eq(st.journal_orders, 3);
    ck_assert_uint_eq(st.next_seq, 4);
    ck_assert_uint_eq(wait_event(c, TIPC_ORDER_EV_CONNECTED).resent, 3);
    submit_n(c, 2, 4);
    ck_assert_int_eq(drain_all(c), 5);
    st = stats(c);
    ck_assert_uint_eq(st.submitted, 2);
    ck_assert_uint_eq(st.accepted, 5);
    ck_assert_uint_eq(st.resent, 0);
    ck_assert_uint_eq(st.journal_orders, 5);
    ck_assert_uint_eq(st.journal_accepted, 5);
    ck_assert_uint_eq(st.journal_rejected, 0);
    tipc_order_client_close(c);
    om_stop(om);
    assert_logged_dense(om, 5);
    free(om);

    c = client(port, jpath, 0); /* all settled: nothing to resend */
    ck_assert_uint_eq(stats(c).recovered, 0);
    ck_assert_uint_eq(stats(c).next_seq, 6);
    tipc_order_client_close(c);
}
END_TEST

/* ---- drain --------------------------------------------------------------------- */

START_TEST(test_order_client_drain_stops_at_deadline)
{
    struct om *om = om_start(OM_SILENT, NULL, 0);
    tipc_order_client *c = client(om->port, NULL, 0);
    tipc_order_event ev[8];
    int n;

    (void)wait_event(c, TIPC_ORDER_EV_CONNECTED);
    submit_n(c, 4, 1);
    uint64_t start = tipc_time_monotonic_ns(), deadline = start + 200 * MS;
    while ((n = tipc_order_client_drain(c, ev, 8, deadline)) > 0)
        ;
    uint64_t took = tipc_time_monotonic_ns() - start;
    ck_assert_tipc_err(n, TIPC_ETIMEDOUT);
    ck_assert_uint_ge(took, 200 * MS);
    ck_assert_uint_lt(took, 1000 * MS);
    ck_assert_uint_eq(stats(c).unacked, 4);
    /* A deadline already past: at once. */
    ck_assert_tipc_err(tipc_order_client_drain(c, ev, 8, start), TIPC_ETIMEDOUT);
    tipc_order_client_close(c);
    om_stop(om);
    ck_assert_int_eq(om->nlogged, 4);
    free(om);
}
END_TEST

START_TEST(test_order_client_drain_with_nothing_unacked_returns_at_once)
{
    tipc_order_client *c = client(dead_port(), NULL, 0);
    tipc_order_event ev[4];

    ck_assert_int_eq(tipc_order_client_drain(c, ev, 4, 0), 0);
    tipc_order_client_close(c);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_order_client_connect_failures_follow_backoff)
{
    tipc_order_client *c = client(dead_port(), NULL, 0);
    tipc_order_event ev[4];
    uint32_t want[] = {20, 40, 80, 80};

    for (int i = 0; i < 4; i++) {
        tipc_order_event e = wait_event(c, TIPC_ORDER_EV_CONNECT_FAILED);
        ck_assert_tipc_err(e.err, TIPC_ECONNREFUSED);
        ck_assert_uint_eq(e.retry_ms, want[i]);
        ck_assert_int_le(tipc_order_client_next_timeout_ms(c), (int)want[i]);
    }
    /* Not due yet: a non-blocking poll does nothing. */
    ck_assert_int_eq(tipc_order_client_poll(c, ev, 4, 0), 0);
    tipc_order_client_stats st = stats(c);
    ck_assert_uint_eq(st.connect_failures, 4);
    ck_assert_uint_eq(st.connects, 0);
    ck_assert_int_eq(tipc_order_client_events(c), 0);
    tipc_order_client_close(c);
}
END_TEST

START_TEST(test_order_client_token_checked)
{
    struct om *om = om_start(OM_ACK, "s3cret", 0);
    tipc_order_client_opts o = {.name = "t", .token = "wrong", .backoff_min_ms = 10};
    tipc_order_client *c = NULL;

    snprintf(addr, sizeof addr, "127.0.0.1:%d", om->port);
    ck_assert_tipc_ok(tipc_order_client_open(&c, addr, &o));
    tipc_order_event e = wait_event(c, TIPC_ORDER_EV_CONNECT_FAILED);
    ck_assert_tipc_err(e.err, TIPC_EREJECTED);
    ck_assert_str_ne(e.why, "");
    tipc_order_client_close(c);
    o.token = "s3cret";
    ck_assert_tipc_ok(tipc_order_client_open(&c, addr, &o));
    (void)wait_event(c, TIPC_ORDER_EV_CONNECTED);
    tipc_order_client_close(c);
    om_stop(om);
    free(om);
}
END_TEST

START_TEST(test_order_client_invalid_order_not_kept)
{
    tipc_order_client *c = client(dead_port(), NULL, 0);
    tipc_order o = order("AAPL", 1000000);

    o.quantity = 0;
    ck_assert_tipc_err(tipc_order_client_submit(c, &o), TIPC_EBADVAL);
    o = order("AAPL", -5);
    ck_assert_tipc_err(tipc_order_client_submit(c, &o), TIPC_EBADVAL);
    tipc_order_client_stats st = stats(c);
    ck_assert_uint_eq(st.submitted, 0);
    ck_assert_uint_eq(st.unacked, 0);
    ck_assert_uint_eq(st.next_seq, 1);
    submit_n(c, 1, 1); /* the id was not used up */
    tipc_order_client_close(c);
}
END_TEST

START_TEST(test_order_client_open_rejects_bad_options)
{
    tipc_order_client *c = NULL;
    tipc_order_client_opts o = {.name = "t"};

    ck_assert_tipc_err(tipc_order_client_open(&c, "127.0.0.1:1", NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_order_client_open(&c, "", &o), TIPC_EINVAL);
    o.name = "";
    ck_assert_tipc_err(tipc_order_client_open(&c, "127.0.0.1:1", &o), TIPC_EINVAL);
    o.name = "has space";
    ck_assert_tipc_err(tipc_order_client_open(&c, "127.0.0.1:1", &o), TIPC_EINVAL);
    o.name = "abcdefghijklmnopqrstu"; /* 21 bytes */
    ck_assert_tipc_err(tipc_order_client_open(&c, "127.0.0.1:1", &o), TIPC_EINVAL);
    o.name = "abcdefghijklmnopqrst"; /* 20 */
    o.backoff_min_ms = 500, o.backoff_max_ms = 100;
    ck_assert_tipc_err(tipc_order_client_open(&c, "127.0.0.1:1", &o), TIPC_EINVAL);
    o.backoff_max_ms = 0, o.capacity = TIPC_OUTBOX_MAX_CAPACITY + 1;
    ck_assert_tipc_err(tipc_order_client_open(&c, "127.0.0.1:1", &o), TIPC_EINVAL);
    ck_assert_ptr_null(c);
    o.capacity = 0;
    ck_assert_tipc_ok(tipc_order_client_open(&c, "127.0.0.1:1", &o));
    tipc_order_client_close(c);
    tipc_order_client_close(NULL);
    ck_assert_str_eq(tipc_order_event_kind_name(TIPC_ORDER_EV_LOST), "lost");
    ck_assert_str_eq(tipc_order_event_kind_name(99), "unknown");
}
END_TEST

START_TEST(test_order_client_journal_of_another_name_refused)
{
    tipc_order_client *c = client(dead_port(), jpath, 0);
    tipc_order_client *d = NULL;
    tipc_order_client_opts o = {.name = "t", .journal = jpath};

    ck_assert_tipc_err(tipc_order_client_open(&d, "127.0.0.1:1", &o), TIPC_EBUSY);
    tipc_order_client_close(c);
    o.name = "u";
    ck_assert_tipc_err(tipc_order_client_open(&d, "127.0.0.1:1", &o), TIPC_EEXIST);
    ck_assert_ptr_null(d);
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

START_TEST(test_order_client_capacity_bounds_unacked)
{
    tipc_order_client *c = client(dead_port(), NULL, 4);
    tipc_order o = order("AAPL", 1000000);

    submit_n(c, 4, 1);
    ck_assert_tipc_err(tipc_order_client_submit(c, &o), TIPC_ENOSPC);
    ck_assert_uint_eq(stats(c).submitted, 4);
    ck_assert_uint_eq(stats(c).unacked, 4);
    ck_assert_uint_eq(stats(c).next_seq, 5);
    tipc_order_client_close(c);
}
END_TEST

/* ---- backoff --------------------------------------------------------------- */

START_TEST(test_backoff_schedule_exact)
{
    tipc_backoff b;
    uint64_t t = 1000 * MS;

    ck_assert_tipc_ok(tipc_backoff_init(&b, 100, 1000));
    ck_assert_int_eq(tipc_backoff_is_due(&b, 0), 1);
    ck_assert_int_eq(tipc_backoff_wait_ms(&b, t), 0);
    uint32_t want[] = {100, 200, 400, 800, 1000, 1000};
    for (int i = 0; i < 6; i++) {
        ck_assert_uint_eq(tipc_backoff_failed(&b, t), want[i]);
        ck_assert_uint_eq(tipc_backoff_failures(&b), (uint32_t)i + 1);
        ck_assert_int_eq(tipc_backoff_is_due(&b, t + want[i] * MS - 1), 0);
        ck_assert_int_eq(tipc_backoff_wait_ms(&b, t), (int)want[i]);
        ck_assert_int_eq(tipc_backoff_wait_ms(&b, t + 1), (int)want[i]); /* rounded up */
        t += want[i] * MS;
        ck_assert_int_eq(tipc_backoff_is_due(&b, t), 1);
    }
    tipc_backoff_succeeded(&b, t);
    ck_assert_uint_eq(tipc_backoff_failures(&b), 0);
    ck_assert_int_eq(tipc_backoff_is_due(&b, t), 0); /* not straight back after a success */
    ck_assert_int_eq(tipc_backoff_wait_ms(&b, t), 100);
    ck_assert_uint_eq(tipc_backoff_failed(&b, t + 100 * MS), 100);
}
END_TEST

START_TEST(test_backoff_init_defaults_and_errors)
{
    tipc_backoff b, keep;

    ck_assert_tipc_ok(tipc_backoff_init(&b, 0, 0));
    ck_assert_uint_eq(tipc_backoff_failed(&b, 0), TIPC_BACKOFF_MIN_MS);
    for (int i = 0; i < 40; i++)
        (void)tipc_backoff_failed(&b, 0);
    ck_assert_uint_eq(tipc_backoff_failed(&b, 0), TIPC_BACKOFF_MAX_MS);
    ck_assert_tipc_ok(tipc_backoff_init(&b, 5000, 0)); /* max follows a larger min */
    ck_assert_uint_eq(tipc_backoff_failed(&b, 0), 5000);
    ck_assert_uint_eq(tipc_backoff_failed(&b, 0), 5000);
    keep = b;
    ck_assert_tipc_err(tipc_backoff_init(&b, 200, 100), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_backoff_init(&b, 1, TIPC_BACKOFF_LIMIT_MS + 1), TIPC_EINVAL);
    ck_assert_mem_eq(&b, &keep, sizeof b);
    ck_assert_tipc_ok(tipc_backoff_init(&b, TIPC_BACKOFF_LIMIT_MS, TIPC_BACKOFF_LIMIT_MS));
    ck_assert_uint_eq(tipc_backoff_failed(&b, UINT64_C(1) << 62), TIPC_BACKOFF_LIMIT_MS);
    ck_assert_int_eq(tipc_backoff_wait_ms(&b, 0), INT32_MAX); /* clamped, not wrapped */
}
END_TEST

static Suite *
tipc_order_client_suite(void)
{
    Suite *s = suite_create("order_client");
    TCase *core = tcase_create("core"), *resend = tcase_create("resend");
    TCase *drain = tcase_create("drain"), *errors = tcase_create("errors");
    TCase *limits = tcase_create("limits"), *backoff = tcase_create("backoff");

    tcase_add_test(core, test_order_client_every_order_acked_exactly);
    tcase_add_test(core, test_order_client_orders_before_connect_go_out_on_connect);
    tcase_add_test(core, test_order_client_reject_carries_reason);
    tcase_add_checked_fixture(resend, journal_setup, journal_teardown);
    tcase_add_test(resend, test_order_client_resends_same_ids_after_drop);
    tcase_add_test(resend, test_order_client_journal_recovers_unacked);
    tcase_add_test(drain, test_order_client_drain_stops_at_deadline);
    tcase_add_test(drain, test_order_client_drain_with_nothing_unacked_returns_at_once);
    tcase_add_checked_fixture(errors, journal_setup, journal_teardown);
    tcase_add_test(errors, test_order_client_connect_failures_follow_backoff);
    tcase_add_test(errors, test_order_client_token_checked);
    tcase_add_test(errors, test_order_client_invalid_order_not_kept);
    tcase_add_test(errors, test_order_client_open_rejects_bad_options);
    tcase_add_test(errors, test_order_client_journal_of_another_name_refused);
    tcase_add_test(limits, test_order_client_capacity_bounds_unacked);
    tcase_add_test(backoff, test_backoff_schedule_exact);
    tcase_add_test(backoff, test_backoff_init_defaults_and_errors);
    TCase *all[] = {core, resend, drain, errors, limits, backoff};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        tcase_set_timeout(all[i], 20);
        suite_add_tcase(s, all[i]);
    }
    return s;
}

TIPC_CHECK_MAIN(tipc_order_client_suite)
