/* SPDX-License-Identifier: MIT */
/* tipc_strerror and tipc_err_name, both generated from TIPC_ERROR_MAP so the
 * codes, names and messages cannot drift apart. */
#include "tipc_int.h"

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
