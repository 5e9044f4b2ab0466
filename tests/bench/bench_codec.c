/* SPDX-License-Identifier: MIT */
/*
 * Codec ns/op (issue 5, item 5): msgpack tick and news, JSON order and ack,
 * encode and decode, over the real ticks of data/prices.csv (25,160
 * different inputs, so no branch predictor learns one message).
 *
 * Each op is timed in batches of 1000 calls; the histogram holds the per-op
 * mean of each batch (a clock read costs more than a tick decode). Next to
 * each figure, measured in the same run:
 *   floor  memcpy of the same encoded bytes into a struct-sized buffer
 *   peer   what a user would write with the dependency directly:
 *          msgpack-c (msgpack_pack_* into an sbuffer; msgpack_unpack into a
 *          reused zone, then the five fields read out of the object tree) and
 *          jansson (json_pack + json_dumpb; json_loadb, the fields read with
 *          json_object_get, json_decref), without our validation.
 * Every encoding is decoded back and compared field by field before timing.
 */
#include "config.h"

#include "bench.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#define BATCH 1000

static bench_ticks T;
static tipc_news *news;
static uint8_t *news_enc, *news_len;
static tipc_order *orders;
static tipc_ack *acks;
static char *order_json, *ack_json;
static size_t *order_len, *ack_len;
static size_t N; /* inputs of each kind */
#define JSON_SLOT 512

static int
news_equal(const tipc_news *a, const tipc_news *b)
{
    return strcmp(a->symbol, b->symbol) == 0 && a->sentiment == b->sentiment &&
           a->event_ns == b->event_ns && a->send_ns == b->send_ns && a->seq == b->seq;
}

static int
order_equal(const tipc_order *a, const tipc_order *b)
{
    const tipc_signal_info *x = &a->signal, *y = &b->signal;

    return strcmp(a->client_order_id, b->client_order_id) == 0 &&
           strcmp(a->symbol, b->symbol) == 0 && a->side == b->side && a->quantity == b->quantity &&
           a->price == b->price && strcmp(a->strategy, b->strategy) == 0 && x->rule == y->rule &&
           x->short_window == y->short_window && x->long_window == y->long_window &&
           x->short_ma == y->short_ma && x->long_ma == y->long_ma && x->sentiment == y->sentiment &&
           x->threshold == y->threshold && a->tick_ns == b->tick_ns && a->send_ns == b->send_ns;
}

static int
ack_equal(const tipc_ack *a, const tipc_ack *b)
{
    return strcmp(a->client_order_id, b->client_order_id) == 0 && a->order_id == b->order_id &&
           a->status == b->status && a->duplicate == b->duplicate &&
           strcmp(a->reason, b->reason) == 0 && a->order_send_ns == b->order_send_ns &&
           a->recv_ns == b->recv_ns && a->ack_ns == b->ack_ns;
}

static void
prepare(void)
{
    N = T.n;
    news = calloc(N, sizeof *news);
    news_enc = calloc(N, TIPC_NEWS_ENCODED_MAX);
    news_len = calloc(N, 1);
    orders = calloc(N, sizeof *orders);
    acks = calloc(N, sizeof *acks);
    order_json = calloc(N, JSON_SLOT);
    ack_json = calloc(N, JSON_SLOT);
    order_len = calloc(N, sizeof *order_len);
    ack_len = calloc(N, sizeof *ack_len);
    BENCH_CHECK(news && news_enc && news_len && orders && acks && order_json && ack_json &&
                    order_len && ack_len,
                "out of memory");
    for (size_t i = 0; i < N; i++) {
        const tipc_tick *t = &T.tick[i];
        tipc_news *n = &news[i];
        tipc_order *o = &orders[i];
        tipc_ack *a = &acks[i];
        tipc_tick tk;
        tipc_news nw;
        tipc_order od;
        tipc_ack ak;
        size_t len;

        BENCH_OK(tipc_tick_decode(T.payload + i * TIPC_TICK_ENCODED_MAX, T.len[i], &tk));
        BENCH_CHECK(bench_tick_equal(&tk, t), "tick %zu does not survive encode+decode", i);

        memcpy(n->symbol, t->symbol, sizeof n->symbol);
        n->sentiment = (int32_t)(t->price % 101);
        n->event_ns = t->event_ns;
        n->send_ns = t->send_ns;
        n->seq = t->seq;
        BENCH_OK(
            tipc_news_encode(n, news_enc + i * TIPC_NEWS_ENCODED_MAX, TIPC_NEWS_ENCODED_MAX, &len));
        news_len[i] = (uint8_t)len;
        BENCH_OK(tipc_news_decode(news_enc + i * TIPC_NEWS_ENCODED_MAX, len, &nw));
        BENCH_CHECK(news_equal(&nw, n), "news %zu does not survive encode+decode", i);

        snprintf(o->client_order_id, sizeof o->client_order_id, "strat-%zu", i + 1);
        memcpy(o->symbol, t->symbol, sizeof o->symbol);
        memcpy(o->strategy, "strat", 6);
        o->side = i % 2 ? TIPC_SIDE_SELL : TIPC_SIDE_BUY;
        o->quantity = 100;
        o->price = t->price;
        if (i % 3 == 0) {
            o->signal.rule = TIPC_RULE_SENTIMENT;
            o->signal.sentiment = 85;
            o->signal.threshold = 80;
        } else {
            o->signal.rule = TIPC_RULE_MA_CROSS;
            o->signal.short_window = 5;
            o->signal.long_window = 20;
            o->signal.short_ma = t->price + 100;
            o->signal.long_ma = t->price - 100;
        }
        o->tick_ns = t->send_ns;
        o->send_ns = t->send_ns + 5000;
        BENCH_OK(tipc_order_encode(o, order_json + i * JSON_SLOT, JSON_SLOT, &order_len[i]));
        BENCH_OK(tipc_order_decode(order_json + i * JSON_SLOT, order_len[i], &od));
        BENCH_CHECK(order_equal(&od, o), "order %zu does not survive encode+decode", i);

        memcpy(a->client_order_id, o->client_order_id, sizeof a->client_order_id);
        a->order_id = i + 1;
        a->status = i % 50 ? TIPC_ACK_ACCEPTED : TIPC_ACK_REJECTED;
        if (a->status == TIPC_ACK_REJECTED) {
            a->order_id = 0;
            snprintf(a->reason, sizeof a->reason, "qty: must be a positive integer, got -5");
        }
        a->order_send_ns = o->send_ns;
        a->recv_ns = o->send_ns + 20000;
        a->ack_ns = o->send_ns + 30000;
        BENCH_OK(tipc_ack_encode(a, ack_json + i * JSON_SLOT, JSON_SLOT, &ack_len[i]));
        BENCH_OK(tipc_ack_decode(ack_json + i * JSON_SLOT, ack_len[i], &ak));
        BENCH_CHECK(ack_equal(&ak, a), "ack %zu does not survive encode+decode", i);
    }
}

/* ---- The operations (each returns something so nothing is optimised out) */

typedef uint64_t (*op_fn)(size_t i);

static uint8_t out[4096];

static uint64_t
op_tick_encode(size_t i)
{
    size_t len;
    BENCH_OK(tipc_tick_encode(&T.tick[i], out, sizeof out, &len));
    return len;
}

static uint64_t
op_tick_decode(size_t i)
{
    tipc_tick t;
    BENCH_OK(tipc_tick_decode(T.payload + i * TIPC_TICK_ENCODED_MAX, T.len[i], &t));
    return t.seq;
}

static uint64_t
op_news_encode(size_t i)
{
    size_t len;
    BENCH_OK(tipc_news_encode(&news[i], out, sizeof out, &len));
    return len;
}

static uint64_t
op_news_decode(size_t i)
{
    tipc_news n;
    BENCH_OK(tipc_news_decode(news_enc + i * TIPC_NEWS_ENCODED_MAX, news_len[i], &n));
    return n.seq;
}

static uint64_t
op_order_encode(size_t i)
{
    size_t len;
    BENCH_OK(tipc_order_encode(&orders[i], (char *)out, sizeof out, &len));
    return len;
}

static uint64_t
op_order_decode(size_t i)
{
    tipc_order o;
    BENCH_OK(tipc_order_decode(order_json + i * JSON_SLOT, order_len[i], &o));
    return o.send_ns;
}

static uint64_t
op_ack_encode(size_t i)
{
    size_t len;
    BENCH_OK(tipc_ack_encode(&acks[i], (char *)out, sizeof out, &len));
    return len;
}

static uint64_t
op_ack_decode(size_t i)
{
    tipc_ack a;
    BENCH_OK(tipc_ack_decode(ack_json + i * JSON_SLOT, ack_len[i], &a));
    return a.ack_ns;
}

/* Floors: a copy of the encoded bytes. */
static uint64_t
floor_tick(size_t i)
{
    tipc_tick t;
    memcpy(&t, T.payload + i * TIPC_TICK_ENCODED_MAX, T.len[i]);
    __asm__ volatile("" : : "r"(&t) : "memory");
    return t.seq;
}

static uint64_t
floor_news(size_t i)
{
    tipc_news n;
    memcpy(&n, news_enc + i * TIPC_NEWS_ENCODED_MAX, news_len[i]);
    __asm__ volatile("" : : "r"(&n) : "memory");
    return n.seq;
}

static char jbuf[JSON_SLOT];

static uint64_t
floor_order(size_t i)
{
    memcpy(jbuf, order_json + i * JSON_SLOT, order_len[i]);
    __asm__ volatile("" : : "r"(jbuf) : "memory");
    return (uint64_t)jbuf[1];
}

static uint64_t
floor_ack(size_t i)
{
    memcpy(jbuf, ack_json + i * JSON_SLOT, ack_len[i]);
    __asm__ volatile("" : : "r"(jbuf) : "memory");
    return (uint64_t)jbuf[1];
}

/* Peers: the dependency used directly, no validation. */
static msgpack_sbuffer sbuf;
static msgpack_packer pk;
static msgpack_zone zone;

static uint64_t
peer_tick_encode(size_t i)
{
    const tipc_tick *t = &T.tick[i];
    size_t n = strlen(t->symbol);

    msgpack_sbuffer_clear(&sbuf);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_str(&pk, n);
    msgpack_pack_str_body(&pk, t->symbol, n);
    msgpack_pack_int64(&pk, t->price);
    msgpack_pack_uint64(&pk, t->event_ns);
    msgpack_pack_uint64(&pk, t->send_ns);
    msgpack_pack_uint64(&pk, t->seq);
    return sbuf.size;
}

static uint64_t
peer_unpack(const void *buf, size_t len)
{
    msgpack_object obj;
    size_t off = 0;
    tipc_tick t;

    msgpack_zone_clear(&zone);
    if (msgpack_unpack(buf, len, &off, &zone, &obj) != MSGPACK_UNPACK_SUCCESS ||
        obj.type != MSGPACK_OBJECT_ARRAY || obj.via.array.size != 5)
        bench_fail("msgpack_unpack failed");
    const msgpack_object *f = obj.via.array.ptr;
    size_t sl = f[0].via.str.size < sizeof t.symbol ? f[0].via.str.size : sizeof t.symbol - 1;
    memcpy(t.symbol, f[0].via.str.ptr, sl);
    t.symbol[sl] = '\0';
    t.price = f[1].via.i64;
    t.event_ns = f[2].via.u64;
    t.send_ns = f[3].via.u64;
    t.seq = f[4].via.u64;
    __asm__ volatile("" : : "r"(&t) : "memory");
    return t.seq;
}

static uint64_t
peer_tick_decode(size_t i)
{
    return peer_unpack(T.payload + i * TIPC_TICK_ENCODED_MAX, T.len[i]);
}

static uint64_t
peer_news_decode(size_t i)
{
    return peer_unpack(news_enc + i * TIPC_NEWS_ENCODED_MAX, news_len[i]);
}

static uint64_t
peer_news_encode(size_t i)
{
    const tipc_news *n = &news[i];
    size_t sl = strlen(n->symbol);

    msgpack_sbuffer_clear(&sbuf);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_str(&pk, sl);
    msgpack_pack_str_body(&pk, n->symbol, sl);
    msgpack_pack_int32(&pk, n->sentiment);
    msgpack_pack_uint64(&pk, n->event_ns);
    msgpack_pack_uint64(&pk, n->send_ns);
    msgpack_pack_uint64(&pk, n->seq);
    return sbuf.size;
}

static uint64_t
peer_order_encode(size_t i)
{
    const tipc_order *o = &orders[i];
    json_t *sig = o->signal.rule == TIPC_RULE_MA_CROSS
                      ? json_pack("{s:s,s:I,s:I,s:f,s:f}", "rule", "ma_cross", "short_window",
                                  (json_int_t)o->signal.short_window, "long_window",
                                  (json_int_t)o->signal.long_window, "short_ma",
                                  (double)o->signal.short_ma / 1e4, "long_ma",
                                  (double)o->signal.long_ma / 1e4)
                      : json_pack("{s:s,s:i,s:i}", "rule", "sentiment", "sentiment",
                                  o->signal.sentiment, "threshold", o->signal.threshold);
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:I,s:f,s:s,s:o,s:I,s:I}", "id", o->client_order_id, "symbol",
                  o->symbol, "side", tipc_side_name(o->side), "qty", (json_int_t)o->quantity,
                  "price", (double)o->price / 1e4, "strategy", o->strategy, "signal", sig,
                  "tick_ns", (json_int_t)o->tick_ns, "send_ns", (json_int_t)o->send_ns);
    size_t n = json_dumpb(j, (char *)out, sizeof out, JSON_COMPACT);
    json_decref(j);
    return n;
}

static uint64_t
peer_json_decode(const char *s, size_t len, const char *const *keys)
{
    json_error_t err;
    json_t *j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err);
    uint64_t sum = 0;

    if (j == NULL)
        bench_fail("json_loadb: %s", err.text);
    for (const char *const *k = keys; *k != NULL; k++) {
        json_t *v = json_object_get(j, *k);
        if (v == NULL)
            bench_fail("json: no %s", *k);
        sum += json_is_string(v) ? json_string_length(v) : (uint64_t)json_integer_value(v);
    }
    json_decref(j);
    return sum;
}

static uint64_t
peer_order_decode(size_t i)
{
    static const char *const keys[] = {"id",       "symbol", "side",    "qty",     "price",
                                       "strategy", "signal", "tick_ns", "send_ns", NULL};
    return peer_json_decode(order_json + i * JSON_SLOT, order_len[i], keys);
}

static uint64_t
peer_ack_encode(size_t i)
{
    const tipc_ack *a = &acks[i];
    json_t *j =
        json_pack("{s:s,s:I,s:s,s:b,s:s,s:I,s:I,s:I}", "id", a->client_order_id, "order_id",
                  (json_int_t)a->order_id, "status",
                  a->status == TIPC_ACK_ACCEPTED ? "accepted" : "rejected", "duplicate",
                  a->duplicate, "reason", a->reason, "order_send_ns", (json_int_t)a->order_send_ns,
                  "recv_ns", (json_int_t)a->recv_ns, "ack_ns", (json_int_t)a->ack_ns);
    size_t n = json_dumpb(j, (char *)out, sizeof out, JSON_COMPACT);
    json_decref(j);
    return n;
}

static uint64_t
peer_ack_decode(size_t i)
{
    static const char *const keys[] = {"id",        "order_id", "status",
                                       "duplicate", "reason",   "order_send_ns",
                                       "recv_ns",   "ack_ns",   NULL};
    return peer_json_decode(ack_json + i * JSON_SLOT, ack_len[i], keys);
}

/* Time op over the inputs in batches until budget_ns is used; per-op batch means. */
static tipc_hist *
measure(op_fn op, uint64_t budget_ns, double *mean)
{
    tipc_hist *h = bench_hist();
    uint64_t start = bench_ns(), sink = 0, ops = 0;
    size_t i = 0;

    for (int w = 0; w < BATCH; w++) /* warm-up */
        sink += op(w % N);
    start = bench_ns();
    do {
        uint64_t t0 = bench_ns();
        for (int k = 0; k < BATCH; k++) {
            sink += op(i);
            if (++i == N)
                i = 0;
        }
        tipc_hist_record(h, (bench_ns() - t0 + BATCH / 2) / BATCH);
        ops += BATCH;
    } while (bench_ns() - start < budget_ns);
    *mean = (double)(bench_ns() - start) / (double)ops;
    __asm__ volatile("" : : "r"(sink));
    return h;
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *name, *key;
        op_fn op, floor, peer;
        const char *peer_name;
    } ops[] = {
        {"tick encode (msgpack)", "tick_encode", op_tick_encode, floor_tick, peer_tick_encode,
         "msgpack-c pack"},
        {"tick decode (msgpack)", "tick_decode", op_tick_decode, floor_tick, peer_tick_decode,
         "msgpack-c unpack"},
        {"news encode (msgpack)", "news_encode", op_news_encode, floor_news, peer_news_encode,
         "msgpack-c pack"},
        {"news decode (msgpack)", "news_decode", op_news_decode, floor_news, peer_news_decode,
         "msgpack-c unpack"},
        {"order encode (JSON)", "order_encode", op_order_encode, floor_order, peer_order_encode,
         "jansson pack+dump"},
        {"order decode (JSON)", "order_decode", op_order_decode, floor_order, peer_order_decode,
         "jansson load+get"},
        {"ack encode (JSON)", "ack_encode", op_ack_encode, floor_ack, peer_ack_encode,
         "jansson pack+dump"},
        {"ack decode (JSON)", "ack_decode", op_ack_decode, floor_ack, peer_ack_decode,
         "jansson load+get"},
    };
    bench_ctx c;
    uint64_t budget;
    FILE *dat;

    bench_init(&c, "bench_codec", argc, argv);
    budget = c.quick ? 5000000ull : 250000000ull;
    bench_pin(&c, 0);
    bench_ticks_load(&c, &T, 0);
    prepare();
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    BENCH_CHECK(msgpack_zone_init(&zone, 2048), "msgpack_zone_init");
    bench_section("5. Codec: ns/op (batches of 1000 calls; p50/p99 of batch means)");
    bench_note("%zu different inputs of each kind (real ticks); every encoding decoded back and "
               "compared first; CPU 0",
               N);
    printf("   %-24s %9s %9s %9s %9s %-18s %8s\n", "op", "p50", "p99", "floor p50", "peer p50",
           "(peer is)", "vs peer");
    dat = bench_dat(&c, "codec.dat", "op tradeipc_ns peer_ns floor_ns (p50 ns/op)");
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        double m, mf, mp;
        tipc_hist *h = measure(ops[k].op, budget, &m);
        tipc_hist *hf = measure(ops[k].floor, budget / 5, &mf);
        tipc_hist *hp = measure(ops[k].peer, budget, &mp);
        double p50 = (double)tipc_hist_percentile(h, 50),
               f50 = (double)tipc_hist_percentile(hf, 50),
               q50 = (double)tipc_hist_percentile(hp, 50);
        char key[64];

        printf("   %-24s %9s %9s %9s %9s %-18s %7.2fx\n", ops[k].name, bench_fmt_ns(p50),
               bench_fmt_ns((double)tipc_hist_percentile(h, 99)), bench_fmt_ns(f50),
               bench_fmt_ns(q50), ops[k].peer_name, p50 / q50);
        if (dat != NULL)
            fprintf(dat, "\"%s\" %.1f %.1f %.1f\n", ops[k].name, p50, q50, f50);
        snprintf(key, sizeof key, "codec.%s", ops[k].key);
        bench_summary(&c, key, p50);
        tipc_hist_destroy(h);
        tipc_hist_destroy(hf);
        tipc_hist_destroy(hp);
    }
    if (dat != NULL)
        fclose(dat);
    bench_note("floor = memcpy of the encoded bytes; peer = the dependency called directly, "
               "without tradeipc's validation (vs peer < 1: tradeipc is faster); p50 of batch "
               "means is the figure: a mean would include the batches another process preempted");
    msgpack_zone_destroy(&zone);
    msgpack_sbuffer_destroy(&sbuf);
    bench_ticks_free(&T);
    return 0;
}
