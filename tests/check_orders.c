/* SPDX-License-Identifier: MIT */
/* The order side of the trading stack, run as real processes: the
 * tradeipc-order-manager binary against hand-made orders (rejections with a
 * reason on a connection that stays usable, duplicates, recovery after a
 * restart), and tradeipc-strategy driven by this test, which writes the price
 * book itself and plays a tiny gateway for news, so the number of orders is
 * known in advance: sent == logged == acknowledged, exactly. Every test uses
 * its own mkdtemp directory, port 0 and unique shm names, and removes them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* nftw, prctl */
#endif
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tipc_check.h"
#include <tradeipc/feed.h>

#define OM_BIN TIPC_TEST_BUILDDIR "/tradeipc-order-manager"
#define STRATEGY_BIN TIPC_TEST_BUILDDIR "/tradeipc-strategy"

/* ---- Processes and files ---------------------------------------------- */

/* Check ends a failing forked test with _exit, so the test process cannot
 * clean up after itself. Hence programs are started with PR_SET_PDEATHSIG
 * (they die with the test), each test works in a subdirectory of a directory
 * the runner process makes (unchecked fixture), and shared-memory names carry
 * that directory's unique suffix: the runner's teardown removes whatever a
 * failed test left behind. A passing test cleans up after itself. */
static char basedir[64]; /* /tmp/tipc_orders_XXXXXX, made by the runner */
static char tmpdir[96];  /* this test's directory inside it */
static pid_t kids[8];

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void
rm_tree(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A shm name unique to this run and test process. */
static void
shm_name(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "/tipc_test_%s_%s_%ld", basedir + strlen("/tmp/tipc_orders_"), tag,
             (long)getpid());
}

static void
base_setup(void)
{
    snprintf(basedir, sizeof basedir, "/tmp/tipc_orders_XXXXXX");
    if (mkdtemp(basedir) == NULL)
        basedir[0] = '\0'; /* each test's setup then fails visibly */
}

static void
base_teardown(void)
{
    char prefix[64];
    struct dirent *e;
    DIR *d;

    if (basedir[0] == '\0')
        return;
    snprintf(prefix, sizeof prefix, "tipc_test_%s_", basedir + strlen("/tmp/tipc_orders_"));
    if ((d = opendir("/dev/shm")) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
                char name[300];
                snprintf(name, sizeof name, "/%s", e->d_name);
                (void)!tipc_book_unlink(name);
            }
        closedir(d);
    }
    rm_tree(basedir);
}

static void
setup(void)
{
    ck_assert_msg(basedir[0] != '\0', "could not make a directory under /tmp");
    snprintf(tmpdir, sizeof tmpdir, "%s/tXXXXXX", basedir);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
        if (kids[i] > 0) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
            kids[i] = 0;
        }
    rm_tree(tmpdir);
}

static void
track(pid_t pid, int add)
{
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
        if (add ? kids[i] == 0 : kids[i] == pid) {
            kids[i] = add ? pid : 0;
            return;
        }
    ck_assert_msg(!add, "too many child processes");
}

static void
path_in(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

static uint64_t
mono_ms(void)
{
    return tipc_time_monotonic_ns() / 1000000u;
}

static void
sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Start argv with stdout and stderr in <tmpdir>/<tag>.out and .err; if
 * ready_fd is not NULL, *ready_fd gets the read end of a pipe the child
 * reports readiness on (TIPC_READY_FD=3). */
static pid_t
spawn(char *const argv[], const char *tag, int *ready_fd)
{
    char out[512], err[512];
    int pfd[2] = {-1, -1};
    pid_t pid;

    snprintf(out, sizeof out, "%s/%s.out", tmpdir, tag);
    snprintf(err, sizeof err, "%s/%s.err", tmpdir, tag);
    if (ready_fd != NULL)
        ck_assert_int_eq(pipe(pfd), 0);
    pid_t parent = getpid();
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        if (ready_fd != NULL) {
            close(pfd[0]);
            if (dup2(pfd[1], 3) < 0)
                _exit(127);
            setenv("TIPC_READY_FD", "3", 1);
        } else {
            unsetenv("TIPC_READY_FD");
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (ready_fd != NULL) {
        close(pfd[1]);
        *ready_fd = pfd[0];
    }
    track(pid, 1);
    return pid;
}

/* The exit status of pid, waiting at most ms; kills it (and fails) after. */
static int
wait_exit(pid_t pid, int ms)
{
    int status;
    uint64_t end = mono_ms() + (uint64_t)ms;

    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            track(pid, 0);
            break;
        }
        if (mono_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            ck_abort_msg("process %ld did not exit within %d ms", (long)pid, ms);
        }
        sleep_us(5000);
    }
    ck_assert_msg(WIFEXITED(status), "process %ld died of signal %d", (long)pid,
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

static int
read_port_file(const char *path)
{
    uint64_t end = mono_ms() + 10000;
    int port = 0;

    while (mono_ms() < end) {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%d", &port) == 1;
            fclose(f);
            if (ok && port > 0)
                return port;
        }
        sleep_us(5000);
    }
    ck_abort_msg("no port in %s", path);
    return 0;
}

/* Start an order manager on a fresh port (or on port, if not 0) and the log
 * <tmpdir>/order_log.txt, with the commit option given (NULL: its default,
 * --sync); returns its pid and sets *port_out. */
static pid_t
start_om_commit(const char *tag, int port, char *commit, int *port_out)
{
    char log[512], port_file[512], listen[64];

    path_in(log, sizeof log, "order_log.txt");
    path_in(port_file, sizeof port_file, "om.port");
    unlink(port_file);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    char *argv[] = {OM_BIN,    "--listen",    listen, "--log", log, "--port-file",
                    port_file, "--report-ms", "0",    commit,  NULL};
    pid_t pid = spawn(argv, tag, NULL);
    *port_out = read_port_file(port_file);
    return pid;
}

static pid_t
start_om(const char *tag, int port, int *port_out)
{
    return start_om_commit(tag, port, "--no-sync", port_out);
}

/* The value of key on the "STATS <component>" line of <tmpdir>/<tag>.out. */
static unsigned long long
stat_of(const char *tag, const char *component, const char *key)
{
    char path[512], line[4096], want[64];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s.out", tmpdir, tag);
    snprintf(want, sizeof want, "STATS %s ", component);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        char k[64];
        snprintf(k, sizeof k, " %s=", key);
        char *p = strstr(line, k);
        ck_assert_msg(p != NULL, "no %s in: %s", key, line);
        fclose(f);
        return strtoull(p + strlen(k), NULL, 10);
    }
    fclose(f);
    ck_abort_msg("no STATS %s line in %s", component, path);
    return 0;
}

/* Load the "HIST <component> <name>" line of <tmpdir>/<tag>.out. */
static tipc_hist *
hist_of(const char *tag, const char *component, const char *name)
{
    char path[512], want[128];
    static char line[1 << 16];
    tipc_hist *h = NULL;
    FILE *f;

    snprintf(path, sizeof path, "%s/%s.out", tmpdir, tag);
    snprintf(want, sizeof want, "HIST %s %s ", component, name);
    ck_assert_tipc_ok(tipc_hist_create(&h));
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, want, strlen(want)) == 0) {
            const char *dump = line + strlen(want);
            ck_assert_tipc_ok(tipc_hist_load(h, dump, strlen(dump)));
            fclose(f);
            return h;
        }
    }
    fclose(f);
    ck_abort_msg("no %s line in %s", want, path);
    return NULL;
}

/* Every line of the order log, parsed; returns the count. */
static int
read_log(tipc_orderlog_entry *out, int max)
{
    char path[512], line[TIPC_ORDERLOG_LINE_MAX + 2];
    int n = 0;
    FILE *f;

    path_in(path, sizeof path, "order_log.txt");
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f) != NULL) {
        ck_assert_int_lt(n, max);
        ck_assert_tipc_ok(tipc_orderlog_parse_line(line, strlen(line), &out[n]));
        n++;
    }
    fclose(f);
    return n;
}

static void
assert_hist_plausible(tipc_hist *h, uint64_t count)
{
    ck_assert_uint_eq(tipc_hist_count(h), count);
    uint64_t p50 = tipc_hist_percentile(h, 50), p99 = tipc_hist_percentile(h, 99);
    ck_assert_uint_gt(tipc_hist_min(h), 0);
    ck_assert_uint_le(tipc_hist_min(h), p50);
    ck_assert_uint_le(p50, p99);
    ck_assert_uint_le(p99, tipc_hist_max(h));
    ck_assert_uint_lt(tipc_hist_max(h), 10ull * 1000000000ull); /* under 10 s */
    tipc_hist_destroy(h);
}

/* ---- A client that sends orders by hand ------------------------------- */

static tipc_sock *
om_client(int port, const char *name)
{
    char addr[64];
    tipc_hello h = {.role = TIPC_ROLE_STRATEGY};
    tipc_sock *s = NULL;

    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    snprintf(h.name, sizeof h.name, "%s", name);
    ck_assert_tipc_ok(tipc_sock_connect(&s, addr, &h, NULL, NULL, NULL, 0));
    return s;
}

static void
send_raw(tipc_sock *s, const char *json)
{
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, json, strlen(json), 0));
}

static tipc_order
good_order(const char *strategy, const char *id)
{
    tipc_order o = {.side = TIPC_SIDE_BUY,
                    .quantity = 100,
                    .price = 1640500,
                    .signal = {.rule = TIPC_RULE_MANUAL},
                    .tick_ns = 0};
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", id);
    snprintf(o.symbol, sizeof o.symbol, "AAPL");
    snprintf(o.strategy, sizeof o.strategy, "%s", strategy);
    o.send_ns = tipc_time_realtime_ns();
    return o;
}

static void
send_order(tipc_sock *s, const tipc_order *o)
{
    char json[TIPC_ORDER_JSON_MAX];
    size_t len;
    ck_assert_tipc_ok(tipc_order_encode(o, json, sizeof json, &len));
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, json, len, 0));
}

static tipc_ack
recv_ack(tipc_sock *s)
{
    tipc_frame f;
    tipc_ack a;
    ck_assert_tipc_ok(tipc_sock_recv(s, &f, 5000));
    ck_assert_int_eq(f.type, TIPC_MSG_ACK);
    ck_assert_tipc_ok(tipc_ack_decode((const char *)f.data, f.len, &a));
    return a;
}

static void
assert_rejected(tipc_sock *s, const char *json, const char *reason_has)
{
    send_raw(s, json);
    tipc_ack a = recv_ack(s);
    ck_assert_int_eq(a.status, TIPC_ACK_REJECTED);
    ck_assert_uint_eq(a.order_id, 0);
    ck_assert_str_eq(a.client_order_id, "");
    ck_assert_msg(a.reason[0] != '\0', "empty reason for %.60s", json);
    ck_assert_msg(strstr(a.reason, reason_has) != NULL, "reason '%s' lacks '%s'", a.reason,
                  reason_has);
    ck_assert_uint_gt(a.recv_ns, 0);
    ck_assert_uint_ge(a.ack_ns, a.recv_ns);
}

static void
stop_om(pid_t pid)
{
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    ck_assert_int_eq(wait_exit(pid, 5000), 0);
}

/* ---- Order manager ----------------------------------------------------- */

#define ORDER_HEAD "{\"id\":\"m-1\",\"symbol\":\"AAPL\","
#define ORDER_TAIL                                                                                 \
    "\"strategy\":\"m\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}"

START_TEST(test_om_rejects_bad_orders_and_keeps_the_connection)
{
    int port;
    pid_t om = start_om("om", 0, &port);
    tipc_sock *s = om_client(port, "m");
    static char huge[8192];

    assert_rejected(s, "{\"id\":\"m-1\", not json", "JSON");
    assert_rejected(s, ORDER_HEAD "\"side\":\"BUY\",\"price\":164.05," ORDER_TAIL, "qty");
    assert_rejected(s, ORDER_HEAD "\"side\":\"BUY\",\"qty\":-5,\"price\":164.05," ORDER_TAIL,
                    "qty");
    assert_rejected(s, ORDER_HEAD "\"side\":\"BUY\",\"qty\":5,\"price\":NaN," ORDER_TAIL, "NaN");
    assert_rejected(s, ORDER_HEAD "\"side\":\"BUY\",\"qty\":5,\"price\":\"NaN\"," ORDER_TAIL,
                    "price");
    assert_rejected(s, ORDER_HEAD "\"side\":\"HOLD\",\"qty\":5,\"price\":164.05," ORDER_TAIL,
                    "side");
    assert_rejected(s,
                    "{\"id\":\"m-1\",\"symbol\":\"ABCDEFGHIJKLMNOPQ\",\"side\":\"BUY\",\"qty\":5,"
                    "\"price\":164.05," ORDER_TAIL,
                    "symbol");
    /* A symbol far beyond any limit (but inside one frame): refused by size. */
    int n = snprintf(huge, sizeof huge, "{\"id\":\"m-1\",\"symbol\":\"");
    memset(huge + n, 'X', 6000);
    snprintf(huge + n + 6000, sizeof huge - (size_t)n - 6000,
             "\",\"side\":\"BUY\",\"qty\":5,\"price\":1," ORDER_TAIL);
    assert_rejected(s, huge, "");

    /* The same connection then gets a good order through. */
    tipc_order o = good_order("m", "m-1");
    send_order(s, &o);
    tipc_ack a = recv_ack(s);
    ck_assert_int_eq(a.status, TIPC_ACK_ACCEPTED);
    ck_assert_str_eq(a.client_order_id, "m-1");
    ck_assert_uint_eq(a.order_id, 1);
    ck_assert_int_eq(a.duplicate, 0);
    ck_assert_str_eq(a.reason, "");
    ck_assert_uint_eq(a.order_send_ns, o.send_ns);
    tipc_sock_close(s);
    stop_om(om);

    tipc_orderlog_entry e[4];
    ck_assert_int_eq(read_log(e, 4), 1);
    ck_assert_str_eq(e[0].order.client_order_id, "m-1");
    ck_assert_uint_eq(e[0].order_id, 1);
    ck_assert_int_eq(e[0].order.price, 1640500);
    ck_assert_uint_eq(stat_of("om", "order_manager", "orders"), 9);
    ck_assert_uint_eq(stat_of("om", "order_manager", "accepted"), 1);
    ck_assert_uint_eq(stat_of("om", "order_manager", "rejected"), 8);
    ck_assert_uint_eq(stat_of("om", "order_manager", "log_lines"), 1);
}
END_TEST

START_TEST(test_om_duplicate_is_logged_once)
{
    int port;
    pid_t om = start_om("om", 0, &port);
    tipc_sock *s = om_client(port, "d");
    tipc_order o = good_order("d", "d-1");

    /* Twice back to back (likely one batch), then once more on its own. */
    send_order(s, &o);
    send_order(s, &o);
    tipc_ack a1 = recv_ack(s), a2 = recv_ack(s);
    ck_assert_int_eq(a1.status, TIPC_ACK_ACCEPTED);
    ck_assert_int_eq(a1.duplicate, 0);
    ck_assert_uint_eq(a1.order_id, 1);
    ck_assert_int_eq(a2.status, TIPC_ACK_ACCEPTED);
    ck_assert_int_eq(a2.duplicate, 1);
    ck_assert_uint_eq(a2.order_id, 1);
    send_order(s, &o);
    tipc_ack a3 = recv_ack(s);
    ck_assert_int_eq(a3.duplicate, 1);
    ck_assert_uint_eq(a3.order_id, 1);
    /* The key is (strategy, id): another strategy may use the same id. */
    tipc_order other = good_order("e", "d-1");
    send_order(s, &other);
    tipc_ack a4 = recv_ack(s);
    ck_assert_int_eq(a4.duplicate, 0);
    ck_assert_uint_eq(a4.order_id, 2);
    tipc_sock_close(s);
    stop_om(om);

    tipc_orderlog_entry e[8];
    ck_assert_int_eq(read_log(e, 8), 2);
    ck_assert_str_eq(e[0].order.strategy, "d");
    ck_assert_str_eq(e[1].order.strategy, "e");
    ck_assert_uint_eq(stat_of("om", "order_manager", "orders"), 4);
    ck_assert_uint_eq(stat_of("om", "order_manager", "accepted"), 4);
    ck_assert_uint_eq(stat_of("om", "order_manager", "duplicates"), 2);
    ck_assert_uint_eq(stat_of("om", "order_manager", "log_lines"), 2);
}
END_TEST

START_TEST(test_om_restart_rebuilds_ids_from_the_log)
{
    int port;
    pid_t om = start_om("om1", 0, &port);
    tipc_sock *s = om_client(port, "r");
    tipc_order r1 = good_order("r", "r-1"), r2 = good_order("r", "r-2");

    send_order(s, &r1);
    send_order(s, &r2);
    ck_assert_uint_eq(recv_ack(s).order_id, 1);
    ck_assert_uint_eq(recv_ack(s).order_id, 2);
    tipc_sock_close(s);
    stop_om(om);

    om = start_om("om2", 0, &port);
    s = om_client(port, "r");
    send_order(s, &r2); /* a resend after the restart */
    tipc_ack a = recv_ack(s);
    ck_assert_int_eq(a.status, TIPC_ACK_ACCEPTED);
    ck_assert_int_eq(a.duplicate, 1);
    ck_assert_uint_eq(a.order_id, 2);
    tipc_order r3 = good_order("r", "r-3");
    send_order(s, &r3);
    a = recv_ack(s);
    ck_assert_int_eq(a.duplicate, 0);
    ck_assert_uint_eq(a.order_id, 3);
    tipc_sock_close(s);
    stop_om(om);

    tipc_orderlog_entry e[8];
    ck_assert_int_eq(read_log(e, 8), 3);
    ck_assert_str_eq(e[2].order.client_order_id, "r-3");
    ck_assert_uint_eq(stat_of("om2", "order_manager", "recovered"), 2);
    ck_assert_uint_eq(stat_of("om2", "order_manager", "duplicates"), 1);
    ck_assert_uint_eq(stat_of("om2", "order_manager", "log_lines"), 3);
}
END_TEST

/* Whether the order log holds a line of this strategy and client id. */
static int
log_has(const char *strategy, const char *id)
{
    char path[512], line[TIPC_ORDERLOG_LINE_MAX + 2], want[96];
    int found = 0;
    FILE *f;

    path_in(path, sizeof path, "order_log.txt");
    snprintf(want, sizeof want, " client_id=%s strategy=%s ", id, strategy);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, want) != NULL;
    fclose(f);
    return found;
}

/* Whether the committed part of the staging file has the order. */
static bool
staged_has(const char *strategy, const char *id)
{
    char path[512], want[128];
    static char body[1 << 20];
    uint64_t hdr[3]; /* magic, body size, committed bytes (orderlog.c) */
    bool found = false;
    int fd;

    path_in(path, sizeof path, "order_log.txt.staged");
    snprintf(want, sizeof want, " client_id=%s strategy=%s ", id, strategy);
    if ((fd = open(path, O_RDONLY)) < 0)
        return false;
    if (pread(fd, hdr, sizeof hdr, 0) == (ssize_t)sizeof hdr && hdr[2] < sizeof body &&
        pread(fd, body, hdr[2], 64) == (ssize_t)hdr[2]) {
        body[hdr[2]] = 0;
        found = strstr(body, want) != NULL;
    }
    close(fd);
    return found;
}

/* An ack means the order is durable: with --sync and --commit=write it is
 * in the log when the ack arrives; with --no-sync (mapped) it is in the
 * committed part of the staging file or, once flushed, in the log. (Looked
 * for in that order: a flush writes the log before it empties the staging
 * file, so a line cannot slip between the two looks.) With --sync every commit
 * is one fdatasync and a burst of orders is one commit per poll batch, so it
 * costs far fewer syncs than orders; the other modes make no sync at all.
 * The burst is made a burst for certain: the order manager is stopped while
 * all N orders (about 40 KiB, well inside the socket buffers) are sent, so a
 * slow client (valgrind) cannot turn it into a trickle. */
START_TEST(test_om_acks_after_group_commit_and_sync)
{
    enum { N = 200 };
    static char *const modes[] = {"--sync", "--commit=write", "--no-sync"};

    for (int m = 0; m < 3; m++) {
        char tag[8], strategy[8], id[16];
        int port, sync = m == 0;
        snprintf(tag, sizeof tag, "om%d", m);
        snprintf(strategy, sizeof strategy, "g%d", m);
        pid_t om = start_om_commit(tag, 0, modes[m], &port);
        tipc_sock *s = om_client(port, strategy);
        ck_assert_int_eq(kill(om, SIGSTOP), 0);
        for (int i = 1; i <= N; i++) {
            snprintf(id, sizeof id, "g-%d", i);
            tipc_order o = good_order(strategy, id);
            send_order(s, &o);
        }
        ck_assert_int_eq(kill(om, SIGCONT), 0);
        for (int i = 1; i <= N; i++) {
            tipc_ack a = recv_ack(s);
            snprintf(id, sizeof id, "g-%d", i);
            ck_assert_str_eq(a.client_order_id, id);
            ck_assert_int_eq(a.status, TIPC_ACK_ACCEPTED);
            ck_assert_int_eq(a.duplicate, 0);
            ck_assert_msg((m == 2 && staged_has(strategy, id)) || log_has(strategy, id),
                          "%s: %s acked before it was durable", modes[m], id);
        }
        tipc_sock_close(s);
        stop_om(om);
        unsigned long long commits = stat_of(tag, "order_manager", "commits");
        ck_assert_uint_eq(stat_of(tag, "order_manager", "log_lines"), (uint64_t)N * (m + 1));
        ck_assert_uint_ge(commits, 1);
        ck_assert_uint_le(commits, N);
        ck_assert_uint_eq(stat_of(tag, "order_manager", "syncs"), sync ? commits : 0);
        if (sync) /* the burst was waiting in the socket: a few reads, a few syncs */
            ck_assert_msg(commits <= N / 4, "%llu commits for %d orders", commits, N);
    }
    /* The last manager stopped cleanly: its staging file is gone, every line
     * is in the log. */
    char staged[512];
    path_in(staged, sizeof staged, "order_log.txt.staged");
    ck_assert_int_eq(access(staged, F_OK), -1);
    ck_assert(log_has("g2", "g-200"));
}
END_TEST

START_TEST(test_om_refuses_other_roles)
{
    int port;
    pid_t om = start_om("om", 0, &port);
    char addr[64];
    tipc_hello h = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_PRICES};
    tipc_sock *s = NULL;

    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    snprintf(h.name, sizeof h.name, "sub");
    ck_assert_tipc_err(tipc_sock_connect(&s, addr, &h, NULL, NULL, NULL, 0), TIPC_EREJECTED);
    ck_assert_ptr_null(s);
    stop_om(om);
}
END_TEST

/* ---- Strategy against a scripted book and news feed --------------------- */

/* Price plateaus: with windows 2/4 every change of level is one crossing once
 * the first one has set the starting relation, however many of a plateau's
 * repeated values the strategy happens to skip (it needs 4 of each 24). */
#define PLATEAUS 5
#define PLATEAU_LEN 24
static const int64_t levels_aaa[PLATEAUS] = {1000000, 2000000, 1000000, 2000000, 1000000};
static const int64_t levels_bbb[PLATEAUS] = {2000000, 1000000, 2000000, 1000000, 2000000};
/* AAA: (up: start) SELL BUY SELL; BBB: (down: start) BUY SELL BUY. */
#define MA_ORDERS 6
/* News: AAA 50 85(BUY) 90 50 10(SELL); BBB 15(SELL); CCC 90 fires but has no
 * price, so no order. */
static const struct {
    const char *sym;
    int score;
} news_items[] = {{"AAA", 50}, {"AAA", 85}, {"BBB", 15}, {"AAA", 90},
                  {"AAA", 50}, {"CCC", 90}, {"AAA", 10}};
#define NEWS_ITEMS 7
#define NEWS_ORDERS 3
#define ALL_ORDERS (MA_ORDERS + NEWS_ORDERS)

/* A stand-in gateway for the NEWS stream: the snapshot protocol (the latest
 * item per symbol sent so far, then SNAPSHOT_END [0, news_seq]), news items
 * from the script above, END_OF_DATA. */
struct feed {
    tipc_server *srv;
    uint64_t conn;
    int joins, left;
    int nsent; /* news_items[0..nsent) have been sent, as seq 1..nsent */
    tipc_news sent[NEWS_ITEMS];
};

static void
feed_send_news(struct feed *g, const tipc_news *n)
{
    uint8_t buf[TIPC_NEWS_ENCODED_MAX];
    size_t len;
    ck_assert_tipc_ok(tipc_news_encode(n, buf, sizeof buf, &len));
    ck_assert_tipc_ok(tipc_server_send(g->srv, g->conn, TIPC_MSG_NEWS, buf, len));
}

static void
feed_snapshot(struct feed *g)
{
    uint8_t end[TIPC_SNAPSHOT_END_ENCODED_MAX];
    size_t len;
    tipc_snapshot_end se = {0, (uint64_t)g->nsent};

    ck_assert_tipc_ok(tipc_server_send(g->srv, g->conn, TIPC_MSG_SNAPSHOT_BEGIN, "", 0));
    for (int i = 0; i < g->nsent; i++) {
        int latest = 1;
        for (int k = i + 1; k < g->nsent; k++)
            latest &= strcmp(g->sent[k].symbol, g->sent[i].symbol) != 0;
        if (latest)
            feed_send_news(g, &g->sent[i]);
    }
    ck_assert_tipc_ok(tipc_snapshot_end_encode(&se, end, sizeof end, &len));
    ck_assert_tipc_ok(tipc_server_send(g->srv, g->conn, TIPC_MSG_SNAPSHOT_END, end, len));
}

static void
feed_poll(struct feed *g, int timeout_ms)
{
    tipc_server_event ev[16];
    int n = tipc_server_poll(g->srv, ev, 16, timeout_ms);
    ck_assert_int_ge(n, 0);
    for (int i = 0; i < n; i++) {
        if (ev[i].kind == TIPC_SERVER_JOIN) {
            ck_assert_int_eq(ev[i].hello->role, TIPC_ROLE_STRATEGY);
            ck_assert_uint_eq(ev[i].hello->streams, TIPC_STREAM_NEWS);
            g->conn = ev[i].conn;
            g->joins++;
            g->left = 0;
            feed_snapshot(g);
        } else if (ev[i].kind == TIPC_SERVER_LEAVE && ev[i].conn == g->conn) {
            g->left = 1;
        }
    }
    (void)tipc_server_flush(g->srv);
}

/* Send script items up to (not including) upto; END_OF_DATA when that is all. */
static void
feed_news(struct feed *g, int upto)
{
    for (; g->nsent < upto; g->nsent++) {
        tipc_news *n = &g->sent[g->nsent];
        memset(n, 0, sizeof *n);
        snprintf(n->symbol, sizeof n->symbol, "%s", news_items[g->nsent].sym);
        n->sentiment = news_items[g->nsent].score;
        n->event_ns = 1;
        n->send_ns = tipc_time_realtime_ns();
        n->seq = (uint64_t)g->nsent + 1;
        feed_send_news(g, n);
    }
    if (g->nsent == NEWS_ITEMS)
        ck_assert_tipc_ok(tipc_server_send(g->srv, g->conn, TIPC_MSG_END_OF_DATA, "", 0));
    (void)tipc_server_flush(g->srv);
}

struct run {
    char prices[128], news[128];
    tipc_book *book;
    uint32_t ia, ib;
    struct feed g;
    pid_t om, strat;
    int om_port;
    tipc_server *fake_om; /* in place of the order manager: logs but never acks */
    tipc_orderlog *fake_log;
};

/* The fake order manager's loop: log each order, never ack. Returns how
 * many orders it has logged so far. */
static int
fake_om_poll(struct run *r, int timeout_ms)
{
    tipc_server_event ev[16];
    tipc_order o;
    uint64_t id;

    if (r->fake_om == NULL)
        return 0;
    int n = tipc_server_poll(r->fake_om, ev, 16, timeout_ms);
    ck_assert_int_ge(n, 0);
    for (int i = 0; i < n; i++)
        if (ev[i].kind == TIPC_SERVER_FRAME) {
            ck_assert_tipc_ok(
                tipc_order_decode((const char *)ev[i].frame.data, ev[i].frame.len, &o));
            ck_assert_tipc_ok(tipc_orderlog_append(r->fake_log, &o, tipc_time_realtime_ns(), &id));
        }
    ck_assert_tipc_ok(tipc_orderlog_commit(r->fake_log));
    return (int)tipc_orderlog_count(r->fake_log);
}

/* With fake_om, the strategy talks to an order manager inside this test
 * that logs orders like the real one but never acknowledges them. */
static void
run_start(struct run *r, int fake_om)
{
    char gw[64], om[64];
    int ready_fd;

    memset(r, 0, sizeof *r);
    shm_name(r->prices, sizeof r->prices, "prices");
    shm_name(r->news, sizeof r->news, "news");
    ck_assert_tipc_ok(tipc_book_create(&r->book, r->prices, TIPC_BOOK_PRICES, 64, 0));
    ck_assert_tipc_ok(tipc_book_add_symbol(r->book, "AAA", &r->ia));
    ck_assert_tipc_ok(tipc_book_add_symbol(r->book, "BBB", &r->ib));
    if (fake_om) {
        char log[512];
        tipc_server_opts so = {.allowed_roles = TIPC_ROLE_STRATEGY};
        path_in(log, sizeof log, "order_log.txt");
        ck_assert_tipc_ok(tipc_orderlog_open(&r->fake_log, log, NULL));
        ck_assert_tipc_ok(tipc_server_listen(&r->fake_om, "127.0.0.1:0", &so));
        r->om_port = tipc_server_port(r->fake_om);
    } else {
        r->om = start_om("om", 0, &r->om_port);
    }
    ck_assert_tipc_ok(tipc_server_listen(&r->g.srv, "127.0.0.1:0", NULL));
    snprintf(gw, sizeof gw, "127.0.0.1:%d", tipc_server_port(r->g.srv));
    snprintf(om, sizeof om, "127.0.0.1:%d", r->om_port);
    char *argv[] = {STRATEGY_BIN, "--gateway",   gw,      "--orders",    om,    "--price-book",
                    r->prices,    "--news-book", r->news, "--name",      "t1",  "--short",
                    "2",          "--long",      "4",     "--report-ms", "200", NULL};
    r->strat = spawn(argv, "strategy", &ready_fd);

    /* Serve the handshake until the strategy says it is ready. */
    uint64_t end = mono_ms() + 10000;
    char c = 0;
    struct pollfd p = {ready_fd, POLLIN, 0};
    while (c != 'R') {
        ck_assert_msg(mono_ms() < end, "strategy not ready within 10 s");
        feed_poll(&r->g, 5);
        fake_om_poll(r, 0);
        if (poll(&p, 1, 0) == 1)
            ck_assert_int_eq(read(ready_fd, &c, 1), 1);
    }
    close(ready_fd);
    ck_assert_uint_ne(r->g.conn, 0);
}

/* Write plateaus [from, to) of both symbols, one value each per ~1 ms, tick
 * times now (the orders carry them back as tick_ns). */
static void
run_prices(struct run *r, int from, int to)
{
    for (int p = from; p < to; p++)
        for (int k = 0; k < PLATEAU_LEN; k++) {
            uint64_t now = tipc_time_realtime_ns();
            ck_assert_tipc_ok(tipc_book_set(r->book, r->ia, levels_aaa[p], now));
            ck_assert_tipc_ok(tipc_book_set(r->book, r->ib, levels_bbb[p], now));
            sleep_us(1000);
            feed_poll(&r->g, 0);
            fake_om_poll(r, 0);
        }
}

/* News, END_OF_DATA, then the strategy's clean exit and the manager's. */
static void
run_finish(struct run *r)
{
    /* Let the strategy see the last prices before the news refers to them. */
    for (int i = 0; i < 20; i++)
        feed_poll(&r->g, 5);
    feed_news(&r->g, NEWS_ITEMS);
    uint64_t end = mono_ms() + 20000;
    while (!r->g.left && mono_ms() < end)
        feed_poll(&r->g, 10);
    ck_assert_int_eq(wait_exit(r->strat, 20000), 0);
    stop_om(r->om);
    tipc_server_close(r->g.srv);
    tipc_book_close(r->book);
    ck_assert_tipc_ok(tipc_book_unlink(r->prices));
    ck_assert_tipc_ok(tipc_book_unlink(r->news)); /* the strategy made it and left it */
}

/* The log holds t1-1 .. t1-n, each exactly once, with the orders we expect. */
static void
assert_log_exact(int n)
{
    tipc_orderlog_entry e[64];
    int seen[64] = {0}, ma = 0, news = 0;

    ck_assert_int_eq(read_log(e, 64), n);
    for (int i = 0; i < n; i++) {
        const tipc_order *o = &e[i].order;
        unsigned k;
        ck_assert_int_eq(sscanf(o->client_order_id, "t1-%u", &k), 1);
        ck_assert_msg(k >= 1 && k <= (unsigned)n && !seen[k], "bad or repeated id %s",
                      o->client_order_id);
        seen[k] = 1;
        ck_assert_str_eq(o->strategy, "t1");
        ck_assert_uint_eq(o->quantity, 100);
        ck_assert_uint_gt(o->tick_ns, 0);
        ck_assert_uint_ge(e[i].recv_ns, o->tick_ns);
        if (o->signal.rule == TIPC_RULE_MA_CROSS) {
            ma++;
            ck_assert_uint_eq(o->signal.short_window, 2);
            ck_assert_uint_eq(o->signal.long_window, 4);
            /* The order is priced at the level it crossed into. */
            ck_assert_int_eq(o->price, o->side == TIPC_SIDE_BUY ? 2000000 : 1000000);
        } else {
            ck_assert_int_eq(o->signal.rule, TIPC_RULE_SENTIMENT);
            news++;
            /* News came after the prices: AAA last at 100, BBB at 200. */
            ck_assert_int_eq(o->price, strcmp(o->symbol, "AAA") == 0 ? 1000000 : 2000000);
        }
    }
    ck_assert_int_eq(ma, MA_ORDERS);
    ck_assert_int_eq(news, NEWS_ORDERS);
}

START_TEST(test_strategy_sent_equals_logged_equals_acked)
{
    struct run r;

    run_start(&r, 0);
    run_prices(&r, 0, PLATEAUS);
    run_finish(&r);

    ck_assert_uint_eq(stat_of("strategy", "strategy", "orders_sent"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "accepted"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "rejected"), 0);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "duplicates"), 0);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "resent"), 0);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "unacked"), 0);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "news_received"), NEWS_ITEMS);
    ck_assert_uint_ge(stat_of("strategy", "strategy", "prices_seen"), 4 * PLATEAUS * 2);
    ck_assert_uint_eq(stat_of("om", "order_manager", "orders"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("om", "order_manager", "accepted"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("om", "order_manager", "log_lines"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("om", "order_manager", "strategies"), 1);
    assert_log_exact(ALL_ORDERS);
    assert_hist_plausible(hist_of("strategy", "strategy", "order_rtt"), ALL_ORDERS);
    assert_hist_plausible(hist_of("om", "order_manager", "tick_to_order"), ALL_ORDERS);
}
END_TEST

/* The order manager is frozen (SIGSTOP) while two orders are in flight and
 * then killed: those two die unread in its socket. The strategy reconnects
 * to the restarted manager, sends them again, and every order ends up in the
 * log exactly once. */
START_TEST(test_strategy_resends_across_an_order_manager_crash)
{
    struct run r;
    int status;

    run_start(&r, 0);
    run_prices(&r, 0, 3); /* AAA SELL, BBB BUY: logged and acked */
    for (int i = 0; i < 20; i++)
        feed_poll(&r.g, 5);
    ck_assert_int_eq(kill(r.om, SIGSTOP), 0);
    run_prices(&r, 3, 4); /* AAA BUY, BBB SELL: sent, never read */
    for (int i = 0; i < 40; i++)
        feed_poll(&r.g, 5);
    ck_assert_int_eq(kill(r.om, SIGKILL), 0);
    ck_assert_int_eq(waitpid(r.om, &status, 0), r.om);
    track(r.om, 0);
    r.om = start_om("om", r.om_port, &r.om_port);
    run_prices(&r, 4, PLATEAUS);
    run_finish(&r);

    ck_assert_uint_eq(stat_of("strategy", "strategy", "orders_sent"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "accepted"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "resent"), 2);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "duplicates"), 0);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "unacked"), 0);
    assert_log_exact(ALL_ORDERS);
    ck_assert_uint_eq(stat_of("om", "order_manager", "recovered"), 2);
    ck_assert_uint_eq(stat_of("om", "order_manager", "accepted"), ALL_ORDERS - 2);
    ck_assert_uint_eq(stat_of("om", "order_manager", "log_lines"), ALL_ORDERS);
}
END_TEST

/* Orders reach the log but their acks never come (an order manager that
 * dies between commit and ack). After the reconnect the strategy resends
 * them, the real order manager answers "duplicate" with the original ids,
 * and nothing is logged twice. */
START_TEST(test_strategy_resend_of_logged_orders_is_a_duplicate)
{
    struct run r;

    run_start(&r, 1);
    run_prices(&r, 0, 3); /* AAA SELL, BBB BUY reach the fake manager's log */
    uint64_t end = mono_ms() + 5000;
    while (fake_om_poll(&r, 5) < 2)
        ck_assert_msg(mono_ms() < end, "the fake order manager got no orders");
    tipc_server_close(r.fake_om); /* no acks: the strategy loses its connection */
    r.fake_om = NULL;
    tipc_orderlog_close(r.fake_log);
    for (int i = 0; i < 20; i++)
        feed_poll(&r.g, 5);
    r.om = start_om("om", r.om_port, &r.om_port);
    run_prices(&r, 3, PLATEAUS);
    run_finish(&r);

    ck_assert_uint_eq(stat_of("strategy", "strategy", "orders_sent"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "accepted"), ALL_ORDERS);
    /* 2, or more if an order went out on the dead connection before the
     * strategy noticed it was gone; only the logged ones are duplicates. */
    ck_assert_uint_ge(stat_of("strategy", "strategy", "resent"), 2);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "duplicates"), 2);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "unacked"), 0);
    assert_log_exact(ALL_ORDERS);
    ck_assert_uint_eq(stat_of("om", "order_manager", "recovered"), 2);
    ck_assert_uint_eq(stat_of("om", "order_manager", "duplicates"), 2);
    ck_assert_uint_eq(stat_of("om", "order_manager", "log_lines"), ALL_ORDERS);
}
END_TEST

/* The gateway drops the strategy halfway through the news. The strategy
 * reconnects, skips the snapshot's items it has already handled, and goes on
 * with the live stream: every item handled once, the same orders. */
START_TEST(test_strategy_resumes_news_after_gateway_drop)
{
    struct run r;

    run_start(&r, 0);
    run_prices(&r, 0, PLATEAUS);
    for (int i = 0; i < 20; i++)
        feed_poll(&r.g, 5);
    feed_news(&r.g, 4); /* AAA 50 85, BBB 15, AAA 90 */
    for (int i = 0; i < 20; i++)
        feed_poll(&r.g, 5);
    ck_assert_tipc_ok(tipc_server_close_conn(r.g.srv, r.g.conn, "test drop"));
    uint64_t end = mono_ms() + 10000;
    while (r.g.joins < 2) {
        ck_assert_msg(mono_ms() < end, "the strategy did not come back");
        feed_poll(&r.g, 5);
    }
    run_finish(&r);

    ck_assert_uint_eq(stat_of("strategy", "strategy", "news_received"), NEWS_ITEMS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "orders_sent"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "accepted"), ALL_ORDERS);
    ck_assert_uint_eq(stat_of("strategy", "strategy", "unacked"), 0);
    assert_log_exact(ALL_ORDERS);
}
END_TEST

static Suite *
tipc_orders_suite(void)
{
    Suite *s = suite_create("orders");
    TCase *tc = tcase_create("order_manager");
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_om_rejects_bad_orders_and_keeps_the_connection);
    tcase_add_test(tc, test_om_duplicate_is_logged_once);
    tcase_add_test(tc, test_om_restart_rebuilds_ids_from_the_log);
    tcase_add_test(tc, test_om_acks_after_group_commit_and_sync);
    tcase_add_test(tc, test_om_refuses_other_roles);
    suite_add_tcase(s, tc);
    tc = tcase_create("strategy");
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_strategy_sent_equals_logged_equals_acked);
    tcase_add_test(tc, test_strategy_resends_across_an_order_manager_crash);
    tcase_add_test(tc, test_strategy_resend_of_logged_orders_is_a_duplicate);
    tcase_add_test(tc, test_strategy_resumes_news_after_gateway_drop);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_orders_suite)
