/* SPDX-License-Identifier: MIT */
/*
 * Durable order log: the order manager's record of every order it accepted.
 *
 * The file is append-only text, one order per line, readable by people and by
 * tipc_orderlog_parse_line(). A line is, in this exact order, fields separated
 * by exactly one space and ended by one '\n':
 *
 *   <receive time> order_id=<u64> client_id=<id> strategy=<name> symbol=<sym>
 *   side=BUY|SELL qty=<u32> price=<fixed> rule=ma_cross|sentiment|manual
 *   [rule fields] tick_ns=<u64> send_ns=<u64> recv_ns=<u64>
 *
 * <receive time> is recv_ns in UTC as 2026-11-24T13:08:00.123456789Z (always
 * 9 fraction digits). <fixed> is a TIPC_PRICE_SCALE price with exactly four
 * decimals and an optional '-': 164.0500. Strings are printable ASCII without
 * spaces (0x21..0x7e); strategy may be empty ("strategy="). The rule fields
 * are "short_window=<u32> long_window=<u32> short_ma=<fixed> long_ma=<fixed>"
 * for ma_cross, "sentiment=<i32> threshold=<i32>" for sentiment and nothing
 * for manual; signal fields a rule does not use are not written and read back
 * as 0. Readers ignore keys they do not know, so fields can be added later.
 *
 * Durability protocol: tipc_orderlog_append() checks for duplicates, assigns
 * the next order id and formats the line into memory; tipc_orderlog_commit()
 * makes every pending line durable as the sync mode promises (below). A
 * caller acknowledges an order only after the commit that follows its append
 * returned 0, so a burst of orders costs one commit and an acknowledged order
 * is always in the file (or, in SYNC_MAPPED mode, in its staging file, from
 * where the next open appends it). Then it calls tipc_orderlog_flush(), which
 * in SYNC_MAPPED mode writes the committed lines to the log after the
 * acknowledgements are on their way. A line without its '\n' was never
 * committed: tipc_orderlog_open() cuts it off.
 *
 * The staging file, "<path>.staged", exists while a SYNC_MAPPED log is open
 * and after a crash: a 64-byte header and the pending lines, mapped shared.
 * Committing stores the end of the committed lines in the header: no system
 * call, yet the lines are in the page cache and outlive the process. Open, in
 * every mode, appends to the log the staged lines it lacks (those after its
 * last order id, which must follow it without a gap), then removes the file
 * or starts it over; a clean close flushes and removes it.
 *
 * Idempotency: the pair (strategy, client_order_id) identifies an order. A
 * second append of a pair already logged or pending returns TIPC_EDUP with the
 * original order id, also after a restart, because open rebuilds the set of
 * pairs from the file.
 *
 * Threads: a tipc_orderlog is used by one thread at a time. One process at a
 * time may have a log file open (flock(2), advisory).
 */
#ifndef TRADEIPC_ORDERLOG_H
#define TRADEIPC_ORDERLOG_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/log.h>

TIPC_BEGIN_DECLS

/* Longest line the log writes or accepts, including the '\n'. The longest
 * possible line (every number at its widest) is 429 bytes. */
#define TIPC_ORDERLOG_LINE_MAX 512
/* Defaults for tipc_orderlog_opts fields left 0. */
#define TIPC_ORDERLOG_DEFAULT_EXPECTED 1024
#define TIPC_ORDERLOG_DEFAULT_MAX_ORDERS (1u << 22)
#define TIPC_ORDERLOG_DEFAULT_MAX_PENDING 1024

typedef struct tipc_orderlog tipc_orderlog; /* opaque */

typedef enum tipc_orderlog_sync {
    /* Commit is one write(2): survives a crash of the process, not of the host. */
    TIPC_ORDERLOG_SYNC_NONE = 0,
    /* Commit is one write(2) plus one fdatasync(2): survives power loss. */
    TIPC_ORDERLOG_SYNC_DATA = 1,
    /* Commit is a store into the mapped staging file, no system call: survives
     * a crash of the process, not of the host, like SYNC_NONE. The lines reach
     * the log at tipc_orderlog_flush() (or when append needs their room). */
    TIPC_ORDERLOG_SYNC_MAPPED = 2
} tipc_orderlog_sync;

/* Options for tipc_orderlog_open(). Zero-initialise, then set what you need;
 * a NULL options pointer means all defaults. */
typedef struct tipc_orderlog_opts {
    tipc_orderlog_sync sync;
    /* Receives recovery reports (torn tail cut, corrupt lines skipped) and
     * commit failures. NULL: silent. Copied. */
    const tipc_logger *logger;
    /* Orders to size the duplicate table for, so that appends up to this
     * many never allocate. 0: TIPC_ORDERLOG_DEFAULT_EXPECTED. */
    uint32_t expected_orders;
    /* Hard limit on orders in the log (recovered plus appended); the table
     * never grows beyond it. 0: TIPC_ORDERLOG_DEFAULT_MAX_ORDERS. */
    uint32_t max_orders;
    /* Lines that may wait for one commit; the buffer for them is allocated by
     * open. 0: TIPC_ORDERLOG_DEFAULT_MAX_PENDING. */
    uint32_t max_pending;
} tipc_orderlog_opts;

/* One parsed line. order holds everything the strategy sent; signal fields
 * the rule does not use are 0. */
typedef struct tipc_orderlog_entry {
    uint64_t order_id; /* >= 1 */
    uint64_t recv_ns;  /* when the order manager received it, ns since the Unix epoch */
    tipc_order order;
} tipc_orderlog_entry;

/* Counters, for monitoring and tests. */
typedef struct tipc_orderlog_stats {
    uint64_t recovered;       /* valid lines read by open */
    uint64_t skipped;         /* lines open could not use: corrupt, overlong or duplicate */
    uint64_t truncated_bytes; /* size of the torn tail open cut off (0 if none) */
    uint64_t next_order_id;   /* the id the next accepted append gets */
    uint64_t commits;         /* commits that wrote (or staged) at least one line */
    uint64_t write_calls;     /* write(2) calls made by commits and flushes */
    uint64_t sync_calls;      /* fdatasync(2) calls made by commits */
    uint64_t bytes_written;   /* by commits and flushes, since open */
    uint64_t replayed;        /* lines open appended from the staging file (also in recovered) */
} tipc_orderlog_stats;

/* tipc_orderlog_open - open or create the log at path and recover its state.
 * Opens with O_RDWR|O_APPEND|O_CREAT (mode 0644, before umask) and takes an
 * exclusive flock. Recovery reads the whole file: every valid line adds its
 * (strategy, client id) pair and order id to the duplicate table, the next
 * order id becomes the largest one seen plus 1 (1 for an empty file), a torn
 * last line (no '\n') is reported at TIPC_LOG_WARN and truncated away, and
 * corrupt, overlong or duplicate lines in the middle are reported at
 * TIPC_LOG_WARN and skipped. Then the staging file, if there is one, gives
 * the log the committed lines it lacks (reported at TIPC_LOG_WARN; lines that
 * do not parse or do not follow the last order id are reported and left
 * out). With SYNC_DATA a new file's directory entry, a truncation and
 * replayed lines are synced before open returns. With SYNC_MAPPED the staging
 * file is created at its full size (posix_fallocate: a full disk fails open,
 * not a later store) and mapped.
 * Returns: 0 and *out on success.
 * Errors: TIPC_EBUSY (another open log holds the file), TIPC_EINVAL (not a
 * regular file), TIPC_ENOSPC (the file has more than max_orders orders),
 * TIPC_ENOMEM, -errno from open/read/ftruncate/fsync (TIPC_ENOENT,
 * TIPC_EACCES, TIPC_EIO, ...).
 * Ownership: caller owns *out; release with tipc_orderlog_close(). */
TIPC_API TIPC_NODISCARD int tipc_orderlog_open(tipc_orderlog **out, const char *path,
                                               const tipc_orderlog_opts *opts);

/* tipc_orderlog_close - flush, close the file and free the log. Lines
 * appended but not committed are discarded (they were never acknowledged) and
 * reported at TIPC_LOG_WARN. In SYNC_MAPPED mode the staging file is removed
 * once the flush wrote every committed line; if it failed, the file stays
 * (reported at TIPC_LOG_WARN) and the next open appends its lines. NULL is
 * allowed.
 * Ownership: l is released. */
TIPC_API void tipc_orderlog_close(tipc_orderlog *l);

/* tipc_orderlog_append - accept an order: check for a duplicate, assign the
 * next order id, and format the line into the pending buffer. No system call.
 * Does not allocate unless the table outgrows expected_orders.
 * Returns: 0 and *order_id (the new id).
 * Errors: TIPC_EDUP (this strategy + client_order_id is already logged or
 * pending; *order_id is set to the original id), TIPC_EBADVAL (a string is
 * empty where required, too long, unterminated or has a byte outside
 * 0x21..0x7e, or side or rule is not a known value), TIPC_EAGAIN (the pending
 * buffer is full: commit, then append again), TIPC_ENOSPC (max_orders
 * reached), TIPC_ENOMEM, TIPC_ESTATE (an earlier fdatasync failed; see
 * tipc_orderlog_commit), and in SYNC_MAPPED mode the errors of
 * tipc_orderlog_flush (the staging file was full of committed lines and
 * writing them to the log failed). On any error nothing changes except
 * *order_id for TIPC_EDUP.
 * Ownership: o is copied. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_append(tipc_orderlog *l, const tipc_order *o,
                                                 uint64_t recv_ns, uint64_t *order_id);

/* tipc_orderlog_commit - make every pending line durable. SYNC_NONE: one
 * write(2) (looping only on a short write); SYNC_DATA: the same plus one
 * fdatasync(2); SYNC_MAPPED: one release store into the staging file, no
 * system call, and no error. With nothing pending it makes no system call.
 * Returns: 0 when every line appended so far is in the file (and synced).
 * Errors: -errno from write (TIPC_ENOSPC, TIPC_EIO, ...): the unwritten part
 * stays pending and the next commit resumes exactly where this one stopped.
 * -errno from fdatasync: the log then refuses further appends and commits
 * with TIPC_ESTATE, because after a failed fsync Linux may have dropped the
 * dirty pages and a retry would falsely succeed; reopen to recover.
 * TIPC_EBUSY: a commit made in steps (below) is sealed and not finished; its
 * lines must reach the file first. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_commit(tipc_orderlog *l);

/* Group commit in steps, so that the caller keeps reading and appending
 * orders while a commit's write(2) and fdatasync(2) run in another thread
 * (SYNC_NONE and SYNC_DATA only):
 *
 *   n = tipc_orderlog_commit_start(l);    caller's thread: seal the pending lines
 *   rc = tipc_orderlog_commit_run(l);     any thread: write (and sync) them
 *   tipc_orderlog_commit_finish(l, rc);   caller's thread, after run returned
 *
 * While a sealed commit is in flight the caller's thread may append, lookup,
 * and ask pending, count and get_stats; commit_start then returns TIPC_EBUSY.
 * commit_run touches only the sealed lines and the file descriptor, never
 * what those calls touch; the caller must make commit_run's return happen
 * before commit_finish (a mutex, or a pipe or eventfd it writes after run).
 * Plain tipc_orderlog_commit, flush and close must not run while a commit is
 * in flight. */

/* tipc_orderlog_commit_start - seal every pending line as the next commit.
 * No system call.
 * Returns: the number of lines sealed (0: nothing was pending; there is
 * nothing to run or finish).
 * Errors: TIPC_EBUSY (the previous sealed commit is not finished),
 * TIPC_EINVAL (SYNC_MAPPED: commit is already a store), TIPC_ESTATE (an
 * earlier fdatasync failed). */
TIPC_API TIPC_NODISCARD int tipc_orderlog_commit_start(tipc_orderlog *l);

/* tipc_orderlog_commit_run - write(2) the sealed lines (resuming where an
 * earlier run stopped) and, with SYNC_DATA, fdatasync(2) them. Blocks; meant
 * for a thread of its own.
 * Returns: 0, or -errno of the failed write or fdatasync. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_commit_run(tipc_orderlog *l);

/* tipc_orderlog_commit_finish - account for a commit_run that returned rc.
 * rc 0: the sealed lines are committed (acknowledge their orders now).
 * A failed write: they stay sealed and the next commit_run resumes at the
 * exact byte. A failed fdatasync: the log refuses further work with
 * TIPC_ESTATE, as after a failed tipc_orderlog_commit.
 * Returns: rc. */
TIPC_API int tipc_orderlog_commit_finish(tipc_orderlog *l, int rc);

/* A committer: a thread that runs tipc_orderlog_commit_run for the caller,
 * one commit at a time, and an eventfd that tells the caller's poll loop when
 * it is done. The caller's thread submits and collects; between the two it
 * may append and look up as above.
 *
 *   submit    -> n lines sealed and handed over (0: nothing was pending)
 *   poll on tipc_orderlog_committer_fd(c)
 *   collect   -> 1: those lines are committed: acknowledge their orders */
typedef struct tipc_orderlog_committer tipc_orderlog_committer; /* opaque */

/* tipc_orderlog_committer_open - start the committer thread for l, which
 * must outlive it (SYNC_NONE or SYNC_DATA).
 * Errors: TIPC_EINVAL (a SYNC_MAPPED log), TIPC_ENOMEM, -errno from eventfd
 * or pthread_create.
 * Ownership: caller owns *out; release with tipc_orderlog_committer_close(). */
TIPC_API TIPC_NODISCARD int tipc_orderlog_committer_open(tipc_orderlog_committer **out,
                                                         tipc_orderlog *l);

/* tipc_orderlog_committer_fd - readable once a submitted commit has run and
 * is ready to collect. For poll(2) or epoll; do not read it. */
TIPC_API int tipc_orderlog_committer_fd(const tipc_orderlog_committer *c);

/* tipc_orderlog_committer_busy - 1 while a submitted commit is not
 * collected, else 0. */
TIPC_API int tipc_orderlog_committer_busy(const tipc_orderlog_committer *c);

/* tipc_orderlog_committer_submit - seal every pending line
 * (tipc_orderlog_commit_start) and hand them to the thread; after a failed
 * write, hand it the lines still sealed again.
 * Returns: the number of lines handed over; 0 when nothing was pending
 * (nothing to collect: every line appended before is committed).
 * Errors: TIPC_EBUSY (a commit is in flight: collect it first), those of
 * tipc_orderlog_commit_start. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_committer_submit(tipc_orderlog_committer *c);

/* tipc_orderlog_committer_collect - wait up to timeout_ms (-1: as long as it
 * takes; 0: do not wait) for the commit in flight, then finish it
 * (tipc_orderlog_commit_finish).
 * Returns: 1 (its lines are committed), 0 (nothing in flight, or still
 * running at the timeout).
 * Errors: the commit's own (see tipc_orderlog_commit_finish); nothing is in
 * flight afterwards. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_committer_collect(tipc_orderlog_committer *c,
                                                            int timeout_ms);

/* tipc_orderlog_committer_close - collect a commit still in flight (waiting
 * for it; a failure is reported to the log's logger), stop and join the
 * thread. NULL is allowed. */
TIPC_API void tipc_orderlog_committer_close(tipc_orderlog_committer *c);

/* tipc_orderlog_flush - SYNC_MAPPED: write the committed lines the log does
 * not have yet with one write(2) (looping only on a short write), so that
 * the log file is current for its readers; call it after acknowledging.
 * Other modes: nothing to do (commit wrote the lines).
 * Returns: 0 when every committed line is in the log.
 * Errors: -errno from write (TIPC_ENOSPC, TIPC_EIO, ...): the lines stay in
 * the staging file, and the next flush resumes exactly where this one
 * stopped. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_flush(tipc_orderlog *l);

/* tipc_orderlog_pending - lines appended since the last successful commit. */
TIPC_API size_t tipc_orderlog_pending(const tipc_orderlog *l);

/* tipc_orderlog_count - committed lines: recovered plus committed since open
 * (pending lines not included; in SYNC_MAPPED mode, staged lines that the
 * log file has yet to receive are included). */
TIPC_API uint64_t tipc_orderlog_count(const tipc_orderlog *l);

/* tipc_orderlog_lookup - the order id logged (or pending) for a strategy and
 * client order id.
 * Returns: 0 and *order_id. Errors: TIPC_ENOENT (not logged), TIPC_EBADVAL
 * (a string longer than TIPC_STRATEGY_MAX / TIPC_ORDER_ID_MAX).
 * Ownership: strings borrowed for the call. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_lookup(const tipc_orderlog *l, const char *strategy,
                                                 const char *client_order_id, uint64_t *order_id);

/* tipc_orderlog_get_stats - copy the log's counters into *out. */
TIPC_API void tipc_orderlog_get_stats(const tipc_orderlog *l, tipc_orderlog_stats *out);

/* tipc_orderlog_format_line - format e as one log line, '\n' included, in
 * the format described at the top of this header. The buffer is not
 * NUL-terminated.
 * Returns: 0 and *len.
 * Errors: TIPC_ENOSPC (cap too small; *len is the size needed, at most
 * TIPC_ORDERLOG_LINE_MAX), TIPC_EBADVAL (as for tipc_orderlog_append).
 * Ownership: e borrowed for the call; buf is the caller's. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_format_line(const tipc_orderlog_entry *e, char *buf,
                                                      size_t cap, size_t *len);

/* tipc_orderlog_parse_line - parse one line, with or without its '\n'.
 * Returns: 0 and *out filled (fields not on the line are 0).
 * Errors: TIPC_EMSGSIZE (len > TIPC_ORDERLOG_LINE_MAX), TIPC_EPROTO (bad
 * timestamp, separator or byte; a duplicated key; recv_ns disagreeing with the
 * timestamp), TIPC_EMISSING (a required key is absent, including the rule
 * fields), TIPC_EBADVAL (a value does not parse or is out of range, e.g.
 * order_id=0, side=HOLD, an empty client_id). *out is unspecified on error.
 * Ownership: line borrowed for the call; need not be NUL-terminated. */
TIPC_API TIPC_NODISCARD int tipc_orderlog_parse_line(const char *line, size_t len,
                                                     tipc_orderlog_entry *out);

TIPC_END_DECLS

#endif
