/* SPDX-License-Identifier: MIT */
/*
 * Error codes. Every fallible libtradeipc call returns int: 0 is success,
 * a positive value is a count, a negative value is one of the codes below.
 * System failures keep their errno meaning (-errno on Linux); an errno the
 * table below lacks comes back as its nearest entry (ENOTDIR as TIPC_ENOENT,
 * ECONNABORTED as TIPC_ECONNRESET, TIPC_EIO at worst), so tipc_strerror knows
 * every code a call returns. Codes of the library's own start at -1000.
 * Branch on codes, never on message strings.
 */
#ifndef TRADEIPC_ERROR_H
#define TRADEIPC_ERROR_H

#include <errno.h>
#include <tradeipc/export.h>

/* X(name, value, message): the one table behind the enum, tipc_strerror and tipc_err_name. */
#define TIPC_ERROR_MAP(X)                                                                          \
    X(TIPC_OK, 0, "success")                                                                       \
    X(TIPC_EPERM, -EPERM, "operation not permitted")                                               \
    X(TIPC_ENOENT, -ENOENT, "no such file, name or symbol")                                        \
    X(TIPC_EINTR, -EINTR, "interrupted by a signal")                                               \
    X(TIPC_EIO, -EIO, "input/output error")                                                        \
    X(TIPC_EBADF, -EBADF, "bad file descriptor")                                                   \
    X(TIPC_EAGAIN, -EAGAIN, "operation would block; try again")                                    \
    X(TIPC_ENOMEM, -ENOMEM, "out of memory")                                                       \
    X(TIPC_EACCES, -EACCES, "permission denied")                                                   \
    X(TIPC_EBUSY, -EBUSY, "resource busy")                                                         \
    X(TIPC_EEXIST, -EEXIST, "already exists")                                                      \
    X(TIPC_EINVAL, -EINVAL, "invalid argument")                                                    \
    X(TIPC_EMFILE, -EMFILE, "too many open files")                                                 \
    X(TIPC_ENOSPC, -ENOSPC, "no space left (buffer or table full)")                                \
    X(TIPC_EPIPE, -EPIPE, "broken pipe")                                                           \
    X(TIPC_ERANGE, -ERANGE, "value out of range")                                                  \
    X(TIPC_ENAMETOOLONG, -ENAMETOOLONG, "name too long")                                           \
    X(TIPC_EMSGSIZE, -EMSGSIZE, "message larger than the maximum frame size")                      \
    X(TIPC_EADDRINUSE, -EADDRINUSE, "address already in use")                                      \
    X(TIPC_EADDRNOTAVAIL, -EADDRNOTAVAIL, "address not available")                                 \
    X(TIPC_ENETUNREACH, -ENETUNREACH, "network unreachable")                                       \
    X(TIPC_ECONNRESET, -ECONNRESET, "connection reset by peer")                                    \
    X(TIPC_ETIMEDOUT, -ETIMEDOUT, "timed out")                                                     \
    X(TIPC_ECONNREFUSED, -ECONNREFUSED, "connection refused")                                      \
    X(TIPC_EHOSTUNREACH, -EHOSTUNREACH, "host unreachable")                                        \
    X(TIPC_ECLOSED, -1001, "peer closed the connection")                                           \
    X(TIPC_EPROTO, -1002, "malformed frame or message")                                            \
    X(TIPC_EVERSION, -1003, "version or layout mismatch")                                          \
    X(TIPC_EREJECTED, -1004, "rejected by the peer")                                               \
    X(TIPC_ETRUNC, -1005, "input truncated")                                                       \
    X(TIPC_ETYPE, -1006, "field has the wrong type")                                               \
    X(TIPC_EMISSING, -1007, "required field missing")                                              \
    X(TIPC_EBADVAL, -1008, "field value invalid (range, NaN, infinity or length)")                 \
    X(TIPC_EOVERFLOW, -1009, "bounded buffer overflowed")                                          \
    X(TIPC_ESTATE, -1010, "call not valid in the object's current state")                          \
    X(TIPC_EAUTH, -1011, "authentication failed")                                                  \
    X(TIPC_EDUP, -1012, "duplicate identifier")                                                    \
    X(TIPC_ESTALE, -1013, "shared segment was taken over by a new writer")                         \
    X(TIPC_ENOTREADY, -1014, "shared segment not initialised yet")                                 \
    X(TIPC_ECHILD, -1015, "supervised child process failed")                                       \
    X(TIPC_ENODATA, -1016, "no valid record in the input")

TIPC_BEGIN_DECLS

enum tipc_err {
#define TIPC_X_ENUM(name, value, msg) name = (value),
    TIPC_ERROR_MAP(TIPC_X_ENUM)
#undef TIPC_X_ENUM
};

/* tipc_strerror - a human-readable message for a code from this table.
 * Returns: a static string, never NULL; "unknown error" for codes not in the table.
 * Threads: safe. */
TIPC_API const char *tipc_strerror(int err);

/* tipc_err_name - the symbolic name of a code, e.g. "TIPC_EPROTO".
 * Returns: a static string, never NULL; "TIPC_E?" for unknown codes. Threads: safe. */
TIPC_API const char *tipc_err_name(int err);

TIPC_END_DECLS

#endif
