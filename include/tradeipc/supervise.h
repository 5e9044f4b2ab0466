/* SPDX-License-Identifier: MIT */
/* placeholder: the supervise module writes this header */
#ifndef TRADEIPC_SUPERVISE_H
#define TRADEIPC_SUPERVISE_H
#endif
