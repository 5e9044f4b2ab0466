/* SPDX-License-Identifier: MIT */
/*
 * The body shared by the order and ack targets (JSON from a strategy or an
 * order manager). Include after defining J_T, J_DECODE_EX, J_DECODE,
 * J_ENCODE and J_SAME(a, b).
 *
 * Properties: a decode failure leaves *out untouched and gives a documented
 * code and a terminated why line without control characters; the plain and
 * _ex decoders agree; a decoded value encodes (the size query agrees, the
 * text is NUL-terminated and shorter than TIPC_ORDER_JSON_MAX), the text
 * decodes to the same value, and encoding that again gives the same bytes.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = fuzz_dup(data, size);
    char enc[TIPC_ORDER_JSON_MAX], enc2[TIPC_ORDER_JSON_MAX];
    J_T v, v2, pattern;
    char why[256];
    size_t len, len2, qlen;
    int rc;

    memset(&pattern, 0xa5, sizeof pattern);
    v = pattern;
    memset(why, 'X', sizeof why);
    why[sizeof why - 1] = '\0';
    rc = J_DECODE_EX(p, size, &v, why, sizeof why);
    v2 = pattern;
    FUZZ_CHECK_RC(J_DECODE(p, size, &v2), rc);
    free(p);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_EMSGSIZE || rc == TIPC_EPROTO || rc == TIPC_ETYPE ||
                   rc == TIPC_EMISSING || rc == TIPC_EBADVAL || rc == TIPC_ENOMEM);
        FUZZ_CHECK(memcmp(&v, &pattern, sizeof v) == 0);
        FUZZ_CHECK(memcmp(&v2, &pattern, sizeof v2) == 0);
        fuzz_check_why(why, sizeof why);
        return 0;
    }
    FUZZ_CHECK(J_SAME(&v, &v2));

    FUZZ_CHECK_RC(J_ENCODE(&v, NULL, 0, &qlen), TIPC_ENOSPC);
    FUZZ_CHECK_RC(J_ENCODE(&v, enc, sizeof enc, &len), 0);
    FUZZ_CHECK(len == qlen && len < sizeof enc && enc[len] == '\0' && strlen(enc) == len);
    v2 = pattern;
    rc = J_DECODE_EX(enc, len, &v2, why, sizeof why);
    if (rc != 0)
        fprintf(stderr, "re-decode of \"%s\": %s: %s\n", enc, tipc_err_name(rc), why);
    FUZZ_CHECK_RC(rc, 0);
    FUZZ_CHECK(J_SAME(&v, &v2));
    FUZZ_CHECK_RC(J_ENCODE(&v2, enc2, sizeof enc2, &len2), 0);
    FUZZ_CHECK(len2 == len && memcmp(enc, enc2, len) == 0);
    return 0;
}
