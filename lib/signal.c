/* SPDX-License-Identifier: MIT */
/*
 * Signal rules. The moving averages are running sums over one ring of the last
 * long_window prices: each tick adds the new price to both sums and subtracts
 * the prices that just left each window, so an update costs the same for a
 * 1024-tick window as for a 2-tick one. Averages are compared by
 * cross-multiplying the sums (short_sum * L vs long_sum * S) rather than by
 * dividing, so no rounding can invent or hide a crossing; TIPC_MA_PRICE_MAX
 * bounds prices so that product fits in int64_t.
 *
 * The arithmetic works on a crossover's scalars plus a ring held apart
 * (struct ma), so that tipc_ma_cross (ring inside, sized for the largest
 * window) and the rule book (one array of exactly long_window prices per
 * symbol) run the same code.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ma {
    uint32_t short_window, long_window;
    uint32_t seen, head;
    int64_t short_sum, long_sum;
    int relation;
};

struct tipc_rulebook {
    uint32_t capacity;
    /* Prices and news live in separate allocations: two threads may feed them. */
    struct ma *ma;
    int64_t *rings; /* long_window prices per symbol */
    tipc_sentiment_trigger *trig;
};

static int64_t
rounded_avg(int64_t sum, uint32_t window)
{
    return (sum + (int64_t)(window / 2)) / (int64_t)window;
}

static bool
windows_ok(uint32_t short_window, uint32_t long_window)
{
    return short_window >= 1 && short_window < long_window && long_window <= TIPC_MA_WINDOW_MAX;
}

/* One price into m and its ring; as tipc_ma_cross_update. */
static inline int
ma_push(struct ma *m, int64_t *ring, int64_t price, tipc_signal_info *out_info, tipc_side *out_side)
{
    uint32_t s = m->short_window, l = m->long_window;
    int rel, fired;

    if (price <= 0 || price > TIPC_MA_PRICE_MAX)
        return TIPC_ERANGE;
    /* Drop what leaves each window before the new price overwrites the oldest slot. */
    if (m->seen == l)
        m->long_sum -= ring[m->head];
    if (m->seen >= s)
        m->short_sum -= ring[m->head >= s ? m->head - s : m->head + l - s];
    ring[m->head] = price;
    m->head = m->head + 1 == l ? 0 : m->head + 1;
    m->short_sum += price;
    m->long_sum += price;
    if (m->seen < l && ++m->seen < l)
        return 0;

    int64_t lhs = m->short_sum * (int64_t)l, rhs = m->long_sum * (int64_t)s;
    rel = (lhs > rhs) - (lhs < rhs);
    if (rel == 0)
        return 0;
    fired = m->relation != 0 && rel != m->relation;
    m->relation = rel;
    if (!fired)
        return 0;
    if (out_info != NULL) {
        memset(out_info, 0, sizeof *out_info);
        out_info->rule = TIPC_RULE_MA_CROSS;
        out_info->short_window = s;
        out_info->long_window = l;
        out_info->short_ma = rounded_avg(m->short_sum, s);
        out_info->long_ma = rounded_avg(m->long_sum, l);
    }
    if (out_side != NULL)
        *out_side = rel > 0 ? TIPC_SIDE_BUY : TIPC_SIDE_SELL;
    return 1;
}

int
tipc_ma_cross_init(tipc_ma_cross *st, uint32_t short_window, uint32_t long_window)
{
    assert(st != NULL);
    if (!windows_ok(short_window, long_window))
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
    assert(st != NULL);
    struct ma m = {st->short_window, st->long_window, st->seen,    st->head,
                   st->short_sum,    st->long_sum,    st->relation};
    int rc = ma_push(&m, st->ring, price, out_info, out_side);

    st->seen = m.seen;
    st->head = m.head;
    st->short_sum = m.short_sum;
    st->long_sum = m.long_sum;
    st->relation = m.relation;
    return rc;
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

int
tipc_rulebook_create(tipc_rulebook **out, uint32_t capacity, const tipc_rulebook_params *params)
{
    tipc_sentiment_trigger trig;
    tipc_rulebook *rb;

    assert(out != NULL);
    if (capacity == 0 || capacity > TIPC_RULEBOOK_MAX_CAPACITY || params == NULL ||
        !windows_ok(params->short_window, params->long_window) ||
        tipc_sentiment_trigger_init(&trig, params->buy_threshold, params->sell_threshold) < 0)
        return TIPC_EINVAL;
    if ((size_t)capacity > SIZE_MAX / sizeof(int64_t) / params->long_window)
        return TIPC_ENOMEM; /* 32-bit size_t */
    if ((rb = calloc(1, sizeof *rb)) == NULL)
        return TIPC_ENOMEM;
    rb->capacity = capacity;
    rb->ma = calloc(capacity, sizeof *rb->ma);
    rb->rings = calloc((size_t)capacity * params->long_window, sizeof *rb->rings);
    rb->trig = calloc(capacity, sizeof *rb->trig);
    if (rb->ma == NULL || rb->rings == NULL || rb->trig == NULL) {
        tipc_rulebook_destroy(rb);
        return TIPC_ENOMEM;
    }
    for (uint32_t i = 0; i < capacity; i++) {
        rb->ma[i].short_window = params->short_window;
        rb->ma[i].long_window = params->long_window;
        rb->trig[i] = trig;
    }
    *out = rb;
    return 0;
}

void
tipc_rulebook_destroy(tipc_rulebook *rb)
{
    if (rb == NULL)
        return;
    free(rb->ma);
    free(rb->rings);
    free(rb->trig);
    free(rb);
}

int
tipc_rulebook_on_price(tipc_rulebook *rb, uint32_t index, int64_t price, tipc_signal *out)
{
    tipc_signal sig;
    int rc;

    assert(rb != NULL);
    if (index >= rb->capacity)
        return TIPC_ERANGE;
    struct ma *m = &rb->ma[index];
    rc = ma_push(m, &rb->rings[(size_t)index * m->long_window], price, &sig.info, &sig.side);
    if (rc == 1 && out != NULL)
        *out = sig;
    return rc;
}

int
tipc_rulebook_on_news(tipc_rulebook *rb, uint32_t index, int32_t score, tipc_signal *out)
{
    tipc_signal sig;
    int rc;

    assert(rb != NULL);
    if (index >= rb->capacity)
        return TIPC_ERANGE;
    rc = tipc_sentiment_trigger_update(&rb->trig[index], score, &sig.info, &sig.side);
    if (rc == 1 && out != NULL)
        *out = sig;
    return rc;
}
