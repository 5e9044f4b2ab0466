/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the CSV reader (tipc_csv_open/next) and the replay built on
 * it (tipc_replay_open/next). The input is the file, written to a memfd and
 * opened through /proc/self/fd, so no disk is touched.
 *
 * Properties, read as prices and as news: every row returned is valid for
 * its kind (symbol, value range), in nondecreasing time, with increasing
 * line numbers; the counters add up; the end is 0 after at least one good
 * row and TIPC_ENODATA otherwise, and stays so. The replay of the file as
 * both the price and the news file must load exactly when both readers
 * found a row, hold as many events as they returned, play them once in
 * time order in ASAP mode and end with TIPC_ENOENT; looped and paced by
 * timestamps, passes and due times never go backwards.
 */
#include "fuzz_common.h"

#include <sys/mman.h>
#include <unistd.h>

static int memfd = -1;
static char path[64];

static int
read_all(tipc_csv_kind kind, size_t *rows_out)
{
    tipc_csv *c;
    tipc_csv_row row;
    tipc_csv_stats st;
    uint64_t last_ts = 0, last_line = 0, rows = 0;
    int rc;

    FUZZ_CHECK_RC(tipc_csv_open(&c, path, kind, &fuzz_logger), 0);
    while ((rc = tipc_csv_next(c, &row)) == 1) {
        size_t n = strnlen(row.symbol, sizeof row.symbol);
        FUZZ_CHECK(n < sizeof row.symbol && tipc_symbol_is_valid(row.symbol, n));
        if (kind == TIPC_CSV_PRICES)
            FUZZ_CHECK(row.value > 0);
        else
            FUZZ_CHECK(row.value >= TIPC_SENTIMENT_MIN && row.value <= TIPC_SENTIMENT_MAX);
        FUZZ_CHECK(row.ts_ns >= last_ts);
        FUZZ_CHECK(row.line > last_line);
        last_ts = row.ts_ns;
        last_line = row.line;
        rows++;
    }
    FUZZ_CHECK(rc == 0 || rc == TIPC_ENODATA);
    FUZZ_CHECK((rc == 0) == (rows > 0));
    FUZZ_CHECK_RC(tipc_csv_next(c, &row), rc);
    tipc_csv_get_stats(c, &st);
    FUZZ_CHECK(st.rows_ok == rows);
    FUZZ_CHECK(st.rows_ok + st.rows_skipped <= st.lines);
    FUZZ_CHECK(last_line <= st.lines);
    tipc_csv_close(c);
    *rows_out = rows;
    return rc;
}

static void
replay(size_t nprices, size_t nnews)
{
    tipc_replay_opts o = {0};
    tipc_replay *r;
    tipc_replay_event ev;
    uint64_t last_ts = 0, last_due = 0, last_pass = 0, now = 1000, wait;
    size_t n = 0, total = nprices + nnews;
    int rc;

    o.log = &fuzz_logger;
    rc = tipc_replay_open(&r, path, path, &o);
    if (nprices == 0 || nnews == 0) {
        FUZZ_CHECK_RC(rc, TIPC_ENODATA);
        return;
    }
    FUZZ_CHECK_RC(rc, 0);
    FUZZ_CHECK(tipc_replay_count(r) == total);
    while ((rc = tipc_replay_next(r, &ev, 0, NULL)) == 1) {
        uint64_t ts = ev.kind == TIPC_REPLAY_PRICE ? ev.tick.event_ns : ev.news.event_ns;
        FUZZ_CHECK(ev.kind == TIPC_REPLAY_PRICE || ev.kind == TIPC_REPLAY_NEWS);
        FUZZ_CHECK(ev.pass == 0 && ts >= last_ts);
        last_ts = ts;
        FUZZ_CHECK(++n <= total);
    }
    FUZZ_CHECK_RC(rc, TIPC_ENOENT);
    FUZZ_CHECK(n == total);
    FUZZ_CHECK_RC(tipc_replay_next(r, &ev, 0, NULL), TIPC_ENOENT);
    tipc_replay_close(r);

    /* Looped, paced by the file's timestamps at a day per second: two passes. */
    o.pace = TIPC_REPLAY_TIMESTAMPS;
    o.speed = 86400;
    o.loop = 1;
    FUZZ_CHECK_RC(tipc_replay_open(&r, path, path, &o), 0);
    for (n = 0; n < 2 * total + 1;) {
        wait = 0;
        rc = tipc_replay_next(r, &ev, now, &wait);
        if (rc == 0) {
            FUZZ_CHECK(wait > 0);
            now += wait;
            continue;
        }
        FUZZ_CHECK_RC(rc, 1);
        FUZZ_CHECK(ev.pass >= last_pass && ev.due_ns >= last_due && ev.due_ns <= now);
        last_pass = ev.pass;
        last_due = ev.due_ns;
        n++;
    }
    FUZZ_CHECK(last_pass == 2);
    tipc_replay_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nprices, nnews;

    if (memfd < 0) {
        memfd = memfd_create("fuzz_csv", MFD_CLOEXEC);
        FUZZ_CHECK(memfd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }
    FUZZ_CHECK(ftruncate(memfd, 0) == 0);
    FUZZ_CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);

    (void)read_all(TIPC_CSV_PRICES, &nprices);
    (void)read_all(TIPC_CSV_NEWS, &nnews);
    replay(nprices, nnews);
    return 0;
}
