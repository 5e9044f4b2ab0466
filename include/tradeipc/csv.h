/* SPDX-License-Identifier: MIT */
/* placeholder: the csv module writes this header */
#ifndef TRADEIPC_CSV_H
#define TRADEIPC_CSV_H
#endif
