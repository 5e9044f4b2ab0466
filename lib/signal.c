/* SPDX-License-Identifier: MIT */
/*
 * Signal rules. The moving averages are running sums over one ring of the last
 * long_window prices: each tick adds the new price to both sums and subtracts
 * the prices that just left each window, so an update costs the same for a
 * 1024-tick window as for a 2-tick one. Averages are compared by
 * cross-multiplying the sums (short_sum * L vs long_sum * S) rather than by
 * dividing, so no rounding can invent or hide a crossing; TIPC_MA_PRICE_MAX
 * bounds prices so that product fits in int64_t.
 */
#include "tipc_int.h"

#include <assert.h>
#include <string.h>

static int64_t
rounded_avg(int64_t sum, uint32_t window)
{
    return (sum + (int64_t)(window / 2)) / (int64_t)window;
}

int
tipc_ma_cross_init(tipc_ma_cross *st, uint32_t short_window, uint32_t long_window)
{
    assert(st != NULL);
    if (short_window < 1 || short_window >= long_window || long_window > TIPC_MA_WINDOW_MAX)
        return TIPC_EINVAL;
    st->short_window = short_window;
    st->long_window = long_window;
    tipc_ma_cross_reset(st);
    return 0;
}

void
tipc_ma_cross_reset(tipc_ma_cross *st)
{
    assert(st != NULL);
    st->seen = 0;
    st->head = 0;
    st->short_sum = 0;
    st->long_sum = 0;
    st->relation = 0;
}

int
tipc_ma_cross_update(tipc_ma_cross *st, int64_t price, tipc_signal_info *out_info,
                     tipc_side *out_side)
{
    uint32_t s, l;
    int rel, fired;

    assert(st != NULL);
    if (price <= 0 || price > TIPC_MA_PRICE_MAX)
        return TIPC_ERANGE;
    s = st->short_window;
    l = st->long_window;
    /* Drop what leaves each window before the new price overwrites the oldest slot. */
    if (st->seen == l)
        st->long_sum -= st->ring[st->head];
    if (st->seen >= s)
        st->short_sum -= st->ring[st->head >= s ? st->head - s : st->head + l - s];
    st->ring[st->head] = price;
    st->head = st->head + 1 == l ? 0 : st->head + 1;
    st->short_sum += price;
    st->long_sum += price;
    if (st->seen < l && ++st->seen < l)
        return 0;

    int64_t lhs = st->short_sum * (int64_t)l, rhs = st->long_sum * (int64_t)s;
    rel = (lhs > rhs) - (lhs < rhs);
    if (rel == 0)
        return 0;
    fired = st->relation != 0 && rel != st->relation;
    st->relation = rel;
    if (!fired)
        return 0;
    if (out_info != NULL) {
        memset(out_info, 0, sizeof *out_info);
        out_info->rule = TIPC_RULE_MA_CROSS;
        out_info->short_window = s;
        out_info->long_window = l;
        out_info->short_ma = rounded_avg(st->short_sum, s);
        out_info->long_ma = rounded_avg(st->long_sum, l);
    }
    if (out_side != NULL)
        *out_side = rel > 0 ? TIPC_SIDE_BUY : TIPC_SIDE_SELL;
    return 1;
}

int
tipc_ma_cross_values(const tipc_ma_cross *st, int64_t *short_ma, int64_t *long_ma)
{
    assert(st != NULL);
    if (st->seen < st->long_window)
        return 0;
    if (short_ma != NULL)
        *short_ma = rounded_avg(st->short_sum, st->short_window);
    if (long_ma != NULL)
        *long_ma = rounded_avg(st->long_sum, st->long_window);
    return 1;
}

int
tipc_sentiment_trigger_init(tipc_sentiment_trigger *st, int32_t buy_threshold,
                            int32_t sell_threshold)
{
    assert(st != NULL);
    if (sell_threshold < TIPC_SENTIMENT_MIN || sell_threshold >= buy_threshold ||
        buy_threshold > TIPC_SENTIMENT_MAX)
        return TIPC_EINVAL;
    st->buy_threshold = buy_threshold;
    st->sell_threshold = sell_threshold;
    st->zone = 0;
    return 0;
}

void
tipc_sentiment_trigger_reset(tipc_sentiment_trigger *st)
{
    assert(st != NULL);
    st->zone = 0;
}

int
tipc_sentiment_trigger_update(tipc_sentiment_trigger *st, int32_t score, tipc_signal_info *out_info,
                              tipc_side *out_side)
{
    int zone;

    assert(st != NULL);
    if (score < TIPC_SENTIMENT_MIN || score > TIPC_SENTIMENT_MAX)
        return TIPC_ERANGE;
    zone = score >= st->buy_threshold ? 1 : score <= st->sell_threshold ? -1 : 0;
    if (zone == st->zone || zone == 0) {
        st->zone = zone;
        return 0;
    }
    st->zone = zone;
    if (out_info != NULL) {
        memset(out_info, 0, sizeof *out_info);
        out_info->rule = TIPC_RULE_SENTIMENT;
        out_info->sentiment = score;
        out_info->threshold = zone > 0 ? st->buy_threshold : st->sell_threshold;
    }
    if (out_side != NULL)
        *out_side = zone > 0 ? TIPC_SIDE_BUY : TIPC_SIDE_SELL;
    return 1;
}
