/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: tipc_csv_parse_time, against a reference written from the
 * grammar in csv.h (ISO 8601 UTC with 'T', 't' or one space and a 'Z' or
 * 'z', 0..9 fraction digits; epoch seconds of 1..11 digits with an optional
 * 1..9 digit fraction; epoch nanoseconds of exactly 19 or 20 digits; nothing
 * before 1970 or past UINT64_MAX ns) using 128-bit arithmetic. An accepted
 * time formats with tipc_csv_format_time to text that parses back to the
 * same nanosecond. Any 8 bytes of input are also formatted and parsed back.
 */
#include "fuzz_common.h"

static int
digits(const char *s, size_t n, unsigned __int128 *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

static int
ref_time(const char *s, size_t n, uint64_t *out)
{
    const unsigned __int128 max = UINT64_MAX;
    unsigned __int128 a, b, ns;
    const char *dot = memchr(s, '.', n);

    if (n == 0)
        return TIPC_EBADVAL;
    if (digits(s, n, &a)) { /* epoch integer */
        if (n <= 11)
            ns = a * 1000000000u;
        else if (n == 19 || n == 20)
            ns = a;
        else
            return TIPC_EBADVAL;
        if (ns > max)
            return TIPC_EBADVAL;
        *out = (uint64_t)ns;
        return 0;
    }
    if (dot != NULL && dot != s && (size_t)(dot - s) <= 11 && digits(s, (size_t)(dot - s), &a)) {
        size_t nf = n - (size_t)(dot - s) - 1;
        if (nf < 1 || nf > 9 || !digits(dot + 1, nf, &b))
            return TIPC_EBADVAL;
        for (size_t k = nf; k < 9; k++)
            b *= 10;
        ns = a * 1000000000u + b;
        if (ns > max)
            return TIPC_EBADVAL;
        *out = (uint64_t)ns;
        return 0;
    }
    /* YYYY-MM-DDTHH:MM:SS[.f]Z */
    unsigned __int128 y, mo, d, h, mi, sec, frac = 0;
    if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return TIPC_EBADVAL;
    size_t i = 19;
    if (s[i] == '.') {
        size_t nf = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nf++)
            if (nf < 9)
                frac = frac * 10 + (unsigned)(s[i] - '0');
        if (nf < 1 || nf > 9)
            return TIPC_EBADVAL;
        for (size_t k = nf; k < 9; k++)
            frac *= 10;
    }
    if (i + 1 != n || (s[i] != 'Z' && s[i] != 'z'))
        return TIPC_EBADVAL;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month((unsigned)y, (unsigned)mo) ||
        h > 23 || mi > 59 || sec > 59)
        return TIPC_EBADVAL;
    ns = (unsigned __int128)days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d) * 86400u;
    ns = (ns + h * 3600 + mi * 60 + sec) * 1000000000u + frac;
    if (ns > max)
        return TIPC_EBADVAL;
    *out = (uint64_t)ns;
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = fuzz_dup(data, size);
    char text[TIPC_CSV_TIME_MAX];
    uint64_t got = 0, want = 0, back = 0;
    int rc, ref, n;

    rc = tipc_csv_parse_time(p, size, &got);
    ref = ref_time(p, size, &want);
    if (rc != ref)
        fprintf(stderr, "input \"%.*s\": library %s, reference %s\n", (int)size, p,
                tipc_err_name(rc), tipc_err_name(ref));
    FUZZ_CHECK_RC(rc, ref);
    if (rc == 0) {
        FUZZ_CHECK(got == want);
        n = tipc_csv_format_time(got, text, sizeof text);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof text && strlen(text) == (size_t)n);
        FUZZ_CHECK_RC(tipc_csv_parse_time(text, (size_t)n, &back), 0);
        FUZZ_CHECK(back == got);
    }
    if (size >= 8) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        n = tipc_csv_format_time(v, text, sizeof text);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof text);
        FUZZ_CHECK_RC(tipc_csv_parse_time(text, (size_t)n, &back), 0);
        FUZZ_CHECK(back == v);
        FUZZ_CHECK_RC(tipc_csv_format_time(v, text, (size_t)n), TIPC_ENOSPC);
        FUZZ_CHECK(text[0] == '\0');
    }
    free(p);
    return 0;
}
