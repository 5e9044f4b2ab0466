/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tipc_check.h"
#include "../lib/tipc_int.h"

START_TEST(test_error_every_code_has_name_and_message)
{
    static const struct {
        int code;
        const char *name;
        const char *msg;
    } table[] = {
#define TIPC_X_ROW(name, value, msg) {value, #name, msg},
        TIPC_ERROR_MAP(TIPC_X_ROW)
#undef TIPC_X_ROW
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ck_assert_str_eq(tipc_err_name(table[i].code), table[i].name);
        ck_assert_str_eq(tipc_strerror(table[i].code), table[i].msg);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(table[i].code != table[j].code, "%s and %s share a value", table[i].name,
                          table[j].name);
    }
}
END_TEST

START_TEST(test_error_system_codes_keep_errno_meaning)
{
    ck_assert_int_eq(TIPC_EAGAIN, -EAGAIN);
    ck_assert_int_eq(TIPC_EINVAL, -EINVAL);
    ck_assert_int_eq(TIPC_EMSGSIZE, -EMSGSIZE);
    ck_assert_int_eq(TIPC_ETIMEDOUT, -ETIMEDOUT);
    ck_assert_int_eq(TIPC_OK, 0);
    ck_assert_int_le(TIPC_ECLOSED, -1000);
}
END_TEST

/* Every errno the system can return maps to a code tipc_strerror knows; one
 * the table has passes through unchanged. */
START_TEST(test_error_every_errno_maps_into_the_table)
{
    for (int e = 0; e < 4096; e++) {
        int code = tipc__err_from_errno(e);
        ck_assert_msg(strcmp(tipc_strerror(code), "unknown error") != 0, "errno %d -> %d", e, code);
        ck_assert_int_lt(code, 0);
        if (e > 0 && strcmp(tipc_strerror(-e), "unknown error") != 0)
            ck_assert_int_eq(code, -e);
    }
    ck_assert_int_eq(tipc__err_from_errno(ECONNREFUSED), TIPC_ECONNREFUSED);
    ck_assert_int_eq(tipc__err_from_errno(EHOSTUNREACH), TIPC_EHOSTUNREACH);
    ck_assert_int_eq(tipc__err_from_errno(ECONNABORTED), TIPC_ECONNRESET);
    ck_assert_int_eq(tipc__err_from_errno(ENOTDIR), TIPC_ENOENT);
    ck_assert_int_eq(tipc__err_from_errno(EISDIR), TIPC_EINVAL);
    ck_assert_int_eq(tipc__err_from_errno(EDOM), TIPC_EIO);
    ck_assert_int_eq(tipc__err_from_errno(0), TIPC_EIO);
    errno = EADDRINUSE;
    ck_assert_int_eq(tipc__neg_errno(), TIPC_EADDRINUSE);
}
END_TEST

START_TEST(test_error_unknown_code)
{
    ck_assert_str_eq(tipc_strerror(-999999), "unknown error");
    ck_assert_str_eq(tipc_err_name(12345), "TIPC_E?");
    ck_assert_str_eq(tipc_strerror(TIPC_EPROTO), "malformed frame or message");
}
END_TEST

static int log_calls;
static char log_last[600];

static void
capture_log(void *ctx, tipc_log_level level, const char *component, const char *msg)
{
    (void)ctx;
    log_calls++;
    snprintf(log_last, sizeof log_last, "%s %s %s", tipc_log_level_name(level), component, msg);
}

START_TEST(test_error_version_string_matches_macros)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TIPC_VERSION_MAJOR, TIPC_VERSION_MINOR,
             TIPC_VERSION_PATCH);
    ck_assert_str_eq(tipc_version_string(), want);
    ck_assert_str_eq(TIPC_VERSION_STRING, want);
    (void)capture_log;
}
END_TEST

START_TEST(test_error_clocks_advance)
{
    uint64_t m1 = tipc_time_monotonic_ns(), r1 = tipc_time_realtime_ns();
    uint64_t m2 = tipc_time_monotonic_ns();
    ck_assert_uint_ge(m2, m1);
    ck_assert_uint_gt(r1, 1600000000ull * 1000000000ull); /* after 2020 */
}
END_TEST

static Suite *
tipc_error_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_error_every_code_has_name_and_message);
    tcase_add_test(tc, test_error_system_codes_keep_errno_meaning);
    tcase_add_test(tc, test_error_every_errno_maps_into_the_table);
    tcase_add_test(tc, test_error_unknown_code);
    tcase_add_test(tc, test_error_version_string_matches_macros);
    tcase_add_test(tc, test_error_clocks_advance);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_error_suite)
