/* SPDX-License-Identifier: MIT */
/* Book watcher: exact reports (each symbol once per new value, the latest
 * value, symbols added later), the fallback scan after the change ring was
 * lapped, timeouts, the position, and a wake-up by a writer in another
 * process. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tipc_check.h"
#include <tradeipc/book_watch.h>

static char name[64];
static tipc_book *writer, *reader;
static tipc_book_watch *watch;

static void
setup(void)
{
    tipc_test_name(name, sizeof name, "watch");
    ck_assert_tipc_ok(tipc_book_create(&writer, name, TIPC_BOOK_PRICES, 64, 0));
    ck_assert_tipc_ok(tipc_book_open(&reader, name, TIPC_BOOK_PRICES));
}

static void
teardown(void)
{
    tipc_book_watch_destroy(watch);
    watch = NULL;
    tipc_book_close(reader);
    tipc_book_close(writer);
    (void)!tipc_book_unlink(name);
}

static uint32_t
add(const char *sym)
{
    uint32_t i;
    ck_assert_tipc_ok(tipc_book_add_symbol(writer, sym, &i));
    return i;
}

static void
set(uint32_t i, int64_t v)
{
    ck_assert_tipc_ok(tipc_book_set(writer, i, v, (uint64_t)v * 10));
}

static void
expect(uint32_t want_index, int64_t want_value, uint64_t want_updates)
{
    uint32_t i = UINT32_MAX;
    tipc_level lv;
    ck_assert_int_eq(tipc_book_watch_next(watch, 0, &i, &lv), 1);
    ck_assert_uint_eq(i, want_index);
    ck_assert_int_eq(lv.value, want_value);
    ck_assert_uint_eq(lv.source_ns, (uint64_t)want_value * 10);
    ck_assert_uint_eq(lv.updates, want_updates);
}

static void
expect_none(void)
{
    uint32_t i;
    tipc_level lv;
    ck_assert_int_eq(tipc_book_watch_next(watch, 0, &i, &lv), 0);
}

START_TEST(test_book_watch_reports_existing_then_changes)
{
    uint32_t a = add("AAA"), b = add("BBB");
    add("CCC"); /* never set: never reported */
    set(a, 100);
    set(b, 200);
    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    ck_assert_uint_eq(tipc_book_watch_position(watch), 0);
    expect(a, 100, 1);
    expect(b, 200, 1);
    expect_none();
    ck_assert_uint_eq(tipc_book_watch_position(watch), tipc_book_changes(reader));

    set(b, 201);
    set(a, 101);
    expect(b, 201, 2);
    expect(a, 101, 2);
    expect_none();
    ck_assert_uint_eq(tipc_book_watch_position(watch), 4);
}
END_TEST

START_TEST(test_book_watch_coalesces_to_latest)
{
    uint32_t a = add("AAA"), b = add("BBB");
    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    expect_none();
    set(a, 1);
    set(a, 2);
    set(b, 5);
    set(a, 3);
    expect(a, 3, 3); /* three sets of AAA: reported once, with the last value */
    expect(b, 5, 1);
    expect_none();
    ck_assert_uint_eq(tipc_book_watch_position(watch), 4);
}
END_TEST

START_TEST(test_book_watch_sees_symbols_added_later)
{
    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    expect_none();
    uint32_t z = add("ZZZ");
    expect_none(); /* registering is not a change */
    set(z, 7);
    expect(z, 7, 1);
    expect_none();
}
END_TEST

START_TEST(test_book_watch_scans_after_ring_overflow)
{
    uint32_t idx[40];
    char sym[8];

    for (int k = 0; k < 40; k++) {
        snprintf(sym, sizeof sym, "S%02d", k);
        idx[k] = add(sym);
    }
    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    expect_none();
    /* Far more sets than the ring holds, on every fourth symbol. */
    int64_t last[10] = {0};
    uint64_t count[10] = {0};
    for (unsigned n = 0; n < 3 * TIPC_BOOK_RING; n++) {
        set(idx[(n % 10) * 4], (int64_t)n + 1);
        last[n % 10] = (int64_t)n + 1;
        count[n % 10]++;
    }
    for (int k = 0; k < 10; k++)
        expect(idx[k * 4], last[k], count[k]); /* by the full scan, in index order */
    expect_none();
    ck_assert_uint_eq(tipc_book_watch_position(watch), 3 * TIPC_BOOK_RING);
}
END_TEST

START_TEST(test_book_watch_times_out)
{
    uint32_t i;
    tipc_level lv;

    add("AAA");
    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    uint64_t t0 = tipc_time_monotonic_ns();
    ck_assert_int_eq(tipc_book_watch_next(watch, 50, &i, &lv), 0);
    uint64_t ms = (tipc_time_monotonic_ns() - t0) / 1000000;
    ck_assert_uint_ge(ms, 45);
    ck_assert_uint_lt(ms, 2000);
}
END_TEST

/* A writer in another process wakes a watcher asleep in next(). */
START_TEST(test_book_watch_wakes_on_remote_set)
{
    uint32_t a = add("AAA"), i = 0;
    tipc_level lv;

    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    expect_none();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        _exit(tipc_book_set(writer, a, 42, 420) == 0 ? 0 : 1);
    }
    uint64_t t0 = tipc_time_monotonic_ns();
    ck_assert_int_eq(tipc_book_watch_next(watch, 5000, &i, &lv), 1);
    uint64_t ms = (tipc_time_monotonic_ns() - t0) / 1000000;
    ck_assert_uint_eq(i, a);
    ck_assert_int_eq(lv.value, 42);
    ck_assert_uint_lt(ms, 2000); /* woken, not timed out */
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

/* The writer's side on another thread (its own handle): slot *arg = 42,
 * 20 ms from now. */
static void *
set_later(void *arg)
{
    struct timespec ts = {0, 20 * 1000000L};

    nanosleep(&ts, NULL);
    if (tipc_book_set(writer, *(const uint32_t *)arg, 42, 420) != 0)
        abort();
    return NULL;
}

/* Spinning changes how next() waits, not what it reports: a change made
 * during the spin (another thread, 20 ms later, inside a 1 s spin) is
 * reported at once; with nothing coming, the spin ends and the futex wait
 * keeps the timeout; a timeout of 0 never spins. */
START_TEST(test_book_watch_spin_sees_change_and_keeps_timeouts)
{
    uint32_t a = add("AAA"), i = 0;
    tipc_level lv;

    ck_assert_tipc_ok(tipc_book_watch_create(&watch, reader));
    ck_assert_int_eq(tipc_book_watch_set_spin(watch, 1000001), TIPC_EINVAL);
    ck_assert_tipc_ok(tipc_book_watch_set_spin(watch, 1000000));
    expect_none();
    uint64_t t0 = tipc_time_monotonic_ns();
    ck_assert_int_eq(tipc_book_watch_next(watch, 0, &i, &lv), 0);
    ck_assert_uint_lt(tipc_time_monotonic_ns() - t0, 100000000); /* no 1 s spin */
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, set_later, &a), 0);
    t0 = tipc_time_monotonic_ns();
    ck_assert_int_eq(tipc_book_watch_next(watch, 5000, &i, &lv), 1);
    uint64_t ms = (tipc_time_monotonic_ns() - t0) / 1000000;
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_uint_eq(i, a);
    ck_assert_int_eq(lv.value, 42);
    ck_assert_uint_eq(lv.updates, 1);
    ck_assert_uint_lt(ms, 900);                                /* seen in the spin, not after it */
    ck_assert_tipc_ok(tipc_book_watch_set_spin(watch, 20000)); /* 20 ms, then the futex */
    t0 = tipc_time_monotonic_ns();
    ck_assert_int_eq(tipc_book_watch_next(watch, 60, &i, &lv), 0);
    ms = (tipc_time_monotonic_ns() - t0) / 1000000;
    ck_assert_uint_ge(ms, 55);
    ck_assert_uint_lt(ms, 2000);
    t0 = tipc_time_monotonic_ns(); /* a spin longer than the timeout ends with it */
    ck_assert_tipc_ok(tipc_book_watch_set_spin(watch, 1000000));
    ck_assert_int_eq(tipc_book_watch_next(watch, 30, &i, &lv), 0);
    ms = (tipc_time_monotonic_ns() - t0) / 1000000;
    ck_assert_uint_ge(ms, 29);
    ck_assert_uint_lt(ms, 900);
    set(a, 7);
    expect(a, 7, 2);
    expect_none();
}
END_TEST

static Suite *
tipc_book_watch_suite(void)
{
    Suite *s = suite_create("book_watch");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_book_watch_reports_existing_then_changes);
    tcase_add_test(tc, test_book_watch_coalesces_to_latest);
    tcase_add_test(tc, test_book_watch_sees_symbols_added_later);
    tcase_add_test(tc, test_book_watch_times_out);
    tcase_add_test(tc, test_book_watch_wakes_on_remote_set);
    tcase_add_test(tc, test_book_watch_spin_sees_change_and_keeps_timeouts);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_book_watch_scans_after_ring_overflow);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_book_watch_suite)
