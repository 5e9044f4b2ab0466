/* SPDX-License-Identifier: MIT */
/*
 * Outbox: the orders a client has sent and not yet seen acknowledged, keyed
 * by client order id, in the order they were added.
 *
 * This is the client half of the "no order lost" protocol: a strategy adds
 * every order before it sends it and removes it when its ack arrives. When
 * the connection to the order manager drops, everything still in the outbox
 * may or may not have reached the manager, so the strategy walks the outbox
 * oldest first and sends each order again with the same client order id; the
 * manager's duplicate check (orderlog.h) turns a second copy into an ack with
 * duplicate=1 and the original order id, so every order is logged exactly
 * once.
 *
 * Memory is fixed at creation: a slab of capacity entries, a hash index and
 * an insertion-order list. Add, find and remove are O(1) (FNV-1a hash,
 * linear probing with backward-shift deletion, so no tombstones build up)
 * and never allocate.
 *
 * Threads: a tipc_outbox is used by one thread at a time (a strategy with
 * several threads guards it with the same mutex as its order socket).
 */
#ifndef TRADEIPC_OUTBOX_H
#define TRADEIPC_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

/* Most entries an outbox may hold. */
#define TIPC_OUTBOX_MAX_CAPACITY (1u << 24)

typedef struct tipc_outbox tipc_outbox; /* opaque */

/* tipc_outbox_create - an empty outbox for at most capacity orders.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (capacity 0 or over TIPC_OUTBOX_MAX_CAPACITY);
 *   TIPC_ENOMEM.
 * Ownership: caller owns *out; release with tipc_outbox_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_outbox_create(tipc_outbox **out, uint32_t capacity);

/* tipc_outbox_destroy - free an outbox and every order in it. NULL is a
 * no-op. */
TIPC_API void tipc_outbox_destroy(tipc_outbox *ob);

/* tipc_outbox_add - keep a copy of o, keyed by o->client_order_id, as the
 * newest entry.
 * Returns: 0.
 * Errors: TIPC_EBADVAL (client_order_id empty or not NUL-terminated within
 *   its array); TIPC_EDUP (an order with this id is already in the outbox:
 *   nothing changes); TIPC_ENOSPC (the outbox holds capacity orders).
 * Ownership: o copied. */
TIPC_API TIPC_NODISCARD int tipc_outbox_add(tipc_outbox *ob, const tipc_order *o);

/* tipc_outbox_find - copy the order with this client order id.
 * Returns: 0 and *out (out may be NULL to test membership).
 * Errors: TIPC_ENOENT (no such id; "" and over-long ids are never present).
 * Ownership: id borrowed for the call; copied into *out. */
TIPC_API TIPC_NODISCARD int tipc_outbox_find(const tipc_outbox *ob, const char *client_order_id,
                                             tipc_order *out);

/* tipc_outbox_remove - take the order with this client order id out (its ack
 * arrived).
 * Returns: 0 and, if out is not NULL, the removed order in *out.
 * Errors: TIPC_ENOENT (no such id: an ack for an order already removed, or
 *   for someone else's).
 * Ownership: id borrowed for the call; copied into *out. */
TIPC_API TIPC_NODISCARD int tipc_outbox_remove(tipc_outbox *ob, const char *client_order_id,
                                               tipc_order *out);

/* tipc_outbox_update - replace the stored copy of the order with
 * o->client_order_id by *o (e.g. to record a new send_ns); its place in the
 * walk order does not change.
 * Returns: 0.
 * Errors: TIPC_ENOENT (no order with that id).
 * Ownership: o copied. */
TIPC_API TIPC_NODISCARD int tipc_outbox_update(tipc_outbox *ob, const tipc_order *o);

/* tipc_outbox_count - orders in the outbox. */
TIPC_API uint32_t tipc_outbox_count(const tipc_outbox *ob);

/* tipc_outbox_capacity - the capacity given to tipc_outbox_create. */
TIPC_API uint32_t tipc_outbox_capacity(const tipc_outbox *ob);

/* tipc_outbox_next - walk the orders oldest first (for a resend). Set *pos =
 * 0 to start; each call copies the next order and advances *pos. Orders
 * added during a walk are visited at its end, also after it once returned 0.
 * Removing the order just returned is allowed; removing another one may end
 * the walk with TIPC_ESTATE.
 * Returns: 1 and *out for an order; 0 at the end (*pos keeps its place).
 * Errors: TIPC_ESTATE when the order *pos was to visit next has been removed
 *   since the previous call: start again at 0.
 * Ownership: copied into *out. */
TIPC_API TIPC_NODISCARD int tipc_outbox_next(const tipc_outbox *ob, uint64_t *pos, tipc_order *out);

TIPC_END_DECLS

#endif
