/* SPDX-License-Identifier: MIT */
/* Fuzz target: tipc_ack_decode (JSON acks from the order manager to a
 * strategy). The properties are in fuzz_json.h; this file says what "the
 * same ack" means, field by field. */
#include "fuzz_common.h"

static int
ack_same(const tipc_ack *a, const tipc_ack *b)
{
    return memcmp(a->client_order_id, b->client_order_id, sizeof a->client_order_id) == 0 &&
           a->order_id == b->order_id && a->status == b->status && a->duplicate == b->duplicate &&
           memcmp(a->reason, b->reason, sizeof a->reason) == 0 &&
           a->order_send_ns == b->order_send_ns && a->recv_ns == b->recv_ns &&
           a->ack_ns == b->ack_ns;
}

#define J_T tipc_ack
#define J_DECODE_EX tipc_ack_decode_ex
#define J_DECODE tipc_ack_decode
#define J_ENCODE tipc_ack_encode
#define J_SAME ack_same

#include "fuzz_json.h"
