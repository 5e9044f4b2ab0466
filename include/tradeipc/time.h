/* SPDX-License-Identifier: MIT */
/* Clocks. Times on the wire and in shared memory are uint64_t nanoseconds since
 * the Unix epoch (CLOCK_REALTIME); local intervals use CLOCK_MONOTONIC. */
#ifndef TRADEIPC_TIME_H
#define TRADEIPC_TIME_H

#include <stdint.h>
#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

/* tipc_time_realtime_ns - now, in ns since the Unix epoch. Used for every *_ns
 * field that crosses a process boundary. Threads: safe. */
TIPC_API uint64_t tipc_time_realtime_ns(void);

/* tipc_time_monotonic_ns - a monotonic clock in ns, for intervals within one host. */
TIPC_API uint64_t tipc_time_monotonic_ns(void);

TIPC_END_DECLS

#endif
