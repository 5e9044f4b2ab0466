/* SPDX-License-Identifier: MIT */
/* CSV reader, timestamp parsing and replay: exact values, every documented oddity
 * with its exact warning, merge order, pacing on synthetic clocks, looping. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tipc_check.h"

#define CSV_DIR TIPC_TEST_DATADIR "/csv/"
#define S 1000000000ull

/* ---- a logger that keeps what it is told ---------------------------------------------------- */

#define CAP_MAX 128

typedef struct capture {
    int n;
    tipc_log_level level[CAP_MAX];
    char msg[CAP_MAX][600];
} capture;

static void
capture_fn(void *ctx, tipc_log_level level, const char *component, const char *msg)
{
    capture *c = ctx;
    ck_assert_str_eq(component, "csv");
    if (c->n < CAP_MAX) {
        c->level[c->n] = level;
        snprintf(c->msg[c->n], sizeof c->msg[0], "%s", msg);
    }
    c->n++;
}

static tipc_logger
logger_for(capture *c)
{
    memset(c, 0, sizeof *c);
    return (tipc_logger){.fn = capture_fn, .ctx = c, .max_level = TIPC_LOG_DEBUG};
}

/* Write bytes to a fresh file in /tmp; the caller unlinks it right after opening it. */
static void
write_tmp(char *path, size_t cap, const void *data, size_t len)
{
    snprintf(path, cap, "/tmp/tipc_test_csv_%ld_XXXXXX", (long)getpid());
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static uint64_t
ts(const char *s)
{
    uint64_t ns = 0;
    ck_assert_tipc_ok(tipc_csv_parse_time(s, strlen(s), &ns));
    return ns;
}

/* ---- timestamps ----------------------------------------------------------------------------- */

START_TEST(test_csv_time_exact_values)
{
    ck_assert_uint_eq(ts("1970-01-01T00:00:00Z"), 0);
    ck_assert_uint_eq(ts("1970-01-01T00:00:00.000000001Z"), 1);
    ck_assert_uint_eq(ts("2012-09-04T20:00:00Z"), 1346788800ull * S);
    ck_assert_uint_eq(ts("2012-09-04 20:00:00Z"), 1346788800ull * S);
    ck_assert_uint_eq(ts("2012-09-04t20:00:00z"), 1346788800ull * S);
    ck_assert_uint_eq(ts("2000-02-29T00:00:00Z"), 951782400ull * S);
    ck_assert_uint_eq(ts("2000-03-01T00:00:00Z"), 951868800ull * S);
    ck_assert_uint_eq(ts("2024-02-29T12:00:00Z"), 1709208000ull * S);
    ck_assert_uint_eq(ts("2016-12-31T23:59:59.999999999Z"), 1483228799999999999ull);
    ck_assert_uint_eq(ts("2017-09-01T20:00:00.5Z"), 1504296000ull * S + 500000000);
    ck_assert_uint_eq(ts("2554-07-21T23:34:33.709551615Z"), UINT64_MAX);
    /* epoch integers */
    ck_assert_uint_eq(ts("0"), 0);
    ck_assert_uint_eq(ts("1346788800"), 1346788800ull * S);
    ck_assert_uint_eq(ts("1346788800.25"), 1346788800ull * S + 250000000);
    ck_assert_uint_eq(ts("1346788800123456789"), 1346788800123456789ull);
    ck_assert_uint_eq(ts("18446744073709551615"), UINT64_MAX);
}
END_TEST

START_TEST(test_csv_time_rejects)
{
    static const char *bad[] = {
        "",
        "1969-12-31T23:59:59Z",            /* before the epoch */
        "1900-01-01T00:00:00Z",            /* before the epoch */
        "2100-02-29T00:00:00Z",            /* not a leap year */
        "2023-02-29T00:00:00Z",            /* not a leap year */
        "2012-04-31T00:00:00Z",            /* April has 30 days */
        "2012-13-01T00:00:00Z",            /* month */
        "2012-00-01T00:00:00Z",            /* month */
        "2012-01-00T00:00:00Z",            /* day */
        "2012-09-04T24:00:00Z",            /* hour */
        "2012-09-04T20:60:00Z",            /* minute */
        "2012-09-04T20:00:60Z",            /* no leap seconds */
        "2012-09-04T20:00:00",             /* zone missing */
        "2012-09-04T20:00:00+00:00",       /* only Z */
        "2012-09-04T20:00:00.Z",           /* empty fraction */
        "2012-09-04T20:00:00.1234567890Z", /* 10 fraction digits */
        "2012-9-04T20:00:00Z",             /* one-digit month */
        "2012-09-04X20:00:00Z",            /* separator */
        "2012-09-04T20:00:00ZZ",           /* trailing text */
        " 2012-09-04T20:00:00Z",           /* leading space (the reader trims, this does not) */
        "2554-07-21T23:34:33.709551616Z",  /* past UINT64_MAX ns */
        "9999-12-31T23:59:59Z",            /* past UINT64_MAX ns */
        "-1",                              /* negative */
        "1346788800123",                   /* 13 digits: milliseconds? rejected as ambiguous */
        "1346788800123456",                /* 16 digits: microseconds? */
        "18446744073709551616",            /* > UINT64_MAX */
        "99999999999",                     /* 11-digit seconds overflow ns */
        "1346788800.",                     /* empty fraction */
        "1346788800.1234567891",           /* 10 fraction digits */
        "1346788800123.5",                 /* fraction needs <= 11-digit seconds */
        "1e9",
        "0x10",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t ns = 7;
        int rc = tipc_csv_parse_time(bad[i], strlen(bad[i]), &ns);
        ck_assert_msg(rc == TIPC_EBADVAL, "\"%s\": got %s", bad[i], tipc_err_name(rc));
    }
    /* len is honoured: no NUL needed, and bytes past len are not read */
    uint64_t ns = 0;
    ck_assert_tipc_ok(tipc_csv_parse_time("2012-09-04T20:00:00Zjunk", 20, &ns));
    ck_assert_uint_eq(ns, 1346788800ull * S);
}
END_TEST

START_TEST(test_csv_time_format_round_trip)
{
    char buf[TIPC_CSV_TIME_MAX];
    uint64_t x = 0x9E3779B97F4A7C15ull;

    ck_assert_int_eq(tipc_csv_format_time(0, buf, sizeof buf), 20);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    ck_assert_int_eq(tipc_csv_format_time(951782400ull * S + 1, buf, sizeof buf), 30);
    ck_assert_str_eq(buf, "2000-02-29T00:00:00.000000001Z");
    ck_assert_int_eq(tipc_csv_format_time(UINT64_MAX, buf, sizeof buf), 30);
    ck_assert_str_eq(buf, "2554-07-21T23:34:33.709551615Z");
    ck_assert_int_eq(tipc_csv_format_time(0, buf, 20), TIPC_ENOSPC);
    ck_assert_str_eq(buf, "");
    /* every day boundary and random instants survive format -> parse */
    for (int i = 0; i < 20000; i++) {
        uint64_t ns;
        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
        ns =
            i < 10000 ? (uint64_t)i * 86400 * 7 * S + (uint64_t)(i % 2) : x * 0x2545F4914F6CDD1Dull;
        int n = tipc_csv_format_time(ns, buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        ck_assert_uint_eq(ts(buf), ns);
    }
}
END_TEST

/* ---- reader --------------------------------------------------------------------------------- */

START_TEST(test_csv_reads_every_oddity_with_exact_warnings)
{
    static const struct {
        uint64_t line;
        const char *sym;
        int64_t value;
        uint64_t ts_ns;
    } want_rows[] = {
        {2, "AAPL", 964243, 1346788800ull * S},
        {3, "AMZN", 2478800, 1346788800ull * S},
        {14, "CVX", 1, 1346788801ull * S},
        {23, "JNJ", INT64_MAX, 1346788801ull * S},
        {25, "KO", 457800, 1346788801ull * S + S / 2},
        {27, "MSFT", 739400, 1346788801ull * S + S / 2},
        {32, "T", 374800, 1346788802ull * S},
        {33, "VZ", 479200, 1346788802ull * S},
    };
    static const char *want_warn[] = {
        ":5: expected 3 fields, got 2",
        ":6: expected 3 fields, got 4",
        ":7: price is not a decimal number \"abc\"",
        ":8: price is not a decimal number \"NaN\"",
        ":9: price is not a decimal number \"inf\"",
        ":10: negative price \"-19.00\"",
        ":11: price is zero \"0.0000\"",
        ":12: price has more than 4 decimal places \"19.00001\"",
        ":13: price is not a decimal number \"1e3\"",
        ":15: timestamp 2012-09-04T20:00:00Z is earlier than the previous row's "
        "2012-09-04T20:00:01Z",
        ":16: bad timestamp \"1969-12-31T23:59:59Z\"",
        ":17: bad timestamp \"2012-02-30T20:00:00Z\"",
        ":18: symbol has a character outside [A-Za-z0-9._-] \"GOOG!\"",
        ":19: symbol longer than 15 bytes \"ABCDEFGHIJKLMNOP\"",
        ":20: empty symbol \"\"",
        ":21: unterminated quoted field",
        ":22: text after a closing quote",
        ":24: price out of range \"922337203685477.5808\"",
        ":26: timestamp 2012-09-04T20:00:01Z is earlier than the previous row's "
        "2012-09-04T20:00:01.500000000Z",
        ":28: bad timestamp \"2012-09-04T20:00:02+01:00\"",
        ":29: price is not a decimal number \".5\"",
        ":30: price is not a decimal number \"5.\"",
        ":31: price is not a decimal number \"+5\"",
    };
    const char *path = CSV_DIR "odd_prices.csv";
    capture cap;
    tipc_logger lg = logger_for(&cap);
    tipc_csv *c = NULL;
    tipc_csv_row row;
    tipc_csv_stats st;
    size_t i = 0;
    int rc;

    ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_PRICES, &lg));
    while ((rc = tipc_csv_next(c, &row)) == 1) {
        ck_assert_uint_lt(i, sizeof want_rows / sizeof want_rows[0]);
        ck_assert_uint_eq(row.line, want_rows[i].line);
        ck_assert_str_eq(row.symbol, want_rows[i].sym);
        ck_assert_int_eq(row.value, want_rows[i].value);
        ck_assert_uint_eq(row.ts_ns, want_rows[i].ts_ns);
        i++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(tipc_csv_next(c, &row), 0); /* sticky */
    ck_assert_uint_eq(i, sizeof want_rows / sizeof want_rows[0]);
    tipc_csv_get_stats(c, &st);
    ck_assert_uint_eq(st.lines, 33);
    ck_assert_uint_eq(st.rows_ok, 8);
    ck_assert_uint_eq(st.rows_skipped, 23);
    tipc_csv_close(c);

    ck_assert_int_eq(cap.n, (int)(sizeof want_warn / sizeof want_warn[0]));
    for (i = 0; i < sizeof want_warn / sizeof want_warn[0]; i++) {
        char want[600];
        snprintf(want, sizeof want, "%s%s", path, want_warn[i]);
        ck_assert_int_eq(cap.level[i], TIPC_LOG_WARN);
        ck_assert_str_eq(cap.msg[i], want);
    }
}
END_TEST

START_TEST(test_csv_news_sentiment_range)
{
    static const char *want_warn[] = {
        ":5: sentiment outside 0..100 \"101\"",
        ":6: sentiment outside 0..100 \"-1\"",
        ":7: sentiment is not an integer \"50.5\"",
        ":8: sentiment is not an integer \"abc\"",
        ":9: empty sentiment \"\"",
        ":10: sentiment outside 0..100 \"99999999999999999999\"",
    };
    static const int64_t want_val[] = {73, 0, 100, 50};
    static const char *want_sym[] = {"AAPL", "AMZN", "BAC", "CVX"};
    const char *path = CSV_DIR "odd_news.csv";
    capture cap;
    tipc_logger lg = logger_for(&cap);
    tipc_csv *c = NULL;
    tipc_csv_row row;
    tipc_csv_stats st;
    int n = 0, rc;

    ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_NEWS, &lg));
    while ((rc = tipc_csv_next(c, &row)) == 1) {
        ck_assert_int_lt(n, 4);
        ck_assert_int_eq(row.value, want_val[n]);
        ck_assert_uint_eq(row.ts_ns, 1346765400ull * S);
        ck_assert_str_eq(row.symbol, want_sym[n]);
        n++;
    }
    ck_assert_int_eq(rc, 0);
    tipc_csv_get_stats(c, &st);
    ck_assert_uint_eq(st.rows_ok, 4);
    ck_assert_uint_eq(st.rows_skipped, 6);
    ck_assert_uint_eq(st.lines, 11);
    tipc_csv_close(c);
    ck_assert_int_eq(cap.n, 6);
    for (int i = 0; i < 6; i++) {
        char want[600];
        snprintf(want, sizeof want, "%s%s", path, want_warn[i]);
        ck_assert_str_eq(cap.msg[i], want);
    }
}
END_TEST

START_TEST(test_csv_no_header_line_is_data)
{
    capture cap;
    tipc_logger lg = logger_for(&cap);
    tipc_csv *c = NULL;
    tipc_csv_row row;

    ck_assert_tipc_ok(tipc_csv_open(&c, CSV_DIR "no_header.csv", TIPC_CSV_PRICES, &lg));
    ck_assert_int_eq(tipc_csv_next(c, &row), 1);
    ck_assert_uint_eq(row.line, 1);
    ck_assert_int_eq(row.value, 964243);
    ck_assert_int_eq(tipc_csv_next(c, &row), 1);
    ck_assert_int_eq(row.value, 957471);
    ck_assert_int_eq(tipc_csv_next(c, &row), 0);
    tipc_csv_close(c);
    ck_assert_int_eq(cap.n, 1);
    ck_assert_int_eq(cap.level[0], TIPC_LOG_INFO);
    ck_assert_str_eq(cap.msg[0], CSV_DIR "no_header.csv:1: no header line: the first line is data");
}
END_TEST

/* A line of exactly TIPC_CSV_LINE_MAX bytes is read; one byte more is skipped, as is a
 * 1 MiB line and an over-long last line without a newline. NUL bytes skip their line. */
START_TEST(test_csv_long_lines_and_nul_bytes)
{
    static const char row[] = "2012-09-04T20:00:00Z,AAPL,1";
    size_t big = 1 << 20, off = 0;
    char *data = malloc(4 * big), path[64];
    capture cap;
    tipc_logger lg = logger_for(&cap);
    tipc_csv *c = NULL;
    tipc_csv_row r;
    tipc_csv_stats st;

    ck_assert_ptr_nonnull(data);
#define PUT(s, n) (memcpy(data + off, (s), (n)), off += (n))
    PUT("timestamp,symbol,price\n", 23); /* 1 */
    PUT(row, sizeof row - 1);            /* 2: exactly LINE_MAX */
    memset(data + off, ' ', TIPC_CSV_LINE_MAX - (sizeof row - 1)),
        off += TIPC_CSV_LINE_MAX - (sizeof row - 1);
    PUT("\r\n", 2);
    PUT(row, sizeof row - 1); /* 3: LINE_MAX + 1 */
    memset(data + off, ' ', TIPC_CSV_LINE_MAX + 1 - (sizeof row - 1)),
        off += TIPC_CSV_LINE_MAX + 1 - (sizeof row - 1);
    PUT("\n", 1);
    memset(data + off, 'x', big), off += big; /* 4: 1 MiB */
    PUT("\n", 1);
    PUT("2012-09-04T20:00:00Z,AA\0PL,2\n", 29); /* 5: NUL */
    PUT("2012-09-04T20:00:00Z,AAPL,3\n", 28);   /* 6 */
    memset(data + off, 'y', big), off += big;   /* 7: long, no newline */
#undef PUT
    write_tmp(path, sizeof path, data, off);
    free(data);
    ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_PRICES, &lg));
    unlink(path);
    ck_assert_int_eq(tipc_csv_next(c, &r), 1);
    ck_assert_uint_eq(r.line, 2);
    ck_assert_int_eq(r.value, 10000);
    ck_assert_int_eq(tipc_csv_next(c, &r), 1);
    ck_assert_uint_eq(r.line, 6);
    ck_assert_int_eq(r.value, 30000);
    ck_assert_int_eq(tipc_csv_next(c, &r), 0);
    tipc_csv_get_stats(c, &st);
    ck_assert_uint_eq(st.lines, 7);
    ck_assert_uint_eq(st.rows_ok, 2);
    ck_assert_uint_eq(st.rows_skipped, 4);
    tipc_csv_close(c);
    ck_assert_int_eq(cap.n, 4);
    ck_assert_ptr_nonnull(strstr(cap.msg[0], ":3: line longer than 4096 bytes"));
    ck_assert_ptr_nonnull(strstr(cap.msg[1], ":4: line longer than 4096 bytes"));
    ck_assert_ptr_nonnull(strstr(cap.msg[2], ":5: NUL byte in line"));
    ck_assert_ptr_nonnull(strstr(cap.msg[3], ":7: line longer than 4096 bytes"));
    ck_assert_ptr_nonnull(strstr(cap.msg[0], path));
}
END_TEST

/* 150 bad rows: 100 warnings, one saying the rest go unlogged, all 150 counted. */
START_TEST(test_csv_warnings_are_capped)
{
    char data[8192], path[64];
    size_t off = 0;
    capture cap;
    tipc_logger lg = logger_for(&cap);
    tipc_csv *c = NULL;
    tipc_csv_row row;
    tipc_csv_stats st;

    off += (size_t)snprintf(data, sizeof data, "timestamp,symbol,price\n");
    for (int i = 0; i < 150; i++)
        off += (size_t)snprintf(data + off, sizeof data - off, "x,A,1\n");
    off += (size_t)snprintf(data + off, sizeof data - off, "0,A,1\n");
    write_tmp(path, sizeof path, data, off);
    ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_PRICES, &lg));
    unlink(path);
    ck_assert_int_eq(tipc_csv_next(c, &row), 1);
    ck_assert_uint_eq(row.line, 152);
    ck_assert_int_eq(tipc_csv_next(c, &row), 0);
    tipc_csv_get_stats(c, &st);
    ck_assert_uint_eq(st.rows_skipped, 150);
    tipc_csv_close(c);
    ck_assert_int_eq(cap.n, TIPC_CSV_WARN_MAX + 1);
    ck_assert_ptr_nonnull(strstr(cap.msg[99], ":101: bad timestamp \"x\""));
    char want[600];
    snprintf(want, sizeof want,
             "%s: 100 rows skipped; further skipped rows are counted but not logged", path);
    ck_assert_str_eq(cap.msg[100], want);
}
END_TEST

START_TEST(test_csv_no_valid_row_is_an_error)
{
    static const struct {
        const char *file;
        const char *why;
        uint64_t skipped;
    } cases[] = {
        {"empty.csv", "no valid row: the file is empty", 0},
        {"header_only.csv", "no valid row: only a header line", 0},
        {"all_bad.csv", "no valid row: all 2 data rows were skipped", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512], want[600];
        capture cap;
        tipc_logger lg = logger_for(&cap);
        tipc_csv *c = NULL;
        tipc_csv_row row;
        tipc_csv_stats st;

        snprintf(path, sizeof path, CSV_DIR "%s", cases[i].file);
        ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_PRICES, &lg));
        ck_assert_tipc_err(tipc_csv_next(c, &row), TIPC_ENODATA);
        ck_assert_tipc_err(tipc_csv_next(c, &row), TIPC_ENODATA); /* sticky */
        tipc_csv_get_stats(c, &st);
        ck_assert_uint_eq(st.rows_ok, 0);
        ck_assert_uint_eq(st.rows_skipped, cases[i].skipped);
        tipc_csv_close(c);
        ck_assert_int_eq(cap.n, (int)cases[i].skipped + 1);
        ck_assert_int_eq(cap.level[cap.n - 1], TIPC_LOG_ERROR);
        snprintf(want, sizeof want, "%s: %s", path, cases[i].why);
        ck_assert_str_eq(cap.msg[cap.n - 1], want);

        static tipc_csv_row sentinel;
        tipc_csv_row *rows = &sentinel; /* must stay untouched */
        size_t n = 99;
        ck_assert_tipc_err(tipc_csv_load(path, TIPC_CSV_PRICES, NULL, 0, &rows, &n, &st),
                           TIPC_ENODATA);
        ck_assert_ptr_eq(rows, &sentinel);
        ck_assert_uint_eq(n, 99);
        ck_assert_uint_eq(st.rows_skipped, cases[i].skipped);
    }
}
END_TEST

START_TEST(test_csv_bom_only_and_blank_lines)
{
    static const char data[] = "\xEF\xBB\xBF\r\n  \n\t\n";
    char path[64];
    tipc_csv *c = NULL;
    tipc_csv_row row;
    tipc_csv_stats st;

    write_tmp(path, sizeof path, data, sizeof data - 1);
    ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_NEWS, NULL));
    unlink(path);
    ck_assert_tipc_err(tipc_csv_next(c, &row), TIPC_ENODATA);
    tipc_csv_get_stats(c, &st);
    ck_assert_uint_eq(st.lines, 3);
    ck_assert_uint_eq(st.rows_skipped, 0);
    tipc_csv_close(c);
}
END_TEST

START_TEST(test_csv_open_errors)
{
    tipc_csv *c = (tipc_csv *)&c;
    tipc_csv_row *rows = NULL;
    size_t n = 0;

    ck_assert_tipc_err(tipc_csv_open(&c, CSV_DIR "does-not-exist.csv", TIPC_CSV_PRICES, NULL),
                       TIPC_ENOENT);
    ck_assert_tipc_err(tipc_csv_open(&c, CSV_DIR, TIPC_CSV_PRICES, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_csv_open(&c, CSV_DIR "no_header.csv", (tipc_csv_kind)3, NULL),
                       TIPC_EINVAL);
    ck_assert_ptr_eq(c, (tipc_csv *)&c); /* untouched on failure */
    ck_assert_tipc_err(tipc_csv_load(CSV_DIR "nope.csv", TIPC_CSV_PRICES, NULL, 0, &rows, &n, NULL),
                       TIPC_ENOENT);
    tipc_csv_close(NULL);
    tipc_csv_free(NULL);
}
END_TEST

START_TEST(test_csv_load_and_limit)
{
    tipc_csv_row *rows = NULL;
    tipc_csv_stats st;
    size_t n = 0;

    ck_assert_tipc_ok(
        tipc_csv_load(CSV_DIR "odd_prices.csv", TIPC_CSV_PRICES, NULL, 0, &rows, &n, &st));
    ck_assert_uint_eq(n, 8);
    ck_assert_uint_eq(st.rows_skipped, 23);
    ck_assert_str_eq(rows[0].symbol, "AAPL");
    ck_assert_str_eq(rows[7].symbol, "VZ");
    ck_assert_int_eq(rows[7].value, 479200);
    tipc_csv_free(rows);

    ck_assert_tipc_ok(
        tipc_csv_load(CSV_DIR "odd_prices.csv", TIPC_CSV_PRICES, NULL, 8, &rows, &n, NULL));
    ck_assert_uint_eq(n, 8);
    tipc_csv_free(rows);
    rows = NULL;
    ck_assert_tipc_err(
        tipc_csv_load(CSV_DIR "odd_prices.csv", TIPC_CSV_PRICES, NULL, 7, &rows, &n, NULL),
        TIPC_ENOSPC);
    ck_assert_ptr_null(rows);
}
END_TEST

/* The real data set, when the lead has placed it at data/prices.csv. */
START_TEST(test_csv_real_prices_file)
{
    const char *path = TIPC_TEST_TOPDIR "/data/prices.csv";
    tipc_csv *c = NULL;
    tipc_csv_row row, first = {0}, last_aapl = {0};
    tipc_csv_stats st;
    int rc;

    if (access(path, R_OK) != 0) {
        fprintf(stderr, "skip: %s not present\n", path);
        return;
    }
    ck_assert_tipc_ok(tipc_csv_open(&c, path, TIPC_CSV_PRICES, NULL));
    while ((rc = tipc_csv_next(c, &row)) == 1) {
        if (row.line == 2)
            first = row;
        if (strcmp(row.symbol, "AAPL") == 0)
            last_aapl = row;
    }
    ck_assert_int_eq(rc, 0);
    tipc_csv_get_stats(c, &st);
    tipc_csv_close(c);
    ck_assert_uint_eq(st.rows_ok, 25160);
    ck_assert_uint_eq(st.rows_skipped, 0);
    ck_assert_uint_eq(st.lines, 25161);
    ck_assert_str_eq(first.symbol, "AAPL");
    ck_assert_int_eq(first.value, 964243);
    ck_assert_uint_eq(first.ts_ns, 1346788800ull * S);
    ck_assert_int_eq(last_aapl.value, 1640500);
    ck_assert_uint_eq(last_aapl.ts_ns, ts("2017-09-01T20:00:00Z"));
}
END_TEST

/* ---- replay --------------------------------------------------------------------------------- */

#define T0 1577836800ull /* 2020-01-01T00:00:00Z */

typedef struct want_ev {
    tipc_replay_kind kind;
    const char *sym;
    int64_t value;
    uint64_t t; /* seconds after T0 */
} want_ev;

/* The merge of merge_prices.csv and merge_news.csv: by time, prices first on ties. */
static const want_ev merged[] = {
    {TIPC_REPLAY_PRICE, "AAA", 10000, 0}, {TIPC_REPLAY_NEWS, "NNN", 10, 0},
    {TIPC_REPLAY_PRICE, "BBB", 20000, 1}, {TIPC_REPLAY_PRICE, "CCC", 30000, 1},
    {TIPC_REPLAY_NEWS, "NNN", 20, 1},     {TIPC_REPLAY_NEWS, "NNN", 30, 2},
    {TIPC_REPLAY_PRICE, "AAA", 40000, 3}, {TIPC_REPLAY_NEWS, "NNN", 40, 5},
};
#define NMERGED (sizeof merged / sizeof merged[0])

static void
check_event(const tipc_replay_event *ev, const want_ev *w, uint64_t pass)
{
    ck_assert_int_eq(ev->kind, w->kind);
    ck_assert_uint_eq(ev->pass, pass);
    if (w->kind == TIPC_REPLAY_PRICE) {
        ck_assert_str_eq(ev->tick.symbol, w->sym);
        ck_assert_int_eq(ev->tick.price, w->value);
        ck_assert_uint_eq(ev->tick.event_ns, (T0 + w->t) * S);
        ck_assert_uint_eq(ev->tick.send_ns, 0);
        ck_assert_uint_eq(ev->tick.seq, 0);
    } else {
        ck_assert_str_eq(ev->news.symbol, w->sym);
        ck_assert_int_eq(ev->news.sentiment, w->value);
        ck_assert_uint_eq(ev->news.event_ns, (T0 + w->t) * S);
        ck_assert_uint_eq(ev->news.send_ns, 0);
        ck_assert_uint_eq(ev->news.seq, 0);
    }
}

static tipc_replay *
open_merge(const tipc_replay_opts *o)
{
    tipc_replay *r = NULL;
    ck_assert_tipc_ok(
        tipc_replay_open(&r, CSV_DIR "merge_prices.csv", CSV_DIR "merge_news.csv", o));
    return r;
}

START_TEST(test_replay_merge_order_asap)
{
    tipc_replay *r = open_merge(NULL);
    tipc_replay_event ev;
    tipc_csv_stats sp, sn;
    uint64_t wait = 12345;

    ck_assert_uint_eq(tipc_replay_count(r), NMERGED);
    tipc_replay_stats(r, &sp, &sn);
    ck_assert_uint_eq(sp.rows_ok, 4);
    ck_assert_uint_eq(sn.rows_ok, 4);
    ck_assert_uint_eq(sn.lines, 5);
    for (size_t i = 0; i < NMERGED; i++) {
        ck_assert_int_eq(tipc_replay_next(r, &ev, 77, &wait), 1);
        check_event(&ev, &merged[i], 0);
        ck_assert_uint_eq(ev.due_ns, 77);
    }
    ck_assert_uint_eq(ev.line, 5);
    ck_assert_tipc_err(tipc_replay_next(r, &ev, 78, &wait), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_replay_next(r, &ev, 79, &wait), TIPC_ENOENT);
    ck_assert_uint_eq(wait, 12345);
    tipc_replay_close(r);
}
END_TEST

START_TEST(test_replay_one_file_only)
{
    tipc_replay *r = NULL;
    tipc_replay_event ev;
    tipc_csv_stats sp, sn;

    ck_assert_tipc_ok(tipc_replay_open(&r, NULL, CSV_DIR "merge_news.csv", NULL));
    tipc_replay_stats(r, &sp, &sn);
    ck_assert_uint_eq(sp.lines, 0);
    ck_assert_uint_eq(sn.rows_ok, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(tipc_replay_next(r, &ev, 0, NULL), 1);
        ck_assert_int_eq(ev.kind, TIPC_REPLAY_NEWS);
        ck_assert_int_eq(ev.news.sentiment, 10 * (i + 1));
    }
    ck_assert_tipc_err(tipc_replay_next(r, &ev, 0, NULL), TIPC_ENOENT);
    tipc_replay_close(r);

    ck_assert_tipc_ok(tipc_replay_open(&r, CSV_DIR "merge_prices.csv", NULL, NULL));
    ck_assert_uint_eq(tipc_replay_count(r), 4);
    tipc_replay_close(r);
}
END_TEST

/* RATE: event k is due at start + floor(k * 1e9 / rate); late callers catch up. */
START_TEST(test_replay_rate_due_times_exact)
{
    tipc_replay_opts o = {.pace = TIPC_REPLAY_RATE, .rate = 3};
    tipc_replay *r = open_merge(&o);
    tipc_replay_event ev;
    const uint64_t t = 5000;
    uint64_t wait = 0;

    ck_assert_int_eq(tipc_replay_next(r, &ev, t, &wait), 1); /* k=0 due at start */
    ck_assert_uint_eq(ev.due_ns, t);
    ck_assert_int_eq(tipc_replay_next(r, &ev, t, &wait), 0);
    ck_assert_uint_eq(wait, 333333333);
    ck_assert_int_eq(tipc_replay_next(r, &ev, t + 333333332, &wait), 0);
    ck_assert_uint_eq(wait, 1);
    ck_assert_int_eq(tipc_replay_next(r, &ev, t + 333333333, &wait), 1);
    ck_assert_uint_eq(ev.due_ns, t + 333333333);
    check_event(&ev, &merged[1], 0);
    ck_assert_int_eq(tipc_replay_next(r, &ev, t + 333333333, &wait), 0);
    ck_assert_uint_eq(wait, 666666666 - 333333333);
    /* Fall behind to t + 2 s: k=2..6 (due .666, 1, 1.333, 1.666, 2) come back to back. */
    for (uint64_t k = 2; k <= 6; k++) {
        ck_assert_int_eq(tipc_replay_next(r, &ev, t + 2 * S, &wait), 1);
        ck_assert_uint_eq(ev.due_ns, t + k * S / 3);
        check_event(&ev, &merged[k], 0);
    }
    ck_assert_int_eq(tipc_replay_next(r, &ev, t + 2 * S, &wait), 0);
    ck_assert_uint_eq(wait, 333333333);
    ck_assert_int_eq(tipc_replay_next(r, &ev, t + 7 * S / 3, &wait), 1);
    ck_assert_tipc_err(tipc_replay_next(r, &ev, UINT64_MAX, &wait), TIPC_ENOENT);
    tipc_replay_close(r);
}
END_TEST

/* TIMESTAMPS: due at start + (ts - ts0) / speed. */
START_TEST(test_replay_timestamps_speed)
{
    static const uint64_t due_half_s[NMERGED] = {0, 0, 1, 1, 1, 2, 3, 5}; /* in 0.5 s units */
    tipc_replay_opts o = {.pace = TIPC_REPLAY_TIMESTAMPS, .speed = 2};
    tipc_replay *r = open_merge(&o);
    tipc_replay_event ev;
    const uint64_t t = 10 * S;
    uint64_t now = t, wait;

    for (size_t i = 0; i < NMERGED; i++) {
        uint64_t due = t + due_half_s[i] * S / 2;
        if (now < due) {
            ck_assert_int_eq(tipc_replay_next(r, &ev, now, &wait), 0);
            ck_assert_uint_eq(wait, due - now);
            now = due;
        }
        ck_assert_int_eq(tipc_replay_next(r, &ev, now, &wait), 1);
        ck_assert_uint_eq(ev.due_ns, due);
        check_event(&ev, &merged[i], 0);
    }
    tipc_replay_close(r);
}
END_TEST

/* Looping repeats the data with its own timestamps; TIMESTAMPS pacing schedules pass p
 * p * (span + gap) later, the automatic gap being the smallest step (1 s). */
START_TEST(test_replay_loop)
{
    tipc_replay_opts o = {.pace = TIPC_REPLAY_ASAP, .loop = 1};
    tipc_replay *r = open_merge(&o);
    tipc_replay_event ev;
    uint64_t wait = 0;

    for (uint64_t pass = 0; pass < 1000; pass++)
        for (size_t i = 0; i < NMERGED; i++) {
            ck_assert_int_eq(tipc_replay_next(r, &ev, 0, NULL), 1);
            check_event(&ev, &merged[i], pass);
        }
    tipc_replay_close(r);

    o.pace = TIPC_REPLAY_TIMESTAMPS;
    o.speed = 1;
    r = open_merge(&o);
    ck_assert_int_eq(tipc_replay_next(r, &ev, 100 * S, &wait), 1); /* starts the schedule */
    for (size_t i = 1; i < NMERGED; i++)
        ck_assert_int_eq(tipc_replay_next(r, &ev, 105 * S, &wait), 1);
    ck_assert_int_eq(tipc_replay_next(r, &ev, 105 * S, &wait), 0);
    ck_assert_uint_eq(wait, 1 * S); /* pass 1 starts at 100 s + span 5 s + gap 1 s */
    ck_assert_int_eq(tipc_replay_next(r, &ev, 106 * S, &wait), 1);
    check_event(&ev, &merged[0], 1);
    ck_assert_uint_eq(ev.due_ns, 106 * S);
    tipc_replay_close(r);

    /* explicit gap, and a speed that does not divide the period: pass p of the 15 s period
     * at speed 4 starts at floor(p * 15 / 4) s, with no drift */
    o.loop_gap_ns = 10 * S;
    o.speed = 4;
    r = open_merge(&o);
    for (uint64_t pass = 0; pass < 50; pass++) {
        for (size_t i = 0; i < NMERGED; i++) {
            uint64_t now = pass == 0 && i == 0 ? 0 : UINT64_MAX / 2; /* start at 0 */
            ck_assert_int_eq(tipc_replay_next(r, &ev, now, &wait), 1);
            check_event(&ev, &merged[i], pass);
            ck_assert_uint_eq(ev.due_ns, (pass * 15 * S + merged[i].t * S) / 4);
        }
    }
    tipc_replay_close(r);
}
END_TEST

/* Rows at the very top of the time range loop forever too. */
START_TEST(test_replay_loop_at_end_of_time)
{
    static const char data[] = "timestamp,symbol,price\n"
                               "18446744073000000000,AAA,1\n"
                               "18446744073709551615,AAA,2\n";
    tipc_replay_opts o = {.pace = TIPC_REPLAY_TIMESTAMPS, .speed = 1, .loop = 1};
    tipc_replay *r = NULL;
    tipc_replay_event ev;
    uint64_t wait = 0;
    char path[64];

    write_tmp(path, sizeof path, data, sizeof data - 1);
    int rc = tipc_replay_open(&r, path, NULL, &o);
    unlink(path);
    ck_assert_tipc_ok(rc);
    ck_assert_int_eq(tipc_replay_next(r, &ev, 0, &wait), 1);
    ck_assert_int_eq(tipc_replay_next(r, &ev, 0, &wait), 0);
    ck_assert_uint_eq(wait, 709551615);
    for (uint64_t pass = 0; pass < 100; pass++) {
        ck_assert_int_eq(tipc_replay_next(r, &ev, UINT64_MAX, &wait), 1);
        ck_assert_uint_eq(ev.tick.event_ns, pass == 0 ? UINT64_MAX : 18446744073000000000ull);
        if (pass > 0)
            ck_assert_int_eq(tipc_replay_next(r, &ev, UINT64_MAX, &wait), 1);
        ck_assert_uint_eq(ev.tick.event_ns, UINT64_MAX);
    }
    tipc_replay_close(r);
}
END_TEST

START_TEST(test_replay_open_errors)
{
    tipc_replay *r = (tipc_replay *)&r;
    tipc_replay_opts o = {.pace = TIPC_REPLAY_RATE, .rate = 0};
    const char *p = CSV_DIR "merge_prices.csv";

    ck_assert_tipc_err(tipc_replay_open(&r, NULL, NULL, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_replay_open(&r, p, NULL, &o), TIPC_EINVAL);
    o.rate = TIPC_REPLAY_RATE_MAX + 1ull;
    ck_assert_tipc_err(tipc_replay_open(&r, p, NULL, &o), TIPC_EINVAL);
    o = (tipc_replay_opts){.pace = TIPC_REPLAY_TIMESTAMPS, .speed = 0};
    ck_assert_tipc_err(tipc_replay_open(&r, p, NULL, &o), TIPC_EINVAL);
    o.speed = TIPC_REPLAY_SPEED_MAX + 1;
    ck_assert_tipc_err(tipc_replay_open(&r, p, NULL, &o), TIPC_EINVAL);
    o = (tipc_replay_opts){.pace = (tipc_replay_pace)9};
    ck_assert_tipc_err(tipc_replay_open(&r, p, NULL, &o), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_replay_open(&r, p, CSV_DIR "missing.csv", NULL), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_replay_open(&r, CSV_DIR "header_only.csv", NULL, NULL), TIPC_ENODATA);
    o = (tipc_replay_opts){.max_rows = 3};
    ck_assert_tipc_err(tipc_replay_open(&r, p, NULL, &o), TIPC_ENOSPC);
    ck_assert_ptr_eq(r, (tipc_replay *)&r);
    tipc_replay_close(NULL);
}
END_TEST

static Suite *
tipc_csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_csv_time_exact_values);
    tcase_add_test(tc, test_csv_time_format_round_trip);
    tcase_add_test(tc, test_csv_reads_every_oddity_with_exact_warnings);
    tcase_add_test(tc, test_csv_news_sentiment_range);
    tcase_add_test(tc, test_csv_no_header_line_is_data);
    tcase_add_test(tc, test_csv_load_and_limit);
    tcase_add_test(tc, test_csv_real_prices_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_csv_time_rejects);
    tcase_add_test(tc, test_csv_no_valid_row_is_an_error);
    tcase_add_test(tc, test_csv_bom_only_and_blank_lines);
    tcase_add_test(tc, test_csv_open_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_csv_long_lines_and_nul_bytes);
    tcase_add_test(tc, test_csv_warnings_are_capped);
    tcase_add_test(tc, test_replay_loop_at_end_of_time);
    suite_add_tcase(s, tc);

    tc = tcase_create("replay");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_replay_merge_order_asap);
    tcase_add_test(tc, test_replay_one_file_only);
    tcase_add_test(tc, test_replay_rate_due_times_exact);
    tcase_add_test(tc, test_replay_timestamps_speed);
    tcase_add_test(tc, test_replay_loop);
    tcase_add_test(tc, test_replay_open_errors);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_csv_suite)
