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
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_ZMQ
#include <zmq.h>
#endif

#define MAX_CLIENTS 8

/* The last four (1 strategy only) spin instead of sleeping: first the
 * client (a non-blocking read in a loop until the ack; raw, and with
 * tipc_sock_opts.busy_poll_us), then the server (raw: a non-blocking read in
 * a loop until the next order; the order manager with --busy-poll-us). */
enum path {
    P_RAW,
    P_RAWCODEC,
    P_RAWSHAPE,
    P_ZMQ,
    P_NOSYNC,
    P_SYNC,
    P_WRITE,
    P_RAWSPIN,
    P_SPIN,
    P_RAWSRVSPIN,
    P_SRVSPIN,
    P_COUNT
};
static const char *const path_name[P_COUNT] = {
    "raw TCP ping-pong, same sizes (floor)",   "  raw TCP + tradeipc JSON codec",
    "  raw TCP + the OM's system calls",       "ZeroMQ REQ/REP, same sizes",
    "tradeipc order manager, --no-sync",       "tradeipc order manager, --sync",
    "tradeipc order manager, --commit=write",  "raw TCP, client spinning (spin floor)",
    "tradeipc --no-sync, busy_poll_us=200",    "raw TCP, server spinning (spin floor)",
    "tradeipc OM --no-sync --busy-poll-us=200"};
static const char *const path_key[P_COUNT] = {"raw",    "rawcodec",   "rawshape", "zmq",
                                              "nosync", "sync",       "write",    "rawspin",
                                              "spin",   "rawsrvspin", "srvspin"};

/* What the floor's client and server add (bits). RAW_SHAPE gives the floor
 * the system calls the order manager (--no-sync) cannot avoid: the server
 * waits in epoll_wait and writes each order to a file after answering. (The
 * client adds none: tipc_sock_recv sleeps in recv(2) as the floor's client
 * does.) */
#define RAW_CODEC 1
#define RAW_SHAPE 2
#define RAW_SPIN 4 /* the server reads non-blocking in a loop */
#define SPIN_US 200

typedef struct shared {
    char endpoint[128];
    uint64_t client_cpu_ns[MAX_CLIENTS];
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
client_lib(int port, int idx, size_t n, size_t warm, tipc_hist *h, uint32_t spin_us)
{
    tipc_hello hello = {.role = TIPC_ROLE_STRATEGY};
    tipc_sock_opts so = {.busy_poll_us = spin_us};
    char addr[64], why[256] = "", json[TIPC_ORDER_JSON_MAX];
    tipc_sock *s;
    tipc_order o;
    tipc_ack a;
    tipc_frame f;
    size_t len;
    int rc;

    snprintf(hello.name, sizeof hello.name, "bench%d", idx);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    rc = tipc_sock_connect(&s, addr, &hello, &so, NULL, why, sizeof why);
    BENCH_CHECK(rc == 0, "strategy %d: connect: %s %s", idx, tipc_strerror(rc), why);
    for (size_t i = 1; i <= n + warm; i++) {
        make_order(&o, idx, i); /* the strategy's work, not the round trip's */
        uint64_t t0 = bench_ns(), t1;
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

/* Read until buf holds one whole frame (one read(2) when it arrives at
 * once); returns its length field. The peer sends one frame at a time. */
static uint32_t
read_frame(int fd, uint8_t *buf, size_t cap, int spin)
{
    size_t have = 0;
    uint32_t L = 0;

    for (;;) {
        ssize_t k = recv(fd, buf + have, cap - have, spin ? MSG_DONTWAIT : 0);
        if (k < 0 && (errno == EINTR || (spin && errno == EAGAIN))) {
            if (spin)
                __builtin_ia32_pause();
            continue;
        }
        BENCH_CHECK(k > 0, "raw client: read: %s", k < 0 ? strerror(errno) : "EOF");
        have += (size_t)k;
        if (have >= 4) {
            L = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
            BENCH_CHECK(L >= 1 && L <= cap - 4, "raw client: bad frame length %u", L);
            if (have >= 4 + (size_t)L)
                return L;
        }
    }
}

/* The floor's client; with codec, it also encodes each order and decodes
 * each ack with tradeipc's JSON codec (the decomposition row). */
static void
client_raw(int port, int idx, int mode, size_t n, size_t warm, tipc_hist *h, int spin)
{
    int codec = mode & RAW_CODEC;
    uint8_t out[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR], in[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR];
    int fd = bench_tcp_connect(port);
    tipc_order o;
    tipc_ack a;
    size_t len = order_len;

    memset(in, 'x', sizeof in);
    BENCH_OK(tipc_frame_encode(out, sizeof out, TIPC_MSG_ORDER, in, order_len, &len));
    for (size_t i = 1; i <= n + warm; i++) {
        if (codec)
            make_order(&o, idx, i);
        uint64_t t0 = bench_ns();
        if (codec) {
            BENCH_OK(tipc_order_encode(&o, (char *)out + TIPC_FRAME_HDR,
                                       sizeof out - TIPC_FRAME_HDR, &len));
            BENCH_OK(tipc_frame_encode(out, sizeof out, TIPC_MSG_ORDER, out + TIPC_FRAME_HDR, len,
                                       &len));
        }
        bench_write_all(fd, out, len);
        uint32_t L = read_frame(fd, in, sizeof in, spin);
        if (codec) {
            BENCH_OK(tipc_ack_decode((const char *)in + TIPC_FRAME_HDR, L - 1, &a));
            BENCH_CHECK(strcmp(a.client_order_id, o.client_order_id) == 0,
                        "raw+codec: ack for %s, expected %s", a.client_order_id, o.client_order_id);
        }
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
    case P_RAWSPIN:
    case P_RAWSRVSPIN:
        client_raw(port, idx, 0, n, warm, h, p == P_RAWSPIN);
        break;
    case P_RAWCODEC:
        client_raw(port, idx, RAW_CODEC, n, warm, h, 0);
        break;
    case P_RAWSHAPE:
        client_raw(port, idx, RAW_SHAPE, n, warm, h, 0);
        break;
#ifdef HAVE_ZMQ
    case P_ZMQ:
        while (__atomic_load_n(&sh->endpoint[0], __ATOMIC_ACQUIRE) == '\0')
            usleep(1000);
        client_zmq(sh->endpoint, n, warm, h);
        break;
#endif
    default:
        client_lib(port, idx, n, warm, h, p == P_SPIN ? SPIN_US : 0);
        break;
    }
    sh->client_cpu_ns[idx] = bench_cpu_ns(0);
    bench_hist_put(sh->hist[idx], h);
    tipc_hist_destroy(h);
    _exit(0);
}

/* ---- Servers (CPU 0) ---------------------------------------------------- */

/* The floor's server: answer each order frame with an ack-sized frame; with
 * codec, decode the order and encode a real ack with tradeipc's JSON codec. */
static void
raw_answer(int fd, const uint8_t *frame, size_t len, int codec)
{
    uint8_t out[TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR];
    size_t n = TIPC_FRAME_HDR + ack_len;

    memset(out, 'y', TIPC_FRAME_HDR + ack_len);
    out[0] = 0;
    out[1] = 0;
    out[2] = (uint8_t)((ack_len + 1) >> 8);
    out[3] = (uint8_t)(ack_len + 1);
    out[4] = TIPC_MSG_ACK;
    if (codec) {
        tipc_order o;
        tipc_ack a = {.order_id = 1, .status = TIPC_ACK_ACCEPTED};
        BENCH_OK(tipc_order_decode((const char *)frame + TIPC_FRAME_HDR, len - TIPC_FRAME_HDR, &o));
        memcpy(a.client_order_id, o.client_order_id, sizeof a.client_order_id);
        a.order_send_ns = o.send_ns;
        a.recv_ns = a.ack_ns = o.send_ns;
        BENCH_OK(
            tipc_ack_encode(&a, (char *)out + TIPC_FRAME_HDR, sizeof out - TIPC_FRAME_HDR, &n));
        BENCH_OK(tipc_frame_encode(out, sizeof out, TIPC_MSG_ACK, out + TIPC_FRAME_HDR, n, &n));
    }
    bench_write_all(fd, out, n);
}

/* Frames from one connection, assembled from whatever read(2) returns. */
typedef struct rconn {
    uint8_t buf[2 * (TIPC_ORDER_JSON_MAX + TIPC_FRAME_HDR)];
    size_t have;
} rconn;

/* Read once; answer every complete frame (after writing it to logfd, when
 * that is open). Returns 0 at EOF. */
static int
raw_serve(int fd, rconn *rc, int codec, int logfd, int spin)
{
    ssize_t k;

    while ((k = recv(fd, rc->buf + rc->have, sizeof rc->buf - rc->have, spin ? MSG_DONTWAIT : 0)) <
               0 &&
           spin && errno == EAGAIN)
        __builtin_ia32_pause();

    if (k == 0)
        return 0;
    BENCH_CHECK(k > 0 || errno == EINTR, "raw server: read: %s", strerror(errno));
    if (k < 0)
        return 1;
    rc->have += (size_t)k;
    for (;;) {
        if (rc->have < 4)
            break;
        uint32_t L = (uint32_t)rc->buf[0] << 24 | (uint32_t)rc->buf[1] << 16 |
                     (uint32_t)rc->buf[2] << 8 | rc->buf[3];
        BENCH_CHECK(L >= 1 && L <= TIPC_ORDER_JSON_MAX + 1, "raw server: bad length %u", L);
        if (rc->have < 4 + (size_t)L)
            break;
        raw_answer(fd, rc->buf, 4 + (size_t)L, codec);
        if (logfd >= 0)
            BENCH_CHECK(write(logfd, rc->buf + 4, L) == (ssize_t)L, "raw server: log write: %s",
                        strerror(errno));
        memmove(rc->buf, rc->buf + 4 + L, rc->have - 4 - L);
        rc->have -= 4 + (size_t)L;
    }
    return 1;
}

static void
raw_server(int lfd, int nclients, int mode)
{
    static rconn rc[MAX_CLIENTS];
    int fds[MAX_CLIENTS], ep, open_ = nclients, codec = mode & RAW_CODEC, logfd = -1;
    char log[128];

    memset(rc, 0, sizeof rc);
    for (int i = 0; i < nclients; i++)
        fds[i] = bench_tcp_accept(lfd);
    if (mode & RAW_SHAPE) {
        snprintf(log, sizeof log, "%s/order_log.txt", tmpdir);
        logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        BENCH_CHECK(logfd >= 0, "open %s: %s", log, strerror(errno));
    }
    if (nclients == 1 && logfd < 0) { /* the plainest loop there is: one read at a time */
        while (raw_serve(fds[0], &rc[0], codec, -1, mode & RAW_SPIN))
            ;
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
            if (!raw_serve(fds[i], &rc[i], codec, logfd, 0)) {
                close(fds[i]);
                open_--;
            }
        }
    }
    close(ep);
    if (logfd >= 0)
        close(logfd);
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

/* Start tradeipc-order-manager on CPU 0 with the commit option given;
 * returns its pid and port. */
static pid_t
start_om(const bench_ctx *c, char *commit, int busy, int *port, const char *out_path)
{
    char prog[4096], log[128], pf[128], busy_arg[64], *argv[16];
    int ac = 0;
    pid_t pid;

    snprintf(busy_arg, sizeof busy_arg, "--busy-poll-us=%d", SPIN_US);
    snprintf(prog, sizeof prog, "%s/tradeipc-order-manager", c->bindir);
    snprintf(log, sizeof log, "--log=%s/order_log.txt", tmpdir);
    snprintf(pf, sizeof pf, "--port-file=%s/om.port", tmpdir);
    argv[ac++] = prog;
    argv[ac++] = (char *)"--listen=127.0.0.1:0";
    argv[ac++] = pf;
    argv[ac++] = log;
    argv[ac++] = (char *)"--report-ms=0";
    argv[ac++] = commit;
    if (busy)
        argv[ac++] = busy_arg;
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

/* The sync floor: append one order-log-sized line and fdatasync it, in the
 * directory the order log uses. */
static tipc_hist *
disk_floor(size_t n)
{
    char path[128], line[290];
    tipc_hist *h = bench_hist();
    int fd;

    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    snprintf(path, sizeof path, "%s/disk_probe.txt", tmpdir);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0644);
    BENCH_CHECK(fd >= 0, "open %s: %s", path, strerror(errno));
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = bench_ns();
        bench_write_all(fd, line, sizeof line);
        BENCH_CHECK(fdatasync(fd) == 0, "fdatasync: %s", strerror(errno));
        tipc_hist_record(h, bench_ns() - t0);
    }
    close(fd);
    BENCH_CHECK(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
    return h;
}

/* One path's figures, summed over the rounds (see ROUNDS). */
/* The paths take turns: each runs ROUNDS times a share of its orders, so a
 * slow minute of this shared machine lands on all of them instead of on
 * whichever path was running then (floors moved 20-45% between runs when
 * each path ran its orders in one go). */
#define ROUNDS 5

typedef struct result {
    tipc_hist *h;
    double orders;                  /* round trips, all clients */
    double wall_ns, srv_ns, cli_ns; /* elapsed; CPU of the server side and of the clients */
    uint64_t round_p50[ROUNDS];     /* each round's own p50, to show the spread */
    int rounds;
} result;

/* Orders (round trips) per second, all clients. */
static double
per_s(const result *r)
{
    return r->orders * 1e9 / r->wall_ns;
}

static void
run(const bench_ctx *c, enum path p, int nclients, size_t n, size_t warm, result *r)
{
    shared *sh = bench_shared(sizeof *sh);
    pid_t pids[MAX_CLIENTS], om = 0;
    char out_path[128];
    int port = 0, lfd = -1;
    uint64_t t0, t1, cpu0, cpu1 = 0, cli = 0;

    if (r->h == NULL)
        r->h = bench_hist();
    snprintf(out_path, sizeof out_path, "%s/om.out", tmpdir);
    if (p == P_NOSYNC || p == P_SYNC || p == P_WRITE || p == P_SPIN || p == P_SRVSPIN) {
        char log[128];
        snprintf(log, sizeof log, "%s/order_log.txt", tmpdir);
        if (unlink(log) < 0 && errno != ENOENT)
            bench_fail("unlink %s: %s", log, strerror(errno));
        om = start_om(c,
                      p == P_SYNC    ? "--sync"
                      : p == P_WRITE ? "--commit=write"
                                     : "--no-sync",
                      p == P_SRVSPIN, &port, out_path);
    } else if (p == P_RAW || p == P_RAWCODEC || p == P_RAWSHAPE || p == P_RAWSPIN ||
               p == P_RAWSRVSPIN) {
        lfd = bench_tcp_listen(&port);
    }
    t0 = bench_ns();
    cpu0 = bench_cpu_ns(om);
    for (int i = 0; i < nclients; i++)
        pids[i] = spawn_client(c, p, port, i, n, warm, sh);
    if (p == P_RAW || p == P_RAWCODEC || p == P_RAWSHAPE || p == P_RAWSPIN || p == P_RAWSRVSPIN) {
        raw_server(lfd, nclients,
                   p == P_RAWCODEC     ? RAW_CODEC
                   : p == P_RAWSHAPE   ? RAW_SHAPE
                   : p == P_RAWSRVSPIN ? RAW_SPIN
                                       : 0);
        close(lfd);
    }
#ifdef HAVE_ZMQ
    if (p == P_ZMQ)
        zmq_server(sh, (size_t)nclients * (n + warm));
#endif
    for (int i = 0; i < nclients; i++)
        bench_wait(pids[i], "client");
    t1 = bench_ns();
    cpu1 = bench_cpu_ns(om);
    if (om > 0) {
        kill(-om, SIGINT); /* its group: a BENCH_WRAP profiler as well */
        bench_wait(om, "tradeipc-order-manager");
        check_om(out_path, (size_t)nclients * (n + warm));
    }
    tipc_hist *round = bench_hist();
    for (int i = 0; i < nclients; i++) {
        bench_hist_get(r->h, sh->hist[i]);
        bench_hist_get(round, sh->hist[i]);
        cli += sh->client_cpu_ns[i];
    }
    if (r->rounds < ROUNDS)
        r->round_p50[r->rounds++] = tipc_hist_percentile(round, 50);
    tipc_hist_destroy(round);
    r->orders += (double)nclients * (double)(n + warm);
    r->wall_ns += (double)(t1 - t0);
    r->srv_ns += (double)(cpu1 - cpu0);
    r->cli_ns += (double)cli;
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
    tipc_hist *disk;
    FILE *dat;

    bench_init(&c, "bench_order", argc, argv);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tipc-bench.XXXXXX");
    BENCH_CHECK(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
    atexit(cleanup);
    typical_sizes();
    disk = disk_floor(c.quick ? 20 : 300);
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
        size_t warm = c.quick ? 20 : 200;
        int rounds = c.quick ? 1 : ROUNDS;

        memset(r[ci], 0, sizeof r[ci]);
        for (int round = 0; round < rounds; round++)
            for (int p = 0; p < P_COUNT; p++) {
                if (p >= P_RAWSPIN && k != 1) /* 8 spinning clients on one CPU: no */
                    continue;
#ifndef HAVE_ZMQ
                if (p == P_ZMQ)
                    continue;
#endif
                run(&c, (enum path)p, k, (p == P_SYNC ? nsync : n) / (size_t)rounds,
                    p == P_SYNC ? warm / 10 : warm, &r[ci][p]);
            }
        printf("   %d strateg%s (orders/s all: raw %s, zmq %s, no-sync %s, sync %s):\n", k,
               k == 1 ? "y" : "ies", bench_fmt_rate(per_s(&r[ci][P_RAW])),
               r[ci][P_ZMQ].h ? bench_fmt_rate(per_s(&r[ci][P_ZMQ])) : "-",
               bench_fmt_rate(per_s(&r[ci][P_NOSYNC])), bench_fmt_rate(per_s(&r[ci][P_SYNC])));
        bench_lat_header();
        for (int p = 0; p < P_COUNT; p++)
            if (r[ci][p].h != NULL)
                bench_lat_row(path_name[p], r[ci][p].h,
                              r[ci][p == P_SPIN      ? P_RAWSPIN
                                    : p == P_SRVSPIN ? P_RAWSRVSPIN
                                                     : P_RAW]
                                  .h);
        if (ci == 0)
            bench_lat_row("  disk: write + fdatasync of one line", disk, NULL);
        printf("   CPU us per order, server + client:");
        for (int p = 0, first = 1; p < P_COUNT; p++)
            if (r[ci][p].h != NULL) {
                printf("%s %s %.1f+%.1f", first ? "" : ",", path_key[p],
                       r[ci][p].srv_ns / 1e3 / r[ci][p].orders,
                       r[ci][p].cli_ns / 1e3 / r[ci][p].orders);
                first = 0;
            }
        putchar('\n');
        if (r[ci][P_NOSYNC].rounds == r[ci][P_RAW].rounds && r[ci][P_RAW].rounds > 1) {
            double lo = 1e9, hi = 0;
            char key[64];
            printf("   tradeipc --no-sync p50 / floor p50, round by round:");
            for (int i = 0; i < r[ci][P_RAW].rounds; i++) {
                double x = (double)r[ci][P_NOSYNC].round_p50[i] / (double)r[ci][P_RAW].round_p50[i];
                printf(" %.2fx", x);
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            }
            putchar('\n');
            snprintf(key, sizeof key, "order.nosync.%d.round_ratio_min", k);
            bench_summary(&c, key, lo);
            snprintf(key, sizeof key, "order.nosync.%d.round_ratio_max", k);
            bench_summary(&c, key, hi);
        }
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
                for (int p = 0; p <= P_SYNC; p++) /* the columns plots.gp reads */
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
    bench_note("the paths took turns, %d rounds each (a fresh server and connection per round, "
               "its first orders not counted)",
               c.quick ? 1 : ROUNDS);
    bench_note("raw TCP + tradeipc JSON codec: the floor plus tipc_order_encode/_decode and "
               "tipc_ack_encode/_decode on the two sides (what the codec alone adds)");
    bench_note("raw TCP + the OM's system calls: the floor with the order manager's system-call "
               "shape and nothing else: the server waits in epoll_wait and write(2)s each order "
               "to a file after answering (what the kernel alone adds to an order manager "
               "that serves many strategies and logs every order)");
    bench_note("--no-sync commits each batch into the log's mapped staging file (a store, no "
               "system call; survives a crash of the process) and acks, then write(2)s the "
               "lines to the log; --commit=write write(2)s them to the log before the acks "
               "(the same crash safety, the write on the ack's path)");
    bench_note("CPU us per order: CPU time (user + system) per round trip in the server process "
               "(order manager, floor server, REP) and in the clients");
    bench_note("server spinning rows (1 strategy): the server looks for the next order without "
               "sleeping (raw: recv(MSG_DONTWAIT) in a loop; the order manager: --busy-poll-us=%d, "
               "tipc_server_opts.busy_poll_us, epoll_wait(0) in a loop for up to that long, then "
               "it sleeps); the tradeipc row's multiple is of the raw spinning server. It costs "
               "the server's CPU.",
               SPIN_US);
    bench_note("spinning rows (1 strategy): the client reads non-blocking in a loop instead of "
               "sleeping until the ack (raw: recv(MSG_DONTWAIT); tradeipc: tipc_sock_opts."
               "busy_poll_us=%d, which spins up to that long, then sleeps); the tradeipc "
               "row's multiple is of the spinning floor. It costs the client's CPU.",
               SPIN_US);
    for (int ci = 0; ci < 2; ci++)
        for (int p = 0; p < P_COUNT; p++)
            tipc_hist_destroy(r[ci][p].h);
    tipc_hist_destroy(disk);
    return 0;
}
