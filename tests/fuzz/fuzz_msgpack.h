/* SPDX-License-Identifier: MIT */
/*
 * The body shared by the tick and news targets: both are 5-element msgpack
 * arrays with the same rules, so one set of properties serves both.
 * Include after defining MP_T (the struct), MP_DECODE_EX, MP_DECODE,
 * MP_ENCODE, MP_ENCODED_MAX, MP_VALUE_OK(v) (the rule a decoded value must
 * satisfy) and MP_SAME_VALUE(a, b).
 *
 * Properties: a decode failure leaves *out untouched and gives a
 * documented code and a terminated why line; the plain and _ex decoders
 * agree; a decoded item satisfies the documented rules, its symbol is
 * NUL-padded, it encodes within the size bound, and the encoding decodes to
 * the same item and is a fixed point; every proper prefix of an accepted
 * message is TIPC_ETRUNC and one more byte behind it is TIPC_EPROTO.
 */

static int
mp_same(const MP_T *a, const MP_T *b)
{
    return memcmp(a->symbol, b->symbol, sizeof a->symbol) == 0 && MP_SAME_VALUE(a, b) &&
           a->event_ns == b->event_ns && a->send_ns == b->send_ns && a->seq == b->seq;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);
    uint8_t enc[MP_ENCODED_MAX], enc2[MP_ENCODED_MAX];
    MP_T v, v2, pattern;
    char why[128];
    size_t len, len2, slen;
    int rc;

    memset(&pattern, 0xa5, sizeof pattern);
    v = pattern;
    memset(why, 'X', sizeof why);
    why[sizeof why - 1] = '\0';
    rc = MP_DECODE_EX(p, size, &v, why, sizeof why);
    v2 = pattern;
    FUZZ_CHECK_RC(MP_DECODE(p, size, &v2), rc);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_ETRUNC || rc == TIPC_ETYPE || rc == TIPC_EBADVAL ||
                   rc == TIPC_EPROTO);
        FUZZ_CHECK(memcmp(&v, &pattern, sizeof v) == 0);
        FUZZ_CHECK(memcmp(&v2, &pattern, sizeof v2) == 0);
        fuzz_check_why(why, sizeof why);
        free(p);
        return 0;
    }
    FUZZ_CHECK(mp_same(&v, &v2));
    slen = strnlen(v.symbol, sizeof v.symbol);
    FUZZ_CHECK(slen < sizeof v.symbol && tipc_symbol_is_valid(v.symbol, slen));
    for (size_t i = slen; i < sizeof v.symbol; i++)
        FUZZ_CHECK(v.symbol[i] == '\0');
    FUZZ_CHECK(MP_VALUE_OK(&v));

    FUZZ_CHECK_RC(MP_ENCODE(&v, enc, sizeof enc, &len), 0);
    FUZZ_CHECK(len <= MP_ENCODED_MAX && len <= size);
    v2 = pattern;
    FUZZ_CHECK_RC(MP_DECODE(enc, len, &v2), 0);
    FUZZ_CHECK(mp_same(&v, &v2));
    FUZZ_CHECK_RC(MP_ENCODE(&v2, enc2, sizeof enc2, &len2), 0);
    FUZZ_CHECK(len2 == len && memcmp(enc, enc2, len) == 0);

    /* Cut short anywhere: truncated. One byte more: trailing garbage. */
    for (size_t k = 0; k < size; k++) {
        uint8_t *q = fuzz_dup(p, k);
        v2 = pattern;
        FUZZ_CHECK_RC(MP_DECODE(q, k, &v2), TIPC_ETRUNC);
        free(q);
    }
    {
        uint8_t *q = malloc(size + 1);
        FUZZ_CHECK(q != NULL);
        memcpy(q, p, size);
        q[size] = 0xc0;
        FUZZ_CHECK_RC(MP_DECODE(q, size + 1, &v2), TIPC_EPROTO);
        free(q);
    }
    free(p);
    return 0;
}
