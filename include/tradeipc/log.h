/* SPDX-License-Identifier: MIT */
/*
 * Logging. The library never prints. Objects that may have something to say
 * (servers dropping a connection, a CSV reader skipping a row) take an
 * optional tipc_logger in their options; NULL means silent. There is no
 * global logger.
 */
#ifndef TRADEIPC_LOG_H
#define TRADEIPC_LOG_H

#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

typedef enum tipc_log_level {
    TIPC_LOG_ERROR = 0,
    TIPC_LOG_WARN = 1,
    TIPC_LOG_INFO = 2,
    TIPC_LOG_DEBUG = 3
} tipc_log_level;

/* tipc_log_fn - the application's sink. component names the reporting module
 * ("server", "csv", ...); msg is one line without a trailing newline.
 * Ownership: both strings borrowed; valid until the callback returns.
 * Threads: called on the thread that made the library call. */
typedef void (*tipc_log_fn)(void *ctx, tipc_log_level level, const char *component,
                            const char *msg);

/* A sink plus the most verbose level it wants. Copied by the objects that take it. */
typedef struct tipc_logger {
    tipc_log_fn fn;
    void *ctx;
    tipc_log_level max_level;
} tipc_logger;

/* tipc_log_level_name - "error", "warn", "info" or "debug". Returns: a static string. */
TIPC_API const char *tipc_log_level_name(tipc_log_level level);

TIPC_END_DECLS

#endif
