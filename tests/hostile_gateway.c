/* SPDX-License-Identifier: MIT */
/* Hostile peers against the real tradeipc-gateway (issue 6, "Hostile input"
 * and "Security"). Each test starts a gateway on 127.0.0.1:0 replaying the
 * embedded prices at 2000 ticks/s in a loop, with a healthy subscriber (a
 * thread of this test) that checks every tick's seq. Then a hostile client
 * does one thing: random bytes, a 4 GiB length, a frame cut off and then
 * silence, a HELLO that never finishes, a valid HELLO followed by garbage,
 * 2000 idle connections, one connection too many. Each test asserts that the
 * hostile connection is closed (when, and with which reason), that the
 * gateway logs it exactly once, that the subscriber kept receiving every tick
 * in order, that the gateway is still up, and that its RSS stays bounded.
 * Also: the listener binds loopback unless asked otherwise, and the
 * orderbook's shared book is mode 0600 and mapped read-only by readers. */
#include "hostile_util.h"

#include <pthread.h>
#include <stdatomic.h>

#include <tradeipc/feed.h>

#define PRICES_CSV TIPC_TEST_TOPDIR "/data/prices.csv"
#define RATE "2000"
#define RSS_LIMIT_KB (64 * 1024)

/* Under AddressSanitizer (the programs are built with the same flags) freed
 * memory sits in a quarantine and shadow memory adds to the RSS, so the RSS
 * bounds are checked in the normal build only; the sanitizer build still
 * runs every other assertion. */

/* ---- The healthy subscriber ----------------------------------------------- */

/* Joins the prices stream and checks that live seqs continue the snapshot's
 * with no gap; stops at the first error, which it keeps. */
typedef struct sub {
    pthread_t th;
    char addr[64];
    atomic_int stop, running, err;
    atomic_ullong ticks, gaps, last_seq;
    char why[256];
} sub;

static sub *g_sub; /* stopped by the checked teardown if a test fails */

static void *
sub_main(void *arg)
{
    sub *s = arg;
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_PRICES, .name = "healthy"};
    tipc_sock *sk = NULL;
    tipc_snapshot_end end;
    uint64_t next = 0;
    int in_snapshot = 0, rc;
    tipc_frame f;
    tipc_tick t;

    rc = tipc_sock_connect(&sk, s->addr, &h, NULL, NULL, s->why, sizeof s->why);
    while (rc == 0 && !atomic_load(&s->stop)) {
        rc = tipc_sock_recv(sk, &f, 100);
        if (rc == TIPC_EAGAIN) {
            rc = 0;
            continue;
        }
        if (rc < 0)
            break;
        if (f.type == TIPC_MSG_SNAPSHOT_BEGIN) {
            in_snapshot = 1;
        } else if (f.type == TIPC_MSG_SNAPSHOT_END) {
            if ((rc = tipc_snapshot_end_decode(f.data, f.len, &end)) < 0)
                break;
            next = end.price_seq + 1;
            in_snapshot = 0;
        } else if (f.type == TIPC_MSG_TICK) {
            if ((rc = tipc_tick_decode(f.data, f.len, &t)) < 0)
                break;
            if (in_snapshot)
                continue;
            if (t.seq != next)
                atomic_fetch_add(&s->gaps, 1);
            next = t.seq + 1;
            atomic_store(&s->last_seq, t.seq);
            atomic_fetch_add(&s->ticks, 1);
        } else {
            snprintf(s->why, sizeof s->why, "unexpected frame 0x%02x", f.type);
            rc = TIPC_EPROTO;
        }
    }
    atomic_store(&s->err, rc);
    tipc_sock_close(sk);
    atomic_store(&s->running, 0);
    return NULL;
}

static sub *
sub_start(int port)
{
    sub *s = calloc(1, sizeof *s);

    ck_assert_ptr_nonnull(s);
    snprintf(s->addr, sizeof s->addr, "127.0.0.1:%d", port);
    atomic_store(&s->running, 1);
    ck_assert_int_eq(pthread_create(&s->th, NULL, sub_main, s), 0);
    g_sub = s;
    return s;
}

static void
sub_stop(sub *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    if (g_sub == s)
        g_sub = NULL;
    free(s);
}

/* The subscriber is healthy: it has received `more` ticks beyond `since`
 * (waiting up to 3 s), with no gap and no error. Returns its tick count. */
static unsigned long long
sub_check(sub *s, unsigned long long since, unsigned long long more)
{
    int64_t t0 = h_now_ms();

    while (atomic_load(&s->ticks) < since + more && atomic_load(&s->running) &&
           h_now_ms() - t0 < 3000)
        h_sleep_ms(5);
    ck_assert_msg(atomic_load(&s->running), "the healthy subscriber stopped: %s (%s)",
                  tipc_strerror(atomic_load(&s->err)), s->why);
    ck_assert_msg(atomic_load(&s->ticks) >= since + more, "subscriber got %llu ticks, want >= %llu",
                  (unsigned long long)atomic_load(&s->ticks), since + more);
    ck_assert_uint_eq(atomic_load(&s->gaps), 0);
    return atomic_load(&s->ticks);
}

/* ---- The gateway ---------------------------------------------------------- */

static pid_t gw;
static int gw_port;

static void
checked_teardown(void)
{
    sub_stop(g_sub);
    h_teardown();
}

/* Start the gateway (prices only, paced, looping) with up to four extra
 * arguments, and the healthy subscriber; wait for its first 100 ticks. */
static sub *
start_gateway(const char *a0, const char *a1, const char *a2, const char *a3)
{
    sub *s;

    gw = h_start("gw", "tradeipc-gateway", "--listen", "127.0.0.1:0", "--port-file",
                 h_path("gw.port"), "--prices", PRICES_CSV, "--no-news", "--rate", RATE, "--loop",
                 "--report-ms", "60000", a0, a1, a2, a3, (const char *)NULL);
    gw_port = h_wait_port(h_path("gw.port"), gw);
    s = sub_start(gw_port);
    sub_check(s, 0, 100);
    return s;
}

/* After a hostile client: the subscriber keeps up, the gateway is alive,
 * logged nothing fatal, and its RSS is bounded. */
static void
assert_gateway_fine(sub *s)
{
    char *log;

    sub_check(s, atomic_load(&s->ticks), 200);
    ck_assert_msg(h_is_running(gw), "the gateway died");
    log = h_log("gw");
    ck_assert_msg(strstr(log, "fatal") == NULL, "gateway log:\n%.4000s", log);
    free(log);
    assert_rss_lt(h_rss_kb(gw), RSS_LIMIT_KB);
}

/* Stop the subscriber, then the gateway with SIGTERM: it must exit 0 and
 * print its STATS line (and, in the sanitizer build, leak nothing). */
static void
finish(sub *s)
{
    sub_stop(s);
    ck_assert_int_eq(h_stop(gw, 5000), 0);
    ck_assert_int_ge(h_stat("gw", "gateway", "prices_sent"), 1);
}

static uint64_t
xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* ---- Tests ----------------------------------------------------------------- */

/* 16 clients, each 64 KiB of (seeded) random bytes: every one is closed at
 * once (a random length is almost always over the 4096 allowed before the
 * HELLO; otherwise the first frame is not a valid HELLO), one line each. */
START_TEST(test_random_bytes)
{
    sub *s = start_gateway(NULL, NULL, NULL, NULL);
    static uint8_t junk[65536];

    for (uint64_t seed = 1; seed <= 16; seed++) {
        h_raw *r = h_raw_connect(gw_port);
        uint64_t x = seed * 0x9E3779B97F4A7C15ull;

        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (uint8_t)xorshift(&x);
        (void)h_raw_send(r, junk, sizeof junk); /* may fail: the gateway hangs up early */
        ck_assert_int_ge(h_raw_wait_closed(r, 2000, NULL), 0);
        h_wait_log("gw", "left:", (int)seed, 2000);
        h_assert_logged_once("gw", r->port, " left: ");
        h_raw_close(r);
    }
    assert_gateway_fine(s);
    finish(s);
}
END_TEST

/* A length field of 0xffffffff (4 GiB), before and after the handshake:
 * closed as soon as the four bytes are in, nothing buffered. */
START_TEST(test_length_4gib)
{
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x01, 'x', 'y', 'z'};
    sub *s = start_gateway(NULL, NULL, NULL, NULL);
    long rss0 = h_rss_kb(gw);

    for (int joined = 0; joined < 2; joined++) {
        h_raw *r = h_raw_connect(gw_port);
        uint8_t last = 0;
        if (joined)
            h_raw_join(r, "subscriber", "huge");
        ck_assert_int_eq(h_raw_send(r, huge, sizeof huge), 0);
        int ms = h_raw_wait_closed(r, 2000, &last);
        ck_assert_int_ge(ms, 0);
        ck_assert_int_lt(ms, 1000);
        /* A joined client gets BYE, one still in the handshake REJECT. */
        ck_assert_uint_eq(last, joined ? TIPC_MSG_BYE : TIPC_MSG_REJECT);
        h_wait_log("gw", "frame too large", joined + 1, 2000);
        h_assert_logged_once("gw", r->port, "left: frame too large: frame length field exceeds");
        h_raw_close(r);
    }
    assert_gateway_fine(s);
    assert_rss_lt(h_rss_kb(gw), rss0 + 2048); /* 4 GiB were never reserved */
    finish(s);
}
END_TEST

/* After WELCOME, half a frame and then silence: the gateway cannot tell it
 * from a dead peer, so the heartbeat timeout (3 s) closes it. */
START_TEST(test_cut_frame_then_silence)
{
    sub *s = start_gateway(NULL, NULL, NULL, NULL);
    h_raw *r = h_raw_connect(gw_port);
    uint8_t cut[5 + 50] = {0x00, 0x00, 0x00, 200, TIPC_MSG_TICK};

    h_raw_join(r, "subscriber", "cutter");
    ck_assert_int_eq(h_raw_send(r, cut, sizeof cut), 0);
    int ms = h_raw_wait_closed(r, 8000, NULL);
    ck_assert_msg(ms >= 2500 && ms < 6000, "closed after %d ms, want about 3000", ms);
    h_wait_log("gw", "heartbeat timeout", 1, 2000);
    h_assert_logged_once("gw", r->port, "left: heartbeat timeout: silent for");
    h_raw_close(r);
    assert_gateway_fine(s);
    finish(s);
}
END_TEST

/* --handshake-ms 500: a client that connects and says nothing, one that
 * sends half a HELLO, and one that trickles its HELLO a byte every 100 ms
 * (the deadline counts from the accept, not from the last byte) are all
 * REJECTed and closed after about 500 ms. */
START_TEST(test_hello_never_finishes)
{
    sub *s = start_gateway("--handshake-ms", "500", NULL, NULL);
    h_raw *r[3];
    uint8_t hello[512], last;
    size_t n = h_hello_frame(hello, sizeof hello, "subscriber", "slowloris", 3, NULL);
    int64_t t0 = h_now_ms();
    tipc_frame f;

    for (int i = 0; i < 3; i++)
        r[i] = h_raw_connect(gw_port);
    ck_assert_int_eq(h_raw_send(r[1], hello, n / 2), 0);
    for (size_t i = 0; i < n && !r[2]->eof; i++) {
        if (h_raw_send(r[2], hello + i, 1) < 0)
            break;
        if (h_raw_next(r[2], &f, 100) == 1)
            ck_assert_uint_eq(f.type, TIPC_MSG_REJECT); /* never WELCOME */
    }
    ck_assert_msg(r[2]->eof, "the trickling client was not closed");
    for (int i = 0; i < 3; i++) {
        last = 0;
        ck_assert_int_ge(h_raw_wait_closed(r[i], 3000, &last), 0);
        int64_t ms = h_now_ms() - t0;
        ck_assert_msg(ms >= 400 && ms < 2500, "client %d closed after %lld ms", i, (long long)ms);
        if (i < 2)
            ck_assert_uint_eq(last, TIPC_MSG_REJECT);
    }
    h_wait_log("gw", "handshake timeout", 3, 2000);
    for (int i = 0; i < 3; i++) {
        h_assert_logged_once("gw", r[i]->port, "left: handshake timeout: no HELLO within 500 ms");
        h_raw_close(r[i]);
    }
    assert_gateway_fine(s);
    finish(s);
}
END_TEST

/* A valid HELLO, WELCOME, then garbage: text, random bytes, a zero length,
 * a reserved control type, a second HELLO, and a well-formed data frame (a
 * subscriber has nothing to send: the gateway closes it). */
START_TEST(test_hello_then_garbage)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *reason;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, "left: frame too large"},
        {NULL, 4096, "left: "}, /* random */
        {"\0\0\0\0", 4, "left: protocol error: frame length field is 0"},
        {"\0\0\0\1\x07", 5, "left: protocol error: unexpected RESERVED (0x07) after handshake"},
        {"\0\0\0\1\x01", 5, "left: protocol error: unexpected HELLO (0x01) after handshake"},
        {"\0\0\0\3\x20{}", 7, "left: closed by server: unexpected data frame"},
        {"\0\0\0\1\x14", 5, "left: closed by server: unexpected data frame"},
    };
    sub *s = start_gateway(NULL, NULL, NULL, NULL);
    uint8_t junk[4096];
    uint64_t x = 42;

    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)xorshift(&x);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        h_raw *r = h_raw_connect(gw_port);
        h_raw_join(r, "subscriber", "garbage");
        (void)h_raw_send(r, cases[k].bytes != NULL ? (const void *)cases[k].bytes : junk,
                         cases[k].len);
        ck_assert_msg(h_raw_wait_closed(r, 2000, NULL) >= 0, "case %zu: not closed", k);
        h_wait_log("gw", " garbage) left:", (int)k + 1, 2000);
        h_assert_logged_once("gw", r->port, cases[k].reason);
        h_raw_close(r);
    }
    assert_gateway_fine(s);
    finish(s);
    /* The healthy subscriber and the 7 garbage clients joined; those 7 were dropped. */
    ck_assert_int_eq(h_stat("gw", "gateway", "clients_joined"), 8);
    ck_assert_int_eq(h_stat("gw", "gateway", "clients_dropped"), 7);
}
END_TEST

/* 2000 connections opened and left idle, in two ways: (0) TCP only, not a
 * byte sent, closed by the handshake timeout (3 s here); (1) a HELLO asking
 * for no stream and then silence, closed by the heartbeat timeout (3 s).
 * All are held at once with the gateway's RSS under 64 MiB and the
 * subscriber unaffected; each is closed with exactly one log line; then the
 * fds are gone. A second flood costs no more memory than the first (what
 * it freed is reused), and afterwards the RSS is no higher than the first
 * flood's peak. Whether it falls back to where it started depends on
 * malloc giving pages back (it usually does: see doc/reliability.md). */
START_TEST(test_idle_flood)
{
    static uint16_t all[65536], matched[65536];
    const char *why = _i == 0 ? "left: handshake timeout: no HELLO within 3000 ms"
                              : "left: heartbeat timeout: silent for";
    long limit = h_raise_nofile(4096), rss0, peak[2], after[2];
    int n = limit - 300 < 2000 ? (int)limit - 300 : 2000, fds0;
    uint8_t hello[512];
    size_t hlen = h_hello_frame(hello, sizeof hello, "subscriber", "idle", 0, NULL);
    char max[16], *log;
    h_raw **r;
    sub *s;

    ck_assert_msg(n >= 1000, "RLIMIT_NOFILE %ld is too low for the flood", limit);
    snprintf(max, sizeof max, "%d", n + 16);
    s = start_gateway("--max-clients", max, "--handshake-ms", "3000");
    fds0 = h_fd_count(gw);
    rss0 = h_rss_kb(gw);
    ck_assert_ptr_nonnull(r = calloc((size_t)n, sizeof *r));
    for (int wave = 0; wave < 2; wave++) {
        log = h_log("gw");
        size_t log_from = strlen(log); /* this wave's lines come after */
        free(log);
        int64_t t_open = h_now_ms();
        for (int i = 0; i < n; i++) {
            r[i] = h_raw_connect(gw_port);
            if (_i == 1)
                ck_assert_int_eq(h_raw_send(r[i], hello, hlen), 0);
        }
        int64_t t_opened = h_now_ms();
        while (h_fd_count(gw) < fds0 + n && h_now_ms() - t_opened < 8000) /* bound, not a target */
            h_sleep_ms(10);
        ck_assert_int_eq(h_fd_count(gw), fds0 + n);
        if (_i == 1)
            h_wait_log("gw", "joined: name=idle", (wave + 1) * n, 8000);
        peak[wave] = h_rss_kb(gw);
        sub_check(s, atomic_load(&s->ticks), 400);

        /* All still open until the deadline, then all closed. */
        for (int i = 0; i < n; i++) {
            ck_assert_msg(h_raw_wait_closed(r[i], 8000, NULL) >= 0, "connection %d still open", i);
            if (i == 0)
                ck_assert_int_ge(h_now_ms() - t_open, 2900);
        }
        h_wait_log("gw", why, (wave + 1) * n, 3000);
        log = h_log("gw");
        memset(all, 0, sizeof all);
        memset(matched, 0, sizeof matched);
        count_by_port(log + log_from, " left: ", all);
        count_by_port(log + log_from, why, matched);
        ck_assert_int_eq(h_count_lines(log + log_from, why, (const char *)NULL), n);
        ck_assert_int_eq(h_count_lines(log + log_from, " left: ", (const char *)NULL), n);
        free(log);
        for (int i = 0; i < n; i++) {
            ck_assert_msg(all[r[i]->port] == 1 && matched[r[i]->port] == 1,
                          "peer port %d: %u leave lines (%u as expected), want 1", r[i]->port,
                          all[r[i]->port], matched[r[i]->port]);
            h_raw_close(r[i]);
        }
        sub_check(s, atomic_load(&s->ticks), 200);
        for (int64_t t0 = h_now_ms(); h_fd_count(gw) > fds0 && h_now_ms() - t0 < 8000;)
            h_sleep_ms(10);
        ck_assert_int_eq(h_fd_count(gw), fds0);
        after[wave] = h_rss_kb(gw);
        fprintf(stderr,
                "idle flood %d, wave %d: %d connections opened in %lld ms; gateway RSS %ld -> "
                "%ld KiB, %ld KiB after they left\n",
                (int)_i, wave, n, (long long)(t_opened - t_open), rss0, peak[wave], after[wave]);
    }
    free(r);
    assert_rss_lt(peak[0], RSS_LIMIT_KB);
    assert_rss_lt(peak[1], peak[0] + 4096);
    assert_rss_lt(after[1], peak[0] + 1024);
    assert_gateway_fine(s);
    finish(s);
}
END_TEST

/* The most memory a peer can pin in the gateway: after its HELLO, a burst
 * of 64 KiB of HEARTBEAT frames (filling the server's per-connection read
 * chunk) and then most of a 4096-byte frame (held by the framer). 400 such
 * peers cost at most 80 KiB each, well under the 64 MiB limit. Two waves
 * of them: the second costs nothing more than the first (what the first
 * freed is reused, nothing leaked), whether or not malloc gave the pages
 * back to the kernel in between. */
START_TEST(test_memory_per_peer_bounded)
{
    enum { N = 400, BURST = 65535 };
    static uint8_t burst[BURST + 5 + 4000];
    uint8_t hello[512];
    size_t hlen = h_hello_frame(hello, sizeof hello, "subscriber", "heavy", 0, NULL);
    long rss0, peak[2], after[2];
    h_raw *r[N];
    char max[16];
    sub *s;

    for (size_t i = 0; i + 5 <= BURST; i += 5)
        memcpy(burst + i, "\0\0\0\1\x04", 5);   /* HEARTBEAT */
    memcpy(burst + BURST, "\0\0\x10\0\x10", 5); /* a TICK of L = 4096, cut short */
    h_raise_nofile(N + 300);
    snprintf(max, sizeof max, "%d", N + 16);
    s = start_gateway("--max-clients", max, NULL, NULL);
    rss0 = h_rss_kb(gw);
    for (int wave = 0; wave < 2; wave++) {
        for (int i = 0; i < N; i++) {
            tipc_frame f;
            r[i] = h_raw_connect(gw_port);
            ck_assert_int_eq(h_raw_send(r[i], hello, hlen), 0); /* no stream: only heartbeats */
            ck_assert_int_eq(h_raw_next(r[i], &f, 3000), 1);
            ck_assert_uint_eq(f.type, TIPC_MSG_WELCOME);
            ck_assert_int_eq(h_raw_send(r[i], burst, sizeof burst), 0);
        }
        h_sleep_ms(300); /* let the gateway read it all */
        peak[wave] = h_rss_kb(gw);
        sub_check(s, atomic_load(&s->ticks), 200);
        for (int i = 0; i < N; i++) /* EOF, not a reset: unread heartbeats stay behind */
            ck_assert_int_eq(shutdown(r[i]->fd, SHUT_WR), 0);
        h_wait_log("gw", " heavy) left: peer closed", (wave + 1) * N, 3000);
        for (int i = 0; i < N; i++) {
            h_assert_logged_once("gw", r[i]->port, "left: peer closed");
            h_raw_close(r[i]);
        }
        h_sleep_ms(50);
        after[wave] = h_rss_kb(gw);
        fprintf(stderr,
                "heavy peers, wave %d: %d peers, gateway RSS %ld -> %ld KiB (%ld KiB per peer), "
                "%ld KiB after they left\n",
                wave, N, rss0, peak[wave], (peak[wave] - rss0) / N, after[wave]);
    }
    assert_rss_lt(peak[0], rss0 + N * 80);
    assert_rss_lt(peak[0], RSS_LIMIT_KB);
    assert_rss_lt(peak[1], peak[0] + 4096);
    assert_rss_lt(after[1], peak[0] + 1024);
    assert_gateway_fine(s);
    finish(s);
}
END_TEST

/* --max-clients 4 with the subscriber and 3 idle connections open: 3 more are
 * REJECTed with "server full" at once, one log line each, and when the idle
 * ones leave there is room again. */
START_TEST(test_server_full)
{
    sub *s = start_gateway("--max-clients", "4", "--handshake-ms", "10000");
    h_raw *idle[3], *extra[3];
    tipc_frame f;

    int fds0 = h_fd_count(gw);

    for (int i = 0; i < 3; i++)
        idle[i] = h_raw_connect(gw_port);
    for (int64_t t0 = h_now_ms(); h_fd_count(gw) < fds0 + 3 && h_now_ms() - t0 < 2000;)
        h_sleep_ms(10);
    ck_assert_int_eq(h_fd_count(gw), fds0 + 3);
    for (int i = 0; i < 3; i++) {
        char needle[64];
        extra[i] = h_raw_connect(gw_port);
        ck_assert_int_eq(h_raw_next(extra[i], &f, 2000), 1);
        ck_assert_uint_eq(f.type, TIPC_MSG_REJECT);
        ck_assert_ptr_nonnull(memmem(f.data, f.len, "server full (max_conns 4)", 25));
        ck_assert_int_ge(h_raw_wait_closed(extra[i], 1000, NULL), 0);
        snprintf(needle, sizeof needle, "refused 127.0.0.1:%d: server full", extra[i]->port);
        h_wait_log("gw", needle, 1, 2000);
        char *log = h_log("gw");
        ck_assert_int_eq(h_count_lines(log, needle, (const char *)NULL), 1);
        free(log);
    }
    for (int i = 0; i < 3; i++) {
        h_raw_close(extra[i]);
        h_raw_close(idle[i]);
    }
    h_wait_log("gw", "left: peer closed", 3, 2000);
    h_raw *again = h_raw_connect(gw_port);
    h_raw_join(again, "subscriber", "again");
    h_raw_close(again);
    assert_gateway_fine(s);
    finish(s);
}
END_TEST

/* Security: with no host (the default is 127.0.0.1:7101) the listener is
 * bound to 127.0.0.1 only, so another address (127.0.0.2 here) is refused;
 * "*:port" must be asked for to listen everywhere. */
START_TEST(test_listen_loopback_by_default)
{
    char addr[64], *help;
    pid_t p;
    int port, fd;

    p = h_start("help", "tradeipc-gateway", "--help", (const char *)NULL);
    for (int64_t t0 = h_now_ms(); h_is_running(p) && h_now_ms() - t0 < 2000;)
        h_sleep_ms(5);
    help = h_slurp(h_path("help.out"));
    ck_assert_ptr_nonnull(strstr(help, "(default 127.0.0.1:7101;"));
    free(help);

    p = h_start("gw", "tradeipc-gateway", "--listen", ":0", "--port-file", h_path("gw.port"),
                "--prices", PRICES_CSV, "--no-news", "--rate", "10", "--loop", (const char *)NULL);
    port = h_wait_port(h_path("gw.port"), p);
    ck_assert_int_eq(h_listen_addr(port, addr, sizeof addr), 1);
    ck_assert_str_eq(addr, "0100007F"); /* 127.0.0.1 in /proc/net/tcp */
    ck_assert_int_eq(h_tcp_connect("127.0.0.2", port), -ECONNREFUSED);
    ck_assert_int_ge(fd = h_tcp_connect("127.0.0.1", port), 0);
    close(fd);

    p = h_start("gw_any", "tradeipc-gateway", "--listen", "*:0", "--port-file", h_path("any.port"),
                "--prices", PRICES_CSV, "--no-news", "--rate", "10", "--loop", (const char *)NULL);
    port = h_wait_port(h_path("any.port"), p);
    ck_assert_int_eq(h_listen_addr(port, addr, sizeof addr), 1);
    ck_assert_msg(strcmp(addr, "00000000") == 0 ||
                      strcmp(addr, "v6:00000000000000000000000000000000") == 0,
                  "'*' bound %s", addr);
    ck_assert_int_ge(fd = h_tcp_connect("127.0.0.2", port), 0);
    close(fd);
}
END_TEST

/* Security: the orderbook's shared price book is mode 0600 even under umask
 * 0, owned by us; a reader maps the data read-only (only the 64 KiB wake page
 * for the futex is writable). */
START_TEST(test_book_mode_0600)
{
    char name[64], path[128], line[512];
    struct stat st;
    tipc_book *b = NULL;
    size_t rw = 0, ro = 0;
    FILE *maps;

    start_gateway(NULL, NULL, NULL, NULL);
    snprintf(name, sizeof name, "/tipc_hostile_%ld_book", (long)getpid());
    snprintf(path, sizeof path, "/dev/shm%s", name);
    mode_t old = umask(0);
    h_start("ob", "tradeipc-orderbook", "--gateway", g_sub->addr, "--book", name,
            "--unlink-at-exit", "--stay", (const char *)NULL);
    umask(old);
    h_wait_log("ob", "ready", 1, 5000);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_uint_eq(st.st_uid, getuid());

    ck_assert_tipc_ok(tipc_book_open(&b, name, TIPC_BOOK_PRICES));
    ck_assert_ptr_nonnull(maps = fopen("/proc/self/maps", "r"));
    while (fgets(line, sizeof line, maps) != NULL) {
        unsigned long lo, hi;
        char perms[8];
        if (strstr(line, path + 8) == NULL || sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        ck_assert_msg(strcmp(perms, "r--s") == 0 || strcmp(perms, "rw-s") == 0, "%s", line);
        *(perms[1] == 'w' ? &rw : &ro) += hi - lo;
    }
    fclose(maps);
    tipc_book_close(b);
    ck_assert_uint_eq(rw, 65536);
    ck_assert_uint_ge(ro, 65536);

    kill(h_procs[h_nprocs - 1], SIGTERM); /* the orderbook unlinks its book */
    for (int64_t t0 = h_now_ms(); stat(path, &st) == 0 && h_now_ms() - t0 < 3000;)
        h_sleep_ms(10);
    if (stat(path, &st) == 0 && tipc_book_unlink(name) < 0)
        fprintf(stderr, "cannot unlink %s\n", name);
    ck_assert_int_ne(stat(path, &st), 0);
    sub_stop(g_sub);
}
END_TEST

static Suite *
hostile_gateway_suite(void)
{
    Suite *s = suite_create("hostile_gateway");
    TCase *tc = tcase_create("hostile");

    tcase_add_unchecked_fixture(tc, h_tcase_setup, h_tcase_teardown);
    tcase_add_checked_fixture(tc, h_setup, checked_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_random_bytes);
    tcase_add_test(tc, test_length_4gib);
    tcase_add_test(tc, test_cut_frame_then_silence);
    tcase_add_test(tc, test_hello_never_finishes);
    tcase_add_test(tc, test_hello_then_garbage);
    tcase_add_loop_test(tc, test_idle_flood, 0, 2);
    tcase_add_test(tc, test_memory_per_peer_bounded);
    tcase_add_test(tc, test_server_full);
    suite_add_tcase(s, tc);

    tc = tcase_create("security");
    tcase_add_unchecked_fixture(tc, h_tcase_setup, h_tcase_teardown);
    tcase_add_checked_fixture(tc, h_setup, checked_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_listen_loopback_by_default);
    tcase_add_test(tc, test_book_mode_0600);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(hostile_gateway_suite)
