/* SPDX-License-Identifier: MIT */
/*
 * The epoll server. The caller drives it: tipc_server_poll does the I/O
 * and the timers and returns what happened as events; publish and send only
 * copy into per-connection rings, and flush writes each ring with one
 * sendmsg. Nothing here blocks and nothing per frame allocates or makes a
 * syscall.
 *
 * Lifetimes are what make borrowed event data safe. A connection that is
 * closed is unregistered at once but its memory lives on until its LEAVE
 * has been returned and the next poll begins, so event pointers and stale
 * epoll entries in the same batch never dangle. A connection whose frames
 * did not all fit in the caller's event array keeps its read chunk
 * ("pending") and is not read again until it is drained; one that produced
 * an event in this poll is not read again in this poll. Ids carry a slot
 * index and a per-slot generation, so lookups are O(1) and an id is never
 * reused. One slow client only ever costs its own ring: when publish would
 * pass out_cap the connection is closed, never waited for.
 */
#include "tipc_int.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sock_int.h"

#define SRV_OUT_CAP_DEFAULT (4u * 1024u * 1024u)
#define SRV_HEARTBEAT_DEFAULT 1000u
#define SRV_DEAD_AFTER_DEFAULT 3000u
#define SRV_HANDSHAKE_DEFAULT 5000u
#define SRV_MAX_CONNS_DEFAULT 256u
#define SRV_MAX_CONNS_LIMIT (1u << 20)
#define SRV_RBUF 65536u     /* per-connection read chunk; inbound is orders */
#define SRV_ACCEPT_BURST 64 /* accepts per poll, so a flood cannot starve I/O */
#define SRV_ACCEPT_PAUSE_MS 100
#define SRV_EPOLL_BATCH 64

enum { CS_HANDSHAKE = 1, CS_JOINED = 2, CS_CLOSED = 3 };
enum { CF_DIRTY = 1, CF_WANT_OUT = 2, CF_PENDING = 4 };

typedef struct conn {
    /* Read by publish for every frame: keep together. */
    uint32_t streams;
    uint32_t peer_max;
    uint64_t bloom; /* one bit per filter symbol's hash; 0 with no filter */
    uint32_t nfilter;
    uint8_t state;
    uint8_t flags;
    tipc__ring out;
    /* The rest. */
    int fd;
    uint32_t slot;
    uint64_t id;
    uint32_t joined_idx;
    uint32_t pending_idx;
    uint64_t last_rx; /* ms */
    uint64_t last_tx;
    uint64_t deadline; /* handshake */
    uint64_t emit_gen; /* poll generation of its last event */
    tipc_framer fr;
    uint8_t *rbuf;
    tipc_leave_reason reason;
    char why[160];
    char peer[64];
    tipc_hello hello;
} conn;

struct tipc_server {
    int epfd;
    int lfd;
    int port;
    int unix_path_owned;
    struct sockaddr_un sun;
    dev_t sun_dev;
    ino_t sun_ino;
    /* options */
    uint32_t max_frame;
    size_t out_cap;
    uint32_t hb_ms, dead_ms, hs_ms; /* 0: never */
    uint32_t max_conns;
    uint32_t allowed_roles;
    int has_token;
    char token[TIPC_SOCK_TOKEN_MAX + 1];
    char name[TIPC_SOCK_NAME_MAX + 1];
    tipc_logger log;
    /* connections */
    conn **slots;
    uint32_t *slot_gen;
    uint32_t *free_slots;
    uint32_t nfree;
    conn **joined;
    uint32_t njoined;
    conn **dirty;
    uint32_t ndirty;
    conn **pending;
    uint32_t npending;
    conn **leaving; /* closed; LEAVE not yet returned (FIFO) */
    uint32_t nleaving;
    conn **reap; /* LEAVE returned; freed when the next poll starts */
    uint32_t nreap;
    uint32_t nwant; /* connections waiting for EPOLLOUT */
    /* time */
    uint64_t now;
    uint64_t poll_gen;
    uint64_t next_sweep;
    uint32_t sweep_ms;
    uint64_t accept_resume; /* 0 while the listener is armed */
    uint64_t spin_ns;       /* opts.busy_poll_us */
    struct epoll_event evbuf[SRV_EPOLL_BATCH];
};

/* ---- Helpers ------------------------------------------------------------ */

const char *
tipc_leave_reason_name(tipc_leave_reason reason)
{
    switch (reason) {
    case TIPC_LEAVE_PEER_CLOSED:
        return "peer closed";
    case TIPC_LEAVE_HEARTBEAT_TIMEOUT:
        return "heartbeat timeout";
    case TIPC_LEAVE_PROTOCOL_ERROR:
        return "protocol error";
    case TIPC_LEAVE_FRAME_TOO_LARGE:
        return "frame too large";
    case TIPC_LEAVE_OVERFLOW:
        return "output overflow";
    case TIPC_LEAVE_HANDSHAKE_TIMEOUT:
        return "handshake timeout";
    case TIPC_LEAVE_REJECTED:
        return "rejected";
    case TIPC_LEAVE_CLOSED:
        return "closed by server";
    case TIPC_LEAVE_IO_ERROR:
        return "i/o error";
    }
    return "unknown";
}

static uint64_t
symbol_hash_bit(const uint8_t key[TIPC_SYMBOL_MAX + 1])
{
    uint64_t k0, k1;

    memcpy(&k0, key, 8);
    memcpy(&k1, key + 8, 8);
    return 1ull << ((k0 * 0x9E3779B97F4A7C15ull ^ k1 * 0xC2B2AE3D27D4EB4Full) >> 58);
}

static int
filter_has(const conn *c, const uint8_t key[TIPC_SYMBOL_MAX + 1])
{
    for (uint32_t i = 0; i < c->nfilter; i++)
        if (memcmp(c->hello.symbols[i], key, TIPC_SYMBOL_MAX + 1) == 0)
            return 1;
    return 0;
}

static conn *
conn_lookup(const tipc_server *srv, uint64_t id)
{
    uint32_t slot = (uint32_t)id;
    conn *c;

    if (slot >= srv->max_conns)
        return NULL;
    c = srv->slots[slot];
    return c != NULL && c->id == id ? c : NULL;
}

static void
set_want_out(tipc_server *srv, conn *c, int want)
{
    struct epoll_event ev;

    if (!!(c->flags & CF_WANT_OUT) == want)
        return;
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
    ev.data.ptr = c;
    if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        tipc__log(&srv->log, TIPC_LOG_ERROR, "server", "epoll_ctl(conn %llu): %s",
                  (unsigned long long)c->id, tipc_strerror(tipc__neg_errno()));
    if (want) {
        c->flags |= CF_WANT_OUT;
        srv->nwant++;
    } else {
        c->flags &= (uint8_t)~CF_WANT_OUT;
        srv->nwant--;
    }
}

static inline void
mark_dirty(tipc_server *srv, conn *c)
{
    if (!(c->flags & (CF_DIRTY | CF_WANT_OUT))) {
        c->flags |= CF_DIRTY;
        srv->dirty[srv->ndirty++] = c;
    }
}

static void
joined_remove(tipc_server *srv, conn *c)
{
    conn *last = srv->joined[--srv->njoined];

    srv->joined[c->joined_idx] = last;
    last->joined_idx = c->joined_idx;
}

static void
pending_remove(tipc_server *srv, conn *c)
{
    conn *last = srv->pending[--srv->npending];

    srv->pending[c->pending_idx] = last;
    last->pending_idx = c->pending_idx;
    c->flags &= (uint8_t)~CF_PENDING;
}

static void conn_close(tipc_server *srv, conn *c, tipc_leave_reason reason, const char *fmt, ...)
    TIPC_PRINTF(4, 5);

/* Close a connection: say why if it can still hear it, unregister it, and
 * queue its LEAVE. The memory stays until the LEAVE has been returned. */
static void
conn_close(tipc_server *srv, conn *c, tipc_leave_reason reason, const char *fmt, ...)
{
    va_list ap;
    uint8_t payload[TIPC_SOCK_REASON_MAX + 16];
    size_t n;
    tipc_log_level level;

    if (c->state == CS_CLOSED)
        return;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    c->reason = reason;
    /* A last frame is only worth sending to a peer that still reads and
     * whose ring has room; it always lands on a frame boundary. */
    if (reason != TIPC_LEAVE_PEER_CLOSED && reason != TIPC_LEAVE_IO_ERROR &&
        reason != TIPC_LEAVE_OVERFLOW && reason != TIPC_LEAVE_REJECTED &&
        tipc__reason_encode(c->why, payload, sizeof payload, &n) == 0 &&
        tipc__ring_reserve(&c->out, TIPC_FRAME_HDR + n) == 0) {
        (void)tipc__ring_put_frame(&c->out, c->state == CS_JOINED ? TIPC_MSG_BYE : TIPC_MSG_REJECT,
                                   payload, n);
    }
    if (c->out.len > 0)
        (void)tipc__ring_write(&c->out, c->fd);
    if (c->state == CS_JOINED)
        joined_remove(srv, c);
    if (c->flags & CF_PENDING)
        pending_remove(srv, c);
    if (c->flags & CF_WANT_OUT)
        srv->nwant--;
    if (c->flags & CF_DIRTY) {
        for (uint32_t i = 0; i < srv->ndirty; i++)
            if (srv->dirty[i] == c) {
                srv->dirty[i] = srv->dirty[--srv->ndirty];
                break;
            }
    }
    c->flags = 0;
    close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    c->state = CS_CLOSED;
    srv->leaving[srv->nleaving++] = c;
    level = reason == TIPC_LEAVE_PEER_CLOSED || reason == TIPC_LEAVE_CLOSED ? TIPC_LOG_INFO
                                                                            : TIPC_LOG_WARN;
    tipc__log(&srv->log, level, "server", "conn %llu (%s%s%s) left: %s: %s",
              (unsigned long long)c->id, c->peer, c->hello.name[0] ? " " : "", c->hello.name,
              tipc_leave_reason_name(reason), c->why);
}

static void
conn_free(tipc_server *srv, conn *c)
{
    srv->slots[c->slot] = NULL;
    srv->free_slots[srv->nfree++] = c->slot;
    tipc__framer_fini(&c->fr);
    tipc__ring_fini(&c->out);
    free(c->rbuf);
    free(c);
}

static void
conn_flush(tipc_server *srv, conn *c)
{
    long n = tipc__ring_write(&c->out, c->fd);

    if (n < 0) {
        conn_close(srv, c, TIPC_LEAVE_IO_ERROR, "write: %s", tipc_strerror((int)n));
        return;
    }
    if (n > 0)
        c->last_tx = srv->now;
    set_want_out(srv, c, c->out.len > 0);
}

static void
flush_dirty(tipc_server *srv)
{
    while (srv->ndirty > 0) {
        conn *c = srv->dirty[--srv->ndirty];
        c->flags &= (uint8_t)~CF_DIRTY;
        conn_flush(srv, c);
    }
}

/* ---- Handshake ---------------------------------------------------------- */

static void
conn_reject(tipc_server *srv, conn *c, const char *why)
{
    uint8_t payload[TIPC_SOCK_REASON_MAX + 16];
    size_t n;

    if (tipc__reason_encode(why, payload, sizeof payload, &n) == 0 &&
        tipc__ring_reserve(&c->out, TIPC_FRAME_HDR + n) == 0)
        (void)tipc__ring_put_frame(&c->out, TIPC_MSG_REJECT, payload, n);
    /* conn_close writes the ring; REJECTED sends no second frame. */
    conn_close(srv, c, TIPC_LEAVE_REJECTED, "%s", why);
}

static int
conn_hello(tipc_server *srv, conn *c, const tipc_frame *f, tipc_server_event *ev)
{
    tipc_hello h;
    tipc__hello_extra x;
    tipc_welcome w;
    uint8_t payload[256];
    char why[160];
    size_t n;
    int rc;

    rc = tipc__hello_decode(f->data, f->len, &h, &x, why, sizeof why);
    if (rc < 0) {
        conn_reject(srv, c, why);
        return 0;
    }
    if (!(h.role & srv->allowed_roles)) {
        snprintf(why, sizeof why, "role %s not allowed", tipc__role_name(h.role));
        conn_reject(srv, c, why);
        return 0;
    }
    if (srv->has_token) {
        int ok = tipc__token_equal(h.token, srv->token);
        if (h.token[0] == '\0' || !ok) {
            conn_reject(srv, c, h.token[0] == '\0' ? "token required" : "bad token");
            return 0;
        }
    }
    memset(h.token, 0, sizeof h.token);
    h.streams &= TIPC_STREAM_ALL;
    c->hello = h;
    c->streams = h.streams;
    c->peer_max = x.max_frame;
    c->nfilter = h.nsymbols;
    c->bloom = 0;
    for (uint32_t i = 0; i < h.nsymbols; i++)
        c->bloom |= symbol_hash_bit((const uint8_t *)h.symbols[i]);

    memset(&w, 0, sizeof w);
    w.version = TIPC_PROTO_VERSION;
    w.streams = h.streams;
    w.nsymbols = h.nsymbols;
    w.heartbeat_ms = srv->hb_ms;
    w.max_frame = srv->max_frame;
    w.conn_id = c->id;
    memcpy(w.server, srv->name, sizeof w.server);
    rc = tipc__welcome_encode(&w, payload, sizeof payload, &n);
    assert(rc == 0);
    if (tipc__ring_put_frame(&c->out, TIPC_MSG_WELCOME, payload, n) < 0) {
        conn_close(srv, c, TIPC_LEAVE_IO_ERROR, "out of memory");
        return 0;
    }
    mark_dirty(srv, c);
    c->state = CS_JOINED;
    c->joined_idx = srv->njoined;
    srv->joined[srv->njoined++] = c;
    tipc__framer_set_max(&c->fr, srv->max_frame);
    tipc__log(&srv->log, TIPC_LOG_INFO, "server",
              "conn %llu (%s) joined: name=%s role=%s streams=%u symbols=%u",
              (unsigned long long)c->id, c->peer, h.name, tipc__role_name(h.role), h.streams,
              h.nsymbols);
    memset(ev, 0, sizeof *ev);
    ev->kind = TIPC_SERVER_JOIN;
    ev->conn = c->id;
    ev->hello = &c->hello;
    return 1;
}

/* ---- Input -------------------------------------------------------------- */

/* Turn the connection's buffered bytes into events while there is room. */
static void
conn_drain(tipc_server *srv, conn *c, tipc_server_event *evs, int max, int *n)
{
    tipc_frame f;
    int rc;

    while (*n < max && c->state != CS_CLOSED) {
        rc = tipc__framer_next(&c->fr, &f);
        if (rc == 0)
            break;
        if (rc < 0) {
            if (rc == TIPC_EMSGSIZE)
                conn_close(srv, c, TIPC_LEAVE_FRAME_TOO_LARGE,
                           "frame length field exceeds max_frame (%u)", c->fr.max_frame);
            else if (rc == TIPC_EPROTO)
                conn_close(srv, c, TIPC_LEAVE_PROTOCOL_ERROR, "frame length field is 0");
            else
                conn_close(srv, c, TIPC_LEAVE_IO_ERROR, "framer: %s", tipc_strerror(rc));
            break;
        }
        if (c->state == CS_HANDSHAKE) {
            if (f.type != TIPC_MSG_HELLO) {
                conn_close(srv, c, TIPC_LEAVE_PROTOCOL_ERROR, "expected HELLO, got %s (0x%02x)",
                           tipc_msg_type_name(f.type), f.type);
                break;
            }
            if (conn_hello(srv, c, &f, &evs[*n])) {
                c->emit_gen = srv->poll_gen;
                (*n)++;
            }
            continue;
        }
        if (TIPC_LIKELY(f.type >= TIPC_MSG_DATA_MIN)) {
            tipc_server_event *ev = &evs[(*n)++];
            memset(ev, 0, sizeof *ev);
            ev->kind = TIPC_SERVER_FRAME;
            ev->conn = c->id;
            ev->frame = f;
            c->emit_gen = srv->poll_gen;
        } else if (f.type == TIPC_MSG_HEARTBEAT) {
            continue;
        } else if (f.type == TIPC_MSG_BYE) {
            char reason[TIPC_SOCK_REASON_MAX + 1];
            if (tipc__reason_decode(f.data, f.len, reason, sizeof reason) < 0)
                reason[0] = '\0';
            conn_close(srv, c, TIPC_LEAVE_PEER_CLOSED, "BYE: %s", reason);
        } else {
            conn_close(srv, c, TIPC_LEAVE_PROTOCOL_ERROR, "unexpected %s (0x%02x) after handshake",
                       tipc_msg_type_name(f.type), f.type);
        }
    }
    if (c->state == CS_CLOSED)
        return;
    if (!tipc__framer_drained(&c->fr)) {
        if (!(c->flags & CF_PENDING)) {
            c->flags |= CF_PENDING;
            c->pending_idx = srv->npending;
            srv->pending[srv->npending++] = c;
        }
    } else if (c->flags & CF_PENDING) {
        pending_remove(srv, c);
    }
}

static void
conn_readable(tipc_server *srv, conn *c, tipc_server_event *evs, int max, int *n)
{
    ssize_t r;

    /* Its buffers still back events of this poll, or hold frames not yet
     * returned: epoll is level-triggered and will ask again. */
    if (c->state == CS_CLOSED || (c->flags & CF_PENDING) || c->emit_gen == srv->poll_gen)
        return;
    do
        r = recv(c->fd, c->rbuf, SRV_RBUF, 0);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        conn_close(srv, c, TIPC_LEAVE_PEER_CLOSED, "connection closed by peer");
        return;
    }
    if (r < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            conn_close(srv, c, TIPC_LEAVE_IO_ERROR, "read: %s", tipc_strerror(tipc__neg_errno()));
        return;
    }
    c->last_rx = srv->now;
    if (tipc_framer_feed(&c->fr, c->rbuf, (size_t)r) < 0) {
        conn_close(srv, c, TIPC_LEAVE_PROTOCOL_ERROR, "framer state");
        return;
    }
    conn_drain(srv, c, evs, max, n);
}

/* ---- Accepting ---------------------------------------------------------- */

static void
peer_name(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(buf, cap, "%s:%u", host, ntohs(in->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(buf, cap, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        snprintf(buf, cap, "unix");
    }
}

/* Refuse a connection there is no slot for, without allocating. */
static void
refuse(tipc_server *srv, int fd, const char *peer)
{
    uint8_t frame[TIPC_FRAME_HDR + 64];
    size_t n;
    char why[48];

    snprintf(why, sizeof why, "server full (max_conns %u)", srv->max_conns);
    if (tipc__reason_encode(why, frame + TIPC_FRAME_HDR, sizeof frame - TIPC_FRAME_HDR, &n) == 0) {
        tipc__frame_hdr(frame, TIPC_MSG_REJECT, n);
        (void)send(fd, frame, TIPC_FRAME_HDR + n, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    close(fd);
    tipc__log(&srv->log, TIPC_LOG_WARN, "server", "refused %s: %s", peer, why);
}

static void
set_listening(tipc_server *srv, int on)
{
    struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = srv};

    (void)epoll_ctl(srv->epfd, EPOLL_CTL_MOD, srv->lfd, &ev);
}

static void
srv_accept(tipc_server *srv)
{
    for (int i = 0; i < SRV_ACCEPT_BURST; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        struct epoll_event ev;
        char peer[64];
        conn *c;
        int fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int one = 1;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            /* Out of fds or memory: the listener would stay readable and
             * spin the loop, so disarm it for a moment. */
            tipc__log(&srv->log, TIPC_LOG_ERROR, "server", "accept: %s; pausing %d ms",
                      tipc_strerror(tipc__neg_errno()), SRV_ACCEPT_PAUSE_MS);
            set_listening(srv, 0);
            srv->accept_resume = srv->now + SRV_ACCEPT_PAUSE_MS;
            return;
        }
        peer_name(&ss, peer, sizeof peer);
        if (srv->nfree == 0) {
            refuse(srv, fd, peer);
            continue;
        }
        c = calloc(1, sizeof *c);
        if (c == NULL || (c->rbuf = malloc(SRV_RBUF)) == NULL) {
            free(c);
            close(fd);
            tipc__log(&srv->log, TIPC_LOG_ERROR, "server", "refused %s: out of memory", peer);
            continue;
        }
        if (ss.ss_family != AF_UNIX)
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->slot = srv->free_slots[--srv->nfree];
        if (++srv->slot_gen[c->slot] == 0) /* keep ids non-zero after a wrap */
            srv->slot_gen[c->slot] = 1;
        c->id = (uint64_t)srv->slot_gen[c->slot] << 32 | c->slot;
        c->state = CS_HANDSHAKE;
        c->last_rx = c->last_tx = srv->now;
        c->deadline = srv->now + srv->hs_ms;
        c->peer_max = TIPC_FRAME_MAX_DEFAULT;
        snprintf(c->peer, sizeof c->peer, "%s", peer);
        /* Before the HELLO is accepted, frames are capped small: an
         * unauthenticated peer cannot make the server buffer max_frame. */
        tipc__framer_init(&c->fr, TIPC__HELLO_FRAME_MAX);
        tipc__ring_init(&c->out, srv->out_cap);
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            tipc__log(&srv->log, TIPC_LOG_ERROR, "server", "epoll_ctl(%s): %s", peer,
                      tipc_strerror(tipc__neg_errno()));
            srv->free_slots[srv->nfree++] = c->slot;
            close(fd);
            free(c->rbuf);
            free(c);
            continue;
        }
        srv->slots[c->slot] = c;
        tipc__log(&srv->log, TIPC_LOG_DEBUG, "server", "conn %llu accepted from %s",
                  (unsigned long long)c->id, peer);
    }
}

/* ---- Timers ------------------------------------------------------------- */

static void
sweep(tipc_server *srv)
{
    uint64_t now = srv->now;

    for (uint32_t i = 0; i < srv->max_conns; i++) {
        conn *c = srv->slots[i];

        if (c == NULL || c->state == CS_CLOSED)
            continue;
        if (c->state == CS_HANDSHAKE) {
            if (srv->hs_ms > 0 && now >= c->deadline)
                conn_close(srv, c, TIPC_LEAVE_HANDSHAKE_TIMEOUT, "no HELLO within %u ms",
                           srv->hs_ms);
            continue;
        }
        if (srv->dead_ms > 0 && now - c->last_rx >= srv->dead_ms) {
            conn_close(srv, c, TIPC_LEAVE_HEARTBEAT_TIMEOUT, "silent for %llu ms",
                       (unsigned long long)(now - c->last_rx));
            continue;
        }
        if (srv->hb_ms > 0 && c->out.len == 0 && now - c->last_tx >= srv->hb_ms &&
            tipc__ring_put_frame(&c->out, TIPC_MSG_HEARTBEAT, NULL, 0) == 0)
            mark_dirty(srv, c);
    }
    if (srv->accept_resume != 0 && now >= srv->accept_resume) {
        srv->accept_resume = 0;
        set_listening(srv, 1);
    }
    srv->next_sweep = now + srv->sweep_ms;
}

/* ---- Poll --------------------------------------------------------------- */

static void
emit_leaves(tipc_server *srv, tipc_server_event *evs, int max, int *n)
{
    uint32_t k = 0;

    while (k < srv->nleaving && *n < max) {
        conn *c = srv->leaving[k++];
        tipc_server_event *ev = &evs[(*n)++];

        memset(ev, 0, sizeof *ev);
        ev->kind = TIPC_SERVER_LEAVE;
        ev->conn = c->id;
        ev->reason = c->reason;
        ev->why = c->why;
        srv->reap[srv->nreap++] = c;
    }
    memmove(srv->leaving, srv->leaving + k, (srv->nleaving - k) * sizeof *srv->leaving);
    srv->nleaving -= k;
}

int
tipc_server_next_timeout_ms(const tipc_server *srv)
{
    uint64_t now;

    assert(srv != NULL);
    if (srv->npending > 0 || srv->nleaving > 0 || srv->ndirty > 0)
        return 0;
    now = tipc__now_ms();
    return now >= srv->next_sweep ? 0 : (int)(srv->next_sweep - now);
}

/* epoll_wait for up to wait_ns (UINT64_MAX: forever): to the nanosecond with
 * epoll_pwait2, else in whole milliseconds rounded up (never early). */
static int
epoll_wait_ns(int epfd, struct epoll_event *evs, int max, uint64_t wait_ns)
{
#ifdef HAVE_EPOLL_PWAIT2
    static int unsupported; /* ENOSYS once: a kernel older than 5.11 */
    if (!unsupported) {
        struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000u),
                              .tv_nsec = (long)(wait_ns % 1000000000u)};
        int k = epoll_pwait2(epfd, evs, max, wait_ns == UINT64_MAX ? NULL : &ts, NULL);
        if (k >= 0 || errno != ENOSYS)
            return k;
        unsupported = 1;
    }
#endif
    uint64_t ms = wait_ns == UINT64_MAX ? UINT64_MAX : (wait_ns + 999999u) / 1000000u;
    return epoll_wait(epfd, evs, max, ms > INT32_MAX ? -1 : (int)ms);
}

/* epoll_wait_ns, but with busy-polling on: check without waiting, in a loop,
 * for up to spin_ns of the wait, and sleep only for what is left of it. */
static int
server_wait(tipc_server *srv, uint64_t wait_ns)
{
    if (srv->spin_ns > 0 && wait_ns > 0) {
        uint64_t t0 = tipc_time_monotonic_ns(), spun = 0;
        uint64_t spin = wait_ns < srv->spin_ns ? wait_ns : srv->spin_ns;
        int k;

        do {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if ((k = epoll_wait(srv->epfd, srv->evbuf, SRV_EPOLL_BATCH, 0)) != 0)
                return k;
            spun = tipc_time_monotonic_ns() - t0;
        } while (spun < spin);
        if (wait_ns != UINT64_MAX)
            wait_ns = wait_ns > spun ? wait_ns - spun : 0;
    }
    return epoll_wait_ns(srv->epfd, srv->evbuf, SRV_EPOLL_BATCH, wait_ns);
}

static int
server_poll(tipc_server *srv, tipc_server_event *evs, int max, int64_t timeout_ns)
{
    uint64_t now_ns, deadline_ns;
    int n = 0;

    assert(srv != NULL && (evs != NULL || max < 1));
    if (max < 1)
        return TIPC_EINVAL;
    srv->poll_gen++;
    while (srv->nreap > 0)
        conn_free(srv, srv->reap[--srv->nreap]);
    now_ns = tipc_time_monotonic_ns();
    srv->now = now_ns / 1000000u;
    deadline_ns = timeout_ns < 0 ? UINT64_MAX : now_ns + (uint64_t)timeout_ns;
    flush_dirty(srv);
    for (;;) {
        uint64_t wait;
        int k;

        for (uint32_t i = 0; i < srv->npending && n < max;) {
            conn *c = srv->pending[i];
            conn_drain(srv, c, evs, max, &n);
            if (i < srv->npending && srv->pending[i] == c)
                i++; /* still pending: evs is full */
        }
        if (srv->now >= srv->next_sweep)
            sweep(srv);
        if (n < max) {
            if (n > 0 || srv->nleaving > 0 || srv->npending > 0 || srv->ndirty > 0) {
                wait = 0;
            } else {
                uint64_t sweep_ns = srv->next_sweep * 1000000u;
                uint64_t until = deadline_ns < sweep_ns ? deadline_ns : sweep_ns;
                wait = until == UINT64_MAX ? UINT64_MAX : until <= now_ns ? 0 : until - now_ns;
            }
            k = server_wait(srv, wait);
            if (k < 0 && errno != EINTR)
                return tipc__neg_errno();
            now_ns = tipc_time_monotonic_ns();
            srv->now = now_ns / 1000000u;
            for (int i = 0; i < k; i++) {
                struct epoll_event *e = &srv->evbuf[i];
                conn *c = e->data.ptr;

                if (e->data.ptr == srv) {
                    srv_accept(srv);
                    continue;
                }
                if ((e->events & EPOLLOUT) && c->state != CS_CLOSED)
                    conn_flush(srv, c);
                if (e->events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    conn_readable(srv, c, evs, max, &n);
            }
            flush_dirty(srv);
            if (k < 0) { /* EINTR: let the caller look at its signal flags */
                emit_leaves(srv, evs, max, &n);
                return n;
            }
        }
        emit_leaves(srv, evs, max, &n);
        if (n > 0 || now_ns >= deadline_ns)
            return n;
    }
}

int
tipc_server_poll(tipc_server *srv, tipc_server_event *evs, int max, int timeout_ms)
{
    return server_poll(srv, evs, max, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000);
}

int
tipc_server_poll_ns(tipc_server *srv, tipc_server_event *evs, int max, int64_t timeout_ns)
{
    return server_poll(srv, evs, max, timeout_ns);
}

/* ---- Sending ------------------------------------------------------------ */

int
tipc_server_publish(tipc_server *srv, uint32_t stream, const char *symbol, uint8_t type,
                    const void *data, size_t len)
{
    uint8_t hdr[TIPC_FRAME_HDR];
    uint8_t key[TIPC_SYMBOL_MAX + 1];
    uint64_t bit = 0;
    size_t need = TIPC_FRAME_HDR + len;
    int have_key = 0, count = 0;

    assert(srv != NULL && (data != NULL || len == 0));
    if (type < TIPC_MSG_DATA_MIN || (stream != TIPC_STREAM_PRICES && stream != TIPC_STREAM_NEWS))
        return TIPC_EINVAL;
    if (len + 1 > srv->max_frame)
        return TIPC_EMSGSIZE;
    tipc__frame_hdr(hdr, type, len);
    for (uint32_t i = 0; i < srv->njoined;) {
        conn *c = srv->joined[i];

        if (!(c->streams & stream) || len + 1 > c->peer_max) {
            i++;
            continue;
        }
        if (c->nfilter > 0 && symbol != NULL) {
            if (!have_key) {
                size_t sl = strnlen(symbol, sizeof key);
                memset(key, 0, sizeof key);
                if (sl < sizeof key)
                    memcpy(key, symbol, sl);
                else
                    key[0] = 0xff; /* too long to be in any filter */
                bit = symbol_hash_bit(key);
                have_key = 1;
            }
            if (!(c->bloom & bit) || !filter_has(c, key)) {
                i++;
                continue;
            }
        }
        if (TIPC_UNLIKELY(tipc__ring_reserve(&c->out, need) < 0)) {
            conn_close(srv, c, TIPC_LEAVE_OVERFLOW,
                       "output buffer full (%zu bytes queued, out_cap %zu)", c->out.len,
                       srv->out_cap);
            continue; /* c was swapped out of joined[i] */
        }
        tipc__ring_put_hdr_payload(&c->out, hdr, data, len);
        mark_dirty(srv, c);
        count++;
        i++;
    }
    return count;
}

int
tipc_server_send(tipc_server *srv, uint64_t id, uint8_t type, const void *data, size_t len)
{
    conn *c;
    int rc;

    assert(srv != NULL && (data != NULL || len == 0));
    if (type < TIPC_MSG_DATA_MIN)
        return TIPC_EINVAL;
    c = conn_lookup(srv, id);
    if (c == NULL || c->state != CS_JOINED)
        return TIPC_ENOENT;
    if (len + 1 > c->peer_max || len + 1 > TIPC_FRAME_MAX_LIMIT)
        return TIPC_EMSGSIZE;
    rc = tipc__ring_put_frame(&c->out, type, data, len);
    if (rc < 0) {
        conn_close(srv, c, rc == TIPC_EOVERFLOW ? TIPC_LEAVE_OVERFLOW : TIPC_LEAVE_IO_ERROR,
                   "output buffer full (%zu bytes queued, out_cap %zu)", c->out.len, srv->out_cap);
        return TIPC_EOVERFLOW;
    }
    mark_dirty(srv, c);
    return 0;
}

int
tipc_server_flush(tipc_server *srv)
{
    assert(srv != NULL);
    srv->now = tipc__now_ms();
    flush_dirty(srv);
    return (int)srv->nwant;
}

int
tipc_server_close_conn(tipc_server *srv, uint64_t id, const char *reason)
{
    conn *c;

    assert(srv != NULL);
    c = conn_lookup(srv, id);
    if (c == NULL || c->state == CS_CLOSED)
        return TIPC_ENOENT;
    conn_close(srv, c, TIPC_LEAVE_CLOSED, "%s", reason != NULL ? reason : "closed by server");
    return 0;
}

int
tipc_server_conn_count(const tipc_server *srv)
{
    assert(srv != NULL);
    return (int)srv->njoined;
}

int
tipc_server_port(const tipc_server *srv)
{
    assert(srv != NULL);
    return srv->port;
}

int
tipc_server_fd(const tipc_server *srv)
{
    assert(srv != NULL);
    return srv->epfd;
}

/* ---- Listening ---------------------------------------------------------- */

/* A unix path that exists but refuses connections was left by a dead
 * server: remove it. A live one is somebody's; leave it alone. */
static int
unix_path_stale(const struct sockaddr_un *sun, socklen_t len)
{
    struct stat st;
    int fd, rc;

    if (sun->sun_path[0] == '\0' || stat(sun->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return 0;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    rc = connect(fd, (const struct sockaddr *)sun, len);
    rc = rc < 0 && errno == ECONNREFUSED;
    close(fd);
    return rc;
}

static int
listen_fd(int family, const struct sockaddr *sa, socklen_t len, int v6only, int *out)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, rc;

    if (fd < 0)
        return tipc__neg_errno();
    if (family != AF_UNIX)
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6 && v6only >= 0)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    if (bind(fd, sa, len) < 0 || listen(fd, SOMAXCONN) < 0) {
        rc = tipc__neg_errno();
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

static int
srv_bind(tipc_server *srv, const tipc__addr *a)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int rc;

    if (a->is_unix) {
        rc = listen_fd(AF_UNIX, (const struct sockaddr *)&a->sun, a->sunlen, -1, &srv->lfd);
        if (rc == TIPC_EADDRINUSE && unix_path_stale(&a->sun, a->sunlen)) {
            tipc__log(&srv->log, TIPC_LOG_WARN, "server", "removing stale socket %s",
                      a->sun.sun_path);
            unlink(a->sun.sun_path);
            rc = listen_fd(AF_UNIX, (const struct sockaddr *)&a->sun, a->sunlen, -1, &srv->lfd);
        }
        if (rc == 0 && a->sun.sun_path[0] != '\0') {
            struct stat st;
            if (stat(a->sun.sun_path, &st) == 0) {
                srv->unix_path_owned = 1;
                srv->sun = a->sun;
                srv->sun_dev = st.st_dev;
                srv->sun_ino = st.st_ino;
            }
        }
        return rc;
    }
    if (a->any) {
        struct sockaddr_in6 in6;
        struct sockaddr_in in4;

        memset(&in6, 0, sizeof in6);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)atoi(a->port));
        in6.sin6_addr = in6addr_any;
        rc = listen_fd(AF_INET6, (const struct sockaddr *)&in6, sizeof in6, 0, &srv->lfd);
        if (rc == TIPC_EADDRINUSE)
            return rc;
        if (rc < 0) { /* no IPv6 on this host */
            memset(&in4, 0, sizeof in4);
            in4.sin_family = AF_INET;
            in4.sin_port = in6.sin6_port;
            in4.sin_addr.s_addr = htonl(INADDR_ANY);
            rc = listen_fd(AF_INET, (const struct sockaddr *)&in4, sizeof in4, -1, &srv->lfd);
        }
    } else {
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        rc = getaddrinfo(a->host, a->port, &hints, &res);
        if (rc != 0)
            return tipc__gai_err(rc);
        rc = TIPC_ENOENT;
        for (ai = res; ai != NULL; ai = ai->ai_next) {
            rc = listen_fd(ai->ai_family, ai->ai_addr, ai->ai_addrlen, 1, &srv->lfd);
            if (rc == 0)
                break;
        }
        freeaddrinfo(res);
    }
    if (rc < 0)
        return rc;
    if (getsockname(srv->lfd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            srv->port = ntohs(((const struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            srv->port = ntohs(((const struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return 0;
}

static int
srv_opts(tipc_server *srv, const tipc_server_opts *o)
{
    size_t toklen = o->token != NULL ? strlen(o->token) : 0;
    const char *name = o->name != NULL ? o->name : "tradeipc";
    size_t namelen = strlen(name);
    uint32_t m;

    srv->max_frame = o->max_frame != 0 ? o->max_frame : TIPC_FRAME_MAX_DEFAULT;
    srv->out_cap = o->out_cap != 0 ? o->out_cap : SRV_OUT_CAP_DEFAULT;
    if (o->out_cap == 0 && srv->out_cap < (size_t)srv->max_frame + TIPC_FRAME_HDR)
        srv->out_cap = (size_t)srv->max_frame + TIPC_FRAME_HDR;
    srv->hb_ms = tipc__opt_ms(o->heartbeat_ms, SRV_HEARTBEAT_DEFAULT);
    srv->dead_ms = tipc__opt_ms(o->dead_after_ms, SRV_DEAD_AFTER_DEFAULT);
    srv->hs_ms = tipc__opt_ms(o->handshake_timeout_ms, SRV_HANDSHAKE_DEFAULT);
    srv->max_conns = o->max_conns != 0 ? o->max_conns : SRV_MAX_CONNS_DEFAULT;
    srv->allowed_roles = o->allowed_roles != 0 ? o->allowed_roles : TIPC_ROLE_ALL;
    if (srv->max_frame < TIPC__PEER_MAX_FRAME_MIN || srv->max_frame > TIPC_FRAME_MAX_LIMIT ||
        srv->out_cap < (size_t)srv->max_frame + TIPC_FRAME_HDR ||
        srv->max_conns > SRV_MAX_CONNS_LIMIT || (srv->allowed_roles & ~TIPC_ROLE_ALL) != 0 ||
        toklen > TIPC_SOCK_TOKEN_MAX || namelen == 0 || namelen > TIPC_SOCK_NAME_MAX ||
        o->busy_poll_us > 1000000u)
        return TIPC_EINVAL;
    srv->spin_ns = (uint64_t)o->busy_poll_us * 1000u;
    for (size_t i = 0; i < namelen; i++)
        if (name[i] < 0x20 || name[i] >= 0x7f)
            return TIPC_EINVAL;
    srv->has_token = toklen > 0;
    memcpy(srv->token, o->token != NULL ? o->token : "", toklen);
    memcpy(srv->name, name, namelen);
    if (o->logger != NULL)
        srv->log = *o->logger;
    /* Timers are checked a few times per shortest period. */
    m = 400;
    if (srv->hb_ms > 0 && srv->hb_ms < m)
        m = srv->hb_ms;
    if (srv->dead_ms > 0 && srv->dead_ms < m)
        m = srv->dead_ms;
    if (srv->hs_ms > 0 && srv->hs_ms < m)
        m = srv->hs_ms;
    srv->sweep_ms = m / 4 > 0 ? m / 4 : 1;
    return 0;
}

int
tipc_server_listen(tipc_server **out, const char *addr, const tipc_server_opts *opts)
{
    static const tipc_server_opts defaults;
    tipc_server *srv;
    tipc__addr a;
    struct epoll_event ev;
    int rc;

    assert(out != NULL);
    srv = calloc(1, sizeof *srv);
    if (srv == NULL)
        return TIPC_ENOMEM;
    srv->epfd = srv->lfd = -1;
    if ((rc = srv_opts(srv, opts != NULL ? opts : &defaults)) < 0 ||
        (rc = tipc__addr_parse(addr, 1, &a)) < 0)
        goto fail;
    srv->slots = calloc(srv->max_conns, sizeof *srv->slots);
    srv->slot_gen = calloc(srv->max_conns, sizeof *srv->slot_gen);
    srv->free_slots = calloc(srv->max_conns, sizeof *srv->free_slots);
    srv->joined = calloc(srv->max_conns, sizeof *srv->joined);
    srv->dirty = calloc(srv->max_conns, sizeof *srv->dirty);
    srv->pending = calloc(srv->max_conns, sizeof *srv->pending);
    srv->leaving = calloc(srv->max_conns, sizeof *srv->leaving);
    srv->reap = calloc(srv->max_conns, sizeof *srv->reap);
    if (!srv->slots || !srv->slot_gen || !srv->free_slots || !srv->joined || !srv->dirty ||
        !srv->pending || !srv->leaving || !srv->reap) {
        rc = TIPC_ENOMEM;
        goto fail;
    }
    for (uint32_t i = 0; i < srv->max_conns; i++)
        srv->free_slots[i] = srv->max_conns - 1 - i; /* hand out slot 0 first */
    srv->nfree = srv->max_conns;
    if ((rc = srv_bind(srv, &a)) < 0)
        goto fail;
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (srv->epfd < 0) {
        rc = tipc__neg_errno();
        goto fail;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = srv;
    if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev) < 0) {
        rc = tipc__neg_errno();
        goto fail;
    }
    srv->now = tipc__now_ms();
    srv->next_sweep = srv->now + srv->sweep_ms;
    if (srv->port != 0)
        tipc__log(&srv->log, TIPC_LOG_INFO, "server", "%s listening on %s (port %d)", srv->name,
                  addr, srv->port);
    else
        tipc__log(&srv->log, TIPC_LOG_INFO, "server", "%s listening on %s", srv->name, addr);
    *out = srv;
    return 0;
fail:
    tipc_server_close(srv);
    return rc;
}

void
tipc_server_close(tipc_server *srv)
{
    if (srv == NULL)
        return;
    for (uint32_t i = 0; srv->slots != NULL && i < srv->max_conns; i++) {
        conn *c = srv->slots[i];
        if (c == NULL)
            continue;
        if (c->state != CS_CLOSED) {
            uint8_t payload[64];
            size_t n;
            if (tipc__reason_encode("server shutting down", payload, sizeof payload, &n) == 0 &&
                tipc__ring_reserve(&c->out, TIPC_FRAME_HDR + n) == 0)
                (void)tipc__ring_put_frame(
                    &c->out, c->state == CS_JOINED ? TIPC_MSG_BYE : TIPC_MSG_REJECT, payload, n);
            (void)tipc__ring_write(&c->out, c->fd);
            close(c->fd);
        }
        tipc__framer_fini(&c->fr);
        tipc__ring_fini(&c->out);
        free(c->rbuf);
        free(c);
    }
    if (srv->lfd >= 0)
        close(srv->lfd);
    if (srv->epfd >= 0)
        close(srv->epfd);
    if (srv->unix_path_owned) {
        struct stat st;
        /* Only our own socket file: another server may have replaced it. */
        if (stat(srv->sun.sun_path, &st) == 0 && st.st_dev == srv->sun_dev &&
            st.st_ino == srv->sun_ino)
            unlink(srv->sun.sun_path);
    }
    free(srv->slots);
    free(srv->slot_gen);
    free(srv->free_slots);
    free(srv->joined);
    free(srv->dirty);
    free(srv->pending);
    free(srv->leaving);
    free(srv->reap);
    free(srv);
}
