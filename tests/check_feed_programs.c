/* SPDX-License-Identifier: MIT */
/* tradeipc-gateway and tradeipc-orderbook as real processes: handshake and
 * REJECT, the shared book equal to the last price sent per symbol (fixture
 * and the embedded data), late-joiner snapshots (mid-stream and after the
 * end), symbol filters, a stuck client dropped while another gets every tick,
 * bad CSV rows and unreadable files, port in use, orderbook reconnect, and the
 * throughput figures. Each test starts its own processes on port 0 (read back
 * through --port-file) with its own book name and temp dir, and kills them
 * at exit even when an assertion fails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tradeipc/feed.h>

#include "tipc_check.h"

#define MAX_PROCS 8

/* ---- Fixtures ---------------------------------------------------------- */

/* A failed assertion ends a forked test with _exit, so the checked teardown
 * may not run: the per-TCase teardown, in the runner process, removes what
 * any test left. Children die with their test (PR_SET_PDEATHSIG). */
static char root[256]; /* per TCase, made by the runner */
static pid_t runner;
static char dir[300]; /* per test: root/<pid>_<n> */
static char book_name[64];
static pid_t procs[MAX_PROCS];
static int nprocs;

static void
tcase_setup(void)
{
    const char *tmp = getenv("TMPDIR");

    runner = getpid();
    snprintf(root, sizeof root, "%s/tipc_feed_XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(root) == NULL)
        root[0] = '\0';
}

static void
tcase_teardown(void)
{
    char cmd[300], prefix[64], name[300];
    struct dirent *e;
    DIR *d;

    snprintf(prefix, sizeof prefix, "tipc_feed_%ld_", (long)runner);
    if ((d = opendir("/dev/shm")) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
                snprintf(name, sizeof name, "/%s", e->d_name);
                if (tipc_book_unlink(name) < 0)
                    fprintf(stderr, "cannot unlink %s\n", name);
            }
        closedir(d);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (root[0] != '\0' && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", root);
}

static void
setup(void)
{
    static int n; /* CK_FORK=no runs every test in one process */

    ck_assert_msg(root[0] != '\0', "no temp dir");
    snprintf(dir, sizeof dir, "%s/%ld_%d", root, (long)getpid(), n);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(book_name, sizeof book_name, "/tipc_feed_%ld_%ld_%d", (long)runner, (long)getpid(),
             n++);
}

static void
teardown(void)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i] > 0) {
            kill(procs[i], SIGKILL);
            waitpid(procs[i], NULL, 0);
            procs[i] = 0;
        }
    nprocs = 0;
}

static const char *
path_in(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *p = bufs[k++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, NUL-terminated ("" when missing). Caller frees. */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;

    if (f == NULL)
        return calloc(1, 1);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static void
sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, ms % 1000 * 1000000}, NULL);
}

/* Start a program from the build dir with stdout/stderr in dir/<tag>.out and
 * .err. It dies with this test process (PR_SET_PDEATHSIG). */
static pid_t
start(const char *tag, const char *prog, ...)
{
    const char *argv[40];
    char path[512], out[512], err[512];
    va_list ap;
    int argc = 0;
    pid_t pid;

    snprintf(path, sizeof path, "%s/%s", TIPC_TEST_BUILDDIR, prog);
    snprintf(out, sizeof out, "%s/%s.out", dir, tag);
    snprintf(err, sizeof err, "%s/%s.err", dir, tag);
    argv[argc++] = path;
    va_start(ap, prog);
    while (argc < 39 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    argv[argc] = NULL;
    ck_assert_int_lt(nprocs, MAX_PROCS);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char *args[40];
        for (int i = 0; i <= argc; i++)
            args[i] = argv[i] != NULL ? strdup(argv[i]) : NULL;
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        execv(path, args);
        _exit(127);
    }
    procs[nprocs++] = pid;
    return pid;
}

/* Wait up to timeout_ms for pid to exit; return its exit status (128+sig
 * when killed by a signal). Fails the test on timeout. */
static int
wait_exit(pid_t pid, int timeout_ms)
{
    int status;

    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        ck_assert_int_ge(r, 0);
        if (r == pid)
            break;
        ck_assert_msg(waited < timeout_ms, "process %d still running after %d ms", (int)pid,
                      timeout_ms);
        sleep_ms(10);
    }
    for (int i = 0; i < nprocs; i++)
        if (procs[i] == pid)
            procs[i] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
is_running(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) == 0;
}

/* Wait until tag's stderr holds text (the process must keep running). */
static void
wait_log(const char *tag, pid_t pid, const char *text, int timeout_ms)
{
    char name[64];

    snprintf(name, sizeof name, "%s.err", tag);
    for (int waited = 0;; waited += 10) {
        char *log = slurp(path_in(name));
        int found = strstr(log, text) != NULL;
        if (!found && waited >= timeout_ms)
            ck_abort_msg("%s never logged '%s'; its log:\n%s", tag, text, log);
        free(log);
        if (found)
            return;
        ck_assert_msg(is_running(pid), "%s exited before logging '%s'", tag, text);
        sleep_ms(10);
    }
}

/* Start a gateway on 127.0.0.1:0 and return its port. Extra args end with NULL. */
static int
start_gateway(const char *tag, pid_t *pid, ...)
{
    const char *args[32];
    char portfile[512], *text;
    va_list ap;
    int n = 0, port = 0;

    snprintf(portfile, sizeof portfile, "%s/%s.port", dir, tag);
    va_start(ap, pid);
    while (n < 24 && (args[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    for (int i = n; i < 32; i++)
        args[i] = NULL;
    *pid = start(tag, "tradeipc-gateway", "--listen", "127.0.0.1:0", "--port-file", portfile,
                 "--report-ms", "100", args[0], args[1], args[2], args[3], args[4], args[5],
                 args[6], args[7], args[8], args[9], args[10], args[11], args[12], args[13],
                 (const char *)NULL);
    for (int waited = 0; port == 0; waited += 10) {
        text = slurp(portfile);
        port = atoi(text);
        free(text);
        if (port == 0) {
            ck_assert_msg(waited < 5000, "gateway did not write its port file");
            ck_assert_msg(is_running(*pid), "gateway exited before listening");
            sleep_ms(10);
        }
    }
    return port;
}

static const char *
addr_of(int port)
{
    static char buf[4][64];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 64, "127.0.0.1:%d", port);
    return p;
}

/* The value of key=N in the line of tag's stdout that starts with what
 * ("STATS gateway", "FEED"). */
static double
stat_of(const char *tag, const char *what, const char *key)
{
    char name[64], prefix[64], needle[64];
    char *text, *line, *at;
    double v;

    snprintf(name, sizeof name, "%s.out", tag);
    snprintf(prefix, sizeof prefix, "%s ", what);
    snprintf(needle, sizeof needle, " %s=", key);
    text = slurp(path_in(name));
    line = strstr(text, prefix);
    ck_assert_msg(line != NULL, "%s: no '%s' line in:\n%s", tag, prefix, text);
    if ((at = strchr(line, '\n')) != NULL)
        *at = '\0';
    at = strstr(line, needle);
    ck_assert_msg(at != NULL, "%s: no %s in '%s'", tag, key, line);
    v = strtod(at + strlen(needle), NULL);
    free(text);
    return v;
}

static int
log_has(const char *tag, const char *text)
{
    char name[64], *log;
    int found;

    snprintf(name, sizeof name, "%s.err", tag);
    log = slurp(path_in(name));
    found = strstr(log, text) != NULL;
    free(log);
    return found;
}

/* ---- Fixture data ------------------------------------------------------- */

/* nrows prices over nsyms symbols S0..S<n-1> (row i: symbol S(i % nsyms),
 * price 100 + i + 0.0001 * i), and a news row for every third price row.
 * Timestamps are epoch seconds, one per row. */
static void
write_fixture(const char *prices, const char *news, int nrows, int nsyms)
{
    FILE *p = fopen(prices, "w"), *n = news ? fopen(news, "w") : NULL;

    ck_assert_ptr_nonnull(p);
    fputs("timestamp,symbol,price\n", p);
    if (n != NULL)
        fputs("timestamp,symbol,sentiment\n", n);
    for (int i = 0; i < nrows; i++) {
        fprintf(p, "%d,S%d,%d.%04d\n", 1600000000 + i, i % nsyms, 100 + i, i % 10000);
        if (n != NULL && i % 3 == 0)
            fprintf(n, "%d,S%d,%d\n", 1600000000 + i, (i / 3) % nsyms, i % 101);
    }
    ck_assert_int_eq(fclose(p), 0);
    if (n != NULL)
        ck_assert_int_eq(fclose(n), 0);
}

static int64_t
fixture_price(int i)
{
    return (int64_t)(100 + i) * TIPC_PRICE_SCALE + i % 10000;
}

/* ---- An in-process client that records everything ------------------------ */

typedef struct rec {
    uint8_t type;
    uint64_t seq;
    uint64_t send_ns;
    int64_t value; /* price, sentiment */
    char symbol[TIPC_SYMBOL_MAX + 1];
    tipc_snapshot_end end; /* SNAPSHOT_END */
} rec;

typedef struct recording {
    rec *r;
    size_t n, cap;
    int result; /* the recv error that ended it; TIPC_OK after END_OF_DATA */
} recording;

static tipc_sock *
client(int port, uint32_t streams, const char *const *symbols, const char *token, int *rc_out)
{
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = streams, .name = "feedtest"};
    tipc_sock *s = NULL;
    char why[256];
    int rc;

    for (; symbols != NULL && *symbols != NULL; symbols++)
        strcpy(h.symbols[h.nsymbols++], *symbols);
    if (token != NULL)
        strcpy(h.token, token);
    rc = tipc_sock_connect(&s, addr_of(port), &h, NULL, NULL, why, sizeof why);
    if (rc_out != NULL) {
        *rc_out = rc;
        return s;
    }
    ck_assert_msg(rc == 0, "connect: %s: %s", tipc_err_name(rc), why);
    return s;
}

/* Record frames until END_OF_DATA (included) or an error; bounded in time. */
static void
record_all(tipc_sock *s, recording *out)
{
    uint64_t deadline = tipc_time_monotonic_ns() + UINT64_C(8000000000);
    tipc_frame f;

    memset(out, 0, sizeof *out);
    for (;;) {
        int rc = tipc_sock_recv(s, &f, 100);
        rec r = {.type = 0};
        tipc_tick t;
        tipc_news nw;

        if (rc == TIPC_EAGAIN) {
            ck_assert_msg(tipc_time_monotonic_ns() < deadline, "no END_OF_DATA within 8 s");
            continue;
        }
        if (rc < 0) {
            out->result = rc;
            return;
        }
        r.type = f.type;
        if (f.type == TIPC_MSG_TICK) {
            ck_assert_tipc_ok(tipc_tick_decode(f.data, f.len, &t));
            r.seq = t.seq, r.send_ns = t.send_ns, r.value = t.price;
            memcpy(r.symbol, t.symbol, sizeof r.symbol);
        } else if (f.type == TIPC_MSG_NEWS) {
            ck_assert_tipc_ok(tipc_news_decode(f.data, f.len, &nw));
            r.seq = nw.seq, r.send_ns = nw.send_ns, r.value = nw.sentiment;
            memcpy(r.symbol, nw.symbol, sizeof r.symbol);
        } else if (f.type == TIPC_MSG_SNAPSHOT_END) {
            ck_assert_tipc_ok(tipc_snapshot_end_decode(f.data, f.len, &r.end));
        } else {
            ck_assert_uint_eq(f.len, 0); /* SNAPSHOT_BEGIN, END_OF_DATA: empty */
        }
        if (out->n == out->cap) {
            out->cap = out->cap ? 2 * out->cap : 1024;
            out->r = realloc(out->r, out->cap * sizeof *out->r);
            ck_assert_ptr_nonnull(out->r);
        }
        out->r[out->n++] = r;
        if (f.type == TIPC_MSG_END_OF_DATA) {
            out->result = TIPC_OK;
            return;
        }
    }
}

/* Index of the SNAPSHOT_END record; asserts the snapshot frames around it. */
static size_t
snapshot_end_index(const recording *rc)
{
    ck_assert_uint_ge(rc->n, 2);
    ck_assert_uint_eq(rc->r[0].type, TIPC_MSG_SNAPSHOT_BEGIN);
    for (size_t i = 1; i < rc->n; i++) {
        if (rc->r[i].type == TIPC_MSG_SNAPSHOT_END)
            return i;
        ck_assert_msg(rc->r[i].type == TIPC_MSG_TICK || rc->r[i].type == TIPC_MSG_NEWS,
                      "frame %zu in the snapshot has type %s", i,
                      tipc_msg_type_name(rc->r[i].type));
    }
    ck_abort_msg("no SNAPSHOT_END");
    return 0;
}

/* The live frames after the snapshot carry consecutive seqs per stream from
 * the snapshot's; returns how many live frames of type there were. */
static uint64_t
assert_live_consecutive(const recording *rc, uint8_t type)
{
    size_t e = snapshot_end_index(rc);
    uint64_t next = (type == TIPC_MSG_TICK ? rc->r[e].end.price_seq : rc->r[e].end.news_seq) + 1;
    uint64_t count = 0;

    for (size_t i = e + 1; i < rc->n; i++)
        if (rc->r[i].type == type) {
            ck_assert_msg(rc->r[i].seq == next, "%s seq %" PRIu64 ", want %" PRIu64,
                          tipc_msg_type_name(type), rc->r[i].seq, next);
            next++;
            count++;
        }
    return count;
}

/* ---- Tests --------------------------------------------------------------- */

START_TEST(test_feed_handshake_and_reject)
{
    pid_t gw, ob;
    int port, rc;
    tipc_sock *s;

    write_fixture(path_in("p.csv"), NULL, 50, 5);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--no-news", "--token", "s3cret",
                         "--wait-clients", "1", NULL);
    /* A wrong and a missing token: REJECT, and the gateway keeps waiting. */
    s = client(port, TIPC_STREAM_PRICES, NULL, "wrong", &rc);
    ck_assert_tipc_err(rc, TIPC_EREJECTED);
    ck_assert_ptr_null(s);
    s = client(port, TIPC_STREAM_PRICES, NULL, NULL, &rc);
    ck_assert_tipc_err(rc, TIPC_EREJECTED);
    ob = start("ob_bad", "tradeipc-orderbook", "--gateway", addr_of(port), "--book", book_name,
               "--token", "nope", (const char *)NULL);
    ck_assert_int_eq(wait_exit(ob, 5000), 1);
    ck_assert(log_has("ob_bad", "rejected"));
    ck_assert(is_running(gw));
    /* The right token: the orderbook joins, the replay runs, both exit 0. */
    ob = start("ob", "tradeipc-orderbook", "--gateway", addr_of(port), "--book", book_name,
               "--token", "s3cret", (const char *)NULL);
    ck_assert_int_eq(wait_exit(ob, 5000), 0);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    ck_assert(log_has("gw", "joined: name=orderbook role=subscriber streams=1"));
    ck_assert(log_has("gw", "bad token"));
    ck_assert(log_has("ob", "ready: book"));
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "clients_joined"), 1);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "prices_written"), 50);
}
END_TEST

/* Run gateway (asap, --wait-clients 1) + orderbook to the end; both exit 0. */
static void
run_to_end(const char *prices, const char *news)
{
    pid_t gw, ob;
    int port;

    port = start_gateway("gw", &gw, "--prices", prices, "--wait-clients", "1",
                         news ? "--news" : "--no-news", news, NULL);
    ob = start("ob", "tradeipc-orderbook", "--gateway", addr_of(port), "--book", book_name,
               "--report-ms", "100", (const char *)NULL);
    ck_assert_int_eq(wait_exit(ob, 8000), 0);
    ck_assert_int_eq(wait_exit(gw, 8000), 0);
}

START_TEST(test_feed_book_in_sync_fixture)
{
    enum { ROWS = 5003, SYMS = 7 };
    tipc_book *b;
    tipc_level lv;
    uint32_t idx;
    char sym[16];
    uint64_t now = tipc_time_realtime_ns();

    write_fixture(path_in("p.csv"), path_in("n.csv"), ROWS, SYMS);
    run_to_end(path_in("p.csv"), path_in("n.csv"));
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "prices_sent"), ROWS);
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "news_sent"), (ROWS + 2) / 3);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "prices_written"), ROWS);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "symbols"), SYMS);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "gaps"), 0);
    ck_assert_tipc_ok(tipc_book_open(&b, book_name, TIPC_BOOK_PRICES));
    ck_assert_uint_eq(tipc_book_symbol_count(b), SYMS);
    for (int s = 0; s < SYMS; s++) {
        int last = ROWS - 1 - ((ROWS - 1 - s) % SYMS); /* the last row of symbol s */
        snprintf(sym, sizeof sym, "S%d", s);
        ck_assert_tipc_ok(tipc_book_lookup(b, sym, &idx));
        ck_assert_tipc_ok(tipc_book_get(b, idx, &lv));
        ck_assert_int_eq(lv.value, fixture_price(last));
        ck_assert_uint_eq(lv.updates, (ROWS - 1 - s) / SYMS + 1);
        /* source_ns is the gateway's send time of that tick: realtime, this run */
        ck_assert_uint_gt(lv.source_ns, now - UINT64_C(60000000000));
        ck_assert_uint_le(lv.source_ns, lv.update_ns);
    }
    tipc_book_close(b);
}
END_TEST

START_TEST(test_feed_book_in_sync_embedded_data)
{
    static const struct {
        const char *sym;
        int64_t price;
    } want[20] = {
        {"AAPL", 1640500}, {"AMZN", 9782500}, {"BAC", 240900},   {"CSCO", 323000}, {"CVX", 1087600},
        {"FB", 1720200},   {"GE", 251400},    {"GOOG", 9373400}, {"INTC", 350900}, {"JNJ", 1310300},
        {"JPM", 917000},   {"KO", 457800},    {"MSFT", 739400},  {"PFE", 339600},  {"PG", 925300},
        {"T", 374800},     {"VZ", 479200},    {"WFC", 509700},   {"WMT", 783700},  {"XOM", 765700},
    };
    tipc_book *b;
    tipc_level lv;
    uint32_t idx;

    run_to_end(TIPC_TEST_TOPDIR "/data/prices.csv", TIPC_TEST_TOPDIR "/data/sentiment.csv");
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "prices_sent"), 25160);
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "news_sent"), 12655);
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "clients_dropped"), 0);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "prices_written"), 25160);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "symbols"), 20);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "reconnects"), 0);
    /* Throughput figures: present and plausible. */
    ck_assert(stat_of("gw", "STATS gateway", "ticks_per_s") > 0);
    ck_assert(stat_of("ob", "STATS orderbook", "updates_per_s") > 0);
    ck_assert(stat_of("gw", "STATS gateway", "elapsed_ms") < 8000);
    ck_assert_tipc_ok(tipc_book_open(&b, book_name, TIPC_BOOK_PRICES));
    ck_assert_uint_eq(tipc_book_symbol_count(b), 20);
    for (int i = 0; i < 20; i++) {
        ck_assert_tipc_ok(tipc_book_lookup(b, want[i].sym, &idx));
        ck_assert_tipc_ok(tipc_book_get(b, idx, &lv));
        ck_assert_msg(lv.value == want[i].price, "%s: book %" PRId64 ", want %" PRId64, want[i].sym,
                      lv.value, want[i].price);
    }
    tipc_book_close(b);
}
END_TEST

/* A client joining mid-stream gets the latest value per symbol as of the
 * snapshot's seqs (exactly what an early client saw last up to them), then
 * the live stream from the next seq, with no frame missing. */
START_TEST(test_feed_late_joiner_mid_stream)
{
    enum { ROWS = 3000, SYMS = 6 };
    recording a, b;
    pid_t gw;
    tipc_sock *sa, *sb;
    size_t e;
    int port;

    write_fixture(path_in("p.csv"), path_in("n.csv"), ROWS, SYMS);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--news", path_in("n.csv"),
                         "--rate", "4000", "--wait-clients", "1", NULL);
    sa = client(port, TIPC_STREAM_ALL, NULL, NULL, NULL);
    sleep_ms(400);
    sb = client(port, TIPC_STREAM_ALL, NULL, NULL, NULL);
    record_all(sb, &b);
    record_all(sa, &a);
    tipc_sock_close(sa);
    tipc_sock_close(sb);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    ck_assert_tipc_ok(a.result);
    ck_assert_tipc_ok(b.result);

    /* The early client: an empty snapshot, then everything. */
    ck_assert_uint_eq(snapshot_end_index(&a), 1);
    ck_assert_uint_eq(assert_live_consecutive(&a, TIPC_MSG_TICK), ROWS);
    ck_assert_uint_eq(assert_live_consecutive(&a, TIPC_MSG_NEWS), (ROWS + 2) / 3);
    /* The late one: a snapshot taken mid-stream. */
    e = snapshot_end_index(&b);
    tipc_snapshot_end end = b.r[e].end;
    ck_assert_uint_gt(end.price_seq, 0);
    ck_assert_uint_lt(end.price_seq, ROWS);
    ck_assert_uint_eq(e - 1, 2 * SYMS); /* one tick and one news per symbol */
    for (size_t i = 1; i < e; i++) {
        const rec *s = &b.r[i], *want = NULL;
        uint64_t upto = s->type == TIPC_MSG_TICK ? end.price_seq : end.news_seq;
        for (size_t k = 0; k < a.n; k++)
            if (a.r[k].type == s->type && a.r[k].seq <= upto &&
                strcmp(a.r[k].symbol, s->symbol) == 0)
                want = &a.r[k];
        ck_assert_ptr_nonnull(want);
        ck_assert_uint_eq(s->seq, want->seq);
        ck_assert_int_eq(s->value, want->value);
        ck_assert_uint_eq(s->send_ns, want->send_ns);
    }
    ck_assert_uint_eq(assert_live_consecutive(&b, TIPC_MSG_TICK), ROWS - end.price_seq);
    ck_assert_uint_eq(assert_live_consecutive(&b, TIPC_MSG_NEWS), (ROWS + 2) / 3 - end.news_seq);
    ck_assert_uint_eq(b.r[b.n - 1].type, TIPC_MSG_END_OF_DATA);
    /* Paced at 4000/s: the reported rate is near it, and reports were logged. */
    double rate = stat_of("gw", "STATS gateway", "ticks_per_s");
    ck_assert_msg(rate > 3000 && rate < 5000, "ticks_per_s %.0f at --rate 4000", rate);
    ck_assert(log_has("gw", "gateway: prices: "));
    ck_assert(log_has("gw", "gateway: total: "));
    free(a.r);
    free(b.r);
}
END_TEST

/* After the data has all been sent, --linger keeps the gateway up: a client
 * joining then gets the final value of every symbol and END_OF_DATA. */
START_TEST(test_feed_late_joiner_after_end)
{
    static const char *const syms[] = {"AAPL", "XOM", NULL};
    recording r;
    pid_t gw;
    tipc_sock *s;
    size_t e;
    int port, ticks = 0;

    port = start_gateway("gw", &gw, "--prices", TIPC_TEST_TOPDIR "/data/prices.csv", "--news",
                         TIPC_TEST_TOPDIR "/data/sentiment.csv", "--linger", "3000", NULL);
    wait_log("gw", gw, "end of data", 5000);
    s = client(port, TIPC_STREAM_PRICES, syms, NULL, NULL);
    record_all(s, &r);
    tipc_sock_close(s);
    ck_assert_tipc_ok(r.result);
    e = snapshot_end_index(&r);
    ck_assert_uint_eq(r.r[e].end.price_seq, 25160);
    ck_assert_uint_eq(r.r[e].end.news_seq, 12655);
    for (size_t i = 1; i < e; i++) {
        ck_assert_uint_eq(r.r[i].type, TIPC_MSG_TICK); /* prices only: no news */
        int aapl = strcmp(r.r[i].symbol, "AAPL") == 0;
        ck_assert_msg(aapl || strcmp(r.r[i].symbol, "XOM") == 0, "symbol %s is outside the filter",
                      r.r[i].symbol);
        ck_assert_int_eq(r.r[i].value, aapl ? 1640500 : 765700);
        ticks++;
    }
    ck_assert_int_eq(ticks, 2);
    ck_assert_uint_eq(r.n, e + 2); /* then END_OF_DATA at once */
    ck_assert_uint_eq(r.r[e + 1].type, TIPC_MSG_END_OF_DATA);
    kill(gw, SIGTERM);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    free(r.r);
}
END_TEST

/* A filtered client gets exactly the unfiltered stream's frames of its
 * symbols, same seqs, same order. */
START_TEST(test_feed_symbol_filter)
{
    enum { ROWS = 2000, SYMS = 5 };
    static const char *const two[] = {"S1", "S3", NULL};
    recording f, all;
    tipc_sock *sf, *sa;
    pid_t gw;
    size_t k = 0;
    int port;

    write_fixture(path_in("p.csv"), path_in("n.csv"), ROWS, SYMS);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--news", path_in("n.csv"),
                         "--wait-clients", "2", NULL);
    sf = client(port, TIPC_STREAM_ALL, two, NULL, NULL);
    sa = client(port, TIPC_STREAM_ALL, NULL, NULL, NULL);
    record_all(sf, &f);
    record_all(sa, &all);
    tipc_sock_close(sf);
    tipc_sock_close(sa);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    ck_assert_uint_eq(snapshot_end_index(&f), 1);
    for (size_t i = 2; i < all.n; i++) {
        const rec *r = &all.r[i];
        if (r->type != TIPC_MSG_END_OF_DATA && strcmp(r->symbol, "S1") != 0 &&
            strcmp(r->symbol, "S3") != 0)
            continue;
        ck_assert_uint_lt(2 + k, f.n);
        ck_assert_uint_eq(f.r[2 + k].type, r->type);
        ck_assert_uint_eq(f.r[2 + k].seq, r->seq);
        ck_assert_str_eq(f.r[2 + k].symbol, r->symbol);
        ck_assert_int_eq(f.r[2 + k].value, r->value);
        k++;
    }
    ck_assert_uint_eq(2 + k, f.n);
    ck_assert_uint_eq(k, 800 + 267 + 1); /* S1+S3: 400 ticks each; news 134 + 133; END */
    free(f.r);
    free(all.r);
}
END_TEST

/* A client that never reads is dropped when its buffer passes --out-cap; a
 * healthy one (its own process, so it keeps up under valgrind too) gets every
 * tick, seq 1..N in order. The kernel's socket buffers take a few MB first,
 * so the stream is larger than that. */
START_TEST(test_feed_stuck_client_dropped)
{
    enum { ROWS = 200000 };
    tipc_sock *stuck;
    pid_t gw, healthy;
    int port, small = 4096;

    write_fixture(path_in("p.csv"), NULL, ROWS, 20);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--no-news", "--rate", "125000",
                         "--out-cap", "16384", "--wait-clients", "2", NULL);
    stuck = client(port, TIPC_STREAM_PRICES, NULL, NULL, NULL);
    ck_assert_int_eq(setsockopt(tipc_sock_fd(stuck), SOL_SOCKET, SO_RCVBUF, &small, sizeof small),
                     0);
    healthy = start("fc", "tests/feed_client", addr_of(port), "prices", (const char *)NULL);
    ck_assert_int_eq(wait_exit(healthy, 8000), 0);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    tipc_sock_close(stuck);
    ck_assert_int_eq(stat_of("fc", "FEED", "ticks"), ROWS);
    ck_assert_int_eq(stat_of("fc", "FEED", "first_tick"), 1);
    ck_assert_int_eq(stat_of("fc", "FEED", "last_tick"), ROWS);
    ck_assert_int_eq(stat_of("fc", "FEED", "gaps"), 0);
    ck_assert_int_eq(stat_of("fc", "FEED", "frames"), ROWS + 3); /* + BEGIN, END, END_OF_DATA */
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "clients_joined"), 2);
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "clients_dropped"), 1);
    ck_assert(log_has("gw", "feedtest) left: output overflow: output buffer full"));
}
END_TEST

START_TEST(test_feed_bad_csv_rows_skipped)
{
    char want[600];
    pid_t gw;

    write_text(path_in("bad.csv"), "timestamp,symbol,price\n"
                                   "1600000000,AAA,10.5\n"
                                   "1600000001,BBB,abc\n"
                                   "1600000002,CCC,11.25\n"
                                   "1600000003,DDD\n"
                                   "1600000004,AAA,-3\n"
                                   "1600000005,AAA,12\n");
    start_gateway("gw", &gw, "--prices", path_in("bad.csv"), "--no-news", NULL);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    for (int line = 3; line <= 6; line += (line == 3 ? 2 : 1)) {
        snprintf(want, sizeof want, "warn: csv: %s:%d: ", path_in("bad.csv"), line);
        ck_assert_msg(log_has("gw", want), "no warning '%s'", want);
    }
    snprintf(want, sizeof want, "%s:4:", path_in("bad.csv"));
    ck_assert(!log_has("gw", want));
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "prices_sent"), 3);
}
END_TEST

START_TEST(test_feed_unusable_files_exit_1)
{
    char want[600];
    pid_t gw;

    gw = start("gw1", "tradeipc-gateway", "--listen", "127.0.0.1:0", "--prices",
               path_in("missing.csv"), "--no-news", (const char *)NULL);
    ck_assert_int_eq(wait_exit(gw, 5000), 1);
    snprintf(want, sizeof want, "cannot read prices file '%s': No such file or directory",
             path_in("missing.csv"));
    ck_assert(log_has("gw1", want));

    write_text(path_in("hdr.csv"), "timestamp,symbol,price\n");
    gw = start("gw2", "tradeipc-gateway", "--listen", "127.0.0.1:0", "--prices",
               TIPC_TEST_TOPDIR "/data/prices.csv", "--news", path_in("hdr.csv"),
               (const char *)NULL);
    ck_assert_int_eq(wait_exit(gw, 5000), 1);
    snprintf(want, sizeof want, "%s: no valid row", path_in("hdr.csv"));
    ck_assert(log_has("gw2", want));

    gw = start("gw3", "tradeipc-gateway", "--no-prices", "--no-news", (const char *)NULL);
    ck_assert_int_eq(wait_exit(gw, 5000), 2);
    gw = start("gw4", "tradeipc-gateway", "--rate", "0", (const char *)NULL);
    ck_assert_int_eq(wait_exit(gw, 5000), 2);
    ck_assert(log_has("gw4", "--rate: expected an integer"));
}
END_TEST

START_TEST(test_feed_port_in_use_and_no_gateway)
{
    pid_t gw, gw2, ob;
    int port;

    write_fixture(path_in("p.csv"), NULL, 10, 2);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--no-news", "--wait-clients",
                         "1", NULL);
    gw2 = start("gw2", "tradeipc-gateway", "--listen", addr_of(port), "--prices", path_in("p.csv"),
                "--no-news", (const char *)NULL);
    ck_assert_int_eq(wait_exit(gw2, 5000), 1);
    ck_assert(log_has("gw2", "address already in use"));
    kill(gw, SIGTERM);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "prices_sent"), 0);
    /* Nobody listens there now: the orderbook retries, then gives up. */
    ob = start("ob", "tradeipc-orderbook", "--gateway", addr_of(port), "--book", book_name,
               "--connect-timeout", "400", "--unlink-at-exit", (const char *)NULL);
    ck_assert_int_eq(wait_exit(ob, 5000), 1);
    ck_assert(log_has("ob", "retrying in 100 ms"));
    ck_assert(log_has("ob", "fatal: no gateway at"));
}
END_TEST

/* The gateway dies mid-stream; a new one comes up on the same port; the
 * orderbook reconnects with backoff, resumes, and ends with the exact book. */
START_TEST(test_feed_orderbook_reconnects)
{
    enum { ROWS = 2000, SYMS = 4 };
    tipc_book *b;
    tipc_level lv;
    uint32_t idx;
    char sym[8], listen[64], portfile[512];
    pid_t gw, gw2, ob;
    int port;

    write_fixture(path_in("p.csv"), NULL, ROWS, SYMS);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--no-news", "--rate", "2000",
                         "--wait-clients", "1", NULL);
    ob = start("ob", "tradeipc-orderbook", "--gateway", addr_of(port), "--book", book_name,
               (const char *)NULL);
    wait_log("gw", gw, "starting the replay", 5000);
    sleep_ms(300);
    kill(gw, SIGKILL);
    ck_assert_int_eq(wait_exit(gw, 5000), 128 + SIGKILL);
    wait_log("ob", ob, "retrying in", 5000);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(portfile, sizeof portfile, "%s/gw2.port", dir);
    gw2 = start("gw2", "tradeipc-gateway", "--listen", listen, "--prices", path_in("p.csv"),
                "--no-news", "--wait-clients", "1", (const char *)NULL);
    ck_assert_int_eq(wait_exit(ob, 8000), 0);
    ck_assert_int_eq(wait_exit(gw2, 5000), 0);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "reconnects"), 1);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "gaps"), 0);
    ck_assert_tipc_ok(tipc_book_open(&b, book_name, TIPC_BOOK_PRICES));
    for (int s = 0; s < SYMS; s++) {
        snprintf(sym, sizeof sym, "S%d", s);
        ck_assert_tipc_ok(tipc_book_lookup(b, sym, &idx));
        ck_assert_tipc_ok(tipc_book_get(b, idx, &lv));
        ck_assert_int_eq(lv.value, fixture_price(ROWS - SYMS + s));
    }
    tipc_book_close(b);
}
END_TEST

/* ---- A TCP proxy whose connection the test can cut ----------------------- */

static volatile sig_atomic_t cut_requested;

static void
on_cut(int sig)
{
    (void)sig;
    cut_requested = 1;
}

/* Forward one client at a time to 127.0.0.1:upstream until SIGUSR1 cuts the
 * pair (both sockets closed, as a dead network path would end up); then
 * accept the next. Runs in a forked child until killed. */
static void
proxy_run(int lfd, int upstream)
{
    struct sigaction sa = {.sa_handler = on_cut}; /* no SA_RESTART: poll returns EINTR */
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)upstream),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char buf[65536];

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigaction(SIGUSR1, &sa, NULL);
    for (;;) {
        int c = accept(lfd, NULL, NULL), u = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0 || u < 0 || connect(u, (struct sockaddr *)&to, sizeof to) < 0)
            _exit(1);
        cut_requested = 0;
        while (!cut_requested) {
            struct pollfd p[2] = {{.fd = c, .events = POLLIN}, {.fd = u, .events = POLLIN}};
            ssize_t n = 0;
            if (poll(p, 2, 100) <= 0)
                continue;
            for (int i = 0; i < 2 && n >= 0; i++)
                if (p[i].revents != 0 && ((n = read(p[i].fd, buf, sizeof buf)) <= 0 ||
                                          write(p[1 - i].fd, buf, (size_t)n) != n))
                    n = -1;
            if (n < 0)
                break;
        }
        close(c);
        close(u);
    }
}

/* The link to the gateway is cut mid-stream while the gateway lives on: the
 * orderbook reconnects, resumes from the snapshot (skipping ticks it already
 * wrote, so a symbol that no longer trades sees no phantom update), counts
 * no gap, and ends with the exact book. */
START_TEST(test_feed_orderbook_resumes_after_cut)
{
    enum { ROWS = 3000, SYMS = 4 };
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    tipc_book *b;
    tipc_level lv;
    uint32_t idx;
    char sym[8];
    pid_t gw, ob, proxy;
    int port, lfd;
    FILE *f = fopen(path_in("p.csv"), "w");

    ck_assert_ptr_nonnull(f);
    fputs("timestamp,symbol,price\n1599999999,OLD,7.5\n", f);
    for (int i = 0; i < ROWS; i++)
        fprintf(f, "%d,S%d,%d.%04d\n", 1600000000 + i, i % SYMS, 100 + i, i % 10000);
    ck_assert_int_eq(fclose(f), 0);
    port = start_gateway("gw", &gw, "--prices", path_in("p.csv"), "--no-news", "--rate", "2000",
                         "--wait-clients", "1", NULL);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(lfd, 0);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(lfd, 4), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
    proxy = fork();
    ck_assert_int_ge(proxy, 0);
    if (proxy == 0)
        proxy_run(lfd, port);
    procs[nprocs++] = proxy;
    close(lfd);
    ob = start("ob", "tradeipc-orderbook", "--gateway", addr_of(ntohs(a.sin_port)), "--book",
               book_name, (const char *)NULL);
    wait_log("gw", gw, "starting the replay", 5000);
    sleep_ms(500);
    kill(proxy, SIGUSR1);
    ck_assert_int_eq(wait_exit(ob, 8000), 0);
    ck_assert_int_eq(wait_exit(gw, 5000), 0);
    ck_assert(log_has("ob", "connection to the gateway lost"));
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "reconnects"), 1);
    ck_assert_int_eq(stat_of("ob", "STATS orderbook", "gaps"), 0);
    ck_assert_int_eq(stat_of("gw", "STATS gateway", "clients_joined"), 2);
    ck_assert_tipc_ok(tipc_book_open(&b, book_name, TIPC_BOOK_PRICES));
    ck_assert_tipc_ok(tipc_book_lookup(b, "OLD", &idx));
    ck_assert_tipc_ok(tipc_book_get(b, idx, &lv));
    ck_assert_int_eq(lv.value, 75000);
    ck_assert_uint_eq(lv.updates, 1); /* in the second snapshot too, but not written again */
    for (int s = 0; s < SYMS; s++) {
        snprintf(sym, sizeof sym, "S%d", s);
        ck_assert_tipc_ok(tipc_book_lookup(b, sym, &idx));
        ck_assert_tipc_ok(tipc_book_get(b, idx, &lv));
        ck_assert_int_eq(lv.value, fixture_price(ROWS - SYMS + s));
    }
    tipc_book_close(b);
}
END_TEST

static Suite *
tipc_feed_programs_suite(void)
{
    Suite *s = suite_create("feed_programs");
    TCase *tc = tcase_create("core");

    tcase_add_unchecked_fixture(tc, tcase_setup, tcase_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_feed_handshake_and_reject);
    tcase_add_test(tc, test_feed_book_in_sync_fixture);
    tcase_add_test(tc, test_feed_book_in_sync_embedded_data);
    tcase_add_test(tc, test_feed_late_joiner_mid_stream);
    tcase_add_test(tc, test_feed_late_joiner_after_end);
    tcase_add_test(tc, test_feed_symbol_filter);
    tcase_add_test(tc, test_feed_stuck_client_dropped);
    tcase_add_test(tc, test_feed_orderbook_reconnects);
    tcase_add_test(tc, test_feed_orderbook_resumes_after_cut);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, tcase_setup, tcase_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_feed_bad_csv_rows_skipped);
    tcase_add_test(tc, test_feed_unusable_files_exit_1);
    tcase_add_test(tc, test_feed_port_in_use_and_no_gateway);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_feed_programs_suite)
