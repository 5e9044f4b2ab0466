/* SPDX-License-Identifier: MIT */
/* placeholder: the signal module writes this header */
#ifndef TRADEIPC_SIGNAL_H
#define TRADEIPC_SIGNAL_H
#endif
