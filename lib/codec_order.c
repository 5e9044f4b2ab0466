/* SPDX-License-Identifier: MIT */
/*
 * Order codec: orders and acks as plain JSON, plus the price, side and rule
 * helpers the rest of the stack shares.
 *
 * Encoding is done by hand into the caller's buffer: the field set is fixed,
 * every string but an ack's reason is restricted to characters that need no
 * escaping, and writing directly avoids both allocation and printf. The writer
 * keeps counting past the end of the buffer so TIPC_ENOSPC can report the
 * size needed. Decoding uses jansson (an order is not a per-tick message) with
 * a length-bounded input and duplicate keys rejected; the tree is freed before
 * return and nothing of it escapes. Both directions run the same validation,
 * so whatever we write we also accept, and whatever we accept we can write.
 *
 * Prices are fixed point on our side and decimal text on the wire. Encoding is
 * exact integer formatting. Decoding must go through the double jansson hands
 * us; below TIPC_JSON_PRICE_MAX (1e11) a double holds every 4-decimal price
 * with a relative error of at most 2^-53, so scaling by 1e4 and rounding to
 * the nearest integer recovers the exact value (the error stays under 0.25 of
 * a unit), and a residue larger than the rounding error means the text had
 * more than four decimals.
 */
#include "tipc_int.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

/* ---- shared helpers ---------------------------------------------------- */

const char *
tipc_side_name(tipc_side side)
{
    switch (side) {
    case TIPC_SIDE_BUY:
        return "BUY";
    case TIPC_SIDE_SELL:
        return "SELL";
    }
    return "UNKNOWN";
}

int
tipc_side_parse(const char *s, tipc_side *out)
{
    assert(s != NULL && out != NULL);
    if (strcmp(s, "BUY") == 0)
        *out = TIPC_SIDE_BUY;
    else if (strcmp(s, "SELL") == 0)
        *out = TIPC_SIDE_SELL;
    else
        return TIPC_EBADVAL;
    return TIPC_OK;
}

const char *
tipc_rule_name(tipc_rule rule)
{
    switch (rule) {
    case TIPC_RULE_MA_CROSS:
        return "ma_cross";
    case TIPC_RULE_SENTIMENT:
        return "sentiment";
    case TIPC_RULE_MANUAL:
        return "manual";
    }
    return "UNKNOWN";
}

int
tipc_rule_parse(const char *s, tipc_rule *out)
{
    static const tipc_rule rules[] = {TIPC_RULE_MA_CROSS, TIPC_RULE_SENTIMENT, TIPC_RULE_MANUAL};

    assert(s != NULL && out != NULL);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(s, tipc_rule_name(rules[i])) == 0) {
            *out = rules[i];
            return TIPC_OK;
        }
    }
    return TIPC_EBADVAL;
}

static const char *
status_name(tipc_ack_status st)
{
    return st == TIPC_ACK_ACCEPTED ? "accepted" : st == TIPC_ACK_REJECTED ? "rejected" : "UNKNOWN";
}

int
tipc_price_format(int64_t price, char *buf, size_t cap)
{
    char tmp[TIPC_PRICE_STR_MAX];
    size_t n = tipc__price_text(price, tmp);

    assert(buf != NULL || cap == 0);
    if (cap <= n) {
        if (cap > 0)
            buf[0] = '\0';
        return TIPC_ENOSPC;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return (int)n;
}

int
tipc_price_parse(const char *s, size_t len, int64_t *out)
{
    uint64_t ip = 0, frac = 0;
    size_t i = 0, nint = 0, nfrac = 0;
    bool overflow = false;

    assert((s != NULL || len == 0) && out != NULL);
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nint++) {
        if (ip > (uint64_t)INT64_MAX / TIPC_PRICE_SCALE)
            overflow = true; /* keep scanning: bad syntax outranks overflow */
        else
            ip = ip * 10 + (uint64_t)(s[i] - '0');
    }
    if (nint == 0)
        return TIPC_EBADVAL;
    if (i < len) {
        if (s[i++] != '.')
            return TIPC_EBADVAL;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
            if (nfrac < 4)
                frac = frac * 10 + (uint64_t)(s[i] - '0');
            else if (s[i] != '0')
                return TIPC_EBADVAL; /* a fifth significant decimal cannot be represented */
        }
        if (nfrac == 0 || i < len)
            return TIPC_EBADVAL;
    }
    for (size_t k = nfrac; k < 4; k++)
        frac *= 10;
    if (overflow || ip > ((uint64_t)INT64_MAX - frac) / TIPC_PRICE_SCALE)
        return TIPC_ERANGE;
    *out = (int64_t)(ip * TIPC_PRICE_SCALE + frac);
    return TIPC_OK;
}

/* [A-Za-z0-9._:-] as a 128-bit set: one shift and test per byte, no table
 * to fetch (these run on every order, often with cold caches). */
static inline bool
id_char(unsigned char c)
{
    static const uint64_t lo = 0x07ff600000000000ull; /* - . 0-9 : */
    static const uint64_t hi = 0x07fffffe87fffffeull; /* A-Z _ a-z */

    return c < 64 ? (lo >> c) & 1 : c < 128 ? (hi >> (c - 64)) & 1 : false;
}

int
tipc_order_id_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > TIPC_ORDER_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!id_char((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. */
static bool
utf8_is_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t k;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 1, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            k = 2, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 3, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (n - i - 1 < k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

/* ---- validation, shared by encoders and decoders ------------------------ */

/* Length of a char-array field, or cap when it is not NUL-terminated inside it. */
#define FIELD_LEN(arr) strnlen((arr), sizeof(arr))

static int bad(char *why, size_t whylen, const char *fmt, ...) TIPC_PRINTF(3, 4);

static int
bad(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return TIPC_EBADVAL;
}

static int
check_id(const char *name, const char *v, size_t cap, bool allow_empty, char *why, size_t whylen)
{
    size_t n = strnlen(v, cap);

    if (n == cap || !(tipc_order_id_is_valid(v, n) || (allow_empty && n == 0)))
        return bad(why, whylen, "%s: must be %s1..%d bytes of [A-Za-z0-9._:-], got \"%.*s\"", name,
                   allow_empty ? "empty or " : "", TIPC_ORDER_ID_MAX, (int)n, v);
    return TIPC_OK;
}

static int
check_json_price(const char *name, int64_t v, char *why, size_t whylen)
{
    char txt[TIPC_PRICE_STR_MAX];

    if (v <= 0 || v > TIPC_JSON_PRICE_MAX) {
        tipc__price_text(v, txt);
        return bad(why, whylen, "%s: must be > 0 and at most 100000000000.0000, got %s", name, txt);
    }
    return TIPC_OK;
}

static int
check_json_time(const char *name, uint64_t v, char *why, size_t whylen)
{
    if (v > (uint64_t)TIPC_JSON_INT_MAX)
        return bad(why, whylen, "%s: must be at most INT64_MAX, got %" PRIu64, name, v);
    return TIPC_OK;
}

static int
check_pct(const char *name, int32_t v, char *why, size_t whylen)
{
    if (v < TIPC_SENTIMENT_MIN || v > TIPC_SENTIMENT_MAX)
        return bad(why, whylen, "%s: must be an integer in 0..100, got %" PRId32, name, v);
    return TIPC_OK;
}

static int
order_check(const tipc_order *o, char *why, size_t whylen)
{
    const tipc_signal_info *sg = &o->signal;
    size_t n = FIELD_LEN(o->symbol);
    int rc;

    if ((rc = check_id("id", o->client_order_id, sizeof o->client_order_id, false, why, whylen)) !=
        TIPC_OK)
        return rc;
    if (n == sizeof o->symbol || !tipc_symbol_is_valid(o->symbol, n))
        return bad(why, whylen, "symbol: must be 1..%d bytes of [A-Za-z0-9._-], got \"%.*s\"",
                   TIPC_SYMBOL_MAX, (int)n, o->symbol);
    if (o->side != TIPC_SIDE_BUY && o->side != TIPC_SIDE_SELL)
        return bad(why, whylen, "side: must be BUY or SELL, got %d", (int)o->side);
    if (o->quantity == 0)
        return bad(why, whylen, "qty: must be a positive integer, got 0");
    if ((rc = check_json_price("price", o->price, why, whylen)) != TIPC_OK)
        return rc;
    if ((rc = check_id("strategy", o->strategy, sizeof o->strategy, false, why, whylen)) != TIPC_OK)
        return rc;
    switch (sg->rule) {
    case TIPC_RULE_MA_CROSS:
        if (sg->short_window == 0)
            return bad(why, whylen, "signal.short_window: must be a positive integer, got 0");
        if (sg->long_window == 0)
            return bad(why, whylen, "signal.long_window: must be a positive integer, got 0");
        if ((rc = check_json_price("signal.short_ma", sg->short_ma, why, whylen)) != TIPC_OK ||
            (rc = check_json_price("signal.long_ma", sg->long_ma, why, whylen)) != TIPC_OK)
            return rc;
        break;
    case TIPC_RULE_SENTIMENT:
        if ((rc = check_pct("signal.sentiment", sg->sentiment, why, whylen)) != TIPC_OK ||
            (rc = check_pct("signal.threshold", sg->threshold, why, whylen)) != TIPC_OK)
            return rc;
        break;
    case TIPC_RULE_MANUAL:
        break;
    default:
        return bad(why, whylen, "signal.rule: unknown rule %d", (int)sg->rule);
    }
    if ((rc = check_json_time("tick_ns", o->tick_ns, why, whylen)) != TIPC_OK ||
        (rc = check_json_time("send_ns", o->send_ns, why, whylen)) != TIPC_OK)
        return rc;
    return TIPC_OK;
}

static int
ack_check(const tipc_ack *a, char *why, size_t whylen)
{
    size_t rn = FIELD_LEN(a->reason);
    int rc;

    if ((rc = check_id("id", a->client_order_id, sizeof a->client_order_id, true, why, whylen)) !=
        TIPC_OK)
        return rc;
    if ((rc = check_json_time("order_id", a->order_id, why, whylen)) != TIPC_OK)
        return rc;
    if (a->duplicate != 0 && a->duplicate != 1)
        return bad(why, whylen, "duplicate: must be 0 or 1, got %" PRId32, a->duplicate);
    if (rn == sizeof a->reason)
        return bad(why, whylen, "reason: longer than %d bytes", TIPC_REASON_MAX);
    if (!utf8_is_valid((const unsigned char *)a->reason, rn))
        return bad(why, whylen, "reason: not valid UTF-8");
    switch (a->status) {
    case TIPC_ACK_ACCEPTED:
        if (a->order_id == 0)
            return bad(why, whylen, "order_id: must be >= 1 when the status is accepted");
        if (rn != 0)
            return bad(why, whylen, "reason: must be empty when the status is accepted");
        break;
    case TIPC_ACK_REJECTED:
        if (rn == 0)
            return bad(why, whylen, "reason: must not be empty when the status is rejected");
        break;
    default:
        return bad(why, whylen, "status: unknown status %d", (int)a->status);
    }
    if ((rc = check_json_time("order_send_ns", a->order_send_ns, why, whylen)) != TIPC_OK ||
        (rc = check_json_time("recv_ns", a->recv_ns, why, whylen)) != TIPC_OK ||
        (rc = check_json_time("ack_ns", a->ack_ns, why, whylen)) != TIPC_OK)
        return rc;
    return TIPC_OK;
}

/* ---- encoding ---------------------------------------------------------- */

struct jw {
    char *buf;
    size_t cap;
    size_t len; /* bytes produced so far, even past cap */
};

static inline void
jw_put(struct jw *w, const char *s, size_t n)
{
    if (w->len <= w->cap && n <= w->cap - w->len)
        memcpy(w->buf + w->len, s, n);
    w->len += n;
}

#define JW_LIT(w, lit) jw_put((w), "" lit, sizeof(lit) - 1)

static void
jw_u64(struct jw *w, uint64_t v)
{
    char t[TIPC__DEC_U64_MAX];
    jw_put(w, t, tipc__dec_u64(v, t));
}

static void
jw_price(struct jw *w, int64_t v)
{
    char t[TIPC_PRICE_STR_MAX];
    jw_put(w, t, tipc__price_text(v, t));
}

/* A JSON string body (no quotes). Validated fields are plain ASCII and take the
 * fast path; the ack reason may need escapes. */
static void
jw_str(struct jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t en = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jw_put(w, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            en = 6;
        }
        jw_put(w, esc, en);
    }
    jw_put(w, s + run, n - run);
}

static int
jw_finish(struct jw *w, size_t *len)
{
    *len = w->len;
    if (w->len > w->cap) {
        if (w->cap > 0)
            w->buf[0] = '\0';
        return TIPC_ENOSPC;
    }
    if (w->len < w->cap)
        w->buf[w->len] = '\0';
    return TIPC_OK;
}

int
tipc_order_encode(const tipc_order *o, char *buf, size_t cap, size_t *len)
{
    struct jw w = {buf, cap, 0};

    assert(o != NULL && len != NULL && (buf != NULL || cap == 0));
    const tipc_signal_info *sg = &o->signal;
    const char *side = tipc_side_name(o->side), *rule = tipc_rule_name(sg->rule);
    if (order_check(o, NULL, 0) != TIPC_OK) {
        *len = 0;
        if (cap > 0)
            buf[0] = '\0';
        return TIPC_EBADVAL;
    }
    JW_LIT(&w, "{\"id\":\"");
    jw_str(&w, o->client_order_id, strlen(o->client_order_id));
    JW_LIT(&w, "\",\"symbol\":\"");
    jw_str(&w, o->symbol, strlen(o->symbol));
    JW_LIT(&w, "\",\"side\":\"");
    jw_put(&w, side, strlen(side));
    JW_LIT(&w, "\",\"qty\":");
    jw_u64(&w, o->quantity);
    JW_LIT(&w, ",\"price\":");
    jw_price(&w, o->price);
    JW_LIT(&w, ",\"strategy\":\"");
    jw_str(&w, o->strategy, strlen(o->strategy));
    JW_LIT(&w, "\",\"signal\":{\"rule\":\"");
    jw_put(&w, rule, strlen(rule));
    JW_LIT(&w, "\"");
    if (sg->rule == TIPC_RULE_MA_CROSS) {
        JW_LIT(&w, ",\"short_window\":");
        jw_u64(&w, sg->short_window);
        JW_LIT(&w, ",\"long_window\":");
        jw_u64(&w, sg->long_window);
        JW_LIT(&w, ",\"short_ma\":");
        jw_price(&w, sg->short_ma);
        JW_LIT(&w, ",\"long_ma\":");
        jw_price(&w, sg->long_ma);
    } else if (sg->rule == TIPC_RULE_SENTIMENT) {
        JW_LIT(&w, ",\"sentiment\":");
        jw_u64(&w, (uint64_t)sg->sentiment);
        JW_LIT(&w, ",\"threshold\":");
        jw_u64(&w, (uint64_t)sg->threshold);
    }
    JW_LIT(&w, "},\"tick_ns\":");
    jw_u64(&w, o->tick_ns);
    JW_LIT(&w, ",\"send_ns\":");
    jw_u64(&w, o->send_ns);
    JW_LIT(&w, "}");
    return jw_finish(&w, len);
}

int
tipc_ack_encode(const tipc_ack *a, char *buf, size_t cap, size_t *len)
{
    struct jw w = {buf, cap, 0};

    assert(a != NULL && len != NULL && (buf != NULL || cap == 0));
    const char *status = status_name(a->status);
    if (ack_check(a, NULL, 0) != TIPC_OK) {
        *len = 0;
        if (cap > 0)
            buf[0] = '\0';
        return TIPC_EBADVAL;
    }
    JW_LIT(&w, "{\"id\":\"");
    jw_str(&w, a->client_order_id, strlen(a->client_order_id));
    JW_LIT(&w, "\",\"order_id\":");
    jw_u64(&w, a->order_id);
    JW_LIT(&w, ",\"status\":\"");
    jw_put(&w, status, strlen(status));
    if (a->duplicate)
        JW_LIT(&w, "\",\"duplicate\":true,\"reason\":\"");
    else
        JW_LIT(&w, "\",\"duplicate\":false,\"reason\":\"");
    jw_str(&w, a->reason, strlen(a->reason));
    JW_LIT(&w, "\",\"order_send_ns\":");
    jw_u64(&w, a->order_send_ns);
    JW_LIT(&w, ",\"recv_ns\":");
    jw_u64(&w, a->recv_ns);
    JW_LIT(&w, ",\"ack_ns\":");
    jw_u64(&w, a->ack_ns);
    JW_LIT(&w, "}");
    return jw_finish(&w, len);
}

/* ---- decoding ---------------------------------------------------------- */

struct jr {
    char *why;
    size_t whylen;
    const char *prefix; /* "" or "signal." */
};

static const char *
json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* Look up a required key of the wanted type; JSON_REAL stands for any number
 * and JSON_TRUE for either boolean. */
static int
jr_get(const struct jr *r, const json_t *obj, const char *key, json_type want, json_t **out)
{
    static const char *const want_name[] = {
        [JSON_OBJECT] = "object",   [JSON_ARRAY] = "array", [JSON_STRING] = "string",
        [JSON_INTEGER] = "integer", [JSON_REAL] = "number", [JSON_TRUE] = "boolean",
    };
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        tipc__why(r->why, r->whylen, "%s%s: missing", r->prefix, key);
        return TIPC_EMISSING;
    }
    bool ok = want == JSON_REAL   ? json_is_number(v)
              : want == JSON_TRUE ? json_is_boolean(v)
                                  : json_typeof(v) == want;
    if (!ok) {
        tipc__why(r->why, r->whylen, "%s%s: expected %s, got %s", r->prefix, key, want_name[want],
                  json_type_name(v));
        return TIPC_ETYPE;
    }
    *out = v;
    return TIPC_OK;
}

/* A string field copied NUL-padded into dst; content rules are left to *_check. */
static int
jr_str(const struct jr *r, const json_t *obj, const char *key, char *dst, size_t cap)
{
    json_t *v;
    int rc = jr_get(r, obj, key, JSON_STRING, &v);

    if (rc != TIPC_OK)
        return rc;
    size_t n = json_string_length(v);
    if (n >= cap) {
        tipc__why(r->why, r->whylen, "%s%s: longer than %zu bytes (%zu)", r->prefix, key, cap - 1,
                  n);
        return TIPC_EBADVAL;
    }
    memset(dst, 0, cap);
    memcpy(dst, json_string_value(v), n);
    return TIPC_OK;
}

static int
jr_int(const struct jr *r, const json_t *obj, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v;
    int rc = jr_get(r, obj, key, JSON_INTEGER, &v);

    if (rc != TIPC_OK)
        return rc;
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi) {
        if (hi < UINT32_MAX)
            tipc__why(r->why, r->whylen,
                      "%s%s: must be an integer in %" PRId64 "..%" PRId64
                      ", got %" JSON_INTEGER_FORMAT,
                      r->prefix, key, lo, hi, i);
        else if (i < lo)
            tipc__why(r->why, r->whylen, "%s%s: must be a %s integer, got %" JSON_INTEGER_FORMAT,
                      r->prefix, key, lo == 1 ? "positive" : "non-negative", i);
        else
            tipc__why(r->why, r->whylen,
                      "%s%s: must be at most %" PRId64 ", got %" JSON_INTEGER_FORMAT, r->prefix,
                      key, hi, i);
        return TIPC_EBADVAL;
    }
    *out = i;
    return TIPC_OK;
}

static int
jr_u32(const struct jr *r, const json_t *obj, const char *key, int64_t lo, uint32_t *out)
{
    int64_t v;
    int rc = jr_int(r, obj, key, lo, UINT32_MAX, &v);
    if (rc == TIPC_OK)
        *out = (uint32_t)v;
    return rc;
}

static int
jr_i32(const struct jr *r, const json_t *obj, const char *key, int64_t lo, int64_t hi, int32_t *out)
{
    int64_t v;
    int rc = jr_int(r, obj, key, lo, hi, &v);
    if (rc == TIPC_OK)
        *out = (int32_t)v;
    return rc;
}

static int
jr_u64(const struct jr *r, const json_t *obj, const char *key, uint64_t *out)
{
    int64_t v;
    int rc = jr_int(r, obj, key, 0, TIPC_JSON_INT_MAX, &v);
    if (rc == TIPC_OK)
        *out = (uint64_t)v;
    return rc;
}

static int
jr_price(const struct jr *r, const json_t *obj, const char *key, int64_t *out)
{
    const double max = (double)(TIPC_JSON_PRICE_MAX / TIPC_PRICE_SCALE);
    json_t *v;
    int rc = jr_get(r, obj, key, JSON_REAL, &v);

    if (rc != TIPC_OK)
        return rc;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i <= 0 || i > TIPC_JSON_PRICE_MAX / TIPC_PRICE_SCALE)
            goto range;
        *out = (int64_t)i * TIPC_PRICE_SCALE;
        return TIPC_OK;
    }
    double d = json_real_value(v);
    if (!isfinite(d) || !(d > 0) || d > max) /* jansson never yields NaN or inf; stay safe */
        goto range;
    double scaled = d * TIPC_PRICE_SCALE, units = nearbyint(scaled);
    if (fabs(scaled - units) > scaled * 0x1p-51) {
        tipc__why(r->why, r->whylen, "%s%s: more than 4 decimal places, got %.17g", r->prefix, key,
                  d);
        return TIPC_EBADVAL;
    }
    if (units < 1)
        goto range;
    *out = (int64_t)units;
    return TIPC_OK;
range:
    tipc__why(r->why, r->whylen, "%s%s: must be > 0 and at most 100000000000.0000, got %.17g",
              r->prefix, key, json_number_value(v));
    return TIPC_EBADVAL;
}

/* ---- The fast path: our own encoders' exact output ----------------------
 *
 * Almost every order and ack on the wire was written by the encoders above:
 * the same keys in the same order, no white space, no escapes. fp_* read that
 * one form directly (about 30x faster than building a jansson tree, and with
 * no allocation) and give up on the first byte that differs from it; the
 * caller then runs the general jansson path, which alone produces errors.
 * So the fast path only ever accepts input that the general path accepts
 * with the same result: strings are plain printable ASCII, integers have no
 * sign, exponent or leading zero, prices at most 4 decimals (exact in both). */
struct fp {
    const char *p, *end;
};

static inline bool
eq8(const char *a, const char *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x == y;
}

static inline bool
eq4(const char *a, const char *b)
{
    uint32_t x, y;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    return x == y;
}

/* The literals are 1..24 bytes: compared inline in overlapping 8- or 4-byte
 * words, cheaper than a call to the C library's memcmp. */
static inline bool
fp_lit(struct fp *f, const char *lit, size_t n)
{
    const char *p = f->p;
    bool eq;

    if ((size_t)(f->end - p) < n)
        return false;
    if (n >= 8) {
        eq = eq8(p + n - 8, lit + n - 8);
        for (size_t i = 0; eq && i + 8 < n; i += 8)
            eq = eq8(p + i, lit + i);
    } else if (n >= 4) {
        eq = eq4(p, lit) && eq4(p + n - 4, lit + n - 4);
    } else {
        eq = true;
        for (size_t i = 0; i < n; i++)
            eq = eq && p[i] == lit[i];
    }
    if (eq)
        f->p = p + n;
    return eq;
}

#define FP_LIT(f, lit) fp_lit((f), "" lit, sizeof(lit) - 1)

/* A string body up to its closing quote (consumed), NUL-padded into dst. */
static bool
fp_str(struct fp *f, char *dst, size_t cap)
{
    const char *s = f->p;

    while (f->p < f->end && *f->p != '"') {
        unsigned char c = (unsigned char)*f->p;
        if (c < 0x20 || c > 0x7e || c == '\\')
            return false;
        f->p++;
    }
    size_t n = (size_t)(f->p - s);
    if (f->p == f->end || n >= cap)
        return false;
    memset(dst, 0, cap);
    memcpy(dst, s, n);
    f->p++;
    return true;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Whether the 8 bytes of x (little-endian) are all ASCII digits. */
static inline bool
swar_all_digits(uint64_t x)
{
    return ((x & 0xf0f0f0f0f0f0f0f0ull) |
            (((x + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) >> 4)) == 0x3333333333333333ull;
}

/* The value of 8 ASCII digits (the first byte most significant): pairs,
 * then quads, then the two halves, three multiplies in all. */
static inline uint32_t
swar_8digits(uint64_t x)
{
    x -= 0x3030303030303030ull;
    x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
    x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
    return (uint32_t)((x * 10000 + (x >> 32)) & 0xffffffffull);
}
#endif

/* Unsigned decimal digits without a leading zero; *ndig gets their count.
 * Runs of 8 go through swar_* (nanosecond times have 19 digits). */
static bool
fp_digits(struct fp *f, uint64_t *out, int *ndig)
{
    const char *s = f->p;
    uint64_t v = 0;
    int n = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (n <= 11 && f->end - f->p >= 8) {
        uint64_t x;
        memcpy(&x, f->p, 8);
        if (!swar_all_digits(x))
            break;
        v = v * 100000000u + swar_8digits(x);
        f->p += 8;
        n += 8;
    }
#endif
    while (f->p < f->end && *f->p >= '0' && *f->p <= '9' && n < 20) {
        v = v * 10u + (uint64_t)(*f->p - '0');
        f->p++;
        n++;
    }
    /* 19 digits cannot overflow; 20 might, and "01" is not JSON. */
    if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
        return false;
    *out = v;
    *ndig = n;
    return true;
}

/* An integer in lo..hi (hi <= INT64_MAX), not followed by a fraction or exponent. */
static bool
fp_int(struct fp *f, uint64_t lo, uint64_t hi, uint64_t *out)
{
    int n;

    if (!fp_digits(f, out, &n) || *out < lo || *out > hi)
        return false;
    return f->p < f->end && *f->p != '.' && *f->p != 'e' && *f->p != 'E';
}

/* A price: "123", "123.4" ... "123.4567", > 0 and at most TIPC_JSON_PRICE_MAX. */
static bool
fp_price(struct fp *f, int64_t *out)
{
    uint64_t ip, fr = 0;
    int n, nf = 0;

    if (!fp_digits(f, &ip, &n) || n > 12)
        return false;
    if (f->p < f->end && *f->p == '.') {
        f->p++;
        while (f->p < f->end && *f->p >= '0' && *f->p <= '9' && nf < 5) {
            fr = fr * 10u + (uint64_t)(*f->p - '0');
            f->p++;
            nf++;
        }
        if (nf == 0 || nf > 4)
            return false;
        for (int k = nf; k < 4; k++)
            fr *= 10u;
    }
    if (f->p == f->end || *f->p == 'e' || *f->p == 'E')
        return false;
    uint64_t units = ip * (uint64_t)TIPC_PRICE_SCALE + fr;
    if (units == 0 || units > (uint64_t)TIPC_JSON_PRICE_MAX)
        return false;
    *out = (int64_t)units;
    return true;
}

static bool
fp_order(const char *json, size_t len, tipc_order *o)
{
    struct fp f = {json, json + len};
    char side[8], rule[16];
    uint64_t v;

    memset(o, 0, sizeof *o);
    if (!FP_LIT(&f, "{\"id\":\"") || !fp_str(&f, o->client_order_id, sizeof o->client_order_id) ||
        !FP_LIT(&f, ",\"symbol\":\"") || !fp_str(&f, o->symbol, sizeof o->symbol) ||
        !FP_LIT(&f, ",\"side\":\"") || !fp_str(&f, side, sizeof side) ||
        tipc_side_parse(side, &o->side) != TIPC_OK || !FP_LIT(&f, ",\"qty\":") ||
        !fp_int(&f, 1, UINT32_MAX, &v))
        return false;
    o->quantity = (uint32_t)v;
    if (!FP_LIT(&f, ",\"price\":") || !fp_price(&f, &o->price) || !FP_LIT(&f, ",\"strategy\":\"") ||
        !fp_str(&f, o->strategy, sizeof o->strategy) || !FP_LIT(&f, ",\"signal\":{\"rule\":\"") ||
        !fp_str(&f, rule, sizeof rule) || tipc_rule_parse(rule, &o->signal.rule) != TIPC_OK)
        return false;
    if (o->signal.rule == TIPC_RULE_MA_CROSS) {
        if (!FP_LIT(&f, ",\"short_window\":") || !fp_int(&f, 1, UINT32_MAX, &v))
            return false;
        o->signal.short_window = (uint32_t)v;
        if (!FP_LIT(&f, ",\"long_window\":") || !fp_int(&f, 1, UINT32_MAX, &v))
            return false;
        o->signal.long_window = (uint32_t)v;
        if (!FP_LIT(&f, ",\"short_ma\":") || !fp_price(&f, &o->signal.short_ma) ||
            !FP_LIT(&f, ",\"long_ma\":") || !fp_price(&f, &o->signal.long_ma))
            return false;
    } else if (o->signal.rule == TIPC_RULE_SENTIMENT) {
        if (!FP_LIT(&f, ",\"sentiment\":") ||
            !fp_int(&f, TIPC_SENTIMENT_MIN, TIPC_SENTIMENT_MAX, &v))
            return false;
        o->signal.sentiment = (int32_t)v;
        if (!FP_LIT(&f, ",\"threshold\":") ||
            !fp_int(&f, TIPC_SENTIMENT_MIN, TIPC_SENTIMENT_MAX, &v))
            return false;
        o->signal.threshold = (int32_t)v;
    }
    if (!FP_LIT(&f, "},\"tick_ns\":") || !fp_int(&f, 0, TIPC_JSON_INT_MAX, &o->tick_ns) ||
        !FP_LIT(&f, ",\"send_ns\":") || !fp_int(&f, 0, TIPC_JSON_INT_MAX, &o->send_ns) ||
        !FP_LIT(&f, "}"))
        return false;
    return f.p == f.end;
}

static bool
fp_ack(const char *json, size_t len, tipc_ack *a)
{
    struct fp f = {json, json + len};
    char status[16];

    memset(a, 0, sizeof *a);
    if (!FP_LIT(&f, "{\"id\":\"") || !fp_str(&f, a->client_order_id, sizeof a->client_order_id) ||
        !FP_LIT(&f, ",\"order_id\":") || !fp_int(&f, 0, TIPC_JSON_INT_MAX, &a->order_id) ||
        !FP_LIT(&f, ",\"status\":\"") || !fp_str(&f, status, sizeof status))
        return false;
    if (strcmp(status, "accepted") == 0)
        a->status = TIPC_ACK_ACCEPTED;
    else if (strcmp(status, "rejected") == 0)
        a->status = TIPC_ACK_REJECTED;
    else
        return false;
    if (FP_LIT(&f, ",\"duplicate\":true"))
        a->duplicate = 1;
    else if (!FP_LIT(&f, ",\"duplicate\":false"))
        return false;
    if (!FP_LIT(&f, ",\"reason\":\"") || !fp_str(&f, a->reason, sizeof a->reason) ||
        !FP_LIT(&f, ",\"order_send_ns\":") ||
        !fp_int(&f, 0, TIPC_JSON_INT_MAX, &a->order_send_ns) || !FP_LIT(&f, ",\"recv_ns\":") ||
        !fp_int(&f, 0, TIPC_JSON_INT_MAX, &a->recv_ns) || !FP_LIT(&f, ",\"ack_ns\":") ||
        !fp_int(&f, 0, TIPC_JSON_INT_MAX, &a->ack_ns) || !FP_LIT(&f, "}"))
        return false;
    return f.p == f.end;
}

/* Parse, check the root is an object, and translate jansson's failures. */
static int
jr_load(const char *json, size_t len, char *why, size_t whylen, json_t **root)
{
    json_error_t err;

    assert(json != NULL || len == 0);
    if (len > TIPC_ORDER_JSON_MAX) {
        tipc__why(why, whylen, "message: %zu bytes, more than the %d allowed", len,
                  TIPC_ORDER_JSON_MAX);
        return TIPC_EMSGSIZE;
    }
    if (len == 0) {
        tipc__why(why, whylen, "message: empty input");
        return TIPC_EPROTO;
    }
    *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (*root == NULL) {
        tipc__why(why, whylen, "message: invalid JSON at line %d column %d: %s", err.line,
                  err.column, err.text);
#if JANSSON_VERSION_HEX >= 0x020b00
        if (json_error_code(&err) == json_error_out_of_memory)
            return TIPC_ENOMEM;
#endif
        return TIPC_EPROTO;
    }
    if (!json_is_object(*root)) {
        tipc__why(why, whylen, "message: expected object, got %s", json_type_name(*root));
        json_decref(*root);
        return TIPC_ETYPE;
    }
    return TIPC_OK;
}

/* Peer text ends up in why (jansson's error, the strings we echo); keep the
 * line printable so it cannot forge log lines. */
static void
why_sanitize(char *why, size_t whylen)
{
    if (why == NULL || whylen == 0)
        return;
    for (char *p = why; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static int
order_fields(const json_t *root, tipc_order *o, char *why, size_t whylen)
{
    struct jr r = {why, whylen, ""};
    char side[8], rule[16];
    json_t *sig;
    int rc;

    if ((rc = jr_str(&r, root, "id", o->client_order_id, sizeof o->client_order_id)) ||
        (rc = jr_str(&r, root, "symbol", o->symbol, sizeof o->symbol)) ||
        (rc = jr_str(&r, root, "side", side, sizeof side)))
        return rc;
    if (tipc_side_parse(side, &o->side) != TIPC_OK) {
        tipc__why(why, whylen, "side: must be \"BUY\" or \"SELL\", got \"%s\"", side);
        return TIPC_EBADVAL;
    }
    if ((rc = jr_u32(&r, root, "qty", 1, &o->quantity)) ||
        (rc = jr_price(&r, root, "price", &o->price)) ||
        (rc = jr_str(&r, root, "strategy", o->strategy, sizeof o->strategy)) ||
        (rc = jr_get(&r, root, "signal", JSON_OBJECT, &sig)))
        return rc;
    r.prefix = "signal.";
    if ((rc = jr_str(&r, sig, "rule", rule, sizeof rule)))
        return rc;
    if (tipc_rule_parse(rule, &o->signal.rule) != TIPC_OK) {
        tipc__why(why, whylen,
                  "signal.rule: must be \"ma_cross\", \"sentiment\" or \"manual\", got \"%s\"",
                  rule);
        return TIPC_EBADVAL;
    }
    if (o->signal.rule == TIPC_RULE_MA_CROSS) {
        if ((rc = jr_u32(&r, sig, "short_window", 1, &o->signal.short_window)) ||
            (rc = jr_u32(&r, sig, "long_window", 1, &o->signal.long_window)) ||
            (rc = jr_price(&r, sig, "short_ma", &o->signal.short_ma)) ||
            (rc = jr_price(&r, sig, "long_ma", &o->signal.long_ma)))
            return rc;
    } else if (o->signal.rule == TIPC_RULE_SENTIMENT) {
        if ((rc = jr_i32(&r, sig, "sentiment", TIPC_SENTIMENT_MIN, TIPC_SENTIMENT_MAX,
                         &o->signal.sentiment)) ||
            (rc = jr_i32(&r, sig, "threshold", TIPC_SENTIMENT_MIN, TIPC_SENTIMENT_MAX,
                         &o->signal.threshold)))
            return rc;
    }
    r.prefix = "";
    if ((rc = jr_u64(&r, root, "tick_ns", &o->tick_ns)) ||
        (rc = jr_u64(&r, root, "send_ns", &o->send_ns)))
        return rc;
    return order_check(o, why, whylen);
}

int
tipc_order_decode_ex(const char *json, size_t len, tipc_order *out, char *why, size_t whylen)
{
    tipc_order o;
    json_t *root;

    assert(out != NULL);
    int rc;
    if (len <= TIPC_ORDER_JSON_MAX && len > 0 && fp_order(json, len, &o)) {
        rc = order_check(&o, why, whylen); /* what order_fields ends with */
    } else if ((rc = jr_load(json, len, why, whylen, &root)) == TIPC_OK) {
        memset(&o, 0, sizeof o);
        rc = order_fields(root, &o, why, whylen);
        json_decref(root);
    }
    if (rc != TIPC_OK) {
        why_sanitize(why, whylen);
        return rc;
    }
    *out = o;
    return TIPC_OK;
}

int
tipc_order_decode(const char *json, size_t len, tipc_order *out)
{
    return tipc_order_decode_ex(json, len, out, NULL, 0);
}

static int
ack_fields(const json_t *root, tipc_ack *a, char *why, size_t whylen)
{
    struct jr r = {why, whylen, ""};
    char status[16];
    json_t *dup;
    int rc;

    if ((rc = jr_str(&r, root, "id", a->client_order_id, sizeof a->client_order_id)) ||
        (rc = jr_u64(&r, root, "order_id", &a->order_id)) ||
        (rc = jr_str(&r, root, "status", status, sizeof status)))
        return rc;
    if (strcmp(status, "accepted") == 0)
        a->status = TIPC_ACK_ACCEPTED;
    else if (strcmp(status, "rejected") == 0)
        a->status = TIPC_ACK_REJECTED;
    else {
        tipc__why(why, whylen, "status: must be \"accepted\" or \"rejected\", got \"%s\"", status);
        return TIPC_EBADVAL;
    }
    if ((rc = jr_get(&r, root, "duplicate", JSON_TRUE, &dup)))
        return rc;
    a->duplicate = json_is_true(dup);
    if ((rc = jr_str(&r, root, "reason", a->reason, sizeof a->reason)) ||
        (rc = jr_u64(&r, root, "order_send_ns", &a->order_send_ns)) ||
        (rc = jr_u64(&r, root, "recv_ns", &a->recv_ns)) ||
        (rc = jr_u64(&r, root, "ack_ns", &a->ack_ns)))
        return rc;
    return ack_check(a, why, whylen);
}

int
tipc_ack_decode_ex(const char *json, size_t len, tipc_ack *out, char *why, size_t whylen)
{
    tipc_ack a;
    json_t *root;

    assert(out != NULL);
    int rc;
    if (len <= TIPC_ORDER_JSON_MAX && len > 0 && fp_ack(json, len, &a)) {
        rc = ack_check(&a, why, whylen); /* what ack_fields ends with */
    } else if ((rc = jr_load(json, len, why, whylen, &root)) == TIPC_OK) {
        memset(&a, 0, sizeof a);
        rc = ack_fields(root, &a, why, whylen);
        json_decref(root);
    }
    if (rc != TIPC_OK) {
        why_sanitize(why, whylen);
        return rc;
    }
    *out = a;
    return TIPC_OK;
}

int
tipc_ack_decode(const char *json, size_t len, tipc_ack *out)
{
    return tipc_ack_decode_ex(json, len, out, NULL, 0);
}
