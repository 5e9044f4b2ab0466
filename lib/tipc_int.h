/* SPDX-License-Identifier: MIT */
/* Private declarations shared by the library's modules. Internal non-static
 * functions are named tipc__*, never exported (the export test checks it). */
#ifndef TIPC_INT_H
#define TIPC_INT_H

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <tradeipc.h>

#define TIPC_CACHELINE 64

#define TIPC_UNUSED(x) ((void)(x))
#define TIPC_LIKELY(x) __builtin_expect(!!(x), 1)
#define TIPC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Log through an optional logger; a NULL logger or fn is silent. Messages are
 * cut at 512 bytes. */
void tipc__log(const tipc_logger *lg, tipc_log_level level, const char *component, const char *fmt,
               ...) TIPC_PRINTF(4, 5);

/* True when a message at this level would reach the sink: lets callers skip
 * formatting work on hot paths. */
static inline int
tipc__log_enabled(const tipc_logger *lg, tipc_log_level level)
{
    return lg != NULL && lg->fn != NULL && level <= lg->max_level;
}

/* Copy a message into a caller's optional "why" buffer (NULL or 0 is allowed). */
void tipc__why(char *why, size_t whylen, const char *fmt, ...) TIPC_PRINTF(3, 4);

/* errno value e as a code from the error table: -e where the table has it,
 * the nearest entry otherwise (TIPC_EIO at worst, also for 0), so that a
 * caller never gets a code tipc_strerror does not know. tipc__neg_errno()
 * maps errno itself: every system call failure in lib/ goes through it. */
int tipc__err_from_errno(int e);
int tipc__neg_errno(void);

/* Unsigned decimal text without a NUL (lib/decimal.c): writes the digits of v
 * to out, zero-padded on the left to width (at most TIPC__DEC_U64_MAX), and
 * returns how many it wrote (never more than TIPC__DEC_U64_MAX). */
#define TIPC__DEC_U64_MAX 20
size_t tipc__dec_u64(uint64_t v, char *out);
size_t tipc__dec_u64_w(uint64_t v, size_t width, char *out);
/* The exact text of a fixed-point price ("-12.3400"), without a NUL; returns
 * its length, less than TIPC_PRICE_STR_MAX. */
size_t tipc__price_text(int64_t price, char *out);

#endif
