/* SPDX-License-Identifier: MIT */
/* Signal rules: the MA crossover fires exactly at hand-computed ticks and agrees
 * with a brute-force model over long random series; the sentiment trigger's edge
 * semantics, tick by tick; the rule book gives each symbol its own crossover and
 * trigger with the same results as the single-symbol states. */
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

/* ---- rule book ------------------------------------------------------------- */

static const tipc_rulebook_params params_2_4_80_20 = {
    .short_window = 2, .long_window = 4, .buy_threshold = 80, .sell_threshold = 20};

START_TEST(test_rulebook_create_checks_arguments)
{
    tipc_rulebook *rb = (tipc_rulebook *)&rb; /* must stay untouched on errors */
    tipc_rulebook *const sentinel = rb;
    tipc_rulebook_params p = params_2_4_80_20;

    ck_assert_tipc_err(tipc_rulebook_create(&rb, 0, &p), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_rulebook_create(&rb, TIPC_RULEBOOK_MAX_CAPACITY + 1, &p), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_rulebook_create(&rb, 4, NULL), TIPC_EINVAL);
    p.short_window = 4; /* not below long_window */
    ck_assert_tipc_err(tipc_rulebook_create(&rb, 4, &p), TIPC_EINVAL);
    p = params_2_4_80_20;
    p.long_window = TIPC_MA_WINDOW_MAX + 1;
    ck_assert_tipc_err(tipc_rulebook_create(&rb, 4, &p), TIPC_EINVAL);
    p = params_2_4_80_20;
    p.sell_threshold = 80; /* not below buy_threshold */
    ck_assert_tipc_err(tipc_rulebook_create(&rb, 4, &p), TIPC_EINVAL);
    p = params_2_4_80_20;
    p.buy_threshold = TIPC_SENTIMENT_MAX + 1;
    ck_assert_tipc_err(tipc_rulebook_create(&rb, 4, &p), TIPC_EINVAL);
    ck_assert_ptr_eq(rb, sentinel);
    tipc_rulebook_destroy(NULL);

    ck_assert_tipc_ok(tipc_rulebook_create(&rb, 1, &params_2_4_80_20));
    ck_assert_ptr_ne(rb, sentinel);
    tipc_rulebook_destroy(rb);
}
END_TEST

/* The hand-computed series of test_ma_cross_fires_at_hand_computed_ticks on
 * symbol 2, interleaved with a flat series on symbol 0 and a falling one on
 * symbol 1: symbol 2 fires at ticks 7, 9 and 12 exactly as before; the flat
 * symbol never fires; the falling one never fires either (it never turns). */
START_TEST(test_rulebook_prices_per_symbol)
{
    static const int prices[] = {10, 10, 10, 10, 12, 8, 6, 6, 14, 14, 9, 5};
    tipc_rulebook *rb;
    tipc_signal sig;

    ck_assert_tipc_ok(tipc_rulebook_create(&rb, 3, &params_2_4_80_20));
    for (int i = 0; i < 12; i++) {
        int tick = i + 1;
        ck_assert_int_eq(tipc_rulebook_on_price(rb, 0, P(50), &sig), 0);
        ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(100 - i), NULL), 0);
        memset(&sig, 0x77, sizeof sig);
        int rc = tipc_rulebook_on_price(rb, 2, P(prices[i]), &sig);
        if (tick != 7 && tick != 9 && tick != 12) {
            ck_assert_msg(rc == 0, "tick %d: unexpected signal", tick);
            ck_assert_int_eq(sig.side, 0x77777777); /* untouched */
            continue;
        }
        ck_assert_msg(rc == 1, "tick %d: no signal", tick);
        ck_assert_int_eq(sig.info.rule, TIPC_RULE_MA_CROSS);
        ck_assert_uint_eq(sig.info.short_window, 2);
        ck_assert_uint_eq(sig.info.long_window, 4);
        ck_assert_int_eq(sig.info.sentiment, 0);
        ck_assert_int_eq(sig.info.threshold, 0);
        ck_assert_int_eq(sig.side, (tick == 9 ? TIPC_SIDE_BUY : TIPC_SIDE_SELL));
        ck_assert_int_eq(sig.info.short_ma, (tick == 9 ? P(10) : P(7)));
        ck_assert_int_eq(sig.info.long_ma, (tick == 7 ? P(9) : tick == 9 ? 85000 : 105000));
    }
    tipc_rulebook_destroy(rb);
}
END_TEST

/* Scores per symbol, and prices and news of one index kept apart. */
START_TEST(test_rulebook_news_per_symbol)
{
    tipc_rulebook *rb;
    tipc_signal sig;

    ck_assert_tipc_ok(tipc_rulebook_create(&rb, 2, &params_2_4_80_20));
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 0, 50, &sig), 0);
    memset(&sig, 0, sizeof sig);
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 0, 85, &sig), 1);
    ck_assert_int_eq(sig.side, TIPC_SIDE_BUY);
    ck_assert_int_eq(sig.info.rule, TIPC_RULE_SENTIMENT);
    ck_assert_int_eq(sig.info.sentiment, 85);
    ck_assert_int_eq(sig.info.threshold, 80);
    ck_assert_uint_eq(sig.info.short_window, 0);
    ck_assert_int_eq(sig.info.short_ma, 0);
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 0, 90, &sig), 0); /* still in the zone */
    /* Symbol 1 starts neutral: its first score in the SELL zone fires. */
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 1, 20, &sig), 1);
    ck_assert_int_eq(sig.side, TIPC_SIDE_SELL);
    ck_assert_int_eq(sig.info.sentiment, 20);
    ck_assert_int_eq(sig.info.threshold, 20);
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 0, 5, NULL), 1); /* BUY zone -> SELL zone */
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 1, 19, &sig), 0);
    /* Prices of index 0 do not disturb its trigger, nor news its crossover. */
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(tipc_rulebook_on_price(rb, 0, P(10), NULL), 0);
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 0, 5, NULL), 0);
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 0, P(12), NULL), 0); /* first relation */
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 0, P(6), &sig), 1);
    ck_assert_int_eq(sig.side, TIPC_SIDE_SELL);
    tipc_rulebook_destroy(rb);
}
END_TEST

START_TEST(test_rulebook_range_errors_leave_state)
{
    tipc_rulebook *rb;
    tipc_signal sig;

    ck_assert_tipc_ok(tipc_rulebook_create(&rb, 2, &params_2_4_80_20));
    ck_assert_tipc_err(tipc_rulebook_on_price(rb, 2, P(10), &sig), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_rulebook_on_price(rb, UINT32_MAX, P(10), &sig), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_rulebook_on_news(rb, 2, 50, &sig), TIPC_ERANGE);
    /* A bad value changes nothing: the window still needs four good prices. */
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(10), NULL), 0);
    ck_assert_tipc_err(tipc_rulebook_on_price(rb, 1, 0, &sig), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_rulebook_on_price(rb, 1, TIPC_MA_PRICE_MAX + 1, &sig), TIPC_ERANGE);
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(10), NULL), 0);
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(10), NULL), 0);
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(10), NULL), 0); /* full: equal */
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(12), NULL), 0); /* above: first relation */
    ck_assert_int_eq(tipc_rulebook_on_price(rb, 1, P(6), NULL), 1);
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 1, 85, NULL), 1);
    ck_assert_tipc_err(tipc_rulebook_on_news(rb, 1, TIPC_SENTIMENT_MAX + 1, &sig), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_rulebook_on_news(rb, 1, TIPC_SENTIMENT_MIN - 1, &sig), TIPC_ERANGE);
    ck_assert_int_eq(tipc_rulebook_on_news(rb, 1, 90, NULL), 0); /* still in the BUY zone */
    tipc_rulebook_destroy(rb);
}
END_TEST

/* Many symbols over random walks, in a shuffled interleaving: each symbol's
 * signals are exactly those of its own tipc_ma_cross / tipc_sentiment_trigger. */
START_TEST(test_rulebook_matches_single_states)
{
    enum { SYMS = 37, STEPS = 20000 };
    static tipc_ma_cross ma[SYMS];
    static tipc_sentiment_trigger trig[SYMS];
    int64_t price[SYMS];
    const tipc_rulebook_params p = {
        .short_window = 5, .long_window = 20, .buy_threshold = 70, .sell_threshold = 30};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    tipc_rulebook *rb;
    int fired = 0;

    ck_assert_tipc_ok(tipc_rulebook_create(&rb, SYMS, &p));
    for (int k = 0; k < SYMS; k++) {
        ck_assert_tipc_ok(tipc_ma_cross_init(&ma[k], 5, 20));
        ck_assert_tipc_ok(tipc_sentiment_trigger_init(&trig[k], 70, 30));
        price[k] = P(100 + k);
    }
    for (int i = 0; i < STEPS; i++) {
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        uint64_t r = x * 0x2545F4914F6CDD1Dull;
        uint32_t k = (uint32_t)((r >> 32) % SYMS);
        tipc_signal got = {0}, want = {0};
        int rc, wrc;
        if (r & 1) {
            price[k] += (int64_t)((r >> 8) % 33) - 16;
            if (price[k] < 1)
                price[k] = 1;
            rc = tipc_rulebook_on_price(rb, k, price[k], &got);
            wrc = tipc_ma_cross_update(&ma[k], price[k], &want.info, &want.side);
        } else {
            int32_t score = (int32_t)((r >> 8) % 101);
            rc = tipc_rulebook_on_news(rb, k, score, &got);
            wrc = tipc_sentiment_trigger_update(&trig[k], score, &want.info, &want.side);
        }
        ck_assert_int_eq(rc, wrc);
        ck_assert_int_eq(got.side, want.side);
        ck_assert_mem_eq(&got.info, &want.info, sizeof got.info);
        fired += rc;
    }
    ck_assert_int_gt(fired, 1000); /* the comparison covered many signals */
    tipc_rulebook_destroy(rb);
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

    tc = tcase_create("rulebook");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_rulebook_create_checks_arguments);
    tcase_add_test(tc, test_rulebook_prices_per_symbol);
    tcase_add_test(tc, test_rulebook_news_per_symbol);
    tcase_add_test(tc, test_rulebook_range_errors_leave_state);
    tcase_add_test(tc, test_rulebook_matches_single_states);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_signal_suite)
