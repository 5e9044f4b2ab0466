/* SPDX-License-Identifier: MIT */
/* Signal rules: the MA crossover fires exactly at hand-computed ticks and agrees
 * with a brute-force model over long random series; the sentiment trigger's edge
 * semantics, tick by tick. */
#include <stdint.h>
#include <string.h>

#include "tipc_check.h"

#define P(x) ((int64_t)(x)*TIPC_PRICE_SCALE)

START_TEST(test_ma_cross_init_windows)
{
    tipc_ma_cross st;

    memset(&st, 0x5a, sizeof st);
    ck_assert_tipc_err(tipc_ma_cross_init(&st, 0, 5), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_ma_cross_init(&st, 5, 5), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_ma_cross_init(&st, 6, 5), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_ma_cross_init(&st, 1, TIPC_MA_WINDOW_MAX + 1), TIPC_EINVAL);
    ck_assert_uint_eq(st.short_window, 0x5a5a5a5a); /* untouched */
    ck_assert_tipc_ok(tipc_ma_cross_init(&st, 1, 2));
    ck_assert_tipc_ok(tipc_ma_cross_init(&st, 1, TIPC_MA_WINDOW_MAX));
    ck_assert_tipc_ok(tipc_ma_cross_init(&st, TIPC_MA_WINDOW_MAX - 1, TIPC_MA_WINDOW_MAX));
}
END_TEST

/* short = 2, long = 4; the averages after each tick, worked by hand:
 *  tick  price  short  long    relation
 *   1-4   10     -      -      (window filling; at 4: 10 vs 10, equal)
 *   5     12     11     10.5   above (first relation: no signal)
 *   6      8     10     10     equal (nothing)
 *   7      6      7      9     below -> SELL
 *   8      6      6      8     below
 *   9     14     10      8.5   above -> BUY
 *  10     14     14     10     above
 *  11      9     11.5   10.75  above
 *  12      5      7     10.5   below -> SELL */
START_TEST(test_ma_cross_fires_at_hand_computed_ticks)
{
    static const int prices[] = {10, 10, 10, 10, 12, 8, 6, 6, 14, 14, 9, 5};
    tipc_ma_cross st;
    tipc_signal_info info;
    tipc_side side;
    int64_t sm, lm;

    ck_assert_tipc_ok(tipc_ma_cross_init(&st, 2, 4));
    for (int i = 0; i < 12; i++) {
        int tick = i + 1;
        memset(&info, 0x77, sizeof info);
        side = (tipc_side)0;
        int rc = tipc_ma_cross_update(&st, P(prices[i]), &info, &side);
        ck_assert_int_eq(tipc_ma_cross_values(&st, &sm, &lm), tick >= 4);
        if (tick == 7 || tick == 9 || tick == 12) {
            ck_assert_msg(rc == 1, "tick %d: no signal", tick);
            ck_assert_int_eq(info.rule, TIPC_RULE_MA_CROSS);
            ck_assert_uint_eq(info.short_window, 2);
            ck_assert_uint_eq(info.long_window, 4);
            ck_assert_int_eq(info.sentiment, 0);
            ck_assert_int_eq(info.threshold, 0);
            ck_assert_int_eq(info.short_ma, sm);
            ck_assert_int_eq(info.long_ma, lm);
        } else {
            ck_assert_msg(rc == 0, "tick %d: unexpected signal", tick);
            ck_assert_int_eq(side, 0); /* outputs untouched */
            ck_assert_int_eq(info.rule, 0x77777777);
        }
        if (tick == 7) {
            ck_assert_int_eq(side, TIPC_SIDE_SELL);
            ck_assert_int_eq(info.short_ma, P(7));
            ck_assert_int_eq(info.long_ma, P(9));
        } else if (tick == 9) {
            ck_assert_int_eq(side, TIPC_SIDE_BUY);
            ck_assert_int_eq(info.short_ma, P(10));
            ck_assert_int_eq(info.long_ma, 85000);
        } else if (tick == 12) {
            ck_assert_int_eq(side, TIPC_SIDE_SELL);
            ck_assert_int_eq(info.short_ma, P(7));
            ck_assert_int_eq(info.long_ma, 105000);
        }
    }
}
END_TEST

START_TEST(test_ma_cross_touch_is_not_a_crossing)
{
    /* short 1, long 3: above at tick 4 (16 vs 12), equal at 5 (13 vs 13), above at 6
     * (15 vs 14.67): no signal; below at 7 (10 vs 12.67) fires once. */
    static const int prices[] = {10, 10, 10, 16, 13, 15, 10, 8, 7, 6};
    static const int want[] = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
    tipc_ma_cross st;
    tipc_side side = (tipc_side)0;

    ck_assert_tipc_ok(tipc_ma_cross_init(&st, 1, 3));
    for (int i = 0; i < 10; i++) {
        int rc = tipc_ma_cross_update(&st, P(prices[i]), NULL, &side);
        ck_assert_msg(rc == want[i], "tick %d: got %d", i + 1, rc);
    }
    ck_assert_int_eq(side, TIPC_SIDE_SELL);
}
END_TEST

/* The relation on the first full window sets the start; it does not fire. */
START_TEST(test_ma_cross_no_signal_on_first_full_window)
{
    tipc_ma_cross st;

    ck_assert_tipc_ok(tipc_ma_cross_init(&st, 1, 4));
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(1), NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(1), NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(1), NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(2), NULL, NULL), 0); /* above, first */
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(3), NULL, NULL), 0); /* still above */
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(1), NULL, NULL), 1); /* 1 < 1.75 */
    tipc_ma_cross_reset(&st);
    ck_assert_int_eq(tipc_ma_cross_values(&st, NULL, NULL), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(tipc_ma_cross_update(&st, P(5), NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_update(&st, P(1), NULL, NULL), 0); /* below, first again */
}
END_TEST

START_TEST(test_ma_cross_rounding_and_price_range)
{
    tipc_ma_cross st;
    int64_t sm = -1, lm = -1;

    ck_assert_tipc_ok(tipc_ma_cross_init(&st, 2, 3));
    ck_assert_tipc_err(tipc_ma_cross_update(&st, 0, NULL, NULL), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_ma_cross_update(&st, -5, NULL, NULL), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_ma_cross_update(&st, TIPC_MA_PRICE_MAX + 1, NULL, NULL), TIPC_ERANGE);
    ck_assert_int_eq(tipc_ma_cross_update(&st, 1, NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_update(&st, 2, NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_values(&st, &sm, &lm), 0);
    ck_assert_int_eq(sm, -1);
    ck_assert_int_eq(tipc_ma_cross_update(&st, 2, NULL, NULL), 0);
    ck_assert_int_eq(tipc_ma_cross_values(&st, &sm, &lm), 1);
    ck_assert_int_eq(sm, 2); /* (2 + 2) / 2 */
    ck_assert_int_eq(lm, 2); /* 5 / 3 = 1.67 -> 2 */
    /* 1.5 < 1.67 exactly (9 < 10 cross-multiplied), though both round to 2 */
    ck_assert_int_eq(tipc_ma_cross_update(&st, 1, NULL, NULL), 1);
    ck_assert_int_eq(tipc_ma_cross_values(&st, &sm, &lm), 1);
    ck_assert_int_eq(sm, 2); /* 3 / 2 = 1.5 -> 2 (halves up) */
    ck_assert_int_eq(lm, 2); /* 5 / 3 */

    /* the largest price in the largest window: the cross-multiplied sums must not overflow
     * (UBSan would say so) */
    ck_assert_tipc_ok(tipc_ma_cross_init(&st, TIPC_MA_WINDOW_MAX - 1, TIPC_MA_WINDOW_MAX));
    for (int i = 0; i < 3 * TIPC_MA_WINDOW_MAX; i++)
        ck_assert_int_ge(tipc_ma_cross_update(&st, i % 7 ? TIPC_MA_PRICE_MAX : 1, NULL, NULL), 0);
}
END_TEST

/* A brute-force model of the documented rule, over random walks and many window pairs. */
START_TEST(test_ma_cross_matches_brute_force)
{
    static const uint32_t pairs[][2] = {
        {1, 2},      {2, 5}, {3, 7}, {5, 20}, {10, 11}, {50, 200}, {1, TIPC_MA_WINDOW_MAX},
        {1023, 1024}};
    enum { N = 6000 };
    static int64_t px[N];
    uint64_t x = 0x853C49E6748FEA9Bull;
    int64_t price = P(100);

    for (int i = 0; i < N; i++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        price += (int64_t)((x * 0x2545F4914F6CDD1Dull) >> 59) - 16; /* +-16 ticks */
        if (price < 1)
            price = 1;
        px[i] = price;
    }
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        uint32_t s = pairs[k][0], l = pairs[k][1];
        tipc_ma_cross st;
        int last = 0, fires = 0;

        ck_assert_tipc_ok(tipc_ma_cross_init(&st, s, l));
        for (int i = 0; i < N; i++) {
            tipc_signal_info info;
            tipc_side side;
            int rc = tipc_ma_cross_update(&st, px[i], &info, &side), want = 0, rel;
            if (i + 1 >= (int)l) {
                int64_t ss = 0, ls = 0;
                for (uint32_t j = 0; j < l; j++) {
                    ls += px[i - (int)j];
                    if (j < s)
                        ss += px[i - (int)j];
                }
                rel = ss * (int64_t)l > ls * (int64_t)s   ? 1
                      : ss * (int64_t)l < ls * (int64_t)s ? -1
                                                          : 0;
                if (rel != 0) {
                    want = last != 0 && rel != last;
                    last = rel;
                }
                if (want) {
                    ck_assert_int_eq(side, rel > 0 ? TIPC_SIDE_BUY : TIPC_SIDE_SELL);
                    ck_assert_int_eq(info.short_ma, (ss + s / 2) / s);
                    ck_assert_int_eq(info.long_ma, (ls + l / 2) / l);
                }
            }
            ck_assert_msg(rc == want, "windows %u/%u tick %d: got %d want %d", s, l, i, rc, want);
            fires += rc;
        }
        ck_assert_int_gt(fires, 0);
    }
}
END_TEST

START_TEST(test_sentiment_init_thresholds)
{
    tipc_sentiment_trigger st;

    memset(&st, 0x5a, sizeof st);
    ck_assert_tipc_err(tipc_sentiment_trigger_init(&st, 50, 50), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_sentiment_trigger_init(&st, 40, 60), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_sentiment_trigger_init(&st, 101, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_sentiment_trigger_init(&st, 100, -1), TIPC_EINVAL);
    ck_assert_int_eq(st.buy_threshold, 0x5a5a5a5a); /* untouched */
    ck_assert_tipc_ok(tipc_sentiment_trigger_init(&st, 100, 0));
    ck_assert_tipc_ok(tipc_sentiment_trigger_init(&st, 51, 50));
}
END_TEST

START_TEST(test_sentiment_edge_semantics)
{
    static const struct {
        int32_t score;
        int rc;
        tipc_side side;
        int32_t threshold;
    } steps[] = {
        {50, 0, 0, 0},               /* neutral */
        {70, 1, TIPC_SIDE_BUY, 70},  /* enters BUY at the threshold */
        {80, 0, 0, 0},               /* still in BUY: no repeat */
        {70, 0, 0, 0},               /* still in BUY */
        {69, 0, 0, 0},               /* neutral: re-arms */
        {75, 1, TIPC_SIDE_BUY, 70},  /* enters BUY again */
        {30, 1, TIPC_SIDE_SELL, 30}, /* straight into SELL */
        {10, 0, 0, 0},               /* still in SELL */
        {101, TIPC_ERANGE, 0, 0},    /* rejected, state kept */
        {-1, TIPC_ERANGE, 0, 0},     /* rejected, state kept */
        {0, 0, 0, 0},                /* still in SELL */
        {100, 1, TIPC_SIDE_BUY, 70}, /* straight into BUY */
        {31, 0, 0, 0},               /* neutral */
        {30, 1, TIPC_SIDE_SELL, 30}, /* enters SELL at the threshold */
    };
    tipc_sentiment_trigger st;

    ck_assert_tipc_ok(tipc_sentiment_trigger_init(&st, 70, 30));
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        tipc_signal_info info;
        tipc_side side = (tipc_side)0;
        memset(&info, 0, sizeof info);
        int rc = tipc_sentiment_trigger_update(&st, steps[i].score, &info, &side);
        ck_assert_msg(rc == steps[i].rc, "step %zu (score %d): got %d", i, steps[i].score, rc);
        ck_assert_int_eq(side, steps[i].side);
        if (rc == 1) {
            ck_assert_int_eq(info.rule, TIPC_RULE_SENTIMENT);
            ck_assert_int_eq(info.sentiment, steps[i].score);
            ck_assert_int_eq(info.threshold, steps[i].threshold);
            ck_assert_int_eq(info.short_window, 0);
            ck_assert_int_eq(info.short_ma, 0);
        }
    }
    /* a fresh trigger starts neutral, so a first score inside a zone fires */
    ck_assert_tipc_ok(tipc_sentiment_trigger_init(&st, 70, 30));
    ck_assert_int_eq(tipc_sentiment_trigger_update(&st, 20, NULL, NULL), 1);
    ck_assert_int_eq(tipc_sentiment_trigger_update(&st, 20, NULL, NULL), 0);
    tipc_sentiment_trigger_reset(&st);
    ck_assert_int_eq(tipc_sentiment_trigger_update(&st, 20, NULL, NULL), 1);
}
END_TEST

static Suite *
tipc_signal_suite(void)
{
    Suite *s = suite_create("signal");
    TCase *tc = tcase_create("ma_cross");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_ma_cross_init_windows);
    tcase_add_test(tc, test_ma_cross_fires_at_hand_computed_ticks);
    tcase_add_test(tc, test_ma_cross_touch_is_not_a_crossing);
    tcase_add_test(tc, test_ma_cross_no_signal_on_first_full_window);
    tcase_add_test(tc, test_ma_cross_rounding_and_price_range);
    tcase_add_test(tc, test_ma_cross_matches_brute_force);
    suite_add_tcase(s, tc);

    tc = tcase_create("sentiment");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_sentiment_init_thresholds);
    tcase_add_test(tc, test_sentiment_edge_semantics);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_signal_suite)
