/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: tipc_hist_load, which reads a histogram dumped by another
 * process (a child reporting to the launcher). Properties: a rejected text
 * leaves the histogram exactly as it was; an accepted one dumps to a line
 * that loads into a fresh histogram with the same dump (count, min, max and
 * every bucket agree), and the size query of tipc_hist_dump is exact.
 * Loading the same text on top again merges: the count doubles or the load
 * is refused with TIPC_ERANGE and changes nothing.
 */
#include "fuzz_common.h"

static char *
dump(const tipc_hist *h, size_t *len)
{
    size_t need, got;
    char *buf;

    FUZZ_CHECK_RC(tipc_hist_dump(h, NULL, 0, &need), TIPC_ENOSPC);
    buf = malloc(need + 1);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK_RC(tipc_hist_dump(h, buf, need + 1, &got), 0);
    FUZZ_CHECK(got == need && buf[got] == '\0' && strlen(buf) == got);
    *len = got;
    return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = fuzz_dup(data, size);
    tipc_hist *h, *h2;
    char *d0, *d1, *d2, *d3;
    size_t l0, l1, l2, l3;
    uint64_t n;
    int rc;

    FUZZ_CHECK_RC(tipc_hist_create(&h), 0);
    FUZZ_CHECK_RC(tipc_hist_create(&h2), 0);
    d0 = dump(h, &l0);
    rc = tipc_hist_load(h, p, size);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_EPROTO || rc == TIPC_ERANGE);
        d1 = dump(h, &l1);
        FUZZ_CHECK(tipc_hist_count(h) == 0 && l1 == l0 && memcmp(d0, d1, l0) == 0);
        goto out;
    }
    n = tipc_hist_count(h);
    FUZZ_CHECK(tipc_hist_min(h) <= tipc_hist_max(h));
    d1 = dump(h, &l1);
    FUZZ_CHECK_RC(tipc_hist_load(h2, d1, l1), 0);
    d2 = dump(h2, &l2);
    FUZZ_CHECK(l1 == l2 && memcmp(d1, d2, l1) == 0);

    rc = tipc_hist_load(h, p, size);
    if (rc == 0) {
        FUZZ_CHECK(tipc_hist_count(h) == 2 * n);
    } else {
        FUZZ_CHECK_RC(rc, TIPC_ERANGE);
        d3 = dump(h, &l3);
        FUZZ_CHECK(l3 == l1 && memcmp(d1, d3, l1) == 0);
        free(d3);
    }
    free(d2);
out:
    free(d1);
    free(d0);
    free(p);
    tipc_hist_destroy(h);
    tipc_hist_destroy(h2);
    return 0;
}
