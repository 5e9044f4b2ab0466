/* SPDX-License-Identifier: MIT */
/* placeholder: the hist module writes this header */
#ifndef TRADEIPC_HIST_H
#define TRADEIPC_HIST_H
#endif
