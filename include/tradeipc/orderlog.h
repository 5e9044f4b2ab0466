/* SPDX-License-Identifier: MIT */
/* placeholder: the orderlog module writes this header */
#ifndef TRADEIPC_ORDERLOG_H
#define TRADEIPC_ORDERLOG_H
#endif
