/* SPDX-License-Identifier: MIT */
/* Load against the real tradeipc-gateway (issue 6, "Load"): 200 healthy
 * subscribers and one stuck one on a single gateway. The gateway starts its
 * replay of the embedded prices once all 201 have joined (--wait-clients),
 * paced, so every healthy subscriber must receive every one of the N ticks
 * of data/prices.csv live: seq 1..N with no gap or repeat, each tick equal
 * to its CSV row (symbol and price), the right last price per symbol, then
 * END_OF_DATA. The stuck subscriber asks for 4 KiB of receive buffer, keeps
 * heartbeating (so only its reading is wrong) and never reads: the gateway
 * must drop it, mid-stream, with one "output overflow" log line, and no
 * healthy subscriber may be dropped or miss a tick. The 200 sockets are
 * driven from one thread with epoll through the library's client
 * (tipc_sock_recv with timeout 0). Timing is reported, not asserted.
 * TIPC_LOAD_RATE overrides the pace (ticks/s), e.g. for a run under valgrind,
 * where this one thread is 20-50 times slower. */
#include "hostile_util.h"

#include <sys/epoll.h>

#include <tradeipc/feed.h>

#define PRICES_CSV TIPC_TEST_TOPDIR "/data/prices.csv"
#define NSUB 200
#define RATE_DEFAULT 10000
#define OUT_CAP "262144" /* the gateway's per-client output bound in this test */
#define MAX_ROWS 100000
#define MAX_SYMS 64

/* ---- What the CSV says ------------------------------------------------------ */

typedef struct row {
    int sym; /* index into syms */
    int64_t price;
} row;

static row *rows; /* rows[seq - 1] is the tick with that seq */
static int nrows;
static char syms[MAX_SYMS][TIPC_SYMBOL_MAX + 1];
static int nsyms;
static int64_t last_price[MAX_SYMS]; /* per symbol, at the end of the file */

static int
sym_index(const char *s)
{
    for (int i = 0; i < nsyms; i++)
        if (strcmp(syms[i], s) == 0)
            return i;
    return -1;
}

/* "timestamp,symbol,price" rows, in file order (the file is sorted by time,
 * so this is the replay's order). */
static void
load_csv(void)
{
    FILE *f = fopen(PRICES_CSV, "r");
    char line[256];

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(rows = calloc(MAX_ROWS, sizeof *rows));
    nrows = nsyms = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "timestamp,symbol,price\n");
    while (fgets(line, sizeof line, f) != NULL) {
        char *sym = strchr(line, ','), *price, *end;
        ck_assert_ptr_nonnull(sym);
        sym++;
        ck_assert_ptr_nonnull(price = strchr(sym, ','));
        *price++ = '\0';
        end = price + strcspn(price, "\r\n");
        ck_assert_int_lt(nrows, MAX_ROWS);
        row *r = &rows[nrows++];
        ck_assert_tipc_ok(tipc_price_parse(price, (size_t)(end - price), &r->price));
        if ((r->sym = sym_index(sym)) < 0) {
            ck_assert_int_lt(nsyms, MAX_SYMS);
            ck_assert_uint_le(strlen(sym), TIPC_SYMBOL_MAX);
            strcpy(syms[nsyms], sym);
            r->sym = nsyms++;
        }
        last_price[r->sym] = r->price;
    }
    fclose(f);
    ck_assert_int_gt(nrows, 10000);
}

/* ---- The healthy subscribers ------------------------------------------------ */

typedef struct lsub {
    tipc_sock *s;
    int fd;
    int done;           /* END_OF_DATA seen (1) or failed (-1) */
    int more;           /* drain stopped at DRAIN_MAX: call again */
    int err;            /* the error that ended it */
    int in_snapshot;    /* between SNAPSHOT_BEGIN and SNAPSHOT_END */
    int snap_ticks;     /* ticks inside the snapshot: none, the replay had not begun */
    uint64_t next;      /* the seq the next live tick must have */
    uint64_t ticks;     /* live ticks */
    uint64_t bad_seq;   /* ticks whose seq was not next */
    uint64_t bad_row;   /* ticks that differ from their CSV row */
    uint64_t other;     /* frames of an unexpected type */
    uint64_t bad_frame; /* frames that do not decode */
    int64_t last[MAX_SYMS];
    uint64_t lag_max_ns, lag_sum_ns; /* receive time - the gateway's send_ns */
    int64_t first_ms, end_ms;
} lsub;

static lsub subs[NSUB];

/* One frame for subscriber u. No ck_assert here: in Check's fork mode each
 * one writes its location to a pipe, a system call per tick; the counts are
 * asserted at the end. */
static void
on_frame(lsub *u, const tipc_frame *f)
{
    tipc_snapshot_end e;
    tipc_tick t;

    switch (f->type) {
    case TIPC_MSG_SNAPSHOT_BEGIN:
        u->in_snapshot = 1;
        break;
    case TIPC_MSG_SNAPSHOT_END:
        if (tipc_snapshot_end_decode(f->data, f->len, &e) < 0) {
            u->bad_frame++;
            break;
        }
        u->next = e.price_seq + 1;
        u->in_snapshot = 0;
        break;
    case TIPC_MSG_TICK: {
        if (tipc_tick_decode(f->data, f->len, &t) < 0) {
            u->bad_frame++;
            break;
        }
        if (u->in_snapshot) {
            u->snap_ticks++;
            break;
        }
        uint64_t now = tipc_time_realtime_ns();
        int k = sym_index(t.symbol);
        u->bad_seq += t.seq != u->next;
        u->next = t.seq + 1;
        if (t.seq < 1 || t.seq > (uint64_t)nrows || k != rows[t.seq - 1].sym ||
            t.price != rows[t.seq - 1].price)
            u->bad_row++;
        if (k >= 0)
            u->last[k] = t.price;
        if (now > t.send_ns) {
            u->lag_sum_ns += now - t.send_ns;
            if (now - t.send_ns > u->lag_max_ns)
                u->lag_max_ns = now - t.send_ns;
        }
        if (u->ticks++ == 0)
            u->first_ms = h_now_ms();
        break;
    }
    case TIPC_MSG_END_OF_DATA:
        u->done = 1;
        u->end_ms = h_now_ms();
        break;
    default:
        u->other++;
        break;
    }
}

/* Take up to DRAIN_MAX frames from u (timeout 0: no waiting; reading also
 * sends its heartbeats when due), so that one busy socket cannot starve the
 * others into a heartbeat timeout. u->more says frames may be left in its
 * read buffer, where epoll cannot see them. Closes u at END_OF_DATA or on an
 * error. */
#define DRAIN_MAX 4096
static void
drain(int ep, lsub *u)
{
    tipc_frame f;
    int rc = 0, k = 0;

    while (!u->done && k++ < DRAIN_MAX && (rc = tipc_sock_recv(u->s, &f, 0)) == 0)
        on_frame(u, &f);
    u->more = !u->done && rc == 0;
    if (!u->done && rc != 0 && rc != TIPC_EAGAIN) {
        u->done = -1;
        u->err = rc;
    }
    if (u->done) {
        ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_DEL, u->fd, NULL), 0);
        tipc_sock_close(u->s); /* BYE: the gateway logs "peer closed" */
        u->s = NULL;
    }
}

/* ---- The stuck subscriber ----------------------------------------------------- */

/* Joins the prices stream with a 4 KiB receive buffer (set before connect,
 * so the window it advertises is small), then never reads again. */
static int
stuck_join(int port, int *local_port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), small = 4096, mss = 1448;
    uint8_t hello[512], buf[256];
    size_t n = h_hello_frame(hello, sizeof hello, "subscriber", "stuck", TIPC_STREAM_PRICES, NULL);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    ck_assert_int_eq(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss), 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    *local_port = h_local_port(fd);
    ck_assert_int_eq(send(fd, hello, n, MSG_NOSIGNAL), (ssize_t)n);
    /* The WELCOME, exactly: what follows stays unread until the end. */
    ck_assert_int_eq(recv(fd, buf, 5, MSG_WAITALL), 5);
    ck_assert_uint_eq(buf[4], TIPC_MSG_WELCOME);
    uint32_t len = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
    ck_assert_uint_lt(len, sizeof buf);
    ck_assert_int_eq(recv(fd, buf, len - 1, MSG_WAITALL), (ssize_t)len - 1);
    return fd;
}

/* A HEARTBEAT, so that silence is never the reason it is dropped. Fails once
 * the gateway has closed the connection; that is expected. */
static void
stuck_heartbeat(int fd)
{
    static const uint8_t hb[5] = {0, 0, 0, 1, TIPC_MSG_HEARTBEAT};

    (void)send(fd, hb, sizeof hb, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* ---- The test ------------------------------------------------------------------ */

static void
checked_teardown(void)
{
    for (int i = 0; i < NSUB; i++) {
        tipc_sock_close(subs[i].s);
        subs[i].s = NULL;
    }
    free(rows);
    rows = NULL;
    h_teardown();
}

/* VmRSS of pid in KiB, or -1 once it has exited (it ends by itself). */
static long
rss_kb(pid_t pid)
{
    char path[64], *text, *p;
    long kb = -1;

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    text = h_slurp(path);
    if ((p = strstr(text, "VmRSS:")) != NULL)
        kb = strtol(p + 6, NULL, 10);
    free(text);
    return kb;
}

/* The pace: TIPC_LOAD_RATE, else RATE_DEFAULT ticks/s. */
static long
load_rate(void)
{
    const char *v = getenv("TIPC_LOAD_RATE");
    long r = v != NULL ? strtol(v, NULL, 10) : RATE_DEFAULT;

    return r > 0 ? r : RATE_DEFAULT;
}

START_TEST(test_200_subscribers_one_stuck)
{
    tipc_sock_opts so = {.recv_buf = 65536, .connect_timeout_ms = 5000};
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_PRICES};
    struct epoll_event evs[64];
    char nclients[16], rate[24], needle[96], why[256] = "", *log;
    long rss_peak = 0;
    int ep, port, stuck_fd, stuck_port, left = NSUB;
    pid_t gw;

    load_csv();
    ck_assert_int_ge(h_raise_nofile(NSUB + 100), NSUB + 100);
    snprintf(nclients, sizeof nclients, "%d", NSUB + 1);
    snprintf(rate, sizeof rate, "%ld", load_rate());
    gw = h_start("gw", "tradeipc-gateway", "--listen", "127.0.0.1:0", "--port-file",
                 h_path("gw.port"), "--prices", PRICES_CSV, "--no-news", "--rate", rate,
                 "--wait-clients", nclients, "--max-clients", "256", "--out-cap", OUT_CAP,
                 "--report-ms", "60000", (const char *)NULL);
    port = h_wait_port(h_path("gw.port"), gw);

    /* The stuck one first, then the 200; the replay starts with the 201st. */
    stuck_fd = stuck_join(port, &stuck_port);
    ck_assert_int_ge(ep = epoll_create1(EPOLL_CLOEXEC), 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    for (int i = 0; i < NSUB; i++) {
        lsub *u = &subs[i];
        memset(u, 0, sizeof *u);
        snprintf(h.name, sizeof h.name, "load-%03d", i);
        int rc = tipc_sock_connect(&u->s, addr, &h, &so, NULL, why, sizeof why);
        ck_assert_msg(rc == 0, "subscriber %d: %s (%s)", i, tipc_strerror(rc), why);
        u->fd = tipc_sock_fd(u->s);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, u->fd, &ev), 0);
    }
    int64_t t_joined = h_now_ms(), t_sweep = 0, t_rss = 0;
    /* Bounded: the data takes nrows / rate seconds; allow three times that
     * plus 10 s (the tcase timeout is the hard stop). */
    int64_t limit_ms = (int64_t)nrows * 3000 / load_rate() + 10000;

    while (left > 0) {
        int64_t now = h_now_ms();
        ck_assert_msg(now - t_joined < limit_ms, "%d subscribers not done after %lld ms", left,
                      (long long)(now - t_joined));
        int more = 0;
        for (int i = 0; i < NSUB; i++)
            if (subs[i].s != NULL && subs[i].more) {
                drain(ep, &subs[i]);
                more = 1;
            }
        int n = epoll_wait(ep, evs, 64, more ? 0 : 100);
        ck_assert_int_ge(n, 0);
        for (int k = 0; k < n; k++)
            if (subs[evs[k].data.u32].s != NULL && !subs[evs[k].data.u32].more)
                drain(ep, &subs[evs[k].data.u32]);
        if (h_now_ms() - t_sweep >= 200) { /* heartbeat duties of quiet sockets */
            t_sweep = h_now_ms();
            for (int i = 0; i < NSUB; i++)
                if (subs[i].s != NULL)
                    drain(ep, &subs[i]);
            stuck_heartbeat(stuck_fd);
        }
        if (h_now_ms() - t_rss >= 100) {
            t_rss = h_now_ms();
            long kb = rss_kb(gw);
            rss_peak = kb > rss_peak ? kb : rss_peak;
        }
        left = 0;
        for (int i = 0; i < NSUB; i++)
            left += subs[i].s != NULL;
    }
    int64_t t_done = h_now_ms();
    close(ep);

    /* Every healthy subscriber: all N ticks, in order, as in the CSV. */
    uint64_t lag_max = 0, lag_sum = 0;
    int64_t first = INT64_MAX, last_end = 0;
    for (int i = 0; i < NSUB; i++) {
        lsub *u = &subs[i];
        if (u->done != 1) {
            log = h_log("gw");
            fputs(log, stderr);
            fprintf(stderr, "subscriber %d: %llu ticks, next seq %llu\n", i,
                    (unsigned long long)u->ticks, (unsigned long long)u->next);
            ck_abort_msg("subscriber %d failed: %s (the gateway's log is above)", i,
                         tipc_strerror(u->err));
        }
        ck_assert_int_eq(u->snap_ticks, 0);
        ck_assert_uint_eq(u->ticks, (uint64_t)nrows);
        ck_assert_uint_eq(u->next, (uint64_t)nrows + 1);
        ck_assert_uint_eq(u->bad_seq, 0);
        ck_assert_uint_eq(u->bad_row, 0);
        ck_assert_uint_eq(u->other, 0);
        ck_assert_uint_eq(u->bad_frame, 0);
        for (int k = 0; k < nsyms; k++)
            ck_assert_msg(u->last[k] == last_price[k], "subscriber %d: %s last %lld, want %lld", i,
                          syms[k], (long long)u->last[k], (long long)last_price[k]);
        lag_max = u->lag_max_ns > lag_max ? u->lag_max_ns : lag_max;
        lag_sum += u->lag_sum_ns;
        first = u->first_ms < first ? u->first_ms : first;
        last_end = u->end_ms > last_end ? u->end_ms : last_end;
    }

    /* The gateway ends by itself once everyone has left: exit 0, and its
     * counts: N sent, 201 joined, exactly one dropped. */
    int status = -1;
    for (int64_t t0 = h_now_ms(); waitpid(gw, &status, WNOHANG) == 0;) {
        ck_assert_msg(h_now_ms() - t0 < 10000, "the gateway did not exit after the data");
        h_sleep_ms(10);
    }
    for (int i = 0; i < h_nprocs; i++)
        if (h_procs[i] == gw)
            h_procs[i] = 0;
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "gateway status 0x%x", status);
    ck_assert_int_eq(h_stat("gw", "gateway", "prices_sent"), nrows);
    ck_assert_int_eq(h_stat("gw", "gateway", "clients_joined"), NSUB + 1);
    ck_assert_int_eq(h_stat("gw", "gateway", "clients_dropped"), 1);

    /* The stuck one: dropped for its output, once, before the end of the
     * data; the 200 left on their own ("peer closed", after their BYE). */
    log = h_log("gw");
    snprintf(needle, sizeof needle, "(127.0.0.1:%d stuck) left: ", stuck_port);
    ck_assert_msg(h_count_lines(log, needle, (const char *)NULL) == 1 &&
                      h_count_lines(log, needle, "output overflow: output buffer full (",
                                    "out_cap " OUT_CAP ")", (const char *)NULL) == 1,
                  "no single overflow line for the stuck subscriber:\n%.4000s", log);
    ck_assert_int_eq(h_count_lines(log, " left: ", (const char *)NULL), NSUB + 1);
    ck_assert_int_eq(h_count_lines(log, " left: output overflow", (const char *)NULL), 1);
    ck_assert_int_eq(h_count_lines(log, " load-", ") left: peer closed", (const char *)NULL), NSUB);
    char *drop = strstr(log, needle), *end = strstr(log, "end of data: ");
    ck_assert_ptr_nonnull(end);
    ck_assert_msg(drop < end, "the stuck subscriber was dropped only after the data ended");
    fprintf(stderr, "load: %.*s\n", (int)strcspn(drop, "\n"), drop);
    ck_assert_ptr_null(strstr(log, "fatal"));
    free(log);

    /* What the stuck one had been sent: a prefix of the stream, then EOF. */
    tipc_framer *fr;
    tipc_frame f;
    tipc_tick t;
    uint8_t buf[65536];
    uint64_t got = 0, next = 1;
    ssize_t r;
    ck_assert_tipc_ok(tipc_framer_create(&fr, 4096));
    while ((r = recv(stuck_fd, buf, sizeof buf, 0)) > 0) {
        ck_assert_tipc_ok(tipc_framer_feed(fr, buf, (size_t)r));
        while (tipc_framer_next(fr, &f) == 1)
            if (f.type == TIPC_MSG_TICK) {
                ck_assert_tipc_ok(tipc_tick_decode(f.data, f.len, &t));
                ck_assert_uint_eq(t.seq, next);
                next++;
                got++;
            }
    }
    ck_assert_msg(r == 0 || errno == ECONNRESET, "recv: %s", strerror(errno));
    tipc_framer_destroy(fr);
    close(stuck_fd);
    ck_assert_uint_lt(got, (uint64_t)nrows);

    fprintf(stderr,
            "load: %d subscribers x %d ticks at %ld ticks/s: first tick to last END_OF_DATA "
            "%lld ms (joined to done %lld ms); lag send->receive mean %.2f ms, max %.2f ms; "
            "gateway elapsed_ms=%lld ticks_per_s=%lld, RSS peak %ld KiB; the stuck subscriber "
            "got %llu ticks before it was dropped\n",
            NSUB, nrows, load_rate(), (long long)(last_end - first), (long long)(t_done - t_joined),
            (double)lag_sum / ((double)NSUB * nrows) / 1e6, (double)lag_max / 1e6,
            h_stat("gw", "gateway", "elapsed_ms"), h_stat("gw", "gateway", "ticks_per_s"), rss_peak,
            (unsigned long long)got);
}
END_TEST

static Suite *
load_gateway_suite(void)
{
    Suite *s = suite_create("load_gateway");
    TCase *tc = tcase_create("load");

    tcase_add_unchecked_fixture(tc, h_tcase_setup, h_tcase_teardown);
    tcase_add_checked_fixture(tc, h_setup, checked_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_200_subscribers_one_stuck);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(load_gateway_suite)
