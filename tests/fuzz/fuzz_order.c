/* SPDX-License-Identifier: MIT */
/* Fuzz target: tipc_order_decode (JSON orders from a strategy to the order
 * manager). The properties are in fuzz_json.h; this file says what "the
 * same order" means, field by field (the struct has padding). */
#include "fuzz_common.h"

static int
order_same(const tipc_order *a, const tipc_order *b)
{
    const tipc_signal_info *x = &a->signal, *y = &b->signal;

    return memcmp(a->client_order_id, b->client_order_id, sizeof a->client_order_id) == 0 &&
           memcmp(a->symbol, b->symbol, sizeof a->symbol) == 0 && a->side == b->side &&
           a->quantity == b->quantity && a->price == b->price &&
           memcmp(a->strategy, b->strategy, sizeof a->strategy) == 0 && x->rule == y->rule &&
           x->short_window == y->short_window && x->long_window == y->long_window &&
           x->short_ma == y->short_ma && x->long_ma == y->long_ma && x->sentiment == y->sentiment &&
           x->threshold == y->threshold && a->tick_ns == b->tick_ns && a->send_ns == b->send_ns;
}

#define J_T tipc_order
#define J_DECODE_EX tipc_order_decode_ex
#define J_DECODE tipc_order_decode
#define J_ENCODE tipc_order_encode
#define J_SAME order_same

#include "fuzz_json.h"
