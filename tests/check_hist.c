/* SPDX-License-Identifier: MIT */
/* Histogram and meter: percentiles within the stated error on known
 * distributions, exact min/max/mean, merge == recording both, dump/load round
 * trip and rejection of bad dumps, exact meter rates on synthetic clocks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tipc_check.h"

static tipc_hist *
new_hist(void)
{
    tipc_hist *h = NULL;
    ck_assert_tipc_ok(tipc_hist_create(&h));
    ck_assert_ptr_nonnull(h);
    return h;
}

/* |got - want| <= want / 256: the documented bound. */
static void
assert_close(uint64_t got, uint64_t want, double p)
{
    uint64_t diff = got > want ? got - want : want - got;
    ck_assert_msg((double)diff <= (double)want / 256.0, "p%g: got %llu, want %llu", p,
                  (unsigned long long)got, (unsigned long long)want);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t
next_rand(void)
{
    rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

/* The exact value of rank ceil(p/100 * n) in sorted v[], as documented. */
static uint64_t
true_percentile(const uint64_t *v, size_t n, double p)
{
    uint64_t ppb = (uint64_t)(p * 1e7 + 0.5); /* integer ranks, so 99.9% of n is exact */
    size_t rank = (size_t)((n * ppb + 999999999) / 1000000000);
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

static void
dump_str(const tipc_hist *h, char **out)
{
    size_t len = 0;
    ck_assert_tipc_err(tipc_hist_dump(h, NULL, 0, &len), TIPC_ENOSPC);
    *out = malloc(len + 1);
    ck_assert_ptr_nonnull(*out);
    size_t len2 = 0;
    ck_assert_tipc_ok(tipc_hist_dump(h, *out, len + 1, &len2));
    ck_assert_uint_eq(len2, len);
    ck_assert_uint_eq(strlen(*out), len);
}

START_TEST(test_hist_uniform_1_to_1000)
{
    tipc_hist *h = new_hist();
    char buf[128];

    for (uint64_t v = 1000; v >= 1; v--)
        tipc_hist_record(h, v);
    ck_assert_uint_eq(tipc_hist_count(h), 1000);
    ck_assert_uint_eq(tipc_hist_min(h), 1);
    ck_assert_uint_eq(tipc_hist_max(h), 1000);
    ck_assert_double_eq(tipc_hist_mean(h), 500.5);
    ck_assert_uint_eq(tipc_hist_percentile(h, 0), 1);
    ck_assert_uint_eq(tipc_hist_percentile(h, 0.1), 1);
    ck_assert_uint_eq(tipc_hist_percentile(h, 10), 100); /* < 128: exact */
    ck_assert_uint_eq(tipc_hist_percentile(h, 50), 500); /* bucket [500, 501] */
    ck_assert_uint_eq(tipc_hist_percentile(h, 99), 989); /* bucket [988, 991] */
    ck_assert_uint_eq(tipc_hist_percentile(h, 99.9), 997);
    ck_assert_uint_eq(tipc_hist_percentile(h, 100), 1000);
    ck_assert_uint_eq(tipc_hist_percentile(h, 250), 1000);
    static const char want[] = "n=1000 p50=500ns p99=989ns p99.9=997ns max=1.0us";
    ck_assert_int_eq(tipc_hist_format(h, buf, sizeof buf), (int)strlen(want));
    ck_assert_str_eq(buf, want);
    tipc_hist_destroy(h);
}
END_TEST

START_TEST(test_hist_small_values_exact)
{
    tipc_hist *h = new_hist();
    for (uint64_t v = 0; v < 128; v++)
        tipc_hist_record(h, v);
    for (int p = 1; p <= 100; p++) {
        uint64_t rank = (uint64_t)((128 * p + 99) / 100);
        ck_assert_uint_eq(tipc_hist_percentile(h, p), rank - 1);
    }
    ck_assert_uint_eq(tipc_hist_min(h), 0);
    tipc_hist_destroy(h);
}
END_TEST

/* Log-uniform values from 1 ns to about an hour: every percentile within 1/256. */
START_TEST(test_hist_log_uniform_within_error)
{
    enum { N = 200000 };
    static const double ps[] = {0.01, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999};
    uint64_t *v = malloc(N * sizeof *v);
    tipc_hist *h = new_hist();

    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < N; i++) {
        uint64_t r = next_rand();
        unsigned bits = (unsigned)(r % 42); /* 2^42 ns ~ 73 min */
        v[i] = ((r >> 8) & ((1ull << bits) - 1)) | (1ull << bits);
        tipc_hist_record(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_u64);
    ck_assert_uint_eq(tipc_hist_min(h), v[0]);
    ck_assert_uint_eq(tipc_hist_max(h), v[N - 1]);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        assert_close(tipc_hist_percentile(h, ps[i]), true_percentile(v, N, ps[i]), ps[i]);
    tipc_hist_destroy(h);
    free(v);
}
END_TEST

/* A constant value at every magnitude, including the top of the range. */
START_TEST(test_hist_every_magnitude)
{
    tipc_hist *h = new_hist();
    for (unsigned b = 0; b < 64; b++) {
        uint64_t base = 1ull << b;
        uint64_t vals[] = {base, base + base / 3, base + (base - 1)};
        for (size_t k = 0; k < 3; k++) {
            tipc_hist_reset(h);
            tipc_hist_record(h, 1);
            tipc_hist_record(h, vals[k]);
            tipc_hist_record(h, vals[k]);
            tipc_hist_record(h, UINT64_MAX);
            assert_close(tipc_hist_percentile(h, 50), vals[k], 50);
        }
    }
    ck_assert_uint_eq(tipc_hist_max(h), UINT64_MAX);
    ck_assert_uint_eq(tipc_hist_percentile(h, 100), UINT64_MAX);
    tipc_hist_destroy(h);
}
END_TEST

START_TEST(test_hist_empty_and_reset)
{
    tipc_hist *h = new_hist();
    char buf[16];

    ck_assert_uint_eq(tipc_hist_count(h), 0);
    ck_assert_uint_eq(tipc_hist_min(h), 0);
    ck_assert_uint_eq(tipc_hist_max(h), 0);
    ck_assert_double_eq(tipc_hist_mean(h), 0.0);
    ck_assert_uint_eq(tipc_hist_percentile(h, 99), 0);
    ck_assert_int_eq(tipc_hist_format(h, buf, sizeof buf), 3);
    ck_assert_str_eq(buf, "n=0");
    tipc_hist_record(h, 42);
    tipc_hist_reset(h);
    ck_assert_uint_eq(tipc_hist_count(h), 0);
    ck_assert_uint_eq(tipc_hist_min(h), 0);
    tipc_hist_destroy(h);
    tipc_hist_destroy(NULL);
}
END_TEST

START_TEST(test_hist_mean_exact_past_64_bits)
{
    tipc_hist *h = new_hist();
    for (int i = 0; i < 4; i++)
        tipc_hist_record(h, UINT64_MAX);
    ck_assert_double_eq(tipc_hist_mean(h), 18446744073709551615.0);
    tipc_hist_destroy(h);
}
END_TEST

START_TEST(test_hist_merge_equals_recording_both)
{
    tipc_hist *a = new_hist(), *b = new_hist(), *both = new_hist(), *empty = new_hist();
    char *da, *dboth;

    for (int i = 0; i < 50000; i++) {
        uint64_t x = next_rand() >> (next_rand() % 64);
        tipc_hist_record(i % 3 ? a : b, x);
        tipc_hist_record(both, x);
    }
    tipc_hist_merge(a, b);
    tipc_hist_merge(a, empty);
    dump_str(a, &da);
    dump_str(both, &dboth);
    ck_assert_str_eq(da, dboth);
    ck_assert_uint_eq(tipc_hist_min(a), tipc_hist_min(both));
    ck_assert_uint_eq(tipc_hist_max(a), tipc_hist_max(both));
    ck_assert_double_eq(tipc_hist_mean(a), tipc_hist_mean(both));
    tipc_hist_merge(empty, both); /* into an empty one */
    free(da);
    dump_str(empty, &da);
    ck_assert_str_eq(da, dboth);
    free(da);
    free(dboth);
    tipc_hist_destroy(a);
    tipc_hist_destroy(b);
    tipc_hist_destroy(both);
    tipc_hist_destroy(empty);
}
END_TEST

START_TEST(test_hist_dump_load_round_trip)
{
    tipc_hist *h = new_hist(), *g = new_hist();
    char small[8] = "x", *d1, *d2, line[200];
    size_t len = 0;

    tipc_hist_record(h, 5);
    tipc_hist_record(h, 12);
    tipc_hist_record(h, 900);
    ck_assert_tipc_ok(tipc_hist_dump(h, line, sizeof line, &len));
    ck_assert_str_eq(line, "tipc-hist/1 n=3 min=5 max=900 sum=0:917 b=5:1,12:1,481:1");
    ck_assert_uint_eq(len, strlen(line));
    ck_assert_tipc_err(tipc_hist_dump(h, small, sizeof small, &len), TIPC_ENOSPC);
    ck_assert_uint_eq(len, strlen(line));
    ck_assert_str_eq(small, "");
    ck_assert_tipc_err(tipc_hist_dump(h, line, len, &len), TIPC_ENOSPC); /* no room for NUL */

    for (int i = 0; i < 10000; i++)
        tipc_hist_record(h, next_rand() >> (next_rand() % 64));
    dump_str(h, &d1);
    ck_assert_tipc_ok(tipc_hist_load(g, d1, strlen(d1)));
    dump_str(g, &d2);
    ck_assert_str_eq(d1, d2);
    free(d2);
    /* load adds; a trailing newline is fine */
    char *nl = malloc(strlen(d1) + 3);
    ck_assert_ptr_nonnull(nl);
    sprintf(nl, "%s\r\n", d1);
    ck_assert_tipc_ok(tipc_hist_load(g, nl, strlen(nl)));
    ck_assert_uint_eq(tipc_hist_count(g), 2 * tipc_hist_count(h));
    ck_assert_double_eq_tol(tipc_hist_mean(g), tipc_hist_mean(h), tipc_hist_mean(h) * 1e-12);
    free(nl);
    free(d1);
    /* an empty histogram round-trips too */
    tipc_hist_reset(h);
    ck_assert_tipc_ok(tipc_hist_dump(h, line, sizeof line, &len));
    ck_assert_str_eq(line, "tipc-hist/1 n=0 min=0 max=0 sum=0:0 b=");
    tipc_hist_reset(g);
    ck_assert_tipc_ok(tipc_hist_load(g, line, len));
    ck_assert_uint_eq(tipc_hist_count(g), 0);
    tipc_hist_destroy(h);
    tipc_hist_destroy(g);
}
END_TEST

/* The widest header: every number 20 digits (found by fuzz_hist: the dump's
 * formatting buffer was too small for it). */
START_TEST(test_hist_dump_widest_numbers)
{
    static const char text[] = "tipc-hist/1 n=2 min=18446744073709551615 max=18446744073709551615 "
                               "sum=1:18446744073709551614 b=7423:2";
    tipc_hist *h = new_hist();
    char line[256];
    size_t len = 0;

    ck_assert_tipc_ok(tipc_hist_load(h, text, strlen(text)));
    ck_assert_uint_eq(tipc_hist_count(h), 2);
    ck_assert_uint_eq(tipc_hist_max(h), UINT64_MAX);
    ck_assert_tipc_ok(tipc_hist_dump(h, line, sizeof line, &len));
    ck_assert_str_eq(line, text);
    ck_assert_uint_eq(len, strlen(text));
    tipc_hist_destroy(h);
}
END_TEST

START_TEST(test_hist_load_rejects_bad_text)
{
    static const char *bad[] = {
        "",
        "tipc-hist/2 n=1 min=5 max=5 sum=0:5 b=5:1",
        "tipc-hist/1 n=2 min=5 max=5 sum=0:5 b=5:1",      /* counts do not sum to n */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=7424:1",   /* bucket out of range */
        "tipc-hist/1 n=2 min=5 max=6 sum=0:11 b=6:1,5:1", /* not increasing */
        "tipc-hist/1 n=2 min=5 max=5 sum=0:10 b=5:1,5:1", /* repeated */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=5:0,5:1",  /* zero count */
        "tipc-hist/1 n=1 min=4 max=5 sum=0:5 b=5:1",      /* min not in first bucket */
        "tipc-hist/1 n=1 min=5 max=6 sum=0:5 b=5:1",      /* max not in last bucket */
        "tipc-hist/1 n=0 min=1 max=0 sum=0:0 b=",         /* empty with a min */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=5:1 x",    /* trailing text */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=5:1,",     /* dangling comma */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=5:",       /* missing count */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5",            /* no bucket list */
        "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=5:18446744073709551616", /* overflow */
        ("tipc-hist/1 n=18446744073709551615 min=5 max=6 sum=0:5 "
         "b=5:18446744073709551615,6:1"),             /* total overflows */
        "tipc-hist/1  n=1 min=5 max=5 sum=0:5 b=5:1", /* two spaces */
        "tipc-hist/1 n=-1 min=5 max=5 sum=0:5 b=5:1",
    };
    tipc_hist *h = new_hist();
    char before[200], after[200];
    size_t len;

    tipc_hist_record(h, 77);
    ck_assert_tipc_ok(tipc_hist_dump(h, before, sizeof before, &len));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = tipc_hist_load(h, bad[i], strlen(bad[i]));
        ck_assert_msg(rc == TIPC_EPROTO, "\"%s\": got %s", bad[i], tipc_err_name(rc));
    }
    ck_assert_tipc_ok(tipc_hist_dump(h, after, sizeof after, &len));
    ck_assert_str_eq(before, after); /* untouched */

    /* total count overflow across loads */
    static const char full[] =
        "tipc-hist/1 n=18446744073709551615 min=5 max=5 sum=0:5 b=5:18446744073709551615";
    tipc_hist_reset(h);
    ck_assert_tipc_ok(tipc_hist_load(h, full, sizeof full - 1));
    ck_assert_uint_eq(tipc_hist_count(h), UINT64_MAX);
    static const char one[] = "tipc-hist/1 n=1 min=5 max=5 sum=0:5 b=5:1";
    ck_assert_tipc_err(tipc_hist_load(h, one, sizeof one - 1), TIPC_ERANGE);
    ck_assert_uint_eq(tipc_hist_count(h), UINT64_MAX);
    tipc_hist_destroy(h);
}
END_TEST

START_TEST(test_hist_format_ns_units)
{
    static const struct {
        uint64_t ns;
        const char *s;
    } cases[] = {
        {0, "0ns"},
        {999, "999ns"},
        {1000, "1.0us"},
        {1049, "1.0us"},
        {1050, "1.1us"},
        {12345, "12.3us"},
        {999949, "999.9us"},
        {999950, "1.0ms"},
        {12345678, "12.3ms"},
        {999950000, "1.0s"},
        {3600000000000ull, "3600.0s"},
        {UINT64_MAX, "18446744073.7s"},
    };
    char buf[32];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(tipc_hist_format_ns(cases[i].ns, buf, sizeof buf),
                         (int)strlen(cases[i].s));
        ck_assert_str_eq(buf, cases[i].s);
    }
    ck_assert_tipc_err(tipc_hist_format_ns(999, buf, 5), TIPC_ENOSPC);
    ck_assert_str_eq(buf, "999n");
    ck_assert_int_eq(tipc_hist_format_ns(999, buf, 6), 5);
}
END_TEST

START_TEST(test_hist_format_one_value)
{
    tipc_hist *h = new_hist();
    char buf[128];

    tipc_hist_record(h, 1500);
    ck_assert_int_gt(tipc_hist_format(h, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "n=1 p50=1.5us p99=1.5us p99.9=1.5us max=1.5us");
    ck_assert_tipc_err(tipc_hist_format(h, buf, 10), TIPC_ENOSPC);
    ck_assert_str_eq(buf, "n=1 p50=1");
    tipc_hist_destroy(h);
}
END_TEST

/* ---- meter ---------------------------------------------------------------------------------- */

#define S 1000000000ull

START_TEST(test_meter_intervals_exact)
{
    tipc_meter m;
    tipc_meter_report r;
    const uint64_t t0 = 50 * S;

    tipc_meter_init(&m, t0);
    tipc_meter_add(&m, 1000, 48000, t0 + S / 4);
    ck_assert_int_eq(tipc_meter_poll(&m, t0 + S / 2, S, &r), 0);
    ck_assert_int_eq(tipc_meter_poll(&m, t0 + S, S, &r), 1);
    ck_assert_uint_eq(r.interval_ns, S);
    ck_assert_uint_eq(r.events, 1000);
    ck_assert_uint_eq(r.bytes, 48000);
    ck_assert_double_eq(r.events_per_s, 1000.0);
    ck_assert_double_eq(r.mb_per_s, 0.048);
    ck_assert_uint_eq(r.elapsed_ns, S);
    ck_assert_uint_eq(r.total_events, 1000);
    ck_assert_double_eq(r.avg_events_per_s, 1000.0);

    /* polled late: one 3 s interval */
    tipc_meter_add(&m, 3000, 3000000, t0 + 2 * S);
    ck_assert_int_eq(tipc_meter_poll(&m, t0 + 3 * S, 5 * S, &r), 0);
    ck_assert_int_eq(tipc_meter_poll(&m, t0 + 4 * S, S, &r), 1);
    ck_assert_uint_eq(r.interval_ns, 3 * S);
    ck_assert_uint_eq(r.events, 3000);
    ck_assert_double_eq(r.events_per_s, 1000.0);
    ck_assert_double_eq(r.mb_per_s, 1.0);
    ck_assert_uint_eq(r.elapsed_ns, 4 * S);
    ck_assert_uint_eq(r.total_events, 4000);
    ck_assert_uint_eq(r.total_bytes, 3048000);
    ck_assert_double_eq(r.avg_events_per_s, 1000.0);
    ck_assert_double_eq(r.avg_mb_per_s, 0.762);

    /* summary ends at the last activity, without closing the interval */
    tipc_meter_add(&m, 4000, 0, t0 + 6 * S);
    tipc_meter_summary(&m, &r);
    ck_assert_uint_eq(r.interval_ns, 2 * S);
    ck_assert_uint_eq(r.events, 4000);
    ck_assert_double_eq(r.events_per_s, 2000.0);
    ck_assert_uint_eq(r.elapsed_ns, 6 * S);
    ck_assert_uint_eq(r.total_events, 8000);
    ck_assert_double_eq(r.avg_events_per_s, 8000.0 / 6.0);
    ck_assert_int_eq(tipc_meter_poll(&m, t0 + 6 * S, 2 * S, &r), 1);
    ck_assert_uint_eq(r.events, 4000);
    ck_assert_int_eq(tipc_meter_poll(&m, t0 + 6 * S, 0, &r), 1); /* interval 0: always */
    ck_assert_uint_eq(r.interval_ns, 0);
    ck_assert_double_eq(r.events_per_s, 0.0);
}
END_TEST

START_TEST(test_meter_format)
{
    tipc_meter m;
    tipc_meter_report r;
    char buf[256];

    tipc_meter_init(&m, 0);
    tipc_meter_add(&m, 5000000, 240000000, 5 * S);
    ck_assert_int_eq(tipc_meter_poll(&m, 5 * S, S, &r), 1);
    ck_assert_int_gt(tipc_meter_format(&r, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "1000000 ev/s 48.00 MB/s (total 5000000 ev 240.00 MB in 5.000 s, avg "
                          "1000000 ev/s 48.00 MB/s)");
    ck_assert_tipc_err(tipc_meter_format(&r, buf, 8), TIPC_ENOSPC);
    ck_assert_str_eq(buf, "1000000");
}
END_TEST

static Suite *
tipc_hist_suite(void)
{
    Suite *s = suite_create("hist");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_hist_uniform_1_to_1000);
    tcase_add_test(tc, test_hist_small_values_exact);
    tcase_add_test(tc, test_hist_log_uniform_within_error);
    tcase_add_test(tc, test_hist_every_magnitude);
    tcase_add_test(tc, test_hist_empty_and_reset);
    tcase_add_test(tc, test_hist_mean_exact_past_64_bits);
    tcase_add_test(tc, test_hist_merge_equals_recording_both);
    tcase_add_test(tc, test_hist_format_ns_units);
    tcase_add_test(tc, test_hist_format_one_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("dump");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_hist_dump_load_round_trip);
    tcase_add_test(tc, test_hist_dump_widest_numbers);
    tcase_add_test(tc, test_hist_load_rejects_bad_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("meter");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_meter_intervals_exact);
    tcase_add_test(tc, test_meter_format);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_hist_suite)
