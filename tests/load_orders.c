/* SPDX-License-Identifier: MIT */
/* Memory of the real tradeipc-order-manager under many hostile connections
 * (issue 6, "Load": memory of every process bounded). The gateway's own
 * bounds are in tests/hostile_gateway.c; this is the order manager's side,
 * whose frames are 16 times larger (64 KiB). Two cases:
 * - peers that each pin as much memory as they can: a HELLO as a strategy,
 *   64 KiB of HEARTBEATs in one burst, then most of a 64 KiB ORDER frame;
 *   200 of them, twice;
 * - 1000 connections opened and left idle, either silent (closed by the
 *   5 s handshake timeout) or joined and then silent (closed by the 3 s
 *   heartbeat timeout).
 * Each asserts the order manager's RSS per peer and in total, that a second
 * wave costs no more than the first (memory is reused, not leaked), that
 * each peer is closed with exactly one log line, that every fd is released,
 * and that a healthy strategy gets its orders acked and logged exactly once
 * all the while. The RSS bounds are checked in the normal build only
 * (AddressSanitizer's quarantine and shadow keep freed memory resident). */
#include "hostile_util.h"

#define RSS_LIMIT_KB (96 * 1024)

static pid_t om;
static int om_port;
static tipc_sock *healthy;
static int norders;

static void
checked_teardown(void)
{
    tipc_sock_close(healthy);
    healthy = NULL;
    h_teardown();
}

/* The order manager on 127.0.0.1:0 allowing max_clients connections. */
static void
start_om(int max_clients)
{
    char max[16], addr[64], why[256] = "";
    tipc_hello h = {.role = TIPC_ROLE_STRATEGY, .name = "healthy"};
    int rc;

    snprintf(max, sizeof max, "%d", max_clients);
    om = h_start("om", "tradeipc-order-manager", "--listen", "127.0.0.1:0", "--port-file",
                 h_path("om.port"), "--log", h_path("order_log.txt"), "--report-ms", "0",
                 "--max-clients", max, (const char *)NULL);
    om_port = h_wait_port(h_path("om.port"), om);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", om_port);
    rc = tipc_sock_connect(&healthy, addr, &h, NULL, NULL, why, sizeof why);
    ck_assert_msg(rc == 0, "connect: %s (%s)", tipc_strerror(rc), why);
    norders = 0;
}

/* One good order from the healthy strategy: accepted, not a duplicate. */
static void
healthy_order(void)
{
    char json[512], id[32];
    tipc_frame f;
    tipc_ack a;
    int n;

    snprintf(id, sizeof id, "ok-%d", ++norders);
    n = snprintf(json, sizeof json,
                 "{\"id\":\"%s\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":100,"
                 "\"price\":164.05,\"strategy\":\"load\",\"signal\":{\"rule\":\"manual\"},"
                 "\"tick_ns\":0,\"send_ns\":1}",
                 id);
    ck_assert_tipc_ok(tipc_sock_send(healthy, TIPC_MSG_ORDER, json, (size_t)n, 0));
    ck_assert_tipc_ok(tipc_sock_recv(healthy, &f, 5000));
    ck_assert_uint_eq(f.type, TIPC_MSG_ACK);
    ck_assert_tipc_ok(tipc_ack_decode((const char *)f.data, f.len, &a));
    ck_assert_msg(a.status == TIPC_ACK_ACCEPTED, "%s rejected: %s", id, a.reason);
    ck_assert_str_eq(a.client_order_id, id);
    ck_assert_int_eq(a.duplicate, 0);
}

/* Orders every 200 ms for ms: the order manager keeps serving (and the
 * healthy connection keeps heartbeating). */
static void
healthy_for(int ms)
{
    for (int64_t t0 = h_now_ms(); h_now_ms() - t0 < ms; h_sleep_ms(200))
        healthy_order();
}

/* The order manager exits 0 on SIGTERM (leak-free under LeakSanitizer), and
 * its log holds each of the healthy strategy's orders exactly once. */
static void
finish(void)
{
    char *log;

    tipc_sock_close(healthy);
    healthy = NULL;
    ck_assert_int_eq(h_stop(om, 5000), 0);
    ck_assert_int_eq(h_stat("om", "order_manager", "accepted"), norders);
    ck_assert_int_eq(h_stat("om", "order_manager", "log_lines"), norders);
    log = h_slurp(h_path("order_log.txt"));
    ck_assert_int_eq(h_count_lines(log, " client_id=ok-", (const char *)NULL), norders);
    free(log);
}

/* port -> lines of log that name that peer and hold needle. */

/* Exactly one " left: " line per peer since log offset from, and it holds
 * why. */
static void
assert_each_left_once(h_raw **r, int n, size_t from, const char *why)
{
    static uint16_t all[65536], matched[65536];
    char *log = h_log("om");

    ck_assert_uint_le(from, strlen(log));
    memset(all, 0, sizeof all);
    memset(matched, 0, sizeof matched);
    count_by_port(log + from, " left: ", all);
    count_by_port(log + from, why, matched);
    ck_assert_int_eq(h_count_lines(log + from, " left: ", (const char *)NULL), n);
    free(log);
    for (int i = 0; i < n; i++)
        ck_assert_msg(all[r[i]->port] == 1 && matched[r[i]->port] == 1,
                      "peer port %d: %u leave lines (%u saying '%s'), want 1", r[i]->port,
                      all[r[i]->port], matched[r[i]->port], why);
}

static size_t
log_len(void)
{
    char *log = h_log("om");
    size_t n = strlen(log);

    free(log);
    return n;
}

/* The most a peer can pin: its 64 KiB read chunk (filled with HEARTBEATs in
 * one burst) and a partial frame in its framer (an ORDER of L = 65536 cut
 * 1000 bytes short). 200 such peers, twice: at most 200 KiB each (the bound
 * is 64 KiB + 2 x (65536 + 4) + its ring), the second wave no dearer than
 * the first, and afterwards no more than the first peak. */
START_TEST(test_om_memory_per_peer_bounded)
{
    enum { N = 200, BURST = 65535, PART = 65536 - 1000 };
    static uint8_t burst[BURST + 5 + PART];
    uint8_t hello[512];
    size_t hlen = h_hello_frame(hello, sizeof hello, "strategy", "heavy", 0, NULL);
    long rss0, peak[2], after[2];
    h_raw *r[N];
    int fds0;

    for (size_t i = 0; i + 5 <= BURST; i += 5)
        memcpy(burst + i, "\0\0\0\1\x04", 5); /* HEARTBEAT */
    memcpy(burst + BURST, "\0\1\0\0\x20", 5); /* ORDER, L = 65536 */
    memset(burst + BURST + 5, '{', PART);     /* never completed */
    h_raise_nofile(N + 300);
    start_om(N + 16);
    healthy_order();
    fds0 = h_fd_count(om);
    rss0 = h_rss_kb(om);
    for (int wave = 0; wave < 2; wave++) {
        size_t from = log_len();
        for (int i = 0; i < N; i++) {
            tipc_frame f;
            r[i] = h_raw_connect(om_port);
            ck_assert_int_eq(h_raw_send(r[i], hello, hlen), 0);
            ck_assert_int_eq(h_raw_next(r[i], &f, 3000), 1);
            ck_assert_uint_eq(f.type, TIPC_MSG_WELCOME);
            ck_assert_int_eq(h_raw_send(r[i], burst, sizeof burst), 0);
        }
        healthy_for(300); /* and let the order manager read it all */
        ck_assert_int_eq(h_fd_count(om), fds0 + N);
        peak[wave] = h_rss_kb(om);
        for (int i = 0; i < N; i++) /* EOF with the frame still cut */
            ck_assert_int_eq(shutdown(r[i]->fd, SHUT_WR), 0);
        h_wait_log("om", " heavy) left: ", (wave + 1) * N, 5000);
        assert_each_left_once(r, N, from, "left: peer closed");
        for (int i = 0; i < N; i++)
            h_raw_close(r[i]);
        for (int64_t t0 = h_now_ms(); h_fd_count(om) > fds0 && h_now_ms() - t0 < 2000;)
            h_sleep_ms(10);
        ck_assert_int_eq(h_fd_count(om), fds0);
        healthy_order();
        after[wave] = h_rss_kb(om);
        fprintf(stderr,
                "order manager, heavy peers, wave %d: %d peers, RSS %ld -> %ld KiB (%ld KiB per "
                "peer), %ld KiB after they left\n",
                wave, N, rss0, peak[wave], (peak[wave] - rss0) / N, after[wave]);
    }
    assert_rss_lt(peak[0], rss0 + N * 200);
    assert_rss_lt(peak[0], RSS_LIMIT_KB);
    assert_rss_lt(peak[1], peak[0] + 4096);
    assert_rss_lt(after[1], peak[0] + 1024);
    finish();
}
END_TEST

/* 1000 connections left idle: (0) TCP only, closed by the handshake
 * timeout (the order manager has no flag for it: the library's 5 s);
 * (1) a HELLO as a strategy and then silence, closed by the heartbeat
 * timeout (3 s). All held at once within the RSS limit, each closed with
 * exactly one line, every fd released; the healthy strategy is served
 * throughout. */
START_TEST(test_om_idle_flood)
{
    enum { N = 1000 };
    const char *why = _i == 0 ? "left: handshake timeout: no HELLO within 5000 ms"
                              : "left: heartbeat timeout: silent for";
    uint8_t hello[512];
    size_t hlen = h_hello_frame(hello, sizeof hello, "strategy", "idle", 0, NULL);
    long rss0, peak, after;
    h_raw **r;
    int fds0;

    ck_assert_int_ge(h_raise_nofile(N + 300), N + 300);
    start_om(N + 16);
    healthy_order();
    fds0 = h_fd_count(om);
    rss0 = h_rss_kb(om);
    size_t from = log_len();
    ck_assert_ptr_nonnull(r = calloc(N, sizeof *r));
    int64_t t_open = h_now_ms();
    for (int i = 0; i < N; i++) {
        r[i] = h_raw_connect(om_port);
        if (_i == 1)
            ck_assert_int_eq(h_raw_send(r[i], hello, hlen), 0);
    }
    for (int64_t t0 = h_now_ms(); h_fd_count(om) < fds0 + N && h_now_ms() - t0 < 2000;)
        h_sleep_ms(10);
    ck_assert_int_eq(h_fd_count(om), fds0 + N);
    if (_i == 1)
        h_wait_log("om", "joined: name=idle", N, 3000);
    peak = h_rss_kb(om);
    healthy_for(_i == 0 ? 4000 : 2000); /* all still open, served meanwhile */
    ck_assert_int_eq(h_fd_count(om), fds0 + N);
    for (int i = 0; i < N; i++) {
        ck_assert_msg(h_raw_wait_closed(r[i], 8000, NULL) >= 0, "connection %d still open", i);
        healthy_for(0);
    }
    int64_t t_closed = h_now_ms();
    h_wait_log("om", why, N, 3000);
    assert_each_left_once(r, N, from, why);
    for (int i = 0; i < N; i++)
        h_raw_close(r[i]);
    free(r);
    for (int64_t t0 = h_now_ms(); h_fd_count(om) > fds0 && h_now_ms() - t0 < 2000;)
        h_sleep_ms(10);
    ck_assert_int_eq(h_fd_count(om), fds0);
    healthy_order();
    after = h_rss_kb(om);
    fprintf(stderr,
            "order manager, idle flood %d: %d connections, RSS %ld -> %ld KiB (%.1f KiB each), "
            "%ld KiB after they left; all closed %lld ms after the first connect\n",
            (int)_i, N, rss0, peak, (double)(peak - rss0) / N, after,
            (long long)(t_closed - t_open));
    assert_rss_lt(peak, RSS_LIMIT_KB);
    assert_rss_lt(peak, rss0 + N * 32);
    assert_rss_lt(after, peak + 1024);
    finish();
}
END_TEST

static Suite *
load_orders_suite(void)
{
    Suite *s = suite_create("load_orders");
    TCase *tc = tcase_create("memory");

    tcase_add_unchecked_fixture(tc, h_tcase_setup, h_tcase_teardown);
    tcase_add_checked_fixture(tc, h_setup, checked_teardown);
    tcase_set_timeout(tc, 40);
    tcase_add_test(tc, test_om_memory_per_peer_bounded);
    tcase_add_loop_test(tc, test_om_idle_flood, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(load_orders_suite)
