/* SPDX-License-Identifier: MIT */
/* The library's only way to say something: format into a stack buffer and hand
 * the line to the application's sink. No sink, no work. */
#include "tipc_int.h"

#include <stdio.h>
#include <time.h>

const char *
tipc_log_level_name(tipc_log_level level)
{
    switch (level) {
    case TIPC_LOG_ERROR:
        return "error";
    case TIPC_LOG_WARN:
        return "warn";
    case TIPC_LOG_INFO:
        return "info";
    case TIPC_LOG_DEBUG:
        return "debug";
    }
    return "unknown";
}

void
tipc__log(const tipc_logger *lg, tipc_log_level level, const char *component, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (!tipc__log_enabled(lg, level))
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lg->fn(lg->ctx, level, component, line);
}

void
tipc__why(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

uint64_t
tipc_time_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
tipc_time_monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
