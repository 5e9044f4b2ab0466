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

/* errno as a code from the error table: -errno where the table has it, the
 * nearest entry otherwise, so callers never get a code tipc_strerror lacks. */
int
tipc__err_from_errno(int e)
{
    switch (e) {
    case EPERM:
    case ENOENT:
    case EINTR:
    case EIO:
    case EBADF:
    case EAGAIN:
    case ENOMEM:
    case EACCES:
    case EBUSY:
    case EEXIST:
    case EINVAL:
    case EMFILE:
    case ENOSPC:
    case EPIPE:
    case ERANGE:
    case ENAMETOOLONG:
        return -e;
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
    default:
        return TIPC_EIO;
    }
}

int
tipc__neg_errno(void)
{
    return tipc__err_from_errno(errno);
}
