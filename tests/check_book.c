/* SPDX-License-Identifier: MIT */
/*
 * The shared book: lifecycle, layout checks against damaged segments,
 * symbols, seqlock reads raced by a writer in another process, takeover of a
 * dead writer's segment, futex wake-ups and the change ring. Tests that need
 * a second process fork inside the test; children report through their exit
 * status and never call ck_assert.
 */
#include <fcntl.h>
#include <poll.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "tipc_check.h"

/* Offsets from the layout in doc/tipc_book.3, used to damage segments. */
#define LAYOUT_MAGIC_OFF 0
#define LAYOUT_VERSION_OFF 4
#define LAYOUT_WAKE_OFF 65536
#define LAYOUT_WAKE_BIT 0x80000000u

static char g_name[64];
/* Handles a child leaves open on purpose, kept reachable for valgrind. */
static tipc_book *g_child_keep;

static void
setup(void)
{
    tipc_test_name(g_name, sizeof g_name, "book");
}

static void
teardown(void)
{
    int rc = tipc_book_unlink(g_name);
    (void)rc; /* TIPC_ENOENT when the test unlinked it itself */
}

/* Safety net, run in the parent after each TCase: a test that fails in
 * fork mode exits before its teardown, so remove any of our segments whose
 * creating process is gone. */
static void
sweep_dead_segments(void)
{
    DIR *d = opendir("/dev/shm");
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char name[300];
        long pid;
        if (sscanf(e->d_name, "tipc_test_book_%ld_", &pid) != 1 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* still running: its own teardown will do it */
        snprintf(name, sizeof name, "/%s", e->d_name);
        shm_unlink(name);
    }
    closedir(d);
}

/* value and source_ns are written together; a torn read breaks this. */
static uint64_t
checksum(int64_t value)
{
    return ((uint64_t)value * 0x9e3779b97f4a7c15ull) ^ 0x5bd1e995u;
}

static uint64_t
mono_ns(void)
{
    return tipc_time_monotonic_ns();
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

#define CHILD_REQUIRE(cond, code)                                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            _exit(code);                                                                           \
    } while (0)

/* Wait for a child and return its exit status, or 100 + signal number. */
static int
child_status(pid_t pid)
{
    int st;

    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 100 + WTERMSIG(st) : -1;
}

static void
pipe_send(int fd, const void *buf, size_t len)
{
    if (write(fd, buf, len) != (ssize_t)len)
        _exit(90);
}

/* Read exactly len bytes within timeout_ms; returns 0 on success. */
static int
pipe_recv(int fd, void *buf, size_t len, int timeout_ms)
{
    size_t got = 0;

    while (got < len) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&p, 1, timeout_ms) != 1)
            return -1;
        n = read(fd, (char *)buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Map the whole segment read-write, as a tool (or an attacker) could. */
static void *
map_raw(const char *name, size_t *size)
{
    struct stat st;
    void *p;
    int fd = shm_open(name, O_RDWR, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    *size = (size_t)st.st_size;
    p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    close(fd);
    return p;
}

static void
truncate_raw(const char *name, off_t size)
{
    int fd = shm_open(name, O_RDWR | O_CREAT, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, size), 0);
    close(fd);
}

static tipc_book *
make_writer(tipc_book_kind kind, uint32_t capacity, const char *const *symbols, size_t n)
{
    tipc_book *w = NULL;

    ck_assert_tipc_ok(tipc_book_create(&w, g_name, kind, capacity, 0));
    for (size_t i = 0; i < n; i++) {
        uint32_t idx = UINT32_MAX;
        ck_assert_tipc_ok(tipc_book_add_symbol(w, symbols[i], &idx));
        ck_assert_uint_eq(idx, i);
    }
    return w;
}

static const char *const k_syms[] = {"AAPL", "MSFT", "GOOG", "AMZN"};

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_book_create_open_close_unlink)
{
    tipc_book *w = NULL, *r = NULL;
    tipc_book_stat wi, ri;
    char path[128];
    struct stat st;
    uint64_t t0 = tipc_time_realtime_ns();

    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 8, 0));
    tipc_book_info(w, &wi);
    ck_assert_int_eq(wi.kind, TIPC_BOOK_PRICES);
    ck_assert_uint_eq(wi.layout_version, TIPC_BOOK_LAYOUT_VERSION);
    ck_assert_uint_eq(wi.capacity, 8);
    ck_assert_uint_eq(wi.symbols, 0);
    ck_assert_uint_eq(wi.generation, 1);
    ck_assert_int_eq(wi.writer_pid, (int32_t)getpid());
    ck_assert_uint_eq(wi.repaired, 0);
    ck_assert_uint_eq(wi.changes, 0);
    ck_assert_uint_ge(wi.created_ns, t0);
    ck_assert_uint_le(wi.created_ns, tipc_time_realtime_ns());

    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    tipc_book_info(r, &ri);
    ck_assert_uint_eq(ri.segment_size, wi.segment_size);
    ck_assert_uint_eq(ri.capacity, 8);
    ck_assert_uint_eq(ri.generation, 1);
    ck_assert_int_eq(ri.writer_pid, (int32_t)getpid());
    ck_assert_uint_eq(tipc_book_generation(r), 1);

    snprintf(path, sizeof path, "/dev/shm%s", g_name);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((uint64_t)st.st_size, wi.segment_size);

    tipc_book_close(r);
    tipc_book_close(w);
    tipc_book_close(NULL);

    /* A closed writer leaves the book with no writer. */
    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    tipc_book_info(r, &ri);
    ck_assert_int_eq(ri.writer_pid, 0);
    tipc_book_close(r);

    ck_assert_tipc_ok(tipc_book_unlink(g_name));
    ck_assert_tipc_err(tipc_book_unlink(g_name), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_ENOENT);
    ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

START_TEST(test_book_segment_mode_is_0600)
{
    tipc_book *w = NULL;
    char path[128];
    struct stat st;
    mode_t old = umask(0);

    /* A permissive umask must not widen it, a strict one must not narrow it. */
    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_NEWS, 4, 0));
    snprintf(path, sizeof path, "/dev/shm%s", g_name);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    tipc_book_close(w);
    ck_assert_tipc_ok(tipc_book_unlink(g_name));

    umask(0277);
    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_NEWS, 4, 0));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert(S_ISREG(st.st_mode));
    tipc_book_close(w);
    umask(old);
}
END_TEST

START_TEST(test_book_set_then_read_and_get)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 8, k_syms, 2), *r = NULL;
    tipc_level lv;
    uint64_t seen = 0, t0, t1;

    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 0); /* never set */
    ck_assert_uint_eq(seen, 0);

    t0 = tipc_time_realtime_ns();
    ck_assert_tipc_ok(tipc_book_set(w, 0, 1640500, 111));
    t1 = tipc_time_realtime_ns();
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 1);
    ck_assert_int_eq(lv.value, 1640500);
    ck_assert_uint_eq(lv.source_ns, 111);
    ck_assert_uint_ge(lv.update_ns, t0);
    ck_assert_uint_le(lv.update_ns, t1);
    ck_assert_uint_eq(lv.updates, 1);
    ck_assert_uint_eq(seen, 1);

    memset(&lv, 0x5a, sizeof lv);
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 0);
    ck_assert_int_eq(lv.value, 0x5a5a5a5a5a5a5a5a); /* untouched when nothing is newer */

    ck_assert_tipc_ok(tipc_book_set(w, 0, -25, 222)); /* prices may be negative */
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 1);
    ck_assert_int_eq(lv.value, -25);
    ck_assert_uint_eq(lv.source_ns, 222);
    ck_assert_uint_eq(lv.updates, 2);
    ck_assert_uint_eq(seen, 2);

    ck_assert_tipc_ok(tipc_book_get(r, 0, &lv));
    ck_assert_int_eq(lv.value, -25);
    ck_assert_tipc_ok(tipc_book_get(w, 0, &lv)); /* the writer can read too */
    ck_assert_uint_eq(lv.updates, 2);
    ck_assert_tipc_ok(tipc_book_get(r, 1, &lv));
    ck_assert_int_eq(lv.value, 0);
    ck_assert_uint_eq(lv.source_ns, 0);
    ck_assert_uint_eq(lv.update_ns, 0);
    ck_assert_uint_eq(lv.updates, 0);

    ck_assert_tipc_ok(tipc_book_set_at(w, 1, 3, 4, 5));
    seen = 0; /* seen is per slot */
    ck_assert_int_eq(tipc_book_read(r, 1, &lv, &seen), 1);
    ck_assert_int_eq(lv.value, 3);
    ck_assert_uint_eq(lv.source_ns, 4);
    ck_assert_uint_eq(lv.update_ns, 5);
    ck_assert_uint_eq(lv.updates, 1);

    ck_assert_tipc_err(tipc_book_set_at(w, 2, 1, 1, 1), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_book_get(r, 2, &lv), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_book_read(r, 7, &lv, &seen), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_book_get(r, UINT32_MAX, &lv), TIPC_ERANGE);
    ck_assert_tipc_err(tipc_book_set(w, 2, 1, 1), TIPC_ERANGE);
    ck_assert_uint_eq(tipc_book_changes(r), 3);
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_add_symbol_idempotent_and_full)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 3, k_syms, 3);
    uint32_t idx = 99;

    ck_assert_tipc_ok(tipc_book_add_symbol(w, "AAPL", &idx));
    ck_assert_uint_eq(idx, 0);
    ck_assert_tipc_err(tipc_book_add_symbol(w, "AMZN", &idx), TIPC_ENOSPC);
    ck_assert_tipc_ok(tipc_book_add_symbol(w, "GOOG", &idx)); /* still found when full */
    ck_assert_uint_eq(idx, 2);
    ck_assert_uint_eq(tipc_book_symbol_count(w), 3);
    ck_assert_tipc_err(tipc_book_lookup(w, "AMZN", &idx), TIPC_ENOENT);
    ck_assert_tipc_ok(tipc_book_lookup(w, "MSFT", &idx));
    ck_assert_uint_eq(idx, 1);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_symbols_validated_and_named)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 8, NULL, 0), *r = NULL;
    uint32_t idx = 99;
    char buf[TIPC_SYMBOL_MAX + 1];

    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    ck_assert_tipc_err(tipc_book_lookup(r, "BRK.B", &idx), TIPC_ENOENT);

    ck_assert_tipc_err(tipc_book_add_symbol(w, "", &idx), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_add_symbol(w, "A B", &idx), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_add_symbol(w, "A/B", &idx), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_add_symbol(w, "ABCDEFGHIJKLMNOP", &idx), TIPC_ENAMETOOLONG);
    ck_assert_tipc_err(tipc_book_lookup(r, "ABCDEFGHIJKLMNOP", &idx), TIPC_ENAMETOOLONG);
    ck_assert_tipc_err(tipc_book_lookup(r, "\xc3\xa9", &idx), TIPC_EINVAL);
    ck_assert_uint_eq(tipc_book_symbol_count(w), 0);

    ck_assert_tipc_ok(tipc_book_add_symbol(w, "BRK.B", &idx));
    ck_assert_uint_eq(idx, 0);
    ck_assert_tipc_ok(tipc_book_add_symbol(w, "ABCDEFGHIJKLMNO", &idx)); /* 15 bytes */
    ck_assert_uint_eq(idx, 1);
    ck_assert_tipc_ok(tipc_book_add_symbol(w, "x_y-z.9", &idx));
    ck_assert_uint_eq(idx, 2);

    /* The reader opened before the symbols existed sees them now. */
    ck_assert_uint_eq(tipc_book_symbol_count(r), 3);
    ck_assert_tipc_ok(tipc_book_lookup(r, "ABCDEFGHIJKLMNO", &idx));
    ck_assert_uint_eq(idx, 1);
    ck_assert_tipc_ok(tipc_book_set(w, 2, 7, 8));
    {
        tipc_level lv;
        ck_assert_tipc_ok(tipc_book_get(r, 2, &lv));
        ck_assert_int_eq(lv.value, 7);
    }

    ck_assert_int_eq(tipc_book_symbol_name(r, 1, buf, sizeof buf), 15);
    ck_assert_str_eq(buf, "ABCDEFGHIJKLMNO");
    ck_assert_int_eq(tipc_book_symbol_name(r, 0, buf, 6), 5);
    ck_assert_str_eq(buf, "BRK.B");
    ck_assert_tipc_err(tipc_book_symbol_name(r, 0, buf, 5), TIPC_ENOSPC);
    ck_assert_tipc_err(tipc_book_symbol_name(r, 3, buf, sizeof buf), TIPC_ERANGE);
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_changed_since_lists_sets_in_order)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 8, k_syms, 4), *r = NULL;
    uint32_t got[16];
    uint64_t cursor;

    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    cursor = tipc_book_changes(r);
    ck_assert_uint_eq(cursor, 0);
    ck_assert_int_eq(tipc_book_changed_since(r, &cursor, got, 16), 0);

    ck_assert_tipc_ok(tipc_book_set(w, 2, 10, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 0, 11, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 2, 12, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 1, 13, 1));
    ck_assert_int_eq(tipc_book_changed_since(r, &cursor, got, 16), 4);
    ck_assert_uint_eq(got[0], 2);
    ck_assert_uint_eq(got[1], 0);
    ck_assert_uint_eq(got[2], 2);
    ck_assert_uint_eq(got[3], 1);
    ck_assert_uint_eq(cursor, 4);
    ck_assert_int_eq(tipc_book_changed_since(r, &cursor, got, 16), 0);

    /* A small buffer takes the rest on the next call. */
    ck_assert_tipc_ok(tipc_book_set(w, 3, 1, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 1, 1, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 0, 1, 1));
    ck_assert_int_eq(tipc_book_changed_since(r, &cursor, got, 2), 2);
    ck_assert_uint_eq(got[0], 3);
    ck_assert_uint_eq(got[1], 1);
    ck_assert_int_eq(tipc_book_changed_since(r, &cursor, got, 0), 0);
    ck_assert_int_eq(tipc_book_changed_since(r, &cursor, got, 2), 1);
    ck_assert_uint_eq(got[0], 0);
    ck_assert_uint_eq(cursor, 7);
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_changed_since_overflows_when_lapped)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 8, k_syms, 4);
    static uint32_t got[TIPC_BOOK_RING];
    uint64_t cursor = 0;

    /* Exactly a ring's worth behind is still complete. */
    for (uint32_t i = 0; i < TIPC_BOOK_RING; i++)
        ck_assert_tipc_ok(tipc_book_set(w, i % 4, i, 0));
    ck_assert_int_eq(tipc_book_changed_since(w, &cursor, got, TIPC_BOOK_RING), TIPC_BOOK_RING);
    for (uint32_t i = 0; i < TIPC_BOOK_RING; i++)
        ck_assert_uint_eq(got[i], i % 4);

    /* One more than a ring behind is not. */
    for (uint32_t i = 0; i <= TIPC_BOOK_RING; i++)
        ck_assert_tipc_ok(tipc_book_set(w, 3 - i % 4, i, 0));
    ck_assert_tipc_err(tipc_book_changed_since(w, &cursor, got, 16), TIPC_EOVERFLOW);
    ck_assert_uint_eq(cursor, 2 * TIPC_BOOK_RING + 1);
    ck_assert_int_eq(tipc_book_changed_since(w, &cursor, got, 16), 0);
    ck_assert_tipc_ok(tipc_book_set(w, 2, 1, 0));
    ck_assert_int_eq(tipc_book_changed_since(w, &cursor, got, 16), 1);
    ck_assert_uint_eq(got[0], 2);

    /* A cursor from the future (another segment) is moved back. */
    cursor += 100;
    ck_assert_tipc_err(tipc_book_changed_since(w, &cursor, got, 16), TIPC_EOVERFLOW);
    ck_assert_uint_eq(cursor, tipc_book_changes(w));
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_news_values_in_sentiment_range)
{
    tipc_book *w = make_writer(TIPC_BOOK_NEWS, 4, k_syms, 1);
    tipc_level lv;

    ck_assert_tipc_ok(tipc_book_set(w, 0, TIPC_SENTIMENT_MIN, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 0, TIPC_SENTIMENT_MAX, 2));
    ck_assert_tipc_err(tipc_book_set(w, 0, TIPC_SENTIMENT_MAX + 1, 3), TIPC_EBADVAL);
    ck_assert_tipc_err(tipc_book_set(w, 0, -1, 4), TIPC_EBADVAL);
    ck_assert_tipc_ok(tipc_book_get(w, 0, &lv));
    ck_assert_int_eq(lv.value, TIPC_SENTIMENT_MAX);
    ck_assert_uint_eq(lv.updates, 2);
    ck_assert_uint_eq(tipc_book_changes(w), 2);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_wait_returns_or_times_out)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 1), *r = NULL;
    uint64_t seen, t0, dt;

    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    seen = tipc_book_changes(r);
    ck_assert_tipc_err(tipc_book_wait(r, seen, 0), TIPC_ETIMEDOUT);
    t0 = mono_ns();
    ck_assert_tipc_err(tipc_book_wait(r, seen, 60), TIPC_ETIMEDOUT);
    dt = mono_ns() - t0;
    ck_assert_uint_ge(dt, 59000000u);
    ck_assert_uint_lt(dt, 2000000000u);

    ck_assert_tipc_ok(tipc_book_set(w, 0, 5, 5));
    t0 = mono_ns();
    ck_assert_tipc_ok(tipc_book_wait(r, seen, -1)); /* already changed: no sleep */
    ck_assert_tipc_ok(tipc_book_wait(r, seen, 0));
    ck_assert_uint_lt(mono_ns() - t0, 100000000u);
    ck_assert_uint_eq(tipc_book_changes(r), seen + 1);
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(test_book_open_wrong_kind)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, NULL, 0), *r = NULL;
    char why[128] = "";

    ck_assert_tipc_err(tipc_book_open_ex(&r, g_name, TIPC_BOOK_NEWS, why, sizeof why),
                       TIPC_EVERSION);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(why, "prices") != NULL, "why: %s", why);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, (tipc_book_kind)7), TIPC_EINVAL);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_open_wrong_magic_or_version)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, NULL, 0), *r = NULL;
    size_t size;
    unsigned char *raw = map_raw(g_name, &size);
    uint32_t magic, version, v;
    char why[128] = "";

    memcpy(&magic, raw + LAYOUT_MAGIC_OFF, 4);
    memcpy(&version, raw + LAYOUT_VERSION_OFF, 4);
    ck_assert_uint_eq(version, TIPC_BOOK_LAYOUT_VERSION);

    v = 0xdeadbeef;
    memcpy(raw + LAYOUT_MAGIC_OFF, &v, 4);
    ck_assert_tipc_err(tipc_book_open_ex(&r, g_name, TIPC_BOOK_PRICES, why, sizeof why),
                       TIPC_EVERSION);
    ck_assert_msg(strstr(why, "magic") != NULL, "why: %s", why);
    memcpy(raw + LAYOUT_MAGIC_OFF, &magic, 4);

    v = TIPC_BOOK_LAYOUT_VERSION + 1;
    memcpy(raw + LAYOUT_VERSION_OFF, &v, 4);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_EVERSION);

    v = 0; /* a creator that has not published yet */
    memcpy(raw + LAYOUT_VERSION_OFF, &v, 4);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_ENOTREADY);

    memcpy(raw + LAYOUT_VERSION_OFF, &version, 4);
    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    tipc_book_close(r);
    munmap(raw, size);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_open_truncated_or_garbage_segment)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 1000, NULL, 0), *r = NULL;
    tipc_book_stat st;
    size_t size;
    unsigned char *raw;
    char why[128] = "";

    tipc_book_info(w, &st);
    tipc_book_close(w);

    truncate_raw(g_name, (off_t)st.segment_size - 64);
    ck_assert_tipc_err(tipc_book_open_ex(&r, g_name, TIPC_BOOK_PRICES, why, sizeof why),
                       TIPC_EVERSION);
    ck_assert_msg(strstr(why, "bytes") != NULL, "why: %s", why);
    truncate_raw(g_name, 100);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_EVERSION);
    truncate_raw(g_name, 0);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_ENOTREADY);

    /* Garbage of a plausible size, and garbage behind a valid magic. */
    truncate_raw(g_name, (off_t)st.segment_size);
    raw = map_raw(g_name, &size);
    memset(raw, 0xab, size);
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_EVERSION);
    memcpy(raw, "TPBK", 4);
    raw[4] = 1, raw[5] = raw[6] = raw[7] = 0;
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_EVERSION);
    raw[8] = TIPC_BOOK_PRICES, raw[9] = raw[10] = raw[11] = 0;
    ck_assert_tipc_err(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES), TIPC_EVERSION);
    munmap(raw, size);
    ck_assert_ptr_null(r);

    /* A writer refuses the garbage too, and does not touch it. */
    ck_assert_tipc_err(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 1000, 0), TIPC_EVERSION);
    ck_assert_tipc_err(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 1000, TIPC_BOOK_TAKEOVER),
                       TIPC_EVERSION);
    raw = map_raw(g_name, &size);
    ck_assert_uint_eq(size, st.segment_size);
    ck_assert_uint_eq(raw[size - 1], 0xab);
    munmap(raw, size);
}
END_TEST

START_TEST(test_book_bad_arguments)
{
    tipc_book *b = NULL;
    char longname[300];

    memset(longname, 'a', sizeof longname);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    ck_assert_tipc_err(tipc_book_create(&b, "noslash", TIPC_BOOK_PRICES, 4, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_create(&b, "/a/b", TIPC_BOOK_PRICES, 4, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_create(&b, "/", TIPC_BOOK_PRICES, 4, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_create(&b, NULL, TIPC_BOOK_PRICES, 4, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_create(&b, longname, TIPC_BOOK_PRICES, 4, 0), TIPC_ENAMETOOLONG);
    ck_assert_tipc_err(tipc_book_create(&b, g_name, (tipc_book_kind)0, 4, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_create(&b, g_name, TIPC_BOOK_PRICES, 0, 0), TIPC_EINVAL);
    ck_assert_tipc_err(
        tipc_book_create(&b, g_name, TIPC_BOOK_PRICES, TIPC_BOOK_MAX_CAPACITY + 1, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_create(&b, g_name, TIPC_BOOK_PRICES, 4, 0x80), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_open(&b, "bad", TIPC_BOOK_PRICES), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_book_open(&b, g_name, TIPC_BOOK_PRICES), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_book_unlink("bad"), TIPC_EINVAL);
    ck_assert_ptr_null(b);
}
END_TEST

START_TEST(test_book_reader_cannot_write)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 1), *r = NULL;
    uint32_t idx;
    pid_t pid;

    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    ck_assert_tipc_err(tipc_book_add_symbol(r, "IBM", &idx), TIPC_EPERM);
    ck_assert_tipc_err(tipc_book_set(r, 0, 1, 1), TIPC_EPERM);
    tipc_book_close(r);

    /* A stray write through a reader's data mapping must fault. */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char line[512], want[128];
        FILE *maps;
        unsigned long lo = 0;

        tipc_book_close(w); /* inherited; the parent stays the writer */
        CHILD_REQUIRE(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES) == 0, 1);
        g_child_keep = r;
        snprintf(want, sizeof want, "/dev/shm%s", g_name);
        maps = fopen("/proc/self/maps", "r");
        CHILD_REQUIRE(maps != NULL, 2);
        while (fgets(line, sizeof line, maps) != NULL) {
            char perms[8];
            unsigned long a, z;
            if (strstr(line, want) != NULL && sscanf(line, "%lx-%lx %7s", &a, &z, perms) == 3 &&
                strcmp(perms, "r--s") == 0) {
                lo = a;
                break;
            }
        }
        fclose(maps);
        CHILD_REQUIRE(lo != 0, 3);
        signal(SIGSEGV, SIG_DFL);     /* die by the signal even under a sanitizer's handler */
        *(volatile uint32_t *)lo = 0; /* the magic: must SIGSEGV */
        _exit(4);
    }
    ck_assert_int_eq(child_status(pid), 100 + SIGSEGV);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_create_with_live_writer_is_busy)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 2), *w2 = NULL;
    char why[128] = "";
    pid_t pid;

    ck_assert_tipc_err(tipc_book_create_ex(&w2, g_name, TIPC_BOOK_PRICES, 4, 0, why, sizeof why),
                       TIPC_EBUSY);
    ck_assert_msg(strstr(why, "alive") != NULL, "why: %s", why);
    ck_assert_ptr_null(w2);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        CHILD_REQUIRE(tipc_book_create(&w2, g_name, TIPC_BOOK_PRICES, 4, 0) == TIPC_EBUSY, 1);
        /* Kind and capacity are checked before the writer. */
        CHILD_REQUIRE(tipc_book_create(&w2, g_name, TIPC_BOOK_NEWS, 4, 0) == TIPC_EVERSION, 2);
        CHILD_REQUIRE(tipc_book_create(&w2, g_name, TIPC_BOOK_PRICES, 5, 0) == TIPC_EVERSION, 3);
        tipc_book_close(w); /* inherited: must not clear the parent's pid */
        _exit(0);
    }
    ck_assert_int_eq(child_status(pid), 0);
    ck_assert_tipc_ok(tipc_book_set(w, 1, 42, 0)); /* untouched by the attempts */
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_forced_takeover_makes_old_writer_stale)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 2);
    tipc_level lv;
    uint32_t idx;
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tipc_book *w2 = NULL;
        CHILD_REQUIRE(tipc_book_create(&w2, g_name, TIPC_BOOK_PRICES, 4, TIPC_BOOK_TAKEOVER) == 0,
                      1);
        CHILD_REQUIRE(tipc_book_generation(w2) == 2, 2);
        CHILD_REQUIRE(tipc_book_set(w2, 1, 77, 0) == 0, 3);
        tipc_book_close(w);
        g_child_keep = w2;
        _exit(0); /* without closing w2: the book keeps this (soon dead) pid */
    }
    ck_assert_int_eq(child_status(pid), 0);
    ck_assert_tipc_err(tipc_book_set(w, 0, 1, 0), TIPC_ESTALE);
    ck_assert_tipc_err(tipc_book_add_symbol(w, "IBM", &idx), TIPC_ESTALE);
    ck_assert_tipc_ok(tipc_book_get(w, 1, &lv));
    ck_assert_int_eq(lv.value, 77);
    tipc_book_close(w); /* must not clear the new writer's pid */
    ck_assert_tipc_ok(tipc_book_open(&w, g_name, TIPC_BOOK_PRICES));
    {
        tipc_book_stat st;
        tipc_book_info(w, &st);
        ck_assert_int_eq(st.writer_pid, (int32_t)pid);
        ck_assert_uint_eq(st.generation, 2);
    }
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_create_after_close_continues_the_book)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 8, k_syms, 3);
    tipc_book_stat st;
    tipc_level lv;
    uint32_t idx;
    uint64_t cursor = 0;
    uint32_t got[8];

    ck_assert_tipc_ok(tipc_book_set(w, 1, 1000, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 2, 2000, 2));
    tipc_book_close(w);
    w = NULL;

    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 8, 0));
    tipc_book_info(w, &st);
    ck_assert_uint_eq(st.generation, 2);
    ck_assert_uint_eq(st.symbols, 3);
    ck_assert_uint_eq(st.repaired, 0);
    ck_assert_uint_eq(st.changes, 2);
    ck_assert_tipc_ok(tipc_book_lookup(w, "GOOG", &idx));
    ck_assert_uint_eq(idx, 2);
    ck_assert_tipc_ok(tipc_book_get(w, 1, &lv));
    ck_assert_int_eq(lv.value, 1000);
    ck_assert_uint_eq(lv.updates, 1);
    ck_assert_tipc_ok(tipc_book_set(w, 1, 1001, 3));
    ck_assert_tipc_ok(tipc_book_add_symbol(w, "AMZN", &idx));
    ck_assert_uint_eq(idx, 3);
    ck_assert_int_eq(tipc_book_changed_since(w, &cursor, got, 8), 3);
    ck_assert_uint_eq(got[0], 1);
    ck_assert_uint_eq(got[1], 2);
    ck_assert_uint_eq(got[2], 1);

    /* A different kind or capacity is another book. */
    tipc_book_close(w);
    ck_assert_tipc_err(tipc_book_create(&w, g_name, TIPC_BOOK_NEWS, 8, 0), TIPC_EVERSION);
    ck_assert_tipc_err(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 9, 0), TIPC_EVERSION);
}
END_TEST

/* Byte offsets from doc/tipc_book.3: slots start at 163840 + 8 * hash_cap
 * (16 for capacity 8), 64 bytes each: seq, then the tipc_level. */
#define RAW_SLOT(raw, i) ((unsigned char *)(raw) + 163840 + 8 * 16 + 64 * (i))

START_TEST(test_book_takeover_repairs_a_slot_left_mid_write)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 8, k_syms, 2), *r;
    tipc_book_stat st;
    tipc_level lv;
    size_t size;
    void *raw;
    unsigned char *slot;
    uint64_t seq, updates = 3;
    int64_t half_written = 502;

    ck_assert_tipc_ok(tipc_book_set(w, 1, 500, 1));
    ck_assert_tipc_ok(tipc_book_set(w, 1, 501, 2));
    tipc_book_close(w);

    /* As a writer killed between its two seq stores leaves the slot: seq
     * odd, the new value and count stored, the new source_ns not. */
    raw = map_raw(g_name, &size);
    slot = RAW_SLOT(raw, 1);
    memcpy(&seq, slot, 8);
    ck_assert_uint_eq(seq, 4);
    seq = 5;
    memcpy(slot, &seq, 8);
    memcpy(slot + 8, &half_written, 8);
    memcpy(slot + 32, &updates, 8);
    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    ck_assert_tipc_err(tipc_book_get(r, 1, &lv), TIPC_EAGAIN);

    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 8, 0));
    tipc_book_info(w, &st);
    ck_assert_uint_eq(st.repaired, 1);
    ck_assert_tipc_ok(tipc_book_get(r, 1, &lv));
    ck_assert_int_eq(lv.value, 502);
    ck_assert_uint_eq(lv.updates, 4); /* counted, so a reader that saw 501 reads again */
    memcpy(&seq, slot, 8);
    ck_assert_uint_eq(seq, 6);

    /* The new writer continues the repaired slot's seq and count. */
    ck_assert_tipc_ok(tipc_book_set(w, 1, 510, 3));
    ck_assert_tipc_ok(tipc_book_get(r, 1, &lv));
    ck_assert_int_eq(lv.value, 510);
    ck_assert_uint_eq(lv.source_ns, 3);
    ck_assert_uint_eq(lv.updates, 5);
    memcpy(&seq, slot, 8);
    ck_assert_uint_eq(seq, 8);
    ck_assert_tipc_ok(tipc_book_set(w, 0, 7, 4));
    ck_assert_tipc_ok(tipc_book_get(r, 0, &lv));
    ck_assert_uint_eq(lv.updates, 1);
    munmap(raw, size);
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_create_over_unfinished_segment)
{
    tipc_book *w = NULL;
    uint32_t idx;
    size_t size;
    unsigned char *raw;

    /* A creator that died between shm_open and ftruncate. */
    truncate_raw(g_name, 0);
    ck_assert_tipc_err(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 4, 0), TIPC_ENOTREADY);
    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 4, TIPC_BOOK_TAKEOVER));
    ck_assert_uint_eq(tipc_book_generation(w), 1);
    ck_assert_tipc_ok(tipc_book_add_symbol(w, "AAPL", &idx));
    ck_assert_tipc_ok(tipc_book_set(w, idx, 5, 5));

    /* A creator that died before publishing the version: its pid is dead. */
    tipc_book_close(w);
    raw = map_raw(g_name, &size);
    memset(raw + LAYOUT_VERSION_OFF, 0, 4);
    {
        int32_t dead;
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
            _exit(0);
        ck_assert_int_eq(child_status(pid), 0);
        dead = (int32_t)pid;
        memcpy(raw + 136, &dead, 4); /* writer_pid, see doc/tipc_book.3 */
    }
    munmap(raw, size);
    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 4, 0));
    ck_assert_uint_eq(tipc_book_symbol_count(w), 0); /* started over */
    ck_assert_uint_eq(tipc_book_generation(w), 1);
    tipc_book_close(w);
}
END_TEST

/* ---- process ------------------------------------------------------------- */

#define HAMMER_SYMS 4
#define HAMMER_FINAL 1000000000
#define HAMMER_FRESH 20000

/* The writer runs for at least a second and until the reader has seen
 * HAMMER_FRESH new values (at most five seconds, for loaded machines where
 * the two share a CPU). Each set of slot i writes v = 4k + i + 1 with
 * source_ns = checksum(v) and updates = k + 1, so a torn copy shows up as a
 * mismatch between fields written by different stores. */
START_TEST(test_book_hammer_two_processes_never_torn)
{
    int up[2], down[2];
    pid_t pid;
    tipc_book *r = NULL;
    uint64_t seen[HAMMER_SYMS] = {0}, sets[HAMMER_SYMS];
    int64_t last[HAMMER_SYMS] = {0};
    long fresh = 0, eagain = 0, polls = 0;
    bool told = false;

    ck_assert_int_eq(pipe(up), 0);
    ck_assert_int_eq(pipe(down), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tipc_book *w = NULL;
        uint64_t n[HAMMER_SYMS] = {0}, start;
        int64_t v = 0;
        close(up[0]);
        close(down[1]);
        CHILD_REQUIRE(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 16, 0) == 0, 1);
        for (int i = 0; i < HAMMER_SYMS; i++) {
            uint32_t idx;
            CHILD_REQUIRE(tipc_book_add_symbol(w, k_syms[i], &idx) == 0, 2);
        }
        pipe_send(up[1], "r", 1);
        start = mono_ns();
        for (;;) {
            struct pollfd p = {down[0], POLLIN, 0};
            uint64_t el = mono_ns() - start;
            if (el > 5000000000u || (el > 1000000000u && poll(&p, 1, 0) == 1))
                break;
            for (int k = 0; k < 256; k++) {
                int i = (int)(v % HAMMER_SYMS);
                v++;
                CHILD_REQUIRE(tipc_book_set(w, (uint32_t)i, v, checksum(v)) == 0, 3);
                n[i]++;
            }
        }
        for (int i = 0; i < HAMMER_SYMS; i++) {
            int64_t f = HAMMER_FINAL + i;
            CHILD_REQUIRE(tipc_book_set(w, (uint32_t)i, f, checksum(f)) == 0, 4);
            n[i]++;
        }
        pipe_send(up[1], n, sizeof n);
        tipc_book_close(w);
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    {
        char c;
        ck_assert_int_eq(pipe_recv(up[0], &c, 1, 10000), 0);
    }
    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    for (;;) {
        struct pollfd p = {up[0], POLLIN, 0};
        int done = poll(&p, 1, 0) == 1;
        for (uint32_t i = 0; i < HAMMER_SYMS; i++) {
            tipc_level lv;
            uint64_t before = seen[i];
            int rc = tipc_book_read(r, i, &lv, &seen[i]);
            polls++;
            if (rc == TIPC_EAGAIN) {
                eagain++;
                continue;
            }
            ck_assert_int_ge(rc, 0);
            if (rc == 0)
                continue;
            fresh++;
            ck_assert_msg(lv.source_ns == checksum(lv.value), "torn read: value %lld",
                          (long long)lv.value);
            ck_assert_uint_gt(lv.updates, before);
            ck_assert_int_gt(lv.value, last[i]); /* values only grow */
            if (lv.value < HAMMER_FINAL) {
                ck_assert_int_eq((lv.value - 1) % HAMMER_SYMS, (int64_t)i);
                ck_assert_uint_eq(lv.updates, (uint64_t)(lv.value - 1) / HAMMER_SYMS + 1);
            }
            last[i] = lv.value;
        }
        if (!told && fresh >= HAMMER_FRESH) {
            ck_assert_int_eq(write(down[1], "s", 1), 1);
            told = true;
        }
        if (done)
            break;
    }
    ck_assert_int_eq(pipe_recv(up[0], sets, sizeof sets, 10000), 0);
    ck_assert_int_eq(child_status(pid), 0);
    close(up[0]);
    close(down[1]);
    for (uint32_t i = 0; i < HAMMER_SYMS; i++) {
        tipc_level lv;
        ck_assert_tipc_ok(tipc_book_get(r, i, &lv));
        ck_assert_int_eq(lv.value, HAMMER_FINAL + (int64_t)i);
        ck_assert_uint_eq(lv.source_ns, checksum(lv.value));
        ck_assert_uint_eq(lv.updates, sets[i]);
    }
    ck_assert_uint_eq(tipc_book_changes(r), sets[0] + sets[1] + sets[2] + sets[3]);
    ck_assert_int_ge(fresh, 100);
    ck_assert_int_lt(eagain, polls / 2);
    tipc_book_close(r);
}
END_TEST

START_TEST(test_book_takeover_after_writer_killed)
{
    int ready[2];
    pid_t pid;
    tipc_book *r = NULL, *w = NULL;
    tipc_book_stat st;
    tipc_level lv;
    uint64_t seen = 0;
    uint32_t idx;

    ck_assert_int_eq(pipe(ready), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tipc_book *cw = NULL;
        int64_t v = 0;
        close(ready[0]);
        CHILD_REQUIRE(tipc_book_create(&cw, g_name, TIPC_BOOK_PRICES, 16, 0) == 0, 1);
        for (int i = 0; i < 4; i++)
            CHILD_REQUIRE(tipc_book_add_symbol(cw, k_syms[i], &idx) == 0, 2);
        for (uint32_t i = 0; i < 3; i++)
            CHILD_REQUIRE(tipc_book_set(cw, i, 100 * (i + 1), checksum(100 * (i + 1))) == 0, 3);
        pipe_send(ready[1], "r", 1);
        for (;;) { /* until killed, possibly mid-write */
            v++;
            CHILD_REQUIRE(tipc_book_set(cw, 3, v, checksum(v)) == 0, 4);
        }
    }
    close(ready[1]);
    {
        char c;
        ck_assert_int_eq(pipe_recv(ready[0], &c, 1, 10000), 0);
    }
    close(ready[0]);
    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    ck_assert_uint_eq(tipc_book_generation(r), 1);
    tipc_book_info(r, &st);
    ck_assert_int_eq(st.writer_pid, (int32_t)pid);
    ck_assert_tipc_err(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 16, 0), TIPC_EBUSY);
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 1);
    ck_assert_int_eq(lv.value, 100);

    sleep_ms(30);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(child_status(pid), 100 + SIGKILL);

    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, 16, 0));
    tipc_book_info(w, &st);
    ck_assert_uint_eq(st.generation, 2);
    ck_assert_int_eq(st.writer_pid, (int32_t)getpid());
    ck_assert_uint_eq(st.symbols, 4);
    ck_assert_uint_le(st.repaired, 1);
    ck_assert_uint_gt(st.changes, 3);
    for (uint32_t i = 0; i < 4; i++) {
        ck_assert_tipc_ok(tipc_book_lookup(w, k_syms[i], &idx));
        ck_assert_uint_eq(idx, i);
    }
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_tipc_ok(tipc_book_get(w, i, &lv));
        ck_assert_int_eq(lv.value, 100 * (i + 1));
        ck_assert_uint_eq(lv.updates, 1);
    }
    /* The hammered slot reads (no reader is stuck); it is consistent unless
     * the kill landed mid-write and it was repaired. */
    ck_assert_tipc_ok(tipc_book_get(r, 3, &lv));
    ck_assert_int_gt(lv.value, 0);
    if (st.repaired == 0)
        ck_assert_uint_eq(lv.source_ns, checksum(lv.value));

    /* The reader attached before the takeover keeps working. */
    ck_assert_uint_eq(tipc_book_generation(r), 2);
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 0);
    ck_assert_tipc_ok(tipc_book_set(w, 0, 111, checksum(111)));
    ck_assert_int_eq(tipc_book_read(r, 0, &lv, &seen), 1);
    ck_assert_int_eq(lv.value, 111);
    ck_assert_uint_eq(lv.updates, 2);

    /* The new writer keeps a private copy of each slot's seq and count (set
     * never reads the slot back): it must continue from the segment's, the
     * repaired slot's included. */
    ck_assert_tipc_ok(tipc_book_get(r, 3, &lv));
    uint64_t before = lv.updates;
    ck_assert_uint_gt(before, 0);
    ck_assert_tipc_ok(tipc_book_set(w, 3, 333, checksum(333)));
    ck_assert_tipc_ok(tipc_book_get(r, 3, &lv));
    ck_assert_int_eq(lv.value, 333);
    ck_assert_uint_eq(lv.source_ns, checksum(333));
    ck_assert_uint_eq(lv.updates, before + 1);
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

static uint32_t
wake_word(const char *name)
{
    size_t size;
    unsigned char *raw = map_raw(name, &size);
    uint32_t w;

    memcpy(&w, raw + LAYOUT_WAKE_OFF, 4);
    munmap(raw, size);
    return w;
}

/* Poll until a reader in another process is asleep in tipc_book_wait. */
static void
await_sleeper(const char *name)
{
    for (int i = 0; i < 5000 && !(wake_word(name) & LAYOUT_WAKE_BIT); i++)
        sleep_ms(1);
    ck_assert(wake_word(name) & LAYOUT_WAKE_BIT);
    sleep_ms(20); /* from setting the bit to being inside futex(2) */
}

START_TEST(test_book_wait_wakes_across_processes)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 1);
    int back[2];
    uint64_t t0, woke = 0;
    pid_t pid;

    ck_assert_int_eq(pipe(back), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tipc_book *r = NULL;
        uint64_t seen, now;
        close(back[0]);
        CHILD_REQUIRE(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES) == 0, 1);
        seen = tipc_book_changes(r);
        CHILD_REQUIRE(tipc_book_wait(r, seen, 10000) == 0, 2);
        now = mono_ns();
        CHILD_REQUIRE(tipc_book_changes(r) == seen + 1, 3);
        pipe_send(back[1], &now, sizeof now);
        tipc_book_close(r);
        tipc_book_close(w);
        _exit(0);
    }
    close(back[1]);
    await_sleeper(g_name);
    t0 = mono_ns();
    ck_assert_tipc_ok(tipc_book_set(w, 0, 1, 1));
    ck_assert_int_eq(pipe_recv(back[0], &woke, sizeof woke, 10000), 0);
    ck_assert_int_eq(child_status(pid), 0);
    close(back[0]);
    ck_assert_uint_ge(woke, t0);
    ck_assert_uint_lt(woke - t0, 500000000u); /* promptly, not at the timeout */
    ck_assert_uint_eq(wake_word(g_name) & LAYOUT_WAKE_BIT, 0);
    tipc_book_close(w);
}
END_TEST

START_TEST(test_book_killed_sleeper_costs_one_wake)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 1);
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        tipc_book *r = NULL;
        CHILD_REQUIRE(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES) == 0, 1);
        CHILD_REQUIRE(tipc_book_wait(r, tipc_book_changes(r), -1) == 0, 2);
        _exit(3);
    }
    await_sleeper(g_name);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(child_status(pid), 100 + SIGKILL);
    ck_assert(wake_word(g_name) & LAYOUT_WAKE_BIT); /* left behind by the dead sleeper */
    ck_assert_tipc_ok(tipc_book_set(w, 0, 1, 1));
    ck_assert_uint_eq(wake_word(g_name) & LAYOUT_WAKE_BIT, 0); /* cleared by that one wake */
    tipc_book_close(w);
}
END_TEST

static void
on_alarm(int sig)
{
    (void)sig;
}

START_TEST(test_book_wait_interrupted_by_signal)
{
    tipc_book *w = make_writer(TIPC_BOOK_PRICES, 4, k_syms, 1);
    struct sigaction sa, old;
    struct itimerval it = {{0, 0}, {0, 50000}};

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
    ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
    ck_assert_tipc_err(tipc_book_wait(w, tipc_book_changes(w), 10000), TIPC_EINTR);
    ck_assert_int_eq(sigaction(SIGALRM, &old, NULL), 0);
    tipc_book_close(w);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_book_hundred_thousand_symbols)
{
    enum { N = 100000 };
    tipc_book *w = NULL, *r = NULL;
    char sym[TIPC_SYMBOL_MAX + 1];
    uint32_t idx;

    ck_assert_tipc_ok(tipc_book_create(&w, g_name, TIPC_BOOK_PRICES, N, 0));
    for (uint32_t i = 0; i < N; i++) {
        snprintf(sym, sizeof sym, "S%06u", i);
        ck_assert_tipc_ok(tipc_book_add_symbol(w, sym, &idx));
        ck_assert_uint_eq(idx, i);
    }
    ck_assert_tipc_err(tipc_book_add_symbol(w, "ONE.MORE", &idx), TIPC_ENOSPC);
    ck_assert_tipc_ok(tipc_book_open(&r, g_name, TIPC_BOOK_PRICES));
    for (uint32_t i = 0; i < N; i++) {
        snprintf(sym, sizeof sym, "S%06u", i);
        ck_assert_tipc_ok(tipc_book_lookup(r, sym, &idx));
        ck_assert_uint_eq(idx, i);
    }
    ck_assert_tipc_err(tipc_book_lookup(r, "S100000", &idx), TIPC_ENOENT);
    ck_assert_tipc_ok(tipc_book_set(w, N - 1, 9, 9));
    {
        tipc_level lv;
        ck_assert_tipc_ok(tipc_book_get(r, N - 1, &lv));
        ck_assert_int_eq(lv.value, 9);
    }
    tipc_book_close(r);
    tipc_book_close(w);
}
END_TEST

static Suite *
tipc_book_suite(void)
{
    Suite *s = suite_create("book");
    TCase *tc;

    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_unchecked_fixture(tc, NULL, sweep_dead_segments);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_book_create_open_close_unlink);
    tcase_add_test(tc, test_book_segment_mode_is_0600);
    tcase_add_test(tc, test_book_set_then_read_and_get);
    tcase_add_test(tc, test_book_add_symbol_idempotent_and_full);
    tcase_add_test(tc, test_book_symbols_validated_and_named);
    tcase_add_test(tc, test_book_changed_since_lists_sets_in_order);
    tcase_add_test(tc, test_book_changed_since_overflows_when_lapped);
    tcase_add_test(tc, test_book_news_values_in_sentiment_range);
    tcase_add_test(tc, test_book_wait_returns_or_times_out);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_unchecked_fixture(tc, NULL, sweep_dead_segments);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_book_open_wrong_kind);
    tcase_add_test(tc, test_book_open_wrong_magic_or_version);
    tcase_add_test(tc, test_book_open_truncated_or_garbage_segment);
    tcase_add_test(tc, test_book_bad_arguments);
    tcase_add_test(tc, test_book_reader_cannot_write);
    tcase_add_test(tc, test_book_create_with_live_writer_is_busy);
    tcase_add_test(tc, test_book_forced_takeover_makes_old_writer_stale);
    tcase_add_test(tc, test_book_create_after_close_continues_the_book);
    tcase_add_test(tc, test_book_takeover_repairs_a_slot_left_mid_write);
    tcase_add_test(tc, test_book_create_over_unfinished_segment);
    suite_add_tcase(s, tc);

    tc = tcase_create("process");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_unchecked_fixture(tc, NULL, sweep_dead_segments);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_book_hammer_two_processes_never_torn);
    tcase_add_test(tc, test_book_takeover_after_writer_killed);
    tcase_add_test(tc, test_book_wait_wakes_across_processes);
    tcase_add_test(tc, test_book_killed_sleeper_costs_one_wake);
    tcase_add_test(tc, test_book_wait_interrupted_by_signal);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_unchecked_fixture(tc, NULL, sweep_dead_segments);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_book_hundred_thousand_symbols);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_book_suite)
