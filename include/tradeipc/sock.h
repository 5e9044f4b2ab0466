/* SPDX-License-Identifier: MIT */
/*
 * Framed sockets: the wire format, a frame parser with no I/O, a client
 * socket and an epoll server.
 *
 * Every message is a frame: a u32 big-endian length L, then a u8 type, then
 * L - 1 payload bytes. L counts the type byte, so an empty payload has L = 1.
 * A connection starts with a handshake (HELLO from the client, WELCOME or
 * REJECT from the server), after which either side may send data frames.
 * HEARTBEAT and BYE frames are handled inside the library and never reach the
 * application. doc/protocol.md is the byte-exact description, written so a
 * client can be built in another language from it alone.
 *
 * The library owns no threads. A tipc_sock is driven by its calls (recv,
 * send, flush) and exposes tipc_sock_fd/_events/_next_timeout_ms for
 * programs with their own poll loop; a tipc_server owns an epoll set that the
 * caller drives with tipc_server_poll. Neither ever raises SIGPIPE.
 *
 * Threads: a tipc_sock, a tipc_server and a tipc_framer are each used by one
 * thread at a time (the defaults in tradeipc.h).
 */
#ifndef TRADEIPC_SOCK_H
#define TRADEIPC_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/log.h>

TIPC_BEGIN_DECLS

/* ---- Wire constants ---------------------------------------------------- */

/* The protocol version this library speaks (HELLO "version"). */
#define TIPC_PROTO_VERSION 1
/* Bytes before a frame's payload: u32 length + u8 type. */
#define TIPC_FRAME_HDR 5
/* Default and hard upper bound of a frame's length field L (type + payload).
 * A peer announcing a larger L is disconnected before anything is buffered. */
#define TIPC_FRAME_MAX_DEFAULT (64u * 1024u)
#define TIPC_FRAME_MAX_LIMIT (16u * 1024u * 1024u)

/* Longest client or server name, auth token and close reason, in bytes,
 * without the terminating NUL. */
#define TIPC_SOCK_NAME_MAX 63
#define TIPC_SOCK_TOKEN_MAX 127
#define TIPC_SOCK_REASON_MAX 127
/* Most symbols a HELLO may list in its filter. */
#define TIPC_SOCK_FILTER_MAX 64

/* Frame types. 0x01..0x0f are control frames owned by this module: an
 * application can neither send nor receive them. 0x10..0xff carry data; the
 * payloads of the types below are defined by the codec module (codec.h),
 * and this module only moves their bytes. */
typedef enum tipc_msg_type {
    TIPC_MSG_HELLO = 0x01,          /* client -> server, first frame */
    TIPC_MSG_WELCOME = 0x02,        /* server -> client, handshake accepted */
    TIPC_MSG_REJECT = 0x03,         /* server -> client, handshake refused; then close */
    TIPC_MSG_HEARTBEAT = 0x04,      /* either way, when idle */
    TIPC_MSG_BYE = 0x05,            /* either way, orderly close with a reason */
    TIPC_MSG_TICK = 0x10,           /* price tick (stream PRICES) */
    TIPC_MSG_NEWS = 0x11,           /* news sentiment (stream NEWS) */
    TIPC_MSG_SNAPSHOT_BEGIN = 0x12, /* start of a snapshot of current state */
    TIPC_MSG_SNAPSHOT_END = 0x13,   /* end of that snapshot */
    TIPC_MSG_END_OF_DATA = 0x14,    /* the publisher has no more data (end of replay) */
    TIPC_MSG_ORDER = 0x20,          /* strategy -> order manager */
    TIPC_MSG_ACK = 0x21             /* order manager -> strategy */
} tipc_msg_type;

/* First type an application may send or receive. */
#define TIPC_MSG_DATA_MIN 0x10

/* Client roles, one per connection. Values are bits so a server can allow a
 * set of them (tipc_server_opts.allowed_roles). On the wire a role is its
 * name: "subscriber", "strategy", "monitor". */
typedef enum tipc_role {
    TIPC_ROLE_SUBSCRIBER = 1, /* receives market data */
    TIPC_ROLE_STRATEGY = 2,   /* receives market data, sends orders */
    TIPC_ROLE_MONITOR = 4     /* observes; the application decides what it gets */
} tipc_role;

#define TIPC_ROLE_ALL (TIPC_ROLE_SUBSCRIBER | TIPC_ROLE_STRATEGY | TIPC_ROLE_MONITOR)

/* Market-data streams a client subscribes to (a mask). */
typedef enum tipc_stream { TIPC_STREAM_PRICES = 1, TIPC_STREAM_NEWS = 2 } tipc_stream;

#define TIPC_STREAM_ALL (TIPC_STREAM_PRICES | TIPC_STREAM_NEWS)

/* tipc_sock_send flags. */
#define TIPC_SEND_MORE 0x1 /* queue only; more frames follow (batching) */
#define TIPC_NONBLOCK 0x2  /* never block; TIPC_EAGAIN when the frame cannot be queued */

/* A frame as the parser, the client and the server hand it out.
 * Ownership: data is borrowed; how long it lives is stated by the call that
 * produced the frame. */
typedef struct tipc_frame {
    uint8_t type;        /* a tipc_msg_type value or another data type >= 0x10 */
    uint32_t len;        /* payload bytes (the length field minus one) */
    const uint8_t *data; /* payload; not NUL-terminated */
} tipc_frame;

/* tipc_msg_type_name - "HELLO", "TICK", ... for logs.
 * Returns: a static string, never NULL; "DATA" for an unnamed type >= 0x10
 * and "RESERVED" otherwise. Threads: safe. */
TIPC_API const char *tipc_msg_type_name(uint8_t type);

/* tipc_frame_encode - write one complete frame (header and payload) to buf.
 * Returns: 0; *out_len = TIPC_FRAME_HDR + len.
 * Errors: TIPC_ENOSPC when cap is too small (*out_len then holds the size
 *   needed); TIPC_EMSGSIZE when len + 1 > TIPC_FRAME_MAX_LIMIT.
 * Ownership: payload copied; buf is the caller's. */
TIPC_API TIPC_NODISCARD int tipc_frame_encode(void *buf, size_t cap, uint8_t type,
                                              const void *payload, size_t len, size_t *out_len);

/* ---- Framer: the parser, no I/O ----------------------------------------- */

/* A frame parser over a byte stream fed in arbitrary chunks. A frame that
 * lies whole inside the chunk being parsed is returned as a pointer into
 * that chunk (zero-copy); only a frame split across chunks is assembled in
 * the framer's own buffer, which never holds more than 2 * (max_frame + 4)
 * bytes. The length field is checked against max_frame as soon as its four
 * bytes are known, before any of the frame is buffered. */
typedef struct tipc_framer tipc_framer;

/* tipc_framer_create - a framer accepting frames with L <= max_frame.
 * max_frame 0 means TIPC_FRAME_MAX_DEFAULT.
 * Returns: 0 and *out. Errors: TIPC_EINVAL (max_frame > TIPC_FRAME_MAX_LIMIT),
 *   TIPC_ENOMEM.
 * Ownership: caller owns *out; release with tipc_framer_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_framer_create(tipc_framer **out, uint32_t max_frame);

/* tipc_framer_destroy - free a framer. NULL is a no-op. */
TIPC_API void tipc_framer_destroy(tipc_framer *f);

/* tipc_framer_feed - hand the framer the next chunk of the stream. Call
 * tipc_framer_next until it returns 0 before feeding again.
 * Returns: 0. Errors: TIPC_ESTATE when the previous chunk is not drained
 *   yet; the framer's sticky error (see tipc_framer_next).
 * Ownership: data borrowed; it must stay unchanged until tipc_framer_next
 *   has returned 0 and while frames pointing into it are in use. */
TIPC_API TIPC_NODISCARD int tipc_framer_feed(tipc_framer *f, const void *data, size_t len);

/* tipc_framer_next - the next complete frame, if the bytes fed so far hold
 * one.
 * Returns: 1 and *out for a frame; 0 when the chunk is used up (its tail, if
 *   any, is kept for the next feed).
 * Errors, sticky until tipc_framer_reset (the stream has lost its framing):
 *   TIPC_EMSGSIZE (L > max_frame), TIPC_EPROTO (L == 0), TIPC_ENOMEM.
 * Ownership: out->data borrowed; valid until the next tipc_framer_feed,
 *   tipc_framer_reset or tipc_framer_destroy, and, when it points into the
 *   caller's chunk, while that chunk is. */
TIPC_API TIPC_NODISCARD int tipc_framer_next(tipc_framer *f, tipc_frame *out);

/* tipc_framer_buffered - bytes of an incomplete frame the framer holds. */
TIPC_API size_t tipc_framer_buffered(const tipc_framer *f);

/* tipc_framer_reset - forget buffered bytes, the current chunk and any
 * sticky error. Keeps max_frame and the buffer's memory. */
TIPC_API void tipc_framer_reset(tipc_framer *f);

/* ---- Handshake values --------------------------------------------------- */

/* What a client asks for. Zero-initialise, then fill in; all strings are
 * NUL-terminated. Plain value: safe to copy. */
typedef struct tipc_hello {
    uint32_t version;                  /* 0 means TIPC_PROTO_VERSION */
    tipc_role role;                    /* exactly one role */
    uint32_t streams;                  /* mask of tipc_stream */
    char name[TIPC_SOCK_NAME_MAX + 1]; /* 1..63 printable ASCII bytes; for logs */
    uint32_t nsymbols;                 /* 0 = no filter: every symbol */
    char symbols[TIPC_SOCK_FILTER_MAX][TIPC_SYMBOL_MAX + 1]; /* [A-Za-z0-9._-]{1,15} */
    char token[TIPC_SOCK_TOKEN_MAX + 1]; /* "" = none; never shown by the server */
} tipc_hello;

/* What the server accepted. Plain value. */
typedef struct tipc_welcome {
    uint32_t version;                    /* protocol version in use */
    uint32_t streams;                    /* streams granted (a subset of those asked) */
    uint32_t nsymbols;                   /* filter entries installed; 0 = no filter */
    uint32_t heartbeat_ms;               /* the server heartbeats this often; 0 = never */
    uint32_t max_frame;                  /* largest L the server accepts */
    uint64_t conn_id;                    /* the server's id for this connection */
    char server[TIPC_SOCK_NAME_MAX + 1]; /* the server's name */
} tipc_welcome;

/* ---- Client ------------------------------------------------------------- */

typedef struct tipc_sock tipc_sock;

/* Client options. A zero field takes its default; NULL opts takes all. */
typedef struct tipc_sock_opts {
    int connect_timeout_ms;    /* connect + handshake; 0: 5000; -1: forever */
    int send_timeout_ms;       /* blocking tipc_sock_send; 0: 5000; -1: forever */
    int heartbeat_ms;          /* send HEARTBEAT after this long idle; 0: 1000; -1: never */
    int dead_after_ms;         /* TIPC_ETIMEDOUT after this long silent; 0: 3000; -1: never */
    uint32_t max_frame;        /* largest L accepted from the server; 0: 64 KiB; >= 1024 */
    size_t recv_buf;           /* read buffer; 0: 256 KiB; at least 4 KiB */
    size_t out_cap;            /* most output queued; 0: 4 MiB; at least max_frame + 5 */
    const tipc_logger *logger; /* NULL: silent; copied */
    /* Busy-poll: before it sleeps, tipc_sock_recv (with a timeout
     * other than 0) reads again, non-blocking, for up to this many
     * microseconds. Trades one CPU spinning for the wake-up latency; 0: never
     * (the default); at most 1000000. */
    uint32_t busy_poll_us;
} tipc_sock_opts;

/* tipc_sock_connect - connect to a server and complete the handshake.
 * addr is "host:port" (IPv4, "[v6]:port", or a name resolved with
 * getaddrinfo; every address is tried in turn), "unix:/path" or, for a Linux
 * abstract socket, "unix:@name". Blocks for at most connect_timeout_ms in
 * total. The client then heartbeats at min(heartbeat_ms, the server's
 * interval) and its dead_after_ms is raised to twice the server's interval
 * when it is shorter.
 * Returns: 0, *out, and *welcome_out (may be NULL) as the server sent it.
 * Errors: TIPC_EREJECTED (the server's reason in why); TIPC_ETIMEDOUT;
 *   TIPC_EINVAL (bad addr, hello or opts); TIPC_ENAMETOOLONG (unix path);
 *   TIPC_ENOENT (name does not resolve); TIPC_EPROTO, TIPC_EVERSION (the
 *   server spoke something else); TIPC_ECLOSED; connect's -errno codes
 *   (TIPC_ECONNREFUSED, ...); TIPC_ENOMEM. why (may be NULL) gets detail.
 * Ownership: hello and opts copied; caller owns *out; release with
 *   tipc_sock_close(). */
TIPC_API TIPC_NODISCARD int tipc_sock_connect(tipc_sock **out, const char *addr,
                                              const tipc_hello *hello, const tipc_sock_opts *opts,
                                              tipc_welcome *welcome_out, char *why, size_t whylen);

/* tipc_sock_send - queue one frame of a data type (>= TIPC_MSG_DATA_MIN)
 * and, unless TIPC_SEND_MORE, write out everything queued. Without
 * TIPC_NONBLOCK it waits (up to send_timeout_ms) for room and for the write
 * to finish; with TIPC_NONBLOCK it makes one attempt and leaves any rest
 * queued for tipc_sock_flush (tipc_sock_events then includes POLLOUT).
 * Returns: 0 once the frame is queued (and, blocking and without MORE,
 *   written).
 * Errors: TIPC_EAGAIN: nothing was queued, the output buffer has no room
 *   (at once with TIPC_NONBLOCK, after send_timeout_ms without); retry
 *   when the fd is writable. TIPC_ETIMEDOUT: the frame is queued but not
 *   all written within send_timeout_ms; it goes out with later calls, do not
 *   send it again. TIPC_EINVAL (control type); TIPC_EMSGSIZE (len + 1 > the
 *   server's max_frame, or the frame is larger than out_cap); the
 *   connection's sticky error (TIPC_ECLOSED, TIPC_EPIPE, ...).
 * Ownership: payload copied before return. */
TIPC_API TIPC_NODISCARD int tipc_sock_send(tipc_sock *s, uint8_t type, const void *payload,
                                           size_t len, int flags);

/* tipc_sock_flush - write queued output, sending a heartbeat first if one
 * is due. Waits up to timeout_ms (-1 forever, 0 one non-blocking attempt).
 * Returns: 0 when nothing is left queued.
 * Errors: TIPC_EAGAIN (timeout_ms 0 and output remains); TIPC_ETIMEDOUT;
 *   the connection's sticky error. */
TIPC_API TIPC_NODISCARD int tipc_sock_flush(tipc_sock *s, int timeout_ms);

/* tipc_sock_recv - the next data frame from the server, waiting up to
 * timeout_ms (-1 forever, 0 never). Frames come out of one large read
 * buffer, one read(2) per many frames. While waiting it also writes queued
 * output and sends heartbeats. HEARTBEAT frames are consumed here; BYE ends
 * the connection (TIPC_ECLOSED).
 * Returns: 0 and *out.
 * Errors: TIPC_EAGAIN (nothing within timeout_ms; not an error); TIPC_ECLOSED
 *   (orderly close or BYE); TIPC_ETIMEDOUT (the server was silent for
 *   dead_after_ms); TIPC_EMSGSIZE (L > max_frame); TIPC_EPROTO (bad frame or
 *   a control frame out of place); -errno (TIPC_ECONNRESET, ...). Every
 *   error but TIPC_EAGAIN is sticky: later calls return it again.
 * Ownership: out->data borrowed; valid until the next tipc_sock_recv or
 *   tipc_sock_close. */
TIPC_API TIPC_NODISCARD int tipc_sock_recv(tipc_sock *s, tipc_frame *out, int timeout_ms);

/* tipc_sock_fd - the socket's file descriptor, for poll/epoll. Do not read,
 * write or close it, nor change its flags (once connected it is blocking;
 * the library never waits on it without a deadline). */
TIPC_API int tipc_sock_fd(const tipc_sock *s);

/* tipc_sock_events - what to wait for: POLLIN, plus POLLOUT while output is
 * queued. */
TIPC_API short tipc_sock_events(const tipc_sock *s);

/* tipc_sock_next_timeout_ms - ms until the socket has heartbeat duties (a
 * heartbeat to send or a silent peer to declare dead): call tipc_sock_recv
 * or tipc_sock_flush by then. Returns: >= 0, or -1 when there are none
 * (both heartbeat settings -1). 0 also when frames are already buffered. */
TIPC_API int tipc_sock_next_timeout_ms(const tipc_sock *s);

/* tipc_sock_close - send BYE if it fits, make one non-blocking attempt to
 * write what is queued, close the fd and free the socket. NULL is a no-op.
 * Output still queued after that attempt is discarded. */
TIPC_API void tipc_sock_close(tipc_sock *s);

/* ---- Server ------------------------------------------------------------- */

typedef struct tipc_server tipc_server;

/* Server options. A zero field takes its default; NULL opts takes all. */
typedef struct tipc_server_opts {
    uint32_t max_frame;        /* largest L accepted from clients; 0: 64 KiB; >= 1024 */
    size_t out_cap;            /* per-connection output bound; 0: 4 MiB; >= max_frame + 5 */
    int heartbeat_ms;          /* heartbeat idle joined clients; 0: 1000; -1: never */
    int dead_after_ms;         /* drop clients silent this long; 0: 3000; -1: never */
    int handshake_timeout_ms;  /* drop clients without HELLO by then; 0: 5000; -1: never */
    uint32_t max_conns;        /* open connections, joined or not; 0: 256 */
    uint32_t allowed_roles;    /* mask of tipc_role; 0: TIPC_ROLE_ALL */
    const char *token;         /* required auth token; NULL or "": none; copied */
    const char *name;          /* sent in WELCOME; NULL: "tradeipc"; copied */
    const tipc_logger *logger; /* joins, leaves and rejects are logged; copied */
    /* Busy-poll: before it sleeps, tipc_server_poll checks for events
     * without waiting, in a loop, for up to this many microseconds (never
     * past its timeout). A server that answers requests then finds the next
     * one with its caches still warm instead of waking from sleep; the price
     * is a CPU kept busy while it spins. 0: never (the default); at most
     * 1000000. */
    uint32_t busy_poll_us;
} tipc_server_opts;

typedef enum tipc_server_event_kind {
    TIPC_SERVER_JOIN = 1,  /* handshake done: .conn, .hello */
    TIPC_SERVER_FRAME = 2, /* a data frame: .conn, .frame */
    TIPC_SERVER_LEAVE = 3  /* connection gone: .conn, .reason, .why */
} tipc_server_event_kind;

/* Why a connection left. Every connection that got an id ends with exactly
 * one LEAVE, also those that never joined (REJECTED, HANDSHAKE_TIMEOUT,
 * ...). A connection refused because max_conns are open gets a REJECT and
 * a log line, but no id and no events. */
typedef enum tipc_leave_reason {
    TIPC_LEAVE_PEER_CLOSED = 1,       /* EOF or BYE from the client */
    TIPC_LEAVE_HEARTBEAT_TIMEOUT = 2, /* silent for dead_after_ms */
    TIPC_LEAVE_PROTOCOL_ERROR = 3,    /* malformed or misplaced frame */
    TIPC_LEAVE_FRAME_TOO_LARGE = 4,   /* length field > max_frame */
    TIPC_LEAVE_OVERFLOW = 5,          /* output buffer reached out_cap */
    TIPC_LEAVE_HANDSHAKE_TIMEOUT = 6, /* no HELLO within handshake_timeout_ms */
    TIPC_LEAVE_REJECTED = 7,          /* HELLO refused (version, role, token, ...) */
    TIPC_LEAVE_CLOSED = 8,            /* tipc_server_close_conn */
    TIPC_LEAVE_IO_ERROR = 9           /* reset or other socket error */
} tipc_leave_reason;

/* tipc_leave_reason_name - "peer closed", "heartbeat timeout", ...
 * Returns: a static string, never NULL. Threads: safe. */
TIPC_API const char *tipc_leave_reason_name(tipc_leave_reason reason);

/* One thing that happened, as returned by tipc_server_poll. Fields that the
 * kind does not use are zero/NULL.
 * Ownership: hello, frame.data and why are borrowed; valid until the next
 * tipc_server_poll or tipc_server_close. */
typedef struct tipc_server_event {
    tipc_server_event_kind kind;
    uint64_t conn;            /* connection id; never 0, never reused */
    const tipc_hello *hello;  /* JOIN: what was accepted (token cleared, streams granted) */
    tipc_frame frame;         /* FRAME */
    tipc_leave_reason reason; /* LEAVE */
    const char *why;          /* LEAVE: one line of detail */
} tipc_server_event;

/* tipc_server_listen - bind, listen and create the epoll set.
 * addr is "host:port", "unix:/path" or "unix:@abstract". host may be an
 * IPv4 or "[v6]" literal or a name; "*" binds every interface (dual-stack
 * "::" when IPv6 is available, else 0.0.0.0); an empty host (":5555") binds
 * the loopback 127.0.0.1. Port 0 picks a free port (tipc_server_port).
 * A unix path left behind by a dead server is replaced; a live one is not.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (addr or opts); TIPC_EADDRINUSE; TIPC_ENAMETOOLONG;
 *   TIPC_ENOENT; other -errno from socket/bind/listen/epoll; TIPC_ENOMEM.
 * Ownership: opts copied; caller owns *out; release with
 *   tipc_server_close(). */
TIPC_API TIPC_NODISCARD int tipc_server_listen(tipc_server **out, const char *addr,
                                               const tipc_server_opts *opts);

/* tipc_server_port - the bound TCP port (host order); 0 for unix sockets. */
TIPC_API int tipc_server_port(const tipc_server *srv);

/* tipc_server_fd - the epoll fd: readable when tipc_server_poll has I/O to
 * do. To nest the server in another loop, wait on it for at most
 * tipc_server_next_timeout_ms, then call tipc_server_poll(srv, ..., 0). */
TIPC_API int tipc_server_fd(const tipc_server *srv);

/* tipc_server_next_timeout_ms - ms until the server has timer duties
 * (heartbeats, dead peers, handshake deadlines); 0 when events are already
 * waiting to be returned. Returns: >= 0, or -1 when no timer is set. */
TIPC_API int tipc_server_next_timeout_ms(const tipc_server *srv);

/* tipc_server_poll - do the server's I/O and timers and return what
 * happened: accept connections, run handshakes, read frames, write queued
 * output, send heartbeats, drop dead peers. Waits up to timeout_ms (-1
 * forever, 0 not at all) for at least one event. Events of one connection
 * come in order: JOIN, FRAMEs, LEAVE.
 * Returns: the number of events written to evs (0..max); 0 also when a
 *   signal interrupted the wait.
 * Errors: TIPC_EINVAL (max < 1); -errno from epoll_wait.
 * Ownership: see tipc_server_event. */
TIPC_API TIPC_NODISCARD int tipc_server_poll(tipc_server *srv, tipc_server_event *evs, int max,
                                             int timeout_ms);

/* tipc_server_poll_ns - tipc_server_poll with the timeout in nanoseconds
 * (negative: forever), for a caller that paces its own sends finer than a
 * millisecond, e.g. a feed replayed at 10,000 events/s: a millisecond
 * timeout would release it in bursts. The wait is exact to the kernel's
 * timer (epoll_pwait2; on a kernel before 5.11, milliseconds rounded up),
 * plus the process's timer slack (50 us by default; PR_SET_TIMERSLACK).
 * Returns, Errors, Ownership: as tipc_server_poll. */
TIPC_API TIPC_NODISCARD int tipc_server_poll_ns(tipc_server *srv, tipc_server_event *evs, int max,
                                                int64_t timeout_ns);

/* tipc_server_send - queue one frame of a data type for one joined
 * connection. Written by tipc_server_flush or tipc_server_poll.
 * Returns: 0.
 * Errors: TIPC_ENOENT (no such joined connection); TIPC_EINVAL (control
 *   type); TIPC_EMSGSIZE (larger than that client accepts); TIPC_EOVERFLOW
 *   (its buffer is full: the connection is closed, LEAVE follows).
 * Ownership: data copied. */
TIPC_API TIPC_NODISCARD int tipc_server_send(tipc_server *srv, uint64_t conn, uint8_t type,
                                             const void *data, size_t len);

/* tipc_server_publish - queue one frame for every joined connection that
 * subscribed to stream (one tipc_stream bit) and whose symbol filter holds
 * symbol. A NULL symbol bypasses filters. One memcpy per recipient; no
 * allocation once buffers have grown, no syscall. A recipient whose buffer
 * would pass out_cap is closed (LEAVE OVERFLOW) and the others are not
 * delayed.
 * Returns: how many connections got the frame (>= 0).
 * Errors: TIPC_EINVAL (control type or stream not a single known bit);
 *   TIPC_EMSGSIZE (len + 1 > max_frame).
 * Ownership: data copied. */
TIPC_API TIPC_NODISCARD int tipc_server_publish(tipc_server *srv, uint32_t stream,
                                                const char *symbol, uint8_t type, const void *data,
                                                size_t len);

/* tipc_server_flush - write queued output: one sendmsg (iovec) per
 * connection with output, never blocking. What the kernel does not take now
 * is written when the socket becomes writable, by tipc_server_poll.
 * Returns: the number of connections still holding output (>= 0). */
TIPC_API int tipc_server_flush(tipc_server *srv);

/* tipc_server_close_conn - queue BYE with reason (may be NULL), make one
 * non-blocking attempt to write, and close the connection. Its LEAVE
 * (TIPC_LEAVE_CLOSED) comes from the next tipc_server_poll.
 * Returns: 0. Errors: TIPC_ENOENT (no such open connection).
 * Ownership: reason copied. */
TIPC_API TIPC_NODISCARD int tipc_server_close_conn(tipc_server *srv, uint64_t conn,
                                                   const char *reason);

/* tipc_server_conn_count - the number of joined connections. */
TIPC_API int tipc_server_conn_count(const tipc_server *srv);

/* tipc_server_close - close every connection (BYE, best effort), the
 * listener and the epoll set, remove the unix socket path this server
 * created, and free everything. No events are reported. NULL is a no-op. */
TIPC_API void tipc_server_close(tipc_server *srv);

TIPC_END_DECLS

#endif
