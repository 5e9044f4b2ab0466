/* SPDX-License-Identifier: MIT */
/* The durable order log: exact lines, group commit, recovery of ids and
 * duplicates across reopen, torn tails, corrupt lines, the parser, the
 * mapped staging file (commit, flush, replay after a kill, damage) and the
 * commit in steps (its write and sync in another thread). */
#include "config.h" /* _GNU_SOURCE for unshare */

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tipc_check.h"

/* 2026-11-24T13:08:00.123456789Z */
#define T0 1795525680123456789ull

static char dir[256];
static char path[400];
static char stage[420]; /* path + ".staged" */

static struct {
    int n;
    char msg[8][600];
} logs;

static void
capture(void *ctx, tipc_log_level level, const char *component, const char *msg)
{
    (void)ctx;
    if (level <= TIPC_LOG_WARN && logs.n < 8)
        snprintf(logs.msg[logs.n++], sizeof logs.msg[0], "%s %s: %s", tipc_log_level_name(level),
                 component, msg);
}

static const tipc_logger logger = {capture, NULL, TIPC_LOG_DEBUG};

/* The directory belongs to an unchecked fixture, which runs in the parent:
 * its teardown runs even when a forked test fails an assertion. */
static void
dir_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tipc_orderlog_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
}

static void
dir_teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[600];

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static void
setup(void)
{
    static unsigned n;
    snprintf(path, sizeof path, "%s/order_log_%ld_%u.txt", dir, (long)getpid(), n++);
    snprintf(stage, sizeof stage, "%s.staged", path);
    memset(&logs, 0, sizeof logs);
}

static void
teardown(void)
{
    unlink(path);
    unlink(stage);
}

static tipc_order
order(const char *strategy, const char *client, const char *symbol, tipc_side side, uint32_t qty,
      int64_t price)
{
    tipc_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.strategy, sizeof o.strategy, "%s", strategy);
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", client);
    snprintf(o.symbol, sizeof o.symbol, "%s", symbol);
    o.side = side;
    o.quantity = qty;
    o.price = price;
    o.signal.rule = TIPC_RULE_MANUAL;
    o.tick_ns = T0 - 2000;
    o.send_ns = T0 - 1000;
    return o;
}

static tipc_order
ma_order(const char *client)
{
    tipc_order o = order("mom", client, "AAPL", TIPC_SIDE_BUY, 100, 1640500);
    o.signal.rule = TIPC_RULE_MA_CROSS;
    o.signal.short_window = 5;
    o.signal.long_window = 20;
    o.signal.short_ma = 1641000;
    o.signal.long_ma = 1639000;
    return o;
}

static size_t
slurp(char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, buf, cap - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return (size_t)n;
}

static void
write_file(const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static tipc_orderlog *
open_log(const tipc_orderlog_opts *opts)
{
    tipc_orderlog *l = NULL;
    tipc_orderlog_opts o = opts ? *opts : (tipc_orderlog_opts){0};
    o.logger = &logger;
    ck_assert_tipc_ok(tipc_orderlog_open(&l, path, &o));
    return l;
}

static uint64_t
append(tipc_orderlog *l, const tipc_order *o, uint64_t recv_ns)
{
    uint64_t id = 0;
    ck_assert_tipc_ok(tipc_orderlog_append(l, o, recv_ns, &id));
    return id;
}

#define LINE1                                                                                      \
    "2026-11-24T13:08:00.123456789Z order_id=1 client_id=mom-17 strategy=mom symbol=AAPL "         \
    "side=BUY qty=100 price=164.0500 rule=ma_cross short_window=5 long_window=20 "                 \
    "short_ma=164.1000 long_ma=163.9000 tick_ns=1795525680123454789 "                              \
    "send_ns=1795525680123455789 recv_ns=1795525680123456789\n"
#define LINE2                                                                                      \
    "2026-11-24T13:08:00.123457789Z order_id=2 client_id=news-1 strategy=news symbol=MSFT "        \
    "side=SELL qty=5 price=0.0100 rule=sentiment sentiment=12 threshold=20 "                       \
    "tick_ns=1795525680123454789 send_ns=1795525680123455789 recv_ns=1795525680123457789\n"
#define LINE3                                                                                      \
    "2026-11-24T13:08:00.123458789Z order_id=3 client_id=m1 strategy= symbol=BRK.B side=BUY "      \
    "qty=1 price=-3.5000 rule=manual tick_ns=1795525680123454789 send_ns=1795525680123455789 "     \
    "recv_ns=1795525680123458789\n"

static void
append_three(tipc_orderlog *l)
{
    tipc_order a = ma_order("mom-17");
    tipc_order b = order("news", "news-1", "MSFT", TIPC_SIDE_SELL, 5, 100);
    tipc_order c = order("", "m1", "BRK.B", TIPC_SIDE_BUY, 1, -35000);
    b.signal.rule = TIPC_RULE_SENTIMENT;
    b.signal.sentiment = 12;
    b.signal.threshold = 20;
    ck_assert_uint_eq(append(l, &a, T0), 1);
    ck_assert_uint_eq(append(l, &b, T0 + 1000), 2);
    ck_assert_uint_eq(append(l, &c, T0 + 2000), 3);
}

START_TEST(test_orderlog_commit_writes_exact_lines)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog *l = open_log(NULL);

    append_three(l);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 3);
    ck_assert_uint_eq(tipc_orderlog_count(l), 0);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 0); /* append makes no system call */
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_uint_eq(tipc_orderlog_pending(l), 0);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.commits, 1);
    ck_assert_uint_eq(st.write_calls, 1);
    ck_assert_uint_eq(st.sync_calls, 0);
    ck_assert_uint_eq(st.bytes_written, strlen(LINE1 LINE2 LINE3));
    ck_assert_uint_eq(st.next_order_id, 4);
    ck_assert_tipc_ok(tipc_orderlog_commit(l)); /* nothing pending: no write */
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.write_calls, 1);
    ck_assert_uint_eq(st.commits, 1);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 0);
}
END_TEST

START_TEST(test_orderlog_reopen_recovers_ids_and_duplicates)
{
    tipc_orderlog_stats st;
    uint64_t id = 0;
    tipc_orderlog *l = open_log(NULL);

    append_three(l);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);

    l = open_log(NULL);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 0);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 3);
    ck_assert_uint_eq(st.skipped, 0);
    ck_assert_uint_eq(st.truncated_bytes, 0);
    ck_assert_uint_eq(st.next_order_id, 4);

    tipc_order dup = order("news", "news-1", "MSFT", TIPC_SIDE_BUY, 7, 1); /* same key */
    ck_assert_tipc_err(tipc_orderlog_append(l, &dup, T0, &id), TIPC_EDUP);
    ck_assert_uint_eq(id, 2);
    tipc_order empty_strategy = order("", "m1", "X", TIPC_SIDE_BUY, 1, 1);
    ck_assert_tipc_err(tipc_orderlog_append(l, &empty_strategy, T0, &id), TIPC_EDUP);
    ck_assert_uint_eq(id, 3);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 0);

    tipc_order fresh = ma_order("mom-18");
    ck_assert_uint_eq(append(l, &fresh, T0 + 5), 4);
    ck_assert_tipc_ok(tipc_orderlog_lookup(l, "mom", "mom-17", &id));
    ck_assert_uint_eq(id, 1);
    ck_assert_tipc_ok(tipc_orderlog_lookup(l, "mom", "mom-18", &id)); /* pending counts */
    ck_assert_uint_eq(id, 4);
    ck_assert_tipc_err(tipc_orderlog_lookup(l, "news", "mom-17", &id), TIPC_ENOENT);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);

    l = open_log(NULL);
    ck_assert_uint_eq(tipc_orderlog_count(l), 4);
    ck_assert_tipc_err(tipc_orderlog_append(l, &fresh, T0, &id), TIPC_EDUP);
    ck_assert_uint_eq(id, 4);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 0);
}
END_TEST

START_TEST(test_orderlog_duplicate_key_is_strategy_and_client_id)
{
    char buf[4096];
    uint64_t id = 0;
    tipc_orderlog *l = open_log(NULL);
    tipc_order a = order("alpha", "c-1", "AAPL", TIPC_SIDE_BUY, 1, 10000);
    tipc_order b = order("beta", "c-1", "AAPL", TIPC_SIDE_BUY, 1, 10000);
    tipc_order ab = order("alph", "ac-1", "AAPL", TIPC_SIDE_BUY, 1, 10000);

    ck_assert_uint_eq(append(l, &a, T0), 1);
    ck_assert_uint_eq(append(l, &b, T0), 2);  /* same client id, other strategy */
    ck_assert_uint_eq(append(l, &ab, T0), 3); /* same concatenation, other split */
    ck_assert_tipc_err(tipc_orderlog_append(l, &b, T0, &id), TIPC_EDUP); /* still pending */
    ck_assert_uint_eq(id, 2);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 3);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    slurp(buf, sizeof buf);
    int lines = 0;
    for (char *p = buf; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 3);
    tipc_orderlog_close(l);
}
END_TEST

START_TEST(test_orderlog_group_commit_is_one_write)
{
    enum { N = 100 };
    static char want[N * TIPC_ORDERLOG_LINE_MAX], got[sizeof want];
    size_t wlen = 0, n;
    tipc_orderlog_stats st;
    tipc_orderlog *l = open_log(NULL);

    for (int i = 0; i < N; i++) {
        tipc_orderlog_entry e = {.order_id = (uint64_t)i + 1, .recv_ns = T0 + (uint64_t)i};
        char cid[32];
        snprintf(cid, sizeof cid, "mom-%d", i);
        e.order = ma_order(cid);
        e.order.quantity = (uint32_t)i + 1;
        ck_assert_uint_eq(append(l, &e.order, e.recv_ns), (uint64_t)i + 1);
        ck_assert_tipc_ok(tipc_orderlog_format_line(&e, want + wlen, sizeof want - wlen, &n));
        wlen += n;
    }
    ck_assert_uint_eq(tipc_orderlog_pending(l), N);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.commits, 1);
    ck_assert_uint_eq(st.write_calls, 1);
    ck_assert_uint_eq(st.bytes_written, wlen);
    ck_assert_uint_eq(slurp(got, sizeof got), wlen);
    ck_assert_int_eq(memcmp(got, want, wlen), 0);
    tipc_orderlog_close(l);
}
END_TEST

START_TEST(test_orderlog_sync_data_mode)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_DATA};
    tipc_orderlog *l = open_log(&o);

    append_three(l);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.sync_calls, 1); /* one sync for the burst, none for an empty commit */
    ck_assert_uint_eq(st.write_calls, 1);
    tipc_orderlog_close(l);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    l = open_log(&o);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    tipc_orderlog_close(l);
}
END_TEST

static void
assert_entry_eq(const tipc_orderlog_entry *a, const tipc_orderlog_entry *b)
{
    ck_assert_uint_eq(a->order_id, b->order_id);
    ck_assert_uint_eq(a->recv_ns, b->recv_ns);
    ck_assert_str_eq(a->order.client_order_id, b->order.client_order_id);
    ck_assert_str_eq(a->order.strategy, b->order.strategy);
    ck_assert_str_eq(a->order.symbol, b->order.symbol);
    ck_assert_int_eq(a->order.side, b->order.side);
    ck_assert_uint_eq(a->order.quantity, b->order.quantity);
    ck_assert_int_eq(a->order.price, b->order.price);
    ck_assert_int_eq(a->order.signal.rule, b->order.signal.rule);
    ck_assert_uint_eq(a->order.signal.short_window, b->order.signal.short_window);
    ck_assert_uint_eq(a->order.signal.long_window, b->order.signal.long_window);
    ck_assert_int_eq(a->order.signal.short_ma, b->order.signal.short_ma);
    ck_assert_int_eq(a->order.signal.long_ma, b->order.signal.long_ma);
    ck_assert_int_eq(a->order.signal.sentiment, b->order.signal.sentiment);
    ck_assert_int_eq(a->order.signal.threshold, b->order.signal.threshold);
    ck_assert_uint_eq(a->order.tick_ns, b->order.tick_ns);
    ck_assert_uint_eq(a->order.send_ns, b->order.send_ns);
    ck_assert_int_eq(memcmp(a, b, sizeof *a), 0); /* nothing else differs, padding included */
}

START_TEST(test_orderlog_parse_round_trips_every_field)
{
    tipc_orderlog_entry in[4], out;
    char line[TIPC_ORDERLOG_LINE_MAX];
    size_t n;

    memset(in, 0, sizeof in);
    in[0].order_id = 17;
    in[0].recv_ns = T0;
    in[0].order = ma_order("mom-17");
    in[1].order_id = UINT64_MAX;
    in[1].recv_ns = UINT64_MAX;
    in[1].order = order("news_v2", "id:with=eq", "Z", TIPC_SIDE_SELL, UINT32_MAX, INT64_MAX);
    in[1].order.signal.rule = TIPC_RULE_SENTIMENT;
    in[1].order.signal.sentiment = INT32_MIN;
    in[1].order.signal.threshold = INT32_MAX;
    in[1].order.tick_ns = UINT64_MAX;
    in[1].order.send_ns = 0;
    in[2].order_id = 1;
    in[2].recv_ns = 0; /* the epoch */
    in[2].order = order("", "x", "A-B_C.D", TIPC_SIDE_BUY, 0, INT64_MIN);
    in[3].order_id = 2;
    in[3].recv_ns = 1709251199999999999ull; /* 2024-02-29T23:59:59.999999999Z */
    in[3].order = ma_order("leap");
    in[3].order.signal.short_window = UINT32_MAX;
    in[3].order.signal.short_ma = INT64_MIN;
    in[3].order.signal.long_ma = -1;
    for (int i = 0; i < 4; i++) {
        ck_assert_tipc_ok(tipc_orderlog_format_line(&in[i], line, sizeof line, &n));
        ck_assert_int_eq(line[n - 1], '\n');
        ck_assert_tipc_ok(tipc_orderlog_parse_line(line, n, &out)); /* with '\n' */
        assert_entry_eq(&out, &in[i]);
        ck_assert_tipc_ok(tipc_orderlog_parse_line(line, n - 1, &out)); /* without */
        assert_entry_eq(&out, &in[i]);
    }
    ck_assert_tipc_ok(tipc_orderlog_format_line(&in[3], line, sizeof line, &n));
    ck_assert_int_eq(memcmp(line, "2024-02-29T23:59:59.999999999Z order_id=2 ", 42), 0);
    ck_assert_tipc_ok(tipc_orderlog_format_line(&in[2], line, sizeof line, &n));
    ck_assert_int_eq(memcmp(line, "1970-01-01T00:00:00.000000000Z order_id=1 ", 42), 0);
    ck_assert_ptr_nonnull(strstr(line, " price=-922337203685477.5808 "));
}
END_TEST

START_TEST(test_orderlog_format_needs_exact_space)
{
    tipc_orderlog_entry e = {.order_id = 1, .recv_ns = T0};
    char line[TIPC_ORDERLOG_LINE_MAX];
    size_t n = 0, need = strlen(LINE1);

    e.order = ma_order("mom-17");
    ck_assert_tipc_err(tipc_orderlog_format_line(&e, line, need - 1, &n), TIPC_ENOSPC);
    ck_assert_uint_eq(n, need);
    ck_assert_tipc_err(tipc_orderlog_format_line(&e, NULL, 0, &n), TIPC_ENOSPC);
    ck_assert_uint_eq(n, need);
    ck_assert_tipc_ok(tipc_orderlog_format_line(&e, line, need, &n));
    ck_assert_int_eq(memcmp(line, LINE1, need), 0);
}
END_TEST

START_TEST(test_orderlog_longest_line_fits)
{
    tipc_orderlog_entry e, out;
    char line[TIPC_ORDERLOG_LINE_MAX];
    size_t n;

    memset(&e, 0, sizeof e);
    e.order_id = UINT64_MAX;
    e.recv_ns = UINT64_MAX;
    memset(e.order.client_order_id, 'c', TIPC_ORDER_ID_MAX);
    memset(e.order.strategy, 's', TIPC_STRATEGY_MAX);
    memset(e.order.symbol, 'y', TIPC_SYMBOL_MAX);
    e.order.side = TIPC_SIDE_SELL;
    e.order.quantity = UINT32_MAX;
    e.order.price = INT64_MIN;
    e.order.signal =
        (tipc_signal_info){TIPC_RULE_MA_CROSS, UINT32_MAX, UINT32_MAX, INT64_MIN, INT64_MIN, 0, 0};
    e.order.tick_ns = UINT64_MAX;
    e.order.send_ns = UINT64_MAX;
    ck_assert_tipc_ok(tipc_orderlog_format_line(&e, line, sizeof line, &n));
    ck_assert_uint_eq(n, 429); /* the bound the header documents */
    ck_assert_tipc_ok(tipc_orderlog_parse_line(line, n, &out));
    assert_entry_eq(&out, &e);
}
END_TEST

START_TEST(test_orderlog_empty_file_starts_at_one)
{
    tipc_orderlog_stats st;
    tipc_orderlog *l;

    write_file("");
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.next_order_id, 1);
    ck_assert_uint_eq(tipc_orderlog_count(l), 0);
    tipc_orderlog_close(l);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0644 & ~(unsigned)umask(022));
}
END_TEST

/* ---- errors ---- */

START_TEST(test_orderlog_torn_tail_is_truncated)
{
    const char *torn = "2026-11-24T13:08:00.123459789Z order_id=4 client_id=t";
    char buf[4096], content[4096], want_log[600];
    tipc_orderlog_stats st;
    tipc_orderlog *l;

    snprintf(content, sizeof content, "%s%s%s%s", LINE1, LINE2, LINE3, torn);
    write_file(content);
    l = open_log(NULL);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 3);
    ck_assert_uint_eq(st.skipped, 0);
    ck_assert_uint_eq(st.truncated_bytes, strlen(torn));
    ck_assert_uint_eq(st.next_order_id, 4);
    ck_assert_int_eq(logs.n, 1);
    snprintf(want_log, sizeof want_log,
             "warn orderlog: %s: torn last line (%zu bytes without a newline at offset %zu), "
             "truncated",
             path, strlen(torn), strlen(LINE1 LINE2 LINE3));
    ck_assert_str_eq(logs.msg[0], want_log);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);

    tipc_order o = ma_order("after-crash");
    ck_assert_uint_eq(append(l, &o, T0), 4);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);
    slurp(buf, sizeof buf);
    ck_assert_uint_eq(strlen(buf), strlen(LINE1 LINE2 LINE3) + strlen(LINE1) + 5);
}
END_TEST

START_TEST(test_orderlog_complete_line_without_newline_is_torn)
{
    char buf[4096], content[4096];
    tipc_orderlog_stats st;
    tipc_orderlog *l;

    snprintf(content, sizeof content, "%s%s", LINE1, LINE2);
    content[strlen(content) - 1] = 0; /* the commit never finished: no ack was sent */
    write_file(content);
    l = open_log(NULL);
    ck_assert_uint_eq(tipc_orderlog_count(l), 1);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.truncated_bytes, strlen(LINE2) - 1);
    ck_assert_uint_eq(st.next_order_id, 2);
    tipc_orderlog_close(l);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1);
}
END_TEST

START_TEST(test_orderlog_corrupt_middle_line_is_skipped)
{
    char want_log[600];
    tipc_orderlog_stats st;
    tipc_orderlog *l;
    uint64_t id;

    write_file(LINE1 "2026-11-24T13:08:00.1 garbage\n" LINE3);
    l = open_log(NULL);
    ck_assert_uint_eq(tipc_orderlog_count(l), 2);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 2);
    ck_assert_uint_eq(st.skipped, 1);
    ck_assert_uint_eq(st.truncated_bytes, 0);
    ck_assert_uint_eq(st.next_order_id, 4); /* max(1, 3) + 1 */
    ck_assert_int_eq(logs.n, 1);
    snprintf(want_log, sizeof want_log,
             "warn orderlog: line 2 (offset %zu): skipped, TIPC_EPROTO (malformed frame or "
             "message)",
             strlen(LINE1));
    ck_assert_str_eq(logs.msg[0], want_log);
    ck_assert_tipc_ok(tipc_orderlog_lookup(l, "", "m1", &id));
    ck_assert_uint_eq(id, 3);
    tipc_orderlog_close(l);
}
END_TEST

START_TEST(test_orderlog_duplicate_line_in_file_is_skipped)
{
    tipc_orderlog_stats st;
    tipc_orderlog *l;
    uint64_t id;

    write_file(LINE1 "2026-11-24T13:08:00.123456789Z order_id=9 client_id=mom-17 strategy=mom "
                     "symbol=AAPL side=BUY qty=1 price=1.0000 rule=manual tick_ns=0 send_ns=0 "
                     "recv_ns=1795525680123456789\n");
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 1);
    ck_assert_uint_eq(st.skipped, 1);
    ck_assert_uint_eq(st.next_order_id, 2);
    ck_assert_tipc_ok(tipc_orderlog_lookup(l, "mom", "mom-17", &id));
    ck_assert_uint_eq(id, 1);
    ck_assert_int_eq(logs.n, 1);
    ck_assert_str_eq(logs.msg[0], "warn orderlog: line 2 (offset 279): skipped, strategy 'mom' "
                                  "client_id 'mom-17' already logged as order 1");
    tipc_orderlog_close(l);
}
END_TEST

static const struct {
    const char *line;
    int want;
} bad_lines[] = {
    {"", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z", TIPC_EMISSING},
    {"2026-11-24 13:08:00.123456789Z order_id=1", TIPC_EPROTO},
    {"2026-13-24T13:08:00.123456789Z order_id=1", TIPC_EPROTO},
    {"2026-02-29T13:08:00.123456789Z order_id=1", TIPC_EPROTO}, /* not a leap year */
    {"2026-11-24T24:08:00.123456789Z order_id=1", TIPC_EPROTO},
    {"2026-11-24T13:08:00.12345678Z order_id=1", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z  order_id=1", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z order_id=1 ", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z order_id", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z =1", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z order_id=1 order_id=2", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z order_id=1\tx=1", TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z order_id=0", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z order_id=18446744073709551616", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z order_id=-1", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z side=HOLD", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z price=1.05", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z price=922337203685477.5808", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z qty=4294967296", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z client_id=", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z symbol=ABCDEFGHIJKLMNOP", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z rule=momentum", TIPC_EBADVAL},
    {"2026-11-24T13:08:00.123456789Z sentiment=2147483648", TIPC_EBADVAL},
    /* rule fields are required by their rule */
    {"2026-11-24T13:08:00.123456789Z order_id=1 client_id=a strategy=s symbol=X side=BUY qty=1 "
     "price=1.0000 rule=ma_cross short_window=5 long_window=20 short_ma=1.0000 tick_ns=0 "
     "send_ns=0 recv_ns=1795525680123456789",
     TIPC_EMISSING},
    {"2026-11-24T13:08:00.123456789Z order_id=1 client_id=a strategy=s symbol=X side=BUY qty=1 "
     "price=1.0000 rule=sentiment sentiment=5 tick_ns=0 send_ns=0 recv_ns=1795525680123456789",
     TIPC_EMISSING},
    /* a signal field of another rule (found by fuzz_orderlog: it would not survive a rewrite) */
    {"2026-11-24T13:08:00.123456789Z order_id=1 client_id=a strategy=s symbol=X side=BUY qty=1 "
     "price=1.0000 rule=manual long_window=9 tick_ns=0 send_ns=0 recv_ns=1795525680123456789",
     TIPC_EPROTO},
    {"2026-11-24T13:08:00.123456789Z order_id=1 client_id=a strategy=s symbol=X side=BUY qty=1 "
     "price=1.0000 rule=sentiment sentiment=80 threshold=70 short_ma=1.0000 tick_ns=0 send_ns=0 "
     "recv_ns=1795525680123456789",
     TIPC_EPROTO},
    /* recv_ns must agree with the timestamp */
    {"2026-11-24T13:08:00.123456789Z order_id=1 client_id=a strategy=s symbol=X side=BUY qty=1 "
     "price=1.0000 rule=manual tick_ns=0 send_ns=0 recv_ns=1795525680123456788",
     TIPC_EPROTO},
};

START_TEST(test_orderlog_parse_rejects_bad_lines)
{
    tipc_orderlog_entry e;

    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        int rc = tipc_orderlog_parse_line(bad_lines[i].line, strlen(bad_lines[i].line), &e);
        ck_assert_msg(rc == bad_lines[i].want, "line %zu \"%s\": got %s want %s", i,
                      bad_lines[i].line, tipc_err_name(rc), tipc_err_name(bad_lines[i].want));
    }
    /* a NUL or a high byte inside a value */
    char line[sizeof LINE1];
    memcpy(line, LINE1, sizeof LINE1);
    line[70] = 0;
    ck_assert_tipc_err(tipc_orderlog_parse_line(line, strlen(LINE1), &e), TIPC_EPROTO);
    line[70] = (char)0xe9;
    ck_assert_tipc_err(tipc_orderlog_parse_line(line, strlen(LINE1), &e), TIPC_EPROTO);
}
END_TEST

START_TEST(test_orderlog_parse_ignores_unknown_keys)
{
    tipc_orderlog_entry e;
    const char *line = "2026-11-24T13:08:00.123456789Z order_id=5 venue=XNAS client_id=a "
                       "strategy=s symbol=X side=BUY qty=1 price=1.0000 rule=manual tick_ns=0 "
                       "send_ns=0 recv_ns=1795525680123456789 future_field=1";

    ck_assert_tipc_ok(tipc_orderlog_parse_line(line, strlen(line), &e));
    ck_assert_uint_eq(e.order_id, 5);
    ck_assert_uint_eq(e.recv_ns, T0);
    ck_assert_str_eq(e.order.client_order_id, "a");
}
END_TEST

START_TEST(test_orderlog_append_rejects_bad_fields)
{
    tipc_orderlog_stats st;
    uint64_t id = 99;
    tipc_orderlog *l = open_log(NULL);
    tipc_order o[7];

    for (int i = 0; i < 7; i++)
        o[i] = ma_order("ok");
    strcpy(o[0].client_order_id, "has space");
    o[1].client_order_id[0] = 0;
    memset(o[2].symbol, 'A', sizeof o[2].symbol); /* unterminated */
    o[3].symbol[0] = 0;
    o[4].side = 0;
    o[5].signal.rule = 9;
    strcpy(o[6].strategy, "tab\there");
    for (int i = 0; i < 7; i++) {
        ck_assert_tipc_err(tipc_orderlog_append(l, &o[i], T0, &id), TIPC_EBADVAL);
        ck_assert_uint_eq(id, 99);
    }
    ck_assert_uint_eq(tipc_orderlog_pending(l), 0);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.next_order_id, 1);
    tipc_orderlog_close(l);
}
END_TEST

START_TEST(test_orderlog_second_open_is_busy)
{
    tipc_orderlog *a = open_log(NULL), *b = NULL;

    ck_assert_tipc_err(tipc_orderlog_open(&b, path, NULL), TIPC_EBUSY);
    ck_assert_ptr_null(b);
    tipc_orderlog_close(a);
    ck_assert_tipc_ok(tipc_orderlog_open(&b, path, NULL));
    tipc_orderlog_close(b);
}
END_TEST

START_TEST(test_orderlog_open_errors)
{
    tipc_orderlog *l = NULL;
    char missing[400];

    ck_assert_tipc_err(tipc_orderlog_open(&l, dir, NULL), TIPC_EINVAL);
    snprintf(missing, sizeof missing, "%s/no/such/dir/log.txt", dir);
    ck_assert_tipc_err(tipc_orderlog_open(&l, missing, NULL), TIPC_ENOENT);
    ck_assert_ptr_null(l);
    tipc_orderlog_close(NULL);
}
END_TEST

START_TEST(test_orderlog_close_discards_uncommitted)
{
    char buf[64];
    tipc_orderlog *l = open_log(NULL);
    tipc_order o = ma_order("lost");

    ck_assert_uint_eq(append(l, &o, T0), 1);
    tipc_orderlog_close(l);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 0);
    ck_assert_int_eq(logs.n, 1);
    ck_assert_str_eq(logs.msg[0], "warn orderlog: closed with 1 uncommitted lines, discarded");
}
END_TEST

/* step(l) with the file size limited to 300 bytes (inside LINE2), so that
 * the kernel stops its write part-way; SIGXFSZ is ignored meanwhile. Returns
 * step's result. */
static int
with_300_byte_limit(int (*step)(tipc_orderlog *), tipc_orderlog *l)
{
    struct rlimit old, lim;
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);

    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 300;
    /* No ck_assert while the limit holds: Check itself writes to a file. */
    int set = setrlimit(RLIMIT_FSIZE, &lim);
    int rc = step(l);
    int reset = setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, oldsig);
    ck_assert_int_eq(set, 0);
    ck_assert_int_eq(reset, 0);
    return rc;
}

/* RLIMIT_FSIZE makes the kernel stop the commit's write part-way through a
 * line; the next commit must resume at the exact byte, leaving a clean file. */
START_TEST(test_orderlog_commit_resumes_after_short_write)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog *l = open_log(NULL);

    append_three(l);
    ck_assert_tipc_err(with_300_byte_limit(tipc_orderlog_commit, l), TIPC_ENOSPC);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 3);
    ck_assert_uint_eq(tipc_orderlog_count(l), 0);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 300);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.write_calls, 2);
    ck_assert_uint_eq(st.bytes_written, strlen(LINE1 LINE2 LINE3));
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 1); /* the failed write was reported */
}
END_TEST

/* ---- SYNC_MAPPED: the staging file ---- */

/* The staging file's layout, as orderlog.c writes it: a 64-byte header
 * (magic, body size, committed bytes), then the body. */
#define STAGE_MAGIC 0x3147545343504954ull
#define STAGE_HDR 64

static bool
staged_exists(void)
{
    return access(stage, F_OK) == 0;
}

/* The committed part of the staging file, NUL-terminated. */
static uint64_t
read_staged(char *buf, size_t cap)
{
    uint64_t h[3];
    int fd = open(stage, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, h, sizeof h, 0), (ssize_t)sizeof h);
    ck_assert_uint_eq(h[0], STAGE_MAGIC);
    ck_assert_uint_lt(h[2], cap);
    ck_assert_int_eq(pread(fd, buf, h[2], STAGE_HDR), (ssize_t)h[2]);
    buf[h[2]] = 0;
    close(fd);
    return h[2];
}

/* A staging file as a crashed SYNC_MAPPED run leaves it, body all committed. */
static void
write_staged(uint64_t magic, const char *body)
{
    char hdr[STAGE_HDR] = {0};
    uint64_t h[3] = {magic, strlen(body) + 100, strlen(body)};
    int fd = open(stage, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    memcpy(hdr, h, sizeof h);
    ck_assert_int_eq(write(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
    ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    ck_assert_int_eq(ftruncate(fd, (off_t)(STAGE_HDR + h[1])), 0);
    close(fd);
}

START_TEST(test_orderlog_mapped_commit_stages_and_flush_writes)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_MAPPED};
    tipc_orderlog *l = open_log(&o);
    tipc_order d = ma_order("mom-18");

    ck_assert(staged_exists());
    ck_assert_uint_eq(read_staged(buf, sizeof buf), 0);
    append_three(l);
    ck_assert_uint_eq(read_staged(buf, sizeof buf), 0); /* appended is not committed */
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_uint_eq(tipc_orderlog_pending(l), 0);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 0); /* commit makes no system call */
    read_staged(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.commits, 1);
    ck_assert_uint_eq(st.write_calls, 0);

    ck_assert_tipc_ok(tipc_orderlog_flush(l));
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    ck_assert_uint_eq(read_staged(buf, sizeof buf), 0); /* the log has them all */
    ck_assert_tipc_ok(tipc_orderlog_flush(l));          /* nothing staged: no write */
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.write_calls, 1);
    ck_assert_uint_eq(st.bytes_written, strlen(LINE1 LINE2 LINE3));
    ck_assert_uint_eq(st.sync_calls, 0);

    ck_assert_uint_eq(append(l, &d, T0), 4); /* the body starts over at the front */
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    read_staged(buf, sizeof buf);
    ck_assert_msg(strncmp(buf, "2026-11-24T13:08:00.123456789Z order_id=4 client_id=mom-18 ", 59) ==
                      0,
                  "staged: %s", buf);
    tipc_orderlog_close(l); /* flushes, then removes the staging file */
    ck_assert(!staged_exists());
    ck_assert_int_eq(logs.n, 0);

    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 4);
    ck_assert_uint_eq(st.replayed, 0);
    tipc_orderlog_close(l);
}
END_TEST

/* The process is killed (SIGKILL) after a commit and before any flush: its
 * three committed (acknowledgeable) lines are only in the staging file, and
 * the next open, in any mode, puts them in the log. The fourth line was
 * appended but never committed: it is not replayed and its id is reused. */
static void
stage_then_hang(int ready_fd)
{
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_MAPPED};
    tipc_orderlog *l = NULL;
    tipc_order a = ma_order("mom-17"), b = order("news", "news-1", "MSFT", TIPC_SIDE_SELL, 5, 100);
    tipc_order c = order("", "m1", "BRK.B", TIPC_SIDE_BUY, 1, -35000), d = ma_order("late");
    uint64_t id;

    b.signal.rule = TIPC_RULE_SENTIMENT;
    b.signal.sentiment = 12;
    b.signal.threshold = 20;
    /* No ck_assert here: this is a child of the test process. */
    if (tipc_orderlog_open(&l, path, &o) != 0 || tipc_orderlog_append(l, &a, T0, &id) != 0 ||
        tipc_orderlog_append(l, &b, T0 + 1000, &id) != 0 ||
        tipc_orderlog_append(l, &c, T0 + 2000, &id) != 0 || tipc_orderlog_commit(l) != 0 ||
        tipc_orderlog_append(l, &d, T0 + 3000, &id) != 0 || write(ready_fd, "c", 1) != 1)
        _exit(1);
    for (;;)
        pause();
}

START_TEST(test_orderlog_mapped_killed_after_commit_replays)
{
    char buf[4096], want[600], c = 0;
    int fds[2], status;
    uint64_t id = 0;
    tipc_orderlog_stats st;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        stage_then_hang(fds[1]);
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));
    ck_assert_uint_eq(slurp(buf, sizeof buf), 0);
    ck_assert(staged_exists());

    tipc_orderlog *l = open_log(NULL); /* SYNC_NONE replays too, then removes the file */
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 3);
    ck_assert_uint_eq(st.replayed, 3);
    ck_assert_uint_eq(st.next_order_id, 4);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    ck_assert(!staged_exists());
    ck_assert_int_eq(logs.n, 1);
    snprintf(want, sizeof want,
             "warn orderlog: %s: orders 1..3 were committed by an earlier run that did not write "
             "them to the log: appended",
             stage);
    ck_assert_str_eq(logs.msg[0], want);
    tipc_order a = ma_order("mom-17"), late = ma_order("late");
    ck_assert_tipc_err(tipc_orderlog_append(l, &a, T0, &id), TIPC_EDUP);
    ck_assert_uint_eq(id, 1);
    ck_assert_uint_eq(append(l, &late, T0), 4);
    tipc_orderlog_close(l);
}
END_TEST

/* A crash part-way through a flush: the log has the first staged line, the
 * staging file all three. Only the two the log lacks are appended. */
START_TEST(test_orderlog_staged_lines_the_log_has_are_not_replayed)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_MAPPED};

    write_file(LINE1);
    write_staged(STAGE_MAGIC, LINE1 LINE2 LINE3);
    tipc_orderlog *l = open_log(&o);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 3);
    ck_assert_uint_eq(st.replayed, 2);
    ck_assert_uint_eq(st.next_order_id, 4);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    ck_assert_uint_eq(read_staged(buf, sizeof buf), 0); /* started over */
    ck_assert_int_eq(logs.n, 1);
    ck_assert_ptr_nonnull(strstr(logs.msg[0], ": orders 2..3 were committed"));
    tipc_orderlog_close(l);
    ck_assert(!staged_exists());

    /* Reopening over a staging file whose lines the log all has: nothing. */
    write_staged(STAGE_MAGIC, LINE1 LINE2 LINE3);
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.replayed, 0);
    ck_assert_uint_eq(st.recovered, 3);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 1);
}
END_TEST

/* What a staging file must not give the log: lines after a gap in the ids
 * (another log's file), lines from an unparsable one on, a file of another
 * format. Each is reported; a file too short for a header is not. */
START_TEST(test_orderlog_staged_gap_or_damage_is_left_out)
{
    char buf[4096], want[700];
    tipc_orderlog_stats st;
    tipc_orderlog *l;

    write_file(LINE1);
    write_staged(STAGE_MAGIC, LINE3);
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.replayed, 0);
    ck_assert_uint_eq(st.next_order_id, 2);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 1);
    snprintf(want, sizeof want,
             "warn orderlog: %s: line 1: order id 3 where 2 was due; it and the 0 bytes after it "
             "are left out",
             stage);
    ck_assert_str_eq(logs.msg[0], want);

    write_file("");
    write_staged(STAGE_MAGIC, LINE1 "garbage\n" LINE3);
    memset(&logs, 0, sizeof logs);
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.replayed, 1); /* LINE1 only */
    ck_assert_uint_eq(st.skipped, 1);
    tipc_orderlog_close(l);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1);
    ck_assert_int_eq(logs.n, 2);
    snprintf(want, sizeof want,
             "warn orderlog: %s: line 2: TIPC_EPROTO (malformed frame or message); it and the %zu "
             "bytes after it "
             "are left out",
             stage, strlen(LINE3));
    ck_assert_str_eq(logs.msg[0], want);

    write_file("");
    write_staged(0x1122334455667788ull, LINE1);
    memset(&logs, 0, sizeof logs);
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.replayed, 0);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 1);
    ck_assert_ptr_nonnull(strstr(logs.msg[0], "not a staging file this version writes"));

    int fd = open(stage, O_WRONLY | O_CREAT | O_TRUNC, 0644); /* its creator died early */
    ck_assert_int_eq(write(fd, "TIPC", 4), 4);
    close(fd);
    memset(&logs, 0, sizeof logs);
    l = open_log(NULL);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 0);
    ck_assert(!staged_exists());
    ck_assert_uint_eq(slurp(buf, sizeof buf), 0);
}
END_TEST

/* A disk too full for the staging file: a 64 KiB tmpfs in a mount namespace
 * of the test's own (root only: elsewhere the test says so and checks
 * nothing). The default staging file (512 KiB) cannot be reserved, so open
 * fails with TIPC_ENOSPC and leaves no staging file; one for 16 lines fits. */
START_TEST(test_orderlog_mapped_open_on_a_full_disk_fails)
{
    char sub[300], p[400], st[420], buf[4096];
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_MAPPED};
    tipc_orderlog *l = NULL;

    if (geteuid() != 0 || unshare(CLONE_NEWNS) != 0) {
        fprintf(stderr, "test_orderlog_mapped_open_on_a_full_disk_fails: skipped, needs root\n");
        return;
    }
    snprintf(sub, sizeof sub, "%s/full", dir);
    snprintf(p, sizeof p, "%s/order_log.txt", sub);
    snprintf(st, sizeof st, "%s.staged", p);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    /* source and type are ignored here; strings keep valgrind quiet */
    ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
    ck_assert_int_eq(mount("tmpfs", sub, "tmpfs", 0, "size=64k"), 0);
    ck_assert_tipc_err(tipc_orderlog_open(&l, p, &o), TIPC_ENOSPC);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(access(st, F_OK), -1);
    o.max_pending = 16;
    ck_assert_tipc_ok(tipc_orderlog_open(&l, p, &o));
    append_three(l);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);
    int fd = open(p, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    ck_assert_int_eq(n, (ssize_t)strlen(LINE1 LINE2 LINE3));
    unlink(p);
    ck_assert_int_eq(umount(sub), 0);
    ck_assert_int_eq(rmdir(sub), 0);
}
END_TEST

/* Nobody flushes: once committed lines fill the staging body, append writes
 * them to the log itself to make room, and the new line goes to the front. */
START_TEST(test_orderlog_mapped_append_makes_room_when_nobody_flushes)
{
    char buf[8192], cid[16];
    size_t len = 0;
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_MAPPED, .max_pending = 2};
    tipc_orderlog *l = open_log(&o);
    tipc_orderlog_entry e = {.order_id = 1, .recv_ns = T0, .order = ma_order("c-1")};

    /* Every line is len bytes; after two the 1024-byte body has no room for
     * a longest line (512 bytes), so the third append makes room. */
    ck_assert_tipc_ok(tipc_orderlog_format_line(&e, buf, sizeof buf, &len));
    ck_assert(2 * len > TIPC_ORDERLOG_LINE_MAX && len <= TIPC_ORDERLOG_LINE_MAX);
    for (int i = 1; i <= 5; i++) {
        snprintf(cid, sizeof cid, "c-%d", i);
        tipc_order x = ma_order(cid);
        ck_assert_uint_eq(append(l, &x, T0), (uint64_t)i);
        ck_assert_tipc_ok(tipc_orderlog_commit(l));
        /* Lines 1-2 went to the log at the third append, 3-4 at the fifth. */
        ck_assert_uint_eq(slurp(buf, sizeof buf), (i >= 5 ? 4 : i >= 3 ? 2 : 0) * len);
    }
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.write_calls, 2);
    ck_assert_uint_eq(st.commits, 5);
    ck_assert_uint_eq(tipc_orderlog_count(l), 5);
    ck_assert_uint_eq(read_staged(buf, sizeof buf), len);
    tipc_orderlog_close(l);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 5 * len);
    l = open_log(NULL);
    ck_assert_uint_eq(tipc_orderlog_count(l), 5);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 0);
}
END_TEST

static int
flush_then_close(tipc_orderlog *l)
{
    int rc = tipc_orderlog_flush(l);
    tipc_orderlog_close(l);
    return rc;
}

/* The log cannot take the lines (RLIMIT_FSIZE stops the write inside LINE2):
 * flush fails, close fails to flush too and keeps the staging file, and the
 * next open cuts the torn line and appends what the log lacks. */
START_TEST(test_orderlog_mapped_failed_flush_keeps_lines_staged)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_MAPPED};
    tipc_orderlog *l = open_log(&o);

    append_three(l);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_tipc_err(with_300_byte_limit(flush_then_close, l), TIPC_ENOSPC);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 300);
    ck_assert(staged_exists());
    ck_assert_int_eq(logs.n, 3); /* two failed writes, then the close's warning */
    ck_assert_ptr_nonnull(strstr(logs.msg[2], "keeps them for the next open"));

    memset(&logs, 0, sizeof logs);
    l = open_log(&o);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.truncated_bytes, 300 - strlen(LINE1));
    ck_assert_uint_eq(st.replayed, 2);
    ck_assert_uint_eq(st.recovered, 3);
    tipc_orderlog_close(l);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    ck_assert_int_eq(logs.n, 2); /* the torn line, the replay */
}
END_TEST

/* ---- commit in steps: start, run (another thread), finish ---- */

START_TEST(test_orderlog_commit_in_steps)
{
    char buf[4096];
    uint64_t id = 0;
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_DATA};
    tipc_orderlog *l = open_log(&o);
    tipc_order d = ma_order("mom-18");

    ck_assert_int_eq(tipc_orderlog_commit_start(l), 0); /* nothing pending */
    append_three(l);
    ck_assert_int_eq(tipc_orderlog_commit_start(l), 3);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 0);
    ck_assert_tipc_err(tipc_orderlog_commit_start(l), TIPC_EBUSY);
    ck_assert_uint_eq(append(l, &d, T0), 4);                 /* appends go on meanwhile */
    ck_assert_tipc_err(tipc_orderlog_commit(l), TIPC_EBUSY); /* the sealed lines go first */
    ck_assert_uint_eq(slurp(buf, sizeof buf), 0);
    ck_assert_tipc_ok(tipc_orderlog_commit_run(l));
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    ck_assert_uint_eq(tipc_orderlog_count(l), 0); /* not finished yet */
    ck_assert_int_eq(tipc_orderlog_commit_finish(l, 0), 0);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 1);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.commits, 1);
    ck_assert_uint_eq(st.write_calls, 1);
    ck_assert_uint_eq(st.sync_calls, 1);
    ck_assert_uint_eq(st.bytes_written, strlen(LINE1 LINE2 LINE3));
    ck_assert_tipc_err(tipc_orderlog_append(l, &d, T0, &id), TIPC_EDUP);
    ck_assert_uint_eq(id, 4);
    ck_assert_int_eq(tipc_orderlog_commit_start(l), 1);
    ck_assert_tipc_ok(tipc_orderlog_commit_run(l));
    ck_assert_int_eq(tipc_orderlog_commit_finish(l, 0), 0);
    ck_assert_uint_eq(tipc_orderlog_count(l), 4);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.commits, 2);
    ck_assert_uint_eq(st.sync_calls, 2);
    tipc_orderlog_close(l);
    l = open_log(&o);
    ck_assert_uint_eq(tipc_orderlog_count(l), 4);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 0);

    o.sync = TIPC_ORDERLOG_SYNC_MAPPED; /* its commit is a store already */
    l = open_log(&o);
    tipc_order e = ma_order("mom-19");
    ck_assert_uint_eq(append(l, &e, T0), 5);
    ck_assert_tipc_err(tipc_orderlog_commit_start(l), TIPC_EINVAL);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);
}
END_TEST

struct runner {
    tipc_orderlog *l;
    int rc;
};

static void *
run_commit(void *arg)
{
    struct runner *r = arg;
    r->rc = tipc_orderlog_commit_run(r->l);
    return NULL;
}

/* Four rounds of 100 appends, each while the previous round's lines are
 * written and synced by another thread: every line in the file once, in id
 * order, and a reopen finds them all. */
START_TEST(test_orderlog_commit_run_in_another_thread)
{
    enum { ROUNDS = 4, PER = 100 };
    static char buf[ROUNDS * PER * TIPC_ORDERLOG_LINE_MAX];
    char cid[16];
    tipc_orderlog_stats st;
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_DATA};
    tipc_orderlog *l = open_log(&o);
    struct runner r = {l, 0};
    pthread_t t;
    bool inflight = false;

    for (int round = 0; round <= ROUNDS; round++) {
        for (int i = 0; round < ROUNDS && i < PER; i++) {
            snprintf(cid, sizeof cid, "c-%d", round * PER + i);
            tipc_order x = ma_order(cid);
            ck_assert_uint_eq(append(l, &x, T0 + (uint64_t)i), (uint64_t)(round * PER + i + 1));
        }
        if (inflight) {
            ck_assert_int_eq(pthread_join(t, NULL), 0);
            ck_assert_int_eq(tipc_orderlog_commit_finish(l, r.rc), 0);
        }
        int n = tipc_orderlog_commit_start(l);
        ck_assert_int_eq(n, round < ROUNDS ? PER : 0);
        if ((inflight = n > 0))
            ck_assert_int_eq(pthread_create(&t, NULL, run_commit, &r), 0);
    }
    ck_assert_uint_eq(tipc_orderlog_count(l), ROUNDS * PER);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.commits, ROUNDS);
    ck_assert_uint_eq(st.sync_calls, ROUNDS);
    tipc_orderlog_close(l);

    size_t len = slurp(buf, sizeof buf), off = 0;
    for (int i = 0; i < ROUNDS * PER; i++) {
        tipc_orderlog_entry e;
        char *nl = memchr(buf + off, '\n', len - off);
        ck_assert_ptr_nonnull(nl);
        ck_assert_tipc_ok(tipc_orderlog_parse_line(buf + off, (size_t)(nl - (buf + off)), &e));
        snprintf(cid, sizeof cid, "c-%d", i);
        ck_assert_uint_eq(e.order_id, (uint64_t)i + 1);
        ck_assert_str_eq(e.order.client_order_id, cid);
        off = (size_t)(nl - buf) + 1;
    }
    ck_assert_uint_eq(off, len);
    l = open_log(&o);
    ck_assert_uint_eq(tipc_orderlog_count(l), ROUNDS * PER);
    tipc_orderlog_close(l);
}
END_TEST

/* A run whose write the kernel stops part-way (RLIMIT_FSIZE): finish keeps
 * the lines sealed, the next run resumes at the exact byte. */
START_TEST(test_orderlog_commit_run_resumes_after_short_write)
{
    char buf[4096];
    tipc_orderlog_stats st;
    tipc_orderlog *l = open_log(NULL);

    append_three(l);
    ck_assert_int_eq(tipc_orderlog_commit_start(l), 3);
    int rc = with_300_byte_limit(tipc_orderlog_commit_run, l);
    ck_assert_tipc_err(rc, TIPC_ENOSPC);
    ck_assert_int_eq(tipc_orderlog_commit_finish(l, rc), rc);
    ck_assert_uint_eq(tipc_orderlog_count(l), 0);
    ck_assert_uint_eq(slurp(buf, sizeof buf), 300);
    ck_assert_tipc_err(tipc_orderlog_commit_start(l), TIPC_EBUSY); /* still sealed */
    ck_assert_tipc_ok(tipc_orderlog_commit_run(l));
    ck_assert_int_eq(tipc_orderlog_commit_finish(l, 0), 0);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.write_calls, 2);
    ck_assert_uint_eq(st.bytes_written, strlen(LINE1 LINE2 LINE3));
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 1); /* the failed write was reported */
}
END_TEST

static tipc_orderlog_committer *committer;

static int
submit_and_collect(tipc_orderlog *l)
{
    (void)l;
    int n = tipc_orderlog_committer_submit(committer);
    return n < 0 ? n : tipc_orderlog_committer_collect(committer, -1);
}

/* The committer thread: submit hands the pending lines over, appends go on,
 * collect says when they are committed; a failed write is handed over again
 * by the next submit; close collects what is still in flight. */
START_TEST(test_orderlog_committer)
{
    char buf[4096];
    tipc_orderlog_opts o = {.sync = TIPC_ORDERLOG_SYNC_DATA};
    tipc_orderlog *l = open_log(&o);
    tipc_order d = ma_order("mom-18"), e = ma_order("mom-19");

    ck_assert_tipc_ok(tipc_orderlog_committer_open(&committer, l));
    ck_assert_int_ge(tipc_orderlog_committer_fd(committer), 0);
    ck_assert_int_eq(tipc_orderlog_committer_collect(committer, 0), 0); /* nothing in flight */
    ck_assert_int_eq(tipc_orderlog_committer_submit(committer), 0);     /* nothing pending */
    append_three(l);

    /* The first try runs into a 300-byte file size limit and is retried. */
    ck_assert_tipc_err(with_300_byte_limit(submit_and_collect, l), TIPC_ENOSPC);
    ck_assert_int_eq(tipc_orderlog_committer_busy(committer), 0);
    ck_assert_uint_eq(tipc_orderlog_count(l), 0);
    ck_assert_int_eq(tipc_orderlog_committer_submit(committer), 3); /* the sealed ones again */
    ck_assert_int_eq(tipc_orderlog_committer_busy(committer), 1);
    ck_assert_tipc_err(tipc_orderlog_committer_submit(committer), TIPC_EBUSY);
    ck_assert_uint_eq(append(l, &d, T0), 4); /* meanwhile */
    ck_assert_int_eq(tipc_orderlog_committer_collect(committer, -1), 1);
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    slurp(buf, sizeof buf);
    ck_assert_str_eq(buf, LINE1 LINE2 LINE3);

    ck_assert_int_eq(tipc_orderlog_committer_submit(committer), 1);
    ck_assert_int_eq(tipc_orderlog_committer_collect(committer, 10000), 1);
    ck_assert_uint_eq(tipc_orderlog_count(l), 4);
    ck_assert_uint_eq(append(l, &e, T0), 5);
    ck_assert_int_eq(tipc_orderlog_committer_submit(committer), 1);
    tipc_orderlog_committer_close(committer); /* collects order 5 */
    ck_assert_uint_eq(tipc_orderlog_count(l), 5);
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 1); /* the failed write */
    l = open_log(&o);
    ck_assert_uint_eq(tipc_orderlog_count(l), 5);
    tipc_orderlog_close(l);

    o.sync = TIPC_ORDERLOG_SYNC_MAPPED;
    l = open_log(&o);
    ck_assert_tipc_err(tipc_orderlog_committer_open(&committer, l), TIPC_EINVAL);
    tipc_orderlog_close(l);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_orderlog_pending_full_is_eagain)
{
    tipc_orderlog_opts o = {.max_pending = 2};
    tipc_orderlog *l = open_log(&o);
    tipc_order a = ma_order("a"), b = ma_order("b"), c = ma_order("c");
    uint64_t id = 0;

    ck_assert_uint_eq(append(l, &a, T0), 1);
    ck_assert_uint_eq(append(l, &b, T0), 2);
    ck_assert_tipc_err(tipc_orderlog_append(l, &c, T0, &id), TIPC_EAGAIN);
    ck_assert_uint_eq(tipc_orderlog_pending(l), 2);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_uint_eq(append(l, &c, T0), 3);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    ck_assert_uint_eq(tipc_orderlog_count(l), 3);
    tipc_orderlog_close(l);
}
END_TEST

START_TEST(test_orderlog_max_orders_is_enospc)
{
    tipc_orderlog_opts o = {.max_orders = 3, .expected_orders = 1};
    tipc_orderlog *l = open_log(&o), *l2 = NULL;
    tipc_order d = ma_order("d");
    uint64_t id = 0;

    append_three(l);
    ck_assert_tipc_err(tipc_orderlog_append(l, &d, T0, &id), TIPC_ENOSPC);
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);
    o.max_orders = 2;
    o.logger = &logger;
    ck_assert_tipc_err(tipc_orderlog_open(&l2, path, &o), TIPC_ENOSPC);
    ck_assert_ptr_null(l2);
}
END_TEST

START_TEST(test_orderlog_table_grows_and_recovers)
{
    enum { N = 20000 };
    tipc_orderlog_opts o = {.expected_orders = 4, .max_pending = 1000};
    tipc_orderlog *l = open_log(&o);
    char cid[32];
    uint64_t id;

    for (int i = 0; i < N; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        tipc_order x = order(i % 2 ? "odd" : "even", cid, "AAPL", TIPC_SIDE_BUY, 1, 1);
        ck_assert_uint_eq(append(l, &x, T0 + (uint64_t)i), (uint64_t)i + 1);
        if (tipc_orderlog_pending(l) == 1000)
            ck_assert_tipc_ok(tipc_orderlog_commit(l));
    }
    ck_assert_tipc_ok(tipc_orderlog_commit(l));
    tipc_orderlog_close(l);

    l = open_log(&o);
    ck_assert_uint_eq(tipc_orderlog_count(l), N);
    for (int i = 0; i < N; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        tipc_order x = order(i % 2 ? "odd" : "even", cid, "AAPL", TIPC_SIDE_BUY, 1, 1);
        ck_assert_tipc_err(tipc_orderlog_append(l, &x, T0, &id), TIPC_EDUP);
        ck_assert_uint_eq(id, (uint64_t)i + 1);
        ck_assert_tipc_err(tipc_orderlog_lookup(l, i % 2 ? "even" : "odd", cid, &id), TIPC_ENOENT);
    }
    tipc_orderlog_close(l);
    ck_assert_int_eq(logs.n, 0);
}
END_TEST

START_TEST(test_orderlog_overlong_line_is_skipped)
{
    static char content[8192];
    char junk[700];
    tipc_orderlog_stats st;
    tipc_orderlog *l;

    memset(junk, 'x', sizeof junk - 1);
    junk[sizeof junk - 1] = 0;
    snprintf(content, sizeof content, "%s%s\n%s", LINE1, junk, LINE2);
    write_file(content);
    l = open_log(NULL);
    tipc_orderlog_get_stats(l, &st);
    ck_assert_uint_eq(st.recovered, 2);
    ck_assert_uint_eq(st.skipped, 1);
    ck_assert_int_eq(logs.n, 1);
    ck_assert_str_eq(logs.msg[0], "warn orderlog: line 2 (offset 279): skipped, longer than 512 "
                                  "bytes");
    tipc_orderlog_close(l);

    tipc_orderlog_entry e;
    ck_assert_tipc_err(tipc_orderlog_parse_line(content, TIPC_ORDERLOG_LINE_MAX + 1, &e),
                       TIPC_EMSGSIZE);
}
END_TEST

START_TEST(test_orderlog_lookup_rejects_long_keys)
{
    tipc_orderlog *l = open_log(NULL);
    char longid[TIPC_ORDER_ID_MAX + 2];
    uint64_t id;

    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    ck_assert_tipc_err(tipc_orderlog_lookup(l, "s", longid, &id), TIPC_EBADVAL);
    ck_assert_tipc_err(tipc_orderlog_lookup(l, longid, "c", &id), TIPC_EBADVAL);
    tipc_orderlog_close(l);
}
END_TEST

static Suite *
tipc_orderlog_suite(void)
{
    Suite *s = suite_create("orderlog");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_orderlog_commit_writes_exact_lines);
    tcase_add_test(tc, test_orderlog_reopen_recovers_ids_and_duplicates);
    tcase_add_test(tc, test_orderlog_duplicate_key_is_strategy_and_client_id);
    tcase_add_test(tc, test_orderlog_group_commit_is_one_write);
    tcase_add_test(tc, test_orderlog_sync_data_mode);
    tcase_add_test(tc, test_orderlog_parse_round_trips_every_field);
    tcase_add_test(tc, test_orderlog_format_needs_exact_space);
    tcase_add_test(tc, test_orderlog_longest_line_fits);
    tcase_add_test(tc, test_orderlog_empty_file_starts_at_one);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_orderlog_torn_tail_is_truncated);
    tcase_add_test(tc, test_orderlog_complete_line_without_newline_is_torn);
    tcase_add_test(tc, test_orderlog_corrupt_middle_line_is_skipped);
    tcase_add_test(tc, test_orderlog_duplicate_line_in_file_is_skipped);
    tcase_add_test(tc, test_orderlog_parse_rejects_bad_lines);
    tcase_add_test(tc, test_orderlog_parse_ignores_unknown_keys);
    tcase_add_test(tc, test_orderlog_append_rejects_bad_fields);
    tcase_add_test(tc, test_orderlog_second_open_is_busy);
    tcase_add_test(tc, test_orderlog_open_errors);
    tcase_add_test(tc, test_orderlog_close_discards_uncommitted);
    tcase_add_test(tc, test_orderlog_commit_resumes_after_short_write);
    suite_add_tcase(s, tc);

    tc = tcase_create("staged");
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_orderlog_mapped_commit_stages_and_flush_writes);
    tcase_add_test(tc, test_orderlog_mapped_killed_after_commit_replays);
    tcase_add_test(tc, test_orderlog_staged_lines_the_log_has_are_not_replayed);
    tcase_add_test(tc, test_orderlog_staged_gap_or_damage_is_left_out);
    tcase_add_test(tc, test_orderlog_mapped_append_makes_room_when_nobody_flushes);
    tcase_add_test(tc, test_orderlog_mapped_open_on_a_full_disk_fails);
    tcase_add_test(tc, test_orderlog_mapped_failed_flush_keeps_lines_staged);
    suite_add_tcase(s, tc);

    tc = tcase_create("steps");
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_orderlog_commit_in_steps);
    tcase_add_test(tc, test_orderlog_commit_run_in_another_thread);
    tcase_add_test(tc, test_orderlog_commit_run_resumes_after_short_write);
    tcase_add_test(tc, test_orderlog_committer);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_orderlog_pending_full_is_eagain);
    tcase_add_test(tc, test_orderlog_max_orders_is_enospc);
    tcase_add_test(tc, test_orderlog_table_grows_and_recovers);
    tcase_add_test(tc, test_orderlog_overlong_line_is_skipped);
    tcase_add_test(tc, test_orderlog_lookup_rejects_long_keys);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_orderlog_suite)
