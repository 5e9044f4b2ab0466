/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: tipc_price_parse (prices from CSV files and the order log),
 * against a reference written from the grammar in codec.h with 128-bit
 * arithmetic: digits, optionally '.' and 1 or more digits, at most 4
 * nonzero decimals; TIPC_EBADVAL outside the grammar, TIPC_ERANGE above
 * INT64_MAX units. A parsed price formats (tipc_price_format) to text that
 * parses back to the same value. The same bytes also go through
 * tipc_symbol_is_valid and tipc_order_id_is_valid, against references.
 */
#include "fuzz_common.h"

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
ref_price(const char *s, size_t n, int64_t *out)
{
    unsigned __int128 ip = 0, v;
    uint64_t frac = 0;
    size_t i = 0, nint = 0, nfrac = 0;
    int big = 0;

    for (; i < n && is_digit(s[i]); i++, nint++) {
        ip = ip * 10 + (unsigned)(s[i] - '0');
        if (ip > ((unsigned __int128)1 << 100))
            big = 1, ip = (unsigned __int128)1 << 100; /* saturate: far out of range */
    }
    if (nint == 0)
        return TIPC_EBADVAL;
    if (i < n) {
        if (s[i++] != '.')
            return TIPC_EBADVAL;
        for (; i < n && is_digit(s[i]); i++, nfrac++) {
            if (nfrac < 4)
                frac = frac * 10 + (uint64_t)(s[i] - '0');
            else if (s[i] != '0')
                return TIPC_EBADVAL;
        }
        if (nfrac == 0 || i != n)
            return TIPC_EBADVAL;
    }
    for (size_t k = nfrac; k < 4; k++)
        frac *= 10;
    v = ip * TIPC_PRICE_SCALE + frac;
    if (big || v > (unsigned __int128)INT64_MAX)
        return TIPC_ERANGE;
    *out = (int64_t)v;
    return 0;
}

static int
ref_valid(const char *s, size_t n, size_t max, int colon)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' ||
              c == '_' || c == '-' || (colon && c == ':')))
            return 0;
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = fuzz_dup(data, size);
    char text[TIPC_PRICE_STR_MAX];
    int64_t got = -1, want = -1, back = -1;
    int rc, ref, n;

    rc = tipc_price_parse(p, size, &got);
    ref = ref_price(p, size, &want);
    FUZZ_CHECK_RC(rc, ref);
    if (rc == 0) {
        FUZZ_CHECK(got == want && got >= 0);
        n = tipc_price_format(got, text, sizeof text);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof text && strlen(text) == (size_t)n);
        FUZZ_CHECK_RC(tipc_price_parse(text, (size_t)n, &back), 0);
        FUZZ_CHECK(back == got);
        FUZZ_CHECK_RC(tipc_price_format(got, text, (size_t)n), TIPC_ENOSPC);
        FUZZ_CHECK(text[0] == '\0');
    } else {
        FUZZ_CHECK(got == -1); /* untouched on error */
    }

    FUZZ_CHECK(tipc_symbol_is_valid(p, size) == ref_valid(p, size, TIPC_SYMBOL_MAX, 0));
    FUZZ_CHECK(tipc_order_id_is_valid(p, size) == ref_valid(p, size, TIPC_ORDER_ID_MAX, 1));

    /* Any 8 bytes as a price: the text is exact and, when >= 0, parses back. */
    if (size >= 8) {
        int64_t v;
        memcpy(&v, p, sizeof v);
        n = tipc_price_format(v, text, sizeof text);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof text);
        if (v >= 0) {
            FUZZ_CHECK_RC(tipc_price_parse(text, (size_t)n, &back), 0);
            FUZZ_CHECK(back == v);
        } else {
            FUZZ_CHECK(text[0] == '-');
            FUZZ_CHECK_RC(tipc_price_parse(text + 1, (size_t)n - 1, &back),
                          v == INT64_MIN ? TIPC_ERANGE : 0);
            FUZZ_CHECK(v == INT64_MIN || back == -v);
        }
    }
    free(p);
    return 0;
}
