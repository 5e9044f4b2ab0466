/* SPDX-License-Identifier: MIT */
#include "tipc_int.h"

const char *
tipc_version_string(void)
{
    return TIPC_VERSION_STRING;
}
