/* SPDX-License-Identifier: MIT */
/*
 * The client socket: moves bytes between the fd and the framer, and runs the
 * handshake and heartbeats. Every read and write passes MSG_DONTWAIT, and
 * blocking calls are poll(2) loops, so every wait has a deadline and nothing
 * ever hangs in the kernel. The one exception is a recv waiting for input
 * with nothing to send: once connected the fd is left blocking, and that wait
 * is a recv(2) bounded by SO_RCVTIMEO rather than poll(2) and then recv(2),
 * one system call less per round trip for a client waiting on each answer
 * (the timeout is set only when it changes; see rcvtimeo_for). Input goes
 * through one large read buffer: a read(2)
 * brings in hundreds of frames, which recv hands out in place, and the clock
 * is read once per read(2), never per frame. Output goes through a bounded
 * ring written with one sendmsg(MSG_NOSIGNAL) per flush. Errors that end a
 * connection are sticky so a caller that ignores one sees it again.
 * Also here: the output ring and address parsing, shared with server.c.
 */
#include "tipc_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sock_int.h"

#define SOCK_RECV_BUF_DEFAULT (256u * 1024u)
#define SOCK_RECV_BUF_MIN 4096u
#define SOCK_OUT_CAP_DEFAULT (4u * 1024u * 1024u)
#define SOCK_CONNECT_TIMEOUT_DEFAULT 5000
#define SOCK_SEND_TIMEOUT_DEFAULT 5000
#define SOCK_HEARTBEAT_DEFAULT 1000u
#define SOCK_DEAD_AFTER_DEFAULT 3000u
#define RING_MIN 4096u

/* ---- Small shared helpers ----------------------------------------------- */

uint64_t
tipc__now_ms(void)
{
    return tipc_time_monotonic_ns() / 1000000u;
}

int
tipc__gai_err(int gai)
{
    switch (gai) {
    case EAI_AGAIN:
        return TIPC_EAGAIN;
    case EAI_MEMORY:
        return TIPC_ENOMEM;
    case EAI_SYSTEM:
        return tipc__neg_errno();
    case EAI_SERVICE:
    case EAI_BADFLAGS:
        return TIPC_EINVAL;
    default: /* EAI_NONAME, EAI_NODATA, EAI_FAIL, EAI_FAMILY */
        return TIPC_ENOENT;
    }
}

int
tipc__addr_parse(const char *addr, int listening, tipc__addr *out)
{
    const char *colon, *host, *port;
    size_t hostlen, plen;
    unsigned long pnum = 0;

    memset(out, 0, sizeof *out);
    if (addr == NULL)
        return TIPC_EINVAL;
    if (strncmp(addr, "unix:", 5) == 0) {
        const char *path = addr + 5;
        size_t n = strlen(path);
        int abstract = path[0] == '@';

        if (n == 0 || (abstract && n == 1))
            return TIPC_EINVAL;
        if (n >= sizeof out->sun.sun_path)
            return TIPC_ENAMETOOLONG;
        out->is_unix = 1;
        out->sun.sun_family = AF_UNIX;
        memcpy(out->sun.sun_path, path, n);
        if (abstract)
            out->sun.sun_path[0] = '\0'; /* Linux abstract namespace: no file */
        out->sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + !abstract);
        return 0;
    }
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (close == NULL || close[1] != ':')
            return TIPC_EINVAL;
        host = addr + 1;
        hostlen = (size_t)(close - host);
        port = close + 2;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL)
            return TIPC_EINVAL;
        host = addr;
        hostlen = (size_t)(colon - addr);
        port = colon + 1;
    }
    plen = strlen(port);
    if (plen == 0 || plen > 5 || hostlen >= sizeof out->host)
        return TIPC_EINVAL;
    for (size_t i = 0; i < plen; i++) {
        if (port[i] < '0' || port[i] > '9')
            return TIPC_EINVAL;
        pnum = pnum * 10 + (unsigned long)(port[i] - '0');
    }
    if (pnum > 65535 || (pnum == 0 && !listening))
        return TIPC_EINVAL;
    snprintf(out->port, sizeof out->port, "%lu", pnum);
    if (hostlen == 1 && host[0] == '*') {
        if (!listening)
            return TIPC_EINVAL;
        out->any = 1;
    } else if (hostlen == 0) {
        strcpy(out->host, "127.0.0.1");
    } else {
        memcpy(out->host, host, hostlen);
        out->host[hostlen] = '\0';
    }
    return 0;
}

/* ---- Output ring -------------------------------------------------------- */

void
tipc__ring_init(tipc__ring *r, size_t max)
{
    memset(r, 0, sizeof *r);
    r->max = max;
}

void
tipc__ring_fini(tipc__ring *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int
tipc__ring_grow(tipc__ring *r, size_t n)
{
    size_t need = r->len + n, cap = r->cap < RING_MIN ? RING_MIN : r->cap;
    uint8_t *nb;
    struct iovec iov[2];
    int k;

    if (need > r->max)
        return TIPC_EOVERFLOW;
    while (cap < need)
        cap *= 2;
    if (cap > r->max)
        cap = r->max;
    nb = malloc(cap);
    if (nb == NULL)
        return TIPC_ENOMEM;
    k = tipc__ring_iov(r, iov);
    if (k > 0)
        memcpy(nb, iov[0].iov_base, iov[0].iov_len);
    if (k > 1)
        memcpy(nb + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
    free(r->buf);
    r->buf = nb;
    r->cap = cap;
    r->head = 0;
    return 0;
}

int
tipc__ring_iov(const tipc__ring *r, struct iovec iov[2])
{
    size_t first;

    if (r->len == 0)
        return 0;
    first = r->cap - r->head;
    if (first > r->len)
        first = r->len;
    iov[0].iov_base = r->buf + r->head;
    iov[0].iov_len = first;
    if (first == r->len)
        return 1;
    iov[1].iov_base = r->buf;
    iov[1].iov_len = r->len - first;
    return 2;
}

void
tipc__ring_consume(tipc__ring *r, size_t n)
{
    r->len -= n;
    r->head = r->len == 0 ? 0 : (r->head + n) % r->cap;
}

long
tipc__ring_write(tipc__ring *r, int fd)
{
    struct iovec iov[2];
    struct msghdr m;
    ssize_t n;

    memset(&m, 0, sizeof m);
    m.msg_iov = iov;
    m.msg_iovlen = (size_t)tipc__ring_iov(r, iov);
    if (m.msg_iovlen == 0)
        return 0;
    do
        n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : tipc__neg_errno();
    tipc__ring_consume(r, (size_t)n);
    return (long)n;
}

/* ---- Client ------------------------------------------------------------- */

struct tipc_sock {
    int fd;
    int err;    /* sticky; 0 while healthy */
    int joined; /* handshake done: heartbeats run, control frames filtered */
    tipc_framer fr;
    uint8_t *rbuf;
    size_t rcap;
    tipc__ring out;
    uint32_t peer_max; /* largest L the server accepts */
    uint32_t hb_ms;    /* 0: never */
    uint32_t dead_ms;  /* 0: never */
    int send_timeout;  /* ms, -1 forever */
    uint64_t last_rx;  /* ms, monotonic */
    uint64_t last_tx;
    uint64_t spin_ns; /* opts.busy_poll_us: read again for this long before sleeping */
    int rshort;       /* the last read filled less than rbuf: the socket is likely empty */
    int blocking;     /* fd is blocking: input waits are recv(2) under SO_RCVTIMEO */
    int rcvtimeo;     /* SO_RCVTIMEO in force, ms; -1 none (forever) */
    tipc_logger log;
};

static int
sock_fail(tipc_sock *s, int err)
{
    if (s->err == 0)
        s->err = err;
    return s->err;
}

/* ms left until deadline; -1 when there is none. */
static int
ms_left(uint64_t deadline, uint64_t now)
{
    if (deadline == UINT64_MAX)
        return -1;
    if (now >= deadline)
        return 0;
    return deadline - now > INT32_MAX ? INT32_MAX : (int)(deadline - now);
}

static uint64_t
deadline_after(int timeout_ms, uint64_t now)
{
    return timeout_ms < 0 ? UINT64_MAX : now + (uint64_t)timeout_ms;
}

/* Min of two waits where -1 means forever. */
static int
min_wait(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* poll one fd; returns revents, 0 on timeout or signal (callers re-check
 * their clocks and loop), or an error code. */
static int
wait_fd(int fd, short events, int ms)
{
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int rc = poll(&p, 1, ms);

    if (rc < 0)
        return errno == EINTR ? 0 : tipc__neg_errno();
    return rc == 0 ? 0 : p.revents;
}

static int
sock_write(tipc_sock *s, uint64_t now)
{
    long n = tipc__ring_write(&s->out, s->fd);

    if (n < 0)
        return sock_fail(s, (int)n);
    if (n > 0)
        s->last_tx = now;
    return 0;
}

/* Queue a heartbeat when nothing has gone out for hb_ms. Output already
 * queued means the peer is not reading; another frame would not help. */
static int
sock_heartbeat(tipc_sock *s, uint64_t now)
{
    if (!s->joined || s->hb_ms == 0 || s->out.len > 0 || now - s->last_tx < s->hb_ms)
        return 0;
    if (tipc__ring_put_frame(&s->out, TIPC_MSG_HEARTBEAT, NULL, 0) < 0)
        return 0;
    return sock_write(s, now);
}

/* ms until the next heartbeat or dead-peer deadline; -1 for none. */
static int
sock_duty_ms(const tipc_sock *s, uint64_t now)
{
    int w = -1;

    if (!s->joined)
        return -1;
    if (s->hb_ms > 0 && s->out.len == 0)
        w = ms_left(s->last_tx + s->hb_ms, now);
    if (s->dead_ms > 0)
        w = min_wait(w, ms_left(s->last_rx + s->dead_ms, now));
    return w;
}

/* Flush until the ring is empty or the deadline passes. */
static int
sock_drain_out(tipc_sock *s, uint64_t deadline)
{
    for (;;) {
        uint64_t now = tipc__now_ms();
        int rc = sock_write(s, now), ev;

        if (rc < 0)
            return rc;
        if (s->out.len == 0)
            return 0;
        if (ms_left(deadline, now) == 0)
            return deadline == 0 ? TIPC_EAGAIN : TIPC_ETIMEDOUT;
        ev = wait_fd(s->fd, POLLOUT, ms_left(deadline, now));
        if (ev < 0)
            return sock_fail(s, ev);
    }
}

/* Feed what a recv(2) returned (n, errno) to the framer, which must have
 * been drained. Returns 1 (bytes fed), 0 (nothing to read) or an error. */
static int
sock_fed(tipc_sock *s, ssize_t n)
{
    s->rshort = n > 0 && (size_t)n < s->rcap;
    if (n > 0) {
        int rc = tipc_framer_feed(&s->fr, s->rbuf, (size_t)n);
        return rc < 0 ? rc : 1;
    }
    if (n == 0)
        return TIPC_ECLOSED;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : tipc__neg_errno();
}

/* Read once, never waiting, into the read buffer and feed the framer. */
static int
sock_read(tipc_sock *s)
{
    ssize_t n;

    do
        n = recv(s->fd, s->rbuf, s->rcap, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return sock_fed(s, n);
}

/* The SO_RCVTIMEO to wait ms under (-1 forever), or 0 to poll instead.
 * The kernel counts it in scheduler ticks, up to 10 ms late, so short waits
 * poll. Longer ones are rounded down to three significant bits: a waiting
 * recv whose deadline creeps closer (the next heartbeat) changes the socket
 * option a dozen times per countdown, not every millisecond, and waking a
 * little early only means waiting again. */
static int
rcvtimeo_for(int ms)
{
    if (ms < 0)
        return -1;
    if (ms < 100)
        return 0;
    int keep = 1 << (31 - __builtin_clz((unsigned)ms) - 2);
    return ms & ~(keep - 1);
}

/* Wait up to ms for input in a blocking recv (the caller checked that ms
 * calls for it). Returns as sock_read: 0 when the time passed or a signal
 * came. */
static int
sock_read_wait(tipc_sock *s, int ms)
{
    ssize_t n;

    if (ms != s->rcvtimeo) {
        struct timeval tv = {.tv_sec = ms < 0 ? 0 : ms / 1000,
                             .tv_usec = ms < 0 ? 0 : (ms % 1000) * 1000};
        if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
            return tipc__neg_errno();
        s->rcvtimeo = ms;
    }
    n = recv(s->fd, s->rbuf, s->rcap, 0);
    if (n < 0 && errno == EINTR)
        return 0;
    return sock_fed(s, n);
}

/* Busy-poll: read again until data comes or spin_ns pass (the caller then
 * sleeps as usual). Returns what sock_read returned last. */
static int
sock_spin(tipc_sock *s)
{
    uint64_t until = tipc_time_monotonic_ns() + s->spin_ns;
    int got;

    do {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        got = sock_read(s);
    } while (got == 0 && tipc_time_monotonic_ns() < until);
    return got;
}

/* The next frame of any type, reading and waiting until *deadline
 * (UINT64_MAX: forever; 0: do not wait). Runs heartbeat duties on the way. */
static int
sock_pull(tipc_sock *s, tipc_frame *out, uint64_t deadline)
{
    for (;;) {
        uint64_t now;
        int rc = tipc__framer_next(&s->fr, out), got, ev, wait, timeo;

        if (TIPC_LIKELY(rc > 0))
            return 0;
        if (rc < 0)
            return sock_fail(s, rc);
        /* After a read that left room in the buffer, the socket is almost
         * always empty: when we may wait, let poll() say so instead of a
         * read that fails with EAGAIN (one system call less per wake-up).
         * A busy-polling socket reads on: its spin starts with that read. */
        if (s->rshort && deadline != 0 && s->spin_ns == 0) {
            s->rshort = 0;
            got = 0;
        } else if ((got = sock_read(s)) == 0 && s->spin_ns > 0 && deadline != 0) {
            got = sock_spin(s);
        }
        if (got < 0)
            return sock_fail(s, got);
        now = tipc__now_ms();
        if (got > 0)
            s->last_rx = now;
        if (s->out.len > 0 && (rc = sock_write(s, now)) < 0)
            return rc;
        if ((rc = sock_heartbeat(s, now)) < 0)
            return rc;
        if (s->joined && s->dead_ms > 0 && now - s->last_rx >= s->dead_ms) {
            tipc__log(&s->log, TIPC_LOG_WARN, "sock", "server silent for %llu ms: giving up",
                      (unsigned long long)(now - s->last_rx));
            return sock_fail(s, TIPC_ETIMEDOUT);
        }
        if (got > 0)
            continue;
        if (ms_left(deadline, now) == 0)
            return TIPC_EAGAIN;
        wait = min_wait(ms_left(deadline, now), sock_duty_ms(s, now));
        if (s->blocking && s->out.len == 0 && (timeo = rcvtimeo_for(wait)) != 0) {
            if ((got = sock_read_wait(s, timeo)) < 0)
                return sock_fail(s, got);
            if (got > 0)
                s->last_rx = tipc__now_ms();
            continue;
        }
        ev = wait_fd(s->fd, (short)(POLLIN | (s->out.len > 0 ? POLLOUT : 0)), wait);
        if (ev < 0)
            return sock_fail(s, ev);
    }
}

static int
sock_control(tipc_sock *s, const tipc_frame *f)
{
    char reason[TIPC_SOCK_REASON_MAX + 1];

    switch (f->type) {
    case TIPC_MSG_HEARTBEAT:
        return 0;
    case TIPC_MSG_BYE:
        if (tipc__reason_decode(f->data, f->len, reason, sizeof reason) < 0)
            reason[0] = '\0';
        tipc__log(&s->log, TIPC_LOG_INFO, "sock", "server said BYE: %s", reason);
        return sock_fail(s, TIPC_ECLOSED);
    default:
        tipc__log(&s->log, TIPC_LOG_WARN, "sock", "unexpected %s frame (0x%02x) from server",
                  tipc_msg_type_name(f->type), f->type);
        return sock_fail(s, TIPC_EPROTO);
    }
}

int
tipc_sock_recv(tipc_sock *s, tipc_frame *out, int timeout_ms)
{
    uint64_t deadline;
    int rc;

    assert(s != NULL && out != NULL);
    if (TIPC_UNLIKELY(s->err != 0))
        return s->err;
    /* Fast path: a data frame already in the read buffer. */
    rc = tipc__framer_next(&s->fr, out);
    if (TIPC_LIKELY(rc > 0 && out->type >= TIPC_MSG_DATA_MIN))
        return 0;
    if (rc < 0)
        return sock_fail(s, rc);
    if (rc > 0 && (rc = sock_control(s, out)) < 0)
        return rc;
    deadline = timeout_ms == 0 ? 0 : deadline_after(timeout_ms, tipc__now_ms());
    for (;;) {
        if ((rc = sock_pull(s, out, deadline)) < 0)
            return rc;
        if (out->type >= TIPC_MSG_DATA_MIN)
            return 0;
        if ((rc = sock_control(s, out)) < 0)
            return rc;
    }
}

/* Room for need bytes: make it by writing, waiting if allowed. */
static int
sock_room(tipc_sock *s, size_t need, int flags)
{
    uint64_t deadline = 0;

    for (;;) {
        uint64_t now;
        int rc = tipc__ring_reserve(&s->out, need), ev;

        if (rc == 0)
            return 0;
        if (rc != TIPC_EOVERFLOW)
            return rc;
        now = tipc__now_ms();
        if ((rc = sock_write(s, now)) < 0)
            return rc;
        if (tipc__ring_reserve(&s->out, need) == 0)
            return 0;
        if (flags & TIPC_NONBLOCK)
            return TIPC_EAGAIN;
        if (deadline == 0)
            deadline = deadline_after(s->send_timeout, now);
        if (ms_left(deadline, now) == 0)
            return TIPC_EAGAIN; /* nothing queued: the caller may retry */
        ev = wait_fd(s->fd, POLLOUT, ms_left(deadline, now));
        if (ev < 0)
            return sock_fail(s, ev);
    }
}

int
tipc_sock_send(tipc_sock *s, uint8_t type, const void *payload, size_t len, int flags)
{
    size_t need = TIPC_FRAME_HDR + len;
    int rc;

    assert(s != NULL && (payload != NULL || len == 0));
    if (s->err != 0)
        return s->err;
    if (type < TIPC_MSG_DATA_MIN)
        return TIPC_EINVAL;
    if (len + 1 > s->peer_max || need > s->out.max)
        return TIPC_EMSGSIZE;
    if ((rc = sock_room(s, need, flags)) < 0)
        return rc;
    rc = tipc__ring_put_frame(&s->out, type, payload, len);
    assert(rc == 0);
    if (flags & TIPC_SEND_MORE)
        return 0;
    if (flags & TIPC_NONBLOCK)
        return sock_write(s, tipc__now_ms());
    return sock_drain_out(s, deadline_after(s->send_timeout, tipc__now_ms()));
}

int
tipc_sock_flush(tipc_sock *s, int timeout_ms)
{
    uint64_t now;
    int rc;

    assert(s != NULL);
    if (s->err != 0)
        return s->err;
    now = tipc__now_ms();
    if ((rc = sock_heartbeat(s, now)) < 0)
        return rc;
    return sock_drain_out(s, timeout_ms == 0 ? 0 : deadline_after(timeout_ms, now));
}

int
tipc_sock_fd(const tipc_sock *s)
{
    assert(s != NULL);
    return s->fd;
}

short
tipc_sock_events(const tipc_sock *s)
{
    assert(s != NULL);
    return (short)(POLLIN | (s->out.len > 0 ? POLLOUT : 0));
}

int
tipc_sock_next_timeout_ms(const tipc_sock *s)
{
    assert(s != NULL);
    if (s->err != 0 || s->fr.in_pos < s->fr.in_len)
        return 0;
    return sock_duty_ms(s, tipc__now_ms());
}

void
tipc_sock_close(tipc_sock *s)
{
    uint8_t bye[32];
    size_t n;

    if (s == NULL)
        return;
    if (s->fd >= 0) {
        if (s->joined && s->err == 0 &&
            tipc__reason_encode("client closed", bye, sizeof bye, &n) == 0 &&
            tipc__ring_reserve(&s->out, TIPC_FRAME_HDR + n) == 0) {
            (void)tipc__ring_put_frame(&s->out, TIPC_MSG_BYE, bye, n);
            (void)tipc__ring_write(&s->out, s->fd);
        }
        close(s->fd);
    }
    tipc__framer_fini(&s->fr);
    tipc__ring_fini(&s->out);
    free(s->rbuf);
    free(s);
}

/* ---- Connecting --------------------------------------------------------- */

/* Non-blocking connect bounded by deadline. Returns 0 or an error code. */
static int
connect_fd(int fd, const struct sockaddr *sa, socklen_t len, uint64_t deadline)
{
    int err = 0;
    socklen_t elen = sizeof err;

    for (;;) {
        if (connect(fd, sa, len) == 0)
            return 0;
        if (errno == EINPROGRESS || errno == EINTR)
            break;
        if (errno != EAGAIN) /* EAGAIN: a unix listener's backlog is full */
            return tipc__neg_errno();
        if (ms_left(deadline, tipc__now_ms()) == 0)
            return TIPC_ETIMEDOUT;
        (void)wait_fd(-1, 0, 1);
    }
    for (;;) {
        uint64_t now = tipc__now_ms();
        int ev;

        if (ms_left(deadline, now) == 0)
            return TIPC_ETIMEDOUT;
        ev = wait_fd(fd, POLLOUT, ms_left(deadline, now));
        if (ev < 0)
            return ev;
        if (ev != 0)
            break;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return tipc__neg_errno();
    return err == 0 ? 0 : tipc__err_from_errno(err);
}

static int
open_connected(const tipc__addr *a, uint64_t deadline, int *out_fd)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd, rc, one = 1;

    if (a->is_unix) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return tipc__neg_errno();
        rc = connect_fd(fd, (const struct sockaddr *)&a->sun, a->sunlen, deadline);
        if (rc < 0) {
            close(fd);
            return rc;
        }
        *out_fd = fd;
        return 0;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(a->host, a->port, &hints, &res);
    if (rc != 0)
        return tipc__gai_err(rc);
    rc = TIPC_ENOENT;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            rc = tipc__neg_errno();
            continue;
        }
        rc = connect_fd(fd, ai->ai_addr, ai->ai_addrlen, deadline);
        if (rc == 0) {
            /* Frames are small and latency-bound: never let Nagle hold one. */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            *out_fd = fd;
            break;
        }
        close(fd);
        if (rc == TIPC_ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    return rc;
}

static int
sock_handshake(tipc_sock *s, const tipc_hello *hello, uint32_t hb_ms, uint64_t deadline,
               tipc_welcome *w, char *why, size_t whylen)
{
    uint8_t payload[2048];
    tipc__hello_extra x = {hb_ms, s->fr.max_frame};
    tipc_frame f;
    size_t n;
    int rc;

    rc = tipc__hello_encode(hello, &x, payload, sizeof payload, &n);
    if (rc < 0) {
        tipc__why(why, whylen, "invalid hello (role, name, symbols or token)");
        return TIPC_EINVAL;
    }
    rc = tipc__ring_reserve(&s->out, TIPC_FRAME_HDR + n);
    if (rc == 0)
        rc = tipc__ring_put_frame(&s->out, TIPC_MSG_HELLO, payload, n);
    if (rc == 0)
        rc = sock_drain_out(s, deadline);
    if (rc == 0)
        rc = sock_pull(s, &f, deadline);
    if (rc == TIPC_EAGAIN)
        rc = TIPC_ETIMEDOUT;
    if (rc < 0) {
        tipc__why(why, whylen, "handshake: %s", tipc_strerror(rc));
        return rc;
    }
    if (f.type == TIPC_MSG_REJECT) {
        char reason[TIPC_SOCK_REASON_MAX + 1];
        if (tipc__reason_decode(f.data, f.len, reason, sizeof reason) < 0)
            strcpy(reason, "(unreadable reason)");
        tipc__why(why, whylen, "%s", reason);
        return TIPC_EREJECTED;
    }
    if (f.type != TIPC_MSG_WELCOME) {
        tipc__why(why, whylen, "handshake: expected WELCOME, got %s (0x%02x)",
                  tipc_msg_type_name(f.type), f.type);
        return TIPC_EPROTO;
    }
    return tipc__welcome_decode(f.data, f.len, w, why, whylen);
}

int
tipc_sock_connect(tipc_sock **out, const char *addr, const tipc_hello *hello,
                  const tipc_sock_opts *opts, tipc_welcome *welcome_out, char *why, size_t whylen)
{
    static const tipc_sock_opts defaults;
    const tipc_sock_opts *o = opts != NULL ? opts : &defaults;
    uint32_t max_frame = o->max_frame != 0 ? o->max_frame : TIPC_FRAME_MAX_DEFAULT;
    size_t rcap = o->recv_buf != 0 ? o->recv_buf : SOCK_RECV_BUF_DEFAULT;
    size_t out_cap = o->out_cap != 0 ? o->out_cap : SOCK_OUT_CAP_DEFAULT;
    int ctimeout =
        o->connect_timeout_ms != 0 ? o->connect_timeout_ms : SOCK_CONNECT_TIMEOUT_DEFAULT;
    uint32_t hb_ms = tipc__opt_ms(o->heartbeat_ms, SOCK_HEARTBEAT_DEFAULT);
    tipc__addr a;
    tipc_welcome w;
    tipc_sock *s;
    uint64_t deadline;
    int rc;

    assert(out != NULL && hello != NULL);
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (max_frame < TIPC__PEER_MAX_FRAME_MIN || max_frame > TIPC_FRAME_MAX_LIMIT ||
        rcap < SOCK_RECV_BUF_MIN || out_cap < (size_t)max_frame + TIPC_FRAME_HDR ||
        o->busy_poll_us > 1000000u) {
        tipc__why(why, whylen, "invalid options (max_frame, recv_buf, out_cap or busy_poll_us)");
        return TIPC_EINVAL;
    }
    if ((rc = tipc__addr_parse(addr, 0, &a)) < 0) {
        tipc__why(why, whylen, "bad address \"%s\"", addr != NULL ? addr : "(null)");
        return rc;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL || (s->rbuf = malloc(rcap)) == NULL) {
        free(s);
        return TIPC_ENOMEM;
    }
    s->fd = -1;
    s->rcap = rcap;
    s->peer_max = TIPC_FRAME_MAX_LIMIT;
    s->send_timeout = o->send_timeout_ms != 0 ? o->send_timeout_ms : SOCK_SEND_TIMEOUT_DEFAULT;
    s->hb_ms = hb_ms;
    s->dead_ms = tipc__opt_ms(o->dead_after_ms, SOCK_DEAD_AFTER_DEFAULT);
    s->spin_ns = (uint64_t)o->busy_poll_us * 1000u;
    if (o->logger != NULL)
        s->log = *o->logger;
    tipc__framer_init(&s->fr, max_frame);
    tipc__ring_init(&s->out, out_cap);

    deadline = deadline_after(ctimeout, tipc__now_ms());
    rc = open_connected(&a, deadline, &s->fd);
    if (rc < 0) {
        tipc__why(why, whylen, "connect %s: %s", addr, tipc_strerror(rc));
        tipc_sock_close(s);
        return rc;
    }
    rc = sock_handshake(s, hello, hb_ms, deadline, &w, why, whylen);
    if (rc < 0) {
        tipc__log(&s->log, TIPC_LOG_WARN, "sock", "handshake with %s failed: %s", addr,
                  why != NULL ? why : tipc_strerror(rc));
        tipc_sock_close(s);
        return rc;
    }
    s->peer_max = w.max_frame;
    /* Never heartbeat slower than the server does, and never call it dead
     * before it has had two chances to heartbeat. */
    if (s->hb_ms > 0 && w.heartbeat_ms > 0 && w.heartbeat_ms < s->hb_ms)
        s->hb_ms = w.heartbeat_ms;
    if (s->dead_ms > 0 && w.heartbeat_ms > 0 && s->dead_ms < 2ull * w.heartbeat_ms)
        s->dead_ms = w.heartbeat_ms > UINT32_MAX / 2 ? UINT32_MAX : 2 * w.heartbeat_ms;
    s->joined = 1;
    s->last_rx = s->last_tx = tipc__now_ms();
    /* From here on waits for input may block in recv (see the top). If the
     * flag cannot be cleared the socket keeps polling. */
    int fl = fcntl(s->fd, F_GETFL);
    s->rcvtimeo = -1;
    s->blocking = fl >= 0 && fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK) == 0;
    tipc__log(&s->log, TIPC_LOG_INFO, "sock", "joined %s at %s as conn %llu", w.server, addr,
              (unsigned long long)w.conn_id);
    if (welcome_out != NULL)
        *welcome_out = w;
    *out = s;
    return 0;
}
