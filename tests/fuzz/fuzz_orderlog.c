/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: tipc_orderlog_parse_line, which reads the order manager's
 * log back at restart (a file that a crash may have torn or a person may
 * have edited). Properties: errors are the documented codes; a parsed line
 * formats again (within TIPC_ORDERLOG_LINE_MAX, ending in '\n'), the text
 * parses to the same entry, and formatting that gives the same bytes.
 */
#include "fuzz_common.h"

static int
entry_same(const tipc_orderlog_entry *a, const tipc_orderlog_entry *b)
{
    const tipc_order *x = &a->order, *y = &b->order;

    return a->order_id == b->order_id && a->recv_ns == b->recv_ns &&
           strcmp(x->client_order_id, y->client_order_id) == 0 &&
           strcmp(x->symbol, y->symbol) == 0 && x->side == y->side && x->quantity == y->quantity &&
           x->price == y->price && strcmp(x->strategy, y->strategy) == 0 &&
           x->signal.rule == y->signal.rule && x->signal.short_window == y->signal.short_window &&
           x->signal.long_window == y->signal.long_window &&
           x->signal.short_ma == y->signal.short_ma && x->signal.long_ma == y->signal.long_ma &&
           x->signal.sentiment == y->signal.sentiment &&
           x->signal.threshold == y->signal.threshold && x->tick_ns == y->tick_ns &&
           x->send_ns == y->send_ns;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = fuzz_dup(data, size);
    char buf[TIPC_ORDERLOG_LINE_MAX], buf2[TIPC_ORDERLOG_LINE_MAX];
    tipc_orderlog_entry e, e2;
    size_t len, len2;
    int rc;

    rc = tipc_orderlog_parse_line(p, size, &e);
    free(p);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_EMSGSIZE || rc == TIPC_EPROTO || rc == TIPC_EMISSING ||
                   rc == TIPC_EBADVAL);
        return 0;
    }
    FUZZ_CHECK(e.order_id >= 1);
    FUZZ_CHECK(strnlen(e.order.client_order_id, sizeof e.order.client_order_id) <
               sizeof e.order.client_order_id);
    FUZZ_CHECK(strnlen(e.order.symbol, sizeof e.order.symbol) < sizeof e.order.symbol);
    FUZZ_CHECK(strnlen(e.order.strategy, sizeof e.order.strategy) < sizeof e.order.strategy);

    rc = tipc_orderlog_format_line(&e, buf, sizeof buf, &len);
    FUZZ_CHECK_RC(rc, 0);
    FUZZ_CHECK(len >= 1 && len <= TIPC_ORDERLOG_LINE_MAX && buf[len - 1] == '\n');
    FUZZ_CHECK(memchr(buf, '\n', len) == buf + len - 1);
    FUZZ_CHECK_RC(tipc_orderlog_parse_line(buf, len, &e2), 0);
    FUZZ_CHECK(entry_same(&e, &e2));
    FUZZ_CHECK_RC(tipc_orderlog_format_line(&e2, buf2, sizeof buf2, &len2), 0);
    FUZZ_CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    return 0;
}
