/* SPDX-License-Identifier: MIT */
/*
 * codec: msgpack ticks/news and JSON orders/acks. Golden vectors under
 * tests/data/codec pin the wire formats; interop cases check that stock
 * msgpack-c and jansson agree with us; truncation and mutation loops feed
 * exact-size heap copies, so under ASan or valgrind any read past the input
 * is caught.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "tipc_check.h"

#define DATADIR TIPC_TEST_DATADIR "/codec"

/* ck_assert records a checkpoint on every call (a pipe write in fork mode),
 * which dominates loops of thousands of iterations; REQUIRE costs nothing
 * until it fails. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

/* ---- helpers ------------------------------------------------------------ */

static int
code_from_name(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } table[] = {
#define TIPC_X_ROW(n, value, msg) {#n, value},
        TIPC_ERROR_MAP(TIPC_X_ROW)
#undef TIPC_X_ROW
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].code;
    ck_abort_msg("unknown error name %s", name);
    return 0;
}

/* Whole file into a malloc'd buffer of exactly its size (plus a NUL not counted). */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (strcmp(hex, "-") == 0)
        return 0;
    ck_assert_msg(n % 2 == 0 && n / 2 <= cap, "bad hex %s", hex);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

/* A heap copy of exactly n bytes, so a read past the end is a sanitizer error. */
static void *
exact_copy(const void *src, size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    REQUIRE(p != NULL, "out of memory");
    if (n > 0)
        memcpy(p, src, n);
    return p;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* key/value lines of tick.txt and news.txt */
static const char *
kv_get(const char *text, const char *key, char *val, size_t cap)
{
    size_t kl = strlen(key);
    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            ck_assert_int_eq(sscanf(p + kl + 1, "%s", val), 1);
            ck_assert_uint_lt(strlen(val), cap);
            return val;
        }
    }
    ck_abort_msg("key %s not found", key);
    return NULL;
}

static tipc_tick
golden_tick(uint8_t *bytes, size_t *n)
{
    size_t len;
    char *text = slurp(DATADIR "/tick.txt", &len), v[128];
    tipc_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", kv_get(text, "symbol", v, sizeof v));
    t.price = strtoll(kv_get(text, "price", v, sizeof v), NULL, 10);
    t.event_ns = strtoull(kv_get(text, "event_ns", v, sizeof v), NULL, 10);
    t.send_ns = strtoull(kv_get(text, "send_ns", v, sizeof v), NULL, 10);
    t.seq = strtoull(kv_get(text, "seq", v, sizeof v), NULL, 10);
    *n = unhex(kv_get(text, "hex", v, sizeof v), bytes, 64);
    free(text);
    return t;
}

static tipc_news
golden_news(uint8_t *bytes, size_t *n)
{
    size_t len;
    char *text = slurp(DATADIR "/news.txt", &len), v[128];
    tipc_news x;
    memset(&x, 0, sizeof x);
    snprintf(x.symbol, sizeof x.symbol, "%s", kv_get(text, "symbol", v, sizeof v));
    x.sentiment = (int32_t)strtol(kv_get(text, "sentiment", v, sizeof v), NULL, 10);
    x.event_ns = strtoull(kv_get(text, "event_ns", v, sizeof v), NULL, 10);
    x.send_ns = strtoull(kv_get(text, "send_ns", v, sizeof v), NULL, 10);
    x.seq = strtoull(kv_get(text, "seq", v, sizeof v), NULL, 10);
    *n = unhex(kv_get(text, "hex", v, sizeof v), bytes, 64);
    free(text);
    return x;
}

static tipc_tick
make_tick(const char *sym, int64_t price, uint64_t ev, uint64_t sd, uint64_t seq)
{
    tipc_tick t;
    memset(&t, 0, sizeof t);
    snprintf(t.symbol, sizeof t.symbol, "%s", sym);
    t.price = price;
    t.event_ns = ev;
    t.send_ns = sd;
    t.seq = seq;
    return t;
}

static tipc_news
make_news(const char *sym, int32_t sentiment, uint64_t ev, uint64_t sd, uint64_t seq)
{
    tipc_news n;
    memset(&n, 0, sizeof n);
    snprintf(n.symbol, sizeof n.symbol, "%s", sym);
    n.sentiment = sentiment;
    n.event_ns = ev;
    n.send_ns = sd;
    n.seq = seq;
    return n;
}

static tipc_order
make_order(tipc_rule rule)
{
    tipc_order o;
    memset(&o, 0, sizeof o);
    strcpy(o.client_order_id, "mom-17");
    strcpy(o.symbol, "AAPL");
    o.side = TIPC_SIDE_BUY;
    o.quantity = 100;
    o.price = 1640500;
    strcpy(o.strategy, "mom");
    o.signal.rule = rule;
    if (rule == TIPC_RULE_MA_CROSS) {
        o.signal.short_window = 5;
        o.signal.long_window = 20;
        o.signal.short_ma = 1641000;
        o.signal.long_ma = 1639000;
    } else if (rule == TIPC_RULE_SENTIMENT) {
        o.signal.sentiment = 82;
        o.signal.threshold = 70;
    }
    o.tick_ns = 1700000000123460000u;
    o.send_ns = 1700000000123470000u;
    return o;
}

static tipc_ack
make_ack(tipc_ack_status st, const char *reason)
{
    tipc_ack a;
    memset(&a, 0, sizeof a);
    strcpy(a.client_order_id, "mom-17");
    a.status = st;
    a.order_id = st == TIPC_ACK_ACCEPTED ? 42 : 0;
    snprintf(a.reason, sizeof a.reason, "%s", reason);
    a.order_send_ns = 1700000000123470000u;
    a.recv_ns = 1700000000123480000u;
    a.ack_ns = 1700000000123490000u;
    return a;
}

#define ck_assert_tick_eq(a, b)                                                                    \
    do {                                                                                           \
        ck_assert_str_eq((a).symbol, (b).symbol);                                                  \
        ck_assert_int_eq((a).price, (b).price);                                                    \
        ck_assert_uint_eq((a).event_ns, (b).event_ns);                                             \
        ck_assert_uint_eq((a).send_ns, (b).send_ns);                                               \
        ck_assert_uint_eq((a).seq, (b).seq);                                                       \
    } while (0)

#define ck_assert_news_eq(a, b)                                                                    \
    do {                                                                                           \
        ck_assert_str_eq((a).symbol, (b).symbol);                                                  \
        ck_assert_int_eq((a).sentiment, (b).sentiment);                                            \
        ck_assert_uint_eq((a).event_ns, (b).event_ns);                                             \
        ck_assert_uint_eq((a).send_ns, (b).send_ns);                                               \
        ck_assert_uint_eq((a).seq, (b).seq);                                                       \
    } while (0)

static void
assert_order_eq(const tipc_order *a, const tipc_order *b)
{
    /* Strings compare as whole arrays: decoders NUL-pad them. */
    ck_assert_int_eq(memcmp(a->client_order_id, b->client_order_id, sizeof a->client_order_id), 0);
    ck_assert_int_eq(memcmp(a->symbol, b->symbol, sizeof a->symbol), 0);
    ck_assert_int_eq(a->side, b->side);
    ck_assert_uint_eq(a->quantity, b->quantity);
    ck_assert_int_eq(a->price, b->price);
    ck_assert_int_eq(memcmp(a->strategy, b->strategy, sizeof a->strategy), 0);
    ck_assert_int_eq(a->signal.rule, b->signal.rule);
    ck_assert_uint_eq(a->signal.short_window, b->signal.short_window);
    ck_assert_uint_eq(a->signal.long_window, b->signal.long_window);
    ck_assert_int_eq(a->signal.short_ma, b->signal.short_ma);
    ck_assert_int_eq(a->signal.long_ma, b->signal.long_ma);
    ck_assert_int_eq(a->signal.sentiment, b->signal.sentiment);
    ck_assert_int_eq(a->signal.threshold, b->signal.threshold);
    ck_assert_uint_eq(a->tick_ns, b->tick_ns);
    ck_assert_uint_eq(a->send_ns, b->send_ns);
}

static void
assert_ack_eq(const tipc_ack *a, const tipc_ack *b)
{
    ck_assert_int_eq(memcmp(a->client_order_id, b->client_order_id, sizeof a->client_order_id), 0);
    ck_assert_uint_eq(a->order_id, b->order_id);
    ck_assert_int_eq(a->status, b->status);
    ck_assert_int_eq(a->duplicate, b->duplicate);
    ck_assert_int_eq(memcmp(a->reason, b->reason, sizeof a->reason), 0);
    ck_assert_uint_eq(a->order_send_ns, b->order_send_ns);
    ck_assert_uint_eq(a->recv_ns, b->recv_ns);
    ck_assert_uint_eq(a->ack_ns, b->ack_ns);
}

static void
tick_round_trip(const tipc_tick *t, size_t want_len)
{
    uint8_t buf[TIPC_TICK_ENCODED_MAX];
    size_t len = 0;
    tipc_tick back;
    ck_assert_tipc_ok(tipc_tick_encode(t, buf, sizeof buf, &len));
    if (want_len)
        ck_assert_uint_eq(len, want_len);
    uint8_t *copy = exact_copy(buf, len);
    ck_assert_tipc_ok(tipc_tick_decode(copy, len, &back));
    free(copy);
    ck_assert_tick_eq(back, *t);
    ck_assert_int_eq(memcmp(back.symbol, t->symbol, sizeof back.symbol), 0);
}

static void
news_round_trip(const tipc_news *n, size_t want_len)
{
    uint8_t buf[TIPC_NEWS_ENCODED_MAX];
    size_t len = 0;
    tipc_news back;
    ck_assert_tipc_ok(tipc_news_encode(n, buf, sizeof buf, &len));
    if (want_len)
        ck_assert_uint_eq(len, want_len);
    uint8_t *copy = exact_copy(buf, len);
    ck_assert_tipc_ok(tipc_news_decode(copy, len, &back));
    free(copy);
    ck_assert_news_eq(back, *n);
    ck_assert_int_eq(memcmp(back.symbol, n->symbol, sizeof back.symbol), 0);
}

static void
order_round_trip(const tipc_order *o)
{
    char buf[TIPC_ORDER_JSON_MAX], why[256] = "";
    size_t len = 0;
    tipc_order back;
    ck_assert_tipc_ok(tipc_order_encode(o, buf, sizeof buf, &len));
    ck_assert_uint_eq(strlen(buf), len);
    char *copy = exact_copy(buf, len);
    int rc = tipc_order_decode_ex(copy, len, &back, why, sizeof why);
    ck_assert_msg(rc == TIPC_OK, "%s: %s", buf, why);
    free(copy);
    assert_order_eq(&back, o);
}

static void
ack_round_trip(const tipc_ack *a)
{
    char buf[TIPC_ORDER_JSON_MAX], why[256] = "";
    size_t len = 0;
    tipc_ack back;
    ck_assert_tipc_ok(tipc_ack_encode(a, buf, sizeof buf, &len));
    ck_assert_uint_eq(strlen(buf), len);
    char *copy = exact_copy(buf, len);
    int rc = tipc_ack_decode_ex(copy, len, &back, why, sizeof why);
    ck_assert_msg(rc == TIPC_OK, "%s: %s", buf, why);
    free(copy);
    assert_ack_eq(&back, a);
}

/* ---- core --------------------------------------------------------------- */

START_TEST(test_codec_tick_golden_vector)
{
    uint8_t want[64], buf[TIPC_TICK_ENCODED_MAX];
    size_t wlen, len;
    tipc_tick t = golden_tick(want, &wlen), back;

    ck_assert_str_eq(t.symbol, "AAPL");
    ck_assert_int_eq(t.price, 1640500);
    ck_assert_tipc_ok(tipc_tick_encode(&t, buf, sizeof buf, &len));
    ck_assert_uint_eq(len, wlen);
    ck_assert_int_eq(memcmp(buf, want, len), 0);

    memset(&back, 0xa5, sizeof back);
    ck_assert_tipc_ok(tipc_tick_decode(want, wlen, &back));
    ck_assert_tick_eq(back, t);
    for (size_t i = strlen(back.symbol); i < sizeof back.symbol; i++)
        ck_assert_int_eq(back.symbol[i], 0);
}
END_TEST

START_TEST(test_codec_news_golden_vector)
{
    uint8_t want[64], buf[TIPC_NEWS_ENCODED_MAX];
    size_t wlen, len;
    tipc_news n = golden_news(want, &wlen), back;

    ck_assert_str_eq(n.symbol, "MSFT");
    ck_assert_int_eq(n.sentiment, 82);
    ck_assert_tipc_ok(tipc_news_encode(&n, buf, sizeof buf, &len));
    ck_assert_uint_eq(len, wlen);
    ck_assert_int_eq(memcmp(buf, want, len), 0);
    ck_assert_tipc_ok(tipc_news_decode(want, wlen, &back));
    ck_assert_news_eq(back, n);
}
END_TEST

START_TEST(test_codec_msgpack_vectors)
{
    uint8_t gt_bytes[64], gn_bytes[64], buf[128];
    size_t gtl, gnl, len, count = 0;
    tipc_tick gt = golden_tick(gt_bytes, &gtl);
    tipc_news gn = golden_news(gn_bytes, &gnl);
    char *text = slurp(DATADIR "/msgpack_vectors.txt", &len);

    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char kind[8], hex[300], code[32], why[200] = "";
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%7s %299s %31s", kind, hex, code), 3);
        size_t n = unhex(hex, buf, sizeof buf);
        uint8_t *in = exact_copy(buf, n);
        int want = code_from_name(code), rc;
        if (strcmp(kind, "tick") == 0) {
            tipc_tick t;
            rc = tipc_tick_decode_ex(in, n, &t, why, sizeof why);
            if (rc == TIPC_OK && want == TIPC_OK)
                ck_assert_tick_eq(t, gt);
        } else {
            tipc_news x;
            rc = tipc_news_decode_ex(in, n, &x, why, sizeof why);
            if (rc == TIPC_OK && want == TIPC_OK)
                ck_assert_news_eq(x, gn);
        }
        free(in);
        ck_assert_msg(rc == want, "%s: got %s, want %s (%s)", line, tipc_err_name(rc), code, why);
        if (want != TIPC_OK)
            ck_assert_msg(why[0] != '\0', "%s: no reason given", line);
        count++;
    }
    free(text);
    ck_assert_uint_ge(count, 50);
}
END_TEST

START_TEST(test_codec_tick_round_trip_boundaries)
{
    /* 15-byte symbol using every allowed class, the largest values everywhere: 53 bytes. */
    tipc_tick t = make_tick("Az09._-Az09._-Z", INT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX);
    tick_round_trip(&t, TIPC_TICK_ENCODED_MAX);
    t = make_tick("A", 1, 0, 0, 0);
    tick_round_trip(&t, 7);
    t = make_tick("BRK.B", 5000000000000, 1700000000000000000u, 1700000000000000001u, 1);
    tick_round_trip(&t, 0);
    /* every integer width boundary for price and seq */
    const uint64_t edges[] = {0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffffu, 0x100000000u};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        t = make_tick("X", (int64_t)edges[i], edges[i], edges[i] - 1, edges[i] + 1);
        tick_round_trip(&t, 0);
    }
}
END_TEST

START_TEST(test_codec_news_round_trip_boundaries)
{
    tipc_news n = make_news("ABCDEFGHIJKLMNO", 100, UINT64_MAX, UINT64_MAX, UINT64_MAX);
    news_round_trip(&n, TIPC_NEWS_ENCODED_MAX);
    n = make_news("Q", 0, 0, 0, 0);
    news_round_trip(&n, 7);
    for (int32_t s = TIPC_SENTIMENT_MIN; s <= TIPC_SENTIMENT_MAX; s++) {
        n = make_news("MSFT", s, 1, 2, (uint64_t)s);
        news_round_trip(&n, 0);
    }
}
END_TEST

START_TEST(test_codec_order_round_trip_each_rule)
{
    tipc_order o = make_order(TIPC_RULE_MA_CROSS);
    order_round_trip(&o);
    o = make_order(TIPC_RULE_SENTIMENT);
    order_round_trip(&o);
    o.signal.sentiment = 0;
    o.signal.threshold = 100;
    order_round_trip(&o);
    o = make_order(TIPC_RULE_MANUAL);
    order_round_trip(&o);

    /* boundaries */
    o = make_order(TIPC_RULE_MA_CROSS);
    strcpy(o.client_order_id, "abcdefghijklmnopqrstuvwxyz:.-_0"); /* 31 bytes */
    strcpy(o.strategy, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234");
    strcpy(o.symbol, "ABCDEFGHIJKLMN.");
    o.side = TIPC_SIDE_SELL;
    o.quantity = UINT32_MAX;
    o.price = TIPC_JSON_PRICE_MAX;
    o.signal.short_window = UINT32_MAX;
    o.signal.long_window = 1;
    o.signal.short_ma = TIPC_JSON_PRICE_MAX;
    o.signal.long_ma = 1;
    o.tick_ns = INT64_MAX;
    o.send_ns = 0;
    order_round_trip(&o);
    o.quantity = 1;
    o.price = 1;
    o.tick_ns = 0;
    o.send_ns = INT64_MAX;
    order_round_trip(&o);
}
END_TEST

START_TEST(test_codec_ack_round_trip)
{
    tipc_ack a = make_ack(TIPC_ACK_ACCEPTED, "");
    ack_round_trip(&a);
    a.duplicate = 1;
    ack_round_trip(&a);
    a = make_ack(TIPC_ACK_REJECTED, "qty: must be a positive integer, got -5");
    ack_round_trip(&a);
    a = make_ack(TIPC_ACK_REJECTED,
                 "quote \" backslash \\ nl \n tab \t cr \r bs \b ff \f "
                 "ctl \x01\x1f del \x7f utf8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    ack_round_trip(&a);
    memset(a.client_order_id, 0, sizeof a.client_order_id); /* an unreadable order's ack */
    ack_round_trip(&a);
    /* 127 control bytes: the longest escaped form */
    memset(a.reason, 0x01, TIPC_REASON_MAX);
    a.reason[TIPC_REASON_MAX] = '\0';
    ack_round_trip(&a);
    a.order_id = INT64_MAX;
    a.order_send_ns = 0;
    a.recv_ns = INT64_MAX;
    a.ack_ns = 0;
    ack_round_trip(&a);
}
END_TEST

START_TEST(test_codec_order_decode_fills_every_field)
{
    size_t len;
    char *json = slurp(DATADIR "/json/order_pretty.json", &len);
    tipc_order o;
    memset(&o, 0xa5, sizeof o);
    ck_assert_tipc_ok(tipc_order_decode(json, len, &o));
    free(json);
    ck_assert_str_eq(o.client_order_id, "mom-17");
    ck_assert_str_eq(o.symbol, "AAPL");
    ck_assert_int_eq(o.side, TIPC_SIDE_BUY);
    ck_assert_uint_eq(o.quantity, 100);
    ck_assert_int_eq(o.price, 1640500);
    ck_assert_str_eq(o.strategy, "mom");
    ck_assert_int_eq(o.signal.rule, TIPC_RULE_MA_CROSS);
    ck_assert_uint_eq(o.signal.short_window, 5);
    ck_assert_uint_eq(o.signal.long_window, 20);
    ck_assert_int_eq(o.signal.short_ma, 1641000);
    ck_assert_int_eq(o.signal.long_ma, 1639000);
    ck_assert_int_eq(o.signal.sentiment, 0);
    ck_assert_int_eq(o.signal.threshold, 0);
    ck_assert_uint_eq(o.tick_ns, 1700000000123460000u);
    ck_assert_uint_eq(o.send_ns, 1700000000123470000u);
    /* the same order as the canonical file */
    tipc_order want = make_order(TIPC_RULE_MA_CROSS);
    assert_order_eq(&o, &want);

    tipc_ack a;
    json = slurp(DATADIR "/json/ack_rejected.json", &len);
    ck_assert_tipc_ok(tipc_ack_decode(json, len, &a));
    free(json);
    ck_assert_str_eq(a.client_order_id, "mom-17");
    ck_assert_uint_eq(a.order_id, 0);
    ck_assert_int_eq(a.status, TIPC_ACK_REJECTED);
    ck_assert_int_eq(a.duplicate, 0);
    ck_assert_str_eq(a.reason, "qty 0: must be positive; \"quoted\" \\ back\nslash");
    ck_assert_uint_eq(a.order_send_ns, 1700000000123470000u);
    ck_assert_uint_eq(a.recv_ns, 1700000000123480000u);
    ck_assert_uint_eq(a.ack_ns, 1700000000123490000u);
}
END_TEST

START_TEST(test_codec_json_vectors)
{
    size_t len, count = 0;
    char *text = slurp(DATADIR "/json_vectors.txt", &len);

    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char kind[8], file[64], code[32], canon[16], path[512], why[300] = "", out[4096];
        size_t n, olen = 0;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%7s %63s %31s %15s", kind, file, code, canon), 4);
        snprintf(path, sizeof path, "%s/json/%s", DATADIR, file);
        char *raw = slurp(path, &n);
        char *in = exact_copy(raw, n); /* not NUL-terminated: the decoder must use len */
        int want = code_from_name(code), rc;
        if (strcmp(kind, "order") == 0) {
            tipc_order o;
            rc = tipc_order_decode_ex(in, n, &o, why, sizeof why);
            if (rc == TIPC_OK)
                ck_assert_tipc_ok(tipc_order_encode(&o, out, sizeof out, &olen));
        } else {
            tipc_ack a;
            rc = tipc_ack_decode_ex(in, n, &a, why, sizeof why);
            if (rc == TIPC_OK)
                ck_assert_tipc_ok(tipc_ack_encode(&a, out, sizeof out, &olen));
        }
        ck_assert_msg(rc == want, "%s: got %s, want %s (%s)", file, tipc_err_name(rc), code, why);
        if (want != TIPC_OK) {
            ck_assert_msg(why[0] != '\0', "%s: no reason", file);
            for (const char *p = why; *p; p++)
                ck_assert_msg((unsigned char)*p >= 0x20, "%s: control byte in why", file);
        }
        if (strcmp(canon, "canonical") == 0) {
            size_t want_len = n > 0 && raw[n - 1] == '\n' ? n - 1 : n;
            ck_assert_msg(olen == want_len && memcmp(out, raw, olen) == 0, "%s: re-encoded as\n%s",
                          file, out);
        }
        free(in);
        free(raw);
        count++;
    }
    free(text);
    ck_assert_uint_ge(count, 60);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

static void
check_every_prefix_truncated(const uint8_t *msg, size_t n, bool news)
{
    for (size_t k = 0; k < n; k++) {
        char why[128] = "";
        uint8_t *in = exact_copy(msg, k);
        tipc_tick t;
        tipc_news x;
        int rc = news ? tipc_news_decode_ex(in, k, &x, why, sizeof why)
                      : tipc_tick_decode_ex(in, k, &t, why, sizeof why);
        free(in);
        ck_assert_msg(rc == TIPC_ETRUNC, "prefix %zu of %zu: %s (%s)", k, n, tipc_err_name(rc),
                      why);
        ck_assert_ptr_nonnull(strstr(why, "input ends early"));
    }
}

START_TEST(test_codec_truncation_at_every_length)
{
    uint8_t buf[TIPC_TICK_ENCODED_MAX];
    size_t len;
    tipc_tick t = make_tick("ABCDEFGHIJKLMNO", INT64_MAX, UINT64_MAX, 1u << 20, 300);
    ck_assert_tipc_ok(tipc_tick_encode(&t, buf, sizeof buf, &len));
    check_every_prefix_truncated(buf, len, false);

    tipc_news n = make_news("MSFT", 100, UINT64_MAX, 70000, 0);
    ck_assert_tipc_ok(tipc_news_encode(&n, buf, sizeof buf, &len));
    check_every_prefix_truncated(buf, len, true);

    /* the widest encodings: array32, str32, int64 everywhere */
    static const uint8_t wide[] = {
        0xdd, 0, 0, 0,    5,    0xdb, 0,    0,    0, 4, 'A', 'A', 'P', 'L', 0xd3, 0,    0,
        0,    0, 0, 0x19, 0x08, 0x34, 0xd3, 0,    0, 0, 0,   0,   0,   0,   1,    0xd3, 0,
        0,    0, 0, 0,    0,    0,    2,    0xd3, 0, 0, 0,   0,   0,   0,   0,    3};
    tipc_tick w;
    ck_assert_tipc_ok(tipc_tick_decode(wide, sizeof wide, &w));
    ck_assert_int_eq(w.price, 1640500);
    ck_assert_uint_eq(w.seq, 3);
    check_every_prefix_truncated(wide, sizeof wide, false);
}
END_TEST

START_TEST(test_codec_decode_explains_errors)
{
    char why[128];
    tipc_tick t;
    tipc_news n;
    static const uint8_t str_price[] = {0x95, 0xa1, 'A', 0xa1, '1', 0, 0, 0};
    static const uint8_t neg_price[] = {0x95, 0xa1, 'A', 0xfb, 0, 0, 0};
    static const uint8_t map[] = {0x80};
    static const uint8_t four[] = {0x94, 0xa1, 'A', 1, 0, 0};
    static const uint8_t trail[] = {0x95, 0xa1, 'A', 1, 0, 0, 0, 0xc0, 0xc0};
    static const uint8_t badchar[] = {0x95, 0xa3, 'A', '/', 'B', 1, 0, 0, 0};
    static const uint8_t sent[] = {0x95, 0xa1, 'A', 0x65, 0, 0, 0};
    static const uint8_t negtime[] = {0x95, 0xa1, 'A', 1, 0, 0xd1, 0xff, 0x00, 0};

    ck_assert_tipc_err(tipc_tick_decode_ex(str_price, sizeof str_price, &t, why, sizeof why),
                       TIPC_ETYPE);
    ck_assert_str_eq(why, "field 2 (price): expected integer, got str (0xa1)");
    ck_assert_tipc_err(tipc_tick_decode_ex(neg_price, sizeof neg_price, &t, why, sizeof why),
                       TIPC_EBADVAL);
    ck_assert_str_eq(why, "field 2 (price): must be 1..INT64_MAX, got -5");
    ck_assert_tipc_err(tipc_tick_decode_ex(map, sizeof map, &t, why, sizeof why), TIPC_ETYPE);
    ck_assert_str_eq(why, "message: expected array, got map (0x80)");
    ck_assert_tipc_err(tipc_tick_decode_ex(four, sizeof four, &t, why, sizeof why), TIPC_EPROTO);
    ck_assert_str_eq(why, "message: array has 4 elements, expected 5");
    ck_assert_tipc_err(tipc_tick_decode_ex(trail, sizeof trail, &t, why, sizeof why), TIPC_EPROTO);
    ck_assert_str_eq(why, "message: 2 trailing byte(s) after the 5 fields");
    ck_assert_tipc_err(tipc_tick_decode_ex(badchar, sizeof badchar, &t, why, sizeof why),
                       TIPC_EBADVAL);
    ck_assert_str_eq(why, "field 1 (symbol): byte 0x2f at index 1 is not in [A-Za-z0-9._-]");
    ck_assert_tipc_err(tipc_news_decode_ex(sent, sizeof sent, &n, why, sizeof why), TIPC_EBADVAL);
    ck_assert_str_eq(why, "field 2 (sentiment): must be 0..100, got 101");
    ck_assert_tipc_err(tipc_tick_decode_ex(negtime, sizeof negtime, &t, why, sizeof why),
                       TIPC_EBADVAL);
    ck_assert_str_eq(why, "field 4 (send_ns): must be non-negative, got -256");

    /* a tiny why buffer is cut, never overrun; NULL is fine */
    char small[8];
    memset(small, 'x', sizeof small);
    ck_assert_tipc_err(tipc_tick_decode_ex(map, sizeof map, &t, small, 4), TIPC_ETYPE);
    ck_assert_str_eq(small, "mes");
    ck_assert_int_eq(small[4], 'x');
    ck_assert_tipc_err(tipc_tick_decode_ex(map, sizeof map, &t, NULL, 100), TIPC_ETYPE);
    ck_assert_tipc_err(tipc_tick_decode(map, sizeof map, &t), TIPC_ETYPE);
    ck_assert_tipc_err(tipc_tick_decode(NULL, 0, &t), TIPC_ETRUNC);
}
END_TEST

START_TEST(test_codec_decode_leaves_out_untouched_on_error)
{
    tipc_tick t, t0;
    tipc_order o, o0;
    tipc_ack a, a0;
    static const uint8_t bad[] = {0x95, 0xa1, 'A', 0, 0, 0, 0};
    static const char bad_order[] = "{\"id\":\"x\"}";

    memset(&t, 0x5a, sizeof t);
    memcpy(&t0, &t, sizeof t);
    ck_assert_tipc_err(tipc_tick_decode(bad, sizeof bad, &t), TIPC_EBADVAL);
    ck_assert_int_eq(memcmp(&t, &t0, sizeof t), 0);
    memset(&o, 0x5a, sizeof o);
    memcpy(&o0, &o, sizeof o);
    ck_assert_tipc_err(tipc_order_decode(bad_order, strlen(bad_order), &o), TIPC_EMISSING);
    ck_assert_int_eq(memcmp(&o, &o0, sizeof o), 0);
    memset(&a, 0x5a, sizeof a);
    memcpy(&a0, &a, sizeof a);
    ck_assert_tipc_err(tipc_ack_decode(bad_order, strlen(bad_order), &a), TIPC_EMISSING);
    ck_assert_int_eq(memcmp(&a, &a0, sizeof a), 0);
}
END_TEST

START_TEST(test_codec_encode_rejects_invalid_structs)
{
    uint8_t buf[64];
    char jbuf[TIPC_ORDER_JSON_MAX];
    size_t len;
    tipc_tick t = make_tick("AAPL", 1, 0, 0, 0);

#define REJECT_TICK(mut)                                                                           \
    do {                                                                                           \
        tipc_tick x_ = t;                                                                          \
        mut;                                                                                       \
        len = 99;                                                                                  \
        ck_assert_tipc_err(tipc_tick_encode(&x_, buf, sizeof buf, &len), TIPC_EBADVAL);            \
        ck_assert_uint_eq(len, 0);                                                                 \
    } while (0)
    REJECT_TICK(x_.price = 0);
    REJECT_TICK(x_.price = -1);
    REJECT_TICK(x_.price = INT64_MIN);
    REJECT_TICK(x_.symbol[0] = '\0');
    REJECT_TICK(strcpy(x_.symbol, "AA PL"));
    REJECT_TICK(strcpy(x_.symbol, "AA/PL"));
    REJECT_TICK(memset(x_.symbol, 'A', sizeof x_.symbol)); /* not NUL-terminated */

    tipc_news n = make_news("AAPL", 50, 0, 0, 0);
    n.sentiment = -1;
    ck_assert_tipc_err(tipc_news_encode(&n, buf, sizeof buf, &len), TIPC_EBADVAL);
    n.sentiment = 101;
    ck_assert_tipc_err(tipc_news_encode(&n, buf, sizeof buf, &len), TIPC_EBADVAL);
    n.sentiment = 100;
    n.symbol[0] = '\0';
    ck_assert_tipc_err(tipc_news_encode(&n, buf, sizeof buf, &len), TIPC_EBADVAL);

    tipc_order o = make_order(TIPC_RULE_MA_CROSS);
#define REJECT_ORDER(mut)                                                                          \
    do {                                                                                           \
        tipc_order x_ = o;                                                                         \
        mut;                                                                                       \
        len = 99;                                                                                  \
        jbuf[0] = 'x';                                                                             \
        ck_assert_tipc_err(tipc_order_encode(&x_, jbuf, sizeof jbuf, &len), TIPC_EBADVAL);         \
        ck_assert_uint_eq(len, 0);                                                                 \
        ck_assert_int_eq(jbuf[0], '\0');                                                           \
    } while (0)
    REJECT_ORDER(x_.client_order_id[0] = '\0');
    REJECT_ORDER(strcpy(x_.client_order_id, "a\"b"));
    REJECT_ORDER(memset(x_.client_order_id, 'a', sizeof x_.client_order_id));
    REJECT_ORDER(strcpy(x_.symbol, "AA:PL"));
    REJECT_ORDER(x_.side = (tipc_side)0);
    REJECT_ORDER(x_.side = (tipc_side)3);
    REJECT_ORDER(x_.quantity = 0);
    REJECT_ORDER(x_.price = 0);
    REJECT_ORDER(x_.price = -1640500);
    REJECT_ORDER(x_.price = TIPC_JSON_PRICE_MAX + 1);
    REJECT_ORDER(x_.strategy[0] = '\0');
    REJECT_ORDER(strcpy(x_.strategy, "mo m"));
    REJECT_ORDER(x_.signal.rule = (tipc_rule)0);
    REJECT_ORDER(x_.signal.short_window = 0);
    REJECT_ORDER(x_.signal.long_window = 0);
    REJECT_ORDER(x_.signal.short_ma = 0);
    REJECT_ORDER(x_.signal.long_ma = TIPC_JSON_PRICE_MAX + 1);
    REJECT_ORDER(x_.tick_ns = (uint64_t)INT64_MAX + 1);
    REJECT_ORDER(x_.send_ns = UINT64_MAX);
    o = make_order(TIPC_RULE_SENTIMENT);
    REJECT_ORDER(x_.signal.sentiment = 101);
    REJECT_ORDER(x_.signal.threshold = -1);

    tipc_ack a = make_ack(TIPC_ACK_REJECTED, "no");
#define REJECT_ACK(mut)                                                                            \
    do {                                                                                           \
        tipc_ack x_ = a;                                                                           \
        mut;                                                                                       \
        len = 99;                                                                                  \
        ck_assert_tipc_err(tipc_ack_encode(&x_, jbuf, sizeof jbuf, &len), TIPC_EBADVAL);           \
        ck_assert_uint_eq(len, 0);                                                                 \
    } while (0)
    REJECT_ACK(x_.status = (tipc_ack_status)0);
    REJECT_ACK(x_.reason[0] = '\0');           /* rejected needs a reason */
    REJECT_ACK(x_.status = TIPC_ACK_ACCEPTED); /* accepted has none, and an id */
    REJECT_ACK(x_.duplicate = 2);
    REJECT_ACK(strcpy(x_.client_order_id, "a b"));
    REJECT_ACK(strcpy(x_.reason, "bad \xff utf8"));
    REJECT_ACK(strcpy(x_.reason, "overlong \xc0\xaf"));
    REJECT_ACK(strcpy(x_.reason, "surrogate \xed\xa0\x80"));
    REJECT_ACK(strcpy(x_.reason, "cut \xe2\x82"));
    REJECT_ACK(memset(x_.reason, 'r', sizeof x_.reason)); /* not NUL-terminated */
    REJECT_ACK(x_.ack_ns = UINT64_MAX);
    REJECT_ACK(x_.order_id = (uint64_t)INT64_MAX + 1);
    a = make_ack(TIPC_ACK_ACCEPTED, "");
    REJECT_ACK(x_.order_id = 0);
    REJECT_ACK(strcpy(x_.reason, "ok"));
}
END_TEST

START_TEST(test_codec_order_decode_names_the_field)
{
    static const struct {
        const char *json;
        int code;
        const char *why;
    } cases[] = {
        {"{\"id\":\"mom-17\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":-5}", TIPC_EBADVAL,
         "qty: must be a positive integer, got -5"},
        {"{\"id\":\"mom-17\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":4294967296}",
         TIPC_EBADVAL, "qty: must be at most 4294967295, got 4294967296"},
        {"{\"symbol\":\"AAPL\"}", TIPC_EMISSING, "id: missing"},
        {"{\"id\":7}", TIPC_ETYPE, "id: expected string, got integer"},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"HOLD\"}", TIPC_EBADVAL,
         "side: must be \"BUY\" or \"SELL\", got \"HOLD\""},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":\"1\"}",
         TIPC_ETYPE, "price: expected number, got string"},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":1.00001}",
         TIPC_EBADVAL, "price: more than 4 decimal places, got 1.0000100000000001"},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":-2}", TIPC_EBADVAL,
         "price: must be > 0 and at most 100000000000.0000, got -2"},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":2,\"strategy\":"
         "\"s\",\"signal\":{\"rule\":\"ma_cross\",\"short_window\":5}}",
         TIPC_EMISSING, "signal.long_window: missing"},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":2,\"strategy\":"
         "\"s\",\"signal\":{\"rule\":\"sentiment\",\"sentiment\":101}}",
         TIPC_EBADVAL, "signal.sentiment: must be an integer in 0..100, got 101"},
        {"{\"id\":\"a b\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":2,\"strategy\":"
         "\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":0}",
         TIPC_EBADVAL, "id: must be 1..31 bytes of [A-Za-z0-9._:-], got \"a b\""},
        {"{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":2,\"strategy\":"
         "\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":-1,\"send_ns\":0}",
         TIPC_EBADVAL, "tick_ns: must be a non-negative integer, got -1"},
        {"[1]", TIPC_ETYPE, "message: expected object, got array"},
        {"{\"id\":\"a\",\"id\":\"b\"}", TIPC_EPROTO, NULL},
        {"{\"id\":\"a\nb\"}", TIPC_EPROTO, NULL}, /* raw control character */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[256] = "";
        tipc_order o;
        int rc = tipc_order_decode_ex(cases[i].json, strlen(cases[i].json), &o, why, sizeof why);
        ck_assert_msg(rc == cases[i].code, "%s: got %s (%s)", cases[i].json, tipc_err_name(rc),
                      why);
        if (cases[i].why != NULL)
            ck_assert_str_eq(why, cases[i].why);
        else
            ck_assert_ptr_nonnull(strstr(why, "message: invalid JSON"));
        for (const char *p = why; *p; p++)
            ck_assert_int_ge((unsigned char)*p, 0x20);
    }
}
END_TEST

static int
decode_price(const char *num, int64_t *out)
{
    char json[512];
    tipc_order o;
    int n = snprintf(json, sizeof json,
                     "{\"id\":\"a\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":1,\"price\":%s,"
                     "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,"
                     "\"send_ns\":0}",
                     num);
    ck_assert_int_lt(n, (int)sizeof json);
    int rc = tipc_order_decode(json, (size_t)n, &o);
    if (rc == TIPC_OK)
        *out = o.price;
    return rc;
}

START_TEST(test_codec_order_price_precision)
{
    static const struct {
        const char *num;
        int code;
        int64_t want;
    } cases[] = {
        {"164.05", TIPC_OK, 1640500},
        {"164.0500", TIPC_OK, 1640500},
        {"164.050000000", TIPC_OK, 1640500},
        {"1.6405e2", TIPC_OK, 1640500},
        {"164", TIPC_OK, 1640000},
        {"0.0001", TIPC_OK, 1},
        {"1e-4", TIPC_OK, 1},
        {"0.1", TIPC_OK, 1000},
        {"0.3", TIPC_OK, 3000},
        {"99999999999.9999", TIPC_OK, 999999999999999},
        {"100000000000", TIPC_OK, TIPC_JSON_PRICE_MAX},
        {"100000000000.0000", TIPC_OK, TIPC_JSON_PRICE_MAX},
        {"164.00001", TIPC_EBADVAL, 0},
        {"164.05000001", TIPC_EBADVAL, 0},
        {"0.00005", TIPC_EBADVAL, 0},
        {"0.00004", TIPC_EBADVAL, 0},
        {"1e-300", TIPC_EBADVAL, 0},
        {"0", TIPC_EBADVAL, 0},
        {"0.0", TIPC_EBADVAL, 0},
        {"-0.0", TIPC_EBADVAL, 0},
        {"-1", TIPC_EBADVAL, 0},
        {"100000000000.0001", TIPC_EBADVAL, 0},
        {"100000000001", TIPC_EBADVAL, 0},
        {"1e300", TIPC_EBADVAL, 0},
        {"9223372036854775807", TIPC_EBADVAL, 0},
        {"1e999", TIPC_EPROTO, 0},
        {"NaN", TIPC_EPROTO, 0},
        {"nan", TIPC_EPROTO, 0},
        {"Infinity", TIPC_EPROTO, 0},
        {"-Infinity", TIPC_EPROTO, 0},
        {"\"164.05\"", TIPC_ETYPE, 0},
        {"true", TIPC_ETYPE, 0},
        {"[164.05]", TIPC_ETYPE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t got = -1;
        int rc = decode_price(cases[i].num, &got);
        ck_assert_msg(rc == cases[i].code, "price %s: got %s, want %s", cases[i].num,
                      tipc_err_name(rc), tipc_err_name(cases[i].code));
        if (rc == TIPC_OK)
            ck_assert_msg(got == cases[i].want, "price %s: got %" PRId64, cases[i].num, got);
    }

    /* Every 4-decimal price, written in its shortest form by a generic JSON
     * writer or in ours, comes back exact: random prices across all magnitudes
     * and the values just below the maximum. */
    for (int i = 0; i < 3000; i++) {
        int64_t p, got = 0;
        char txt[64];
        if (i < 100)
            p = TIPC_JSON_PRICE_MAX - i;
        else
            p = 1 + (int64_t)(rng() % (uint64_t)(i % 2 ? 10000000 : TIPC_JSON_PRICE_MAX));
        int rc = tipc_price_format(p, txt, sizeof txt) > 0 ? decode_price(txt, &got) : -1;
        REQUIRE(rc == TIPC_OK && got == p, "%s -> %s %" PRId64, txt, tipc_err_name(rc), got);
        snprintf(txt, sizeof txt, "%.17g", (double)p / TIPC_PRICE_SCALE);
        rc = decode_price(txt, &got);
        REQUIRE(rc == TIPC_OK && got == p, "%s -> %s %" PRId64 ", want %" PRId64, txt,
                tipc_err_name(rc), got, p);
    }
}
END_TEST

START_TEST(test_codec_fuzz_msgpack_against_msgpack_c)
{
    uint8_t base[4][TIPC_TICK_ENCODED_MAX], buf[80];
    size_t blen[4];
    tipc_tick t0 = make_tick("ABCDEFGHIJKLMNO", INT64_MAX, UINT64_MAX, 1u << 20, 300);
    tipc_tick t1 = make_tick("A", 1640500, 1700000000000000000u, 5, 0);
    tipc_news n0 = make_news("MSFT", 82, 1, 1u << 31, 70000);
    tipc_news n1 = make_news("Z", 0, 0, 0, 0);
    ck_assert_tipc_ok(tipc_tick_encode(&t0, base[0], sizeof base[0], &blen[0]));
    ck_assert_tipc_ok(tipc_tick_encode(&t1, base[1], sizeof base[1], &blen[1]));
    ck_assert_tipc_ok(tipc_news_encode(&n0, base[2], sizeof base[2], &blen[2]));
    ck_assert_tipc_ok(tipc_news_encode(&n1, base[3], sizeof base[3], &blen[3]));

    int accepted = 0;
    for (int iter = 0; iter < 40000; iter++) {
        int which = iter % 4;
        bool news = which >= 2;
        size_t n = blen[which];
        memcpy(buf, base[which], n);
        int muts = 1 + (int)(rng() % 3);
        for (int m = 0; m < muts; m++) {
            size_t at = n ? rng() % n : 0;
            switch (rng() % 5) {
            case 0: /* flip bits */
                buf[at] ^= (uint8_t)(1u << (rng() % 8));
                break;
            case 1: /* random byte, biased to type tags */
                buf[at] = (uint8_t)(rng() % 2 ? 0xc0 + rng() % 0x20 : rng());
                break;
            case 2: /* truncate */
                n = at;
                break;
            case 3: /* insert */
                if (n < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = (uint8_t)rng();
                    n++;
                }
                break;
            default: /* delete */
                if (n > 0) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
            }
        }
        uint8_t *in = exact_copy(buf, n);
        tipc_tick t;
        tipc_news x;
        char why[128] = "";
        int rc = news ? tipc_news_decode_ex(in, n, &x, why, sizeof why)
                      : tipc_tick_decode_ex(in, n, &t, why, sizeof why);
        REQUIRE(rc == TIPC_OK || rc == TIPC_ETRUNC || rc == TIPC_ETYPE || rc == TIPC_EBADVAL ||
                    rc == TIPC_EPROTO,
                "unexpected %d", rc);
        REQUIRE(rc == TIPC_OK || why[0] != '\0', "iteration %d: no reason", iter);

        /* Differential check against msgpack-c: we accept exactly the inputs it
         * reads as one 5-element array matching the schema and the value rules. */
        /* msgpack-c allocates for a container's declared size before reading
         * it (array32/map32 can claim 4G entries): skip the comparison there. */
        if (memchr(in, 0xdd, n) != NULL || memchr(in, 0xdf, n) != NULL) {
            free(in);
            continue;
        }
        msgpack_unpacked u;
        size_t off = 0;
        msgpack_unpacked_init(&u);
        msgpack_unpack_return ur = msgpack_unpack_next(&u, (const char *)in, n, &off);
        bool theirs = false;
        if (ur == MSGPACK_UNPACK_SUCCESS && off == n && u.data.type == MSGPACK_OBJECT_ARRAY &&
            u.data.via.array.size == 5) {
            msgpack_object *e = u.data.via.array.ptr;
            bool ok = e[0].type == MSGPACK_OBJECT_STR && e[0].via.str.size >= 1 &&
                      tipc_symbol_is_valid(e[0].via.str.ptr, e[0].via.str.size);
            if (news)
                ok = ok && e[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                     e[1].via.u64 <= TIPC_SENTIMENT_MAX;
            else
                ok = ok && e[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER && e[1].via.u64 >= 1 &&
                     e[1].via.u64 <= INT64_MAX;
            for (int k = 2; k < 5; k++)
                ok = ok && e[k].type == MSGPACK_OBJECT_POSITIVE_INTEGER;
            theirs = ok;
            if (ok && rc == TIPC_OK) {
                const char *sym = news ? x.symbol : t.symbol;
                REQUIRE(strlen(sym) == e[0].via.str.size &&
                            memcmp(sym, e[0].via.str.ptr, e[0].via.str.size) == 0 &&
                            (news ? (uint64_t)x.sentiment : (uint64_t)t.price) == e[1].via.u64 &&
                            (news ? x.event_ns : t.event_ns) == e[2].via.u64 &&
                            (news ? x.send_ns : t.send_ns) == e[3].via.u64 &&
                            (news ? x.seq : t.seq) == e[4].via.u64,
                        "iteration %d: values differ from msgpack-c's", iter);
            }
        }
        msgpack_unpacked_destroy(&u);
        REQUIRE(theirs == (rc == TIPC_OK), "iteration %d: msgpack-c %s, we %s (%s)", iter,
                theirs ? "accept" : "reject", tipc_err_name(rc), why);
        accepted += rc == TIPC_OK;
        free(in);
    }
    ck_assert_int_gt(accepted, 100); /* the mutations do reach the accepting paths */
}
END_TEST

START_TEST(test_codec_fuzz_json)
{
    char base[4][TIPC_ORDER_JSON_MAX], buf[TIPC_ORDER_JSON_MAX + 8];
    size_t blen[4];
    tipc_order o0 = make_order(TIPC_RULE_MA_CROSS), o1 = make_order(TIPC_RULE_SENTIMENT);
    tipc_ack a0 = make_ack(TIPC_ACK_ACCEPTED, ""),
             a1 = make_ack(TIPC_ACK_REJECTED, "x\"\n\xc3\xa9");
    static const char alphabet[] = "{}[]\",:\\0123456789.-eE+ tnfaluOK\x01\xc3\xa9\xff";
    ck_assert_tipc_ok(tipc_order_encode(&o0, base[0], sizeof base[0], &blen[0]));
    ck_assert_tipc_ok(tipc_order_encode(&o1, base[1], sizeof base[1], &blen[1]));
    ck_assert_tipc_ok(tipc_ack_encode(&a0, base[2], sizeof base[2], &blen[2]));
    ck_assert_tipc_ok(tipc_ack_encode(&a1, base[3], sizeof base[3], &blen[3]));

    int accepted = 0;
    for (int iter = 0; iter < 3000; iter++) {
        int which = iter % 4;
        size_t n = blen[which];
        memcpy(buf, base[which], n);
        int muts = 1 + (int)(rng() % 2);
        for (int m = 0; m < muts; m++) {
            size_t at = rng() % n;
            switch (rng() % 3) {
            case 0:
                buf[at] = alphabet[rng() % (sizeof alphabet - 1)];
                break;
            case 1:
                if (n + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = alphabet[rng() % (sizeof alphabet - 1)];
                    n++;
                }
                break;
            default:
                if (n > 1) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
            }
        }
        char *in = exact_copy(buf, n), out[TIPC_ORDER_JSON_MAX], why[256] = "";
        size_t olen;
        int rc;
        if (which < 2) {
            tipc_order o, back;
            rc = tipc_order_decode_ex(in, n, &o, why, sizeof why);
            if (rc == TIPC_OK) { /* whatever we accept, we can write and read back */
                ck_assert_tipc_ok(tipc_order_encode(&o, out, sizeof out, &olen));
                ck_assert_tipc_ok(tipc_order_decode(out, olen, &back));
                assert_order_eq(&o, &back);
            }
        } else {
            tipc_ack a, back;
            rc = tipc_ack_decode_ex(in, n, &a, why, sizeof why);
            if (rc == TIPC_OK) {
                ck_assert_tipc_ok(tipc_ack_encode(&a, out, sizeof out, &olen));
                ck_assert_tipc_ok(tipc_ack_decode(out, olen, &back));
                assert_ack_eq(&a, &back);
            }
        }
        REQUIRE(rc == TIPC_OK || rc == TIPC_EPROTO || rc == TIPC_ETYPE || rc == TIPC_EMISSING ||
                    rc == TIPC_EBADVAL,
                "unexpected %d", rc);
        REQUIRE(rc == TIPC_OK || why[0] != '\0', "iteration %d: no reason", iter);
        accepted += rc == TIPC_OK;
        free(in);
    }
    ck_assert_int_gt(accepted, 10);
}
END_TEST

/* ---- limits ------------------------------------------------------------- */

typedef int (*enc_fn)(const void *msg, void *buf, size_t cap, size_t *len);

static int
enc_tick(const void *m, void *b, size_t c, size_t *l)
{
    return tipc_tick_encode(m, b, c, l);
}
static int
enc_news(const void *m, void *b, size_t c, size_t *l)
{
    return tipc_news_encode(m, b, c, l);
}
static int
enc_order(const void *m, void *b, size_t c, size_t *l)
{
    return tipc_order_encode(m, b, c, l);
}
static int
enc_ack(const void *m, void *b, size_t c, size_t *l)
{
    return tipc_ack_encode(m, b, c, l);
}

/* Every capacity below the size fails with the size needed and writes nothing
 * past cap; the exact size succeeds (JSON: without NUL; one more: with NUL). */
static void
check_enospc(enc_fn enc, const void *msg, bool json)
{
    uint8_t full[TIPC_ORDER_JSON_MAX], buf[TIPC_ORDER_JSON_MAX + 16];
    size_t need = 0, len;

    ck_assert_tipc_err(enc(msg, NULL, 0, &need), TIPC_ENOSPC);
    ck_assert_uint_gt(need, 0);
    ck_assert_tipc_ok(enc(msg, full, sizeof full, &len));
    ck_assert_uint_eq(len, need);
    for (size_t cap = 0; cap <= need + 1; cap++) {
        memset(buf, 0xee, sizeof buf);
        len = 12345;
        int rc = enc(msg, buf, cap, &len);
        REQUIRE(len == need, "cap %zu: len %zu, need %zu", cap, len, need);
        for (size_t i = cap; i < sizeof buf; i++)
            REQUIRE(buf[i] == 0xee, "cap %zu: byte %zu written", cap, i);
        if (cap < need) {
            REQUIRE(rc == TIPC_ENOSPC, "cap %zu: %s", cap, tipc_err_name(rc));
            REQUIRE(!json || cap == 0 || buf[0] == 0, "cap %zu: no NUL at buf[0]", cap);
        } else {
            REQUIRE(rc == TIPC_OK, "cap %zu: %s", cap, tipc_err_name(rc));
            REQUIRE(memcmp(buf, full, need) == 0, "cap %zu: different bytes", cap);
            REQUIRE(!json || cap == need || buf[need] == 0, "cap %zu: no NUL", cap);
        }
    }
}

START_TEST(test_codec_enospc_reports_size_needed)
{
    tipc_tick t = make_tick("ABCDEFGHIJKLMNO", INT64_MAX, UINT64_MAX, 7, 1u << 16);
    tipc_news n = make_news("MSFT", 100, 1, 2, 3);
    tipc_order o = make_order(TIPC_RULE_MA_CROSS);
    tipc_ack a = make_ack(TIPC_ACK_REJECTED, "needs \"escapes\"\n");
    check_enospc(enc_tick, &t, false);
    check_enospc(enc_news, &n, false);
    check_enospc(enc_order, &o, true);
    check_enospc(enc_ack, &a, true);
}
END_TEST

START_TEST(test_codec_json_worst_case_fits_the_maximum)
{
    char buf[TIPC_ORDER_JSON_MAX];
    size_t len;
    tipc_ack a = make_ack(TIPC_ACK_REJECTED, "");
    memset(a.reason, 0x01, TIPC_REASON_MAX); /* every byte becomes \u0001 */
    memset(a.client_order_id, '9', TIPC_ORDER_ID_MAX);
    a.order_id = INT64_MAX;
    a.duplicate = 1;
    a.order_send_ns = a.recv_ns = a.ack_ns = INT64_MAX;
    ck_assert_tipc_ok(tipc_ack_encode(&a, buf, sizeof buf, &len));
    ck_assert_uint_lt(len, TIPC_ORDER_JSON_MAX);
    ck_assert_uint_gt(len, 6 * TIPC_REASON_MAX);

    tipc_order o = make_order(TIPC_RULE_MA_CROSS);
    memset(o.client_order_id, '9', TIPC_ORDER_ID_MAX);
    memset(o.strategy, '9', TIPC_STRATEGY_MAX);
    memset(o.symbol, 'Z', TIPC_SYMBOL_MAX);
    o.quantity = UINT32_MAX;
    o.price = o.signal.short_ma = o.signal.long_ma = TIPC_JSON_PRICE_MAX;
    o.signal.short_window = o.signal.long_window = UINT32_MAX;
    o.tick_ns = o.send_ns = INT64_MAX;
    ck_assert_tipc_ok(tipc_order_encode(&o, buf, sizeof buf, &len));
    ck_assert_uint_lt(len, TIPC_ORDER_JSON_MAX);
}
END_TEST

START_TEST(test_codec_json_oversized_input_rejected_before_parsing)
{
    size_t len;
    char *json = slurp(DATADIR "/json/order_ma_cross.json", &len);
    char *big = malloc(TIPC_ORDER_JSON_MAX + 1);
    tipc_order o;
    char why[128];

    ck_assert_ptr_nonnull(big);
    /* the order padded with spaces to exactly the limit is fine */
    memset(big, ' ', TIPC_ORDER_JSON_MAX + 1);
    memcpy(big, json, len);
    ck_assert_tipc_ok(tipc_order_decode(big, TIPC_ORDER_JSON_MAX, &o));
    ck_assert_tipc_err(tipc_order_decode_ex(big, TIPC_ORDER_JSON_MAX + 1, &o, why, sizeof why),
                       TIPC_EMSGSIZE);
    ck_assert_str_eq(why, "message: 4097 bytes, more than the 4096 allowed");
    tipc_ack a;
    ck_assert_tipc_err(tipc_ack_decode(big, TIPC_ORDER_JSON_MAX + 1, &a), TIPC_EMSGSIZE);
    ck_assert_tipc_err(tipc_order_decode(big, SIZE_MAX, &o), TIPC_EMSGSIZE);
    /* over-long strings inside a small message */
    ck_assert_tipc_err(tipc_order_decode("", 0, &o), TIPC_EPROTO);
    ck_assert_tipc_err(tipc_order_decode(NULL, 0, &o), TIPC_EPROTO);
    free(big);
    free(json);
}
END_TEST

START_TEST(test_codec_json_nul_termination)
{
    tipc_order o = make_order(TIPC_RULE_MANUAL);
    char buf[512];
    size_t len;
    ck_assert_tipc_ok(tipc_order_encode(&o, buf, sizeof buf, &len));
    ck_assert_uint_eq(strlen(buf), len);
    /* json need not be NUL-terminated, and a trailing NUL in len is not JSON */
    ck_assert_tipc_ok(tipc_order_decode(buf, len, &o));
    ck_assert_tipc_err(tipc_order_decode(buf, len + 1, &o), TIPC_EPROTO);
}
END_TEST

/* ---- interop ------------------------------------------------------------ */

START_TEST(test_codec_msgpack_c_reads_our_encoding)
{
    uint8_t buf[TIPC_TICK_ENCODED_MAX];
    size_t len, off = 0;
    tipc_tick t = make_tick("BRK.B", 4123456789012, 1700000000123456789u, UINT64_MAX, 0);
    ck_assert_tipc_ok(tipc_tick_encode(&t, buf, sizeof buf, &len));

    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, (const char *)buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, len);
    ck_assert_int_eq(u.data.type, MSGPACK_OBJECT_ARRAY);
    ck_assert_uint_eq(u.data.via.array.size, 5);
    msgpack_object *e = u.data.via.array.ptr;
    ck_assert_int_eq(e[0].type, MSGPACK_OBJECT_STR);
    ck_assert_uint_eq(e[0].via.str.size, 5);
    ck_assert_int_eq(memcmp(e[0].via.str.ptr, "BRK.B", 5), 0);
    ck_assert_int_eq(e[1].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_uint_eq(e[1].via.u64, 4123456789012u);
    ck_assert_uint_eq(e[2].via.u64, 1700000000123456789u);
    ck_assert_uint_eq(e[3].via.u64, UINT64_MAX);
    ck_assert_int_eq(e[4].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_uint_eq(e[4].via.u64, 0);
    msgpack_unpacked_destroy(&u);

    tipc_news n = make_news("MSFT", 0, 5, 6, 7);
    ck_assert_tipc_ok(tipc_news_encode(&n, buf, sizeof buf, &len));
    off = 0;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, (const char *)buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, len);
    e = u.data.via.array.ptr;
    ck_assert_uint_eq(u.data.via.array.size, 5);
    ck_assert_int_eq(e[1].type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_uint_eq(e[1].via.u64, 0);
    ck_assert_uint_eq(e[4].via.u64, 7);
    msgpack_unpacked_destroy(&u);
}
END_TEST

START_TEST(test_codec_we_read_msgpack_c_wide_encodings)
{
    /* msgpack-c's fixed-width packers write the widest form regardless of value. */
    for (int variant = 0; variant < 4; variant++) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        ck_assert_int_eq(msgpack_pack_array(&pk, 5), 0);
        ck_assert_int_eq(msgpack_pack_str_with_body(&pk, "GOOG", 4), 0);
        switch (variant) {
        case 0:
            ck_assert_int_eq(msgpack_pack_fix_uint64(&pk, 1640500), 0);
            ck_assert_int_eq(msgpack_pack_fix_uint64(&pk, 1), 0);
            ck_assert_int_eq(msgpack_pack_fix_uint32(&pk, 2), 0);
            ck_assert_int_eq(msgpack_pack_fix_uint16(&pk, 3), 0);
            break;
        case 1:
            ck_assert_int_eq(msgpack_pack_fix_int64(&pk, 1640500), 0);
            ck_assert_int_eq(msgpack_pack_fix_int8(&pk, 1), 0);
            ck_assert_int_eq(msgpack_pack_fix_int16(&pk, 2), 0);
            ck_assert_int_eq(msgpack_pack_fix_int32(&pk, 3), 0);
            break;
        case 2:
            ck_assert_int_eq(msgpack_pack_fix_int32(&pk, 1640500), 0);
            ck_assert_int_eq(msgpack_pack_fix_uint8(&pk, 1), 0);
            ck_assert_int_eq(msgpack_pack_fix_int64(&pk, 2), 0);
            ck_assert_int_eq(msgpack_pack_fix_uint64(&pk, 3), 0);
            break;
        default: /* the generic (minimal) packers */
            ck_assert_int_eq(msgpack_pack_long_long(&pk, 1640500), 0);
            ck_assert_int_eq(msgpack_pack_unsigned_char(&pk, 1), 0);
            ck_assert_int_eq(msgpack_pack_int(&pk, 2), 0);
            ck_assert_int_eq(msgpack_pack_uint64(&pk, 3), 0);
        }
        tipc_tick t;
        char why[128] = "";
        int rc = tipc_tick_decode_ex(sb.data, sb.size, &t, why, sizeof why);
        ck_assert_msg(rc == TIPC_OK, "variant %d: %s", variant, why);
        ck_assert_str_eq(t.symbol, "GOOG");
        ck_assert_int_eq(t.price, 1640500);
        ck_assert_uint_eq(t.event_ns, 1);
        ck_assert_uint_eq(t.send_ns, 2);
        ck_assert_uint_eq(t.seq, 3);
        msgpack_sbuffer_destroy(&sb);
    }

    /* news with an int8 sentiment, and a float price msgpack-c can pack but we refuse */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ck_assert_int_eq(msgpack_pack_array(&pk, 5), 0);
    ck_assert_int_eq(msgpack_pack_str_with_body(&pk, "GOOG", 4), 0);
    ck_assert_int_eq(msgpack_pack_fix_int8(&pk, 100), 0);
    ck_assert_int_eq(msgpack_pack_fix_uint64(&pk, 1), 0);
    ck_assert_int_eq(msgpack_pack_fix_uint64(&pk, 2), 0);
    ck_assert_int_eq(msgpack_pack_fix_uint64(&pk, 3), 0);
    tipc_news n;
    ck_assert_tipc_ok(tipc_news_decode(sb.data, sb.size, &n));
    ck_assert_int_eq(n.sentiment, 100);
    msgpack_sbuffer_clear(&sb);
    ck_assert_int_eq(msgpack_pack_array(&pk, 5), 0);
    ck_assert_int_eq(msgpack_pack_str_with_body(&pk, "GOOG", 4), 0);
    ck_assert_int_eq(msgpack_pack_double(&pk, 164.05), 0);
    ck_assert_int_eq(msgpack_pack_uint64(&pk, 1), 0);
    ck_assert_int_eq(msgpack_pack_uint64(&pk, 2), 0);
    ck_assert_int_eq(msgpack_pack_uint64(&pk, 3), 0);
    tipc_tick t;
    ck_assert_tipc_err(tipc_tick_decode(sb.data, sb.size, &t), TIPC_ETYPE);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_codec_jansson_reads_our_json)
{
    char buf[TIPC_ORDER_JSON_MAX];
    size_t len;
    json_error_t err;
    tipc_order o = make_order(TIPC_RULE_MA_CROSS);

    ck_assert_tipc_ok(tipc_order_encode(&o, buf, sizeof buf, &len));
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    ck_assert_msg(root != NULL, "%s", err.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "id")), "mom-17");
    ck_assert_str_eq(json_string_value(json_object_get(root, "symbol")), "AAPL");
    ck_assert_str_eq(json_string_value(json_object_get(root, "side")), "BUY");
    ck_assert_int_eq(json_integer_value(json_object_get(root, "qty")), 100);
    ck_assert(json_is_real(json_object_get(root, "price")));
    ck_assert(json_real_value(json_object_get(root, "price")) == 164.05);
    ck_assert_str_eq(json_string_value(json_object_get(root, "strategy")), "mom");
    json_t *sig = json_object_get(root, "signal");
    ck_assert_str_eq(json_string_value(json_object_get(sig, "rule")), "ma_cross");
    ck_assert_int_eq(json_integer_value(json_object_get(sig, "short_window")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(sig, "long_window")), 20);
    ck_assert(json_real_value(json_object_get(sig, "short_ma")) == 164.1);
    ck_assert(json_real_value(json_object_get(sig, "long_ma")) == 163.9);
    ck_assert_uint_eq(json_object_size(sig), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "tick_ns")), 1700000000123460000);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "send_ns")), 1700000000123470000);
    ck_assert_uint_eq(json_object_size(root), 9);
    json_decref(root);

    o = make_order(TIPC_RULE_SENTIMENT);
    ck_assert_tipc_ok(tipc_order_encode(&o, buf, sizeof buf, &len));
    root = json_loadb(buf, len, 0, &err);
    ck_assert_ptr_nonnull(root);
    sig = json_object_get(root, "signal");
    ck_assert_int_eq(json_integer_value(json_object_get(sig, "sentiment")), 82);
    ck_assert_int_eq(json_integer_value(json_object_get(sig, "threshold")), 70);
    ck_assert_uint_eq(json_object_size(sig), 3);
    json_decref(root);

    const char *reason = "q\"b\\n\nt\tc\x01 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    tipc_ack a = make_ack(TIPC_ACK_REJECTED, reason);
    a.duplicate = 1;
    ck_assert_tipc_ok(tipc_ack_encode(&a, buf, sizeof buf, &len));
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    ck_assert_msg(root != NULL, "%s", err.text);
    ck_assert_str_eq(json_string_value(json_object_get(root, "reason")), reason);
    ck_assert_str_eq(json_string_value(json_object_get(root, "status")), "rejected");
    ck_assert(json_is_true(json_object_get(root, "duplicate")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "order_id")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "ack_ns")), 1700000000123490000);
    ck_assert_uint_eq(json_object_size(root), 8);
    json_decref(root);
}
END_TEST

START_TEST(test_codec_we_read_jansson_json)
{
    /* An order built and printed by jansson: its own key order, spacing and
     * shortest-round-trip reals. */
    json_t *root =
        json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:{s:s, s:i, s:i}, s:I, s:I, s:b}", "id",
                  "news-3", "symbol", "MSFT", "side", "SELL", "qty", 50, "price", 402.125,
                  "strategy", "news", "signal", "rule", "sentiment", "sentiment", 18, "threshold",
                  25, "tick_ns", (json_int_t)123, "send_ns", (json_int_t)456, "extra", 1);
    ck_assert_ptr_nonnull(root);
    char *text = json_dumps(root, JSON_INDENT(3) | JSON_SORT_KEYS);
    ck_assert_ptr_nonnull(text);
    tipc_order o;
    char why[256] = "";
    int rc = tipc_order_decode_ex(text, strlen(text), &o, why, sizeof why);
    ck_assert_msg(rc == TIPC_OK, "%s: %s", text, why);
    ck_assert_str_eq(o.client_order_id, "news-3");
    ck_assert_int_eq(o.side, TIPC_SIDE_SELL);
    ck_assert_uint_eq(o.quantity, 50);
    ck_assert_int_eq(o.price, 4021250);
    ck_assert_int_eq(o.signal.rule, TIPC_RULE_SENTIMENT);
    ck_assert_int_eq(o.signal.sentiment, 18);
    ck_assert_int_eq(o.signal.threshold, 25);
    ck_assert_uint_eq(o.tick_ns, 123);
    ck_assert_uint_eq(o.send_ns, 456);
    free(text);
    json_decref(root);
}
END_TEST

/* ---- helpers ------------------------------------------------------------ */

START_TEST(test_codec_price_format)
{
    static const struct {
        int64_t v;
        const char *s;
    } cases[] = {
        {1640500, "164.0500"},
        {1, "0.0001"},
        {0, "0.0000"},
        {10000, "1.0000"},
        {-5, "-0.0005"},
        {-1640500, "-164.0500"},
        {INT64_MAX, "922337203685477.5807"},
        {INT64_MIN, "-922337203685477.5808"},
    };
    char buf[TIPC_PRICE_STR_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = tipc_price_format(cases[i].v, buf, sizeof buf);
        ck_assert_int_eq(n, (int)strlen(cases[i].s));
        ck_assert_str_eq(buf, cases[i].s);
        /* exactly n + 1 bytes suffice; n bytes do not */
        char *tight = malloc((size_t)n + 1);
        ck_assert_int_eq(tipc_price_format(cases[i].v, tight, (size_t)n + 1), n);
        ck_assert_str_eq(tight, cases[i].s);
        ck_assert_tipc_err(tipc_price_format(cases[i].v, tight, (size_t)n), TIPC_ENOSPC);
        ck_assert_int_eq(tight[0], '\0');
        free(tight);
    }
    ck_assert_tipc_err(tipc_price_format(1, NULL, 0), TIPC_ENOSPC);
}
END_TEST

START_TEST(test_codec_price_parse)
{
    static const struct {
        const char *s;
        int code;
        int64_t v;
    } cases[] = {
        {"164.05", TIPC_OK, 1640500},
        {"164.0500", TIPC_OK, 1640500},
        {"164.050000", TIPC_OK, 1640500},
        {"164", TIPC_OK, 1640000},
        {"0", TIPC_OK, 0},
        {"0.0001", TIPC_OK, 1},
        {"007.5", TIPC_OK, 75000},
        {"922337203685477.5807", TIPC_OK, INT64_MAX},
        {"922337203685477.5808", TIPC_ERANGE, 0},
        {"922337203685478", TIPC_ERANGE, 0},
        {"99999999999999999999999999", TIPC_ERANGE, 0},
        {"99999999999999999999999999x", TIPC_EBADVAL, 0},
        {"164.00001", TIPC_EBADVAL, 0},
        {"", TIPC_EBADVAL, 0},
        {".5", TIPC_EBADVAL, 0},
        {"5.", TIPC_EBADVAL, 0},
        {"-1", TIPC_EBADVAL, 0},
        {"+1", TIPC_EBADVAL, 0},
        {" 1", TIPC_EBADVAL, 0},
        {"1 ", TIPC_EBADVAL, 0},
        {"1e3", TIPC_EBADVAL, 0},
        {"1.2.3", TIPC_EBADVAL, 0},
        {"1,5", TIPC_EBADVAL, 0},
        {"nan", TIPC_EBADVAL, 0},
        {"NaN", TIPC_EBADVAL, 0},
        {"inf", TIPC_EBADVAL, 0},
        {"Infinity", TIPC_EBADVAL, 0},
        {"0x10", TIPC_EBADVAL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -42;
        size_t n = strlen(cases[i].s);
        char *in = exact_copy(cases[i].s, n); /* no NUL: only s[0..len) may be read */
        int rc = tipc_price_parse(in, n, &v);
        free(in);
        ck_assert_msg(rc == cases[i].code, "\"%s\": got %s", cases[i].s, tipc_err_name(rc));
        ck_assert_int_eq(v, rc == TIPC_OK ? cases[i].v : -42);
    }
    /* len bounds the text: "164.05" read as 5 bytes is "164.0" */
    int64_t v;
    ck_assert_tipc_ok(tipc_price_parse("164.05", 5, &v));
    ck_assert_int_eq(v, 1640000);
    ck_assert_tipc_err(tipc_price_parse(NULL, 0, &v), TIPC_EBADVAL);
    /* format and parse are inverse on every non-negative value */
    for (int i = 0; i < 20000; i++) {
        int64_t p = (int64_t)(rng() >> (rng() % 64)) & INT64_MAX, back;
        char buf[TIPC_PRICE_STR_MAX];
        int n = tipc_price_format(p, buf, sizeof buf);
        REQUIRE(n > 0 && tipc_price_parse(buf, (size_t)n, &back) == TIPC_OK && back == p,
                "%" PRId64 " -> %s", p, buf);
    }
}
END_TEST

START_TEST(test_codec_names_and_predicates)
{
    tipc_side side = (tipc_side)0;
    tipc_rule rule = (tipc_rule)0;

    ck_assert_str_eq(tipc_side_name(TIPC_SIDE_BUY), "BUY");
    ck_assert_str_eq(tipc_side_name(TIPC_SIDE_SELL), "SELL");
    ck_assert_str_eq(tipc_side_name((tipc_side)9), "UNKNOWN");
    ck_assert_tipc_ok(tipc_side_parse("SELL", &side));
    ck_assert_int_eq(side, TIPC_SIDE_SELL);
    ck_assert_tipc_ok(tipc_side_parse("BUY", &side));
    ck_assert_int_eq(side, TIPC_SIDE_BUY);
    ck_assert_tipc_err(tipc_side_parse("buy", &side), TIPC_EBADVAL);
    ck_assert_tipc_err(tipc_side_parse("BUYX", &side), TIPC_EBADVAL);
    ck_assert_tipc_err(tipc_side_parse("", &side), TIPC_EBADVAL);
    ck_assert_int_eq(side, TIPC_SIDE_BUY);

    ck_assert_str_eq(tipc_rule_name(TIPC_RULE_MA_CROSS), "ma_cross");
    ck_assert_str_eq(tipc_rule_name(TIPC_RULE_SENTIMENT), "sentiment");
    ck_assert_str_eq(tipc_rule_name(TIPC_RULE_MANUAL), "manual");
    ck_assert_str_eq(tipc_rule_name((tipc_rule)0), "UNKNOWN");
    ck_assert_tipc_ok(tipc_rule_parse("sentiment", &rule));
    ck_assert_int_eq(rule, TIPC_RULE_SENTIMENT);
    ck_assert_tipc_ok(tipc_rule_parse("manual", &rule));
    ck_assert_int_eq(rule, TIPC_RULE_MANUAL);
    ck_assert_tipc_err(tipc_rule_parse("MA_CROSS", &rule), TIPC_EBADVAL);
    ck_assert_tipc_err(tipc_rule_parse("UNKNOWN", &rule), TIPC_EBADVAL);

    ck_assert_int_eq(tipc_symbol_is_valid("AAPL", 4), 1);
    ck_assert_int_eq(tipc_symbol_is_valid("BRK.B", 5), 1);
    ck_assert_int_eq(tipc_symbol_is_valid("ES_F-2024", 9), 1);
    ck_assert_int_eq(tipc_symbol_is_valid("ABCDEFGHIJKLMNO", 15), 1);
    ck_assert_int_eq(tipc_symbol_is_valid("ABCDEFGHIJKLMNOP", 16), 0);
    ck_assert_int_eq(tipc_symbol_is_valid("", 0), 0);
    ck_assert_int_eq(tipc_symbol_is_valid(NULL, 0), 0);
    ck_assert_int_eq(tipc_symbol_is_valid("AA PL", 5), 0);
    ck_assert_int_eq(tipc_symbol_is_valid("AA:PL", 5), 0);
    ck_assert_int_eq(tipc_symbol_is_valid("AA\0L", 4), 0);
    ck_assert_int_eq(tipc_symbol_is_valid("AAPL;rm", 4), 1); /* only len bytes count */

    ck_assert_int_eq(tipc_order_id_is_valid("mom-17", 6), 1);
    ck_assert_int_eq(tipc_order_id_is_valid("a:b.c_d-e", 9), 1);
    ck_assert_int_eq(tipc_order_id_is_valid("abcdefghijklmnopqrstuvwxyz01234", 31), 1);
    ck_assert_int_eq(tipc_order_id_is_valid("abcdefghijklmnopqrstuvwxyz012345", 32), 0);
    ck_assert_int_eq(tipc_order_id_is_valid("", 0), 0);
    ck_assert_int_eq(tipc_order_id_is_valid("a/b", 3), 0);
    ck_assert_int_eq(tipc_order_id_is_valid("a\"b", 3), 0);
}
END_TEST

/* The decoders read their own encoders' exact form without jansson (a fast
 * path) and everything else with it. Whatever the text, the two must agree:
 * a leading space keeps the same JSON off the fast path, so decode both and
 * compare the result, the struct and the explanation (jansson's syntax errors
 * name a column, one further with the space: only their code is compared). */
static void
json_paths_agree(int is_order, const char *text, size_t n)
{
    char *in = exact_copy(text, n), *sp = malloc(n + 1), why1[256] = "", why2[256] = "";
    int rc1, rc2;

    ck_assert_ptr_nonnull(sp);
    sp[0] = ' ';
    memcpy(sp + 1, text, n);
    if (is_order) {
        tipc_order o1, o2;
        memset(&o1, 0xa5, sizeof o1);
        memset(&o2, 0xa5, sizeof o2);
        rc1 = tipc_order_decode_ex(in, n, &o1, why1, sizeof why1);
        rc2 = tipc_order_decode_ex(sp, n + 1, &o2, why2, sizeof why2);
        ck_assert_int_eq(rc1, rc2);
        assert_order_eq(&o1, &o2);
    } else {
        tipc_ack a1, a2;
        memset(&a1, 0xa5, sizeof a1);
        memset(&a2, 0xa5, sizeof a2);
        rc1 = tipc_ack_decode_ex(in, n, &a1, why1, sizeof why1);
        rc2 = tipc_ack_decode_ex(sp, n + 1, &a2, why2, sizeof why2);
        ck_assert_int_eq(rc1, rc2);
        assert_ack_eq(&a1, &a2);
    }
    if (rc1 != TIPC_EPROTO)
        ck_assert_str_eq(why1, why2);
    free(in);
    free(sp);
}

START_TEST(test_codec_json_fast_path_agrees)
{
    static const char *const orders[] = {
        "{\"id\":\"s-1\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":100,\"price\":187.4400,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}",
        /* edges of every number the fast path reads */
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"SELL\",\"qty\":4294967295,\"price\":"
        "100000000000.0000,\"strategy\":\"s\",\"signal\":{\"rule\":\"sentiment\",\"sentiment\":"
        "100,\"threshold\":0},\"tick_ns\":9223372036854775807,\"send_ns\":9223372036854775807}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":4294967296,\"price\":1,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":100000000000.0001,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":0.0000,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":1.00000,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":01,\"price\":1.5,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":9223372036854775808,"
        "\"send_ns\":1}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":1.5,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":18446744073709551616,"
        "\"send_ns\":1}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":1e2,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":1,\"send_ns\":1.0}",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":1.5,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":1,\"send_ns\":1} ",
        "{\"id\":\"s-1\",\"symbol\":\"A\",\"side\":\"BUY\",\"qty\":1,\"price\":1.5,"
        "\"strategy\":\"s\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":1,\"send_ns\":1,"
        "\"send_ns\":2}",
    };
    static const char *const acks[] = {
        "{\"id\":\"s-1\",\"order_id\":7,\"status\":\"accepted\",\"duplicate\":true,\"reason\":"
        "\"\",\"order_send_ns\":1,\"recv_ns\":2,\"ack_ns\":3}",
        "{\"id\":\"s-1\",\"order_id\":0,\"status\":\"rejected\",\"duplicate\":false,\"reason\":"
        "\"qty: \\\"x\\\"\",\"order_send_ns\":1,\"recv_ns\":2,\"ack_ns\":3}",
    };
    char base[6][TIPC_ORDER_JSON_MAX], buf[TIPC_ORDER_JSON_MAX + 8];
    size_t blen[6];
    tipc_order o0 = make_order(TIPC_RULE_MA_CROSS), o1 = make_order(TIPC_RULE_SENTIMENT),
               o2 = make_order(TIPC_RULE_MANUAL);
    tipc_ack a0 = make_ack(TIPC_ACK_ACCEPTED, ""), a1 = make_ack(TIPC_ACK_REJECTED, "no");
    static const char alphabet[] = "0123456789.-eE\" \\,:}{tf";

    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
        json_paths_agree(1, orders[i], strlen(orders[i]));
    for (size_t i = 0; i < sizeof acks / sizeof acks[0]; i++)
        json_paths_agree(0, acks[i], strlen(acks[i]));
    ck_assert_tipc_ok(tipc_order_encode(&o0, base[0], sizeof base[0], &blen[0]));
    ck_assert_tipc_ok(tipc_order_encode(&o1, base[1], sizeof base[1], &blen[1]));
    ck_assert_tipc_ok(tipc_order_encode(&o2, base[2], sizeof base[2], &blen[2]));
    ck_assert_tipc_ok(tipc_ack_encode(&a0, base[3], sizeof base[3], &blen[3]));
    ck_assert_tipc_ok(tipc_ack_encode(&a1, base[4], sizeof base[4], &blen[4]));
    for (int w = 0; w < 5; w++)
        json_paths_agree(w < 3, base[w], blen[w]);
    for (int iter = 0; iter < 3000; iter++) {
        int w = iter % 5;
        size_t n = blen[w];
        memcpy(buf, base[w], n);
        size_t at = rng() % n;
        switch (rng() % 3) {
        case 0:
            buf[at] = alphabet[rng() % (sizeof alphabet - 1)];
            break;
        case 1:
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = alphabet[rng() % (sizeof alphabet - 1)];
            n++;
            break;
        default:
            memmove(buf + at, buf + at + 1, n - at - 1);
            n--;
        }
        json_paths_agree(w < 3, buf, n);
    }
}
END_TEST

static Suite *
tipc_codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_codec_tick_golden_vector);
    tcase_add_test(core, test_codec_news_golden_vector);
    tcase_add_test(core, test_codec_msgpack_vectors);
    tcase_add_test(core, test_codec_tick_round_trip_boundaries);
    tcase_add_test(core, test_codec_news_round_trip_boundaries);
    tcase_add_test(core, test_codec_order_round_trip_each_rule);
    tcase_add_test(core, test_codec_ack_round_trip);
    tcase_add_test(core, test_codec_order_decode_fills_every_field);
    tcase_add_test(core, test_codec_json_vectors);
    tcase_set_timeout(core, 30);
    suite_add_tcase(s, core);

    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_codec_truncation_at_every_length);
    tcase_add_test(errors, test_codec_decode_explains_errors);
    tcase_add_test(errors, test_codec_decode_leaves_out_untouched_on_error);
    tcase_add_test(errors, test_codec_encode_rejects_invalid_structs);
    tcase_add_test(errors, test_codec_order_decode_names_the_field);
    tcase_add_test(errors, test_codec_order_price_precision);
    tcase_add_test(errors, test_codec_fuzz_msgpack_against_msgpack_c);
    tcase_add_test(errors, test_codec_fuzz_json);
    tcase_add_test(errors, test_codec_json_fast_path_agrees);
    tcase_set_timeout(errors, 120); /* the mutation loops under valgrind */
    suite_add_tcase(s, errors);

    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, test_codec_enospc_reports_size_needed);
    tcase_add_test(limits, test_codec_json_worst_case_fits_the_maximum);
    tcase_add_test(limits, test_codec_json_oversized_input_rejected_before_parsing);
    tcase_add_test(limits, test_codec_json_nul_termination);
    tcase_set_timeout(limits, 30);
    suite_add_tcase(s, limits);

    TCase *interop = tcase_create("interop");
    tcase_add_test(interop, test_codec_msgpack_c_reads_our_encoding);
    tcase_add_test(interop, test_codec_we_read_msgpack_c_wide_encodings);
    tcase_add_test(interop, test_codec_jansson_reads_our_json);
    tcase_add_test(interop, test_codec_we_read_jansson_json);
    tcase_set_timeout(interop, 30);
    suite_add_tcase(s, interop);

    TCase *helpers = tcase_create("helpers");
    tcase_add_test(helpers, test_codec_price_format);
    tcase_add_test(helpers, test_codec_price_parse);
    tcase_add_test(helpers, test_codec_names_and_predicates);
    tcase_set_timeout(helpers, 30);
    suite_add_tcase(s, helpers);
    return s;
}

TIPC_CHECK_MAIN(tipc_codec_suite)
