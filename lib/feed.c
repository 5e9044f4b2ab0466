/* SPDX-License-Identifier: MIT */
/*
 * Feed helpers: the symbol table, the SNAPSHOT_END payload codec and the
 * last-value cache that answers a join with a snapshot.
 *
 * A symbol is at most 15 bytes, so it fits a 16-byte NUL-padded key that is
 * hashed and compared as two 64-bit words: a lookup is a short byte loop and
 * usually one probe of an open-addressed table kept at most half full. Keys
 * and names live in dense arrays (an index is a position), which makes "the
 * symbol at index i" free. The SNAPSHOT_END payload is two integers, so it is read and
 * written by hand, as the tick decoder does, rather than through msgpack-c's
 * allocating unpacker. The cache is a symbol table plus one entry per symbol,
 * so putting a tick is a probe and a 48-byte copy; it re-encodes entries only
 * when a snapshot is sent, which is rare next to puts.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc/feed.h>

#define KEY_LEN (TIPC_SYMBOL_MAX + 1)
#define SYMTAB_INITIAL 16u

/* A symbol's bytes packed into two words, NUL-padded: hashed and compared
 * as integers. Built in registers, never through memory, so a lookup does
 * not stall on loading words just written as bytes. */
typedef struct symkey {
    uint64_t a, b;
} symkey;

struct tipc_symtab {
    uint32_t count;
    uint32_t cap; /* keys and names allocated */
    uint32_t max;
    uint32_t mask;   /* slots - 1; slots >= 2 * cap */
    uint32_t *slots; /* index + 1; 0 = empty */
    symkey *keys;
    char (*names)[KEY_LEN];
};

/* The key of s and its length; 0 when s is empty or longer than a symbol. */
static size_t
make_key(const char *s, symkey *k)
{
    uint64_t w[2] = {0, 0};
    size_t n;

    for (n = 0; n < KEY_LEN && s[n] != '\0'; n++)
        w[n >> 3] |= (uint64_t)(unsigned char)s[n] << (8 * (n & 7));
    k->a = w[0];
    k->b = w[1];
    return n == KEY_LEN ? 0 : n;
}

static uint32_t
key_hash(symkey k)
{
    uint64_t h = k.a * UINT64_C(0x9E3779B97F4A7C15) ^ k.b * UINT64_C(0xC2B2AE3D27D4EB4F);
    return (uint32_t)(h ^ h >> 29 ^ h >> 47);
}

/* The slot holding k, or the empty slot where it would go. */
static uint32_t
probe(const tipc_symtab *t, symkey k)
{
    uint32_t i = key_hash(k) & t->mask;

    for (uint32_t s; (s = t->slots[i]) != 0; i = (i + 1) & t->mask)
        if (t->keys[s - 1].a == k.a && t->keys[s - 1].b == k.b)
            break;
    return i;
}

/* Room for cap symbols, with the slot table rebuilt at twice that or more. */
static int
resize(tipc_symtab *t, uint32_t cap)
{
    uint32_t nslots = 1;
    uint32_t *slots;
    symkey *keys;
    char(*names)[KEY_LEN];

    while (nslots < 2 * (uint64_t)cap)
        nslots <<= 1;
    if ((slots = calloc(nslots, sizeof *slots)) == NULL)
        return TIPC_ENOMEM;
    if ((keys = realloc(t->keys, (size_t)cap * sizeof *keys)) == NULL) {
        free(slots);
        return TIPC_ENOMEM;
    }
    t->keys = keys; /* a bigger block for the same keys: valid even if names fails */
    if ((names = realloc(t->names, (size_t)cap * sizeof *names)) == NULL) {
        free(slots);
        return TIPC_ENOMEM;
    }
    free(t->slots);
    t->slots = slots;
    t->names = names;
    t->cap = cap;
    t->mask = nslots - 1;
    for (uint32_t i = 0; i < t->count; i++)
        t->slots[probe(t, t->keys[i])] = i + 1;
    return 0;
}

int
tipc_symtab_create(tipc_symtab **out, uint32_t max_symbols)
{
    tipc_symtab *t;
    int rc;

    assert(out != NULL);
    if (max_symbols == 0 || max_symbols > TIPC_SYMTAB_MAX)
        return TIPC_EINVAL;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        return TIPC_ENOMEM;
    t->max = max_symbols;
    rc = resize(t, max_symbols < SYMTAB_INITIAL ? max_symbols : SYMTAB_INITIAL);
    if (rc < 0) {
        tipc_symtab_destroy(t);
        return rc;
    }
    *out = t;
    return 0;
}

void
tipc_symtab_destroy(tipc_symtab *t)
{
    if (t == NULL)
        return;
    free(t->slots);
    free(t->keys);
    free(t->names);
    free(t);
}

int
tipc_symtab_add(tipc_symtab *t, const char *symbol, uint32_t *index)
{
    symkey k;
    size_t n;
    uint32_t i;

    assert(t != NULL && symbol != NULL && index != NULL);
    n = make_key(symbol, &k);
    if (n == 0 || !tipc_symbol_is_valid(symbol, n))
        return TIPC_EINVAL;
    i = probe(t, k);
    if (t->slots[i] != 0) {
        *index = t->slots[i] - 1;
        return 0;
    }
    if (t->count == t->max)
        return TIPC_ENOSPC;
    if (t->count == t->cap) {
        int rc = resize(t, t->cap > t->max / 2 ? t->max : t->cap * 2);
        if (rc < 0)
            return rc;
        i = probe(t, k);
    }
    t->keys[t->count] = k;
    memset(t->names[t->count], 0, KEY_LEN);
    memcpy(t->names[t->count], symbol, n);
    t->slots[i] = ++t->count;
    *index = t->count - 1;
    return 1;
}

int
tipc_symtab_find(const tipc_symtab *t, const char *symbol, uint32_t *index)
{
    symkey k;
    uint32_t i;

    assert(t != NULL && symbol != NULL && index != NULL);
    if (make_key(symbol, &k) == 0)
        return TIPC_ENOENT;
    i = probe(t, k);
    if (t->slots[i] == 0)
        return TIPC_ENOENT;
    *index = t->slots[i] - 1;
    return 0;
}

uint32_t
tipc_symtab_count(const tipc_symtab *t)
{
    assert(t != NULL);
    return t->count;
}

const char *
tipc_symtab_name(const tipc_symtab *t, uint32_t index)
{
    assert(t != NULL);
    return index < t->count ? t->names[index] : NULL;
}

/* ---- SNAPSHOT_END ------------------------------------------------------- */

static size_t
put_uint(uint8_t *p, uint64_t v)
{
    int n;

    if (v < 0x80) {
        p[0] = (uint8_t)v;
        return 1;
    }
    if (v <= UINT8_MAX)
        p[0] = 0xcc, n = 1;
    else if (v <= UINT16_MAX)
        p[0] = 0xcd, n = 2;
    else if (v <= UINT32_MAX)
        p[0] = 0xce, n = 4;
    else
        p[0] = 0xcf, n = 8;
    for (int i = 0; i < n; i++)
        p[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return 1 + (size_t)n;
}

int
tipc_snapshot_end_encode(const tipc_snapshot_end *e, void *buf, size_t cap, size_t *len)
{
    uint8_t tmp[TIPC_SNAPSHOT_END_ENCODED_MAX];
    size_t n = 1;

    assert(e != NULL && len != NULL && (buf != NULL || cap == 0));
    tmp[0] = 0x92;
    n += put_uint(tmp + n, e->price_seq);
    n += put_uint(tmp + n, e->news_seq);
    *len = n;
    if (cap < n)
        return TIPC_ENOSPC;
    memcpy(buf, tmp, n);
    return 0;
}

/* Big-endian unsigned of n bytes at p. */
static uint64_t
get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* One non-negative msgpack integer at *pp. */
static int
get_uint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint8_t tag;
    int n, is_signed = 0;

    if (p >= end)
        return TIPC_ETRUNC;
    tag = *p++;
    if (tag < 0x80) {
        *out = tag;
        *pp = p;
        return 0;
    }
    if (tag >= 0xe0)
        return TIPC_EBADVAL; /* negative fixint */
    if (tag >= 0xcc && tag <= 0xcf)
        n = 1 << (tag - 0xcc);
    else if (tag >= 0xd0 && tag <= 0xd3)
        n = 1 << (tag - 0xd0), is_signed = 1;
    else
        return TIPC_ETYPE;
    if (end - p < n)
        return TIPC_ETRUNC;
    if (is_signed && (p[0] & 0x80))
        return TIPC_EBADVAL;
    *out = get_be(p, n);
    *pp = p + n;
    return 0;
}

int
tipc_snapshot_end_decode(const void *buf, size_t len, tipc_snapshot_end *out)
{
    const uint8_t *p = buf, *end = p + len;
    uint64_t count, seq[2];
    int rc;

    assert((buf != NULL || len == 0) && out != NULL);
    if (len == 0)
        return TIPC_ETRUNC;
    if ((*p & 0xf0) == 0x90) {
        count = *p++ & 0x0f;
    } else if (*p == 0xdc || *p == 0xdd) {
        int n = *p == 0xdc ? 2 : 4;
        if (end - ++p < n)
            return TIPC_ETRUNC;
        count = get_be(p, n);
        p += n;
    } else {
        return TIPC_ETYPE;
    }
    if (count != 2)
        return TIPC_EPROTO;
    for (int i = 0; i < 2; i++)
        if ((rc = get_uint(&p, end, &seq[i])) < 0)
            return rc;
    if (p != end)
        return TIPC_EPROTO;
    out->price_seq = seq[0];
    out->news_seq = seq[1];
    return 0;
}

/* ---- Last-value cache --------------------------------------------------- */

enum { HAVE_TICK = 1, HAVE_NEWS = 2 };

typedef struct lvc_entry {
    tipc_tick tick;
    tipc_news news;
    uint32_t have;
} lvc_entry;

struct tipc_lvc {
    tipc_symtab *syms;
    lvc_entry *e; /* by symtab index */
    uint32_t cap;
    tipc_snapshot_end seqs;
};

int
tipc_lvc_create(tipc_lvc **out, uint32_t max_symbols)
{
    tipc_lvc *c;
    int rc;

    assert(out != NULL);
    if (max_symbols == 0 || max_symbols > TIPC_SYMTAB_MAX)
        return TIPC_EINVAL;
    if ((c = calloc(1, sizeof *c)) == NULL)
        return TIPC_ENOMEM;
    if ((rc = tipc_symtab_create(&c->syms, max_symbols)) < 0) {
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void
tipc_lvc_destroy(tipc_lvc *c)
{
    if (c == NULL)
        return;
    tipc_symtab_destroy(c->syms);
    free(c->e);
    free(c);
}

/* The entry of symbol, added (zeroed) if new. */
static int
lvc_entry_for(tipc_lvc *c, const char *symbol, lvc_entry **out)
{
    uint32_t i;
    int rc;

    if (tipc_symtab_find(c->syms, symbol, &i) == 0) {
        *out = &c->e[i];
        return 0;
    }
    if ((rc = tipc_symtab_add(c->syms, symbol, &i)) < 0)
        return rc;
    if (i >= c->cap) {
        uint32_t cap = c->cap ? 2 * c->cap : SYMTAB_INITIAL;
        lvc_entry *e = realloc(c->e, (size_t)cap * sizeof *e);
        if (e == NULL)
            return TIPC_ENOMEM; /* the symbol stays in the table; the next put retries */
        c->e = e;
        c->cap = cap;
    }
    memset(&c->e[i], 0, sizeof c->e[i]);
    *out = &c->e[i];
    return 0;
}

int
tipc_lvc_put_tick(tipc_lvc *c, const tipc_tick *t)
{
    lvc_entry *e;
    int rc;

    assert(c != NULL && t != NULL);
    c->seqs.price_seq = t->seq;
    if ((rc = lvc_entry_for(c, t->symbol, &e)) < 0)
        return rc;
    e->tick = *t;
    e->have |= HAVE_TICK;
    return 0;
}

int
tipc_lvc_put_news(tipc_lvc *c, const tipc_news *n)
{
    lvc_entry *e;
    int rc;

    assert(c != NULL && n != NULL);
    c->seqs.news_seq = n->seq;
    if ((rc = lvc_entry_for(c, n->symbol, &e)) < 0)
        return rc;
    e->news = *n;
    e->have |= HAVE_NEWS;
    return 0;
}

void
tipc_lvc_seqs(const tipc_lvc *c, tipc_snapshot_end *out)
{
    assert(c != NULL && out != NULL);
    *out = c->seqs;
}

/* Queue entry i's frames for the client's streams; returns frames or an error. */
static int
send_entry(const tipc_lvc *c, uint32_t i, tipc_server *srv, uint64_t conn, uint32_t streams)
{
    const lvc_entry *e = &c->e[i];
    uint8_t buf[TIPC_TICK_ENCODED_MAX > TIPC_NEWS_ENCODED_MAX ? TIPC_TICK_ENCODED_MAX
                                                              : TIPC_NEWS_ENCODED_MAX];
    size_t len;
    int rc, n = 0;

    if ((streams & TIPC_STREAM_PRICES) && (e->have & HAVE_TICK)) {
        if ((rc = tipc_tick_encode(&e->tick, buf, sizeof buf, &len)) < 0 ||
            (rc = tipc_server_send(srv, conn, TIPC_MSG_TICK, buf, len)) < 0)
            return rc;
        n++;
    }
    if ((streams & TIPC_STREAM_NEWS) && (e->have & HAVE_NEWS)) {
        if ((rc = tipc_news_encode(&e->news, buf, sizeof buf, &len)) < 0 ||
            (rc = tipc_server_send(srv, conn, TIPC_MSG_NEWS, buf, len)) < 0)
            return rc;
        n++;
    }
    return n;
}

/* The cache indices of the filter's symbols, sorted (put order), without
 * duplicates or symbols never put. */
static uint32_t
filter_indices(const tipc_lvc *c, const tipc_hello *hello, uint32_t idx[TIPC_SOCK_FILTER_MAX])
{
    uint32_t n = 0, i, k;

    for (uint32_t f = 0; f < hello->nsymbols && f < TIPC_SOCK_FILTER_MAX; f++) {
        if (tipc_symtab_find(c->syms, hello->symbols[f], &i) < 0)
            continue;
        for (k = n; k > 0 && idx[k - 1] > i; k--)
            ;
        if (k > 0 && idx[k - 1] == i)
            continue;
        memmove(idx + k + 1, idx + k, (n - k) * sizeof *idx);
        idx[k] = i;
        n++;
    }
    return n;
}

int
tipc_lvc_send_snapshot(const tipc_lvc *c, tipc_server *srv, uint64_t conn, const tipc_hello *hello)
{
    uint8_t end[TIPC_SNAPSHOT_END_ENCODED_MAX];
    uint32_t idx[TIPC_SOCK_FILTER_MAX], n;
    size_t len;
    int rc, total = 0;

    assert(c != NULL && srv != NULL && hello != NULL);
    n = hello->nsymbols > 0 ? filter_indices(c, hello, idx) : tipc_symtab_count(c->syms);
    if ((rc = tipc_server_send(srv, conn, TIPC_MSG_SNAPSHOT_BEGIN, NULL, 0)) < 0)
        return rc;
    for (uint32_t k = 0; k < n; k++) {
        if ((rc = send_entry(c, hello->nsymbols > 0 ? idx[k] : k, srv, conn, hello->streams)) < 0)
            return rc;
        total += rc;
    }
    if ((rc = tipc_snapshot_end_encode(&c->seqs, end, sizeof end, &len)) < 0 ||
        (rc = tipc_server_send(srv, conn, TIPC_MSG_SNAPSHOT_END, end, len)) < 0)
        return rc;
    return total;
}
