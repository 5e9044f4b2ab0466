/* SPDX-License-Identifier: MIT */
/* Feed helpers: the symbol table (dense indices, growth, bounds, invalid
 * symbols), the SNAPSHOT_END codec (golden bytes, every accepted msgpack
 * form, every rejection) and the last-value cache (seqs, the exact snapshot a
 * real client receives for each stream/filter choice, overflow). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <tradeipc/feed.h>

#include "tipc_check.h"

static tipc_symtab *
new_table(uint32_t max)
{
    tipc_symtab *t = NULL;
    ck_assert_tipc_ok(tipc_symtab_create(&t, max));
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(test_feed_symtab_dense_indices)
{
    tipc_symtab *t = new_table(64);
    uint32_t idx = 99;

    ck_assert_uint_eq(tipc_symtab_count(t), 0);
    ck_assert_tipc_err(tipc_symtab_find(t, "AAPL", &idx), TIPC_ENOENT);
    ck_assert_uint_eq(idx, 99);
    ck_assert_int_eq(tipc_symtab_add(t, "AAPL", &idx), 1);
    ck_assert_uint_eq(idx, 0);
    ck_assert_int_eq(tipc_symtab_add(t, "MSFT", &idx), 1);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(tipc_symtab_add(t, "AAPL", &idx), 0);
    ck_assert_uint_eq(idx, 0);
    ck_assert_tipc_ok(tipc_symtab_find(t, "MSFT", &idx));
    ck_assert_uint_eq(idx, 1);
    ck_assert_uint_eq(tipc_symtab_count(t), 2);
    ck_assert_str_eq(tipc_symtab_name(t, 0), "AAPL");
    ck_assert_str_eq(tipc_symtab_name(t, 1), "MSFT");
    ck_assert_ptr_null(tipc_symtab_name(t, 2));
    tipc_symtab_destroy(t);
    tipc_symtab_destroy(NULL);
}
END_TEST

/* The symbol field of a decoded tick (15 bytes, NUL-padded) is accepted as is,
 * and prefixes or case variants are distinct keys. */
START_TEST(test_feed_symtab_tick_field_and_near_misses)
{
    tipc_symtab *t = new_table(16);
    tipc_tick tick;
    uint32_t idx;

    memset(&tick, 0, sizeof tick);
    memcpy(tick.symbol, "ABCDEFGHIJKLMNO", 15);
    ck_assert_int_eq(tipc_symtab_add(t, tick.symbol, &idx), 1);
    ck_assert_int_eq(tipc_symtab_add(t, "ABCDEFGHIJKLMN", &idx), 1);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(tipc_symtab_add(t, "abcdefghijklmno", &idx), 1);
    ck_assert_uint_eq(idx, 2);
    ck_assert_int_eq(tipc_symtab_add(t, "A", &idx), 1);
    ck_assert_tipc_ok(tipc_symtab_find(t, tick.symbol, &idx));
    ck_assert_uint_eq(idx, 0);
    ck_assert_str_eq(tipc_symtab_name(t, 0), "ABCDEFGHIJKLMNO");
    tipc_symtab_destroy(t);
}
END_TEST

/* Thousands of symbols through many doublings: every one keeps its index. */
START_TEST(test_feed_symtab_grows_and_keeps_indices)
{
    enum { N = 20000 };
    tipc_symtab *t = new_table(N);
    char sym[16];
    uint32_t idx;

    for (uint32_t i = 0; i < N; i++) {
        snprintf(sym, sizeof sym, "S%u.X", i);
        ck_assert_int_eq(tipc_symtab_add(t, sym, &idx), 1);
        ck_assert_uint_eq(idx, i);
    }
    ck_assert_uint_eq(tipc_symtab_count(t), N);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(sym, sizeof sym, "S%u.X", i);
        ck_assert_tipc_ok(tipc_symtab_find(t, sym, &idx));
        ck_assert_uint_eq(idx, i);
        ck_assert_str_eq(tipc_symtab_name(t, i), sym);
    }
    ck_assert_tipc_err(tipc_symtab_add(t, "ONE-MORE", &idx), TIPC_ENOSPC);
    ck_assert_int_eq(tipc_symtab_add(t, "S7.X", &idx), 0); /* existing: still found when full */
    ck_assert_uint_eq(idx, 7);
    tipc_symtab_destroy(t);
}
END_TEST

START_TEST(test_feed_symtab_rejects_invalid_symbols)
{
    tipc_symtab *t = new_table(8);
    uint32_t idx = 42;
    static const char *const bad[] = {"", "ABCDEFGHIJKLMNOP", "A B", "A/B", "\xc3\xa9", "A,B"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_tipc_err(tipc_symtab_add(t, bad[i], &idx), TIPC_EINVAL);
        ck_assert_tipc_err(tipc_symtab_find(t, bad[i], &idx), TIPC_ENOENT);
    }
    ck_assert_uint_eq(idx, 42);
    ck_assert_uint_eq(tipc_symtab_count(t), 0);
    tipc_symtab_destroy(t);
}
END_TEST

START_TEST(test_feed_symtab_create_bounds)
{
    tipc_symtab *t = (tipc_symtab *)&t; /* must stay untouched on error */
    tipc_symtab *before = t;
    uint32_t idx;

    ck_assert_tipc_err(tipc_symtab_create(&t, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_symtab_create(&t, TIPC_SYMTAB_MAX + 1), TIPC_EINVAL);
    ck_assert_ptr_eq(t, before);
    t = new_table(TIPC_SYMTAB_MAX); /* memory follows use, not the bound */
    tipc_symtab_destroy(t);
    t = new_table(1);
    ck_assert_int_eq(tipc_symtab_add(t, "X", &idx), 1);
    ck_assert_tipc_err(tipc_symtab_add(t, "Y", &idx), TIPC_ENOSPC);
    ck_assert_uint_eq(idx, 0);
    tipc_symtab_destroy(t);
    t = new_table(100); /* not a power of two: exactly 100 fit */
    for (int i = 0; i < 100; i++) {
        char sym[8];
        snprintf(sym, sizeof sym, "Z%d", i);
        ck_assert_int_eq(tipc_symtab_add(t, sym, &idx), 1);
    }
    ck_assert_tipc_err(tipc_symtab_add(t, "Z100", &idx), TIPC_ENOSPC);
    tipc_symtab_destroy(t);
}
END_TEST

/* ---- SNAPSHOT_END ------------------------------------------------------- */

static const struct golden {
    tipc_snapshot_end e;
    size_t len;
    uint8_t bytes[TIPC_SNAPSHOT_END_ENCODED_MAX];
} goldens[] = {
    {{0, 0}, 3, {0x92, 0x00, 0x00}},
    {{1, 127}, 3, {0x92, 0x01, 0x7f}},
    {{128, 255}, 5, {0x92, 0xcc, 0x80, 0xcc, 0xff}},
    {{256, 65535}, 7, {0x92, 0xcd, 0x01, 0x00, 0xcd, 0xff, 0xff}},
    {{65536, 25160}, 9, {0x92, 0xce, 0x00, 0x01, 0x00, 0x00, 0xcd, 0x62, 0x48}},
    {{UINT64_MAX, UINT64_C(4294967296)},
     19,
     {0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xcf, 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x00}},
};

START_TEST(test_feed_snapshot_end_golden)
{
    const struct golden *g = &goldens[_i];
    uint8_t buf[TIPC_SNAPSHOT_END_ENCODED_MAX];
    tipc_snapshot_end back = {7, 7};
    size_t len = 0;

    ck_assert_tipc_ok(tipc_snapshot_end_encode(&g->e, buf, sizeof buf, &len));
    ck_assert_uint_eq(len, g->len);
    ck_assert_mem_eq(buf, g->bytes, len);
    ck_assert_tipc_ok(tipc_snapshot_end_decode(buf, len, &back));
    ck_assert_uint_eq(back.price_seq, g->e.price_seq);
    ck_assert_uint_eq(back.news_seq, g->e.news_seq);
    len = 0;
    ck_assert_tipc_err(tipc_snapshot_end_encode(&g->e, NULL, 0, &len), TIPC_ENOSPC);
    ck_assert_uint_eq(len, g->len);
    ck_assert_tipc_err(tipc_snapshot_end_encode(&g->e, buf, g->len - 1, &len), TIPC_ENOSPC);
    ck_assert_uint_eq(len, g->len);
}
END_TEST

/* Other valid msgpack spellings of the same two numbers. */
START_TEST(test_feed_snapshot_end_decode_accepts_every_width)
{
    static const struct {
        size_t len;
        uint8_t b[16];
        uint64_t p, n;
    } ok[] = {
        {5, {0xdc, 0x00, 0x02, 0x05, 0x06}, 5, 6},              /* array16 */
        {7, {0xdd, 0x00, 0x00, 0x00, 0x02, 0x05, 0x06}, 5, 6},  /* array32 */
        {11, {0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0, 3, 0x04}, 3, 4}, /* wide uint64 */
        {6, {0x92, 0xd0, 0x7f, 0xd1, 0x00, 0x00}, 127, 0},      /* int8, int16 */
        {6, {0x92, 0xd1, 0x00, 0x05, 0xcc, 0x01}, 5, 1},        /* int16, wide uint8 */
        {15, {0x92, 0xd2, 0, 0, 1, 0, 0xd3, 0, 0, 0, 0, 0, 0, 0, 9}, 256, 9}, /* int32, int64 */
    };
    tipc_snapshot_end e;

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        memset(&e, 0xee, sizeof e);
        ck_assert_tipc_ok(tipc_snapshot_end_decode(ok[i].b, ok[i].len, &e));
        ck_assert_uint_eq(e.price_seq, ok[i].p);
        ck_assert_uint_eq(e.news_seq, ok[i].n);
    }
}
END_TEST

START_TEST(test_feed_snapshot_end_decode_rejects)
{
    static const struct {
        size_t len;
        uint8_t b[12];
        int want;
    } bad[] = {
        {0, {0}, TIPC_ETRUNC},
        {1, {0x92}, TIPC_ETRUNC},
        {2, {0x92, 0x01}, TIPC_ETRUNC},
        {3, {0x92, 0x01, 0xcd}, TIPC_ETRUNC},
        {4, {0x92, 0x01, 0xcd, 0x01}, TIPC_ETRUNC},
        {2, {0xdc, 0x00}, TIPC_ETRUNC},
        {3, {0x80, 0x01, 0x02}, TIPC_ETYPE},                    /* a map */
        {4, {0x92, 0xa1, 0x41, 0x01}, TIPC_ETYPE},              /* a string element */
        {3, {0x92, 0xc0, 0x01}, TIPC_ETYPE},                    /* nil */
        {10, {0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0}, TIPC_ETYPE}, /* float64 */
        {3, {0x92, 0x01, 0xff}, TIPC_EBADVAL},                  /* -1 */
        {4, {0x92, 0xd0, 0x80, 0x01}, TIPC_EBADVAL},            /* int8 -128 */
        {4, {0x93, 0x01, 0x02, 0x03}, TIPC_EPROTO},
        {2, {0x91, 0x01}, TIPC_EPROTO},
        {1, {0x90}, TIPC_EPROTO},
        {4, {0x92, 0x01, 0x02, 0x00}, TIPC_EPROTO}, /* trailing byte */
        {5, {0xdc, 0x00, 0x03, 0x01, 0x02}, TIPC_EPROTO},
    };
    tipc_snapshot_end e = {11, 12};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = tipc_snapshot_end_decode(bad[i].b, bad[i].len, &e);
        ck_assert_msg(rc == bad[i].want, "case %zu: got %s, want %s", i, tipc_err_name(rc),
                      tipc_err_name(bad[i].want));
        ck_assert_uint_eq(e.price_seq, 11);
        ck_assert_uint_eq(e.news_seq, 12);
    }
}
END_TEST

/* ---- Last-value cache --------------------------------------------------- */

static tipc_tick
tick(const char *sym, int64_t price, uint64_t seq)
{
    tipc_tick t = {.price = price, .event_ns = 1000 + seq, .send_ns = 2000 + seq, .seq = seq};
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    return t;
}

static tipc_news
news(const char *sym, int32_t sentiment, uint64_t seq)
{
    tipc_news n = {
        .sentiment = sentiment, .event_ns = 3000 + seq, .send_ns = 4000 + seq, .seq = seq};
    snprintf(n.symbol, sizeof n.symbol, "%s", sym);
    return n;
}

static int
put_t(tipc_lvc *c, const char *sym, int64_t price, uint64_t seq)
{
    tipc_tick t = tick(sym, price, seq);
    return tipc_lvc_put_tick(c, &t);
}

static int
put_n(tipc_lvc *c, const char *sym, int32_t sentiment, uint64_t seq)
{
    tipc_news n = news(sym, sentiment, seq);
    return tipc_lvc_put_news(c, &n);
}

/* A: tick 1, 3; B: tick 2, news 1; C: news 2. Put order: A, B, C. */
static tipc_lvc *
sample_cache(void)
{
    tipc_lvc *c = NULL;

    ck_assert_tipc_ok(tipc_lvc_create(&c, 16));
    ck_assert_tipc_ok(put_t(c, "A", 100, 1));
    ck_assert_tipc_ok(put_t(c, "B", 200, 2));
    ck_assert_tipc_ok(put_n(c, "B", 70, 1));
    ck_assert_tipc_ok(put_t(c, "A", 101, 3));
    ck_assert_tipc_ok(put_n(c, "C", 5, 2));
    return c;
}

START_TEST(test_feed_lvc_seqs_follow_puts)
{
    tipc_lvc *c = NULL;
    tipc_snapshot_end e = {9, 9};

    ck_assert_tipc_ok(tipc_lvc_create(&c, 2));
    tipc_lvc_seqs(c, &e);
    ck_assert_uint_eq(e.price_seq, 0);
    ck_assert_uint_eq(e.news_seq, 0);
    ck_assert_tipc_ok(put_t(c, "X", 1, 5));
    ck_assert_tipc_ok(put_n(c, "X", 1, 7));
    ck_assert_tipc_ok(put_t(c, "Y", 1, 6));
    /* Full, or a bad symbol: not cached, but the stream's seq still moves. */
    ck_assert_tipc_err(put_t(c, "Z", 1, 8), TIPC_ENOSPC);
    ck_assert_tipc_err(put_n(c, "bad sym", 1, 9), TIPC_EINVAL);
    tipc_lvc_seqs(c, &e);
    ck_assert_uint_eq(e.price_seq, 8);
    ck_assert_uint_eq(e.news_seq, 9);
    tipc_lvc_destroy(c);
    tipc_lvc_destroy(NULL);
    ck_assert_tipc_err(tipc_lvc_create(&c, 0), TIPC_EINVAL);
}
END_TEST

/* The child: join with the given streams and filter, then write one text line
 * per frame up to SNAPSHOT_END to fd ("TICK A 101 3", "END 3 2", ...). */
static void
snapshot_client(int port, uint32_t streams, const char *const *filter, int fd)
{
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = streams, .name = "lvc"};
    char addr[32], line[128];
    tipc_sock *s;
    tipc_frame f;
    tipc_tick t;
    tipc_news n;
    tipc_snapshot_end e;

    for (; filter != NULL && *filter != NULL; filter++)
        strcpy(h.symbols[h.nsymbols++], *filter);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    if (tipc_sock_connect(&s, addr, &h, NULL, NULL, NULL, 0) != 0)
        _exit(3);
    for (;;) {
        if (tipc_sock_recv(s, &f, 3000) != 0)
            _exit(4);
        if (f.type == TIPC_MSG_SNAPSHOT_BEGIN)
            snprintf(line, sizeof line, "BEGIN %u\n", f.len);
        else if (f.type == TIPC_MSG_TICK && tipc_tick_decode(f.data, f.len, &t) == 0)
            snprintf(line, sizeof line, "TICK %s %lld %llu %llu\n", t.symbol, (long long)t.price,
                     (unsigned long long)t.seq, (unsigned long long)t.send_ns);
        else if (f.type == TIPC_MSG_NEWS && tipc_news_decode(f.data, f.len, &n) == 0)
            snprintf(line, sizeof line, "NEWS %s %d %llu %llu\n", n.symbol, n.sentiment,
                     (unsigned long long)n.seq, (unsigned long long)n.send_ns);
        else if (f.type == TIPC_MSG_SNAPSHOT_END &&
                 tipc_snapshot_end_decode(f.data, f.len, &e) == 0)
            snprintf(line, sizeof line, "END %llu %llu\n", (unsigned long long)e.price_seq,
                     (unsigned long long)e.news_seq);
        else
            snprintf(line, sizeof line, "BAD %s\n", tipc_msg_type_name(f.type));
        if (write(fd, line, strlen(line)) < 0)
            _exit(5);
        if (f.type == TIPC_MSG_SNAPSHOT_END)
            break;
    }
    tipc_sock_close(s);
    _exit(0);
}

/* Serve one client (forked) its snapshot; returns what it received. */
static void
run_snapshot(const tipc_lvc *c, uint32_t streams, const char *const *filter, int want_rc, char *got,
             size_t cap)
{
    tipc_server_opts so = {.heartbeat_ms = -1};
    tipc_server *srv = NULL;
    tipc_server_event ev[8];
    int fds[2], status, joined = 0;
    ssize_t n;
    size_t len = 0;
    pid_t pid;

    ck_assert_tipc_ok(tipc_server_listen(&srv, "127.0.0.1:0", &so));
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        snapshot_client(tipc_server_port(srv), streams, filter, fds[1]);
    }
    close(fds[1]);
    for (int spins = 0; waitpid(pid, &status, WNOHANG) == 0; spins++) {
        int k = tipc_server_poll(srv, ev, 8, 10);
        ck_assert_int_ge(k, 0);
        ck_assert_int_lt(spins, 500);
        for (int i = 0; i < k; i++)
            if (ev[i].kind == TIPC_SERVER_JOIN) {
                ck_assert_int_eq(tipc_lvc_send_snapshot(c, srv, ev[i].conn, ev[i].hello), want_rc);
                joined++;
            }
    }
    ck_assert_int_eq(joined, 1);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "client status %d", status);
    while (len + 1 < cap && (n = read(fds[0], got + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    got[len] = '\0';
    close(fds[0]);
    tipc_server_close(srv);
}

START_TEST(test_feed_lvc_snapshot_all)
{
    tipc_lvc *c = sample_cache();
    char got[1024];

    run_snapshot(c, TIPC_STREAM_ALL, NULL, 4, got, sizeof got);
    ck_assert_str_eq(got, "BEGIN 0\n"
                          "TICK A 101 3 2003\n"
                          "TICK B 200 2 2002\n"
                          "NEWS B 70 1 4001\n"
                          "NEWS C 5 2 4002\n"
                          "END 3 2\n");
    tipc_lvc_destroy(c);
}
END_TEST

/* Only the streams and symbols asked for, in put order, each once; symbols
 * never put or without that stream's value are left out. */
START_TEST(test_feed_lvc_snapshot_streams_and_filter)
{
    static const char *const f1[] = {"C", "B", "B", "ZZZ", NULL};
    static const char *const f2[] = {"C", "A", NULL};
    tipc_lvc *c = sample_cache();
    char got[1024];

    run_snapshot(c, TIPC_STREAM_PRICES, f1, 1, got, sizeof got);
    ck_assert_str_eq(got, "BEGIN 0\nTICK B 200 2 2002\nEND 3 2\n");
    run_snapshot(c, TIPC_STREAM_NEWS, f2, 1, got, sizeof got);
    ck_assert_str_eq(got, "BEGIN 0\nNEWS C 5 2 4002\nEND 3 2\n");
    run_snapshot(c, TIPC_STREAM_ALL, f2, 2, got, sizeof got);
    ck_assert_str_eq(got, "BEGIN 0\nTICK A 101 3 2003\nNEWS C 5 2 4002\nEND 3 2\n");
    tipc_lvc_destroy(c);
    /* An empty cache: BEGIN and END [0, 0] only. */
    ck_assert_tipc_ok(tipc_lvc_create(&c, 4));
    run_snapshot(c, TIPC_STREAM_ALL, NULL, 0, got, sizeof got);
    ck_assert_str_eq(got, "BEGIN 0\nEND 0 0\n");
    tipc_lvc_destroy(c);
}
END_TEST

/* A snapshot larger than the client's output bound: TIPC_EOVERFLOW, and the
 * server drops that client with LEAVE OVERFLOW; an unknown conn: ENOENT. */
START_TEST(test_feed_lvc_snapshot_overflow)
{
    tipc_server_opts so = {.max_frame = 1024, .out_cap = 1029, .heartbeat_ms = -1}; /* smallest */
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_ALL, .name = "big"};
    tipc_server *srv = NULL;
    tipc_server_event ev[8];
    tipc_lvc *c = NULL;
    char addr[32], sym[8];
    int left = 0, status;
    pid_t pid;

    ck_assert_tipc_ok(tipc_lvc_create(&c, 128));
    for (int i = 0; i < 100; i++) { /* about 2500 bytes of frames */
        snprintf(sym, sizeof sym, "S%d", i);
        ck_assert_tipc_ok(put_t(c, sym, 1 + i, (uint64_t)i + 1));
    }
    ck_assert_tipc_ok(tipc_server_listen(&srv, "127.0.0.1:0", &so));
    ck_assert_tipc_err(tipc_lvc_send_snapshot(c, srv, 12345, &h), TIPC_ENOENT);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", tipc_server_port(srv));
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tipc_sock *s;
        tipc_frame f;
        if (tipc_sock_connect(&s, addr, &h, NULL, NULL, NULL, 0) != 0)
            _exit(3);
        while (tipc_sock_recv(s, &f, 3000) == 0)
            ;
        tipc_sock_close(s);
        _exit(0);
    }
    for (int spins = 0; !left; spins++) {
        int k = tipc_server_poll(srv, ev, 8, 10);
        ck_assert_int_ge(k, 0);
        ck_assert_int_lt(spins, 500);
        for (int i = 0; i < k; i++) {
            if (ev[i].kind == TIPC_SERVER_JOIN)
                ck_assert_tipc_err(tipc_lvc_send_snapshot(c, srv, ev[i].conn, ev[i].hello),
                                   TIPC_EOVERFLOW);
            if (ev[i].kind == TIPC_SERVER_LEAVE) {
                ck_assert_int_eq(ev[i].reason, TIPC_LEAVE_OVERFLOW);
                left = 1;
            }
        }
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    tipc_server_close(srv);
    tipc_lvc_destroy(c);
}
END_TEST

static Suite *
tipc_feed_suite(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_feed_symtab_dense_indices);
    tcase_add_test(tc, test_feed_symtab_tick_field_and_near_misses);
    tcase_add_test(tc, test_feed_symtab_grows_and_keeps_indices);
    tcase_add_loop_test(tc, test_feed_snapshot_end_golden, 0, sizeof goldens / sizeof goldens[0]);
    tcase_add_test(tc, test_feed_snapshot_end_decode_accepts_every_width);
    tcase_set_timeout(tc, 10);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_feed_symtab_rejects_invalid_symbols);
    tcase_add_test(tc, test_feed_snapshot_end_decode_rejects);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, test_feed_symtab_create_bounds);
    tcase_add_test(tc, test_feed_lvc_seqs_follow_puts);
    suite_add_tcase(s, tc);
    tc = tcase_create("snapshot");
    tcase_add_test(tc, test_feed_lvc_snapshot_all);
    tcase_add_test(tc, test_feed_lvc_snapshot_streams_and_filter);
    tcase_add_test(tc, test_feed_lvc_snapshot_overflow);
    tcase_set_timeout(tc, 10);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_feed_suite)
