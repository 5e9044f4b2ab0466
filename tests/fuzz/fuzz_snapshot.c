/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: tipc_snapshot_end_decode, the SNAPSHOT_END payload a
 * subscriber reads from the gateway after a late join's snapshot.
 * Properties: a failure is a documented code and leaves *out untouched; a
 * decoded value encodes within TIPC_SNAPSHOT_END_ENCODED_MAX and no longer
 * than the input (the encoder picks the shortest forms), decodes back to the
 * same pair and is a fixed point; every proper prefix of an accepted payload
 * is TIPC_ETRUNC and one byte more is TIPC_EPROTO.
 */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);
    uint8_t enc[TIPC_SNAPSHOT_END_ENCODED_MAX], enc2[TIPC_SNAPSHOT_END_ENCODED_MAX];
    tipc_snapshot_end v, v2, pattern;
    size_t len, len2;
    int rc;

    memset(&pattern, 0xa5, sizeof pattern);
    v = pattern;
    rc = tipc_snapshot_end_decode(p, size, &v);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_ETRUNC || rc == TIPC_ETYPE || rc == TIPC_EBADVAL ||
                   rc == TIPC_EPROTO);
        FUZZ_CHECK(memcmp(&v, &pattern, sizeof v) == 0);
        free(p);
        return 0;
    }
    FUZZ_CHECK_RC(tipc_snapshot_end_encode(&v, enc, sizeof enc, &len), 0);
    FUZZ_CHECK(len <= TIPC_SNAPSHOT_END_ENCODED_MAX && len <= size);
    v2 = pattern;
    FUZZ_CHECK_RC(tipc_snapshot_end_decode(enc, len, &v2), 0);
    FUZZ_CHECK(v2.price_seq == v.price_seq && v2.news_seq == v.news_seq);
    FUZZ_CHECK_RC(tipc_snapshot_end_encode(&v2, enc2, sizeof enc2, &len2), 0);
    FUZZ_CHECK(len2 == len && memcmp(enc, enc2, len) == 0);

    for (size_t k = 0; k < size; k++) {
        uint8_t *q = fuzz_dup(p, k);
        v2 = pattern;
        FUZZ_CHECK_RC(tipc_snapshot_end_decode(q, k, &v2), TIPC_ETRUNC);
        FUZZ_CHECK(memcmp(&v2, &pattern, sizeof v2) == 0);
        free(q);
    }
    {
        uint8_t *q = malloc(size + 1);
        FUZZ_CHECK(q != NULL);
        memcpy(q, p, size);
        q[size] = 0xc0;
        FUZZ_CHECK_RC(tipc_snapshot_end_decode(q, size + 1, &v2), TIPC_EPROTO);
        free(q);
    }
    free(p);
    return 0;
}
