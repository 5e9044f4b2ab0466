/* SPDX-License-Identifier: MIT */
/*
 * Order round trip (issue 5, items 3 and 7): strategy-side clients each send
 * an order and wait for its ack, one at a time, through the real
 * tradeipc-order-manager (decode, order log append, group commit, ack), with
 * the log's fdatasync on and off, with 1 and 8 concurrent strategies.
 *
 *   tradeipc   tipc_order_encode + tipc_sock_send -> order manager ->
 *              tipc_sock_recv + tipc_ack_decode; every ack checked (id,
 *              accepted, not a duplicate) and the manager's STATS line checked
 *              against the orders sent (orders = accepted = log lines)
 *   floor      plain TCP ping-pong (TCP_NODELAY, blocking read/write; an epoll
 *              loop for 8 clients) moving frames of the same sizes
 *   zeromq     REQ/REP with the same sizes
 *
 * The server side (order manager, floor server, REP) runs on CPU 0 and the
 * clients on CPU 1.
 */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_ZMQ
#include <zmq.h>
#endif

#define MAX_CLIENTS 8

enum path { P_RAW, P_ZMQ, P_NOSYNC, P_SYNC, P_COUNT };
static const char *const path_name[P_COUNT] = {
    "raw TCP ping-pong, same sizes (floor)", "ZeroMQ REQ/REP, same sizes",
    "tradeipc order manager, --no-sync", "tradeipc order manager, --sync"};
static const char *const path_key[P_COUNT] = {"raw", "zmq", "nosync", "sync"};

typedef struct shared {
    char endpoint[128];
    char hist[MAX_CLIENTS][BENCH_HIST_TEXT];
} shared;

static size_t order_len, ack_len; /* JSON sizes of a typical order and ack */
static char tmpdir[64];

static void
make_order(tipc_order *o, int client, size_t n)
{
    memset(o, 0, sizeof *o);
    snprintf(o->client_order_id, sizeof o->client_order_id, "bench%d-%zu", client, n);
    snprintf(o->strategy, sizeof o->strategy, "bench%d", client);
    memcpy(o->symbol, "AAPL", 5);
    o->side = n % 2 ? TIPC_SIDE_BUY : TIPC_SIDE_SELL;
    o->quantity = 100;
    o->price = 1640500;
    o->signal.rule = TIPC_RULE_MA_CROSS;
    o->signal.short_window = 5;
    o->signal.long_window = 20;
    o->signal.short_ma = 1641000;
    o->signal.long_ma = 1639000;
    o->tick_ns = tipc_time_realtime_ns();
    o->send_ns = o->tick_ns + 1000;
}

/* Sizes of a typical order and ack, for the floors. */
static void
typical_sizes(void)
{
    char json[TIPC_ORDER_JSON_MAX];
    tipc_order o;
    tipc_ack a = {.order_id = 10000, .status = TIPC_ACK_ACCEPTED};

    make_order(&o, 0, 10000);
    BENCH_OK(tipc_order_encode(&o, json, sizeof json, &order_len));
    memcpy(a.client_order_id, o.client_order_id, sizeof a.client_order_id);
    a.order_send_ns = o.send_ns;
    a.recv_ns = o.send_ns + 20000;
    a.ack_ns = o.send_ns + 30000;
    BENCH_OK(tipc_ack_encode(&a, json, sizeof json, &ack_len));
}

/* ---- Clients (children, CPU 1) ------------------------------------------ */

static void
client_lib(int port, int idx, size_t n, size_t warm, tipc_hist *h)
{
    tipc_hello hello = {.role = TIPC_ROLE_STRATEGY};
    char addr[64], why[256] = "", json[TIPC_ORDER_JSON_MAX];
    tipc_sock *s;
    tipc_order o;
    tipc_ack a;
    tipc_frame f;
    size_t len;
    int rc;

    snprintf(hello.name, sizeof hello.name, "bench%d", idx);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    rc = tipc_sock_connect(&s, addr, &hello, NULL, NULL, why, sizeof why);
    BENCH_CHECK(rc == 0, "strategy %d: connect: %s %s", idx, tipc_strerror(rc), why);
    for (size_t i = 1; i <= n + warm; i++) {
        uint64_t t0 = bench_ns(), t1;
        make_order(&o, idx, i);
        BENCH_OK(tipc_order_encode(&o, json, sizeof json, &len));
        BENCH_OK(tipc_sock_send(s, TIPC_MSG_ORDER, json, len, 0));
        rc = tipc_sock_recv(s, &f, 10000);
        BENCH_CHECK(rc == 0, "strategy %d: no ack for order %zu: %s", idx, i, tipc_strerror(rc));
        BENCH_CHECK(f.type == TIPC_MSG_ACK, "strategy %d: %s frame instead of an ACK", idx,
                    tipc_msg_type_name(f.type));
        BENCH_OK(tipc_ack_decode((const char *)f.data, f.len, &a));
        t1 = bench_ns();
        BENCH_CHECK(strcmp(a.client_order_id, o.client_order_id) == 0 &&
                        a.status == TIPC_ACK_ACCEPTED && !a.duplicate && a.order_id > 0 &&
                        a.order_send_ns == o.send_ns,
                    "strategy %d: ack for %s: id %s status %d duplicate %d reason '%s'", idx,
                    o.client_order_id, a.client_order_id, (int)a.status, a.duplicate, a.reason);
        if (i > warm)
            tipc_hist_record(h, t1 - t0);
    }
    tipc_sock_close(s);
}

static void
client_raw(int port, size_t n, size_t warm, tipc_hist *h)
{
    uint8_t out[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR], in[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR];
    int fd = bench_tcp_connect(port);

    memset(out, 'x', sizeof out);
    for (size_t i = 1; i <= n + warm; i++) {
        uint64_t t0 = bench_ns();
        bench_write_all(fd, out, TIPC_FRAME_HDR + order_len);
        bench_read_all(fd, in, TIPC_FRAME_HDR + ack_len);
        if (i > warm)
            tipc_hist_record(h, bench_ns() - t0);
    }
    close(fd);
}

#ifdef HAVE_ZMQ
static void
client_zmq(const char *ep, size_t n, size_t warm, tipc_hist *h)
{
    char out[TIPC_ORDER_JSON_MAX], in[TIPC_ORDER_JSON_MAX];
    void *ctx = zmq_ctx_new(), *req = zmq_socket(ctx, ZMQ_REQ);

    memset(out, 'x', sizeof out);
    BENCH_CHECK(req != NULL && zmq_connect(req, ep) == 0, "zmq client: %s",
                zmq_strerror(zmq_errno()));
    for (size_t i = 1; i <= n + warm; i++) {
        uint64_t t0 = bench_ns();
        BENCH_CHECK(zmq_send(req, out, order_len, 0) == (int)order_len, "zmq send: %s",
                    zmq_strerror(zmq_errno()));
        BENCH_CHECK(zmq_recv(req, in, sizeof in, 0) == (int)ack_len, "zmq recv: %s",
                    zmq_strerror(zmq_errno()));
        if (i > warm)
            tipc_hist_record(h, bench_ns() - t0);
    }
    zmq_close(req);
    zmq_ctx_term(ctx);
}
#endif

static pid_t
spawn_client(const bench_ctx *c, enum path p, int port, int idx, size_t n, size_t warm, shared *sh)
{
    tipc_hist *h;
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) < 0)
        bench_fail("fork: %s", strerror(errno));
    if (pid > 0)
        return pid;
    bench_pin(c, 1);
    h = bench_hist();
    switch (p) {
    case P_RAW:
        client_raw(port, n, warm, h);
        break;
#ifdef HAVE_ZMQ
    case P_ZMQ:
        while (__atomic_load_n(&sh->endpoint[0], __ATOMIC_ACQUIRE) == '\0')
            usleep(1000);
        client_zmq(sh->endpoint, n, warm, h);
        break;
#endif
    default:
        client_lib(port, idx, n, warm, h);
        break;
    }
    bench_hist_put(sh->hist[idx], h);
    tipc_hist_destroy(h);
    _exit(0);
}

/* ---- Servers (CPU 0) ---------------------------------------------------- */

/* The floor's server: answer each order-sized frame with an ack-sized one. */
static void
raw_server(int lfd, int nclients)
{
    uint8_t in[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR], out[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR];
    size_t need = TIPC_FRAME_HDR + order_len, have[MAX_CLIENTS] = {0};
    int fds[MAX_CLIENTS], ep, open_ = nclients;

    memset(out, 'y', sizeof out);
    for (int i = 0; i < nclients; i++)
        fds[i] = bench_tcp_accept(lfd);
    if (nclients == 1) { /* the plainest loop there is */
        for (;;) {
            ssize_t k = read(fds[0], in + have[0], need - have[0]);
            if (k == 0)
                break;
            BENCH_CHECK(k > 0 || errno == EINTR, "raw server: read: %s", strerror(errno));
            if (k > 0 && (have[0] += (size_t)k) == need) {
                have[0] = 0;
                bench_write_all(fds[0], out, TIPC_FRAME_HDR + ack_len);
            }
        }
        close(fds[0]);
        return;
    }
    BENCH_CHECK((ep = epoll_create1(0)) >= 0, "epoll_create1: %s", strerror(errno));
    for (int i = 0; i < nclients; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        BENCH_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) == 0, "epoll_ctl: %s",
                    strerror(errno));
    }
    while (open_ > 0) {
        struct epoll_event evs[MAX_CLIENTS];
        int n = epoll_wait(ep, evs, MAX_CLIENTS, -1);
        BENCH_CHECK(n >= 0 || errno == EINTR, "epoll_wait: %s", strerror(errno));
        for (int e = 0; e < n; e++) {
            int i = (int)evs[e].data.u32;
            ssize_t k = read(fds[i], in + have[i], need - have[i]);
            if (k == 0) {
                close(fds[i]);
                open_--;
                continue;
            }
            BENCH_CHECK(k > 0 || errno == EINTR, "raw server: read: %s", strerror(errno));
            if (k > 0 && (have[i] += (size_t)k) == need) {
                have[i] = 0;
                bench_write_all(fds[i], out, TIPC_FRAME_HDR + ack_len);
            }
        }
    }
    close(ep);
}

#ifdef HAVE_ZMQ
static void
zmq_server(shared *sh, size_t total)
{
    char in[TIPC_ORDER_JSON_MAX], out[TIPC_ORDER_JSON_MAX], ep[128];
    size_t eplen = sizeof ep;
    void *ctx = zmq_ctx_new(), *rep = zmq_socket(ctx, ZMQ_REP);

    memset(out, 'y', sizeof out);
    BENCH_CHECK(rep != NULL && zmq_bind(rep, "tcp://127.0.0.1:*") == 0 &&
                    zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, ep, &eplen) == 0,
                "zmq server: %s", zmq_strerror(zmq_errno()));
    snprintf(sh->endpoint, sizeof sh->endpoint, "%s", ep);
    for (size_t i = 0; i < total; i++) {
        BENCH_CHECK(zmq_recv(rep, in, sizeof in, 0) == (int)order_len, "zmq server recv: %s",
                    zmq_strerror(zmq_errno()));
        BENCH_CHECK(zmq_send(rep, out, ack_len, 0) == (int)ack_len, "zmq server send: %s",
                    zmq_strerror(zmq_errno()));
    }
    zmq_close(rep);
    zmq_ctx_term(ctx);
}
#endif

/* Start tradeipc-order-manager on CPU 0; returns its pid and port. */
static pid_t
start_om(const bench_ctx *c, int sync, int *port, const char *out_path)
{
    char prog[4096], log[128], pf[128], *argv[16];
    int ac = 0;
    pid_t pid;

    snprintf(prog, sizeof prog, "%s/tradeipc-order-manager", c->bindir);
    snprintf(log, sizeof log, "--log=%s/order_log.txt", tmpdir);
    snprintf(pf, sizeof pf, "--port-file=%s/om.port", tmpdir);
    argv[ac++] = prog;
    argv[ac++] = (char *)"--listen=127.0.0.1:0";
    argv[ac++] = pf;
    argv[ac++] = log;
    argv[ac++] = (char *)"--report-ms=0";
    argv[ac++] = (char *)(sync ? "--sync" : "--no-sync");
    argv[ac] = NULL;
    if (unlink(pf + strlen("--port-file=")) < 0 && errno != ENOENT)
        bench_fail("unlink %s: %s", pf, strerror(errno));
    if (unlink(out_path) < 0 && errno != ENOENT)
        bench_fail("unlink %s: %s", out_path, strerror(errno));
    pid = bench_spawn(c, 0, argv, out_path);
    *port = bench_read_port(pf + strlen("--port-file="), pid);
    return pid;
}

/* The order manager's STATS line must account for every order exactly once. */
static void
check_om(const char *out_path, size_t expect)
{
    char line[1024];
    unsigned long long orders = 0, accepted = 0, log_lines = 0;
    int found = 0;
    FILE *f = fopen(out_path, "r");

    BENCH_CHECK(f != NULL, "cannot read %s: %s", out_path, strerror(errno));
    while (fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "STATS order_manager ");
        if (p != NULL &&
            sscanf(p, "STATS order_manager orders=%llu accepted=%llu %*s %*s log_lines=%llu",
                   &orders, &accepted, &log_lines) == 3)
            found = 1;
    }
    fclose(f);
    BENCH_CHECK(found, "no STATS line from the order manager in %s", out_path);
    BENCH_CHECK(orders == expect && accepted == expect && log_lines == expect,
                "order manager: orders=%llu accepted=%llu log_lines=%llu, expected %zu each",
                orders, accepted, log_lines, expect);
}

typedef struct result {
    tipc_hist *h;
    double per_s; /* orders (round trips) per second, all clients */
} result;

static void
run(const bench_ctx *c, enum path p, int nclients, size_t n, size_t warm, result *r)
{
    shared *sh = bench_shared(sizeof *sh);
    pid_t pids[MAX_CLIENTS], om = 0;
    char out_path[128];
    int port = 0, lfd = -1;
    uint64_t t0, t1;

    r->h = bench_hist();
    snprintf(out_path, sizeof out_path, "%s/om.out", tmpdir);
    if (p == P_NOSYNC || p == P_SYNC) {
        char log[128];
        snprintf(log, sizeof log, "%s/order_log.txt", tmpdir);
        if (unlink(log) < 0 && errno != ENOENT)
            bench_fail("unlink %s: %s", log, strerror(errno));
        om = start_om(c, p == P_SYNC, &port, out_path);
    } else if (p == P_RAW) {
        lfd = bench_tcp_listen(&port);
    }
    t0 = bench_ns();
    for (int i = 0; i < nclients; i++)
        pids[i] = spawn_client(c, p, port, i, n, warm, sh);
    if (p == P_RAW) {
        raw_server(lfd, nclients);
        close(lfd);
    }
#ifdef HAVE_ZMQ
    if (p == P_ZMQ)
        zmq_server(sh, (size_t)nclients * (n + warm));
#endif
    for (int i = 0; i < nclients; i++)
        bench_wait(pids[i], "client");
    t1 = bench_ns();
    if (om > 0) {
        kill(om, SIGTERM);
        bench_wait(om, "tradeipc-order-manager");
        check_om(out_path, (size_t)nclients * (n + warm));
    }
    for (int i = 0; i < nclients; i++)
        bench_hist_get(r->h, sh->hist[i]);
    r->per_s = (double)nclients * (double)(n + warm) * 1e9 / (double)(t1 - t0);
    bench_unshare(sh, sizeof *sh);
}

static void
cleanup(void)
{
    char path[128];

    if (tmpdir[0] == '\0')
        return;
    static const char *const files[] = {"order_log.txt", "om.port", "om.out"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        if (unlink(path) < 0 && errno != ENOENT)
            fprintf(stderr, "unlink %s: %s\n", path, strerror(errno));
    }
    rmdir(tmpdir);
}

int
main(int argc, char **argv)
{
    static const int conc[] = {1, 8};
    bench_ctx c;
    result r[2][P_COUNT];
    FILE *dat;

    bench_init(&c, "bench_order", argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tipc-bench.XXXXXX");
    BENCH_CHECK(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
    atexit(cleanup);
    typical_sizes();
    bench_section("3+7. Order round trip: one order in flight per strategy, send -> ack");
    bench_note("order JSON %zu B, ack JSON %zu B (+5 B frame header each); order manager / "
               "servers on CPU 0, strategies on CPU 1; order log in %s",
               order_len, ack_len, tmpdir);
#ifndef HAVE_ZMQ
    bench_note("ZeroMQ: NOT MEASURED - configure did not find libzmq (apt-get install "
               "libzmq3-dev, then re-run configure)");
#endif
    dat = bench_dat(&c, "order_scaling.dat",
                    "strategies raw_p50 zmq_p50 nosync_p50 sync_p50 raw_p99 zmq_p99 nosync_p99 "
                    "sync_p99 (ns)");
    for (int ci = 0; ci < 2; ci++) {
        int k = conc[ci];
        size_t n = c.quick ? (k == 1 ? 300 : 40) : (k == 1 ? 20000 : 4000);
        size_t nsync = c.quick ? (k == 1 ? 50 : 10) : (k == 1 ? 2000 : 500);
        size_t warm = c.quick ? 20 : 500;

        for (int p = 0; p < P_COUNT; p++) {
#ifndef HAVE_ZMQ
            if (p == P_ZMQ) {
                r[ci][p].h = NULL;
                continue;
            }
#endif
            run(&c, (enum path)p, k, p == P_SYNC ? nsync : n, p == P_SYNC ? warm / 10 : warm,
                &r[ci][p]);
        }
        printf("   %d strateg%s (orders/s all: raw %s, zmq %s, no-sync %s, sync %s):\n", k,
               k == 1 ? "y" : "ies", bench_fmt_rate(r[ci][P_RAW].per_s),
               r[ci][P_ZMQ].h ? bench_fmt_rate(r[ci][P_ZMQ].per_s) : "-",
               bench_fmt_rate(r[ci][P_NOSYNC].per_s), bench_fmt_rate(r[ci][P_SYNC].per_s));
        bench_lat_header();
        for (int p = 0; p < P_COUNT; p++)
            if (r[ci][p].h != NULL)
                bench_lat_row(path_name[p], r[ci][p].h, r[ci][P_RAW].h);
        if (r[ci][P_ZMQ].h != NULL)
            bench_note("tradeipc --no-sync vs ZeroMQ REQ/REP: p50 %.2fx, p99 %.2fx (< 1 is better)",
                       (double)tipc_hist_percentile(r[ci][P_NOSYNC].h, 50) /
                           (double)tipc_hist_percentile(r[ci][P_ZMQ].h, 50),
                       (double)tipc_hist_percentile(r[ci][P_NOSYNC].h, 99) /
                           (double)tipc_hist_percentile(r[ci][P_ZMQ].h, 99));
        for (int p = 0; p < P_COUNT; p++) {
            char key[64], file[64];
            if (r[ci][p].h == NULL)
                continue;
            snprintf(key, sizeof key, "order.%s.%d.p50", path_key[p], k);
            bench_summary(&c, key, (double)tipc_hist_percentile(r[ci][p].h, 50));
            snprintf(key, sizeof key, "order.%s.%d.p99", path_key[p], k);
            bench_summary(&c, key, (double)tipc_hist_percentile(r[ci][p].h, 99));
            snprintf(file, sizeof file, "lat_order_%s_%d.dat", path_key[p], k);
            bench_curve(&c, file, r[ci][p].h);
        }
        if (dat != NULL) {
            fprintf(dat, "%d", k);
            for (int q = 0; q < 2; q++)
                for (int p = 0; p < P_COUNT; p++)
                    fprintf(dat, " %llu",
                            r[ci][p].h
                                ? (unsigned long long)tipc_hist_percentile(r[ci][p].h, q ? 99 : 50)
                                : 0ull);
            fputc('\n', dat);
        }
    }
    if (dat != NULL)
        fclose(dat);
    bench_note("p50 x / p99 x: multiples of the raw TCP floor with the same number of strategies; "
               "every ack checked, and the order manager logged each order exactly once");
    for (int ci = 0; ci < 2; ci++)
        for (int p = 0; p < P_COUNT; p++)
            tipc_hist_destroy(r[ci][p].h);
    return 0;
}
