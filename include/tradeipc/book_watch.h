/* SPDX-License-Identifier: MIT */
/*
 * Book watcher: a reader's "which symbols changed?" loop over a tipc_book,
 * one symbol at a time, sleeping on the book's futex while nothing changes.
 *
 * A watcher combines the three change interfaces of book.h in the one order
 * that is correct: drain tipc_book_changed_since() from its cursor, read each
 * listed slot with its own last-seen count (tipc_book_read), fall back to
 * reading every symbol when the writer has lapped the change ring
 * (TIPC_EOVERFLOW), and only then sleep in tipc_book_wait() on that cursor.
 * A symbol set several times between two reads is reported once, with its
 * latest value: a book holds the last value per symbol, not a queue.
 *
 * Threads: a watcher is used by one thread at a time, and the book handle
 * it borrows is not used by another thread meanwhile.
 */
#ifndef TRADEIPC_BOOK_WATCH_H
#define TRADEIPC_BOOK_WATCH_H

#include <stdint.h>

#include <tradeipc/book.h>
#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

typedef struct tipc_book_watch tipc_book_watch; /* opaque */

/* tipc_book_watch_create - a watcher over book (a reader or the writer
 * handle). Its first calls report every symbol already set, then each change.
 * It keeps 8 bytes per symbol of the book's capacity.
 * Returns: 0 and *out.
 * Errors: TIPC_ENOMEM.
 * Ownership: book borrowed: it must outlive the watcher; caller owns *out;
 *   release with tipc_book_watch_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_book_watch_create(tipc_book_watch **out, tipc_book *book);

/* tipc_book_watch_destroy - free a watcher (not its book). NULL is a no-op. */
TIPC_API void tipc_book_watch_destroy(tipc_book_watch *w);

/* tipc_book_watch_next - the next symbol holding a value newer than the one
 * last reported for it. When nothing is pending it waits on the book, once,
 * for at most timeout_ms (-1 forever, 0 not at all). Allocation-free; no
 * system call unless it sleeps.
 * Returns: 1 with *index and *out (out->updates counts the symbol's sets);
 *   0 when nothing changed within timeout_ms.
 * Errors: TIPC_EINTR (a signal handler interrupted the wait: check your stop
 *   flag and call again).
 * Ownership: copied into *index and *out. */
TIPC_API TIPC_NODISCARD int tipc_book_watch_next(tipc_book_watch *w, int timeout_ms,
                                                 uint32_t *index, tipc_level *out);

/* tipc_book_watch_set_spin - make tipc_book_watch_next (with a timeout other
 * than 0) watch the book's change counter in a busy loop for up to spin_us
 * microseconds before it sleeps on the futex (the spin counts against the
 * timeout: next() still returns within timeout_ms). A change within the
 * spin is seen in the time a cache line takes to cross cores instead of a
 * futex wake-up (several microseconds, more when the CPU was idle), at the
 * price of that thread's CPU while it spins. 0 (the default) never spins.
 * Returns: 0.
 * Errors: TIPC_EINVAL (spin_us above 1000000; the setting is unchanged).
 * Ownership: none. */
TIPC_API TIPC_NODISCARD int tipc_book_watch_set_spin(tipc_book_watch *w, uint32_t spin_us);

/* tipc_book_watch_position - the value of the book's change counter up to
 * which every change has been reported. A watcher has caught up with the
 * writer when this equals tipc_book_changes(). A slot found mid-write on
 * every try (tipc_book_read's TIPC_EAGAIN) is read again after the next
 * wait; until it has been read the position stays behind.
 * Returns: the position. */
TIPC_API uint64_t tipc_book_watch_position(const tipc_book_watch *w);

TIPC_END_DECLS

#endif
