/* SPDX-License-Identifier: MIT */
/* Shared helpers for the Check suites: an assert that names the error code,
 * unique per-process resource names, and main() through TIPC_CHECK_MAIN. */
#ifndef TIPC_CHECK_H
#define TIPC_CHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <tradeipc.h>

#define ck_assert_tipc_ok(expr)                                                                    \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        ck_assert_msg(rc_ == TIPC_OK, "%s: %s (%s, %d)", #expr, tipc_strerror(rc_),                \
                      tipc_err_name(rc_), rc_);                                                    \
    } while (0)

#define ck_assert_tipc_err(expr, want)                                                             \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        ck_assert_msg(rc_ == (want), "%s: got %s (%d), want %s", #expr, tipc_err_name(rc_), rc_,   \
                      tipc_err_name(want));                                                        \
    } while (0)

/* A shared-memory or socket name unique to this process and call site:
 * "/tipc_test_<tag>_<pid>_<n>". */
static inline void
tipc_test_name(char *buf, size_t cap, const char *tag)
{
    static unsigned counter;
    snprintf(buf, cap, "/tipc_test_%s_%ld_%u", tag, (long)getpid(), counter++);
}

/* main() for a one-suite test program. */
#define TIPC_CHECK_MAIN(suite_fn)                                                                  \
    int main(void)                                                                                 \
    {                                                                                              \
        SRunner *sr = srunner_create(suite_fn());                                                  \
        srunner_run_all(sr, CK_NORMAL);                                                            \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                          \
    }

#endif
