/* SPDX-License-Identifier: MIT */
/*
 * Book watcher: per-symbol change reports over a tipc_book.
 *
 * State: the change-ring cursor, a batch of indices copied from the ring,
 * the position of a full scan (when the ring was lapped, or at the start),
 * and one last-seen update count per slot, which is what turns "index i was
 * set, maybe three times" into "i has a newer value" exactly once. The order
 * of the loop matters: the cursor is advanced before the slots are read, so a
 * set that lands while we read is either already visible in the slot (and
 * reported now) or appears in the ring after the cursor (and the futex wait
 * returns at once); nothing falls between the two.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdlib.h>

#include <tradeipc/book_watch.h>

#define BATCH 256
#define NO_SCAN UINT32_MAX

struct tipc_book_watch {
    tipc_book *book;
    uint64_t cursor;   /* next change to take from the ring */
    uint64_t position; /* every change before it has been reported */
    uint64_t *seen;    /* per slot: updates count last reported */
    uint64_t spin_ns;  /* tipc_book_watch_set_spin */
    uint32_t capacity;
    uint32_t scan;     /* next slot of a full scan, or NO_SCAN */
    int rescan;        /* a slot was mid-write on every try: scan again after the next wait */
    uint32_t pos, len; /* the batch idx[pos..len) */
    uint32_t idx[BATCH];
};

int
tipc_book_watch_create(tipc_book_watch **out, tipc_book *book)
{
    tipc_book_watch *w;
    tipc_book_stat st;

    assert(out != NULL && book != NULL);
    tipc_book_info(book, &st);
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return TIPC_ENOMEM;
    w->seen = calloc(st.capacity, sizeof *w->seen);
    if (w->seen == NULL) {
        free(w);
        return TIPC_ENOMEM;
    }
    w->book = book;
    w->capacity = st.capacity;
    w->cursor = tipc_book_changes(book); /* the scan covers everything before it */
    w->scan = 0;
    *out = w;
    return 0;
}

void
tipc_book_watch_destroy(tipc_book_watch *w)
{
    if (w == NULL)
        return;
    free(w->seen);
    free(w);
}

/* 1 when slot i has a value not reported yet. */
static int
fresh(tipc_book_watch *w, uint32_t i, tipc_level *out)
{
    if (i >= w->capacity)
        return 0;
    int rc = tipc_book_read(w->book, i, out, &w->seen[i]);
    if (rc == TIPC_EAGAIN)
        w->rescan = 1;
    return rc == 1;
}

/* Watch the change counter until the monotonic clock reaches until; 1 when
 * it moved. The clock is read every 64 turns: the loop mostly polls one
 * shared cache line. */
static int
spin(const tipc_book_watch *w, uint64_t until)
{
    for (unsigned k = 1;; k++) {
        if (tipc_book_changes(w->book) != w->cursor)
            return 1;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (k % 64 == 0 && tipc_time_monotonic_ns() >= until)
            return 0;
    }
}

int
tipc_book_watch_set_spin(tipc_book_watch *w, uint32_t spin_us)
{
    assert(w != NULL);
    if (spin_us > 1000000u)
        return TIPC_EINVAL;
    w->spin_ns = (uint64_t)spin_us * 1000u;
    return 0;
}

int
tipc_book_watch_next(tipc_book_watch *w, int timeout_ms, uint32_t *index, tipc_level *out)
{
    int waited = 0;

    assert(w != NULL && index != NULL && out != NULL);
    for (;;) {
        if (w->scan != NO_SCAN) {
            uint32_t n = tipc_book_symbol_count(w->book);
            while (w->scan < n) {
                uint32_t i = w->scan++;
                if (fresh(w, i, out)) {
                    *index = i;
                    return 1;
                }
            }
            w->scan = NO_SCAN;
        }
        while (w->pos < w->len) {
            uint32_t i = w->idx[w->pos++];
            if (fresh(w, i, out)) {
                *index = i;
                return 1;
            }
        }
        if (!w->rescan)
            w->position = w->cursor;

        int n = tipc_book_changed_since(w->book, &w->cursor, w->idx, BATCH);
        if (n > 0) {
            w->pos = 0;
            w->len = (uint32_t)n;
            continue;
        }
        w->pos = w->len = 0;
        if (n == TIPC_EOVERFLOW) { /* the ring was lapped: look at every slot */
            w->scan = 0;
            continue;
        }
        if (waited)
            return 0;
        if (w->spin_ns > 0 && timeout_ms != 0) {
            /* The spin counts against the timeout: what is left, if any,
             * is slept on the futex. */
            uint64_t limit = w->spin_ns, t0 = tipc_time_monotonic_ns();
            if (timeout_ms > 0 && (uint64_t)timeout_ms * 1000000u < limit)
                limit = (uint64_t)timeout_ms * 1000000u;
            if (spin(w, t0 + limit))
                continue; /* a change within the spin: no wait, no system call */
            if (timeout_ms > 0) {
                uint64_t spun_ms = (tipc_time_monotonic_ns() - t0) / 1000000u;
                timeout_ms = spun_ms >= (uint64_t)timeout_ms ? 0 : timeout_ms - (int)spun_ms;
                if (timeout_ms == 0)
                    return 0;
            }
        }
        int rc = tipc_book_wait(w->book, w->cursor, timeout_ms);
        waited = 1;
        if (rc == TIPC_EINTR)
            return rc;
        if (w->rescan) {
            w->rescan = 0;
            w->scan = 0;
        }
        if (rc == TIPC_ETIMEDOUT && w->scan == NO_SCAN)
            return 0;
    }
}

uint64_t
tipc_book_watch_position(const tipc_book_watch *w)
{
    return w->position;
}
