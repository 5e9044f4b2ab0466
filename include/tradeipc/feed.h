/* SPDX-License-Identifier: MIT */
/*
 * Feed helpers: the pieces a market-data publisher and its subscribers share
 * besides the tick and news codecs.
 *
 * tipc_symtab maps a symbol to a small dense index (0, 1, 2, ... in the order
 * symbols were added), so per-symbol state can live in plain arrays. A lookup
 * is one hash probe on a 16-byte key: no string compare, no allocation. Only
 * adding a symbol may allocate (the table doubles), and a bound fixed at
 * creation caps its memory, so a peer that sends a million made-up symbols
 * cannot grow it without limit.
 *
 * The snapshot protocol (doc/tipc_feed.3): when a client joins, a publisher
 * sends SNAPSHOT_BEGIN (empty), the latest TICK/NEWS per symbol, then
 * SNAPSHOT_END whose payload is the msgpack array [price_seq, news_seq]: the
 * streams' sequence numbers at that point. Live frames continue from
 * price_seq + 1 and news_seq + 1. tipc_snapshot_end_encode/_decode handle that
 * payload, and a tipc_lvc (last-value cache) keeps what a publisher needs to
 * send the whole snapshot.
 *
 * Threads: a tipc_symtab or tipc_lvc is used by one thread at a time; the
 * codec functions are reentrant (the defaults in tradeipc.h).
 */
#ifndef TRADEIPC_FEED_H
#define TRADEIPC_FEED_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/sock.h>

TIPC_BEGIN_DECLS

/* ---- Symbol table ------------------------------------------------------- */

/* Most symbols a table may be created for. */
#define TIPC_SYMTAB_MAX (1u << 22)

typedef struct tipc_symtab tipc_symtab; /* opaque */

/* tipc_symtab_create - an empty table that will hold at most max_symbols.
 * Memory grows with the symbols actually added, not with max_symbols.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (max_symbols 0 or over TIPC_SYMTAB_MAX); TIPC_ENOMEM.
 * Ownership: caller owns *out; release with tipc_symtab_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_symtab_create(tipc_symtab **out, uint32_t max_symbols);

/* tipc_symtab_destroy - free a table. NULL is a no-op. */
TIPC_API void tipc_symtab_destroy(tipc_symtab *t);

/* tipc_symtab_add - the index of symbol, adding it if it is new. Indices are
 * dense from 0 in the order symbols were first added and never change.
 * symbol is a NUL-terminated string of 1..TIPC_SYMBOL_MAX bytes of
 * [A-Za-z0-9._-]; at most TIPC_SYMBOL_MAX + 1 bytes of it are read, so the
 * symbol field of a tipc_tick or tipc_news can be passed as is.
 * Returns: 1 and *index when the symbol was added; 0 and *index when it was
 *   already there.
 * Errors: TIPC_EINVAL (not a valid symbol); TIPC_ENOSPC (max_symbols
 *   reached); TIPC_ENOMEM. *index is untouched on error.
 * Ownership: symbol copied. */
TIPC_API TIPC_NODISCARD int tipc_symtab_add(tipc_symtab *t, const char *symbol, uint32_t *index);

/* tipc_symtab_find - the index of a symbol already added: one hash probe,
 * no allocation. Reads at most TIPC_SYMBOL_MAX + 1 bytes of symbol.
 * Returns: 0 and *index.
 * Errors: TIPC_ENOENT (not in the table, which includes every invalid
 *   symbol). *index is untouched on error.
 * Ownership: symbol borrowed for the call. */
TIPC_API TIPC_NODISCARD int tipc_symtab_find(const tipc_symtab *t, const char *symbol,
                                             uint32_t *index);

/* tipc_symtab_count - symbols added; valid indices are below it. */
TIPC_API uint32_t tipc_symtab_count(const tipc_symtab *t);

/* tipc_symtab_name - the symbol at index, NUL-terminated.
 * Returns: the name, or NULL when index >= tipc_symtab_count().
 * Ownership: borrowed; valid until the next tipc_symtab_add (which may
 *   move the names) or tipc_symtab_destroy. */
TIPC_API const char *tipc_symtab_name(const tipc_symtab *t, uint32_t index);

/* ---- SNAPSHOT_END payload ----------------------------------------------- */

/* The streams' sequence numbers when a snapshot was taken: the last seq sent
 * on each stream (0 when nothing was sent on it yet). Plain value. */
typedef struct tipc_snapshot_end {
    uint64_t price_seq;
    uint64_t news_seq;
} tipc_snapshot_end;

/* Largest encoding written: fixarray + 2 x uint64 (0xcf + 8 bytes). */
#define TIPC_SNAPSHOT_END_ENCODED_MAX 19

/* tipc_snapshot_end_encode - write [price_seq, news_seq] as msgpack, each
 * integer in its shortest form (as msgpack-c writes it).
 * Returns: 0; *len bytes written (at most TIPC_SNAPSHOT_END_ENCODED_MAX).
 * Errors: TIPC_ENOSPC cap too small: *len is the size needed, buf contents
 *   unspecified. Size query: buf may be NULL when cap is 0.
 * Ownership: e borrowed; buf caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_snapshot_end_encode(const tipc_snapshot_end *e, void *buf,
                                                     size_t cap, size_t *len);

/* tipc_snapshot_end_decode - decode a SNAPSHOT_END payload of exactly len
 * bytes. Accepts every msgpack form of a 2-element array (fixarray, array16,
 * array32) of non-negative integers (any width, signed or unsigned). Never
 * reads outside buf[0..len).
 * Returns: 0 and *out; on error *out is untouched.
 * Errors: TIPC_ETRUNC (input ends inside the message, len 0 included);
 *   TIPC_ETYPE (not an array, or an element that is not an integer);
 *   TIPC_EBADVAL (a negative integer); TIPC_EPROTO (not 2 elements, or bytes
 *   follow the array).
 * Ownership: buf borrowed for the call; out caller-owned. No allocation. */
TIPC_API TIPC_NODISCARD int tipc_snapshot_end_decode(const void *buf, size_t len,
                                                     tipc_snapshot_end *out);

/* ---- Last-value cache --------------------------------------------------- */

/* The latest tick and news item per symbol, and the last seq of each stream:
 * what a publisher needs to answer a join with a snapshot. */
typedef struct tipc_lvc tipc_lvc; /* opaque */

/* tipc_lvc_create - an empty cache for at most max_symbols symbols (memory
 * grows with the symbols actually put).
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (max_symbols 0 or over TIPC_SYMTAB_MAX); TIPC_ENOMEM.
 * Ownership: caller owns *out; release with tipc_lvc_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_lvc_create(tipc_lvc **out, uint32_t max_symbols);

/* tipc_lvc_destroy - free a cache. NULL is a no-op. */
TIPC_API void tipc_lvc_destroy(tipc_lvc *c);

/* tipc_lvc_put_tick - remember t as the latest tick of its symbol and t->seq
 * as the PRICES stream's last seq; call it for each tick published, in
 * order. The stream's seq moves even when the symbol cannot be cached, so a
 * snapshot never claims an older position than the stream's. One hash probe
 * and a copy; allocates only for a new symbol (amortised doubling).
 * Returns: 0.
 * Errors: TIPC_EINVAL (t->symbol is not a valid symbol); TIPC_ENOSPC
 *   (max_symbols reached: this symbol is not cached); TIPC_ENOMEM.
 * Ownership: t copied. */
TIPC_API TIPC_NODISCARD int tipc_lvc_put_tick(tipc_lvc *c, const tipc_tick *t);

/* tipc_lvc_put_news - as tipc_lvc_put_tick, for a news item and the NEWS
 * stream.
 * Returns, Errors, Ownership: as tipc_lvc_put_tick. */
TIPC_API TIPC_NODISCARD int tipc_lvc_put_news(tipc_lvc *c, const tipc_news *n);

/* tipc_lvc_seqs - the seq of the last tick and news item put (0 for none),
 * which is what SNAPSHOT_END carries. Ownership: copied into *out. */
TIPC_API void tipc_lvc_seqs(const tipc_lvc *c, tipc_snapshot_end *out);

/* tipc_lvc_send_snapshot - queue a snapshot for one joined connection:
 * SNAPSHOT_BEGIN (empty), then for each cached symbol the client may see
 * (hello's symbol filter; every symbol when it has none) its TICK if hello's
 * streams include PRICES and its NEWS if they include NEWS, as put (original
 * seq and times), then SNAPSHOT_END with tipc_lvc_seqs. Symbols come in the
 * order they were first put, each once. Pass the hello of the
 * TIPC_SERVER_JOIN event (streams as granted). Cost: one encode and copy per
 * frame sent; meant for joins, not for the per-tick path.
 * Returns: the number of TICK and NEWS frames queued (>= 0).
 * Errors: those of tipc_server_send: TIPC_EOVERFLOW (the snapshot did not fit
 *   the client's output bound: the server closed it and reports its LEAVE),
 *   TIPC_ENOENT (no such joined connection). Frames queued before the error
 *   stay queued.
 * Ownership: hello borrowed for the call. */
TIPC_API TIPC_NODISCARD int tipc_lvc_send_snapshot(const tipc_lvc *c, tipc_server *srv,
                                                   uint64_t conn, const tipc_hello *hello);

TIPC_END_DECLS

#endif
