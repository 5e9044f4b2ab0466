/* SPDX-License-Identifier: MIT */
/*
 * Shared books: a fixed-capacity symbol -> value table in POSIX shared
 * memory, written by one process and read by any number of processes.
 *
 * Two kinds share one layout. A prices book (TIPC_BOOK_PRICES) holds the
 * last price of each symbol as a fixed-point integer in 1/TIPC_PRICE_SCALE
 * units (codec.h: 164.05 is 1640500). A news book (TIPC_BOOK_NEWS) holds the
 * last sentiment score, TIPC_SENTIMENT_MIN..TIPC_SENTIMENT_MAX.
 *
 * The writer creates the segment and registers symbols; each symbol gets a
 * stable index. Readers look a symbol up once and then read by index: a
 * read copies one 64-byte slot under a per-slot seqlock, so it takes no lock,
 * makes no system call and never sees a half-written value. Readers map the
 * data read-only: a stray write through a reader faults instead of corrupting
 * the book.
 *
 * Readers learn about changes three ways: tipc_book_read tells whether a
 * slot is newer than what the caller saw, tipc_book_changes / _wait expose a
 * change counter (waiting blocks on a futex; the writer makes a system call
 * only when someone is asleep), and tipc_book_changed_since lists the indices
 * written since a cursor.
 *
 * A writer that dies leaves the segment in place. Creating the book again
 * takes it over in place: symbols and values survive, readers keep their
 * mappings and see tipc_book_generation() go up. doc/tipc_book.3 describes
 * the segment layout byte by byte.
 *
 * Threads: a tipc_book handle is used by one thread at a time; a book has
 * exactly one writer handle and any number of reader handles, in any number
 * of processes (the defaults in tradeipc.h). A child forked by the writer
 * must not write through the handle it inherited; closing it is safe and
 * leaves the parent the writer.
 */
#ifndef TRADEIPC_BOOK_H
#define TRADEIPC_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

typedef struct tipc_book tipc_book; /* opaque */

/* What a book holds. Stored in the segment: opening a book as the wrong kind
 * fails with TIPC_EVERSION. */
typedef enum tipc_book_kind {
    TIPC_BOOK_PRICES = 1, /* value: fixed-point price, 1/TIPC_PRICE_SCALE units */
    TIPC_BOOK_NEWS = 2    /* value: sentiment, TIPC_SENTIMENT_MIN..TIPC_SENTIMENT_MAX */
} tipc_book_kind;

/* Most symbols a book may hold. */
#define TIPC_BOOK_MAX_CAPACITY (1u << 22)
/* Entries kept by the change ring (tipc_book_changed_since). */
#define TIPC_BOOK_RING 4096u
/* Attempts a read makes against a slot that is being written before it
 * gives up with TIPC_EAGAIN. */
#define TIPC_BOOK_READ_TRIES 64
/* Version of the segment layout this library writes and accepts. */
#define TIPC_BOOK_LAYOUT_VERSION 1u

/* tipc_book_create flags. */
#define TIPC_BOOK_TAKEOVER 0x1u /* take the segment over even if its writer looks alive */

/* The value of one symbol, as a reader copies it out. */
typedef struct tipc_level {
    int64_t value;      /* price (fixed point) or sentiment, depending on the book kind */
    uint64_t source_ns; /* the writer's source timestamp for this value, as given to set */
    uint64_t update_ns; /* when the writer stored it, CLOCK_REALTIME ns */
    uint64_t updates;   /* sets of this symbol so far; 0 means never set */
} tipc_level;

/* What tipc_book_info reports. A snapshot: the counters may move right after. */
typedef struct tipc_book_stat {
    tipc_book_kind kind;
    uint32_t layout_version; /* TIPC_BOOK_LAYOUT_VERSION */
    uint32_t capacity;       /* most symbols */
    uint32_t symbols;        /* symbols registered */
    uint32_t generation;     /* 1 at creation, +1 per takeover */
    int32_t writer_pid;      /* the writer's pid; 0 after the writer closed the book */
    uint32_t repaired;       /* slots found mid-write at the last takeover (0 or 1) */
    uint64_t segment_size;   /* bytes */
    uint64_t changes;        /* tipc_book_changes() */
    uint64_t created_ns;     /* when the segment was created, CLOCK_REALTIME ns */
} tipc_book_stat;

/* ---- Lifecycle ---------------------------------------------------------- */

/* tipc_book_create - create the book name ("/name", as for shm_open) and
 * become its writer. The segment is created with mode 0600. If it already
 * exists and its writer has closed it, died (its pid no longer exists) or
 * flags has TIPC_BOOK_TAKEOVER, it is taken over in place: the same shared
 * memory object is kept so attached readers stay valid, symbols and values
 * survive, a slot left mid-write by a dead writer is made readable again
 * (its updates count goes up; its fields may mix the old and the new value,
 * so set it again), and the generation goes up by one.
 * The writer handle also keeps 16 bytes of private memory per slot
 * (capacity x 16 bytes, allocated lazily by the system), so that a set
 * writes the shared slot without first reading it back.
 * TIPC_BOOK_TAKEOVER is for a supervisor that knows the old writer is gone
 * (a pid reused by an unrelated process, another pid namespace); two live
 * writers corrupt the book. A dead writer must have been reaped: a zombie
 * still counts as alive.
 * Returns: 0, with *out set.
 * Errors: TIPC_EINVAL (bad name, kind, capacity 0 or over
 *   TIPC_BOOK_MAX_CAPACITY, unknown flags); TIPC_ENAMETOOLONG; TIPC_EBUSY
 *   when the existing book's writer is alive; TIPC_EVERSION when the
 *   existing segment is not a book of this layout, kind and capacity;
 *   TIPC_ENOTREADY when another creator is still initialising it (one
 *   that died doing so is replaced: at once if its pid is gone, with
 *   TIPC_BOOK_TAKEOVER if it never stored one);
 *   TIPC_ENOMEM; TIPC_EACCES, TIPC_EMFILE and other -errno from shm_open,
 *   ftruncate and mmap.
 * Ownership: caller owns *out; release with tipc_book_close(). */
TIPC_API TIPC_NODISCARD int tipc_book_create(tipc_book **out, const char *name, tipc_book_kind kind,
                                             uint32_t capacity, unsigned flags);

/* tipc_book_create_ex - tipc_book_create that also explains a failure in
 * why (e.g. which header field did not match).
 * Returns, Errors, Ownership: as tipc_book_create; why may be NULL. */
TIPC_API TIPC_NODISCARD int tipc_book_create_ex(tipc_book **out, const char *name,
                                                tipc_book_kind kind, uint32_t capacity,
                                                unsigned flags, char *why, size_t whylen);

/* tipc_book_open - attach to an existing book as a reader. The data is
 * mapped read-only; only the page of the futex word used by tipc_book_wait
 * is writable, which is why the object is opened read-write.
 * The file size is checked before any header field is trusted.
 * Returns: 0, with *out set.
 * Errors: TIPC_ENOENT (no such book); TIPC_ENOTREADY when the creator has
 *   not finished (retry); TIPC_EVERSION when the segment has the wrong magic,
 *   layout version, kind or size (truncated or not a book); TIPC_EINVAL;
 *   TIPC_ENAMETOOLONG; TIPC_ENOMEM; TIPC_EACCES and other -errno.
 * Ownership: caller owns *out; release with tipc_book_close(). */
TIPC_API TIPC_NODISCARD int tipc_book_open(tipc_book **out, const char *name, tipc_book_kind kind);

/* tipc_book_open_ex - tipc_book_open that also explains a failure in why.
 * Returns, Errors, Ownership: as tipc_book_open; why may be NULL. */
TIPC_API TIPC_NODISCARD int tipc_book_open_ex(tipc_book **out, const char *name,
                                              tipc_book_kind kind, char *why, size_t whylen);

/* tipc_book_close - unmap and free. A writer handle marks the book as having
 * no writer (writer_pid 0), so the next tipc_book_create takes it over
 * without TIPC_BOOK_TAKEOVER. Never unlinks. NULL is a no-op.
 * Ownership: b is released. */
TIPC_API void tipc_book_close(tipc_book *b);

/* tipc_book_unlink - remove the name; mappings stay valid until closed.
 * Returns: 0.
 * Errors: TIPC_ENOENT; TIPC_EINVAL; TIPC_ENAMETOOLONG; TIPC_EACCES. */
TIPC_API TIPC_NODISCARD int tipc_book_unlink(const char *name);

/* ---- Symbols ------------------------------------------------------------ */

/* tipc_book_add_symbol - register a symbol (1..TIPC_SYMBOL_MAX bytes of
 * [A-Za-z0-9._-]) and return its index. Idempotent: a registered symbol gets
 * its existing index back. Indices are dense, from 0, in registration order,
 * and never change for the life of the segment (takeovers included).
 * Returns: 0, with *index set.
 * Errors: TIPC_EINVAL (empty or bad character); TIPC_ENAMETOOLONG;
 *   TIPC_ENOSPC when the book is full; TIPC_EPERM on a reader handle;
 *   TIPC_ESTALE when another writer has taken the book over.
 * Ownership: symbol copied. */
TIPC_API TIPC_NODISCARD int tipc_book_add_symbol(tipc_book *b, const char *symbol, uint32_t *index);

/* tipc_book_lookup - the index of a registered symbol: a hash probe, O(1).
 * Returns: 0, with *index set.
 * Errors: TIPC_ENOENT when not registered; TIPC_EINVAL or
 *   TIPC_ENAMETOOLONG when symbol is not a valid symbol. */
TIPC_API TIPC_NODISCARD int tipc_book_lookup(const tipc_book *b, const char *symbol,
                                             uint32_t *index);

/* tipc_book_symbol_count - symbols registered; valid indices are below it.
 * Returns: the count. */
TIPC_API uint32_t tipc_book_symbol_count(const tipc_book *b);

/* tipc_book_symbol_name - copy the symbol at index into buf, NUL-terminated.
 * Returns: its length (> 0).
 * Errors: TIPC_ERANGE when index >= tipc_book_symbol_count(); TIPC_ENOSPC
 *   when cap cannot hold the name and its NUL (TIPC_SYMBOL_MAX + 1 always can).
 * Ownership: copied into the caller's buf. */
TIPC_API TIPC_NODISCARD int tipc_book_symbol_name(const tipc_book *b, uint32_t index, char *buf,
                                                  size_t cap);

/* ---- Values ------------------------------------------------------------- */

/* tipc_book_set - store a value: update_ns becomes now, updates goes up by
 * one, the index is appended to the change ring, the change counter goes up
 * and sleepers in tipc_book_wait are woken (a system call only when one is
 * asleep). Lock-free and allocation-free.
 * Returns: 0.
 * Errors: TIPC_ERANGE when index >= tipc_book_symbol_count(); TIPC_EBADVAL
 *   when a news book's value is outside TIPC_SENTIMENT_MIN..MAX; TIPC_EPERM
 *   on a reader handle; TIPC_ESTALE when another writer has taken the book
 *   over (stop writing). */
TIPC_API TIPC_NODISCARD int tipc_book_set(tipc_book *b, uint32_t index, int64_t value,
                                          uint64_t source_ns);

/* tipc_book_set_at - tipc_book_set with update_ns given by the caller, for
 * a writer that already read the clock (one clock read can stamp a batch;
 * on some virtual machines a clock read costs more than the set itself).
 * update_ns should be CLOCK_REALTIME ns, as tipc_time_realtime_ns() returns.
 * Returns, Errors: as tipc_book_set. */
TIPC_API TIPC_NODISCARD int tipc_book_set_at(tipc_book *b, uint32_t index, int64_t value,
                                             uint64_t source_ns, uint64_t update_ns);

/* tipc_book_read - copy the value at index if it is newer than *seen.
 * Start with *seen = 0; each fresh copy moves *seen to out->updates.
 * Returns: 1 with *out and *seen updated when the slot has been set more
 *   often than *seen; 0 (out untouched) when nothing is newer.
 * Errors: TIPC_ERANGE for a bad index; TIPC_EAGAIN when the slot was being
 *   written on each of TIPC_BOOK_READ_TRIES attempts (retry later).
 * Ownership: copied into *out; nothing points into shared memory. */
TIPC_API TIPC_NODISCARD int tipc_book_read(tipc_book *b, uint32_t index, tipc_level *out,
                                           uint64_t *seen);

/* tipc_book_get - copy the latest value at index, new or not. A symbol never
 * set reads as all zeros (updates == 0).
 * Returns: 0.
 * Errors: TIPC_ERANGE; TIPC_EAGAIN as for tipc_book_read.
 * Ownership: copied into *out. */
TIPC_API TIPC_NODISCARD int tipc_book_get(tipc_book *b, uint32_t index, tipc_level *out);

/* ---- Changes ------------------------------------------------------------ */

/* tipc_book_changes - the change counter: how many sets the book has seen
 * since creation (takeovers continue it). Registering a symbol is not a
 * change. Never blocks.
 * Returns: the counter. */
TIPC_API uint64_t tipc_book_changes(const tipc_book *b);

/* tipc_book_wait - block until the change counter differs from seen (pass
 * the value of tipc_book_changes() you have handled), for at most
 * timeout_ms (-1 forever, 0 only checks).
 * Returns: 0 when the counter differs from seen (at once if it already does).
 * Errors: TIPC_ETIMEDOUT; TIPC_EINTR when a signal handler installed
 *   without SA_RESTART interrupted the wait (check your stop flag, call again). */
TIPC_API TIPC_NODISCARD int tipc_book_wait(tipc_book *b, uint64_t seen, int timeout_ms);

/* tipc_book_changed_since - the indices set since *cursor, oldest first, one
 * entry per set (an index set twice appears twice). Start with *cursor =
 * tipc_book_changes(), then read everything once; afterwards each call
 * copies up to max indices and advances *cursor past them.
 * Returns: the number of indices copied (0 when nothing is new).
 * Errors: TIPC_EOVERFLOW when the writer has made more than TIPC_BOOK_RING
 *   sets since *cursor (or *cursor is ahead of the book): the entries are
 *   gone, *cursor is moved to the current counter, and the caller should
 *   read every symbol again.
 * Ownership: copied into the caller's indices. */
TIPC_API TIPC_NODISCARD int tipc_book_changed_since(tipc_book *b, uint64_t *cursor,
                                                    uint32_t *indices, size_t max);

/* ---- Information -------------------------------------------------------- */

/* tipc_book_generation - 1 at creation, +1 each time a new writer takes the
 * book over. A reader that sees it change knows the writer restarted.
 * Returns: the generation. */
TIPC_API uint32_t tipc_book_generation(const tipc_book *b);

/* tipc_book_info - fill *out with the book's layout and counters.
 * Ownership: copied into *out. */
TIPC_API void tipc_book_info(const tipc_book *b, tipc_book_stat *out);

TIPC_END_DECLS

#endif
