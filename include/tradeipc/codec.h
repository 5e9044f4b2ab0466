/* SPDX-License-Identifier: MIT */
/*
 * Codec: the values that cross process boundaries.
 *
 * Market data (tipc_tick, tipc_news) travels as plain msgpack; orders and
 * acknowledgements (tipc_order, tipc_ack) travel as plain JSON. All four are
 * plain structs with fixed-width fields and no pointers: copying one is
 * always safe.
 *
 * Prices are fixed-point integers: price = decimal price * TIPC_PRICE_SCALE,
 * so 164.05 is 1640500. Four decimal places cover equity prices exactly.
 */
#ifndef TRADEIPC_CODEC_H
#define TRADEIPC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

/* Fixed-point price scale: 4 decimal places. */
#define TIPC_PRICE_SCALE 10000
/* Longest symbol, in bytes, without the terminating NUL. */
#define TIPC_SYMBOL_MAX 15
/* Longest client order id and strategy name, without the terminating NUL. */
#define TIPC_ORDER_ID_MAX 31
#define TIPC_STRATEGY_MAX 31
/* Longest rejection reason in an ack, without the terminating NUL. */
#define TIPC_REASON_MAX 127
/* Sentiment scores are integers in [TIPC_SENTIMENT_MIN, TIPC_SENTIMENT_MAX]. */
#define TIPC_SENTIMENT_MIN 0
#define TIPC_SENTIMENT_MAX 100

/* A price tick. Symbols are 1..TIPC_SYMBOL_MAX bytes of [A-Za-z0-9._-]. */
typedef struct tipc_tick {
    char symbol[TIPC_SYMBOL_MAX + 1]; /* NUL-terminated */
    int64_t price;                    /* > 0, in 1/TIPC_PRICE_SCALE units */
    uint64_t event_ns;                /* source event time, ns since the Unix epoch */
    uint64_t send_ns;                 /* gateway send time, ns since the Unix epoch */
    uint64_t seq;                     /* per-stream sequence number, from 1 */
} tipc_tick;

/* A news item: a sentiment score for one symbol. */
typedef struct tipc_news {
    char symbol[TIPC_SYMBOL_MAX + 1];
    int32_t sentiment; /* TIPC_SENTIMENT_MIN..TIPC_SENTIMENT_MAX */
    uint64_t event_ns;
    uint64_t send_ns;
    uint64_t seq; /* per-stream sequence number, from 1 */
} tipc_news;

typedef enum tipc_side { TIPC_SIDE_BUY = 1, TIPC_SIDE_SELL = 2 } tipc_side;

/* Which rule produced an order. */
typedef enum tipc_rule {
    TIPC_RULE_MA_CROSS = 1,  /* moving-average crossover */
    TIPC_RULE_SENTIMENT = 2, /* sentiment threshold trigger */
    TIPC_RULE_MANUAL = 3     /* sent by hand or by a test; no signal inputs */
} tipc_rule;

/* The inputs of the rule that fired. Fields that a rule does not use are 0. */
typedef struct tipc_signal_info {
    tipc_rule rule;
    uint32_t short_window; /* MA_CROSS: window lengths, in ticks */
    uint32_t long_window;
    int64_t short_ma; /* MA_CROSS: averages at the crossing, fixed point */
    int64_t long_ma;
    int32_t sentiment; /* SENTIMENT: the score that fired, and the threshold it crossed */
    int32_t threshold;
} tipc_signal_info;

typedef struct tipc_order {
    char client_order_id[TIPC_ORDER_ID_MAX + 1]; /* unique per strategy, stable across resends */
    char symbol[TIPC_SYMBOL_MAX + 1];
    tipc_side side;
    uint32_t quantity; /* > 0 */
    int64_t price;     /* > 0, fixed point */
    char strategy[TIPC_STRATEGY_MAX + 1];
    tipc_signal_info signal;
    uint64_t tick_ns; /* send_ns of the tick that triggered the order (0 if none) */
    uint64_t send_ns; /* when the strategy sent the order */
} tipc_order;

typedef enum tipc_ack_status { TIPC_ACK_ACCEPTED = 1, TIPC_ACK_REJECTED = 2 } tipc_ack_status;

typedef struct tipc_ack {
    char client_order_id[TIPC_ORDER_ID_MAX + 1]; /* "" when the order could not be parsed */
    uint64_t order_id;                           /* the order manager's id; 0 when rejected */
    tipc_ack_status status;
    int32_t duplicate; /* 1 when this id was already accepted: the original order_id is echoed */
    char reason[TIPC_REASON_MAX + 1]; /* why it was rejected; "" when accepted */
    uint64_t order_send_ns;           /* the order's send_ns, echoed for round-trip timing */
    uint64_t recv_ns;                 /* when the order manager received the order */
    uint64_t ack_ns;                  /* when it sent this ack */
} tipc_ack;

/* The codec functions are declared below this line by the codec module. */

/*
 * Wire limits. Every encoding this module writes fits in these sizes, so a
 * caller's stack buffer of this many bytes never sees TIPC_ENOSPC.
 */
/* Largest msgpack tick we write: fixarray, fixstr of 15, int64 price, 3 x uint64. */
#define TIPC_TICK_ENCODED_MAX 53
/* Largest msgpack news item we write: the sentiment is always a 1-byte fixint. */
#define TIPC_NEWS_ENCODED_MAX 45
/* Longest JSON order or ack accepted by the decoders, in bytes. Longer input is
 * TIPC_EMSGSIZE before any parsing. The encoders never write more than this,
 * NUL included. */
#define TIPC_ORDER_JSON_MAX 4096
/* Largest fixed-point price (and moving average) an order may carry:
 * 100000000000.0000. JSON numbers are read as IEEE doubles by jansson and by
 * most other JSON libraries; up to this bound every 4-decimal price survives
 * the trip through a double exactly (beyond about 5e11 neighbouring prices map
 * to the same double). */
#define TIPC_JSON_PRICE_MAX INT64_C(1000000000000000)
/* Largest integer (times, ids) carried in JSON: jansson integers are int64. */
#define TIPC_JSON_INT_MAX INT64_MAX
/* Buffer size that holds any tipc_price_format() result, NUL included:
 * "-922337203685477.5808". */
#define TIPC_PRICE_STR_MAX 22

/*
 * Market data: msgpack.
 *
 * A tick is the 5-element msgpack array [symbol, price, event_ns, send_ns, seq];
 * a news item is [symbol, sentiment, event_ns, send_ns, seq]. Encoders write the
 * shortest form of each value (as msgpack-c does); decoders accept every valid
 * msgpack encoding of these fields (any integer width, str8/16/32, array16/32)
 * and reject everything else. doc/protocol.md has the byte layout.
 */

/* tipc_tick_encode - encode a tick as msgpack into the caller's buffer.
 * The tick is validated first: symbol 1..TIPC_SYMBOL_MAX bytes of [A-Za-z0-9._-]
 * (NUL-terminated inside the array), price > 0. Size query: buf may be NULL
 * when cap is 0.
 * Returns: 0; *len is the number of bytes written (at most TIPC_TICK_ENCODED_MAX).
 * Errors: TIPC_EBADVAL invalid tick (*len = 0); TIPC_ENOSPC cap too small,
 *   *len = the size needed, buf contents unspecified.
 * Ownership: t borrowed; buf caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_tick_encode(const tipc_tick *t, void *buf, size_t cap,
                                             size_t *len);

/* tipc_news_encode - encode a news item as msgpack; as tipc_tick_encode, but
 * the sentiment must be in TIPC_SENTIMENT_MIN..TIPC_SENTIMENT_MAX.
 * Returns: 0; *len bytes written (at most TIPC_NEWS_ENCODED_MAX).
 * Errors: TIPC_EBADVAL, TIPC_ENOSPC (as tipc_tick_encode).
 * Ownership: n borrowed; buf caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_news_encode(const tipc_news *n, void *buf, size_t cap,
                                             size_t *len);

/* tipc_tick_decode - decode one msgpack tick occupying exactly len bytes.
 * Never reads outside buf[0..len). On success the symbol is NUL-padded to the
 * end of the array, so the whole struct is deterministic.
 * Returns: 0 and *out filled; on error *out is left untouched.
 * Errors: TIPC_ETRUNC input ends inside the message (len 0 included);
 *   TIPC_ETYPE a value of the wrong msgpack type (not an array, a float price, a
 *   bin symbol, ...); TIPC_EBADVAL symbol empty, longer than TIPC_SYMBOL_MAX or
 *   with a byte outside [A-Za-z0-9._-], price <= 0 or above INT64_MAX, a
 *   negative time or seq; TIPC_EPROTO the array does not have 5 elements, or
 *   bytes follow the message.
 * Ownership: buf borrowed for the call; out caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_tick_decode(const void *buf, size_t len, tipc_tick *out);

/* tipc_tick_decode_ex - tipc_tick_decode, plus a reason for humans.
 * On error, why (if not NULL and whylen > 0) receives a NUL-terminated line
 * such as "field 2 (price): expected integer, got str"; the wording may change.
 * Returns, Errors, Ownership: as tipc_tick_decode; why caller-owned, untouched
 * on success. */
TIPC_API TIPC_NODISCARD int tipc_tick_decode_ex(const void *buf, size_t len, tipc_tick *out,
                                                char *why, size_t whylen);

/* tipc_news_decode - decode one msgpack news item occupying exactly len bytes.
 * Returns: 0 and *out filled; on error *out is left untouched.
 * Errors: as tipc_tick_decode, with TIPC_EBADVAL for a sentiment outside
 *   TIPC_SENTIMENT_MIN..TIPC_SENTIMENT_MAX instead of the price rule.
 * Ownership: buf borrowed for the call; out caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_news_decode(const void *buf, size_t len, tipc_news *out);

/* tipc_news_decode_ex - tipc_news_decode with a reason in why (see tipc_tick_decode_ex).
 * Returns, Errors, Ownership: as tipc_news_decode. */
TIPC_API TIPC_NODISCARD int tipc_news_decode_ex(const void *buf, size_t len, tipc_news *out,
                                                char *why, size_t whylen);

/*
 * Orders and acks: JSON.
 *
 * Order: {"id":"mom-17","symbol":"AAPL","side":"BUY","qty":100,"price":164.0500,
 *         "strategy":"mom","signal":{...},"tick_ns":...,"send_ns":...}
 * signal: {"rule":"ma_cross","short_window":5,"long_window":20,
 *          "short_ma":164.1000,"long_ma":163.9000}
 *       | {"rule":"sentiment","sentiment":82,"threshold":70} | {"rule":"manual"}
 * Ack:   {"id":"mom-17","order_id":42,"status":"accepted"|"rejected",
 *         "duplicate":false,"reason":"","order_send_ns":...,"recv_ns":...,"ack_ns":...}
 *
 * Encoders write the keys in this order, no whitespace, prices with exactly
 * four decimals ("164.0500", the text of tipc_price_format). Decoders need
 * every key shown, and in signal every key of its rule (a missing one is
 * TIPC_EMISSING), and ignore keys they do not
 * know, so fields can be added without breaking old readers. Rules shared by
 * both directions:
 *   id, strategy   1..31 bytes of [A-Za-z0-9._:-]   (an ack's id may also be "")
 *   symbol         1..TIPC_SYMBOL_MAX bytes of [A-Za-z0-9._-]
 *   side           "BUY" or "SELL"; status "accepted" or "rejected"
 *   qty            integer 1..4294967295
 *   price, *_ma    number > 0 and <= TIPC_JSON_PRICE_MAX, at most 4 decimals
 *                  (integers are accepted too: 164 is 164.0000)
 *   short_window, long_window   integer 1..4294967295
 *   sentiment, threshold        integer 0..100
 *   *_ns, order_id integer 0..TIPC_JSON_INT_MAX (an accepted ack's order_id >= 1)
 *   duplicate      true or false (encoded from 0 or 1)
 *   reason         valid UTF-8, at most TIPC_REASON_MAX bytes; "" exactly when
 *                  the status is "accepted"
 * Signal fields a rule does not use are not written and decode as 0.
 */

/* tipc_order_encode - write an order as JSON into the caller's buffer.
 * The order is validated first against the rules above. The text is
 * NUL-terminated when cap > *len. Size query: buf may be NULL when cap is 0.
 * Returns: 0; *len = the JSON length, excluding the NUL (always < TIPC_ORDER_JSON_MAX).
 * Errors: TIPC_EBADVAL invalid order (*len = 0); TIPC_ENOSPC cap < the JSON
 *   length, *len = that length (pass cap >= *len + 1 for a C string); on
 *   either error buf[0] is set to NUL when cap > 0.
 * Ownership: o borrowed; buf caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_order_encode(const tipc_order *o, char *buf, size_t cap,
                                              size_t *len);

/* tipc_ack_encode - write an ack as JSON; as tipc_order_encode. The reason is
 * escaped as JSON requires (quotes, backslashes, control characters).
 * Returns: 0; *len = the JSON length, excluding the NUL.
 * Errors: TIPC_EBADVAL invalid ack (*len = 0); TIPC_ENOSPC (as tipc_order_encode).
 * Ownership: a borrowed; buf caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_ack_encode(const tipc_ack *a, char *buf, size_t cap, size_t *len);

/* tipc_order_decode - parse and validate one JSON order of len bytes (json
 * need not be NUL-terminated; a trailing NUL must not be counted in len).
 * Duplicate keys are rejected. Cost: jansson builds a tree (a few small
 * allocations, all freed before return); this is not a per-tick path.
 * Returns: 0 and *out filled (unused signal fields 0, strings NUL-padded);
 *   on error *out is left untouched.
 * Errors: TIPC_EMSGSIZE len > TIPC_ORDER_JSON_MAX; TIPC_EPROTO not JSON
 *   (syntax, duplicate key, "\u0000", an integer beyond int64); TIPC_ETYPE the
 *   root is not an object or a field has the wrong JSON type; TIPC_EMISSING a
 *   required field is absent; TIPC_EBADVAL a value breaks the rules above;
 *   TIPC_ENOMEM jansson could not allocate.
 * Ownership: json borrowed for the call; out caller-owned. */
TIPC_API TIPC_NODISCARD int tipc_order_decode(const char *json, size_t len, tipc_order *out);

/* tipc_order_decode_ex - tipc_order_decode, plus a reason naming the field,
 * e.g. "qty: must be a positive integer, got -5". why may be NULL; it is
 * untouched on success; the wording may change.
 * Returns, Errors, Ownership: as tipc_order_decode. */
TIPC_API TIPC_NODISCARD int tipc_order_decode_ex(const char *json, size_t len, tipc_order *out,
                                                 char *why, size_t whylen);

/* tipc_ack_decode - parse and validate one JSON ack; as tipc_order_decode.
 * Returns: 0 and *out filled; on error *out is left untouched.
 * Errors: as tipc_order_decode.
 * Ownership: json borrowed for the call; out caller-owned. */
TIPC_API TIPC_NODISCARD int tipc_ack_decode(const char *json, size_t len, tipc_ack *out);

/* tipc_ack_decode_ex - tipc_ack_decode with a reason in why (see tipc_order_decode_ex).
 * Returns, Errors, Ownership: as tipc_ack_decode. */
TIPC_API TIPC_NODISCARD int tipc_ack_decode_ex(const char *json, size_t len, tipc_ack *out,
                                               char *why, size_t whylen);

/*
 * Helpers shared with the CSV reader, the strategy and the order manager.
 */

/* tipc_side_name - "BUY" or "SELL".
 * Returns: a static string, never NULL; "UNKNOWN" for other values. */
TIPC_API const char *tipc_side_name(tipc_side side);

/* tipc_side_parse - the side named by s: exactly "BUY" or "SELL" (case matters).
 * Returns: 0 and *out set. Errors: TIPC_EBADVAL anything else (*out untouched).
 * Ownership: s borrowed (NUL-terminated). */
TIPC_API TIPC_NODISCARD int tipc_side_parse(const char *s, tipc_side *out);

/* tipc_rule_name - "ma_cross", "sentiment" or "manual".
 * Returns: a static string, never NULL; "UNKNOWN" for other values. */
TIPC_API const char *tipc_rule_name(tipc_rule rule);

/* tipc_rule_parse - the rule named by s: exactly one of tipc_rule_name's strings.
 * Returns: 0 and *out set. Errors: TIPC_EBADVAL anything else (*out untouched).
 * Ownership: s borrowed (NUL-terminated). */
TIPC_API TIPC_NODISCARD int tipc_rule_parse(const char *s, tipc_rule *out);

/* tipc_price_format - the exact decimal text of a fixed-point price, always with
 * four decimals: 1640500 -> "164.0500", -5 -> "-0.0005". Every int64 is valid.
 * Returns: the text length (excluding the NUL, at most TIPC_PRICE_STR_MAX - 1).
 * Errors: TIPC_ENOSPC cap <= that length (buf[0] = NUL when cap > 0).
 * Ownership: buf caller-owned. */
TIPC_API TIPC_NODISCARD int tipc_price_format(int64_t price, char *buf, size_t cap);

/* tipc_price_parse - exact decimal text to fixed point, without binary floating
 * point. Grammar: digits, optionally '.' and 1 or more digits; at most 4
 * significant decimals (further decimals must be 0: "164.050000" is accepted,
 * "164.00001" is not). No sign, spaces, exponent, "nan" or "inf". "0" is
 * accepted: callers that need a positive price check it.
 * Returns: 0 and *out set, e.g. "164.05" -> 1640500.
 * Errors: TIPC_EBADVAL not in the grammar (len 0 included); TIPC_ERANGE the
 *   value exceeds INT64_MAX / TIPC_PRICE_SCALE units. *out untouched on error.
 * Ownership: s borrowed; only s[0..len) is read (no NUL needed). */
TIPC_API TIPC_NODISCARD int tipc_price_parse(const char *s, size_t len, int64_t *out);

/* tipc_symbol_is_valid - whether s[0..len) is a valid symbol: 1..TIPC_SYMBOL_MAX
 * bytes of [A-Za-z0-9._-].
 * Returns: 1 if valid, 0 if not. Ownership: s borrowed (may be NULL when len is 0). */
TIPC_API TIPC_NODISCARD int tipc_symbol_is_valid(const char *s, size_t len);

/* tipc_order_id_is_valid - whether s[0..len) is a valid client order id or
 * strategy name: 1..TIPC_ORDER_ID_MAX bytes of [A-Za-z0-9._:-].
 * Returns: 1 if valid, 0 if not. Ownership: s borrowed (may be NULL when len is 0). */
TIPC_API TIPC_NODISCARD int tipc_order_id_is_valid(const char *s, size_t len);

TIPC_END_DECLS

#endif
