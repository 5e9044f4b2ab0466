/* SPDX-License-Identifier: MIT */
/*
 * Codec: the values that cross process boundaries.
 *
 * Market data (tipc_tick, tipc_news) travels as plain msgpack; orders and
 * acknowledgements (tipc_order, tipc_ack) travel as plain JSON. All four are
 * plain structs with fixed-width fields and no pointers: copying one is
 * always safe.
 *
 * Prices are fixed-point integers: price = decimal price * TIPC_PRICE_SCALE,
 * so 164.05 is 1640500. Four decimal places cover equity prices exactly.
 */
#ifndef TRADEIPC_CODEC_H
#define TRADEIPC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

/* Fixed-point price scale: 4 decimal places. */
#define TIPC_PRICE_SCALE 10000
/* Longest symbol, in bytes, without the terminating NUL. */
#define TIPC_SYMBOL_MAX 15
/* Longest client order id and strategy name, without the terminating NUL. */
#define TIPC_ORDER_ID_MAX 31
#define TIPC_STRATEGY_MAX 31
/* Longest rejection reason in an ack, without the terminating NUL. */
#define TIPC_REASON_MAX 127
/* Sentiment scores are integers in [TIPC_SENTIMENT_MIN, TIPC_SENTIMENT_MAX]. */
#define TIPC_SENTIMENT_MIN 0
#define TIPC_SENTIMENT_MAX 100

/* A price tick. Symbols are 1..TIPC_SYMBOL_MAX bytes of [A-Za-z0-9._-]. */
typedef struct tipc_tick {
    char symbol[TIPC_SYMBOL_MAX + 1]; /* NUL-terminated */
    int64_t price;                    /* > 0, in 1/TIPC_PRICE_SCALE units */
    uint64_t event_ns;                /* source event time, ns since the Unix epoch */
    uint64_t send_ns;                 /* gateway send time, ns since the Unix epoch */
    uint64_t seq;                     /* per-stream sequence number, from 1 */
} tipc_tick;

/* A news item: a sentiment score for one symbol. */
typedef struct tipc_news {
    char symbol[TIPC_SYMBOL_MAX + 1];
    int32_t sentiment; /* TIPC_SENTIMENT_MIN..TIPC_SENTIMENT_MAX */
    uint64_t event_ns;
    uint64_t send_ns;
    uint64_t seq; /* per-stream sequence number, from 1 */
} tipc_news;

typedef enum tipc_side { TIPC_SIDE_BUY = 1, TIPC_SIDE_SELL = 2 } tipc_side;

/* Which rule produced an order. */
typedef enum tipc_rule {
    TIPC_RULE_MA_CROSS = 1,  /* moving-average crossover */
    TIPC_RULE_SENTIMENT = 2, /* sentiment threshold trigger */
    TIPC_RULE_MANUAL = 3     /* sent by hand or by a test; no signal inputs */
} tipc_rule;

/* The inputs of the rule that fired. Fields that a rule does not use are 0. */
typedef struct tipc_signal_info {
    tipc_rule rule;
    uint32_t short_window; /* MA_CROSS: window lengths, in ticks */
    uint32_t long_window;
    int64_t short_ma; /* MA_CROSS: averages at the crossing, fixed point */
    int64_t long_ma;
    int32_t sentiment; /* SENTIMENT: the score that fired, and the threshold it crossed */
    int32_t threshold;
} tipc_signal_info;

typedef struct tipc_order {
    char client_order_id[TIPC_ORDER_ID_MAX + 1]; /* unique per strategy, stable across resends */
    char symbol[TIPC_SYMBOL_MAX + 1];
    tipc_side side;
    uint32_t quantity; /* > 0 */
    int64_t price;     /* > 0, fixed point */
    char strategy[TIPC_STRATEGY_MAX + 1];
    tipc_signal_info signal;
    uint64_t tick_ns; /* send_ns of the tick that triggered the order (0 if none) */
    uint64_t send_ns; /* when the strategy sent the order */
} tipc_order;

typedef enum tipc_ack_status { TIPC_ACK_ACCEPTED = 1, TIPC_ACK_REJECTED = 2 } tipc_ack_status;

typedef struct tipc_ack {
    char client_order_id[TIPC_ORDER_ID_MAX + 1]; /* "" when the order could not be parsed */
    uint64_t order_id;                           /* the order manager's id; 0 when rejected */
    tipc_ack_status status;
    int32_t duplicate; /* 1 when this id was already accepted: the original order_id is echoed */
    char reason[TIPC_REASON_MAX + 1]; /* why it was rejected; "" when accepted */
    uint64_t order_send_ns;           /* the order's send_ns, echoed for round-trip timing */
    uint64_t recv_ns;                 /* when the order manager received the order */
    uint64_t ack_ns;                  /* when it sent this ack */
} tipc_ack;

/* The codec functions are declared below this line by the codec module. */

TIPC_END_DECLS

#endif
