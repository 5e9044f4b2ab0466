/* SPDX-License-Identifier: MIT */
/*
 * CSV reader for price and news files. Input comes from outside, so every line
 * is bounded: read(2) fills one fixed buffer allocated with the reader, lines
 * are parsed in place, and a line longer than TIPC_CSV_LINE_MAX is read past
 * (discarding as it goes) rather than buffered. Numbers and timestamps are
 * parsed with integer arithmetic only: no strtod, no locale, no strptime or
 * timegm, so a price parses to the same fixed-point value on every machine and
 * a timestamp to the same nanosecond.
 */
#include "tipc_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CSV_COMPONENT "csv"
#define CSV_STR_(x) #x
#define CSV_STR(x) CSV_STR_(x)
/* Read buffer. Must exceed TIPC_CSV_LINE_MAX + 2 so that any acceptable line
 * (plus "\r\n") fits whole once the unread tail is moved to the front. */
#define CSV_BUF_SIZE (64 * 1024)
/* The longest excerpt of a bad field quoted in a warning. */
#define CSV_QUOTE_MAX 40

_Static_assert(CSV_BUF_SIZE > TIPC_CSV_LINE_MAX + 2, "a whole line must fit the read buffer");

#define NS_PER_S 1000000000ull

struct tipc_csv {
    int fd;
    tipc_csv_kind kind;
    int has_log;
    tipc_logger log;
    tipc_csv_stats st;
    uint64_t last_ts; /* timestamp of the previous good row */
    int header_done;  /* the first non-blank line has been seen */
    int discarding;   /* reading past the rest of an over-long line */
    int eof;          /* read(2) returned 0 */
    int finished;     /* result is sticky from now on */
    int result;
    size_t start, end; /* unread bytes are buf[start, end) */
    char *path;
    char buf[CSV_BUF_SIZE];
};

/* ---- timestamps --------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil),
 * for y >= 1970 only, so every intermediate is nonnegative. */
static uint64_t
days_from_civil(unsigned y, unsigned m, unsigned d)
{
    y -= m <= 2;
    unsigned era = y / 400;
    unsigned yoe = y - era * 400;
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)era * 146097 + doe - 719468;
}

static void
civil_from_days(uint64_t z, unsigned *y, unsigned *m, unsigned *d)
{
    z += 719468;
    uint64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (unsigned)(yoe + era * 400) + (*m <= 2);
}

static int
is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* n digits at s as an unsigned number; -1 if any is not a digit. */
static int
fixed_digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* ".ddd": 1..9 digits scaled to ns. Returns the bytes consumed (0 if no '.'), or -1. */
static int
parse_fraction(const char *s, size_t len, uint64_t *ns)
{
    size_t i;
    uint64_t v = 0;

    *ns = 0;
    if (len == 0 || s[0] != '.')
        return 0;
    for (i = 1; i < len && is_digit(s[i]); i++) {
        if (i > 9)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 1)
        return -1;
    for (size_t k = i; k <= 9; k++)
        v *= 10;
    *ns = v;
    return (int)i;
}

static int
seconds_to_ns(uint64_t secs, uint64_t frac, uint64_t *out)
{
    if (secs > UINT64_MAX / NS_PER_S)
        return TIPC_EBADVAL;
    uint64_t ns = secs * NS_PER_S;
    if (ns > UINT64_MAX - frac)
        return TIPC_EBADVAL;
    *out = ns + frac;
    return 0;
}

static int
days_in_month(unsigned y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dim[m - 1] + (m == 2 && leap);
}

static int
parse_iso(const char *s, size_t len, uint64_t *out)
{
    unsigned y, mo, d, h, mi, sec;
    uint64_t frac;

    /* YYYY-MM-DDTHH:MM:SS is 19 bytes; then [.f] and Z. */
    if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
        return TIPC_EBADVAL;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return TIPC_EBADVAL;
    if (fixed_digits(s, 4, &y) || fixed_digits(s + 5, 2, &mo) || fixed_digits(s + 8, 2, &d) ||
        fixed_digits(s + 11, 2, &h) || fixed_digits(s + 14, 2, &mi) ||
        fixed_digits(s + 17, 2, &sec))
        return TIPC_EBADVAL;
    int n = parse_fraction(s + 19, len - 19, &frac);
    if (n < 0 || len != 19 + (size_t)n + 1 || (s[len - 1] != 'Z' && s[len - 1] != 'z'))
        return TIPC_EBADVAL;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > (unsigned)days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return TIPC_EBADVAL;
    uint64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600u + mi * 60u + sec;
    return seconds_to_ns(secs, frac, out);
}

static int
parse_epoch(const char *s, size_t len, uint64_t *out)
{
    size_t n = 0;
    uint64_t v = 0, frac = 0;

    while (n < len && is_digit(s[n]))
        n++;
    if (n == 0 || n > 20)
        return TIPC_EBADVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            return TIPC_EBADVAL;
        v = v * 10 + dgt;
    }
    if (n < len) { /* seconds with a fraction */
        int f = parse_fraction(s + n, len - n, &frac);
        if (f <= 0 || n + (size_t)f != len || n > 11)
            return TIPC_EBADVAL;
        return seconds_to_ns(v, frac, out);
    }
    if (n <= 11)
        return seconds_to_ns(v, 0, out);
    if (n >= 19) {
        *out = v;
        return 0;
    }
    return TIPC_EBADVAL; /* 12..18 digits: milliseconds? microseconds? */
}

int
tipc_csv_parse_time(const char *s, size_t len, uint64_t *ns_out)
{
    assert(s != NULL || len == 0);
    assert(ns_out != NULL);
    if (len >= 5 && s[4] == '-')
        return parse_iso(s, len, ns_out);
    return parse_epoch(s, len, ns_out);
}

int
tipc_csv_format_time(uint64_t ns, char *buf, size_t cap)
{
    char tmp[TIPC_CSV_TIME_MAX + 8];
    unsigned y, mo, d;
    uint64_t secs = ns / NS_PER_S, frac = ns % NS_PER_S, sod = secs % 86400;
    int n;

    civil_from_days(secs / 86400, &y, &mo, &d);
    n = snprintf(tmp, sizeof tmp, "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, d, (unsigned)(sod / 3600),
                 (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
    if (frac != 0)
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%09u", (unsigned)frac);
    tmp[n++] = 'Z';
    tmp[n] = '\0';
    if ((size_t)n >= cap) {
        if (buf != NULL && cap > 0)
            buf[0] = '\0';
        return TIPC_ENOSPC;
    }
    memcpy(buf, tmp, (size_t)n + 1);
    return n;
}

/* ---- fields -------------------------------------------------------------------------------- */

typedef struct field {
    const char *s;
    size_t len;
} field;

static int
is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Split a line into at most three fields (counting any extra ones in *nfields).
 * Returns NULL, or why the line cannot be split. */
static const char *
split_fields(const char *s, size_t len, field f[3], int *nfields)
{
    size_t pos = 0;
    int n = 0;

    for (;;) {
        field cur;
        while (pos < len && is_blank(s[pos]))
            pos++;
        if (pos < len && s[pos] == '"') {
            const char *q = memchr(s + pos + 1, '"', len - pos - 1);
            if (q == NULL)
                return "unterminated quoted field";
            cur.s = s + pos + 1;
            cur.len = (size_t)(q - cur.s);
            pos = (size_t)(q - s) + 1;
            while (pos < len && is_blank(s[pos]))
                pos++;
            if (pos < len && s[pos] != ',')
                return "text after a closing quote";
        } else {
            const char *c = memchr(s + pos, ',', len - pos);
            size_t stop = c != NULL ? (size_t)(c - s) : len;
            cur.s = s + pos;
            cur.len = stop - pos;
            while (cur.len > 0 && is_blank(cur.s[cur.len - 1]))
                cur.len--;
            pos = stop;
        }
        if (n < 3)
            f[n] = cur;
        if (n < INT32_MAX)
            n++;
        if (pos >= len)
            break;
        pos++; /* the comma; a comma at the very end yields a final empty field */
    }
    *nfields = n;
    return NULL;
}

/* A field excerpt that is safe to put in a log line: printable ASCII, at most
 * CSV_QUOTE_MAX bytes, '?' for anything else, "..." when cut. */
static void
quote_field(char *out, size_t cap, field f)
{
    size_t n = f.len < CSV_QUOTE_MAX ? f.len : CSV_QUOTE_MAX, o = 0;

    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)f.s[i];
        out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (n < f.len)
        for (int k = 0; k < 3 && o + 1 < cap; k++)
            out[o++] = '.';
    out[o] = '\0';
}

static const char *
parse_symbol(field f, char sym[TIPC_SYMBOL_MAX + 1])
{
    if (f.len == 0)
        return "empty symbol";
    if (f.len > TIPC_SYMBOL_MAX)
        return "symbol longer than 15 bytes";
    for (size_t i = 0; i < f.len; i++) {
        char ch = f.s[i];
        if (!(is_digit(ch) || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '.' ||
              ch == '_' || ch == '-'))
            return "symbol has a character outside [A-Za-z0-9._-]";
    }
    memcpy(sym, f.s, f.len);
    sym[f.len] = '\0';
    return NULL;
}

/* A plain decimal: digits, optionally '.' and 1..4 more digits. Exact, overflow-checked. */
static const char *
parse_price(field f, int64_t *out)
{
    static const int64_t scale[5] = {10000, 1000, 100, 10, 1};
    size_t i = 0;
    int64_t whole = 0, frac = 0;
    int fd = 0;

    if (f.len == 0)
        return "empty price";
    if (f.s[0] == '-')
        return "negative price";
    for (; i < f.len && is_digit(f.s[i]); i++) {
        if (whole > (INT64_MAX - 9) / 10)
            return "price out of range";
        whole = whole * 10 + (f.s[i] - '0');
    }
    if (i == 0)
        return "price is not a decimal number";
    if (whole > INT64_MAX / TIPC_PRICE_SCALE)
        return "price out of range";
    if (i < f.len && f.s[i] == '.') {
        for (i++; i < f.len && is_digit(f.s[i]); i++, fd++) {
            if (fd == 4)
                return "price has more than 4 decimal places";
            frac = frac * 10 + (f.s[i] - '0');
        }
        if (fd == 0)
            return "price is not a decimal number";
    }
    if (i != f.len)
        return "price is not a decimal number";
    int64_t v = whole * TIPC_PRICE_SCALE;
    if (frac * scale[fd] > INT64_MAX - v)
        return "price out of range";
    v += frac * scale[fd];
    if (v == 0)
        return "price is zero";
    *out = v;
    return NULL;
}

static const char *
parse_sentiment(field f, int64_t *out)
{
    size_t i = 0;
    int64_t v = 0;

    if (f.len == 0)
        return "empty sentiment";
    if (f.s[0] == '-' && f.len > 1 && is_digit(f.s[1]))
        return "sentiment outside 0..100";
    for (; i < f.len && is_digit(f.s[i]); i++)
        if (v <= TIPC_SENTIMENT_MAX)
            v = v * 10 + (f.s[i] - '0');
    if (i == 0 || i != f.len)
        return "sentiment is not an integer";
    if (v < TIPC_SENTIMENT_MIN || v > TIPC_SENTIMENT_MAX)
        return "sentiment outside 0..100";
    *out = v;
    return NULL;
}

/* Parse one line into *row. Returns 0, or -1 with the reason written to why. */
static int
parse_row(tipc_csv_kind kind, const char *s, size_t len, tipc_csv_row *row, char *why,
          size_t whylen)
{
    field f[3];
    int n = 0;
    char q[CSV_QUOTE_MAX + 4];
    const char *err;

    if (memchr(s, '\0', len) != NULL) {
        tipc__why(why, whylen, "NUL byte in line");
        return -1;
    }
    err = split_fields(s, len, f, &n);
    if (err != NULL) {
        tipc__why(why, whylen, "%s", err);
        return -1;
    }
    if (n != 3) {
        tipc__why(why, whylen, "expected 3 fields, got %d", n);
        return -1;
    }
    if (tipc_csv_parse_time(f[0].s, f[0].len, &row->ts_ns) != 0) {
        quote_field(q, sizeof q, f[0]);
        tipc__why(why, whylen, "bad timestamp \"%s\"", q);
        return -1;
    }
    err = parse_symbol(f[1], row->symbol);
    if (err != NULL) {
        quote_field(q, sizeof q, f[1]);
        tipc__why(why, whylen, "%s \"%s\"", err, q);
        return -1;
    }
    err = kind == TIPC_CSV_PRICES ? parse_price(f[2], &row->value)
                                  : parse_sentiment(f[2], &row->value);
    if (err != NULL) {
        quote_field(q, sizeof q, f[2]);
        tipc__why(why, whylen, "%s \"%s\"", err, q);
        return -1;
    }
    return 0;
}

/* ---- reader -------------------------------------------------------------------------------- */

int
tipc_csv_open(tipc_csv **out, const char *path, tipc_csv_kind kind, const tipc_logger *log)
{
    struct stat sb;
    tipc_csv *c;
    size_t plen;
    int fd;

    assert(out != NULL && path != NULL);
    if (kind != TIPC_CSV_PRICES && kind != TIPC_CSV_NEWS)
        return TIPC_EINVAL;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return tipc__neg_errno();
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        return TIPC_EINVAL;
    }
    plen = strlen(path);
    c = malloc(sizeof *c);
    if (c == NULL || (c->path = malloc(plen + 1)) == NULL) {
        free(c);
        close(fd);
        return TIPC_ENOMEM;
    }
    memcpy(c->path, path, plen + 1);
    c->fd = fd;
    c->kind = kind;
    c->has_log = log != NULL && log->fn != NULL;
    if (c->has_log)
        c->log = *log;
    memset(&c->st, 0, sizeof c->st);
    c->last_ts = 0;
    c->header_done = 0;
    c->discarding = 0;
    c->eof = 0;
    c->finished = 0;
    c->result = 0;
    c->start = c->end = 0;
    *out = c;
    return 0;
}

void
tipc_csv_close(tipc_csv *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    free(c->path);
    free(c);
}

void
tipc_csv_get_stats(const tipc_csv *c, tipc_csv_stats *out)
{
    assert(c != NULL && out != NULL);
    *out = c->st;
}

enum { LINE_EOF = 0, LINE_OK = 1, LINE_TOO_LONG = 2 };

/* The next line, without its "\n", in place in the buffer (valid until the next call).
 * Returns LINE_OK, LINE_TOO_LONG (already read past), LINE_EOF, or an error code. */
static int
next_line(tipc_csv *c, const char **line, size_t *len)
{
    for (;;) {
        const char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
        if (nl != NULL) {
            size_t at = c->start;
            c->start = (size_t)(nl - c->buf) + 1;
            c->st.lines++;
            if (c->discarding) {
                c->discarding = 0;
                return LINE_TOO_LONG;
            }
            *line = c->buf + at;
            *len = (size_t)(nl - c->buf) - at;
            return LINE_OK;
        }
        size_t pending = c->end - c->start;
        if (c->discarding || pending > TIPC_CSV_LINE_MAX + 1) {
            /* No line end in sight and already too long: drop what we have. */
            c->discarding = 1;
            c->start = c->end = 0;
            pending = 0;
        }
        if (c->eof) {
            if (c->discarding) {
                c->discarding = 0;
                c->st.lines++;
                return LINE_TOO_LONG;
            }
            if (pending == 0)
                return LINE_EOF;
            *line = c->buf + c->start;
            *len = pending;
            c->start = c->end;
            c->st.lines++;
            return LINE_OK;
        }
        if (c->start > 0) {
            memmove(c->buf, c->buf + c->start, pending);
            c->start = 0;
            c->end = pending;
        }
        ssize_t n;
        do
            n = read(c->fd, c->buf + c->end, sizeof c->buf - c->end);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return tipc__neg_errno();
        if (n == 0)
            c->eof = 1;
        c->end += (size_t)n;
    }
}

static int
is_blank_line(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_blank(s[i]))
            return 0;
    return 1;
}

/* Count a skipped row and say why, up to TIPC_CSV_WARN_MAX times per file: a file of
 * garbage must not turn into a flood of log lines. */
static void
skip_row(tipc_csv *c, const char *why)
{
    const tipc_logger *lg = c->has_log ? &c->log : NULL;

    c->st.rows_skipped++;
    if (c->st.rows_skipped <= TIPC_CSV_WARN_MAX)
        tipc__log(lg, TIPC_LOG_WARN, CSV_COMPONENT, "%s:%llu: %s", c->path,
                  (unsigned long long)c->st.lines, why);
    if (c->st.rows_skipped == TIPC_CSV_WARN_MAX)
        tipc__log(lg, TIPC_LOG_WARN, CSV_COMPONENT,
                  "%s: %d rows skipped; further skipped rows are counted but not logged", c->path,
                  TIPC_CSV_WARN_MAX);
}

static int
finish(tipc_csv *c, int result)
{
    c->finished = 1;
    c->result = result;
    return result;
}

static int
finish_at_eof(tipc_csv *c)
{
    const tipc_logger *lg = c->has_log ? &c->log : NULL;

    if (c->st.rows_ok > 0)
        return finish(c, 0);
    if (c->st.lines == 0 || !c->header_done)
        tipc__log(lg, TIPC_LOG_ERROR, CSV_COMPONENT, "%s: no valid row: the file is empty",
                  c->path);
    else if (c->st.rows_skipped == 0)
        tipc__log(lg, TIPC_LOG_ERROR, CSV_COMPONENT, "%s: no valid row: only a header line",
                  c->path);
    else
        tipc__log(lg, TIPC_LOG_ERROR, CSV_COMPONENT,
                  "%s: no valid row: all %llu data rows were skipped", c->path,
                  (unsigned long long)c->st.rows_skipped);
    return finish(c, TIPC_ENODATA);
}

int
tipc_csv_next(tipc_csv *c, tipc_csv_row *row)
{
    char why[160];

    assert(c != NULL && row != NULL);
    if (c->finished)
        return c->result;
    for (;;) {
        const char *s = NULL;
        size_t len = 0;
        int rc = next_line(c, &s, &len);

        if (rc == LINE_EOF)
            return finish_at_eof(c);
        if (rc < 0)
            return finish(c, rc);
        if (rc == LINE_TOO_LONG) {
            if (!c->header_done) {
                c->header_done = 1; /* an over-long first line is taken as the header */
                continue;
            }
            skip_row(c, "line longer than " CSV_STR(TIPC_CSV_LINE_MAX) " bytes");
            continue;
        }
        if (c->st.lines == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            len -= 3;
        }
        if (len > 0 && s[len - 1] == '\r')
            len--;
        if (len > TIPC_CSV_LINE_MAX) {
            skip_row(c, "line longer than " CSV_STR(TIPC_CSV_LINE_MAX) " bytes");
            continue;
        }
        if (is_blank_line(s, len))
            continue;
        memset(row->symbol, 0, sizeof row->symbol);
        rc = parse_row(c->kind, s, len, row, why, sizeof why);
        if (!c->header_done) {
            c->header_done = 1;
            if (rc != 0)
                continue; /* the header: not checked */
            tipc__log(c->has_log ? &c->log : NULL, TIPC_LOG_INFO, CSV_COMPONENT,
                      "%s:%llu: no header line: the first line is data", c->path,
                      (unsigned long long)c->st.lines);
        }
        if (rc != 0) {
            skip_row(c, why);
            continue;
        }
        if (row->ts_ns < c->last_ts) {
            char a[TIPC_CSV_TIME_MAX], b[TIPC_CSV_TIME_MAX];
            (void)!tipc_csv_format_time(row->ts_ns, a, sizeof a);
            (void)!tipc_csv_format_time(c->last_ts, b, sizeof b);
            tipc__why(why, sizeof why, "timestamp %s is earlier than the previous row's %s", a, b);
            skip_row(c, why);
            continue;
        }
        c->last_ts = row->ts_ns;
        row->line = c->st.lines;
        c->st.rows_ok++;
        return 1;
    }
}

/* ---- whole-file load ----------------------------------------------------------------------- */

int
tipc_csv_load(const char *path, tipc_csv_kind kind, const tipc_logger *log, size_t max_rows,
              tipc_csv_row **rows_out, size_t *count_out, tipc_csv_stats *stats)
{
    tipc_csv *c = NULL;
    tipc_csv_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc;

    assert(rows_out != NULL && count_out != NULL);
    rc = tipc_csv_open(&c, path, kind, log);
    if (rc != 0)
        return rc;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap == 0 ? 1024 : cap * 2;
            tipc_csv_row *nr;
            if (ncap > SIZE_MAX / sizeof *rows ||
                (nr = realloc(rows, ncap * sizeof *rows)) == NULL) {
                rc = TIPC_ENOMEM;
                break;
            }
            rows = nr;
            cap = ncap;
        }
        rc = tipc_csv_next(c, &rows[n]);
        if (rc <= 0)
            break;
        if (max_rows != 0 && n == max_rows) {
            tipc__log(log, TIPC_LOG_ERROR, CSV_COMPONENT, "%s:%llu: more than %zu rows", path,
                      (unsigned long long)rows[n].line, max_rows);
            rc = TIPC_ENOSPC;
            break;
        }
        n++;
    }
    if (stats != NULL)
        tipc_csv_get_stats(c, stats);
    tipc_csv_close(c);
    if (rc != 0) {
        free(rows);
        return rc;
    }
    if (n < cap) {
        tipc_csv_row *fit = realloc(rows, n * sizeof *rows);
        if (fit != NULL)
            rows = fit;
    }
    *rows_out = rows;
    *count_out = n;
    return 0;
}

void
tipc_csv_free(tipc_csv_row *rows)
{
    free(rows);
}
