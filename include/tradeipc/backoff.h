/* SPDX-License-Identifier: MIT */
/*
 * Backoff: when to try a reconnect again.
 *
 * Every client that outlives its server needs the same small schedule: try at
 * once, then after min_ms, doubling after each further failure up to max_ms,
 * and back to min_ms after a success (so that a server which accepts and then
 * drops at once is not hammered either). A tipc_backoff is a plain value the
 * caller owns; it reads no clock itself and takes the caller's
 * CLOCK_MONOTONIC "now", so a loop can ask "is a try due?" and "how long may
 * I sleep?" without a system call, and tests can drive it with made-up times.
 * There is no random jitter: the schedule is exact and testable. A fleet of
 * clients that must not reconnect in step should stagger min_ms.
 *
 * Threads: a tipc_backoff is used by one thread at a time.
 */
#ifndef TRADEIPC_BACKOFF_H
#define TRADEIPC_BACKOFF_H

#include <stdint.h>

#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

/* Defaults used by tipc_backoff_init for a 0 argument. */
#define TIPC_BACKOFF_MIN_MS 100
#define TIPC_BACKOFF_MAX_MS 2000
/* Largest max_ms accepted: one hour. */
#define TIPC_BACKOFF_LIMIT_MS 3600000u

/* Reconnect schedule. Plain value; fields are private. */
typedef struct tipc_backoff {
    uint32_t min_ms, max_ms;
    uint32_t delay_ms; /* wait after the next failure */
    uint32_t failures; /* consecutive failures since the last success */
    uint64_t due_ns;   /* CLOCK_MONOTONIC time of the next try; 0: now */
} tipc_backoff;

/* tipc_backoff_init - a schedule whose first try is due at once. min_ms 0
 * means TIPC_BACKOFF_MIN_MS, max_ms 0 means TIPC_BACKOFF_MAX_MS (or min_ms
 * when that is larger).
 * Returns: 0.
 * Errors: TIPC_EINVAL when max_ms < min_ms or max_ms > TIPC_BACKOFF_LIMIT_MS
 *   (*b is then untouched).
 * Ownership: caller owns *b; nothing to release. */
TIPC_API TIPC_NODISCARD int tipc_backoff_init(tipc_backoff *b, uint32_t min_ms, uint32_t max_ms);

/* tipc_backoff_is_due - whether a try is due at now_ns.
 * Returns: 1 or 0. */
TIPC_API int tipc_backoff_is_due(const tipc_backoff *b, uint64_t now_ns);

/* tipc_backoff_wait_ms - milliseconds from now_ns until the next try is
 * due, rounded up; 0 when it is due. Suits a poll(2) timeout.
 * Returns: >= 0. */
TIPC_API int tipc_backoff_wait_ms(const tipc_backoff *b, uint64_t now_ns);

/* tipc_backoff_failed - a try failed at now_ns: the next one is due after
 * the current delay, which then doubles (at most max_ms).
 * Returns: the delay in ms until the next try (min_ms after the first
 *   failure, then 2 * min_ms, ... up to max_ms). */
TIPC_API uint32_t tipc_backoff_failed(tipc_backoff *b, uint64_t now_ns);

/* tipc_backoff_succeeded - a try succeeded at now_ns: the delay goes back to
 * min_ms and, should the connection be lost again, the next try is due no
 * earlier than now_ns + min_ms. */
TIPC_API void tipc_backoff_succeeded(tipc_backoff *b, uint64_t now_ns);

/* tipc_backoff_failures - consecutive failures since the last success. */
TIPC_API uint32_t tipc_backoff_failures(const tipc_backoff *b);

TIPC_END_DECLS

#endif
