/* SPDX-License-Identifier: MIT */
/*
 * Order journal: a strategy's memory of the orders it created, kept in a
 * file so that it outlives the process.
 *
 * The outbox (outbox.h) keeps unacknowledged orders for a resend after a
 * reconnect, but it lives in the strategy's memory: when the strategy itself
 * dies, its unacknowledged orders die with it, and a restarted strategy that
 * numbers its client order ids from 1 again has its new orders taken for
 * duplicates of the old ones by the order manager (orderlog.h). A journal
 * closes both holes. The strategy records each order it creates before it
 * sends it, and each ack as it arrives; a restarted strategy opens the same
 * journal and gets back
 *   - the next client order id: ids are "<prefix>-<n>" with n = 1, 2, 3, ...
 *     assigned by the journal and never reused, and
 *   - the orders created but not acknowledged, oldest first, to put back in
 *     its outbox and send again (the order manager answers those it already
 *     logged as duplicates).
 *
 * Cost: a record is a memcpy into a shared file mapping plus one release
 * store, no system call (the file grows by doubling, a rare posix_fallocate
 * and mremap; the blocks are reserved then, so a full disk is an error from
 * the growing call, not a SIGBUS at a later store; the first write to each
 * new 4 KiB page takes a page fault).
 *
 * Durability: the records are in the page cache as soon as the call returns,
 * so they survive the process being killed (kill -9, a crash, an abort) at
 * any instant: a record is complete or absent, never half there. They do NOT
 * survive a crash of the host (power loss, kernel panic) unless
 * tipc_journal_sync() returned after they were written; after a host crash
 * the unsynced tail may be lost, and ids from it may be handed out again.
 *
 * Torn records: each record carries a checksum and becomes valid only when
 * its kind word is stored, after everything else. Open reads the records in
 * order and stops at the first empty one; a record whose kind is set but
 * whose contents do not check (only possible after a host crash) ends the
 * journal too: it is reported at TIPC_LOG_WARN and the file is cut there.
 *
 * File layout (little-endian, this host's struct layout; version 1): a
 * 4096-byte header (magic, version, record size, prefix), then fixed-size
 * records. The file belongs to one prefix; its mode is 0600.
 *
 * Threads: a tipc_journal is used by one thread at a time (a strategy with
 * several threads guards it with the mutex of its outbox). One process at a
 * time may open a journal for writing (flock(2), advisory); read-only
 * handles take no lock.
 */
#ifndef TRADEIPC_JOURNAL_H
#define TRADEIPC_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/log.h>

TIPC_BEGIN_DECLS

/* Longest id prefix: "<prefix>-<n>" always fits TIPC_ORDER_ID_MAX. */
#define TIPC_JOURNAL_PREFIX_MAX 20
/* Records a new file has room for when tipc_journal_opts.capacity is 0. */
#define TIPC_JOURNAL_DEFAULT_CAPACITY (1u << 16)
/* Most records a journal may hold (a file of about 3 GiB, mostly sparse);
 * the default for tipc_journal_opts.max_capacity. */
#define TIPC_JOURNAL_MAX_CAPACITY (1u << 24)

/* tipc_journal_opts.flags */
#define TIPC_JOURNAL_RDONLY 0x1u /* read an existing journal: no lock, no writes, no repair */

typedef struct tipc_journal tipc_journal; /* opaque */

/* Options for tipc_journal_open(). Zero-initialise, then set what you need;
 * a NULL options pointer means all defaults. */
typedef struct tipc_journal_opts {
    /* Receives recovery reports (records recovered, torn tail cut) and growth
     * failures. NULL: silent. Copied. */
    const tipc_logger *logger;
    /* Records a new file is sized for; it doubles when full. 0:
     * TIPC_JOURNAL_DEFAULT_CAPACITY. An existing file keeps its size. */
    uint32_t capacity;
    /* Records the file may grow to. 0: TIPC_JOURNAL_MAX_CAPACITY. */
    uint32_t max_capacity;
    unsigned flags; /* TIPC_JOURNAL_* */
} tipc_journal_opts;

typedef enum tipc_journal_kind {
    TIPC_JOURNAL_ORDER = 1, /* an order was created (and then sent) */
    TIPC_JOURNAL_ACK = 2    /* its ack arrived, or it was settled locally */
} tipc_journal_kind;

/* One record, as tipc_journal_next() copies it out. */
typedef struct tipc_journal_record {
    tipc_journal_kind kind;
    tipc_ack_status status; /* ACK: accepted or rejected; ORDER: 0 */
    uint64_t seq;           /* the order's n: its id is "<prefix>-<n>" */
    uint64_t time_ns;       /* when the record was written, CLOCK_REALTIME */
    tipc_order order;       /* ORDER: the order as created (send_ns 0);
                               ACK: only client_order_id is set */
} tipc_journal_record;

/* Counters. "orders" and "acked" cover every process that used the file. */
typedef struct tipc_journal_stats {
    uint64_t orders;    /* orders created; the last id handed out is "<prefix>-<orders>" */
    uint64_t acked;     /* of those, settled by an ack: accepted + rejected */
    uint64_t accepted;  /* acks recorded with TIPC_ACK_ACCEPTED */
    uint64_t rejected;  /* acks recorded with TIPC_ACK_REJECTED */
    uint64_t records;   /* records in the file */
    uint64_t capacity;  /* records the file holds before it grows */
    uint64_t recovered; /* valid records open found */
    uint64_t torn;      /* 1 when open found a torn record and cut the file there */
    uint64_t grows;     /* times the file grew since open */
    uint64_t syncs;     /* tipc_journal_sync calls that flushed something */
} tipc_journal_stats;

/* tipc_journal_open - open the journal at path, creating it (mode 0600) if
 * it does not exist, and recover its state: the number of orders created,
 * which of them were acknowledged, and where the next record goes. prefix is
 * the id prefix (the strategy's name): 1..TIPC_JOURNAL_PREFIX_MAX bytes of
 * [A-Za-z0-9._:-]; an existing file must have been created with the same
 * one. With TIPC_JOURNAL_RDONLY the file must exist and is only read.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (bad prefix, unknown flags, capacity above
 *   max_capacity or max_capacity above TIPC_JOURNAL_MAX_CAPACITY);
 *   TIPC_EEXIST (the file is the journal of another prefix); TIPC_EVERSION
 *   (not a journal, another layout version or record size, or shorter than
 *   its header); TIPC_EBUSY (another process has it open for writing);
 *   TIPC_ENOSPC (the file holds more than max_capacity records); TIPC_ENOMEM;
 *   the errors of open, ftruncate, posix_fallocate and mmap as table codes (TIPC_ENOENT,
 *   TIPC_EACCES, ...; one the table lacks as its nearest entry).
 * Ownership: caller owns *out; release with tipc_journal_close(). */
TIPC_API TIPC_NODISCARD int tipc_journal_open(tipc_journal **out, const char *path,
                                              const char *prefix, const tipc_journal_opts *opts);

/* tipc_journal_close - unmap and close. Records stay in the page cache and
 * reach the disk in the kernel's own time (see tipc_journal_sync). NULL is
 * allowed.
 * Ownership: j is released. */
TIPC_API void tipc_journal_close(tipc_journal *j);

/* tipc_journal_add_order - give o the next client order id,
 * "<prefix>-<n>", and record it as created. Call it before the order is
 * sent. The order is copied as it is (send_ns is best left 0); nothing else
 * is checked.
 * Returns: 0, with o->client_order_id set.
 * Errors: TIPC_ENOSPC (max_capacity records), TIPC_ESTATE (read-only
 *   handle), -errno from growing the file (posix_fallocate, mremap). On error
 *   nothing is recorded and o is unchanged.
 * Ownership: o borrowed for the call; its contents are copied. */
TIPC_API TIPC_NODISCARD int tipc_journal_add_order(tipc_journal *j, tipc_order *o);

/* tipc_journal_add_ack - record that the order with this id was settled:
 * acknowledged by the order manager (status as in the ack), or given up
 * locally (TIPC_ACK_REJECTED).
 * Returns: 0.
 * Errors: TIPC_ENOENT (not an id this journal handed out); TIPC_EDUP
 *   (already settled: nothing recorded); TIPC_EINVAL (status is not
 *   TIPC_ACK_ACCEPTED or TIPC_ACK_REJECTED); TIPC_ENOSPC, TIPC_ESTATE and
 *   -errno as for tipc_journal_add_order.
 * Ownership: client_order_id borrowed for the call. */
TIPC_API TIPC_NODISCARD int tipc_journal_add_ack(tipc_journal *j, const char *client_order_id,
                                                 tipc_ack_status status);

/* tipc_journal_next_unacked - walk the orders not yet settled, oldest
 * first: the ones to send again after a restart. Set *pos = 0 to start.
 * Returns: 1 and *out (the order as created, id included); 0 at the end.
 * Ownership: copied into *out. */
TIPC_API TIPC_NODISCARD int tipc_journal_next_unacked(const tipc_journal *j, uint64_t *pos,
                                                      tipc_order *out);

/* tipc_journal_next - walk every record in the order written. Set *pos = 0
 * to start. A read-only handle also sees records a live writer adds
 * meanwhile.
 * Returns: 1 and *out; 0 at the end.
 * Ownership: copied into *out. */
TIPC_API TIPC_NODISCARD int tipc_journal_next(const tipc_journal *j, uint64_t *pos,
                                              tipc_journal_record *out);

/* tipc_journal_sync - write every record added since the last sync to the
 * disk (msync MS_SYNC), so that they survive a crash of the host. A system
 * call that may take milliseconds: not for the per-order path.
 * Returns: 0 (also when there was nothing to flush).
 * Errors: TIPC_ESTATE (read-only handle), -errno from msync (TIPC_EIO, ...). */
TIPC_API TIPC_NODISCARD int tipc_journal_sync(tipc_journal *j);

/* tipc_journal_get_stats - copy the journal's counters into *out. */
TIPC_API void tipc_journal_get_stats(const tipc_journal *j, tipc_journal_stats *out);

TIPC_END_DECLS

#endif
