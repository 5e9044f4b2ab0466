/* SPDX-License-Identifier: MIT */
/*
 * Backoff: the reconnect schedule of backoff.h. Pure arithmetic on the
 * caller's clock readings, so it is exact and tested without sleeping. The
 * delay doubles in 64 bits and is clamped, so no failure count overflows it.
 */
#include "tipc_int.h"

#include <assert.h>
#include <limits.h>

#include <tradeipc/backoff.h>

#define NS_PER_MS UINT64_C(1000000)

int
tipc_backoff_init(tipc_backoff *b, uint32_t min_ms, uint32_t max_ms)
{
    assert(b != NULL);
    if (min_ms == 0)
        min_ms = TIPC_BACKOFF_MIN_MS;
    if (max_ms == 0)
        max_ms = min_ms > TIPC_BACKOFF_MAX_MS ? min_ms : TIPC_BACKOFF_MAX_MS;
    if (max_ms < min_ms || max_ms > TIPC_BACKOFF_LIMIT_MS)
        return TIPC_EINVAL;
    *b = (tipc_backoff){.min_ms = min_ms, .max_ms = max_ms, .delay_ms = min_ms};
    return 0;
}

int
tipc_backoff_is_due(const tipc_backoff *b, uint64_t now_ns)
{
    assert(b != NULL);
    return now_ns >= b->due_ns;
}

int
tipc_backoff_wait_ms(const tipc_backoff *b, uint64_t now_ns)
{
    assert(b != NULL);
    if (now_ns >= b->due_ns)
        return 0;
    uint64_t ms = (b->due_ns - now_ns + NS_PER_MS - 1) / NS_PER_MS;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

uint32_t
tipc_backoff_failed(tipc_backoff *b, uint64_t now_ns)
{
    assert(b != NULL);
    uint32_t delay = b->delay_ms;
    uint64_t next = (uint64_t)delay * 2;

    b->due_ns = now_ns + delay * NS_PER_MS;
    b->delay_ms = next > b->max_ms ? b->max_ms : (uint32_t)next;
    if (b->failures < UINT32_MAX)
        b->failures++;
    return delay;
}

void
tipc_backoff_succeeded(tipc_backoff *b, uint64_t now_ns)
{
    assert(b != NULL);
    b->delay_ms = b->min_ms;
    b->failures = 0;
    b->due_ns = now_ns + b->min_ms * NS_PER_MS;
}

uint32_t
tipc_backoff_failures(const tipc_backoff *b)
{
    assert(b != NULL);
    return b->failures;
}
