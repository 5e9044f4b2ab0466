/* SPDX-License-Identifier: MIT */
/* Private pieces shared by the sock module's files: the framer's layout
 * (embedded in clients and server connections), the bounded output ring,
 * the handshake payload codecs and address parsing. */
#ifndef TIPC_SOCK_INT_H
#define TIPC_SOCK_INT_H

#include "tipc_int.h"

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <tradeipc/sock.h>

/* ---- Framer ------------------------------------------------------------- */

struct tipc_framer {
    const uint8_t *in; /* the chunk being parsed; borrowed */
    size_t in_len;
    size_t in_pos;
    uint8_t *abuf; /* assembly buffer for a frame split across chunks */
    size_t acap;
    uint8_t *retired; /* previous abuf, still backing a frame until the next feed */
    size_t aoff;      /* where the partial frame starts in abuf */
    size_t alen;      /* bytes of it held */
    uint32_t max_frame;
    int err; /* sticky */
};

void tipc__framer_init(tipc_framer *f, uint32_t max_frame);
void tipc__framer_fini(tipc_framer *f);
/* Frames parsed from now on are checked against max_frame. */
void tipc__framer_set_max(tipc_framer *f, uint32_t max_frame);
int tipc__framer_next_slow(tipc_framer *f, tipc_frame *out);

static inline uint32_t
tipc__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void
tipc__put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void
tipc__frame_hdr(uint8_t hdr[TIPC_FRAME_HDR], uint8_t type, size_t len)
{
    tipc__put_be32(hdr, (uint32_t)len + 1u);
    hdr[4] = type;
}

/* The per-frame fast path: a whole frame inside the current chunk is
 * returned in place; everything else goes to the out-of-line slow path. */
static inline int
tipc__framer_next(tipc_framer *f, tipc_frame *out)
{
    size_t avail = f->in_len - f->in_pos;

    if (TIPC_LIKELY(f->alen == 0 && f->err == 0 && avail >= TIPC_FRAME_HDR)) {
        const uint8_t *p = f->in + f->in_pos;
        uint32_t l = tipc__be32(p);
        if (TIPC_LIKELY(l != 0 && l <= f->max_frame && avail - 4 >= l)) {
            out->type = p[4];
            out->len = l - 1;
            out->data = p + TIPC_FRAME_HDR;
            f->in_pos += 4 + (size_t)l;
            return 1;
        }
    }
    return tipc__framer_next_slow(f, out);
}

static inline int
tipc__framer_drained(const tipc_framer *f)
{
    return f->in_pos == f->in_len;
}

/* ---- Output ring -------------------------------------------------------- */

/* A byte ring holding whole frames queued for one socket. It starts small
 * and doubles up to max, so an idle connection costs little and a busy one
 * stops allocating once grown; it empties back to offset 0 so a connection
 * that keeps up touches the same few cache lines. */
typedef struct tipc__ring {
    uint8_t *buf;
    size_t cap;
    size_t max;
    size_t head; /* first queued byte */
    size_t len;  /* queued bytes */
} tipc__ring;

void tipc__ring_init(tipc__ring *r, size_t max);
void tipc__ring_fini(tipc__ring *r);
/* Make room for n more bytes. Returns 0, TIPC_EOVERFLOW (would pass max)
 * or TIPC_ENOMEM. */
int tipc__ring_grow(tipc__ring *r, size_t n);
/* Up to two iovecs covering the queued bytes; returns how many. */
int tipc__ring_iov(const tipc__ring *r, struct iovec iov[2]);
void tipc__ring_consume(tipc__ring *r, size_t n);

static inline int
tipc__ring_reserve(tipc__ring *r, size_t n)
{
    if (TIPC_LIKELY(r->cap - r->len >= n))
        return 0;
    return tipc__ring_grow(r, n);
}

/* Append n bytes; room must have been reserved. */
static inline void
tipc__ring_put(tipc__ring *r, const void *src, size_t n)
{
    size_t tail = r->head + r->len;

    if (tail >= r->cap)
        tail -= r->cap;
    if (TIPC_LIKELY(tail + n <= r->cap)) {
        memcpy(r->buf + tail, src, n);
    } else {
        size_t first = r->cap - tail;
        memcpy(r->buf + tail, src, first);
        memcpy(r->buf, (const uint8_t *)src + first, n - first);
    }
    r->len += n;
}

/* Append a frame whose header is already built; room must have been
 * reserved. The common case is one contiguous stretch: header stores plus
 * one memcpy. */
static inline void
tipc__ring_put_hdr_payload(tipc__ring *r, const uint8_t hdr[TIPC_FRAME_HDR], const void *payload,
                           size_t len)
{
    size_t tail = r->head + r->len;

    if (tail >= r->cap)
        tail -= r->cap;
    if (TIPC_LIKELY(tail + TIPC_FRAME_HDR + len <= r->cap)) {
        uint8_t *d = r->buf + tail;
        memcpy(d, hdr, TIPC_FRAME_HDR);
        if (len > 0)
            memcpy(d + TIPC_FRAME_HDR, payload, len);
        r->len += TIPC_FRAME_HDR + len;
        return;
    }
    tipc__ring_put(r, hdr, TIPC_FRAME_HDR);
    if (len > 0)
        tipc__ring_put(r, payload, len);
}

/* Append one whole frame. Returns 0 or tipc__ring_reserve's error. */
static inline int
tipc__ring_put_frame(tipc__ring *r, uint8_t type, const void *payload, size_t len)
{
    uint8_t hdr[TIPC_FRAME_HDR];
    int rc = tipc__ring_reserve(r, TIPC_FRAME_HDR + len);

    if (TIPC_UNLIKELY(rc < 0))
        return rc;
    tipc__frame_hdr(hdr, type, len);
    tipc__ring_put_hdr_payload(r, hdr, payload, len);
    return 0;
}

/* sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT) of the whole ring, EINTR retried.
 * Returns bytes written (>= 0; 0 when the socket is full) or -errno. */
long tipc__ring_write(tipc__ring *r, int fd);

/* ---- Handshake payloads (handshake.c) ----------------------------------- */

/* HELLO fields that are not part of tipc_hello. */
typedef struct tipc__hello_extra {
    uint32_t heartbeat_ms; /* the client's heartbeat interval; 0 = unknown */
    uint32_t max_frame;    /* largest L the client accepts */
} tipc__hello_extra;

/* Smallest max_frame a peer may announce: room for any control frame. */
#define TIPC__PEER_MAX_FRAME_MIN 1024u
/* Bound on a handshake-phase frame: a maximal HELLO fits well inside. */
#define TIPC__HELLO_FRAME_MAX 4096u

/* Encoders write a complete payload (no frame header). Returns 0 or
 * TIPC_ENOSPC with *len = bytes needed; TIPC_EINVAL for invalid fields. */
int tipc__hello_encode(const tipc_hello *h, const tipc__hello_extra *x, uint8_t *buf, size_t cap,
                       size_t *len);
int tipc__welcome_encode(const tipc_welcome *w, uint8_t *buf, size_t cap, size_t *len);
/* REJECT and BYE: {"reason": str}, reason cut at TIPC_SOCK_REASON_MAX. */
int tipc__reason_encode(const char *reason, uint8_t *buf, size_t cap, size_t *len);

/* Decoders never allocate and never trust a length beyond the payload.
 * Returns 0; TIPC_EVERSION (version other than TIPC_PROTO_VERSION; the
 * rest of the payload may then be anything); TIPC_EPROTO, TIPC_EBADVAL or
 * TIPC_EMISSING with a one-line reason in why. */
int tipc__hello_decode(const uint8_t *p, size_t n, tipc_hello *h, tipc__hello_extra *x, char *why,
                       size_t whylen);
int tipc__welcome_decode(const uint8_t *p, size_t n, tipc_welcome *w, char *why, size_t whylen);
/* Accepts an empty payload (reason ""). */
int tipc__reason_decode(const uint8_t *p, size_t n, char *reason, size_t cap);

/* Compare two NUL-padded token buffers in time independent of their
 * contents. Returns 1 when equal. */
int tipc__token_equal(const char a[TIPC_SOCK_TOKEN_MAX + 1], const char b[TIPC_SOCK_TOKEN_MAX + 1]);

/* Role <-> wire name. */
const char *tipc__role_name(tipc_role role);
int tipc__symbol_valid(const char *s, size_t n);

/* ---- Addresses and small helpers (sock.c) ------------------------------- */

typedef struct tipc__addr {
    int is_unix;
    int any; /* listen on every interface ("*") */
    char host[256];
    char port[8]; /* decimal */
    struct sockaddr_un sun;
    socklen_t sunlen;
} tipc__addr;

/* Parse "host:port", "[v6]:port", "unix:/path" or "unix:@name". listening
 * allows port 0 and "*". Returns 0, TIPC_EINVAL or TIPC_ENAMETOOLONG. */
int tipc__addr_parse(const char *addr, int listening, tipc__addr *out);
/* getaddrinfo error -> TIPC_E* code. */
int tipc__gai_err(int gai);

/* Monotonic milliseconds. */
uint64_t tipc__now_ms(void);

/* Resolve a zero/-1 option into milliseconds; -1 (never) becomes 0. */
static inline uint32_t
tipc__opt_ms(int v, uint32_t def)
{
    if (v == 0)
        return def;
    return v < 0 ? 0 : (uint32_t)v;
}

#endif
