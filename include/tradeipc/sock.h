/* SPDX-License-Identifier: MIT */
/* placeholder: the sock module writes this header */
#ifndef TRADEIPC_SOCK_H
#define TRADEIPC_SOCK_H
#endif
