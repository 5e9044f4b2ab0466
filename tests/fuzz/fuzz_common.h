/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libFuzzer targets. A target checks properties that
 * must hold for any input (bounds, round trips, agreement with a reference
 * parser) and calls FUZZ_CHECK; a broken property aborts with the condition
 * and line, which libFuzzer turns into a crash report and a saved input.
 * The targets are linked against the library's object files built with the
 * same sanitizers, so they may call internal tipc__ functions.
 */
#ifndef TIPC_FUZZ_COMMON_H
#define TIPC_FUZZ_COMMON_H

#include "config.h" /* _GNU_SOURCE and friends, before any system header */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* FUZZ_CHECK for an expected return code, printing both names. */
#define FUZZ_CHECK_RC(got, want)                                                                   \
    do {                                                                                           \
        int fuzz_got_ = (got), fuzz_want_ = (want);                                                \
        if (fuzz_got_ != fuzz_want_) {                                                             \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s\n", __FILE__, __LINE__, #got,      \
                    tipc_err_name(fuzz_got_), tipc_err_name(fuzz_want_));                          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A why buffer must always come back NUL-terminated and printable: peer
 * text in it ends up in log lines. */
static inline void
fuzz_check_why(const char *why, size_t cap)
{
    size_t n = strnlen(why, cap);

    FUZZ_CHECK(n < cap);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)why[i] >= 0x20 && (unsigned char)why[i] != 0x7f);
}

/* A logger that reads every message it is given, so the sanitizers see an
 * unterminated or overlong line, and otherwise stays silent. */
static inline void
fuzz_log_fn(void *ctx, tipc_log_level level, const char *component, const char *msg)
{
    (void)ctx;
    FUZZ_CHECK(level >= TIPC_LOG_ERROR && level <= TIPC_LOG_DEBUG);
    FUZZ_CHECK(component != NULL && msg != NULL);
    FUZZ_CHECK(strlen(msg) < 4096);
}

static const tipc_logger fuzz_logger = {fuzz_log_fn, NULL, TIPC_LOG_DEBUG};

/* Input bytes as a fresh heap block of exactly len bytes, so the sanitizers
 * catch a read of even one byte past the end (libFuzzer's own buffer may
 * have slack after it). ASan's malloc(0) is a valid zero-byte block. Free
 * with free(). */
static inline void *
fuzz_dup(const uint8_t *data, size_t len)
{
    void *p = malloc(len);

    FUZZ_CHECK(p != NULL || len == 0);
    if (len > 0)
        memcpy(p, data, len);
    return p;
}

#endif
