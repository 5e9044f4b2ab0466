/* SPDX-License-Identifier: MIT */
/*
 * Trading signals as small state machines: one per symbol, fixed memory,
 * O(1) per update, integer arithmetic on fixed-point prices. The caller keeps
 * one state per symbol (e.g. in an array indexed by its symbol table) and
 * feeds it ticks or news scores; an update returns 1 when the rule fires.
 *
 * Moving-average crossover (tipc_ma_cross): the short and long simple moving
 * averages of the last short_window and long_window prices. Nothing is decided
 * until long_window prices have been seen. From then on each tick's relation is
 * "above" (short MA > long MA), "below" (<) or "equal", compared exactly (the
 * sums are cross-multiplied, nothing is divided). The rule fires BUY when the
 * relation becomes above after having last been below, and SELL when it becomes
 * below after having last been above; "equal" changes nothing, so touching the
 * long average and turning back is not a crossing, while passing through equal
 * to the other side is one crossing. The relation on the first full window only
 * sets the starting point: it does not fire. Hence one signal per crossing, never
 * one per tick while above.
 *
 * Sentiment trigger (tipc_sentiment_trigger): a score is in the BUY zone when
 * score >= buy_threshold, in the SELL zone when score <= sell_threshold
 * (sell_threshold < buy_threshold, so the zones never overlap), else neutral.
 * The trigger is edge-triggered: it fires when a score lands in a zone other
 * than the previous score's zone, i.e. on entering the BUY or SELL zone from
 * neutral or from the opposite zone. Further scores inside the same zone do
 * not fire; a neutral score re-arms both zones. The state starts neutral, so a
 * first score already in a zone fires.
 *
 * Rule book (tipc_rulebook): both rules for every symbol of a strategy, in
 * memory allocated once at create. Symbols are dense indices the caller
 * already has, such as book indices; price and news states are kept apart, so
 * prices may be indexed by one table (the price book) and news by another
 * (the news book). A price feeds that index's crossover, a score that
 * index's trigger, with exactly the semantics above.
 *
 * Threads: one thread at a time per state; states share nothing. In a rule
 * book, prices and news touch separate memory: one thread may feed prices
 * while another feeds news.
 */
#ifndef TRADEIPC_SIGNAL_H
#define TRADEIPC_SIGNAL_H

#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

/* Longest moving-average window, in ticks. */
#define TIPC_MA_WINDOW_MAX 1024
/* Largest price an MA state accepts: sums of up to TIPC_MA_WINDOW_MAX prices are
 * cross-multiplied by a window length, and that must fit int64_t. About 879.6 million in
 * decimal, far above any traded price. */
#define TIPC_MA_PRICE_MAX (INT64_MAX / ((int64_t)TIPC_MA_WINDOW_MAX * TIPC_MA_WINDOW_MAX))

/* Moving-average crossover state. A plain struct the caller owns (about 8 KiB, the
 * price ring); fields are private. */
typedef struct tipc_ma_cross {
    uint32_t short_window, long_window;
    uint32_t seen; /* prices seen, saturating at long_window */
    uint32_t head; /* ring slot of the next price */
    int64_t short_sum, long_sum;
    int relation; /* last nonzero relation: +1 above, -1 below, 0 none yet */
    int64_t ring[TIPC_MA_WINDOW_MAX];
} tipc_ma_cross;

/* tipc_ma_cross_init - an empty crossover state.
 * Returns: 0. Errors: TIPC_EINVAL unless 1 <= short_window < long_window <= TIPC_MA_WINDOW_MAX
 *   (st is then untouched).
 * Ownership: caller owns *st; nothing to release. */
TIPC_API TIPC_NODISCARD int tipc_ma_cross_init(tipc_ma_cross *st, uint32_t short_window,
                                               uint32_t long_window);

/* tipc_ma_cross_update - feed one price (fixed point, TIPC_PRICE_SCALE).
 * out_info, out_side: written only when 1 is returned; either may be NULL. out_info gets
 *   rule TIPC_RULE_MA_CROSS, both windows and both averages after this price (each sum
 *   divided by its window, rounded to nearest, halves up); other fields 0.
 * Returns: 1 when this price completes a crossing (side BUY: short crossed above long;
 *   SELL: below); 0 otherwise.
 * Errors: TIPC_ERANGE if price <= 0 or > TIPC_MA_PRICE_MAX (the state is unchanged).
 * Ownership: outputs copied into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_ma_cross_update(tipc_ma_cross *st, int64_t price,
                                                 tipc_signal_info *out_info, tipc_side *out_side);

/* tipc_ma_cross_values - the current averages (rounded as above).
 * Returns: 1 with *short_ma and *long_ma once long_window prices have been seen; 0 before
 * (outputs untouched). Either pointer may be NULL. */
TIPC_API int tipc_ma_cross_values(const tipc_ma_cross *st, int64_t *short_ma, int64_t *long_ma);

/* tipc_ma_cross_reset - forget every price; keep the windows. */
TIPC_API void tipc_ma_cross_reset(tipc_ma_cross *st);

/* Sentiment trigger state. A plain struct the caller owns; fields are private. */
typedef struct tipc_sentiment_trigger {
    int32_t buy_threshold, sell_threshold;
    int zone; /* zone of the previous score: +1 BUY, -1 SELL, 0 neutral */
} tipc_sentiment_trigger;

/* tipc_sentiment_trigger_init - a neutral trigger.
 * Returns: 0. Errors: TIPC_EINVAL unless TIPC_SENTIMENT_MIN <= sell_threshold <
 *   buy_threshold <= TIPC_SENTIMENT_MAX (st is then untouched).
 * Ownership: caller owns *st; nothing to release. */
TIPC_API TIPC_NODISCARD int tipc_sentiment_trigger_init(tipc_sentiment_trigger *st,
                                                        int32_t buy_threshold,
                                                        int32_t sell_threshold);

/* tipc_sentiment_trigger_update - feed one score.
 * out_info, out_side: written only when 1 is returned; either may be NULL. out_info gets
 *   rule TIPC_RULE_SENTIMENT, sentiment = score and threshold = the threshold of the zone
 *   entered; other fields 0.
 * Returns: 1 on entering the BUY or SELL zone (see the top of this file); 0 otherwise.
 * Errors: TIPC_ERANGE if score is outside TIPC_SENTIMENT_MIN..MAX (the state is unchanged).
 * Ownership: outputs copied into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_sentiment_trigger_update(tipc_sentiment_trigger *st, int32_t score,
                                                          tipc_signal_info *out_info,
                                                          tipc_side *out_side);

/* tipc_sentiment_trigger_reset - back to neutral; keep the thresholds. */
TIPC_API void tipc_sentiment_trigger_reset(tipc_sentiment_trigger *st);

/* Most symbols in a rule book (as many as a book can hold). */
#define TIPC_RULEBOOK_MAX_CAPACITY (1u << 22)

/* The parameters of both rules, as tipc_ma_cross_init and
 * tipc_sentiment_trigger_init take them. Plain value. */
typedef struct tipc_rulebook_params {
    uint32_t short_window, long_window;    /* moving-average crossover, in ticks */
    int32_t buy_threshold, sell_threshold; /* sentiment trigger */
} tipc_rulebook_params;

/* A rule that fired: the order's side and the signal details it carries.
 * Plain value. */
typedef struct tipc_signal {
    tipc_side side;
    tipc_signal_info info;
} tipc_signal;

typedef struct tipc_rulebook tipc_rulebook; /* opaque */

/* tipc_rulebook_create - a rule book for symbols 0 .. capacity-1, every
 * crossover empty and every trigger neutral. Allocates capacity crossover
 * states with rings of long_window prices (8 bytes each) and capacity
 * triggers; nothing is allocated later.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL when capacity is 0 or above TIPC_RULEBOOK_MAX_CAPACITY,
 *   params is NULL, or the windows or thresholds are invalid (as for
 *   tipc_ma_cross_init, tipc_sentiment_trigger_init); TIPC_ENOMEM.
 * Ownership: params copied; caller owns *out; release with
 *   tipc_rulebook_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_rulebook_create(tipc_rulebook **out, uint32_t capacity,
                                                 const tipc_rulebook_params *params);

/* tipc_rulebook_destroy - free a rule book. NULL is a no-op. */
TIPC_API void tipc_rulebook_destroy(tipc_rulebook *rb);

/* tipc_rulebook_on_price - feed a price (fixed point) of symbol index to its
 * crossover (tipc_ma_cross_update). O(1), no allocation.
 * out: written only when 1 is returned (may be NULL): side and details.
 * Returns: 1 when the crossover fired; 0 otherwise.
 * Errors: TIPC_ERANGE when index >= capacity, or price <= 0 or >
 *   TIPC_MA_PRICE_MAX (the state is unchanged).
 * Ownership: *out copied into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_rulebook_on_price(tipc_rulebook *rb, uint32_t index, int64_t price,
                                                   tipc_signal *out);

/* tipc_rulebook_on_news - feed a sentiment score of symbol index to its
 * trigger (tipc_sentiment_trigger_update). O(1), no allocation.
 * out: written only when 1 is returned (may be NULL): side and details.
 * Returns: 1 when the trigger fired; 0 otherwise.
 * Errors: TIPC_ERANGE when index >= capacity, or score is outside
 *   TIPC_SENTIMENT_MIN..MAX (the state is unchanged).
 * Ownership: *out copied into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_rulebook_on_news(tipc_rulebook *rb, uint32_t index, int32_t score,
                                                  tipc_signal *out);

TIPC_END_DECLS

#endif
