/* SPDX-License-Identifier: MIT */
/*
 * The durable order log. Appends format a line into a buffer allocated at
 * open and record (strategy, client id) -> order id in an open-addressing
 * table; commit hands the whole buffer to one write(2) and at most one
 * fdatasync(2) (group commit). The table's index keys on a SipHash-1-3 of the
 * pair with a per-log random key, so a peer choosing client ids cannot turn
 * lookups into linear scans. Recovery reuses the public parser, so what open
 * accepts is exactly what tipc_orderlog_parse_line() accepts.
 *
 * In SYNC_MAPPED mode the pending buffer is the body of the staging file,
 * mapped shared: append formats straight into the page cache and commit only
 * publishes the end of the committed lines in the file's header.
 */
#include "tipc_int.h"

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMPONENT "orderlog"
#define READ_CHUNK 65536
#define TS_LEN 30 /* "2026-11-24T13:08:00.123456789Z" */

_Static_assert(TIPC_PRICE_SCALE == 10000, "the log writes prices with four decimals");

#define STAGE_SUFFIX ".staged"
#define STAGE_MAGIC 0x3147545343504954ull /* "TIPCSTG1" */
#define STAGE_HDR 64                      /* the body starts one cache line in */

/* The staging file's header. committed is written with a release store
 * after the lines it covers, so a reader after a crash never sees it cover
 * bytes that were not yet stored. */
struct stage_hdr {
    uint64_t magic;
    uint64_t body_size;
    uint64_t committed; /* body bytes [0, committed) are committed lines */
};

struct rec {
    uint64_t hash;
    uint64_t order_id;
    char strategy[TIPC_STRATEGY_MAX + 1];
    char client[TIPC_ORDER_ID_MAX + 1];
};

/* Index slot: 0 means empty, otherwise the record's index plus 1. The upper
 * hash bits ride along so most probes never touch the record. */
struct slot {
    uint32_t tag;
    uint32_t ref;
};

struct tipc_orderlog {
    int fd;
    tipc_orderlog_sync sync;
    tipc_logger logger;
    bool has_logger;
    bool failed; /* a fdatasync failed: refuse further work */
    uint64_t sipkey[2];

    struct rec *recs;
    size_t nrecs, recs_cap, max_orders;
    struct slot *slots;
    size_t nslots; /* power of two, at least twice nrecs */

    /* Lines not yet in the log: [pend_off, pend_len). In SYNC_MAPPED mode
     * [pend_off, staged_len) are committed (in the staging file) and
     * [staged_len, pend_len) are not; in the other modes staged_len is 0. */
    char *pend;
    size_t pend_len, pend_off, pend_cap, staged_len;
    size_t pend_lines, max_pending;

    /* A commit in steps (commit_start/_run/_finish): the sealed lines,
     * [seal_off, seal_len) still to write. Only commit_run touches them, and
     * its own counters, while the commit is in flight. */
    char *seal;
    size_t seal_len, seal_off, seal_lines;
    uint64_t run_writes, run_bytes, run_syncs;
    bool run_sync_failed;

    char *stage_path;        /* "<path>.staged" */
    struct stage_hdr *stage; /* SYNC_MAPPED: the mapping; pend is its body */

    uint64_t count;
    tipc_orderlog_stats st;
};

static const tipc_logger *
lg(const tipc_orderlog *l)
{
    return l->has_logger ? &l->logger : NULL;
}

/* ---- SipHash-1-3 (Aumasson & Bernstein), 64-bit output ---- */

static inline uint64_t
rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

static uint64_t
siphash13(const uint64_t key[2], const unsigned char *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ull ^ key[0], v1 = 0x646f72616e646f6dull ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ull ^ key[0], v3 = 0x7465646279746573ull ^ key[1];
    uint64_t b = (uint64_t)len << 56, m;
    size_t i, tail = len & 7;

    for (i = 0; i + 8 <= len; i += 8) {
        m = 0;
        for (int k = 7; k >= 0; k--)
            m = (m << 8) | in[i + (size_t)k];
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t k = 0; k < tail; k++)
        b |= (uint64_t)in[i + k] << (8 * k);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The key is strategy, a NUL, then the client id: the NUL keeps ("ab","c")
 * and ("a","bc") apart. */
static uint64_t
key_hash(const tipc_orderlog *l, const char *strategy, size_t slen, const char *client, size_t clen)
{
    unsigned char buf[TIPC_STRATEGY_MAX + 1 + TIPC_ORDER_ID_MAX];

    memcpy(buf, strategy, slen);
    buf[slen] = 0;
    memcpy(buf + slen + 1, client, clen);
    return siphash13(l->sipkey, buf, slen + 1 + clen);
}

/* ---- the duplicate table ---- */

static struct rec *
table_find(const tipc_orderlog *l, uint64_t h, const char *strategy, const char *client)
{
    size_t mask = l->nslots - 1, i = (size_t)h & mask;
    uint32_t tag = (uint32_t)(h >> 32);

    for (;; i = (i + 1) & mask) {
        const struct slot *s = &l->slots[i];
        if (s->ref == 0)
            return NULL;
        if (s->tag == tag) {
            struct rec *r = &l->recs[s->ref - 1];
            if (r->hash == h && strcmp(r->strategy, strategy) == 0 &&
                strcmp(r->client, client) == 0)
                return r;
        }
    }
}

static void
slot_insert(struct slot *slots, size_t nslots, uint64_t h, uint32_t ref)
{
    size_t mask = nslots - 1, i = (size_t)h & mask;

    while (slots[i].ref != 0)
        i = (i + 1) & mask;
    slots[i].tag = (uint32_t)(h >> 32);
    slots[i].ref = ref;
}

/* Make room for one more record, keeping the index at most half full. All
 * allocation happens here, before the caller changes anything. */
static int
table_reserve(tipc_orderlog *l)
{
    if (l->nrecs >= l->max_orders)
        return TIPC_ENOSPC;
    if (l->nrecs == l->recs_cap) {
        size_t cap = l->recs_cap * 2;
        if (cap > l->max_orders)
            cap = l->max_orders;
        struct rec *r = realloc(l->recs, cap * sizeof *r);
        if (r == NULL)
            return TIPC_ENOMEM;
        l->recs = r;
        l->recs_cap = cap;
    }
    if ((l->nrecs + 1) * 2 > l->nslots) {
        size_t n = l->nslots * 2;
        struct slot *s = calloc(n, sizeof *s);
        if (s == NULL)
            return TIPC_ENOMEM;
        for (size_t i = 0; i < l->nrecs; i++)
            slot_insert(s, n, l->recs[i].hash, (uint32_t)(i + 1));
        free(l->slots);
        l->slots = s;
        l->nslots = n;
    }
    return 0;
}

/* Call after table_reserve() returned 0 and table_find() found nothing. */
static void
table_add(tipc_orderlog *l, uint64_t h, const char *strategy, const char *client, uint64_t order_id)
{
    struct rec *r = &l->recs[l->nrecs];

    r->hash = h;
    r->order_id = order_id;
    strcpy(r->strategy, strategy);
    strcpy(r->client, client);
    l->nrecs++;
    slot_insert(l->slots, l->nslots, h, (uint32_t)l->nrecs);
}

/* ---- names, validation ---- */

static const char *
side_name(tipc_side s)
{
    switch (s) {
    case TIPC_SIDE_BUY:
        return "BUY";
    case TIPC_SIDE_SELL:
        return "SELL";
    }
    return NULL;
}

static const char *
rule_name(tipc_rule r)
{
    switch (r) {
    case TIPC_RULE_MA_CROSS:
        return "ma_cross";
    case TIPC_RULE_SENTIMENT:
        return "sentiment";
    case TIPC_RULE_MANUAL:
        return "manual";
    }
    return NULL;
}

/* Length of a token that must fit in cap-1 bytes and hold only 0x21..0x7e;
 * -1 if it is unterminated, too long, too short or has another byte. */
static ptrdiff_t
token_len(const char *s, size_t cap, size_t min)
{
    size_t n = strnlen(s, cap);

    if (n == cap || n < min)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return -1;
    return (ptrdiff_t)n;
}

static int
order_check(const tipc_order *o, size_t *slen, size_t *clen)
{
    ptrdiff_t c = token_len(o->client_order_id, sizeof o->client_order_id, 1);
    ptrdiff_t s = token_len(o->strategy, sizeof o->strategy, 0);

    if (c < 0 || s < 0 || token_len(o->symbol, sizeof o->symbol, 1) < 0)
        return TIPC_EBADVAL;
    if (side_name(o->side) == NULL || rule_name(o->signal.rule) == NULL)
        return TIPC_EBADVAL;
    *slen = (size_t)s;
    *clen = (size_t)c;
    return 0;
}

/* ---- formatting: a bounded cursor; numbers by hand, no locale, no printf ---- */

struct out {
    char *p, *end;
    bool overflow;
};

static void
put_mem(struct out *o, const char *s, size_t n)
{
    if ((size_t)(o->end - o->p) < n) {
        o->overflow = true;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

static void
put_str(struct out *o, const char *s)
{
    put_mem(o, s, strlen(s));
}

#define PUT_LIT(o, lit) put_mem((o), (lit), sizeof(lit) - 1)

static void
put_u64w(struct out *o, uint64_t v, int width)
{
    char tmp[TIPC__DEC_U64_MAX];

    put_mem(o, tmp, tipc__dec_u64_w(v, (size_t)width, tmp));
}

static void
put_u64(struct out *o, uint64_t v)
{
    put_u64w(o, v, 1);
}

static void
put_i64(struct out *o, int64_t v)
{
    if (v < 0) {
        put_mem(o, "-", 1);
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

static void
put_price(struct out *o, int64_t v)
{
    char tmp[TIPC_PRICE_STR_MAX];

    put_mem(o, tmp, tipc__price_text(v, tmp));
}

/* Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms), so the
 * timestamp needs neither gmtime nor the TZ database. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
put_ts(struct out *o, uint64_t ns)
{
    uint64_t secs = ns / 1000000000u, sod = secs % 86400;
    int64_t y;
    unsigned m, d;

    civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
    put_u64w(o, (uint64_t)y, 4);
    put_mem(o, "-", 1);
    put_u64w(o, m, 2);
    put_mem(o, "-", 1);
    put_u64w(o, d, 2);
    put_mem(o, "T", 1);
    put_u64w(o, sod / 3600, 2);
    put_mem(o, ":", 1);
    put_u64w(o, sod / 60 % 60, 2);
    put_mem(o, ":", 1);
    put_u64w(o, sod % 60, 2);
    put_mem(o, ".", 1);
    put_u64w(o, ns % 1000000000u, 9);
    put_mem(o, "Z", 1);
}

/* Writes one line for a validated order; returns its length, or 0 if it did
 * not fit in [buf, buf+cap). */
static size_t
format_line(const tipc_order *o, uint64_t order_id, uint64_t recv_ns, char *buf, size_t cap)
{
    struct out w = {buf, buf + cap, false};
    const tipc_signal_info *sg = &o->signal;

    put_ts(&w, recv_ns);
    PUT_LIT(&w, " order_id=");
    put_u64(&w, order_id);
    PUT_LIT(&w, " client_id=");
    put_str(&w, o->client_order_id);
    PUT_LIT(&w, " strategy=");
    put_str(&w, o->strategy);
    PUT_LIT(&w, " symbol=");
    put_str(&w, o->symbol);
    PUT_LIT(&w, " side=");
    put_str(&w, side_name(o->side));
    PUT_LIT(&w, " qty=");
    put_u64(&w, o->quantity);
    PUT_LIT(&w, " price=");
    put_price(&w, o->price);
    PUT_LIT(&w, " rule=");
    put_str(&w, rule_name(sg->rule));
    if (sg->rule == TIPC_RULE_MA_CROSS) {
        PUT_LIT(&w, " short_window=");
        put_u64(&w, sg->short_window);
        PUT_LIT(&w, " long_window=");
        put_u64(&w, sg->long_window);
        PUT_LIT(&w, " short_ma=");
        put_price(&w, sg->short_ma);
        PUT_LIT(&w, " long_ma=");
        put_price(&w, sg->long_ma);
    } else if (sg->rule == TIPC_RULE_SENTIMENT) {
        PUT_LIT(&w, " sentiment=");
        put_i64(&w, sg->sentiment);
        PUT_LIT(&w, " threshold=");
        put_i64(&w, sg->threshold);
    }
    PUT_LIT(&w, " tick_ns=");
    put_u64(&w, o->tick_ns);
    PUT_LIT(&w, " send_ns=");
    put_u64(&w, o->send_ns);
    PUT_LIT(&w, " recv_ns=");
    put_u64(&w, recv_ns);
    put_mem(&w, "\n", 1);
    return w.overflow ? 0 : (size_t)(w.p - buf);
}

int
tipc_orderlog_format_line(const tipc_orderlog_entry *e, char *buf, size_t cap, size_t *len)
{
    char tmp[TIPC_ORDERLOG_LINE_MAX];
    size_t slen, clen, n;
    int rc;

    assert(e != NULL && len != NULL && (buf != NULL || cap == 0));
    if ((rc = order_check(&e->order, &slen, &clen)) != 0)
        return rc;
    n = format_line(&e->order, e->order_id, e->recv_ns, tmp, sizeof tmp);
    assert(n != 0);
    *len = n;
    if (n > cap)
        return TIPC_ENOSPC;
    memcpy(buf, tmp, n);
    return 0;
}

/* ---- parsing ---- */

static bool
parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned dgt = (unsigned)(s[i] - '0');
        if (dgt > 9 || v > (UINT64_MAX - dgt) / 10)
            return false;
        v = v * 10 + dgt;
    }
    *out = v;
    return true;
}

static bool
parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v;

    if (!parse_u64(s, n, &v) || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool
parse_i32(const char *s, size_t n, int32_t *out)
{
    bool neg = n > 0 && s[0] == '-';
    uint64_t v;

    if (!parse_u64(s + neg, n - neg, &v) || v > (uint64_t)INT32_MAX + neg)
        return false;
    *out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
    return true;
}

/* [-]digits.dddd, exactly four decimals, within int64. */
static bool
parse_price(const char *s, size_t n, int64_t *out)
{
    bool neg = n > 0 && s[0] == '-';
    uint64_t ip, fp;

    s += neg;
    n -= neg;
    if (n < 6 || s[n - 5] != '.' || !parse_u64(s, n - 5, &ip) || !parse_u64(s + n - 4, 4, &fp))
        return false;
    if (ip > (UINT64_MAX - fp) / TIPC_PRICE_SCALE)
        return false;
    uint64_t m = ip * TIPC_PRICE_SCALE + fp;
    if (m > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

static bool
parse_digits(const char *s, size_t n, unsigned *out)
{
    uint64_t v;

    if (!parse_u64(s, n, &v))
        return false;
    *out = (unsigned)v;
    return true;
}

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" -> ns since the epoch, validated field by
 * field so that formatting the result gives back the same text. */
static bool
parse_ts(const char *s, uint64_t *out)
{
    unsigned y, mo, d, h, mi, se, ns;
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[29] != 'Z')
        return false;
    if (!parse_digits(s, 4, &y) || !parse_digits(s + 5, 2, &mo) || !parse_digits(s + 8, 2, &d) ||
        !parse_digits(s + 11, 2, &h) || !parse_digits(s + 14, 2, &mi) ||
        !parse_digits(s + 17, 2, &se) || !parse_digits(s + 20, 9, &ns))
        return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return false;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return false;
    uint64_t secs = (uint64_t)days_from_civil(y, mo, d) * 86400 + h * 3600u + mi * 60u + se;
    if (secs > UINT64_MAX / 1000000000u || secs * 1000000000u > UINT64_MAX - ns)
        return false;
    *out = secs * 1000000000u + ns;
    return true;
}

enum key {
    K_ORDER_ID,
    K_CLIENT_ID,
    K_STRATEGY,
    K_SYMBOL,
    K_SIDE,
    K_QTY,
    K_PRICE,
    K_RULE,
    K_SHORT_WINDOW,
    K_LONG_WINDOW,
    K_SHORT_MA,
    K_LONG_MA,
    K_SENTIMENT,
    K_THRESHOLD,
    K_TICK_NS,
    K_SEND_NS,
    K_RECV_NS,
    K_COUNT
};

#define KEY(s)                                                                                     \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const struct {
    const char *name;
    size_t len;
} keys[K_COUNT] = {
    KEY("order_id"), KEY("client_id"), KEY("strategy"),  KEY("symbol"),       KEY("side"),
    KEY("qty"),      KEY("price"),     KEY("rule"),      KEY("short_window"), KEY("long_window"),
    KEY("short_ma"), KEY("long_ma"),   KEY("sentiment"), KEY("threshold"),    KEY("tick_ns"),
    KEY("send_ns"),  KEY("recv_ns"),
};
#undef KEY

/* Lines written by this library list keys in enum order except where a rule
 * skips some, so trying the key after the previous one first almost always
 * hits; the scan is the fallback for other orders and unknown keys. */
static int
key_lookup(const char *k, size_t n, int hint)
{
    for (int j = 0; j < K_COUNT; j++) {
        int i = (hint + j) % K_COUNT;
        if (keys[i].len == n && memcmp(keys[i].name, k, n) == 0)
            return i;
    }
    return -1;
}

static bool
copy_token(char *dst, size_t cap, const char *v, size_t n, size_t min)
{
    if (n >= cap || n < min)
        return false;
    memcpy(dst, v, n);
    dst[n] = 0;
    return true;
}

static bool
parse_value(tipc_orderlog_entry *e, int k, const char *v, size_t n)
{
    tipc_order *o = &e->order;
    tipc_signal_info *sg = &o->signal;

    switch (k) {
    case K_ORDER_ID:
        return parse_u64(v, n, &e->order_id) && e->order_id != 0;
    case K_CLIENT_ID:
        return copy_token(o->client_order_id, sizeof o->client_order_id, v, n, 1);
    case K_STRATEGY:
        return copy_token(o->strategy, sizeof o->strategy, v, n, 0);
    case K_SYMBOL:
        return copy_token(o->symbol, sizeof o->symbol, v, n, 1);
    case K_SIDE:
        if (n == 3 && memcmp(v, "BUY", 3) == 0)
            o->side = TIPC_SIDE_BUY;
        else if (n == 4 && memcmp(v, "SELL", 4) == 0)
            o->side = TIPC_SIDE_SELL;
        else
            return false;
        return true;
    case K_QTY:
        return parse_u32(v, n, &o->quantity);
    case K_PRICE:
        return parse_price(v, n, &o->price);
    case K_RULE:
        for (tipc_rule r = TIPC_RULE_MA_CROSS; r <= TIPC_RULE_MANUAL; r++) {
            if (strlen(rule_name(r)) == n && memcmp(rule_name(r), v, n) == 0) {
                sg->rule = r;
                return true;
            }
        }
        return false;
    case K_SHORT_WINDOW:
        return parse_u32(v, n, &sg->short_window);
    case K_LONG_WINDOW:
        return parse_u32(v, n, &sg->long_window);
    case K_SHORT_MA:
        return parse_price(v, n, &sg->short_ma);
    case K_LONG_MA:
        return parse_price(v, n, &sg->long_ma);
    case K_SENTIMENT:
        return parse_i32(v, n, &sg->sentiment);
    case K_THRESHOLD:
        return parse_i32(v, n, &sg->threshold);
    case K_TICK_NS:
        return parse_u64(v, n, &o->tick_ns);
    case K_SEND_NS:
        return parse_u64(v, n, &o->send_ns);
    case K_RECV_NS:
        return parse_u64(v, n, &e->recv_ns);
    }
    return false;
}

int
tipc_orderlog_parse_line(const char *line, size_t len, tipc_orderlog_entry *out)
{
    const uint32_t signal_keys = (1u << K_SHORT_WINDOW) | (1u << K_LONG_WINDOW) |
                                 (1u << K_SHORT_MA) | (1u << K_LONG_MA) | (1u << K_SENTIMENT) |
                                 (1u << K_THRESHOLD);
    uint32_t seen = 0, need;
    uint64_t ts_ns;
    size_t i;
    int hint = 0;

    assert(line != NULL && out != NULL);
    if (len > TIPC_ORDERLOG_LINE_MAX)
        return TIPC_EMSGSIZE;
    if (len > 0 && line[len - 1] == '\n')
        len--;
    memset(out, 0, sizeof *out);
    if (len < TS_LEN || !parse_ts(line, &ts_ns))
        return TIPC_EPROTO;
    for (i = TS_LEN; i < len;) {
        if (line[i] != ' ' || i + 1 == len)
            return TIPC_EPROTO;
        const char *tok = line + i + 1, *p = tok, *eq = NULL;
        for (; p < line + len && *p != ' '; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch < 0x21 || ch > 0x7e)
                return TIPC_EPROTO;
            if (ch == '=' && eq == NULL)
                eq = p;
        }
        size_t n = (size_t)(p - tok);
        i += 1 + n;
        if (eq == NULL || eq == tok)
            return TIPC_EPROTO;
        int k = key_lookup(tok, (size_t)(eq - tok), hint);
        if (k < 0)
            continue; /* a field added by a later version */
        hint = (k + 1) % K_COUNT;
        if (seen & (1u << k))
            return TIPC_EPROTO;
        seen |= 1u << k;
        if (!parse_value(out, k, eq + 1, n - (size_t)(eq + 1 - tok)))
            return TIPC_EBADVAL;
    }
    need = (1u << K_ORDER_ID) | (1u << K_CLIENT_ID) | (1u << K_STRATEGY) | (1u << K_SYMBOL) |
           (1u << K_SIDE) | (1u << K_QTY) | (1u << K_PRICE) | (1u << K_RULE) | (1u << K_TICK_NS) |
           (1u << K_SEND_NS) | (1u << K_RECV_NS);
    if ((seen & need) == need && out->order.signal.rule == TIPC_RULE_MA_CROSS)
        need |=
            (1u << K_SHORT_WINDOW) | (1u << K_LONG_WINDOW) | (1u << K_SHORT_MA) | (1u << K_LONG_MA);
    if ((seen & need) == need && out->order.signal.rule == TIPC_RULE_SENTIMENT)
        need |= (1u << K_SENTIMENT) | (1u << K_THRESHOLD);
    if ((seen & need) != need)
        return TIPC_EMISSING;
    /* A signal field of another rule is not ours: this library never writes one. */
    if ((seen & signal_keys) & ~need)
        return TIPC_EPROTO;
    if (ts_ns != out->recv_ns)
        return TIPC_EPROTO;
    return 0;
}

/* ---- open and recovery ---- */

/* One complete line (without '\n') at file offset off, line number lineno. */
static int
recover_line(tipc_orderlog *l, const char *line, size_t len, uint64_t off, uint64_t lineno)
{
    tipc_orderlog_entry e;
    struct rec *dup;
    int rc;

    rc = tipc_orderlog_parse_line(line, len, &e);
    if (rc != 0) {
        tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT, "line %llu (offset %llu): skipped, %s (%s)",
                  (unsigned long long)lineno, (unsigned long long)off, tipc_err_name(rc),
                  tipc_strerror(rc));
        l->st.skipped++;
        return 0;
    }
    uint64_t h = key_hash(l, e.order.strategy, strlen(e.order.strategy), e.order.client_order_id,
                          strlen(e.order.client_order_id));
    dup = table_find(l, h, e.order.strategy, e.order.client_order_id);
    if (dup != NULL) {
        tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                  "line %llu (offset %llu): skipped, strategy '%s' client_id '%s' already logged "
                  "as order %llu",
                  (unsigned long long)lineno, (unsigned long long)off, e.order.strategy,
                  e.order.client_order_id, (unsigned long long)dup->order_id);
        l->st.skipped++;
        return 0;
    }
    if ((rc = table_reserve(l)) != 0) {
        tipc__log(lg(l), TIPC_LOG_ERROR, COMPONENT, "line %llu: %s (max_orders %zu)",
                  (unsigned long long)lineno, tipc_strerror(rc), l->max_orders);
        return rc;
    }
    table_add(l, h, e.order.strategy, e.order.client_order_id, e.order_id);
    if (e.order_id >= l->st.next_order_id)
        l->st.next_order_id = e.order_id + 1;
    l->st.recovered++;
    l->count++;
    return 0;
}

/* Read the whole file line by line. A line that outgrows the line buffer is
 * skipped up to its '\n'; whatever follows the last '\n' is the torn tail. */
static int
recover(tipc_orderlog *l, uint64_t *good_end, uint64_t *file_end, uint64_t *next_lineno)
{
    char *chunk = malloc(READ_CHUNK), *line = malloc(TIPC_ORDERLOG_LINE_MAX);
    size_t have = 0;
    bool overlong = false;
    uint64_t off = 0, line_off = 0, lineno = 1;
    int rc = 0;

    if (chunk == NULL || line == NULL) {
        rc = TIPC_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n = read(l->fd, chunk, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = tipc__neg_errno();
            goto out;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < (size_t)n;) {
            const char *nl = memchr(chunk + i, '\n', (size_t)n - i);
            size_t take = nl ? (size_t)(nl - (chunk + i)) : (size_t)n - i;
            if (!overlong && have + take < TIPC_ORDERLOG_LINE_MAX) {
                memcpy(line + have, chunk + i, take);
                have += take;
            } else {
                overlong = true;
            }
            i += take;
            if (nl == NULL)
                break;
            i++;
            if (overlong) {
                tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                          "line %llu (offset %llu): skipped, longer than %d bytes",
                          (unsigned long long)lineno, (unsigned long long)line_off,
                          TIPC_ORDERLOG_LINE_MAX);
                l->st.skipped++;
            } else if ((rc = recover_line(l, line, have, line_off, lineno)) != 0) {
                goto out;
            }
            have = 0;
            overlong = false;
            lineno++;
            line_off = off + i;
        }
        off += (uint64_t)n;
    }
    *good_end = line_off;
    *file_end = off;
    *next_lineno = lineno;
out:
    free(chunk);
    free(line);
    return rc;
}

/* With SYNC_DATA a newly created file is only durable once its directory
 * entry is: fsync the parent directory. */
static int
sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    int dfd, rc = 0;

    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        if ((size_t)(slash - path) >= sizeof dir)
            return TIPC_ENAMETOOLONG;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = 0;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return tipc__neg_errno();
    if (fsync(dfd) != 0)
        rc = tipc__neg_errno();
    close(dfd);
    return rc;
}

/* write(2) buf[*off, end) to fd. *off advances with every byte written, so
 * after a short write or an error the next call resumes at the exact byte;
 * the calls and bytes are added to the caller's counters. */
static int
write_from(int fd, const char *buf, size_t *off, size_t end, uint64_t *calls, uint64_t *bytes)
{
    while (*off < end) {
        ssize_t n = write(fd, buf + *off, end - *off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tipc__neg_errno();
        *off += (size_t)n;
        (*calls)++;
        *bytes += (uint64_t)n;
    }
    return 0;
}

/* Append body[from, to) to the log, then give each line to recovery. */
static int
replay_range(tipc_orderlog *l, const char *body, size_t from, size_t to, uint64_t log_end,
             uint64_t lineno)
{
    size_t off = from;
    uint64_t calls = 0, bytes = 0; /* not a commit's: not counted in the stats */
    int rc = write_from(l->fd, body, &off, to, &calls, &bytes);

    if (rc != 0)
        return rc;
    if (l->sync == TIPC_ORDERLOG_SYNC_DATA && fdatasync(l->fd) != 0)
        return tipc__neg_errno();
    for (off = from; off < to; lineno++) {
        size_t n = (size_t)((const char *)memchr(body + off, '\n', to - off) - (body + off));
        if ((rc = recover_line(l, body + off, n, log_end + (off - from), lineno)) != 0)
            return rc;
        l->st.replayed++;
        off += n + 1;
    }
    return 0;
}

/* The committed lines of a staging file, body[0, len): those the log lacks
 * come after every line it has and carry the ids that follow its last one. */
static int
replay_lines(tipc_orderlog *l, const char *body, size_t len, uint64_t log_end, uint64_t lineno)
{
    tipc_orderlog_entry e;
    size_t off = 0, from = len, to = len;
    uint64_t first = l->st.next_order_id, want = first, stage_line = 1;
    int rc;

    for (; off < len; stage_line++) {
        const char *nl = memchr(body + off, '\n', len - off);
        size_t n = nl != NULL ? (size_t)(nl - (body + off)) : len - off;
        rc = nl != NULL ? tipc_orderlog_parse_line(body + off, n, &e) : TIPC_ETRUNC;
        bool gap = rc == 0 && e.order_id != want && (from != len || e.order_id > want);
        if (rc != 0 || gap) {
            char why[96];
            if (gap)
                snprintf(why, sizeof why, "order id %llu where %llu was due",
                         (unsigned long long)e.order_id, (unsigned long long)want);
            else
                snprintf(why, sizeof why, "%s (%s)", tipc_err_name(rc), tipc_strerror(rc));
            tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                      "%s: line %llu: %s; it and the %zu bytes after it are left out",
                      l->stage_path, (unsigned long long)stage_line, why,
                      len - off - n - (nl != NULL));
            l->st.skipped++;
            break;
        }
        if (e.order_id == want) { /* [from, to): the lines taken so far */
            from = from == len ? off : from;
            to = off + n + 1;
            want++;
        }
        off += n + 1;
    }
    if (want == first)
        return 0;
    if ((rc = replay_range(l, body, from, to, log_end, lineno)) != 0)
        return rc;
    tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
              "%s: orders %llu..%llu were committed by an earlier run that did not write them "
              "to the log: appended",
              l->stage_path, (unsigned long long)first, (unsigned long long)(want - 1));
    return 0;
}

/* Give the log what a staging file left by an earlier SYNC_MAPPED run holds.
 * A file too short for a header, or with nothing committed, holds nothing. */
static int
replay_staged(tipc_orderlog *l, uint64_t log_end, uint64_t lineno)
{
    struct stage_hdr h;
    struct stat sb;
    char *body = NULL;
    ssize_t n;
    int fd, rc = 0;

    fd = open(l->stage_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : tipc__neg_errno();
    if (fstat(fd, &sb) != 0 || (n = pread(fd, &h, sizeof h, 0)) < 0) {
        rc = tipc__neg_errno();
        goto out;
    }
    if ((size_t)n < sizeof h || h.committed == 0)
        goto out;
    if (h.magic != STAGE_MAGIC || (uint64_t)sb.st_size < STAGE_HDR ||
        h.body_size > (uint64_t)sb.st_size - STAGE_HDR || h.committed > h.body_size) {
        tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                  "%s: not a staging file this version writes, or damaged: ignored", l->stage_path);
        goto out;
    }
    if ((body = malloc((size_t)h.committed)) == NULL) {
        rc = TIPC_ENOMEM;
        goto out;
    }
    for (size_t got = 0; got < h.committed; got += (size_t)n) {
        n = pread(fd, body + got, (size_t)h.committed - got, (off_t)(STAGE_HDR + got));
        if (n <= 0) {
            rc = n < 0 ? tipc__neg_errno() : TIPC_EIO; /* shorter than fstat said */
            goto out;
        }
    }
    rc = replay_lines(l, body, (size_t)h.committed, log_end, lineno);
out:
    free(body);
    close(fd);
    return rc;
}

/* SYNC_MAPPED: (re)create the staging file at its full size and map it.
 * posix_fallocate reserves the blocks: a store into a sparse page on a full
 * disk would be a SIGBUS, not an error. */
static int
stage_create(tipc_orderlog *l)
{
    size_t size = STAGE_HDR + l->pend_cap;
    int fd, rc = 0;

    fd = open(l->stage_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return tipc__neg_errno();
    if (ftruncate(fd, (off_t)size) != 0) {
        rc = tipc__neg_errno();
    } else if ((rc = posix_fallocate(fd, 0, (off_t)size)) != 0) {
        rc = -rc;
    } else {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rc = tipc__neg_errno();
        } else {
            l->stage = p;
            l->pend = (char *)p + STAGE_HDR;
            __atomic_store_n(&l->stage->committed, 0, __ATOMIC_RELAXED);
            l->stage->body_size = l->pend_cap;
            __atomic_store_n(&l->stage->magic, STAGE_MAGIC, __ATOMIC_RELEASE);
        }
    }
    close(fd);
    if (rc != 0) /* it held nothing: replay_staged ran before */
        (void)unlink(l->stage_path);
    return rc;
}

static void
random_key(uint64_t key[2], const void *salt)
{
    ssize_t n = getrandom(key, 2 * sizeof key[0], GRND_NONBLOCK);

    if (n != (ssize_t)(2 * sizeof key[0])) {
        /* No entropy yet (early boot): still unpredictable enough to a peer. */
        key[0] = tipc_time_realtime_ns() ^ (uint64_t)(uintptr_t)salt;
        key[1] = tipc_time_monotonic_ns() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
    }
}

static size_t
pow2_at_least(size_t n)
{
    size_t p = 16;

    while (p < n)
        p *= 2;
    return p;
}

int
tipc_orderlog_open(tipc_orderlog **out, const char *path, const tipc_orderlog_opts *opts)
{
    static const tipc_orderlog_opts defaults;
    tipc_orderlog *l;
    struct stat sb;
    uint64_t good_end = 0, file_end = 0, lineno = 1;
    bool created = false;
    int rc;

    assert(out != NULL && path != NULL);
    if (opts == NULL)
        opts = &defaults;
    l = calloc(1, sizeof *l);
    if (l == NULL)
        return TIPC_ENOMEM;
    l->fd = -1;
    l->sync = opts->sync;
    if (opts->logger != NULL) {
        l->logger = *opts->logger;
        l->has_logger = true;
    }
    random_key(l->sipkey, l);
    l->max_orders = opts->max_orders ? opts->max_orders : TIPC_ORDERLOG_DEFAULT_MAX_ORDERS;
    if (l->max_orders > UINT32_MAX - 1) /* index slots hold record index + 1 in 32 bits */
        l->max_orders = UINT32_MAX - 1;
    l->recs_cap = opts->expected_orders ? opts->expected_orders : TIPC_ORDERLOG_DEFAULT_EXPECTED;
    if (l->recs_cap > l->max_orders)
        l->recs_cap = l->max_orders;
    l->nslots = pow2_at_least(l->recs_cap * 2);
    l->max_pending = opts->max_pending ? opts->max_pending : TIPC_ORDERLOG_DEFAULT_MAX_PENDING;
    l->pend_cap = l->max_pending * (size_t)TIPC_ORDERLOG_LINE_MAX;
    l->st.next_order_id = 1;
    l->recs = malloc(l->recs_cap * sizeof *l->recs);
    l->slots = calloc(l->nslots, sizeof *l->slots);
    l->stage_path = malloc(strlen(path) + sizeof STAGE_SUFFIX);
    if (l->sync != TIPC_ORDERLOG_SYNC_MAPPED)
        l->pend = malloc(l->pend_cap);
    if (l->recs == NULL || l->slots == NULL || l->stage_path == NULL ||
        (l->pend == NULL && l->sync != TIPC_ORDERLOG_SYNC_MAPPED)) {
        rc = TIPC_ENOMEM;
        goto fail;
    }

    l->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (l->fd < 0 && errno == ENOENT) {
        l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        created = l->fd >= 0;
        if (l->fd < 0 && errno == EEXIST) /* lost a race with another creator */
            l->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    }
    if (l->fd < 0) {
        rc = tipc__neg_errno();
        goto fail;
    }
    strcat(strcpy(l->stage_path, path), STAGE_SUFFIX);
    if (fstat(l->fd, &sb) != 0) {
        rc = tipc__neg_errno();
        goto fail;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = TIPC_EINVAL;
        goto fail;
    }
    if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? TIPC_EBUSY : tipc__neg_errno();
        goto fail;
    }
    if ((rc = recover(l, &good_end, &file_end, &lineno)) != 0)
        goto fail;
    if (good_end != file_end) {
        tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                  "%s: torn last line (%llu bytes without a newline at offset %llu), truncated",
                  path, (unsigned long long)(file_end - good_end), (unsigned long long)good_end);
        if (ftruncate(l->fd, (off_t)good_end) != 0 ||
            (l->sync == TIPC_ORDERLOG_SYNC_DATA && fdatasync(l->fd) != 0)) {
            rc = tipc__neg_errno();
            goto fail;
        }
        l->st.truncated_bytes = file_end - good_end;
    }
    if (created && l->sync == TIPC_ORDERLOG_SYNC_DATA && (rc = sync_parent_dir(path)) != 0)
        goto fail;
    if ((rc = replay_staged(l, good_end, lineno)) != 0)
        goto fail;
    if (l->sync == TIPC_ORDERLOG_SYNC_MAPPED)
        rc = stage_create(l);
    else if (unlink(l->stage_path) != 0 && errno != ENOENT)
        rc = tipc__neg_errno();
    if (rc != 0)
        goto fail;
    if (l->st.recovered > 0 || l->st.skipped > 0)
        tipc__log(lg(l), TIPC_LOG_INFO, COMPONENT,
                  "%s: recovered %llu orders, skipped %llu lines, next order id %llu", path,
                  (unsigned long long)l->st.recovered, (unsigned long long)l->st.skipped,
                  (unsigned long long)l->st.next_order_id);
    *out = l;
    return 0;
fail:
    tipc_orderlog_close(l);
    return rc;
}

void
tipc_orderlog_close(tipc_orderlog *l)
{
    if (l == NULL)
        return;
    if (l->pend_lines > 0)
        tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT, "closed with %zu uncommitted lines, discarded",
                  l->pend_lines);
    if (l->stage != NULL) {
        /* Removed under the flock, so no other open can be replaying it. */
        int rc = tipc_orderlog_flush(l);
        if (rc == 0)
            (void)unlink(l->stage_path);
        else
            tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                      "closed with %zu bytes of committed lines not in the log (%s): %s keeps "
                      "them for the next open",
                      l->staged_len - l->pend_off, tipc_strerror(rc), l->stage_path);
        munmap(l->stage, STAGE_HDR + l->pend_cap);
    } else {
        free(l->pend);
    }
    if (l->seal_lines > 0)
        tipc__log(lg(l), TIPC_LOG_WARN, COMPONENT,
                  "closed with %zu sealed lines not committed, discarded", l->seal_lines);
    free(l->seal);
    if (l->fd >= 0)
        close(l->fd); /* also drops the flock */
    free(l->recs);
    free(l->slots);
    free(l->stage_path);
    free(l);
}

/* ---- the write path ---- */

/* Write pend[pend_off, end) to the log; after a short write or an error the
 * next call resumes at the exact byte. */
static int
write_pending(tipc_orderlog *l, size_t end, const char *what)
{
    int rc =
        write_from(l->fd, l->pend, &l->pend_off, end, &l->st.write_calls, &l->st.bytes_written);
    if (rc != 0)
        tipc__log(lg(l), TIPC_LOG_ERROR, COMPONENT, "%s: write failed after %zu of %zu bytes: %s",
                  what, l->pend_off, end, tipc_strerror(rc));
    return rc;
}

/* SYNC_MAPPED, once the log has every committed line: the staging file
 * holds none from here on, and the uncommitted lines move to the front. */
static void
stage_restart(tipc_orderlog *l)
{
    __atomic_store_n(&l->stage->committed, 0, __ATOMIC_RELAXED);
    /* Ordered before the stores that reuse the body: a crash in between must
     * not leave the header covering half-overwritten lines. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memmove(l->pend, l->pend + l->staged_len, l->pend_len - l->staged_len);
    l->pend_len -= l->staged_len;
    l->pend_off = l->staged_len = 0;
}

int
tipc_orderlog_append(tipc_orderlog *l, const tipc_order *o, uint64_t recv_ns, uint64_t *order_id)
{
    size_t slen, clen, n;
    struct rec *dup;
    int rc;

    assert(l != NULL && o != NULL && order_id != NULL);
    if (l->failed)
        return TIPC_ESTATE;
    if ((rc = order_check(o, &slen, &clen)) != 0)
        return rc;
    uint64_t h = key_hash(l, o->strategy, slen, o->client_order_id, clen);
    if ((dup = table_find(l, h, o->strategy, o->client_order_id)) != NULL) {
        *order_id = dup->order_id;
        return TIPC_EDUP;
    }
    if (l->pend_lines == l->max_pending)
        return TIPC_EAGAIN;
    if (l->pend_cap - l->pend_len < TIPC_ORDERLOG_LINE_MAX) {
        /* Only SYNC_MAPPED gets here: committed lines fill the body because
         * nobody flushed them. Make room; what was committed stays so. */
        assert(l->stage != NULL);
        if ((rc = write_pending(l, l->staged_len, "append")) != 0)
            return rc;
        stage_restart(l);
    }
    if ((rc = table_reserve(l)) != 0)
        return rc;
    /* Fewer than max_pending uncommitted lines, and pend_cap holds that many
     * whole lines, so this cannot overflow. */
    n = format_line(o, l->st.next_order_id, recv_ns, l->pend + l->pend_len,
                    l->pend_cap - l->pend_len);
    assert(n != 0);
    l->pend_len += n;
    l->pend_lines++;
    table_add(l, h, o->strategy, o->client_order_id, l->st.next_order_id);
    *order_id = l->st.next_order_id++;
    return 0;
}

int
tipc_orderlog_commit(tipc_orderlog *l)
{
    int rc;

    assert(l != NULL);
    if (l->failed)
        return TIPC_ESTATE;
    if (l->seal_lines > 0) /* its lines go first: finish that commit */
        return TIPC_EBUSY;
    if (l->stage != NULL) {
        if (l->pend_lines == 0)
            return 0;
        __atomic_store_n(&l->stage->committed, (uint64_t)l->pend_len, __ATOMIC_RELEASE);
        l->staged_len = l->pend_len;
        l->count += l->pend_lines;
        l->st.commits++;
        l->pend_lines = 0;
        return 0;
    }
    if ((rc = write_pending(l, l->pend_len, "commit")) != 0)
        return rc;
    if (l->pend_lines == 0)
        return 0;
    if (l->sync == TIPC_ORDERLOG_SYNC_DATA) {
        l->st.sync_calls++;
        if (fdatasync(l->fd) != 0) {
            rc = tipc__neg_errno();
            l->failed = true;
            tipc__log(lg(l), TIPC_LOG_ERROR, COMPONENT,
                      "commit: fdatasync failed: %s; the log refuses further writes",
                      tipc_strerror(rc));
            return rc;
        }
    }
    l->count += l->pend_lines;
    l->st.commits++;
    l->pend_lines = 0;
    l->pend_len = 0;
    l->pend_off = 0;
    return 0;
}

int
tipc_orderlog_commit_start(tipc_orderlog *l)
{
    assert(l != NULL);
    if (l->failed)
        return TIPC_ESTATE;
    if (l->stage != NULL)
        return TIPC_EINVAL;
    if (l->seal_lines > 0)
        return TIPC_EBUSY;
    if (l->pend_lines == 0)
        return 0;
    if (l->seal == NULL && (l->seal = malloc(l->pend_cap)) == NULL)
        return TIPC_ENOMEM;
    /* Swap the buffers: appends go on in the other one. */
    char *buf = l->seal;
    l->seal = l->pend;
    l->seal_len = l->pend_len;
    l->seal_off = l->pend_off;
    l->seal_lines = l->pend_lines;
    l->pend = buf;
    l->pend_len = l->pend_off = l->pend_lines = 0;
    l->run_writes = l->run_bytes = l->run_syncs = 0;
    l->run_sync_failed = false;
    return (int)l->seal_lines;
}

int
tipc_orderlog_commit_run(tipc_orderlog *l)
{
    assert(l != NULL);
    int rc = write_from(l->fd, l->seal, &l->seal_off, l->seal_len, &l->run_writes, &l->run_bytes);
    if (rc != 0)
        return rc;
    if (l->sync == TIPC_ORDERLOG_SYNC_DATA && l->seal_lines > 0) {
        l->run_syncs++;
        if (fdatasync(l->fd) != 0) {
            l->run_sync_failed = true;
            return tipc__neg_errno();
        }
    }
    return 0;
}

int
tipc_orderlog_commit_finish(tipc_orderlog *l, int rc)
{
    assert(l != NULL);
    l->st.write_calls += l->run_writes;
    l->st.bytes_written += l->run_bytes;
    l->st.sync_calls += l->run_syncs;
    l->run_writes = l->run_bytes = l->run_syncs = 0;
    if (rc == 0) {
        l->count += l->seal_lines;
        l->st.commits += l->seal_lines > 0;
        l->seal_lines = l->seal_len = l->seal_off = 0;
    } else if (l->run_sync_failed) {
        l->failed = true;
        tipc__log(lg(l), TIPC_LOG_ERROR, COMPONENT,
                  "commit: fdatasync failed: %s; the log refuses further writes",
                  tipc_strerror(rc));
    } else {
        tipc__log(lg(l), TIPC_LOG_ERROR, COMPONENT,
                  "commit: write failed after %zu of %zu bytes: %s", l->seal_off, l->seal_len,
                  tipc_strerror(rc));
    }
    return rc;
}

/* ---- the committer thread ---- */

/* go, quit and run_rc are under mu; done_fd counts commits run. */
struct tipc_orderlog_committer {
    tipc_orderlog *log;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool go, quit, inflight;
    int run_rc;
    int done_fd;
};

static void *
committer_main(void *arg)
{
    tipc_orderlog_committer *c = arg;
    const uint64_t one = 1;

    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->go && !c->quit)
            pthread_cond_wait(&c->cv, &c->mu);
        if (c->quit)
            break;
        c->go = false;
        pthread_mutex_unlock(&c->mu);
        int rc = tipc_orderlog_commit_run(c->log);
        pthread_mutex_lock(&c->mu);
        c->run_rc = rc;
        /* An eventfd add of 1 fails only on counter overflow: never here. */
        (void)!write(c->done_fd, &one, sizeof one);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int
tipc_orderlog_committer_open(tipc_orderlog_committer **out, tipc_orderlog *l)
{
    tipc_orderlog_committer *c;
    int rc;

    assert(out != NULL && l != NULL);
    if (l->sync == TIPC_ORDERLOG_SYNC_MAPPED)
        return TIPC_EINVAL;
    if ((c = calloc(1, sizeof *c)) == NULL)
        return TIPC_ENOMEM;
    c->log = l;
    if ((c->done_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
        rc = tipc__neg_errno();
        free(c);
        return rc;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if ((rc = pthread_create(&c->thread, NULL, committer_main, c)) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        close(c->done_fd);
        free(c);
        return -rc;
    }
    *out = c;
    return 0;
}

int
tipc_orderlog_committer_fd(const tipc_orderlog_committer *c)
{
    assert(c != NULL);
    return c->done_fd;
}

int
tipc_orderlog_committer_busy(const tipc_orderlog_committer *c)
{
    assert(c != NULL);
    return c->inflight;
}

int
tipc_orderlog_committer_submit(tipc_orderlog_committer *c)
{
    int n;

    assert(c != NULL);
    if (c->inflight)
        return TIPC_EBUSY;
    n = tipc_orderlog_commit_start(c->log);
    if (n == TIPC_EBUSY) /* lines left sealed by a failed write: run them again */
        n = (int)c->log->seal_lines;
    if (n <= 0)
        return n;
    c->inflight = true;
    pthread_mutex_lock(&c->mu);
    c->go = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return n;
}

int
tipc_orderlog_committer_collect(tipc_orderlog_committer *c, int timeout_ms)
{
    struct pollfd p;
    uint64_t v;
    ssize_t k;
    int rc;

    assert(c != NULL);
    if (!c->inflight)
        return 0;
    p.fd = c->done_fd;
    p.events = POLLIN;
    while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        return tipc__neg_errno();
    if (rc == 0)
        return 0;
    while ((k = read(c->done_fd, &v, sizeof v)) < 0 && errno == EINTR)
        ;
    if (k != (ssize_t)sizeof v)
        return k < 0 ? tipc__neg_errno() : TIPC_EIO;
    pthread_mutex_lock(&c->mu); /* also orders the thread's run before the finish */
    rc = c->run_rc;
    pthread_mutex_unlock(&c->mu);
    c->inflight = false;
    rc = tipc_orderlog_commit_finish(c->log, rc);
    return rc < 0 ? rc : 1;
}

void
tipc_orderlog_committer_close(tipc_orderlog_committer *c)
{
    if (c == NULL)
        return;
    int rc = tipc_orderlog_committer_collect(c, -1);
    (void)rc; /* a failure was reported to the log's logger by commit_finish */
    pthread_mutex_lock(&c->mu);
    c->quit = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    close(c->done_fd);
    free(c);
}

int
tipc_orderlog_flush(tipc_orderlog *l)
{
    int rc;

    assert(l != NULL);
    if (l->stage == NULL || l->staged_len == 0)
        return 0;
    if ((rc = write_pending(l, l->staged_len, "flush")) != 0)
        return rc;
    if (l->pend_len == l->staged_len) /* nothing uncommitted behind: start the body over */
        stage_restart(l);
    return 0;
}

/* ---- queries ---- */

size_t
tipc_orderlog_pending(const tipc_orderlog *l)
{
    assert(l != NULL);
    return l->pend_lines;
}

uint64_t
tipc_orderlog_count(const tipc_orderlog *l)
{
    assert(l != NULL);
    return l->count;
}

int
tipc_orderlog_lookup(const tipc_orderlog *l, const char *strategy, const char *client_order_id,
                     uint64_t *order_id)
{
    size_t slen, clen;
    const struct rec *r;

    assert(l != NULL && strategy != NULL && client_order_id != NULL && order_id != NULL);
    slen = strnlen(strategy, TIPC_STRATEGY_MAX + 1);
    clen = strnlen(client_order_id, TIPC_ORDER_ID_MAX + 1);
    if (slen > TIPC_STRATEGY_MAX || clen > TIPC_ORDER_ID_MAX)
        return TIPC_EBADVAL;
    r = table_find(l, key_hash(l, strategy, slen, client_order_id, clen), strategy,
                   client_order_id);
    if (r == NULL)
        return TIPC_ENOENT;
    *order_id = r->order_id;
    return 0;
}

void
tipc_orderlog_get_stats(const tipc_orderlog *l, tipc_orderlog_stats *out)
{
    assert(l != NULL && out != NULL);
    *out = l->st;
}
