/* SPDX-License-Identifier: MIT */
/* placeholder: the book module writes this header */
#ifndef TRADEIPC_BOOK_H
#define TRADEIPC_BOOK_H
#endif
