/* SPDX-License-Identifier: MIT */
#include "hostile_util.h"
START_TEST(test_placeholder) {}
END_TEST
static Suite *
s_(void)
{
    Suite *s = suite_create("x");
    TCase *tc = tcase_create("x");
    tcase_add_test(tc, test_placeholder);
    suite_add_tcase(s, tc);
    return s;
}
TIPC_CHECK_MAIN(s_)
