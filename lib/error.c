/* SPDX-License-Identifier: MIT */
/* tipc_strerror and tipc_err_name, both generated from TIPC_ERROR_MAP so the
 * codes, names and messages cannot drift apart. */
#include "tipc_int.h"

#include <errno.h>

const char *
tipc_strerror(int err)
{
    switch (err) {
#define TIPC_X_MSG(name, value, msg)                                                               \
    case value:                                                                                    \
        return msg;
        TIPC_ERROR_MAP(TIPC_X_MSG)
#undef TIPC_X_MSG
    default:
        return "unknown error";
    }
}

const char *
tipc_err_name(int err)
{
    switch (err) {
#define TIPC_X_NAME(name, value, msg)                                                              \
    case value:                                                                                    \
        return #name;
        TIPC_ERROR_MAP(TIPC_X_NAME)
#undef TIPC_X_NAME
    default:
        return "TIPC_E?";
    }
}

/* Whether code is in the error table. */
static int
in_table(int code)
{
    switch (code) {
#define TIPC_X_CASE(name, value, msg) case value:
        TIPC_ERROR_MAP(TIPC_X_CASE)
#undef TIPC_X_CASE
        return 1;
    default:
        return 0;
    }
}

/* errno as a code from the error table: -errno where the table has it (the
 * table decides, so a code added to it passes through here too), the nearest
 * entry otherwise, so callers never get a code tipc_strerror lacks. */
int
tipc__err_from_errno(int e)
{
    if (e > 0 && in_table(-e))
        return -e;
    switch (e) {
    case ENFILE:
        return TIPC_EMFILE;
    case EFBIG:
    case EDQUOT:
        return TIPC_ENOSPC;
    case ENOTDIR:
    case ELOOP:
        return TIPC_ENOENT;
    case EROFS:
    case ENOEXEC:
        return TIPC_EACCES;
    case ETXTBSY:
        return TIPC_EBUSY;
    case E2BIG:
        return TIPC_ERANGE;
    case EISDIR:
        return TIPC_EINVAL;
    case ENOBUFS:
        return TIPC_ENOMEM;
    case ECONNABORTED:
        return TIPC_ECONNRESET;
    case ENOTCONN:
    case ESHUTDOWN:
        return TIPC_EPIPE;
    case ENETDOWN:
        return TIPC_ENETUNREACH;
    case EHOSTDOWN:
        return TIPC_EHOSTUNREACH;
    default:
        return TIPC_EIO;
    }
}

int
tipc__neg_errno(void)
{
    return tipc__err_from_errno(errno);
}
