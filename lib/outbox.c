/* SPDX-License-Identifier: MIT */
/*
 * Outbox: unacknowledged orders keyed by client order id, oldest first.
 *
 * Entries live in a slab allocated once; free entries are chained through
 * their next field. Live entries form a doubly linked list in insertion order
 * (for the resend walk) and are found through an open-addressing index of
 * slot numbers (+1, so 0 means empty) at most half full. Deletion shifts later
 * members of the probe run back instead of leaving tombstones, so lookups stay
 * short however many orders come and go. A walk position packs the entry's
 * insertion sequence with its slot, so a walk notices when the entry it was
 * about to visit was removed instead of following a recycled slot.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc/outbox.h>

#define NIL UINT32_MAX
#define SLOT_BITS 25 /* slot + 1 <= TIPC_OUTBOX_MAX_CAPACITY < 2^25 */

struct entry {
    tipc_order order;
    uint64_t hash;
    uint64_t seq; /* insertion number, from 1 */
    uint32_t prev, next;
};

struct tipc_outbox {
    struct entry *e;
    uint32_t *index; /* slot + 1, 0 = empty */
    uint32_t capacity, count, mask;
    uint32_t free_head, head, tail;
    uint64_t next_seq;
};

static uint64_t
id_hash(const char *id, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)id[i]) * 0x100000001b3ull;
    return h;
}

/* The index bucket holding id, or the empty bucket where it would go. */
static uint32_t
probe(const tipc_outbox *ob, const char *id, uint64_t h, int *found)
{
    uint32_t b = (uint32_t)h & ob->mask;
    for (;; b = (b + 1) & ob->mask) {
        uint32_t v = ob->index[b];
        if (v == 0) {
            *found = 0;
            return b;
        }
        const struct entry *en = &ob->e[v - 1];
        if (en->hash == h && strcmp(en->order.client_order_id, id) == 0) {
            *found = 1;
            return b;
        }
    }
}

static int
lookup(const tipc_outbox *ob, const char *id, uint32_t *bucket)
{
    int found;
    size_t len = id == NULL ? 0 : strnlen(id, TIPC_ORDER_ID_MAX + 1);
    if (len == 0 || len > TIPC_ORDER_ID_MAX)
        return TIPC_ENOENT;
    *bucket = probe(ob, id, id_hash(id, len), &found);
    return found ? 0 : TIPC_ENOENT;
}

int
tipc_outbox_create(tipc_outbox **out, uint32_t capacity)
{
    tipc_outbox *ob;
    uint32_t nbuckets = 1;

    if (out == NULL || capacity == 0 || capacity > TIPC_OUTBOX_MAX_CAPACITY)
        return TIPC_EINVAL;
    while (nbuckets < 2 * capacity)
        nbuckets <<= 1;
    ob = calloc(1, sizeof *ob);
    if (ob == NULL)
        return TIPC_ENOMEM;
    ob->e = calloc(capacity, sizeof *ob->e);
    ob->index = calloc(nbuckets, sizeof *ob->index);
    if (ob->e == NULL || ob->index == NULL) {
        tipc_outbox_destroy(ob);
        return TIPC_ENOMEM;
    }
    ob->capacity = capacity;
    ob->mask = nbuckets - 1;
    ob->head = ob->tail = NIL;
    ob->next_seq = 1;
    for (uint32_t i = 0; i < capacity; i++)
        ob->e[i].next = i + 1 < capacity ? i + 1 : NIL;
    ob->free_head = 0;
    *out = ob;
    return 0;
}

void
tipc_outbox_destroy(tipc_outbox *ob)
{
    if (ob == NULL)
        return;
    free(ob->e);
    free(ob->index);
    free(ob);
}

int
tipc_outbox_add(tipc_outbox *ob, const tipc_order *o)
{
    int found;
    size_t len;

    assert(ob != NULL && o != NULL);
    len = strnlen(o->client_order_id, sizeof o->client_order_id);
    if (len == 0 || len == sizeof o->client_order_id)
        return TIPC_EBADVAL;
    uint64_t h = id_hash(o->client_order_id, len);
    uint32_t b = probe(ob, o->client_order_id, h, &found);
    if (found)
        return TIPC_EDUP;
    if (ob->free_head == NIL)
        return TIPC_ENOSPC;

    uint32_t slot = ob->free_head;
    struct entry *en = &ob->e[slot];
    ob->free_head = en->next;
    en->order = *o;
    en->hash = h;
    en->seq = ob->next_seq++;
    en->prev = ob->tail;
    en->next = NIL;
    if (ob->tail != NIL)
        ob->e[ob->tail].next = slot;
    else
        ob->head = slot;
    ob->tail = slot;
    ob->index[b] = slot + 1;
    ob->count++;
    return 0;
}

int
tipc_outbox_find(const tipc_outbox *ob, const char *client_order_id, tipc_order *out)
{
    uint32_t b;

    assert(ob != NULL);
    if (lookup(ob, client_order_id, &b) != 0)
        return TIPC_ENOENT;
    if (out != NULL)
        *out = ob->e[ob->index[b] - 1].order;
    return 0;
}

int
tipc_outbox_update(tipc_outbox *ob, const tipc_order *o)
{
    uint32_t b;

    assert(ob != NULL && o != NULL);
    /* lookup reads at most TIPC_ORDER_ID_MAX + 1 bytes: the array's size */
    if (lookup(ob, o->client_order_id, &b) != 0)
        return TIPC_ENOENT;
    ob->e[ob->index[b] - 1].order = *o;
    return 0;
}

/* Empty bucket i, then move back every later member of the probe run whose
 * home bucket lies at or before the hole (cyclically), so no run is broken. */
static void
index_delete(tipc_outbox *ob, uint32_t i)
{
    uint32_t j = i;

    ob->index[i] = 0;
    for (;;) {
        j = (j + 1) & ob->mask;
        uint32_t v = ob->index[j];
        if (v == 0)
            return;
        uint32_t home = (uint32_t)ob->e[v - 1].hash & ob->mask;
        int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        ob->index[i] = v;
        ob->index[j] = 0;
        i = j;
    }
}

int
tipc_outbox_remove(tipc_outbox *ob, const char *client_order_id, tipc_order *out)
{
    uint32_t b;

    assert(ob != NULL);
    if (lookup(ob, client_order_id, &b) != 0)
        return TIPC_ENOENT;
    uint32_t slot = ob->index[b] - 1;
    struct entry *en = &ob->e[slot];
    if (out != NULL)
        *out = en->order;
    index_delete(ob, b);
    if (en->prev != NIL)
        ob->e[en->prev].next = en->next;
    else
        ob->head = en->next;
    if (en->next != NIL)
        ob->e[en->next].prev = en->prev;
    else
        ob->tail = en->prev;
    en->seq = 0;
    en->next = ob->free_head;
    ob->free_head = slot;
    ob->count--;
    return 0;
}

uint32_t
tipc_outbox_count(const tipc_outbox *ob)
{
    return ob->count;
}

uint32_t
tipc_outbox_capacity(const tipc_outbox *ob)
{
    return ob->capacity;
}

/* A walk position: 0 = start. Inside the list it holds the slot (+1) of the
 * entry to visit next and that entry's insertion sequence modulo 2^38 (a
 * recycled slot would have to be reused 2^38 times to pass for the old
 * entry). Once the end is reached it holds POS_END and the sequence of the
 * last entry visited: later calls go on with whatever was added after it,
 * found by a short backward scan from the tail, and removing the entry just
 * visited cannot invalidate it. */
#define POS_END (UINT64_C(1) << 63)
#define POS_SEQ_MASK ((UINT64_C(1) << (63 - SLOT_BITS)) - 1)

int
tipc_outbox_next(const tipc_outbox *ob, uint64_t *pos, tipc_order *out)
{
    uint32_t slot;

    assert(ob != NULL && pos != NULL && out != NULL);
    if (*pos == 0) {
        slot = ob->head;
    } else if (*pos & POS_END) {
        uint64_t last = *pos & ~POS_END;
        slot = ob->tail;
        if (slot == NIL || ob->e[slot].seq <= last)
            return 0;
        while (ob->e[slot].prev != NIL && ob->e[ob->e[slot].prev].seq > last)
            slot = ob->e[slot].prev;
    } else {
        uint64_t slot1 = *pos & ((UINT64_C(1) << SLOT_BITS) - 1);
        if (slot1 == 0 || slot1 > ob->capacity)
            return TIPC_ESTATE;
        slot = (uint32_t)slot1 - 1;
        if (ob->e[slot].seq == 0 || (ob->e[slot].seq & POS_SEQ_MASK) != *pos >> SLOT_BITS)
            return TIPC_ESTATE;
    }
    if (slot == NIL)
        return 0; /* empty: *pos stays 0 */
    const struct entry *en = &ob->e[slot];
    *out = en->order;
    if (en->next != NIL)
        *pos = (ob->e[en->next].seq & POS_SEQ_MASK) << SLOT_BITS | (en->next + 1);
    else
        *pos = POS_END | en->seq;
    return 1;
}
