/* SPDX-License-Identifier: MIT */
/*
 * Market-data codec: ticks and news items as plain 5-element msgpack arrays.
 *
 * Encoding goes through msgpack-c's packer with a write callback that copies
 * into the caller's bounded buffer and keeps counting past its end, so one
 * pass both writes and, on TIPC_ENOSPC, reports the size needed. Decoding does
 * not use msgpack-c: its unpacker allocates a zone and builds a generic object
 * tree, which costs far more than the whole message is worth at ten million
 * messages a second. The schema is fixed, so a straight-line reader checks the
 * bounds before every load, accepts every integer, string and array width the
 * msgpack spec allows, and stops at the first violation. Error detail is
 * recorded in a small struct and only formatted into text on the failure path.
 */
#include "tipc_int.h"

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

/* Bytes allowed in a symbol: [A-Za-z0-9._-]. A table, because the decoder
 * checks every symbol byte of every tick. */
static const bool symbol_char[256] = {
    ['A' ... 'Z'] = true, ['a' ... 'z'] = true, ['0' ... '9'] = true,
    ['.'] = true,         ['_'] = true,         ['-'] = true,
};

static bool
symbol_ok(const char *s, size_t len)
{
    if (len == 0 || len > TIPC_SYMBOL_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!symbol_char[(unsigned char)s[i]])
            return false;
    return true;
}

int
tipc_symbol_is_valid(const char *s, size_t len)
{
    return symbol_ok(s, len);
}

/* ---- encoding ---------------------------------------------------------- */

struct mp_out {
    uint8_t *buf;
    size_t cap;
    size_t len; /* bytes produced so far, even past cap */
};

static int
mp_out_write(void *data, const char *src, size_t n)
{
    struct mp_out *o = data;

    if (o->len <= o->cap && n <= o->cap - o->len)
        memcpy(o->buf + o->len, src, n);
    o->len += n;
    return 0; /* never fail: keep counting so ENOSPC can report the size needed */
}

static int
mp_encode(const char *symbol, int64_t field2, const uint64_t times[3], void *buf, size_t cap,
          size_t *len)
{
    struct mp_out o = {buf, cap, 0};
    msgpack_packer pk;
    size_t n = strlen(symbol); /* validated by the caller: at most TIPC_SYMBOL_MAX */

    msgpack_packer_init(&pk, &o, mp_out_write);
    /* The packer only fails when the callback does, and ours never does. */
    (void)msgpack_pack_array(&pk, 5);
    (void)msgpack_pack_str(&pk, n);
    (void)msgpack_pack_str_body(&pk, symbol, n);
    (void)msgpack_pack_int64(&pk, field2);
    (void)msgpack_pack_uint64(&pk, times[0]);
    (void)msgpack_pack_uint64(&pk, times[1]);
    (void)msgpack_pack_uint64(&pk, times[2]);
    *len = o.len;
    return o.len <= cap ? TIPC_OK : TIPC_ENOSPC;
}

/* The symbol must be NUL-terminated inside its array. */
static bool
symbol_field_is_valid(const char sym[TIPC_SYMBOL_MAX + 1])
{
    size_t n = strnlen(sym, TIPC_SYMBOL_MAX + 1);
    return n <= TIPC_SYMBOL_MAX && symbol_ok(sym, n);
}

int
tipc_tick_encode(const tipc_tick *t, void *buf, size_t cap, size_t *len)
{
    assert(t != NULL && len != NULL && (buf != NULL || cap == 0));
    if (!symbol_field_is_valid(t->symbol) || t->price <= 0) {
        *len = 0;
        return TIPC_EBADVAL;
    }
    const uint64_t times[3] = {t->event_ns, t->send_ns, t->seq};
    return mp_encode(t->symbol, t->price, times, buf, cap, len);
}

int
tipc_news_encode(const tipc_news *n, void *buf, size_t cap, size_t *len)
{
    assert(n != NULL && len != NULL && (buf != NULL || cap == 0));
    if (!symbol_field_is_valid(n->symbol) || n->sentiment < TIPC_SENTIMENT_MIN ||
        n->sentiment > TIPC_SENTIMENT_MAX) {
        *len = 0;
        return TIPC_EBADVAL;
    }
    const uint64_t times[3] = {n->event_ns, n->send_ns, n->seq};
    return mp_encode(n->symbol, n->sentiment, times, buf, cap, len);
}

/* ---- decoding ---------------------------------------------------------- */

/* What went wrong, kept as data so the hot path never formats text. */
enum mp_what {
    MP_TRUNC,    /* input ended inside field `field` */
    MP_TYPE,     /* `tag` is not the type the field needs */
    MP_ARRAYLEN, /* array of `u` elements */
    MP_TRAILING, /* `u` bytes after the message */
    MP_SYMLEN,   /* symbol of `u` bytes */
    MP_SYMCHAR,  /* symbol byte `u` at index `s` */
    MP_RANGE,    /* integer out of range: `neg` ? (int64)u : u */
};

struct mp_fail {
    enum mp_what what;
    int field; /* 0 = the array header, 1..5 = the elements */
    uint8_t tag;
    bool neg;
    uint64_t u;
    int64_t s;
};

/* The decoded message before it is copied out: ticks and news differ only in field 2. */
struct mp_msg {
    char symbol[TIPC_SYMBOL_MAX + 1];
    uint64_t f2; /* two's complement when f2neg */
    bool f2neg;
    uint64_t t[3];
};

static inline uint16_t
ld16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

static inline uint64_t
ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

#define MP_FAIL(code, ...)                                                                         \
    do {                                                                                           \
        *f = (struct mp_fail){__VA_ARGS__};                                                        \
        return (code);                                                                             \
    } while (0)

/* One msgpack integer of any width. Negative values come back as their int64
 * bit pattern with *neg set; non-negative ones (from any format) as uint64. */
static inline int
mp_int(const uint8_t **pp, const uint8_t *end, int field, uint64_t *u, bool *neg, struct mp_fail *f)
{
    const uint8_t *p = *pp;
    size_t need;
    int64_t s;

    if (TIPC_UNLIKELY(p == end))
        MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = field);
    uint8_t tag = *p++;
    if (TIPC_LIKELY(tag <= 0x7f)) {
        *u = tag;
        *neg = false;
        *pp = p;
        return TIPC_OK;
    }
    if (tag >= 0xe0) {
        *u = (uint64_t)(int64_t)(int8_t)tag;
        *neg = true;
        *pp = p;
        return TIPC_OK;
    }
    if (tag < 0xcc || tag > 0xd3)
        MP_FAIL(TIPC_ETYPE, .what = MP_TYPE, .field = field, .tag = tag);
    need = (size_t)1 << (tag & 3); /* cc..cf and d0..d3 are 1,2,4,8 bytes */
    if (TIPC_UNLIKELY((size_t)(end - p) < need))
        MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = field);
    switch (tag) {
    case 0xcc:
        *u = p[0];
        break;
    case 0xcd:
        *u = ld16(p);
        break;
    case 0xce:
        *u = ld32(p);
        break;
    case 0xcf:
        *u = ld64(p);
        break;
    default:
        s = tag == 0xd0   ? (int8_t)p[0]
            : tag == 0xd1 ? (int16_t)ld16(p)
            : tag == 0xd2 ? (int32_t)ld32(p)
                          : (int64_t)ld64(p);
        *u = (uint64_t)s;
        *neg = s < 0;
        *pp = p + need;
        return TIPC_OK;
    }
    *neg = false;
    *pp = p + need;
    return TIPC_OK;
}

static inline int
mp_time(const uint8_t **pp, const uint8_t *end, int field, uint64_t *out, struct mp_fail *f)
{
    bool neg;
    int rc = mp_int(pp, end, field, out, &neg, f);
    if (TIPC_UNLIKELY(rc != TIPC_OK))
        return rc;
    if (TIPC_UNLIKELY(neg))
        MP_FAIL(TIPC_EBADVAL, .what = MP_RANGE, .field = field, .neg = true, .u = *out);
    return TIPC_OK;
}

static inline int
mp_symbol(const uint8_t **pp, const uint8_t *end, char out[TIPC_SYMBOL_MAX + 1], struct mp_fail *f)
{
    const uint8_t *p = *pp;
    size_t n;

    if (TIPC_UNLIKELY(p == end))
        MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = 1);
    uint8_t tag = *p++;
    if (TIPC_LIKELY((tag & 0xe0) == 0xa0)) {
        n = tag & 0x1f;
    } else if (tag >= 0xd9 && tag <= 0xdb) {
        size_t w = (size_t)1 << (tag - 0xd9); /* str8/16/32: 1, 2, 4 length bytes */
        if ((size_t)(end - p) < w)
            MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = 1);
        n = w == 1 ? p[0] : w == 2 ? ld16(p) : ld32(p);
        p += w;
    } else {
        MP_FAIL(TIPC_ETYPE, .what = MP_TYPE, .field = 1, .tag = tag);
    }
    /* An over-long symbol is invalid whatever follows, so say so before ETRUNC. */
    if (TIPC_UNLIKELY(n == 0 || n > TIPC_SYMBOL_MAX))
        MP_FAIL(TIPC_EBADVAL, .what = MP_SYMLEN, .field = 1, .u = n);
    if (TIPC_UNLIKELY((size_t)(end - p) < n))
        MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = 1);
    /* Copy and check in one pass with no early exit; out is scratch until success. */
    bool ok = true;
    memset(out, 0, TIPC_SYMBOL_MAX + 1);
    for (size_t i = 0; i < n; i++) {
        ok &= symbol_char[p[i]];
        out[i] = (char)p[i];
    }
    if (TIPC_UNLIKELY(!ok)) {
        size_t i = 0;
        while (symbol_char[p[i]])
            i++;
        MP_FAIL(TIPC_EBADVAL, .what = MP_SYMCHAR, .field = 1, .u = p[i], .s = (int64_t)i);
    }
    *pp = p + n;
    return TIPC_OK;
}

/* Decode [symbol, int, uint, uint, uint]; news is a compile-time constant so
 * each caller gets its own specialised copy. */
static inline __attribute__((always_inline)) int
mp_decode(const uint8_t *p, size_t len, bool news, struct mp_msg *m, struct mp_fail *f)
{
    size_t count;
    int rc;

    if (TIPC_UNLIKELY(len == 0)) /* before p + len: p may be NULL */
        MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = 0);
    const uint8_t *end = p + len;
    uint8_t tag = *p++;
    if (TIPC_LIKELY((tag & 0xf0) == 0x90)) {
        count = tag & 0x0f;
    } else if (tag == 0xdc || tag == 0xdd) {
        size_t w = tag == 0xdc ? 2 : 4;
        if ((size_t)(end - p) < w)
            MP_FAIL(TIPC_ETRUNC, .what = MP_TRUNC, .field = 0);
        count = w == 2 ? ld16(p) : ld32(p);
        p += w;
    } else {
        MP_FAIL(TIPC_ETYPE, .what = MP_TYPE, .field = 0, .tag = tag);
    }
    if (TIPC_UNLIKELY(count != 5))
        MP_FAIL(TIPC_EPROTO, .what = MP_ARRAYLEN, .field = 0, .u = count);

    if ((rc = mp_symbol(&p, end, m->symbol, f)) != TIPC_OK)
        return rc;
    if ((rc = mp_int(&p, end, 2, &m->f2, &m->f2neg, f)) != TIPC_OK)
        return rc;
    if (news ? (m->f2neg || m->f2 > TIPC_SENTIMENT_MAX)
             : (m->f2neg || m->f2 == 0 || m->f2 > INT64_MAX))
        MP_FAIL(TIPC_EBADVAL, .what = MP_RANGE, .field = 2, .neg = m->f2neg, .u = m->f2);
    for (int i = 0; i < 3; i++)
        if ((rc = mp_time(&p, end, 3 + i, &m->t[i], f)) != TIPC_OK)
            return rc;
    if (TIPC_UNLIKELY(p != end))
        MP_FAIL(TIPC_EPROTO, .what = MP_TRAILING, .field = 5, .u = (uint64_t)(end - p));
    return TIPC_OK;
}

static const char *
mp_type_name(uint8_t tag)
{
    if (tag <= 0x7f || tag >= 0xe0 || (tag >= 0xcc && tag <= 0xd3))
        return "integer";
    if ((tag & 0xf0) == 0x80 || tag == 0xde || tag == 0xdf)
        return "map";
    if ((tag & 0xf0) == 0x90 || tag == 0xdc || tag == 0xdd)
        return "array";
    if ((tag & 0xe0) == 0xa0 || (tag >= 0xd9 && tag <= 0xdb))
        return "str";
    switch (tag) {
    case 0xc0:
        return "nil";
    case 0xc2:
    case 0xc3:
        return "bool";
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return "bin";
    case 0xca:
    case 0xcb:
        return "float";
    case 0xc1:
        return "the never-used byte 0xc1";
    default:
        return "ext";
    }
}

static __attribute__((cold, noinline)) void
mp_explain(const struct mp_fail *f, bool news, char *why, size_t whylen)
{
    static const char *const tick_names[] = {"message",  "symbol",  "price",
                                             "event_ns", "send_ns", "seq"};
    static const char *const news_names[] = {"message",  "symbol",  "sentiment",
                                             "event_ns", "send_ns", "seq"};
    const char *name = (news ? news_names : tick_names)[f->field];
    char where[40];

    if (why == NULL || whylen == 0)
        return;
    if (f->field == 0)
        snprintf(where, sizeof where, "message");
    else
        snprintf(where, sizeof where, "field %d (%s)", f->field, name);
    switch (f->what) {
    case MP_TRUNC:
        tipc__why(why, whylen, "%s: input ends early", where);
        break;
    case MP_TYPE:
        tipc__why(why, whylen, "%s: expected %s, got %s (0x%02x)", where,
                  f->field == 0   ? "array"
                  : f->field == 1 ? "str"
                                  : "integer",
                  mp_type_name(f->tag), f->tag);
        break;
    case MP_ARRAYLEN:
        tipc__why(why, whylen, "message: array has %" PRIu64 " elements, expected 5", f->u);
        break;
    case MP_TRAILING:
        tipc__why(why, whylen, "message: %" PRIu64 " trailing byte(s) after the 5 fields", f->u);
        break;
    case MP_SYMLEN:
        tipc__why(why, whylen, "%s: length %" PRIu64 ", must be 1..%d", where, f->u,
                  TIPC_SYMBOL_MAX);
        break;
    case MP_SYMCHAR:
        tipc__why(why, whylen, "%s: byte 0x%02x at index %" PRId64 " is not in [A-Za-z0-9._-]",
                  where, (unsigned)f->u, f->s);
        break;
    case MP_RANGE: {
        char got[24];
        if (f->neg)
            snprintf(got, sizeof got, "%" PRId64, (int64_t)f->u);
        else
            snprintf(got, sizeof got, "%" PRIu64, f->u);
        const char *rule = f->field >= 3 ? "must be non-negative"
                           : news        ? "must be 0..100"
                                         : "must be 1..INT64_MAX";
        tipc__why(why, whylen, "%s: %s, got %s", where, rule, got);
        break;
    }
    }
}

/* The public entry points share one always-inlined body each: calls between
 * exported functions go through the PLT in a shared library. */
static inline __attribute__((always_inline)) int
tick_decode(const void *buf, size_t len, tipc_tick *out, char *why, size_t whylen)
{
    struct mp_msg m;
    struct mp_fail f;

    assert(out != NULL && (buf != NULL || len == 0));
    int rc = mp_decode(buf, len, false, &m, &f);
    if (TIPC_UNLIKELY(rc != TIPC_OK)) {
        mp_explain(&f, false, why, whylen);
        return rc;
    }
    memcpy(out->symbol, m.symbol, sizeof out->symbol);
    out->price = (int64_t)m.f2;
    out->event_ns = m.t[0];
    out->send_ns = m.t[1];
    out->seq = m.t[2];
    return TIPC_OK;
}

static inline __attribute__((always_inline)) int
news_decode(const void *buf, size_t len, tipc_news *out, char *why, size_t whylen)
{
    struct mp_msg m;
    struct mp_fail f;

    assert(out != NULL && (buf != NULL || len == 0));
    int rc = mp_decode(buf, len, true, &m, &f);
    if (TIPC_UNLIKELY(rc != TIPC_OK)) {
        mp_explain(&f, true, why, whylen);
        return rc;
    }
    memcpy(out->symbol, m.symbol, sizeof out->symbol);
    out->sentiment = (int32_t)m.f2;
    out->event_ns = m.t[0];
    out->send_ns = m.t[1];
    out->seq = m.t[2];
    return TIPC_OK;
}

int
tipc_tick_decode(const void *buf, size_t len, tipc_tick *out)
{
    return tick_decode(buf, len, out, NULL, 0);
}

int
tipc_tick_decode_ex(const void *buf, size_t len, tipc_tick *out, char *why, size_t whylen)
{
    return tick_decode(buf, len, out, why, whylen);
}

int
tipc_news_decode(const void *buf, size_t len, tipc_news *out)
{
    return news_decode(buf, len, out, NULL, 0);
}

int
tipc_news_decode_ex(const void *buf, size_t len, tipc_news *out, char *why, size_t whylen)
{
    return news_decode(buf, len, out, why, whylen);
}
