/* SPDX-License-Identifier: MIT */
/* Client and server over real loopback and unix sockets: handshake and
 * every reject, publish routing, heartbeats and dead peers, overflow of a
 * stuck client, hostile input, and the non-blocking paths. The server is
 * driven from the test's thread; a client connect, which blocks on the
 * handshake, runs in a helper thread while the test polls the server. Raw
 * sockets speak the wire format by hand, with HELLOs built by msgpack-c, so
 * the library is also checked against an independent msgpack encoder. */
#include <arpa/inet.h>
#include <errno.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tipc_check.h"

/* ---- helpers: time, addresses ------------------------------------------- */

static uint64_t
now_ms(void)
{
    return tipc_time_monotonic_ns() / 1000000u;
}

static void
tcp_addr(char *buf, size_t cap, const tipc_server *srv)
{
    snprintf(buf, cap, "127.0.0.1:%d", tipc_server_port(srv));
}

static void
unix_addr(char *buf, size_t cap, const char *tag)
{
    char name[96];
    tipc_test_name(name, sizeof name, tag);
    snprintf(buf, cap, "unix:/tmp%s.sock", name);
}

/* The sockaddr of a "unix:/path" address. */
static void
unix_sun(struct sockaddr_un *sun, const char *addr)
{
    size_t n = strlen(addr + 5);

    ck_assert_uint_lt(n, sizeof sun->sun_path);
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, addr + 5, n);
}

static tipc_server *
server_on(const char *addr, const tipc_server_opts *o)
{
    tipc_server *srv = NULL;
    ck_assert_tipc_ok(tipc_server_listen(&srv, addr, o));
    return srv;
}

static void
hello_init(tipc_hello *h, tipc_role role, const char *name, uint32_t streams)
{
    memset(h, 0, sizeof *h);
    h->role = role;
    h->streams = streams;
    snprintf(h->name, sizeof h->name, "%s", name);
}

/* ---- helpers: recording server events ----------------------------------- */

typedef struct rec_ev {
    tipc_server_event_kind kind;
    uint64_t conn;
    uint8_t type;
    uint32_t len;
    uint8_t data[256];
    tipc_hello hello;
    tipc_leave_reason reason;
    char why[160];
    uint64_t at;
} rec_ev;

#define REC_MAX 512

typedef struct rec {
    rec_ev ev[REC_MAX];
    int n;
} rec;

static rec *
rec_new(void)
{
    rec *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    return r;
}

/* One tipc_server_poll; events are copied out at once, since what they
 * point to is only valid until the next poll. */
static int
pump(tipc_server *srv, rec *r, int ms)
{
    tipc_server_event evs[32];
    int n = tipc_server_poll(srv, evs, 32, ms);

    ck_assert_int_ge(n, 0);
    for (int i = 0; i < n; i++) {
        rec_ev *e = &r->ev[r->n];
        ck_assert_int_lt(r->n, REC_MAX);
        memset(e, 0, sizeof *e);
        e->kind = evs[i].kind;
        e->conn = evs[i].conn;
        e->at = now_ms();
        ck_assert_uint_ne(e->conn, 0);
        if (e->kind == TIPC_SERVER_JOIN) {
            ck_assert_ptr_nonnull(evs[i].hello);
            e->hello = *evs[i].hello;
        } else if (e->kind == TIPC_SERVER_FRAME) {
            e->type = evs[i].frame.type;
            e->len = evs[i].frame.len;
            memcpy(e->data, evs[i].frame.data, e->len < 256 ? e->len : 256);
        } else {
            ck_assert_int_eq(e->kind, TIPC_SERVER_LEAVE);
            ck_assert_ptr_nonnull(evs[i].why);
            e->reason = evs[i].reason;
            snprintf(e->why, sizeof e->why, "%s", evs[i].why);
        }
        r->n++;
    }
    return n;
}

/* Poll until an event of kind (for conn, or any when 0) is recorded at
 * index from or later; returns its index or -1 after ms. */
static int
pump_until_from(tipc_server *srv, rec *r, tipc_server_event_kind kind, uint64_t conn, int ms,
                int from)
{
    uint64_t end = now_ms() + (uint64_t)ms;

    for (;;) {
        for (int i = from; i < r->n; i++)
            if (r->ev[i].kind == kind && (conn == 0 || r->ev[i].conn == conn))
                return i;
        from = r->n;
        if (now_ms() >= end)
            return -1;
        pump(srv, r, 10);
    }
}

static int
pump_until(tipc_server *srv, rec *r, tipc_server_event_kind kind, uint64_t conn, int ms)
{
    return pump_until_from(srv, r, kind, conn, ms, 0);
}

static int
count_kind(const rec *r, tipc_server_event_kind kind)
{
    int k = 0;
    for (int i = 0; i < r->n; i++)
        k += r->ev[i].kind == kind;
    return k;
}

/* ---- helpers: connecting in a thread ------------------------------------ */

typedef struct job {
    char addr[160];
    tipc_hello hello;
    tipc_sock_opts opts;
    tipc_sock *s;
    tipc_welcome w;
    char why[256];
    int rc;
    atomic_int done;
} job;

static void *
job_run(void *arg)
{
    job *j = arg;
    j->rc = tipc_sock_connect(&j->s, j->addr, &j->hello, &j->opts, &j->w, j->why, sizeof j->why);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Connect while the test's thread keeps polling the server. */
static int
connect_pumping(tipc_server *srv, rec *r, job *j)
{
    pthread_t th;
    uint64_t end = now_ms() + 5000;

    atomic_store(&j->done, 0);
    j->s = NULL;
    ck_assert_int_eq(pthread_create(&th, NULL, job_run, j), 0);
    while (!atomic_load(&j->done) && now_ms() < end)
        pump(srv, r, 5);
    pthread_join(th, NULL);
    return j->rc;
}

static tipc_sock *
join(tipc_server *srv, rec *r, const char *addr, const tipc_hello *h, const tipc_sock_opts *o,
     uint64_t *id)
{
    job j;
    int at;

    memset(&j, 0, sizeof j);
    snprintf(j.addr, sizeof j.addr, "%s", addr);
    j.hello = *h;
    if (o != NULL)
        j.opts = *o;
    ck_assert_msg(connect_pumping(srv, r, &j) == 0, "connect: %s (%s)", tipc_err_name(j.rc), j.why);
    at = pump_until(srv, r, TIPC_SERVER_JOIN, j.w.conn_id, 1000);
    ck_assert_int_ge(at, 0);
    if (id != NULL)
        *id = j.w.conn_id;
    return j.s;
}

/* Receive one data frame, polling the server meanwhile so heartbeats and
 * output keep moving. */
static int
recv_pumping(tipc_sock *s, tipc_server *srv, rec *r, tipc_frame *f, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    int rc;

    for (;;) {
        rc = tipc_sock_recv(s, f, 0);
        if (rc != TIPC_EAGAIN || now_ms() >= end)
            return rc;
        if (srv != NULL)
            pump(srv, r, 1);
        else
            usleep(1000);
    }
}

/* ---- helpers: raw sockets speaking the wire format ---------------------- */

static int
raw_tcp(int port, int rcvbuf)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    if (rcvbuf > 0)
        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void
raw_send(int fd, const void *p, size_t n)
{
    ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
raw_frame(int fd, uint8_t type, const void *payload, size_t len)
{
    uint8_t hdr[5] = {(uint8_t)((len + 1) >> 24), (uint8_t)((len + 1) >> 16),
                      (uint8_t)((len + 1) >> 8), (uint8_t)(len + 1), type};
    raw_send(fd, hdr, 5);
    if (len > 0)
        raw_send(fd, payload, len);
}

/* Exactly n bytes within ms; returns n, 0 on EOF, -1 on timeout. */
static ssize_t
raw_read_n(int fd, uint8_t *buf, size_t n, int ms)
{
    size_t got = 0;
    uint64_t end = now_ms() + (uint64_t)ms;

    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t k;
        uint64_t t = now_ms();
        if (t >= end || poll(&p, 1, (int)(end - t)) <= 0)
            return -1;
        k = recv(fd, buf + got, n - got, 0);
        if (k <= 0)
            return k == 0 ? 0 : -1;
        got += (size_t)k;
    }
    return (ssize_t)n;
}

/* One frame: 1 and its type/payload, 0 on EOF, -1 on timeout. */
static int
raw_read_frame(int fd, uint8_t *type, uint8_t *buf, size_t cap, uint32_t *len, int ms)
{
    uint8_t hdr[5];
    ssize_t k = raw_read_n(fd, hdr, 5, ms);
    uint32_t l;

    if (k <= 0)
        return (int)k;
    l = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    ck_assert_uint_ge(l, 1);
    ck_assert_uint_le(l - 1, cap);
    *type = hdr[4];
    *len = l - 1;
    if (l > 1 && raw_read_n(fd, buf, l - 1, ms) != (ssize_t)(l - 1))
        return -1;
    return 1;
}

/* The reason string of a REJECT/BYE payload, decoded with msgpack-c. */
static void
mp_reason(const uint8_t *p, uint32_t n, char *out, size_t cap)
{
    msgpack_unpacked u;
    size_t off = 0;

    out[0] = '\0';
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, (const char *)p, n, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(u.data.type, MSGPACK_OBJECT_MAP);
    for (uint32_t i = 0; i < u.data.via.map.size; i++) {
        msgpack_object_kv *kv = &u.data.via.map.ptr[i];
        if (kv->key.via.str.size == 6 && memcmp(kv->key.via.str.ptr, "reason", 6) == 0) {
            ck_assert_int_eq(kv->val.type, MSGPACK_OBJECT_STR);
            snprintf(out, cap, "%.*s", (int)kv->val.via.str.size, kv->val.via.str.ptr);
        }
    }
    msgpack_unpacked_destroy(&u);
}

static void
mp_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

/* A HELLO payload built by msgpack-c. */
static void
mp_hello(msgpack_sbuffer *sb, unsigned version, const char *role, const char *name,
         const char *token, unsigned streams, int nsyms, const char *const *syms)
{
    msgpack_packer pk;

    msgpack_sbuffer_init(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4 + (token != NULL) + (nsyms > 0));
    mp_str(&pk, "version");
    msgpack_pack_unsigned_int(&pk, version);
    mp_str(&pk, "role");
    mp_str(&pk, role);
    mp_str(&pk, "name");
    mp_str(&pk, name);
    mp_str(&pk, "streams");
    msgpack_pack_unsigned_int(&pk, streams);
    if (token != NULL) {
        mp_str(&pk, "token");
        mp_str(&pk, token);
    }
    if (nsyms > 0) {
        mp_str(&pk, "symbols");
        msgpack_pack_array(&pk, (size_t)nsyms);
        for (int i = 0; i < nsyms; i++)
            mp_str(&pk, syms[i]);
    }
}

/* A raw client that completes the handshake by hand. */
static int
raw_join(tipc_server *srv, rec *r, int rcvbuf, uint64_t *id)
{
    msgpack_sbuffer sb;
    uint8_t type, buf[512];
    uint32_t len;
    int fd = raw_tcp(tipc_server_port(srv), rcvbuf), at, from = r->n;

    mp_hello(&sb, 1, "subscriber", "raw", NULL, TIPC_STREAM_PRICES, 0, NULL);
    raw_frame(fd, TIPC_MSG_HELLO, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    at = pump_until_from(srv, r, TIPC_SERVER_JOIN, 0, 2000, from);
    ck_assert_int_ge(at, 0);
    *id = r->ev[at].conn;
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_WELCOME);
    return fd;
}

/* ======================================================================== */
/* core                                                                     */
/* ======================================================================== */

START_TEST(test_sock_handshake_accept)
{
    tipc_server_opts so = {.name = "gw", .heartbeat_ms = 700};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    job j;
    int at;

    ck_assert_int_gt(tipc_server_port(srv), 0);
    tcp_addr(addr, sizeof addr, srv);
    memset(&j, 0, sizeof j);
    snprintf(j.addr, sizeof j.addr, "%s", addr);
    hello_init(&j.hello, TIPC_ROLE_SUBSCRIBER, "sub1", TIPC_STREAM_PRICES | TIPC_STREAM_NEWS | 8);
    j.hello.nsymbols = 2;
    strcpy(j.hello.symbols[0], "AAPL");
    strcpy(j.hello.symbols[1], "BRK.B");
    ck_assert_tipc_ok(connect_pumping(srv, r, &j));
    ck_assert_str_eq(j.why, "");
    ck_assert_uint_eq(j.w.version, TIPC_PROTO_VERSION);
    ck_assert_uint_eq(j.w.streams, TIPC_STREAM_PRICES | TIPC_STREAM_NEWS); /* 8 is not a stream */
    ck_assert_uint_eq(j.w.nsymbols, 2);
    ck_assert_uint_eq(j.w.heartbeat_ms, 700);
    ck_assert_uint_eq(j.w.max_frame, TIPC_FRAME_MAX_DEFAULT);
    ck_assert_str_eq(j.w.server, "gw");

    at = pump_until(srv, r, TIPC_SERVER_JOIN, 0, 1000);
    ck_assert_int_ge(at, 0);
    ck_assert_uint_eq(r->ev[at].conn, j.w.conn_id);
    ck_assert_str_eq(r->ev[at].hello.name, "sub1");
    ck_assert_int_eq(r->ev[at].hello.role, TIPC_ROLE_SUBSCRIBER);
    ck_assert_uint_eq(r->ev[at].hello.streams, TIPC_STREAM_PRICES | TIPC_STREAM_NEWS);
    ck_assert_uint_eq(r->ev[at].hello.version, 1);
    ck_assert_uint_eq(r->ev[at].hello.nsymbols, 2);
    ck_assert_str_eq(r->ev[at].hello.symbols[0], "AAPL");
    ck_assert_str_eq(r->ev[at].hello.symbols[1], "BRK.B");
    ck_assert_str_eq(r->ev[at].hello.token, "");
    ck_assert_int_eq(tipc_server_conn_count(srv), 1);
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_LEAVE), 0);

    tipc_sock_close(j.s);
    ck_assert_int_ge(pump_until(srv, r, TIPC_SERVER_LEAVE, j.w.conn_id, 2000), 0);
    ck_assert_int_eq(tipc_server_conn_count(srv), 0);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_frames_both_ways_in_order)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    uint64_t id;
    tipc_sock *s;
    int frames = 0;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_STRATEGY, "strat", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, &id);

    /* server -> client: many small frames in one flush, so one read(2)
     * carries many frames; plus an empty payload */
    for (uint32_t i = 0; i < 2000; i++)
        ck_assert_tipc_ok(tipc_server_send(srv, id, TIPC_MSG_TICK, &i, sizeof i));
    ck_assert_tipc_ok(tipc_server_send(srv, id, TIPC_MSG_SNAPSHOT_END, NULL, 0));
    ck_assert_int_ge(tipc_server_flush(srv), 0);
    for (uint32_t i = 0; i < 2000; i++) {
        uint32_t v;
        ck_assert_tipc_ok(recv_pumping(s, srv, r, &f, 2000));
        ck_assert_uint_eq(f.type, TIPC_MSG_TICK);
        ck_assert_uint_eq(f.len, 4);
        memcpy(&v, f.data, 4);
        ck_assert_uint_eq(v, i);
    }
    ck_assert_tipc_ok(recv_pumping(s, srv, r, &f, 2000));
    ck_assert_uint_eq(f.type, TIPC_MSG_SNAPSHOT_END);
    ck_assert_uint_eq(f.len, 0);

    /* client -> server */
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, "{\"id\":1}", 8, 0));
    ck_assert_tipc_ok(tipc_sock_send(s, 0x7e, "x", 1, 0));
    for (uint64_t end = now_ms() + 2000; frames < 2 && now_ms() < end;) {
        pump(srv, r, 10);
        frames = count_kind(r, TIPC_SERVER_FRAME);
    }
    ck_assert_int_eq(frames, 2);
    for (int i = 0, k = 0; i < r->n; i++) {
        if (r->ev[i].kind != TIPC_SERVER_FRAME)
            continue;
        ck_assert_uint_eq(r->ev[i].conn, id);
        if (k++ == 0) {
            ck_assert_uint_eq(r->ev[i].type, TIPC_MSG_ORDER);
            ck_assert_uint_eq(r->ev[i].len, 8);
            ck_assert_mem_eq(r->ev[i].data, "{\"id\":1}", 8);
        } else {
            ck_assert_uint_eq(r->ev[i].type, 0x7e);
            ck_assert_mem_eq(r->ev[i].data, "x", 1);
        }
    }
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

typedef struct rx_item {
    uint8_t type;
    char text[16];
} rx_item;

static int
drain_client(tipc_sock *s, tipc_server *srv, rec *r, rx_item *out, int max)
{
    tipc_frame f;
    int n = 0;

    while (recv_pumping(s, srv, r, &f, 150) == 0) {
        ck_assert_int_lt(n, max);
        out[n].type = f.type;
        snprintf(out[n].text, sizeof out[n].text, "%.*s", (int)f.len, (const char *)f.data);
        n++;
    }
    return n;
}

START_TEST(test_sock_publish_honours_streams_and_filters)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello ha, hb, hc;
    tipc_sock *a, *b, *c;
    rx_item g[8];

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&ha, TIPC_ROLE_SUBSCRIBER, "a", TIPC_STREAM_PRICES);
    hello_init(&hb, TIPC_ROLE_STRATEGY, "b", TIPC_STREAM_PRICES | TIPC_STREAM_NEWS);
    hb.nsymbols = 2;
    strcpy(hb.symbols[0], "AAPL");
    strcpy(hb.symbols[1], "NVDA");
    hello_init(&hc, TIPC_ROLE_MONITOR, "c", TIPC_STREAM_NEWS);
    a = join(srv, r, addr, &ha, NULL, NULL);
    b = join(srv, r, addr, &hb, NULL, NULL);
    c = join(srv, r, addr, &hc, NULL, NULL);

    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "AAPL", TIPC_MSG_TICK, "a1", 2),
                     2);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "MSFT", TIPC_MSG_TICK, "m1", 2),
                     1);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_NEWS, "AAPL", TIPC_MSG_NEWS, "n1", 2), 2);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_NEWS, "MSFT", TIPC_MSG_NEWS, "n2", 2), 1);
    /* a prefix or a longer name is not a match */
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "AAP", TIPC_MSG_TICK, "x1", 2),
                     1);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "AAPLX", TIPC_MSG_TICK, "x2", 2),
                     1);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "NVDA", TIPC_MSG_TICK, "v1", 2),
                     2);
    /* no symbol: filters do not apply */
    ck_assert_int_eq(
        tipc_server_publish(srv, TIPC_STREAM_PRICES, NULL, TIPC_MSG_SNAPSHOT_BEGIN, "s", 1), 2);
    ck_assert_tipc_err(tipc_server_publish(srv, 3, "AAPL", TIPC_MSG_TICK, "z", 1), TIPC_EINVAL);
    ck_assert_tipc_err(
        tipc_server_publish(srv, TIPC_STREAM_PRICES, "AAPL", TIPC_MSG_HEARTBEAT, "z", 1),
        TIPC_EINVAL);
    (void)tipc_server_flush(srv);

    ck_assert_int_eq(drain_client(a, srv, r, g, 8), 6);
    ck_assert_str_eq(g[0].text, "a1");
    ck_assert_str_eq(g[1].text, "m1");
    ck_assert_str_eq(g[2].text, "x1");
    ck_assert_str_eq(g[3].text, "x2");
    ck_assert_str_eq(g[4].text, "v1");
    ck_assert_str_eq(g[5].text, "s");
    ck_assert_uint_eq(g[5].type, TIPC_MSG_SNAPSHOT_BEGIN);

    ck_assert_int_eq(drain_client(b, srv, r, g, 8), 4);
    ck_assert_str_eq(g[0].text, "a1");
    ck_assert_uint_eq(g[0].type, TIPC_MSG_TICK);
    ck_assert_str_eq(g[1].text, "n1");
    ck_assert_uint_eq(g[1].type, TIPC_MSG_NEWS);
    ck_assert_str_eq(g[2].text, "v1");
    ck_assert_str_eq(g[3].text, "s");

    ck_assert_int_eq(drain_client(c, srv, r, g, 8), 2);
    ck_assert_str_eq(g[0].text, "n1");
    ck_assert_str_eq(g[1].text, "n2");

    tipc_sock_close(a);
    tipc_sock_close(b);
    tipc_sock_close(c);
    tipc_server_close(srv);
    free(r);
}
END_TEST

static void
unix_roundtrip(const char *addr)
{
    tipc_server *srv = server_on(addr, NULL);
    rec *r = rec_new();
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t id;

    ck_assert_int_eq(tipc_server_port(srv), 0);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "u", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, &id);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "X", TIPC_MSG_TICK, "hi", 2), 1);
    (void)tipc_server_flush(srv);
    ck_assert_tipc_ok(recv_pumping(s, srv, r, &f, 2000));
    ck_assert_uint_eq(f.len, 2);
    ck_assert_mem_eq(f.data, "hi", 2);
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, "o", 1, 0));
    ck_assert_int_ge(pump_until(srv, r, TIPC_SERVER_FRAME, id, 2000), 0);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}

START_TEST(test_sock_unix_socket_path)
{
    char addr[128];

    unix_addr(addr, sizeof addr, "sock");
    unix_roundtrip(addr);
    /* the server removed its socket file */
    ck_assert_int_eq(access(addr + 5, F_OK), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_sock_unix_stale_path_replaced)
{
    char addr[128];
    struct sockaddr_un sun;
    int fd;

    /* a socket file left by a server that died without cleaning up */
    unix_addr(addr, sizeof addr, "stale");
    unix_sun(&sun, addr);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    close(fd);
    ck_assert_int_eq(access(addr + 5, F_OK), 0);
    unix_roundtrip(addr);
    ck_assert_int_eq(access(addr + 5, F_OK), -1);
}
END_TEST

START_TEST(test_sock_unix_live_path_not_stolen)
{
    char addr[128];
    tipc_server *srv = NULL, *srv2 = NULL;

    unix_addr(addr, sizeof addr, "live");
    ck_assert_tipc_ok(tipc_server_listen(&srv, addr, NULL));
    ck_assert_tipc_err(tipc_server_listen(&srv2, addr, NULL), TIPC_EADDRINUSE);
    ck_assert_ptr_null(srv2);
    tipc_server_close(srv);
    ck_assert_int_eq(access(addr + 5, F_OK), -1);
}
END_TEST

START_TEST(test_sock_unix_abstract)
{
    char name[96], addr[128];

    tipc_test_name(name, sizeof name, "abstract");
    snprintf(addr, sizeof addr, "unix:@%s", name + 1);
    unix_roundtrip(addr);
}
END_TEST

START_TEST(test_sock_ipv6_loopback)
{
    tipc_server *srv = NULL;
    rec *r;
    tipc_hello h;
    tipc_sock *s;
    char addr[64];
    int rc = tipc_server_listen(&srv, "[::1]:0", NULL);

    if (rc == TIPC_EADDRNOTAVAIL || rc == -EAFNOSUPPORT || rc == TIPC_ENOENT) {
        fprintf(stderr, "skip: no IPv6 loopback here\n");
        return;
    }
    ck_assert_tipc_ok(rc);
    r = rec_new();
    snprintf(addr, sizeof addr, "[::1]:%d", tipc_server_port(srv));
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "v6", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, NULL);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_send_more_batches_until_flush)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id;
    int first;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_STRATEGY, "batch", 0);
    s = join(srv, r, addr, &h, NULL, &id);
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, "1", 1, TIPC_SEND_MORE));
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, "2", 1, TIPC_SEND_MORE));
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, "3", 1, TIPC_SEND_MORE));
    ck_assert_int_eq(tipc_sock_events(s), POLLIN | POLLOUT);
    pump(srv, r, 50);
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_FRAME), 0);
    ck_assert_tipc_ok(tipc_sock_flush(s, 1000));
    ck_assert_int_eq(tipc_sock_events(s), POLLIN);
    first = pump_until(srv, r, TIPC_SERVER_FRAME, id, 2000);
    ck_assert_int_ge(first, 0);
    while (count_kind(r, TIPC_SERVER_FRAME) < 3)
        pump(srv, r, 10);
    ck_assert_int_eq(r->ev[first].data[0], '1');
    ck_assert_int_eq(r->ev[first + 1].data[0], '2');
    ck_assert_int_eq(r->ev[first + 2].data[0], '3');
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_close_conn_sends_bye)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t id;
    int at;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "bye", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, &id);
    ck_assert_tipc_ok(tipc_server_send(srv, id, TIPC_MSG_TICK, "last", 4));
    ck_assert_tipc_ok(tipc_server_close_conn(srv, id, "maintenance"));
    ck_assert_tipc_err(tipc_server_close_conn(srv, id, "again"), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_server_send(srv, id, TIPC_MSG_TICK, "x", 1), TIPC_ENOENT);
    ck_assert_int_eq(tipc_server_conn_count(srv), 0);
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, id, 1000);
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_CLOSED);
    ck_assert_str_eq(r->ev[at].why, "maintenance");
    /* the frame queued before the close still arrives, then the end */
    ck_assert_tipc_ok(tipc_sock_recv(s, &f, 2000));
    ck_assert_mem_eq(f.data, "last", 4);
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 2000), TIPC_ECLOSED);
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 0), TIPC_ECLOSED);
    ck_assert_tipc_err(tipc_sock_send(s, TIPC_MSG_ORDER, "x", 1, 0), TIPC_ECLOSED);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_client_close_is_peer_closed)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id;
    int at;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "leaver", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, &id);
    tipc_sock_close(s);
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, id, 2000);
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_PEER_CLOSED);
    ck_assert_str_eq(r->ev[at].why, "BYE: client closed");
    ck_assert_str_eq(tipc_leave_reason_name(r->ev[at].reason), "peer closed");
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_server_close_ends_clients)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "orphan", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, NULL);
    tipc_server_close(srv);
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 2000), TIPC_ECLOSED);
    tipc_sock_close(s);
    free(r);
}
END_TEST

START_TEST(test_sock_small_event_array_keeps_order)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id;
    uint32_t next = 0;
    uint64_t end;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_STRATEGY, "one-at-a-time", 0);
    s = join(srv, r, addr, &h, NULL, &id);
    for (uint32_t i = 0; i < 300; i++)
        ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, &i, sizeof i, TIPC_SEND_MORE));
    ck_assert_tipc_ok(tipc_sock_flush(s, 1000));
    tipc_sock_close(s);
    /* one event per poll: frames stay valid until the next poll and none
     * is lost or reordered, and LEAVE comes last */
    end = now_ms() + 3000;
    for (;;) {
        tipc_server_event ev;
        int n = tipc_server_poll(srv, &ev, 1, 10);
        ck_assert_int_ge(n, 0);
        ck_assert_uint_lt(now_ms(), end);
        if (n == 0)
            continue;
        ck_assert_uint_eq(ev.conn, id);
        if (ev.kind == TIPC_SERVER_LEAVE) {
            ck_assert_int_eq(ev.reason, TIPC_LEAVE_PEER_CLOSED);
            break;
        }
        ck_assert_int_eq(ev.kind, TIPC_SERVER_FRAME);
        ck_assert_uint_eq(ev.frame.len, 4);
        {
            uint32_t v;
            memcpy(&v, ev.frame.data, 4);
            ck_assert_uint_eq(v, next);
        }
        next++;
    }
    ck_assert_uint_eq(next, 300);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* tipc_server_poll_ns: the same events as tipc_server_poll; an idle wait
 * lasts at least its timeout (a lower bound, never a speed check). */
START_TEST(test_sock_server_poll_ns)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    tipc_server_event ev;
    char addr[64];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id, t0, end;
    uint32_t next = 0;
    int n;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_STRATEGY, "ns", 0);
    s = join(srv, r, addr, &h, NULL, &id);
    ck_assert_tipc_err(tipc_server_poll_ns(srv, &ev, 0, 0), TIPC_EINVAL);

    t0 = tipc_time_monotonic_ns();
    ck_assert_int_eq(tipc_server_poll_ns(srv, &ev, 1, 300000), 0);
    ck_assert_uint_ge(tipc_time_monotonic_ns() - t0, 300000);

    for (uint32_t i = 0; i < 3; i++)
        ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, &i, sizeof i, 0));
    end = now_ms() + 3000;
    while (next < 3) {
        ck_assert_uint_lt(now_ms(), end);
        n = tipc_server_poll_ns(srv, &ev, 1, 5000000);
        ck_assert_int_ge(n, 0);
        if (n == 0)
            continue;
        ck_assert_int_eq(ev.kind, TIPC_SERVER_FRAME);
        ck_assert_uint_eq(ev.conn, id);
        ck_assert_uint_eq(ev.frame.len, 4);
        uint32_t v;
        memcpy(&v, ev.frame.data, 4);
        ck_assert_uint_eq(v, next++);
    }
    /* Negative: wait for as long as it takes (the LEAVE is on its way). */
    tipc_sock_close(s);
    do
        n = tipc_server_poll_ns(srv, &ev, 1, -1);
    while (n == 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ev.kind, TIPC_SERVER_LEAVE);
    ck_assert_int_eq(ev.reason, TIPC_LEAVE_PEER_CLOSED);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_server_fd_nests_in_poll)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    tipc_server_event ev;
    struct pollfd p;
    int fd, n = 0;
    uint64_t end = now_ms() + 2000;

    fd = raw_tcp(tipc_server_port(srv), 0);
    raw_send(fd, "\x00\x00\x00\x01\x99", 5); /* not a HELLO: rejected */
    p.fd = tipc_server_fd(srv);
    p.events = POLLIN;
    while (n == 0 && now_ms() < end) {
        int t = tipc_server_next_timeout_ms(srv);
        ck_assert_int_ge(t, 0);
        ck_assert_int_ge(poll(&p, 1, t > 100 ? 100 : t), 0);
        n = tipc_server_poll(srv, &ev, 1, 0);
        ck_assert_int_ge(n, 0);
    }
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ev.kind, TIPC_SERVER_LEAVE);
    ck_assert_int_eq(ev.reason, TIPC_LEAVE_PROTOCOL_ERROR);
    ck_assert_str_eq(ev.why, "expected HELLO, got DATA (0x99)");
    close(fd);
    tipc_server_close(srv);
}
END_TEST

/* ======================================================================== */
/* errors                                                                   */
/* ======================================================================== */

/* Connect with hello h to a server with opts so; expect a REJECT with
 * exactly this reason, on both sides. */
static void
expect_reject(const tipc_server_opts *so, const tipc_hello *h, const char *reason)
{
    tipc_server *srv = server_on("127.0.0.1:0", so);
    rec *r = rec_new();
    job j;
    int at;

    memset(&j, 0, sizeof j);
    tcp_addr(j.addr, sizeof j.addr, srv);
    j.hello = *h;
    ck_assert_tipc_err(connect_pumping(srv, r, &j), TIPC_EREJECTED);
    ck_assert_ptr_null(j.s);
    ck_assert_str_eq(j.why, reason);
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, 0, 1000);
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_REJECTED);
    ck_assert_str_eq(r->ev[at].why, reason);
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_JOIN), 0);
    ck_assert_int_eq(tipc_server_conn_count(srv), 0);
    tipc_server_close(srv);
    free(r);
}

START_TEST(test_sock_reject_version)
{
    tipc_hello h;

    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "future", TIPC_STREAM_PRICES);
    h.version = 99;
    expect_reject(NULL, &h, "unsupported protocol version 99 (server speaks 1)");
}
END_TEST

START_TEST(test_sock_reject_role)
{
    tipc_server_opts so = {.allowed_roles = TIPC_ROLE_SUBSCRIBER | TIPC_ROLE_MONITOR};
    tipc_hello h;

    hello_init(&h, TIPC_ROLE_STRATEGY, "sneaky", TIPC_STREAM_PRICES);
    expect_reject(&so, &h, "role strategy not allowed");
}
END_TEST

START_TEST(test_sock_reject_bad_token)
{
    tipc_server_opts so = {.token = "s3cret-token"};
    tipc_hello h;

    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "guess", TIPC_STREAM_PRICES);
    strcpy(h.token, "s3cret-tokeN");
    expect_reject(&so, &h, "bad token");
    strcpy(h.token, "s3cret-token-and-more");
    expect_reject(&so, &h, "bad token");
    strcpy(h.token, "s3cret");
    expect_reject(&so, &h, "bad token");
}
END_TEST

START_TEST(test_sock_reject_missing_token)
{
    tipc_server_opts so = {.token = "s3cret-token"};
    tipc_hello h;

    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "anon", TIPC_STREAM_PRICES);
    expect_reject(&so, &h, "token required");
}
END_TEST

START_TEST(test_sock_good_token_accepted_and_hidden)
{
    tipc_server_opts so = {.token = "s3cret-token"};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_sock *s;
    int at;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "trusted", TIPC_STREAM_PRICES);
    strcpy(h.token, "s3cret-token");
    s = join(srv, r, addr, &h, NULL, NULL);
    at = pump_until(srv, r, TIPC_SERVER_JOIN, 0, 10);
    ck_assert_str_eq(r->ev[at].hello.token, "");
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_invalid_hello_refused_locally)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    char addr[64], why[128];
    tipc_hello h;
    tipc_sock *s = NULL;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "", TIPC_STREAM_PRICES); /* no name */
    ck_assert_tipc_err(tipc_sock_connect(&s, addr, &h, NULL, NULL, why, sizeof why), TIPC_EINVAL);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER | TIPC_ROLE_STRATEGY, "two-roles", TIPC_STREAM_PRICES);
    ck_assert_tipc_err(tipc_sock_connect(&s, addr, &h, NULL, NULL, why, sizeof why), TIPC_EINVAL);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "badsym", TIPC_STREAM_PRICES);
    h.nsymbols = 1;
    strcpy(h.symbols[0], "A B");
    ck_assert_tipc_err(tipc_sock_connect(&s, addr, &h, NULL, NULL, why, sizeof why), TIPC_EINVAL);
    ck_assert_ptr_null(s);
    tipc_server_close(srv);
}
END_TEST

START_TEST(test_sock_connect_refused)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    char addr[64], why[128];
    tipc_hello h;
    tipc_sock *s = NULL;

    tcp_addr(addr, sizeof addr, srv);
    tipc_server_close(srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "late", TIPC_STREAM_PRICES);
    ck_assert_tipc_err(tipc_sock_connect(&s, addr, &h, NULL, NULL, why, sizeof why),
                       TIPC_ECONNREFUSED);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(why, "refused"));
}
END_TEST

START_TEST(test_sock_connect_times_out_without_welcome)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL); /* never polled */
    tipc_sock_opts o = {.connect_timeout_ms = 200};
    char addr[64], why[128];
    tipc_hello h;
    tipc_sock *s = NULL;
    uint64_t t0 = now_ms(), dt;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "patient", TIPC_STREAM_PRICES);
    ck_assert_tipc_err(tipc_sock_connect(&s, addr, &h, &o, NULL, why, sizeof why), TIPC_ETIMEDOUT);
    dt = now_ms() - t0;
    ck_assert_uint_ge(dt, 190);
    ck_assert_uint_le(dt, 1500);
    ck_assert_ptr_null(s);
    tipc_server_close(srv);
}
END_TEST

START_TEST(test_sock_bad_addresses)
{
    static const char *const bad[] = {"nocolon", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:12a",
                                      "[::1:5",  "unix:",      "unix:@",          NULL};
    tipc_server *srv = NULL;
    tipc_sock *s = NULL;
    tipc_hello h;
    char longpath[200];

    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "x", 0);
    for (int i = 0; bad[i] != NULL; i++) {
        ck_assert_tipc_err(tipc_server_listen(&srv, bad[i], NULL), TIPC_EINVAL);
        ck_assert_tipc_err(tipc_sock_connect(&s, bad[i], &h, NULL, NULL, NULL, 0), TIPC_EINVAL);
    }
    ck_assert_tipc_err(tipc_sock_connect(&s, "127.0.0.1:0", &h, NULL, NULL, NULL, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_sock_connect(&s, "*:5555", &h, NULL, NULL, NULL, 0), TIPC_EINVAL);
    memset(longpath, 'a', sizeof longpath);
    memcpy(longpath, "unix:/tmp/", 10);
    longpath[sizeof longpath - 1] = '\0';
    ck_assert_tipc_err(tipc_server_listen(&srv, longpath, NULL), TIPC_ENAMETOOLONG);
    ck_assert_tipc_err(tipc_sock_connect(&s, longpath, &h, NULL, NULL, NULL, 0), TIPC_ENAMETOOLONG);
    {
        /* no DNS in a sandbox answers EAI_AGAIN rather than EAI_NONAME */
        int rc = tipc_sock_connect(&s, "no-such-host.invalid:5555", &h, NULL, NULL, NULL, 0);
        ck_assert_msg(rc == TIPC_ENOENT || rc == TIPC_EAGAIN, "%s", tipc_err_name(rc));
    }
    ck_assert_ptr_null(srv);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_sock_port_in_use)
{
    tipc_server *a = server_on("127.0.0.1:0", NULL), *b = NULL;
    char addr[64];

    tcp_addr(addr, sizeof addr, a);
    ck_assert_tipc_err(tipc_server_listen(&b, addr, NULL), TIPC_EADDRINUSE);
    ck_assert_ptr_null(b);
    tipc_server_close(a);
}
END_TEST

START_TEST(test_sock_invalid_options)
{
    tipc_server *srv = NULL;
    tipc_server_opts so;
    tipc_sock_opts o = {.out_cap = 1000};
    tipc_sock *s = NULL;
    tipc_hello h;

    memset(&so, 0, sizeof so);
    so.max_frame = TIPC_FRAME_MAX_LIMIT + 1;
    ck_assert_tipc_err(tipc_server_listen(&srv, "127.0.0.1:0", &so), TIPC_EINVAL);
    so.max_frame = 8192;
    so.out_cap = 8192; /* cannot hold one maximal frame */
    ck_assert_tipc_err(tipc_server_listen(&srv, "127.0.0.1:0", &so), TIPC_EINVAL);
    memset(&so, 0, sizeof so);
    so.allowed_roles = 64;
    ck_assert_tipc_err(tipc_server_listen(&srv, "127.0.0.1:0", &so), TIPC_EINVAL);
    memset(&so, 0, sizeof so);
    so.name = "bad\nname";
    ck_assert_tipc_err(tipc_server_listen(&srv, "127.0.0.1:0", &so), TIPC_EINVAL);
    memset(&so, 0, sizeof so);
    so.busy_poll_us = 1000001;
    ck_assert_tipc_err(tipc_server_listen(&srv, "127.0.0.1:0", &so), TIPC_EINVAL);
    ck_assert_ptr_null(srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "x", 0);
    ck_assert_tipc_err(tipc_sock_connect(&s, "127.0.0.1:1", &h, &o, NULL, NULL, 0), TIPC_EINVAL);
    o.out_cap = 0;
    o.busy_poll_us = 1000001; /* more than a second of spinning is a mistake */
    ck_assert_tipc_err(tipc_sock_connect(&s, "127.0.0.1:1", &h, &o, NULL, NULL, 0), TIPC_EINVAL);
    ck_assert_ptr_null(s);
}
END_TEST

typedef struct spin_feed {
    tipc_server *srv;
    uint64_t id;
    uint32_t n, gap_us;
} spin_feed;

/* The server's side, on its own thread: frame i every gap_us (three times a
 * gap of 30 ms, longer than the reader's spin); the main thread only reads. */
static void *
spin_feed_run(void *arg)
{
    spin_feed *sf = arg;
    tipc_server_event ev[8];

    for (uint32_t i = 0; i < sf->n; i++) {
        usleep(i % 13 == 12 ? 30000 : sf->gap_us);
        if (tipc_server_send(sf->srv, sf->id, TIPC_MSG_TICK, &i, sizeof i) != 0)
            break;
        if (i % 5 == 3 && ++i < sf->n && /* two frames in one write */
            tipc_server_send(sf->srv, sf->id, TIPC_MSG_TICK, &i, sizeof i) != 0)
            break;
        if (tipc_server_flush(sf->srv) < 0 || tipc_server_poll(sf->srv, ev, 8, 0) < 0)
            break;
    }
    return NULL;
}

/* busy_poll_us changes how tipc_sock_recv waits, never what it returns:
 * frames in order, timeouts kept, a non-blocking recv does not spin. */
START_TEST(test_sock_busy_poll_same_results)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    tipc_sock_opts o = {.busy_poll_us = 20000};
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t t0, dt, id;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "spinner", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, &o, &id);
    t0 = now_ms();
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 0), TIPC_EAGAIN);
    ck_assert_uint_le(now_ms() - t0, 10); /* timeout 0: one read, no 20 ms spin */
    t0 = now_ms();
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 60), TIPC_EAGAIN);
    dt = now_ms() - t0;
    ck_assert_uint_ge(dt, 55);
    ck_assert_uint_le(dt, 1000);
    /* Frames that arrive while the reader spins (another thread sends one
     * every 2 ms, sometimes two), then while it sleeps after the spin. */
    spin_feed feed = {.srv = srv, .id = id, .n = 40, .gap_us = 2000};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, spin_feed_run, &feed), 0);
    for (uint32_t k = 0; k < feed.n; k++) {
        uint32_t v;
        ck_assert_tipc_ok(tipc_sock_recv(s, &f, 2000));
        ck_assert_uint_eq(f.type, TIPC_MSG_TICK);
        ck_assert_uint_eq(f.len, 4);
        memcpy(&v, f.data, 4);
        ck_assert_uint_eq(v, k);
    }
    pthread_join(th, NULL);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* The client's side of a server busy-poll test, on its own thread: frame i
 * every gap_us, with a 30 ms pause every 13 frames (longer than the
 * server's spin), so frames arrive both while it spins and while it sleeps. */
typedef struct spin_sender {
    tipc_sock *s;
    uint32_t n, gap_us;
    int rc;
} spin_sender;

static void *
spin_sender_run(void *arg)
{
    spin_sender *ss = arg;

    for (uint32_t i = 0; i < ss->n && ss->rc == 0; i++) {
        usleep(i % 13 == 12 ? 30000 : ss->gap_us);
        ss->rc = tipc_sock_send(ss->s, TIPC_MSG_ORDER, &i, sizeof i, 0);
    }
    return NULL;
}

/* busy_poll_us changes how tipc_server_poll waits, never what it returns:
 * frames in order, timeouts kept, a poll with timeout 0 does not spin. */
START_TEST(test_sock_server_busy_poll_same_results)
{
    tipc_server_opts so = {.busy_poll_us = 200000};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    tipc_server_event ev[8];
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    uint64_t t0, dt, end;
    uint32_t got = 0;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_STRATEGY, "sender", 0);
    spin_sender ss = {.s = join(srv, r, addr, &h, NULL, NULL), .n = 40, .gap_us = 2000};
    t0 = now_ms();
    ck_assert_int_eq(tipc_server_poll(srv, ev, 8, 0), 0);
    ck_assert_uint_le(now_ms() - t0, 10); /* timeout 0: one look, no spin */
    t0 = now_ms();
    ck_assert_int_eq(tipc_server_poll(srv, ev, 8, 5), 0);
    ck_assert_uint_le(now_ms() - t0, 100); /* the spin stops at the timeout */
    t0 = now_ms();
    ck_assert_int_eq(tipc_server_poll(srv, ev, 8, 60), 0);
    dt = now_ms() - t0;
    ck_assert_uint_ge(dt, 59);
    ck_assert_uint_le(dt, 1000);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, spin_sender_run, &ss), 0);
    end = now_ms() + 10000;
    while (got < ss.n && now_ms() < end) {
        int n = tipc_server_poll(srv, ev, 8, 100);
        ck_assert_int_ge(n, 0);
        for (int i = 0; i < n; i++) {
            uint32_t v;
            ck_assert_int_eq(ev[i].kind, TIPC_SERVER_FRAME);
            ck_assert_uint_eq(ev[i].frame.type, TIPC_MSG_ORDER);
            ck_assert_uint_eq(ev[i].frame.len, 4);
            memcpy(&v, ev[i].frame.data, 4);
            ck_assert_uint_eq(v, got++);
        }
    }
    pthread_join(th, NULL);
    ck_assert_tipc_ok(ss.rc);
    ck_assert_uint_eq(got, ss.n);
    tipc_sock_close(ss.s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_send_rejects_control_types_and_oversize)
{
    tipc_server_opts so = {.max_frame = 2048};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    static uint8_t big[4096];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id;
    int at;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_STRATEGY, "limits", 0);
    s = join(srv, r, addr, &h, NULL, &id);
    for (int t = 0; t < TIPC_MSG_DATA_MIN; t++) {
        ck_assert_tipc_err(tipc_sock_send(s, (uint8_t)t, "x", 1, 0), TIPC_EINVAL);
        ck_assert_tipc_err(tipc_server_send(srv, id, (uint8_t)t, "x", 1), TIPC_EINVAL);
    }
    /* the server accepts L <= 2048, so 2047 payload bytes */
    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, big, 2047, 0));
    ck_assert_tipc_err(tipc_sock_send(s, TIPC_MSG_ORDER, big, 2048, 0), TIPC_EMSGSIZE);
    ck_assert_tipc_err(tipc_server_publish(srv, TIPC_STREAM_PRICES, "A", TIPC_MSG_TICK, big, 2048),
                       TIPC_EMSGSIZE);
    at = pump_until(srv, r, TIPC_SERVER_FRAME, id, 2000);
    ck_assert_int_ge(at, 0);
    ck_assert_uint_eq(r->ev[at].len, 2047);
    ck_assert_int_eq(tipc_server_conn_count(srv), 1);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* The bytes of a raw client's first transmission, and what it must cause. */
static void
hostile_first_bytes(const void *bytes, size_t n, tipc_leave_reason want, const char *why)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64], reason[160];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *good;
    uint8_t type, buf[512];
    uint32_t len;
    uint64_t bad_id;
    int fd, at;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "bystander", TIPC_STREAM_PRICES);
    good = join(srv, r, addr, &h, NULL, NULL);

    fd = raw_tcp(tipc_server_port(srv), 0);
    raw_send(fd, bytes, n);
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, 0, 2000);
    ck_assert_int_ge(at, 0);
    bad_id = r->ev[at].conn;
    ck_assert_int_eq(r->ev[at].reason, want);
    ck_assert_str_eq(r->ev[at].why, why);
    /* the offender is told why, then disconnected */
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_REJECT);
    mp_reason(buf, len, reason, sizeof reason);
    ck_assert_str_eq(reason, why);
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 0);
    close(fd);

    /* the bystander is unaffected */
    ck_assert_int_eq(tipc_server_conn_count(srv), 1);
    ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, "A", TIPC_MSG_TICK, "ok", 2), 1);
    (void)tipc_server_flush(srv);
    ck_assert_tipc_ok(recv_pumping(good, srv, r, &f, 2000));
    ck_assert_mem_eq(f.data, "ok", 2);
    for (int i = 0; i < r->n; i++)
        ck_assert(r->ev[i].kind != TIPC_SERVER_LEAVE || r->ev[i].conn == bad_id);
    tipc_sock_close(good);
    tipc_server_close(srv);
    free(r);
}

START_TEST(test_sock_garbage_http_request)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    hostile_first_bytes(req, sizeof req - 1, TIPC_LEAVE_FRAME_TOO_LARGE,
                        "frame length field exceeds max_frame (4096)");
}
END_TEST

START_TEST(test_sock_garbage_not_hello)
{
    hostile_first_bytes("\x00\x00\x00\x03\x10zz", 7, TIPC_LEAVE_PROTOCOL_ERROR,
                        "expected HELLO, got TICK (0x10)");
}
END_TEST

START_TEST(test_sock_garbage_zero_length)
{
    hostile_first_bytes("\x00\x00\x00\x00\x01", 5, TIPC_LEAVE_PROTOCOL_ERROR,
                        "frame length field is 0");
}
END_TEST

START_TEST(test_sock_garbage_hello_not_msgpack_map)
{
    hostile_first_bytes("\x00\x00\x00\x04\x01\x93\x01\x02", 8, TIPC_LEAVE_REJECTED,
                        "malformed HELLO: the top level (want a map) has the wrong type");
}
END_TEST

START_TEST(test_sock_hello_missing_field)
{
    /* {"version": 1, "role": "subscriber"}: no name */
    static const uint8_t p[] = {0x82, 0xa7, 'v', 'e', 'r', 's', 'i',  'o', 'n',
                                0x01, 0xa4, 'r', 'o', 'l', 'e', 0xaa, 's', 'u',
                                'b',  's',  'c', 'r', 'i', 'b', 'e',  'r'};
    uint8_t frame[5 + sizeof p];

    frame[0] = frame[1] = frame[2] = 0;
    frame[3] = (uint8_t)(sizeof p + 1);
    frame[4] = TIPC_MSG_HELLO;
    memcpy(frame + 5, p, sizeof p);
    hostile_first_bytes(frame, sizeof frame, TIPC_LEAVE_REJECTED,
                        "malformed HELLO: missing field \"name\"");
}
END_TEST

START_TEST(test_sock_largest_hello_accepted)
{
    /* every field at its limit still fits the handshake frame cap, even on a
     * server whose max_frame is the minimum */
    char token[TIPC_SOCK_TOKEN_MAX + 1];
    tipc_server_opts so = {.max_frame = 1024, .token = token};
    tipc_server *srv;
    rec *r = rec_new();
    char addr[64], sym[16];
    tipc_hello h;
    tipc_sock *s;
    int at;

    memset(token, 'k', TIPC_SOCK_TOKEN_MAX);
    token[TIPC_SOCK_TOKEN_MAX] = '\0';
    srv = server_on("127.0.0.1:0", &so);
    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "", TIPC_STREAM_PRICES);
    memset(h.name, 'n', TIPC_SOCK_NAME_MAX);
    strcpy(h.token, token);
    h.nsymbols = TIPC_SOCK_FILTER_MAX;
    for (int i = 0; i < TIPC_SOCK_FILTER_MAX; i++)
        snprintf(h.symbols[i], sizeof h.symbols[i], "SYMBOL.%08d", i);
    s = join(srv, r, addr, &h, NULL, NULL);
    at = pump_until(srv, r, TIPC_SERVER_JOIN, 0, 10);
    ck_assert_uint_eq(r->ev[at].hello.nsymbols, TIPC_SOCK_FILTER_MAX);
    ck_assert_str_eq(r->ev[at].hello.symbols[63], "SYMBOL.00000063");
    ck_assert_uint_eq(strlen(r->ev[at].hello.name), TIPC_SOCK_NAME_MAX);
    for (int i = 0; i < TIPC_SOCK_FILTER_MAX; i += 9) {
        snprintf(sym, sizeof sym, "SYMBOL.%08d", i);
        ck_assert_int_eq(tipc_server_publish(srv, TIPC_STREAM_PRICES, sym, TIPC_MSG_TICK, "t", 1),
                         1);
    }
    ck_assert_int_eq(
        tipc_server_publish(srv, TIPC_STREAM_PRICES, "SYMBOL.00000064", TIPC_MSG_TICK, "t", 1), 0);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_hello_filter_too_long_rejected)
{
    const char *syms[TIPC_SOCK_FILTER_MAX + 1];
    msgpack_sbuffer sb;
    uint8_t frame[2048];

    for (int i = 0; i <= TIPC_SOCK_FILTER_MAX; i++)
        syms[i] = "AAPL";
    mp_hello(&sb, 1, "subscriber", "greedy", NULL, 1, TIPC_SOCK_FILTER_MAX + 1, syms);
    ck_assert_uint_le(sb.size + 5, sizeof frame);
    frame[0] = frame[1] = 0;
    frame[2] = (uint8_t)((sb.size + 1) >> 8);
    frame[3] = (uint8_t)(sb.size + 1);
    frame[4] = TIPC_MSG_HELLO;
    memcpy(frame + 5, sb.data, sb.size);
    hostile_first_bytes(frame, sb.size + 5, TIPC_LEAVE_REJECTED,
                        "symbol filter too long: 65 symbols (limit 64)");
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_sock_joined_client_sending_control_frame_is_dropped)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    uint8_t type, buf[256];
    uint32_t len;
    uint64_t id;
    char reason[160];
    int fd = raw_join(srv, r, 0, &id), at;

    raw_frame(fd, TIPC_MSG_HELLO, "\x80", 1);
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, id, 2000);
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_PROTOCOL_ERROR);
    ck_assert_str_eq(r->ev[at].why, "unexpected HELLO (0x01) after handshake");
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_BYE);
    mp_reason(buf, len, reason, sizeof reason);
    ck_assert_str_eq(reason, "unexpected HELLO (0x01) after handshake");
    close(fd);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_hello_from_msgpack_c_interop)
{
    /* msgpack-c picks its own encodings (str8, uint16, ...); unknown fields
     * including nested ones are skipped. */
    static const char *const syms[] = {"AAPL", "MSFT", "TSLA"};
    tipc_server_opts so = {.token = "tok"};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint8_t type, buf[512];
    uint32_t len;
    int fd, at;
    char name[48];

    memset(name, 'n', 40);
    name[40] = '\0'; /* 40 bytes: a str8 */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 9);
    mp_str(&pk, "extra");
    msgpack_pack_map(&pk, 2);
    mp_str(&pk, "nested");
    msgpack_pack_array(&pk, 3);
    msgpack_pack_nil(&pk);
    msgpack_pack_double(&pk, 1.5);
    msgpack_pack_bin(&pk, 3);
    msgpack_pack_bin_body(&pk, "abc", 3);
    mp_str(&pk, "neg");
    msgpack_pack_int64(&pk, -5);
    mp_str(&pk, "version");
    msgpack_pack_uint64(&pk, 1);
    mp_str(&pk, "role");
    mp_str(&pk, "strategy");
    mp_str(&pk, "name");
    mp_str(&pk, name);
    mp_str(&pk, "streams");
    msgpack_pack_uint16(&pk, 3);
    mp_str(&pk, "symbols");
    msgpack_pack_array(&pk, 3);
    for (int i = 0; i < 3; i++)
        mp_str(&pk, syms[i]);
    mp_str(&pk, "token");
    mp_str(&pk, "tok");
    mp_str(&pk, "max_frame");
    msgpack_pack_uint32(&pk, 1u << 20);
    mp_str(&pk, "heartbeat_ms");
    msgpack_pack_uint8(&pk, 200);

    fd = raw_tcp(tipc_server_port(srv), 0);
    raw_frame(fd, TIPC_MSG_HELLO, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    at = pump_until(srv, r, TIPC_SERVER_JOIN, 0, 2000);
    ck_assert_int_ge(at, 0);
    ck_assert_str_eq(r->ev[at].hello.name, name);
    ck_assert_int_eq(r->ev[at].hello.role, TIPC_ROLE_STRATEGY);
    ck_assert_uint_eq(r->ev[at].hello.streams, 3);
    ck_assert_uint_eq(r->ev[at].hello.nsymbols, 3);
    ck_assert_str_eq(r->ev[at].hello.symbols[2], "TSLA");

    /* and the WELCOME decodes with msgpack-c */
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_WELCOME);
    {
        msgpack_unpacked u;
        size_t off = 0;
        int seen = 0;
        msgpack_unpacked_init(&u);
        ck_assert_int_eq(msgpack_unpack_next(&u, (const char *)buf, len, &off),
                         MSGPACK_UNPACK_SUCCESS);
        ck_assert_uint_eq(off, len);
        ck_assert_int_eq(u.data.type, MSGPACK_OBJECT_MAP);
        for (uint32_t i = 0; i < u.data.via.map.size; i++) {
            msgpack_object_kv *kv = &u.data.via.map.ptr[i];
            if (kv->key.via.str.size == 7 && !memcmp(kv->key.via.str.ptr, "symbols", 7)) {
                ck_assert_uint_eq(kv->val.via.u64, 3);
                seen++;
            }
            if (kv->key.via.str.size == 7 && !memcmp(kv->key.via.str.ptr, "conn_id", 7)) {
                ck_assert_uint_eq(kv->val.via.u64, r->ev[at].conn);
                seen++;
            }
        }
        ck_assert_int_eq(seen, 2);
        msgpack_unpacked_destroy(&u);
    }
    close(fd);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* Every truncation of a valid HELLO is refused with a reason; the server
 * lives on and still accepts the whole one. */
START_TEST(test_sock_hello_every_truncation_rejected)
{
    static const char *const syms[] = {"AAPL", "MSFT"};
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    msgpack_sbuffer sb;
    uint8_t type, buf[512];
    uint32_t len;

    mp_hello(&sb, 1, "subscriber", "trunc", "tok", 3, 2, syms);
    for (size_t cut = 0; cut <= sb.size; cut++) {
        int fd = raw_tcp(tipc_server_port(srv), 0), at;
        tipc_server_event_kind want = cut == sb.size ? TIPC_SERVER_JOIN : TIPC_SERVER_LEAVE;

        r->n = 0;
        raw_frame(fd, TIPC_MSG_HELLO, sb.data, cut);
        at = pump_until(srv, r, want, 0, 2000);
        ck_assert_msg(at >= 0, "cut %zu", cut);
        ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
        if (cut < sb.size) {
            ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_REJECTED);
            ck_assert_uint_eq(type, TIPC_MSG_REJECT);
            ck_assert_msg(strncmp(r->ev[at].why, "malformed HELLO", 15) == 0, "cut %zu: %s", cut,
                          r->ev[at].why);
        } else {
            ck_assert_uint_eq(type, TIPC_MSG_WELCOME);
        }
        close(fd);
        pump(srv, r, 0);
    }
    msgpack_sbuffer_destroy(&sb);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* Every byte of a HELLO replaced by each of a few hostile values: each
 * connection ends in exactly a JOIN or a REJECT, never a crash. */
START_TEST(test_sock_hello_corruptions_never_crash)
{
    static const uint8_t evil[] = {0x00, 0x7f, 0xc1, 0xdb, 0xdf, 0xff};
    rec *r = rec_new();
    msgpack_sbuffer sb;
    char addr[128];
    tipc_server *s2;

    unix_addr(addr, sizeof addr, "corrupt");
    s2 = server_on(addr, NULL);
    mp_hello(&sb, 1, "monitor", "fuzz", NULL, 1, 0, NULL);
    for (size_t pos = 0; pos < sb.size; pos++)
        for (size_t e = 0; e < sizeof evil; e++) {
            struct sockaddr_un sun;
            uint8_t copy[256];
            uint8_t type, buf[512];
            uint32_t len;
            int fd = socket(AF_UNIX, SOCK_STREAM, 0), at;

            unix_sun(&sun, addr);
            ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
            memcpy(copy, sb.data, sb.size);
            copy[pos] = evil[e];
            r->n = 0;
            raw_frame(fd, TIPC_MSG_HELLO, copy, sb.size);
            for (at = -1; at < 0;) {
                ck_assert_int_ge(pump(s2, r, 100), 0);
                for (int i = 0; i < r->n; i++)
                    if (r->ev[i].kind == TIPC_SERVER_JOIN ||
                        (r->ev[i].kind == TIPC_SERVER_LEAVE &&
                         r->ev[i].reason == TIPC_LEAVE_REJECTED))
                        at = i;
            }
            ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
            ck_assert(type ==
                      (r->ev[at].kind == TIPC_SERVER_JOIN ? TIPC_MSG_WELCOME : TIPC_MSG_REJECT));
            close(fd);
        }
    msgpack_sbuffer_destroy(&sb);
    tipc_server_close(s2);
    free(r);
}
END_TEST

START_TEST(test_sock_server_full_refuses)
{
    tipc_server_opts so = {.max_conns = 1};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64], reason[128];
    tipc_hello h;
    tipc_sock *s;
    uint8_t type, buf[256];
    uint32_t len;
    int fd;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "first", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, NULL);
    fd = raw_tcp(tipc_server_port(srv), 0);
    pump(srv, r, 50);
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_REJECT);
    mp_reason(buf, len, reason, sizeof reason);
    ck_assert_str_eq(reason, "server full (max_conns 1)");
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 0);
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_LEAVE), 0);
    close(fd);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* ======================================================================== */
/* limits: sizes, overflow, timers                                          */
/* ======================================================================== */

START_TEST(test_sock_huge_length_from_joined_client)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    uint64_t id;
    int fd = raw_join(srv, r, 0, &id), at;

    raw_send(fd, "\xff\xff\xff\xff\x10", 5); /* a 4 GiB frame announced */
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, id, 2000);
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_FRAME_TOO_LARGE);
    ck_assert_str_eq(r->ev[at].why, "frame length field exceeds max_frame (65536)");
    close(fd);
    tipc_server_close(srv);
    free(r);
}
END_TEST

typedef struct fake {
    int lfd;
    int port;
} fake;

static void
fake_listen(fake *fk)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;

    fk->lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fk->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fk->lfd, 4), 0);
    ck_assert_int_eq(getsockname(fk->lfd, (struct sockaddr *)&sa, &sl), 0);
    fk->port = ntohs(sa.sin_port);
}

/* A hand-written server: accept, read the HELLO, answer with a WELCOME
 * built by msgpack-c. Returns the connection. */
static int
fake_welcome(fake *fk, job *j, unsigned hb_ms)
{
    pthread_t th;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint8_t type, buf[2048];
    uint32_t len;
    int fd;

    snprintf(j->addr, sizeof j->addr, "127.0.0.1:%d", fk->port);
    ck_assert_int_eq(pthread_create(&th, NULL, job_run, j), 0);
    fd = accept(fk->lfd, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_HELLO);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    mp_str(&pk, "version");
    msgpack_pack_uint8(&pk, 1);
    mp_str(&pk, "max_frame");
    msgpack_pack_uint32(&pk, 65536);
    mp_str(&pk, "heartbeat_ms");
    msgpack_pack_uint32(&pk, hb_ms);
    mp_str(&pk, "server");
    mp_str(&pk, "fake");
    raw_frame(fd, TIPC_MSG_WELCOME, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    pthread_join(th, NULL);
    ck_assert_msg(j->rc == 0, "%s %s", tipc_err_name(j->rc), j->why);
    ck_assert_str_eq(j->w.server, "fake");
    return fd;
}

START_TEST(test_sock_huge_length_from_server)
{
    fake fk;
    job j;
    tipc_frame f;
    int fd;

    fake_listen(&fk);
    memset(&j, 0, sizeof j);
    hello_init(&j.hello, TIPC_ROLE_SUBSCRIBER, "victim", TIPC_STREAM_PRICES);
    fd = fake_welcome(&fk, &j, 0);
    raw_frame(fd, TIPC_MSG_TICK, "ok", 2);
    raw_send(fd, "\xff\xff\xff\xff\x10", 5);
    ck_assert_tipc_ok(tipc_sock_recv(j.s, &f, 2000));
    ck_assert_mem_eq(f.data, "ok", 2);
    ck_assert_tipc_err(tipc_sock_recv(j.s, &f, 2000), TIPC_EMSGSIZE);
    ck_assert_tipc_err(tipc_sock_recv(j.s, &f, 0), TIPC_EMSGSIZE);
    tipc_sock_close(j.s);
    close(fd);
    close(fk.lfd);
}
END_TEST

START_TEST(test_sock_control_frame_from_server_is_proto_error)
{
    fake fk;
    job j;
    tipc_frame f;
    int fd;

    fake_listen(&fk);
    memset(&j, 0, sizeof j);
    hello_init(&j.hello, TIPC_ROLE_SUBSCRIBER, "victim", TIPC_STREAM_PRICES);
    fd = fake_welcome(&fk, &j, 0);
    raw_frame(fd, TIPC_MSG_HEARTBEAT, NULL, 0); /* swallowed */
    raw_frame(fd, TIPC_MSG_TICK, "t", 1);
    raw_frame(fd, TIPC_MSG_WELCOME, "\x80", 1); /* out of place */
    ck_assert_tipc_ok(tipc_sock_recv(j.s, &f, 2000));
    ck_assert_uint_eq(f.type, TIPC_MSG_TICK);
    ck_assert_tipc_err(tipc_sock_recv(j.s, &f, 2000), TIPC_EPROTO);
    tipc_sock_close(j.s);
    close(fd);
    close(fk.lfd);
}
END_TEST

START_TEST(test_sock_stuck_client_dropped_healthy_client_gets_everything)
{
    tipc_server_opts so = {.max_frame = 4096, .out_cap = 64 * 1024};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    uint8_t payload[200];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *healthy;
    uint64_t stuck_id;
    uint32_t sent = 0, got = 0, dropped_at = 0;
    int stuck_fd, at = -1, dropped = 0;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "healthy", TIPC_STREAM_PRICES);
    healthy = join(srv, r, addr, &h, NULL, NULL);
    /* joins, then never reads; a small receive window keeps the kernel
     * from absorbing much */
    stuck_fd = raw_join(srv, r, 4096, &stuck_id);
    memset(payload, 0xab, sizeof payload);

    /* publish until the stuck one is dropped, then 5000 more */
    while (sent < 200000 && (!dropped || sent < dropped_at + 5000)) {
        for (int k = 0; k < 100; k++, sent++) {
            int n;
            memcpy(payload, &sent, 4);
            n = tipc_server_publish(srv, TIPC_STREAM_PRICES, "X", TIPC_MSG_TICK, payload,
                                    sizeof payload);
            if (!dropped && n == 1) {
                dropped = 1;
                dropped_at = sent;
            } else {
                ck_assert_int_eq(n, dropped ? 1 : 2);
            }
        }
        (void)tipc_server_flush(srv);
        pump(srv, r, 0);
        while (tipc_sock_recv(healthy, &f, 0) == 0) {
            uint32_t v;
            ck_assert_uint_eq(f.len, sizeof payload);
            memcpy(&v, f.data, 4);
            ck_assert_uint_eq(v, got);
            got++;
        }
    }
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].kind == TIPC_SERVER_LEAVE && r->ev[i].conn == stuck_id)
            at = i;
    ck_assert_msg(at >= 0, "stuck client never dropped after %u frames", sent);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_OVERFLOW);
    ck_assert_msg(strstr(r->ev[at].why, "output buffer full") != NULL, "%s", r->ev[at].why);
    ck_assert_int_eq(tipc_server_conn_count(srv), 1);
    while (got < sent) {
        uint32_t v;
        ck_assert_tipc_ok(recv_pumping(healthy, srv, r, &f, 2000));
        memcpy(&v, f.data, 4);
        ck_assert_uint_eq(v, got);
        got++;
    }
    ck_assert_tipc_err(tipc_sock_recv(healthy, &f, 50), TIPC_EAGAIN);
    close(stuck_fd);
    tipc_sock_close(healthy);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_heartbeats_keep_idle_connection_alive)
{
    tipc_server_opts so = {.heartbeat_ms = 50, .dead_after_ms = 200};
    tipc_sock_opts o = {.heartbeat_ms = 50, .dead_after_ms = 200};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t end;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "idle", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, &o, NULL);
    end = now_ms() + 700;
    while (now_ms() < end) {
        pump(srv, r, 5);
        ck_assert_tipc_err(tipc_sock_recv(s, &f, 5), TIPC_EAGAIN);
        ck_assert_int_ge(tipc_sock_next_timeout_ms(s), 0);
        ck_assert_int_le(tipc_sock_next_timeout_ms(s), 200);
    }
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_LEAVE), 0);
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_FRAME), 0); /* heartbeats are not events */
    ck_assert_int_eq(tipc_server_conn_count(srv), 1);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_silent_client_detected)
{
    tipc_server_opts so = {.heartbeat_ms = 50, .dead_after_ms = 200};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id, t0, dt;
    int at;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "mute", TIPC_STREAM_PRICES);
    /* a client nobody drives sends no heartbeats */
    s = join(srv, r, addr, &h, NULL, &id);
    t0 = now_ms();
    at = pump_until(srv, r, TIPC_SERVER_LEAVE, id, 2000);
    dt = now_ms() - t0;
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_HEARTBEAT_TIMEOUT);
    ck_assert_msg(strncmp(r->ev[at].why, "silent for ", 11) == 0, "%s", r->ev[at].why);
    ck_assert_uint_ge(dt, 150);
    ck_assert_uint_le(dt, 1000);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_silent_server_detected)
{
    tipc_server_opts so = {.heartbeat_ms = -1, .dead_after_ms = -1};
    tipc_sock_opts o = {.heartbeat_ms = 50, .dead_after_ms = 200};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t t0, dt;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "watchful", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, &o, NULL);
    pump(srv, r, 0);
    t0 = now_ms();
    ck_assert_tipc_err(tipc_sock_recv(s, &f, -1), TIPC_ETIMEDOUT); /* server no longer polled */
    dt = now_ms() - t0;
    ck_assert_uint_ge(dt, 150);
    ck_assert_uint_le(dt, 1000);
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 0), TIPC_ETIMEDOUT);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_client_adopts_faster_server_heartbeat)
{
    /* client asks for 1 s heartbeats, server wants 50 ms / dead at 200 ms:
     * the client follows the server and survives */
    tipc_server_opts so = {.heartbeat_ms = 50, .dead_after_ms = 200};
    tipc_sock_opts o = {.heartbeat_ms = 1000, .dead_after_ms = 60};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t end;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "follower", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, &o, NULL);
    end = now_ms() + 500;
    while (now_ms() < end) {
        pump(srv, r, 5);
        ck_assert_tipc_err(tipc_sock_recv(s, &f, 5), TIPC_EAGAIN);
    }
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_LEAVE), 0);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_handshake_timeout)
{
    tipc_server_opts so = {.handshake_timeout_ms = 100};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    uint8_t type, buf[256];
    uint32_t len;
    char reason[128];
    uint64_t t0 = now_ms(), dt;
    int fd = raw_tcp(tipc_server_port(srv), 0), at;

    at = pump_until(srv, r, TIPC_SERVER_LEAVE, 0, 2000);
    dt = now_ms() - t0;
    ck_assert_int_ge(at, 0);
    ck_assert_int_eq(r->ev[at].reason, TIPC_LEAVE_HANDSHAKE_TIMEOUT);
    ck_assert_str_eq(r->ev[at].why, "no HELLO within 100 ms");
    ck_assert_uint_ge(dt, 90);
    ck_assert_uint_le(dt, 1000);
    ck_assert_int_eq(raw_read_frame(fd, &type, buf, sizeof buf, &len, 2000), 1);
    ck_assert_uint_eq(type, TIPC_MSG_REJECT);
    mp_reason(buf, len, reason, sizeof reason);
    ck_assert_str_eq(reason, "no HELLO within 100 ms");
    close(fd);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* ======================================================================== */
/* nonblock                                                                 */
/* ======================================================================== */

START_TEST(test_sock_recv_nonblocking_eagain)
{
    tipc_server *srv = server_on("127.0.0.1:0", NULL);
    rec *r = rec_new();
    char addr[64];
    tipc_hello h;
    tipc_frame f;
    tipc_sock *s;
    uint64_t t0, dt, id;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "poller", TIPC_STREAM_PRICES);
    s = join(srv, r, addr, &h, NULL, &id);
    t0 = now_ms();
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 0), TIPC_EAGAIN);
    ck_assert_uint_le(now_ms() - t0, 200);
    t0 = now_ms();
    ck_assert_tipc_err(tipc_sock_recv(s, &f, 60), TIPC_EAGAIN);
    dt = now_ms() - t0;
    ck_assert_uint_ge(dt, 55);
    ck_assert_uint_le(dt, 1000);
    ck_assert_int_eq(tipc_sock_events(s), POLLIN);
    ck_assert_int_ge(tipc_sock_fd(s), 0);
    /* EAGAIN is not sticky */
    ck_assert_tipc_ok(tipc_server_send(srv, id, TIPC_MSG_TICK, "t", 1));
    (void)tipc_server_flush(srv);
    ck_assert_tipc_ok(tipc_sock_recv(s, &f, 2000));
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

/* A tipc_sock_recv running in a thread while the test's thread drives the
 * server. */
typedef struct recv_job {
    tipc_sock *s;
    int timeout_ms;
    int rc;
    uint64_t ms;   /* how long the call took */
    char data[16]; /* the frame's payload, NUL-terminated */
    atomic_int done;
} recv_job;

static void *
recv_job_run(void *arg)
{
    recv_job *j = arg;
    tipc_frame f;
    uint64_t t0 = now_ms();

    j->rc = tipc_sock_recv(j->s, &f, j->timeout_ms);
    j->ms = now_ms() - t0;
    if (j->rc == 0 && f.len < sizeof j->data)
        memcpy(j->data, f.data, f.len);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Once joined, a client waiting for input with nothing to send sleeps in
 * recv(2) under SO_RCVTIMEO (waits of 100 ms and more) instead of poll(2)
 * then recv(2). The waits must still end on time, run the heartbeat duties
 * and wake for a frame. The server sends no heartbeats, so nothing but the
 * client's own deadlines wakes it. Its heartbeats every 200 ms keep the wait
 * in recv(2) for most of each interval; the server drops clients silent for
 * 500 ms, so it would drop this one if it stopped heartbeating while waiting. */
START_TEST(test_sock_recv_waits_in_recv_keep_time_and_heartbeats)
{
    tipc_server_opts so = {.heartbeat_ms = -1, .dead_after_ms = 500};
    tipc_sock_opts o = {.heartbeat_ms = 200, .dead_after_ms = 5000};
    tipc_server *srv = server_on("127.0.0.1:0", &so);
    rec *r = rec_new();
    recv_job j;
    pthread_t th;
    char addr[64];
    tipc_hello h;
    uint64_t id, end;

    tcp_addr(addr, sizeof addr, srv);
    hello_init(&h, TIPC_ROLE_SUBSCRIBER, "sleeper", TIPC_STREAM_PRICES);

    /* a 300 ms wait with nothing coming: no sooner, not much later */
    memset(&j, 0, sizeof j);
    j.s = join(srv, r, addr, &h, &o, &id);
    j.timeout_ms = 300;
    ck_assert_int_eq(pthread_create(&th, NULL, recv_job_run, &j), 0);
    while (!atomic_load(&j.done))
        pump(srv, r, 5);
    pthread_join(th, NULL);
    ck_assert_tipc_err(j.rc, TIPC_EAGAIN);
    ck_assert_uint_ge(j.ms, 295);
    ck_assert_uint_le(j.ms, 1500);

    /* a long wait that a frame ends after 1.2 s, the server polled all along */
    j.timeout_ms = 10000;
    atomic_store(&j.done, 0);
    ck_assert_int_eq(pthread_create(&th, NULL, recv_job_run, &j), 0);
    end = now_ms() + 1200;
    while (now_ms() < end)
        pump(srv, r, 5);
    ck_assert_int_eq(atomic_load(&j.done), 0);
    ck_assert_tipc_ok(tipc_server_send(srv, id, TIPC_MSG_TICK, "wake", 4));
    (void)tipc_server_flush(srv);
    end = now_ms() + 5000;
    while (!atomic_load(&j.done) && now_ms() < end)
        pump(srv, r, 5);
    pthread_join(th, NULL);
    ck_assert_tipc_ok(j.rc);
    ck_assert_str_eq(j.data, "wake");
    ck_assert_uint_ge(j.ms, 1150);
    ck_assert_int_eq(count_kind(r, TIPC_SERVER_LEAVE), 0); /* heartbeats went out */
    ck_assert_int_eq(tipc_server_conn_count(srv), 1);
    tipc_sock_close(j.s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_send_nonblock_fills_then_eagain)
{
    tipc_sock_opts o = {.max_frame = 4096, .out_cap = 16384};
    tipc_server *srv;
    rec *r = rec_new();
    char addr[128];
    uint8_t payload[1000];
    tipc_hello h;
    tipc_sock *s;
    uint64_t id, end;
    uint32_t sent = 0, got = 0;
    int rc = 0;

    unix_addr(addr, sizeof addr, "nb");
    srv = server_on(addr, NULL);
    hello_init(&h, TIPC_ROLE_STRATEGY, "flood", 0);
    s = join(srv, r, addr, &h, &o, &id);
    memset(payload, 0x5a, sizeof payload);
    /* the server is not polled: kernel buffers, then the ring, fill up */
    while (sent < 1000000) {
        memcpy(payload, &sent, 4);
        rc = tipc_sock_send(s, TIPC_MSG_ORDER, payload, sizeof payload, TIPC_NONBLOCK);
        if (rc != 0)
            break;
        sent++;
    }
    ck_assert_tipc_err(rc, TIPC_EAGAIN);
    ck_assert_int_eq(tipc_sock_events(s), POLLIN | POLLOUT);
    ck_assert_tipc_err(tipc_sock_flush(s, 0), TIPC_EAGAIN);
    /* and everything queued arrives, in order, once the server reads */
    end = now_ms() + 5000;
    while (got < sent && now_ms() < end) {
        tipc_server_event evs[64];
        int n = tipc_server_poll(srv, evs, 64, 5);
        ck_assert_int_ge(n, 0);
        for (int i = 0; i < n; i++) {
            uint32_t v;
            ck_assert_int_eq(evs[i].kind, TIPC_SERVER_FRAME);
            ck_assert_uint_eq(evs[i].frame.len, sizeof payload);
            memcpy(&v, evs[i].frame.data, 4);
            ck_assert_uint_eq(v, got);
            got++;
        }
        rc = tipc_sock_flush(s, 0);
        ck_assert(rc == 0 || rc == TIPC_EAGAIN);
    }
    ck_assert_uint_eq(got, sent);
    ck_assert_tipc_ok(tipc_sock_flush(s, 0));
    ck_assert_int_eq(tipc_sock_events(s), POLLIN);
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

START_TEST(test_sock_blocking_send_times_out)
{
    tipc_sock_opts o = {.max_frame = 4096, .out_cap = 256 * 1024, .send_timeout_ms = 100};
    tipc_server *srv;
    rec *r = rec_new();
    char addr[128];
    uint8_t payload[1000] = {0};
    tipc_hello h;
    tipc_sock *s;
    uint64_t t0, dt, id, end;
    uint32_t queued = 0, got = 0;
    int rc;

    unix_addr(addr, sizeof addr, "block");
    srv = server_on(addr, NULL);
    hello_init(&h, TIPC_ROLE_STRATEGY, "blocked", 0);
    s = join(srv, r, addr, &h, &o, &id);
    /* the server does not read: once the kernel is full, a blocking send
     * queues its frame and gives up writing after send_timeout_ms */
    do {
        memcpy(payload, &queued, 4);
        t0 = now_ms();
        rc = tipc_sock_send(s, TIPC_MSG_ORDER, payload, sizeof payload, 0);
        ck_assert(rc == 0 || rc == TIPC_ETIMEDOUT);
        queued++;
    } while (rc == 0 && queued < 100000);
    dt = now_ms() - t0;
    ck_assert_tipc_err(rc, TIPC_ETIMEDOUT);
    ck_assert_uint_ge(dt, 90);
    ck_assert_uint_le(dt, 1000);
    ck_assert_int_eq(tipc_sock_events(s), POLLIN | POLLOUT);
    /* fill the ring; then a blocking send finds no room in time and queues
     * nothing */
    for (;;) {
        memcpy(payload, &queued, 4);
        if ((rc = tipc_sock_send(s, TIPC_MSG_ORDER, payload, sizeof payload,
                                 TIPC_SEND_MORE | TIPC_NONBLOCK)) != 0)
            break;
        queued++;
    }
    ck_assert_tipc_err(rc, TIPC_EAGAIN);
    t0 = now_ms();
    ck_assert_tipc_err(tipc_sock_send(s, TIPC_MSG_ORDER, payload, sizeof payload, 0), TIPC_EAGAIN);
    dt = now_ms() - t0;
    ck_assert_uint_ge(dt, 90);
    ck_assert_uint_le(dt, 1000);
    /* every queued frame arrives exactly once, in order */
    end = now_ms() + 5000;
    while (got < queued && now_ms() < end) {
        tipc_server_event evs[64];
        int n = tipc_server_poll(srv, evs, 64, 5);
        ck_assert_int_ge(n, 0);
        for (int i = 0; i < n; i++) {
            uint32_t v;
            ck_assert_int_eq(evs[i].kind, TIPC_SERVER_FRAME);
            memcpy(&v, evs[i].frame.data, 4);
            ck_assert_uint_eq(v, got);
            got++;
        }
        rc = tipc_sock_flush(s, 0);
        ck_assert(rc == 0 || rc == TIPC_EAGAIN);
    }
    ck_assert_uint_eq(got, queued);
    ck_assert_tipc_ok(tipc_sock_flush(s, 1000));
    tipc_sock_close(s);
    tipc_server_close(srv);
    free(r);
}
END_TEST

static Suite *
tipc_sock_suite(void)
{
    Suite *s = suite_create("sock");
    TCase *core = tcase_create("core");
    TCase *errors = tcase_create("errors");
    TCase *limits = tcase_create("limits");
    TCase *nonblock = tcase_create("nonblock");

    tcase_set_timeout(core, 10);
    tcase_add_test(core, test_sock_handshake_accept);
    tcase_add_test(core, test_sock_frames_both_ways_in_order);
    tcase_add_test(core, test_sock_publish_honours_streams_and_filters);
    tcase_add_test(core, test_sock_unix_socket_path);
    tcase_add_test(core, test_sock_unix_stale_path_replaced);
    tcase_add_test(core, test_sock_unix_live_path_not_stolen);
    tcase_add_test(core, test_sock_unix_abstract);
    tcase_add_test(core, test_sock_ipv6_loopback);
    tcase_add_test(core, test_sock_send_more_batches_until_flush);
    tcase_add_test(core, test_sock_close_conn_sends_bye);
    tcase_add_test(core, test_sock_client_close_is_peer_closed);
    tcase_add_test(core, test_sock_server_close_ends_clients);
    tcase_add_test(core, test_sock_small_event_array_keeps_order);
    tcase_add_test(core, test_sock_server_poll_ns);
    tcase_add_test(core, test_sock_server_fd_nests_in_poll);
    tcase_add_test(core, test_sock_busy_poll_same_results);
    tcase_add_test(core, test_sock_server_busy_poll_same_results);
    suite_add_tcase(s, core);

    tcase_set_timeout(errors, 20);
    tcase_add_test(errors, test_sock_reject_version);
    tcase_add_test(errors, test_sock_reject_role);
    tcase_add_test(errors, test_sock_reject_bad_token);
    tcase_add_test(errors, test_sock_reject_missing_token);
    tcase_add_test(errors, test_sock_good_token_accepted_and_hidden);
    tcase_add_test(errors, test_sock_invalid_hello_refused_locally);
    tcase_add_test(errors, test_sock_connect_refused);
    tcase_add_test(errors, test_sock_connect_times_out_without_welcome);
    tcase_add_test(errors, test_sock_bad_addresses);
    tcase_add_test(errors, test_sock_port_in_use);
    tcase_add_test(errors, test_sock_invalid_options);
    tcase_add_test(errors, test_sock_send_rejects_control_types_and_oversize);
    tcase_add_test(errors, test_sock_garbage_http_request);
    tcase_add_test(errors, test_sock_garbage_not_hello);
    tcase_add_test(errors, test_sock_garbage_zero_length);
    tcase_add_test(errors, test_sock_garbage_hello_not_msgpack_map);
    tcase_add_test(errors, test_sock_hello_missing_field);
    tcase_add_test(errors, test_sock_largest_hello_accepted);
    tcase_add_test(errors, test_sock_hello_filter_too_long_rejected);
    tcase_add_test(errors, test_sock_joined_client_sending_control_frame_is_dropped);
    tcase_add_test(errors, test_sock_hello_from_msgpack_c_interop);
    tcase_add_test(errors, test_sock_hello_every_truncation_rejected);
    tcase_add_test(errors, test_sock_hello_corruptions_never_crash);
    tcase_add_test(errors, test_sock_server_full_refuses);
    suite_add_tcase(s, errors);

    tcase_set_timeout(limits, 20);
    tcase_add_test(limits, test_sock_huge_length_from_joined_client);
    tcase_add_test(limits, test_sock_huge_length_from_server);
    tcase_add_test(limits, test_sock_control_frame_from_server_is_proto_error);
    tcase_add_test(limits, test_sock_stuck_client_dropped_healthy_client_gets_everything);
    tcase_add_test(limits, test_sock_heartbeats_keep_idle_connection_alive);
    tcase_add_test(limits, test_sock_silent_client_detected);
    tcase_add_test(limits, test_sock_silent_server_detected);
    tcase_add_test(limits, test_sock_client_adopts_faster_server_heartbeat);
    tcase_add_test(limits, test_sock_handshake_timeout);
    suite_add_tcase(s, limits);

    tcase_set_timeout(nonblock, 10);
    tcase_add_test(nonblock, test_sock_recv_nonblocking_eagain);
    tcase_add_test(nonblock, test_sock_recv_waits_in_recv_keep_time_and_heartbeats);
    tcase_add_test(nonblock, test_sock_send_nonblock_fills_then_eagain);
    tcase_add_test(nonblock, test_sock_blocking_send_times_out);
    suite_add_tcase(s, nonblock);
    return s;
}

TIPC_CHECK_MAIN(tipc_sock_suite)
