/* SPDX-License-Identifier: MIT */
/* The decimal formatter behind every number in JSON orders, acks, order log
 * lines and journal ids (lib/decimal.c, internal: compiled in), against
 * snprintf. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tipc_check.h"
#include "../lib/tipc_int.h"

/* Format v both ways, width 0 (plain) and w, and compare byte for byte. */
static void
check_value(uint64_t v, size_t w)
{
    char want[32], got[TIPC__DEC_U64_MAX + 8];
    size_t n;

    memset(got, '#', sizeof got);
    snprintf(want, sizeof want, "%" PRIu64, v);
    n = tipc__dec_u64(v, got);
    ck_assert_msg(n == strlen(want) && memcmp(got, want, n) == 0 && got[n] == '#',
                  "%" PRIu64 ": got \"%.*s\" (%zu digits)", v, (int)n, got, n);
    memset(got, '#', sizeof got);
    snprintf(want, sizeof want, "%0*" PRIu64, (int)(w > TIPC__DEC_U64_MAX ? TIPC__DEC_U64_MAX : w),
             v);
    n = tipc__dec_u64_w(v, w, got);
    ck_assert_msg(n == strlen(want) && memcmp(got, want, n) == 0 && got[n] == '#',
                  "%" PRIu64 " width %zu: got \"%.*s\", want \"%s\"", v, w, (int)n, got, want);
}

START_TEST(test_decimal_every_digit_count_boundary)
{
    uint64_t p = 1;

    check_value(0, 0);
    check_value(UINT64_MAX, 0);
    check_value(UINT64_MAX - 1, 25);
    for (int d = 0; d < 20; d++, p *= 10) {
        for (size_t w = 0; w <= 21; w++) {
            check_value(p, w);
            check_value(p - 1, w);
            check_value(p + 1, w);
            if (p > 1)
                check_value(p * 9 + (p - 1), w); /* 99..9 of d+1 digits */
        }
    }
}
END_TEST

/* 2^k and its neighbours (the digit-count estimate works from the bit
 * length), then 200,000 values of every bit length from a fixed seed. */
START_TEST(test_decimal_every_bit_length_and_random_values)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;

    for (int k = 0; k < 64; k++) {
        uint64_t v = 1ull << k;
        check_value(v, 0);
        check_value(v - 1, 4);
        check_value(v + 1, 9);
    }
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check_value(x >> (i % 64), (size_t)(i % 22));
    }
}
END_TEST

/* Fixed-point prices (4 decimals), the text both the JSON codec and the
 * order log write, down to INT64_MIN. */
START_TEST(test_decimal_price_text)
{
    static const int64_t prices[] = {0,       1,        -1,        9999,      10000,    -10000,
                                     1640500, -1640500, 123456789, INT64_MAX, INT64_MIN};
    char want[40], got[TIPC_PRICE_STR_MAX + 4];

    for (size_t i = 0; i < sizeof prices / sizeof prices[0]; i++) {
        int64_t p = prices[i];
        uint64_t mag = p < 0 ? 0 - (uint64_t)p : (uint64_t)p;
        snprintf(want, sizeof want, "%s%" PRIu64 ".%04" PRIu64, p < 0 ? "-" : "", mag / 10000,
                 mag % 10000);
        memset(got, '#', sizeof got);
        size_t n = tipc__price_text(p, got);
        ck_assert_msg(n == strlen(want) && n < TIPC_PRICE_STR_MAX && memcmp(got, want, n) == 0 &&
                          got[n] == '#',
                      "%" PRId64 ": got \"%.*s\", want \"%s\"", p, (int)n, got, want);
    }
}
END_TEST

static Suite *
tipc_decimal_suite(void)
{
    Suite *s = suite_create("decimal");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* slow under the sanitizers */
    tcase_add_test(tc, test_decimal_every_digit_count_boundary);
    tcase_add_test(tc, test_decimal_every_bit_length_and_random_values);
    tcase_add_test(tc, test_decimal_price_text);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_decimal_suite)
