/* SPDX-License-Identifier: MIT */
/* Subscriber: against a small publisher in a thread of this test (tipc_server
 * + tipc_lvc, like the gateway): the snapshot then the live stream, each item
 * once across a dropped connection (the snapshot's repeats skipped, what was
 * missed meanwhile delivered as the snapshot's latest value), a GAP for a
 * skipped seq, a RESET when the publisher restarts, END_OF_DATA, the symbol
 * filter, malformed frames, and connect failures on the backoff schedule. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tipc_check.h"
#include <tradeipc/subscriber.h>

#define MS UINT64_C(1000000)

/* ---- a publisher in a thread -------------------------------------------- */

struct pub {
    tipc_server *srv;
    tipc_lvc *lvc;
    int port;
    pthread_t tid;
    atomic_int stop, restart, eod, skip_tick, garbage, joins;
    atomic_uint_fast64_t want_ticks, want_news; /* publish until the seq reaches this */
    atomic_uint_fast64_t drop_to;               /* drop every client, then publish ticks to this */
    atomic_uint_fast64_t done_ticks;            /* published so far */
    uint64_t tick_seq, news_seq;                /* thread only */
    uint64_t conns[16];
    int nconns;
};

static void
pub_send_all(struct pub *p, uint8_t type, const void *data, size_t len)
{
    for (int i = 0; i < p->nconns; i++)
        ck_assert_tipc_ok(tipc_server_send(p->srv, p->conns[i], type, data, len));
}

static void
pub_commands(struct pub *p)
{
    uint8_t buf[128];
    size_t len;

    if (atomic_exchange(&p->restart, 0)) {
        tipc_lvc_destroy(p->lvc);
        ck_assert_tipc_ok(tipc_lvc_create(&p->lvc, 64));
        p->tick_seq = p->news_seq = 0;
        atomic_store(&p->drop_to, UINT64_MAX);
    }
    uint64_t drop_to = atomic_exchange(&p->drop_to, 0);
    if (drop_to != 0) {
        for (int i = 0; i < p->nconns; i++)
            ck_assert_tipc_ok(tipc_server_close_conn(p->srv, p->conns[i], "test drop"));
        p->nconns = 0;
        if (drop_to != UINT64_MAX)
            atomic_store(&p->want_ticks, drop_to);
    }
    if (atomic_exchange(&p->skip_tick, 0))
        p->tick_seq++;
    if (atomic_exchange(&p->garbage, 0))
        pub_send_all(p, TIPC_MSG_TICK, "\xc1\xc1", 2);
    while (p->tick_seq < atomic_load(&p->want_ticks)) {
        tipc_tick t = {.price = 1000000, .event_ns = 1, .send_ns = 2, .seq = ++p->tick_seq};
        snprintf(t.symbol, sizeof t.symbol, "%s", t.seq % 2 ? "AAA" : "BBB");
        t.price += (int64_t)t.seq;
        ck_assert_tipc_ok(tipc_tick_encode(&t, buf, sizeof buf, &len));
        ck_assert_tipc_ok(tipc_lvc_put_tick(p->lvc, &t));
        ck_assert_int_ge(
            tipc_server_publish(p->srv, TIPC_STREAM_PRICES, t.symbol, TIPC_MSG_TICK, buf, len), 0);
        atomic_store(&p->done_ticks, p->tick_seq);
    }
    while (p->news_seq < atomic_load(&p->want_news)) {
        tipc_news n = {.event_ns = 1, .send_ns = 2, .seq = ++p->news_seq};
        snprintf(n.symbol, sizeof n.symbol, "%s", n.seq % 2 ? "AAA" : "BBB");
        n.sentiment = (int32_t)(n.seq % 101);
        ck_assert_tipc_ok(tipc_news_encode(&n, buf, sizeof buf, &len));
        ck_assert_tipc_ok(tipc_lvc_put_news(p->lvc, &n));
        ck_assert_int_ge(
            tipc_server_publish(p->srv, TIPC_STREAM_NEWS, n.symbol, TIPC_MSG_NEWS, buf, len), 0);
    }
    if (atomic_exchange(&p->eod, 0))
        pub_send_all(p, TIPC_MSG_END_OF_DATA, NULL, 0);
}

static void *
pub_main(void *arg)
{
    struct pub *p = arg;
    tipc_server_event ev[16];

    while (!atomic_load(&p->stop)) {
        int n = tipc_server_poll(p->srv, ev, 16, 2);
        for (int i = 0; i < n; i++) {
            if (ev[i].kind == TIPC_SERVER_JOIN) {
                ck_assert_int_lt(p->nconns, 16);
                p->conns[p->nconns++] = ev[i].conn;
                ck_assert_int_ge(tipc_lvc_send_snapshot(p->lvc, p->srv, ev[i].conn, ev[i].hello),
                                 0);
                atomic_fetch_add(&p->joins, 1);
            } else if (ev[i].kind == TIPC_SERVER_LEAVE) {
                for (int k = 0; k < p->nconns; k++)
                    if (p->conns[k] == ev[i].conn)
                        p->conns[k] = p->conns[--p->nconns];
            }
        }
        pub_commands(p);
        (void)tipc_server_flush(p->srv);
    }
    return NULL;
}

static struct pub *
pub_start(void)
{
    struct pub *p = calloc(1, sizeof *p);

    ck_assert_ptr_nonnull(p);
    ck_assert_tipc_ok(tipc_lvc_create(&p->lvc, 64));
    ck_assert_tipc_ok(tipc_server_listen(&p->srv, "127.0.0.1:0", NULL));
    p->port = tipc_server_port(p->srv);
    ck_assert_int_eq(pthread_create(&p->tid, NULL, pub_main, p), 0);
    return p;
}

static void
pub_stop(struct pub *p)
{
    atomic_store(&p->stop, 1);
    ck_assert_int_eq(pthread_join(p->tid, NULL), 0);
    tipc_server_close(p->srv);
    tipc_lvc_destroy(p->lvc);
    free(p);
}

/* ---- the subscriber side -------------------------------------------------- */

/* What the subscriber handed out, in order. */
struct seen {
    int nticks, nnews, connected, lost, failed, eod, gaps, resets;
    uint64_t tick_seq[256], news_seq[256];
    int tick_snap[256], news_snap[256];
    tipc_sub_event last_gap, last_reset[2], last_failed;
};

static struct seen seen;

static tipc_subscriber *
sub_open(int port, uint32_t streams, const char *filter)
{
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = streams};
    tipc_subscriber_opts o = {.backoff_min_ms = 20, .backoff_max_ms = 80};
    tipc_subscriber *s = NULL;
    char addr[64];

    memset(&seen, 0, sizeof seen);
    snprintf(h.name, sizeof h.name, "sub");
    if (filter != NULL) {
        h.nsymbols = 1;
        snprintf(h.symbols[0], sizeof h.symbols[0], "%s", filter);
    }
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    ck_assert_tipc_ok(tipc_subscriber_open(&s, addr, &h, &o));
    return s;
}

/* The payload length an item's frame had: the publisher encodes the same. */
static size_t
encoded_len(const tipc_sub_event *e)
{
    uint8_t buf[128];
    size_t len = 0;

    if (e->kind == TIPC_SUB_EV_TICK)
        ck_assert_tipc_ok(tipc_tick_encode(&e->tick, buf, sizeof buf, &len));
    else
        ck_assert_tipc_ok(tipc_news_encode(&e->news, buf, sizeof buf, &len));
    return len;
}

static void
record(const tipc_sub_event *e)
{
    switch (e->kind) {
    case TIPC_SUB_EV_TICK:
        ck_assert_int_lt(seen.nticks, 256);
        ck_assert_int_eq(e->tick.price, 1000000 + (int64_t)e->tick.seq);
        ck_assert_uint_eq(e->len, encoded_len(e));
        ck_assert_uint_gt(e->len, 0);
        seen.tick_snap[seen.nticks] = e->snapshot;
        seen.tick_seq[seen.nticks++] = e->tick.seq;
        break;
    case TIPC_SUB_EV_NEWS:
        ck_assert_int_lt(seen.nnews, 256);
        ck_assert_uint_eq(e->len, encoded_len(e));
        seen.news_snap[seen.nnews] = e->snapshot;
        seen.news_seq[seen.nnews++] = e->news.seq;
        break;
    case TIPC_SUB_EV_CONNECTED:
        seen.connected++;
        break;
    case TIPC_SUB_EV_CONNECT_FAILED:
        seen.failed++, seen.last_failed = *e;
        break;
    case TIPC_SUB_EV_LOST:
        seen.lost++;
        break;
    case TIPC_SUB_EV_END_OF_DATA:
        seen.eod++;
        break;
    case TIPC_SUB_EV_GAP:
        seen.gaps++, seen.last_gap = *e;
        break;
    case TIPC_SUB_EV_RESET:
        ck_assert_int_lt(seen.resets, 2);
        seen.last_reset[seen.resets++] = *e;
        break;
    }
}

/* Poll until *counter reaches want (5 s at most). */
static void
until(tipc_subscriber *s, const int *counter, int want)
{
    uint64_t end = tipc_time_monotonic_ns() + 5000 * MS;
    tipc_sub_event ev[8];

    while (*counter < want) {
        if (tipc_time_monotonic_ns() >= end) {
            for (int i = 0; i < seen.nticks; i++)
                fprintf(stderr, "tick %llu snap %d\n", (unsigned long long)seen.tick_seq[i],
                        seen.tick_snap[i]);
            ck_abort_msg("waited 5 s for %d, have %d", want, *counter);
        }
        int n = tipc_subscriber_poll(s, ev, 8, 20);
        for (int i = 0; i < n; i++)
            record(&ev[i]);
    }
}

/* Poll for a while and expect nothing new. */
static void
settle(tipc_subscriber *s, int ms)
{
    uint64_t end = tipc_time_monotonic_ns() + (uint64_t)ms * MS;
    tipc_sub_event ev[8];

    while (tipc_time_monotonic_ns() < end) {
        int n = tipc_subscriber_poll(s, ev, 8, 5);
        for (int i = 0; i < n; i++)
            record(&ev[i]);
    }
}

static void
assert_ticks(int from, const uint64_t *want, const int *snap, int n)
{
    ck_assert_int_eq(seen.nticks, from + n);
    for (int i = 0; i < n; i++) {
        ck_assert_uint_eq(seen.tick_seq[from + i], want[i]);
        ck_assert_int_eq(seen.tick_snap[from + i], snap[i]);
    }
}

static tipc_subscriber_stats
stats(const tipc_subscriber *s)
{
    tipc_subscriber_stats st;
    tipc_subscriber_get_stats(s, &st);
    return st;
}

/* ---- core ------------------------------------------------------------------- */

START_TEST(test_subscriber_snapshot_then_live_then_resume)
{
    struct pub *p = pub_start();
    atomic_store(&p->want_ticks, 10);
    atomic_store(&p->want_news, 4);
    while (atomic_load(&p->done_ticks) < 10) /* the publisher has them before we join */
        usleep(1000);
    tipc_subscriber *s = sub_open(p->port, TIPC_STREAM_ALL, NULL);

    until(s, &seen.connected, 1);
    until(s, &seen.nticks, 2);
    until(s, &seen.nnews, 2);
    assert_ticks(0, (uint64_t[]){9, 10}, (int[]){1, 1}, 2); /* latest per symbol */
    ck_assert_uint_eq(seen.news_seq[0], 3);
    ck_assert_uint_eq(seen.news_seq[1], 4);
    atomic_store(&p->want_ticks, 14);
    until(s, &seen.nticks, 6);
    assert_ticks(2, (uint64_t[]){11, 12, 13, 14}, (int[]){0, 0, 0, 0}, 4);

    /* Dropped; 15..17 are published while it is away. The new snapshot
     * repeats news 3 and 4 (skipped) and brings 16 and 17, the latest per
     * symbol (in symbol order, AAA first); 15 is never seen, and that is no
     * gap: the snapshot resynced. */
    atomic_store(&p->drop_to, 17);
    until(s, &seen.lost, 1);
    until(s, &seen.connected, 2);
    until(s, &seen.nticks, 8);
    atomic_store(&p->want_ticks, 19);
    until(s, &seen.nticks, 10);
    settle(s, 50);
    assert_ticks(6, (uint64_t[]){17, 16, 18, 19}, (int[]){1, 1, 0, 0}, 4);
    ck_assert_int_eq(seen.nnews, 2);
    tipc_subscriber_stats st = stats(s);
    ck_assert_uint_eq(st.ticks, 10);
    ck_assert_uint_eq(st.news, 2);
    ck_assert_uint_eq(st.skipped, 2);
    ck_assert_uint_eq(st.gaps, 0);
    ck_assert_uint_eq(st.resets, 0);
    ck_assert_uint_eq(st.connects, 2);
    ck_assert_uint_eq(st.losses, 1);
    ck_assert_uint_eq(st.price_seq, 19);
    ck_assert_uint_eq(st.news_seq, 4);
    ck_assert_uint_eq(st.connected, 1);
    tipc_subscriber_close(s);
    pub_stop(p);
}
END_TEST

START_TEST(test_subscriber_gap_reported_before_the_item)
{
    struct pub *p = pub_start();
    tipc_subscriber *s = sub_open(p->port, TIPC_STREAM_PRICES, NULL);

    until(s, &seen.connected, 1);
    while (atomic_load(&p->joins) < 1)
        usleep(1000);
    settle(s, 20); /* the (empty) snapshot */
    atomic_store(&p->want_ticks, 2);
    until(s, &seen.nticks, 2);
    atomic_store(&p->skip_tick, 1);
    atomic_store(&p->want_ticks, 4); /* 3 is skipped: 4 comes next */
    until(s, &seen.nticks, 3);
    ck_assert_int_eq(seen.gaps, 1);
    ck_assert_int_eq(seen.last_gap.stream, TIPC_STREAM_PRICES);
    ck_assert_uint_eq(seen.last_gap.seq_from, 3);
    ck_assert_uint_eq(seen.last_gap.seq_to, 4);
    ck_assert_uint_eq(seen.last_gap.len, 0); /* only items carry a length */
    ck_assert_uint_eq(seen.tick_seq[2], 4);
    ck_assert_uint_eq(stats(s).gaps, 1);
    tipc_subscriber_close(s);
    pub_stop(p);
}
END_TEST

START_TEST(test_subscriber_publisher_restart_is_a_reset)
{
    struct pub *p = pub_start();
    tipc_subscriber *s = sub_open(p->port, TIPC_STREAM_ALL, NULL);

    until(s, &seen.connected, 1);
    atomic_store(&p->want_ticks, 5);
    atomic_store(&p->want_news, 3);
    until(s, &seen.nticks, 5);
    until(s, &seen.nnews, 3);
    atomic_store(&p->want_ticks, 0);
    atomic_store(&p->want_news, 0);
    atomic_store(&p->restart, 1);
    until(s, &seen.resets, 2);
    ck_assert_int_eq(seen.last_reset[0].stream, TIPC_STREAM_PRICES);
    ck_assert_uint_eq(seen.last_reset[0].seq_from, 5);
    ck_assert_uint_eq(seen.last_reset[0].seq_to, 0);
    ck_assert_int_eq(seen.last_reset[1].stream, TIPC_STREAM_NEWS);
    ck_assert_uint_eq(seen.last_reset[1].seq_from, 3);
    ck_assert_uint_eq(seen.last_reset[1].seq_to, 0);
    atomic_store(&p->want_ticks, 2); /* numbering from 1 again: delivered */
    until(s, &seen.nticks, 7);
    ck_assert_uint_eq(seen.tick_seq[5], 1);
    ck_assert_uint_eq(seen.tick_seq[6], 2);
    ck_assert_uint_eq(stats(s).resets, 2);
    ck_assert_uint_eq(stats(s).gaps, 0);
    tipc_subscriber_close(s);
    pub_stop(p);
}
END_TEST

START_TEST(test_subscriber_end_of_data_keeps_the_connection)
{
    struct pub *p = pub_start();
    tipc_subscriber *s = sub_open(p->port, TIPC_STREAM_NEWS, NULL);

    until(s, &seen.connected, 1);
    while (atomic_load(&p->joins) < 1)
        usleep(1000);
    atomic_store(&p->want_news, 3);
    atomic_store(&p->eod, 1);
    until(s, &seen.eod, 1);
    ck_assert_int_eq(seen.nnews, 3);
    ck_assert_int_eq(tipc_subscriber_is_connected(s), 1);
    ck_assert_uint_eq(stats(s).end_of_data, 1);
    tipc_subscriber_close(s);
    pub_stop(p);
}
END_TEST

START_TEST(test_subscriber_filter_means_no_gaps)
{
    struct pub *p = pub_start();
    tipc_subscriber *s = sub_open(p->port, TIPC_STREAM_PRICES, "AAA");

    until(s, &seen.connected, 1);
    while (atomic_load(&p->joins) < 1)
        usleep(1000);
    settle(s, 20);
    atomic_store(&p->want_ticks, 9);
    until(s, &seen.nticks, 5);
    settle(s, 50);
    assert_ticks(0, (uint64_t[]){1, 3, 5, 7, 9}, (int[]){0, 0, 0, 0, 0}, 5);
    ck_assert_int_eq(seen.gaps, 0);
    tipc_subscriber_close(s);
    pub_stop(p);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_subscriber_malformed_frame_skipped)
{
    struct pub *p = pub_start();
    tipc_subscriber *s = sub_open(p->port, TIPC_STREAM_PRICES, NULL);

    until(s, &seen.connected, 1);
    while (atomic_load(&p->joins) < 1)
        usleep(1000);
    atomic_store(&p->garbage, 1);
    atomic_store(&p->want_ticks, 1);
    until(s, &seen.nticks, 1);
    ck_assert_uint_eq(stats(s).bad_frames, 1);
    ck_assert_int_eq(tipc_subscriber_is_connected(s), 1);
    ck_assert_int_eq(seen.lost, 0);
    tipc_subscriber_close(s);
    pub_stop(p);
}
END_TEST

START_TEST(test_subscriber_connect_failures_follow_backoff)
{
    tipc_server *srv = NULL;
    ck_assert_tipc_ok(tipc_server_listen(&srv, "127.0.0.1:0", NULL));
    int port = tipc_server_port(srv);
    tipc_server_close(srv);
    tipc_subscriber *s = sub_open(port, TIPC_STREAM_PRICES, NULL);
    uint32_t want[] = {20, 40, 80, 80};

    ck_assert_int_eq(tipc_subscriber_fd(s), -1);
    ck_assert_int_eq(tipc_subscriber_events(s), 0);
    for (int i = 0; i < 4; i++) {
        until(s, &seen.failed, i + 1);
        ck_assert_tipc_err(seen.last_failed.err, TIPC_ECONNREFUSED);
        ck_assert_uint_eq(seen.last_failed.retry_ms, want[i]);
        ck_assert_int_le(tipc_subscriber_next_timeout_ms(s), (int)want[i]);
    }
    ck_assert_uint_eq(stats(s).connect_failures, 4);
    tipc_subscriber_close(s);
}
END_TEST

START_TEST(test_subscriber_open_rejects_bad_arguments)
{
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_ALL, .name = "x"};
    tipc_subscriber_opts o = {.backoff_min_ms = 50, .backoff_max_ms = 10};
    tipc_subscriber *s = NULL;

    ck_assert_tipc_err(tipc_subscriber_open(&s, "", &h, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_subscriber_open(&s, NULL, &h, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_subscriber_open(&s, "127.0.0.1:1", NULL, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_subscriber_open(&s, "127.0.0.1:1", &h, &o), TIPC_EINVAL);
    o = (tipc_subscriber_opts){.connect_timeout_ms = -2};
    ck_assert_tipc_err(tipc_subscriber_open(&s, "127.0.0.1:1", &h, &o), TIPC_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_tipc_ok(tipc_subscriber_open(&s, "127.0.0.1:1", &h, NULL));
    tipc_subscriber_close(s);
    tipc_subscriber_close(NULL);
}
END_TEST

static Suite *
tipc_subscriber_suite(void)
{
    Suite *s = suite_create("subscriber");
    TCase *core = tcase_create("core"), *errors = tcase_create("errors");

    tcase_add_test(core, test_subscriber_snapshot_then_live_then_resume);
    tcase_add_test(core, test_subscriber_gap_reported_before_the_item);
    tcase_add_test(core, test_subscriber_publisher_restart_is_a_reset);
    tcase_add_test(core, test_subscriber_end_of_data_keeps_the_connection);
    tcase_add_test(core, test_subscriber_filter_means_no_gaps);
    tcase_add_test(errors, test_subscriber_malformed_frame_skipped);
    tcase_add_test(errors, test_subscriber_connect_failures_follow_backoff);
    tcase_add_test(errors, test_subscriber_open_rejects_bad_arguments);
    tcase_set_timeout(core, 20);
    tcase_set_timeout(errors, 20);
    suite_add_tcase(s, core);
    suite_add_tcase(s, errors);
    return s;
}

TIPC_CHECK_MAIN(tipc_subscriber_suite)
