/* SPDX-License-Identifier: MIT */
/*
 * CSV market data: a streaming reader for price and news files, and a replay
 * that merges the two by time and paces them for a publisher.
 *
 * File shape: a header line, then rows "timestamp,symbol,value".
 *   prices:  2012-09-04T20:00:00Z,AAPL,96.4243    value = decimal price, <= 4 decimals
 *   news:    2012-09-04T13:30:00Z,AAPL,73         value = sentiment, integer 0..100
 *
 * Timestamps (UTC, converted exactly to ns since the Unix epoch, no locale):
 *   - ISO 8601: YYYY-MM-DDTHH:MM:SS[.f]Z, with 'T' (or 't', or one space) between date
 *     and time, 1 to 9 fraction digits, and a mandatory 'Z' or 'z' (no other zone).
 *     Seconds 00..59 (no leap second); the date must exist (2000-02-29 does, 2100-02-29
 *     does not).
 *   - Epoch integers: 1..11 digits are seconds ("1346788800"), optionally with a fraction
 *     of 1..9 digits ("1346788800.5"); exactly 19 or 20 digits are nanoseconds. 12..18
 *     digits are rejected as ambiguous (milli- or microseconds).
 *   Anything before 1970-01-01T00:00:00Z or past UINT64_MAX ns is rejected.
 *
 * What the reader does with odd input (each skipped row is counted in
 * tipc_csv_stats.rows_skipped and logged at TIPC_LOG_WARN as "<path>:<line>: <reason>";
 * after TIPC_CSV_WARN_MAX such lines, one more says so and later skips are only counted):
 *   - A UTF-8 byte order mark at the start of the file is ignored; CRLF line ends are
 *     accepted; the last line needs no newline.
 *   - The first non-blank line is the header and is not checked, unless it parses as a
 *     valid row: then the file has no header and that line is data (logged at INFO).
 *   - Blank lines (empty or only spaces/tabs) are ignored silently and are not counted
 *     as skipped rows.
 *   - Fields may be wrapped in double quotes ("AAPL"); a quoted field cannot contain a
 *     quote or span lines. Spaces and tabs around a field are ignored.
 *   - Skipped: a number of fields other than 3; a bad timestamp; a symbol that is not
 *     1..TIPC_SYMBOL_MAX bytes of [A-Za-z0-9._-]; a price that is not a plain decimal
 *     (signs, exponents, NaN, inf, more than 4 decimals, overflow) or is <= 0; a
 *     sentiment that is not an integer in 0..100; a line longer than TIPC_CSV_LINE_MAX
 *     bytes (read past in fixed memory, never buffered whole); a line holding a NUL byte;
 *     a timestamp earlier than the previous good row's (equal timestamps are fine), so
 *     the rows returned are in nondecreasing time order.
 *   - A file with no valid row at all (empty, header only, or every row skipped) is an
 *     error: tipc_csv_next returns TIPC_ENODATA at the end instead of 0 and logs the
 *     reason at TIPC_LOG_ERROR.
 *
 * Threads: a tipc_csv or tipc_replay is used by one thread at a time.
 */
#ifndef TRADEIPC_CSV_H
#define TRADEIPC_CSV_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/codec.h>
#include <tradeipc/export.h>
#include <tradeipc/log.h>

TIPC_BEGIN_DECLS

/* Longest line accepted, in bytes, without the line end. Longer lines are skipped. */
#define TIPC_CSV_LINE_MAX 4096
/* Skipped rows logged per file; the rest are only counted. */
#define TIPC_CSV_WARN_MAX 100

/* Longest text tipc_csv_format_time writes, with the NUL: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ". */
#define TIPC_CSV_TIME_MAX 31

typedef struct tipc_csv tipc_csv; /* opaque streaming reader */

typedef enum tipc_csv_kind {
    TIPC_CSV_PRICES = 1, /* value is a price, fixed point (TIPC_PRICE_SCALE), > 0 */
    TIPC_CSV_NEWS = 2    /* value is a sentiment score, TIPC_SENTIMENT_MIN..MAX */
} tipc_csv_kind;

/* One good row. A plain value, safe to copy. */
typedef struct tipc_csv_row {
    uint64_t ts_ns;                   /* ns since the Unix epoch, UTC */
    int64_t value;                    /* price (fixed point) or sentiment, by kind */
    uint64_t line;                    /* 1-based line number in the file */
    char symbol[TIPC_SYMBOL_MAX + 1]; /* NUL-terminated */
} tipc_csv_row;

/* Counters of one reader. lines counts every line read, header and blank lines
 * included; rows_ok + rows_skipped counts the data rows. */
typedef struct tipc_csv_stats {
    uint64_t lines;
    uint64_t rows_ok;
    uint64_t rows_skipped;
} tipc_csv_stats;

/* tipc_csv_open - open a CSV file for reading row by row.
 * log: optional (NULL is silent); copied. Skipped rows are reported through it.
 * Returns: 0 and *out on success.
 * Errors: TIPC_EINVAL (bad kind, or path is a directory), TIPC_ENOMEM, and the open(2)
 *   errors as codes: TIPC_ENOENT, TIPC_EACCES, TIPC_EMFILE, TIPC_ENAMETOOLONG, TIPC_EIO.
 * Ownership: caller owns *out; release with tipc_csv_close(). path is copied. */
TIPC_API TIPC_NODISCARD int tipc_csv_open(tipc_csv **out, const char *path, tipc_csv_kind kind,
                                          const tipc_logger *log);

/* tipc_csv_next - read the next good row, skipping (and logging) bad ones. Memory use
 * is fixed: reading never allocates.
 * Returns: 1 with *row filled; 0 at the end of the file (after at least one good row).
 *   On any return but 1, *row is unspecified.
 * Errors: TIPC_ENODATA at the end when the file held no valid row; TIPC_EIO (or another
 *   read(2) error as a code). Once the end or an error is reached, every further call
 *   returns the same value.
 * Ownership: *row is copied into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_csv_next(tipc_csv *c, tipc_csv_row *row);

/* tipc_csv_get_stats - the reader's counters so far. Ownership: copied into *out. */
TIPC_API void tipc_csv_get_stats(const tipc_csv *c, tipc_csv_stats *out);

/* tipc_csv_close - close the file and free the reader. NULL is allowed. */
TIPC_API void tipc_csv_close(tipc_csv *c);

/* tipc_csv_load - read a whole file into a growable array of good rows.
 * max_rows: a limit on the rows kept (0 means no limit but memory); more is TIPC_ENOSPC.
 * stats: optional; filled on success and on parse errors.
 * Returns: 0 with *rows_out (never NULL on success) and *count_out >= 1.
 * Errors: those of tipc_csv_open and tipc_csv_next (TIPC_ENODATA: no valid row),
 *   TIPC_ENOSPC (more than max_rows good rows), TIPC_ENOMEM.
 * Ownership: caller owns *rows_out; release with tipc_csv_free(). Written on success only. */
TIPC_API TIPC_NODISCARD int tipc_csv_load(const char *path, tipc_csv_kind kind,
                                          const tipc_logger *log, size_t max_rows,
                                          tipc_csv_row **rows_out, size_t *count_out,
                                          tipc_csv_stats *stats);

/* tipc_csv_free - free an array from tipc_csv_load. NULL is allowed. */
TIPC_API void tipc_csv_free(tipc_csv_row *rows);

/* tipc_csv_parse_time - parse one timestamp in any form described at the top of this file.
 * s need not be NUL-terminated; len is its length. No locale, no libc time functions.
 * Returns: 0 with *ns_out. Errors: TIPC_EBADVAL (malformed, impossible date, out of range).
 * Ownership: copied into *ns_out. Threads: safe. */
TIPC_API TIPC_NODISCARD int tipc_csv_parse_time(const char *s, size_t len, uint64_t *ns_out);

/* tipc_csv_format_time - write ns as ISO 8601 UTC: "2012-09-04T20:00:00Z", with a
 * fraction of 9 digits only when ns is not a whole second ("...:00.000000001Z").
 * tipc_csv_parse_time reads it back to the same value.
 * Returns: the length written (without the NUL).
 * Errors: TIPC_ENOSPC when cap is too small (TIPC_CSV_TIME_MAX always suffices); buf then
 *   holds "" if cap > 0. Ownership: written into caller memory. Threads: safe. */
TIPC_API TIPC_NODISCARD int tipc_csv_format_time(uint64_t ns, char *buf, size_t cap);

/*
 * Replay: merge a price file and a news file into one stream of events by time,
 * and release them at a chosen pace. Both files are loaded and checked at open,
 * so tipc_replay_next does no I/O and no allocation: a few comparisons and one copy.
 *
 * Order: by timestamp; on equal timestamps price rows come before news rows; rows
 * of one file keep their file order.
 *
 * Pacing is computed from the now_ns the caller passes (any clock that does not go
 * backwards, normally tipc_time_monotonic_ns()); the first tipc_replay_next call
 * starts the schedule at its now_ns. The library never sleeps: when the next event
 * is not due yet, tipc_replay_next says how long to wait and the caller decides what
 * to do meanwhile. The schedule is absolute: a caller that falls behind gets the
 * overdue events back to back until it has caught up (nothing is dropped, no drift).
 *   TIPC_REPLAY_ASAP        every event is due at once.
 *   TIPC_REPLAY_RATE        event k (from 0, counting across loops) is due at
 *                           start + floor(k * 1e9 / rate) ns.
 *   TIPC_REPLAY_TIMESTAMPS  an event is due at start + floor((ts - ts0) / speed) ns,
 *                           ts0 being the first event's timestamp (speed 86400 plays
 *                           a day of data per second).
 *
 * Looping (opts.loop): at the end the data starts again, forever; ev.pass counts the
 * passes. Event times are the file's timestamps on every pass (they are not shifted, so
 * looping never runs out of time range: a consumer that needs ever-increasing times can
 * order by (pass, event_ns)). For TIMESTAMPS pacing, pass p is scheduled as if its
 * timestamps were shifted by p * (span + gap): span = last ts - first ts, gap =
 * opts.loop_gap_ns or, when that is 0, the smallest positive step between consecutive
 * event timestamps (1 s if all events share one timestamp). So the pace stays smooth
 * across the seam.
 */

typedef struct tipc_replay tipc_replay; /* opaque */

typedef enum tipc_replay_pace {
    TIPC_REPLAY_ASAP = 0,
    TIPC_REPLAY_RATE = 1,
    TIPC_REPLAY_TIMESTAMPS = 2
} tipc_replay_pace;

/* Fastest TIPC_REPLAY_RATE accepted: one event per nanosecond. */
#define TIPC_REPLAY_RATE_MAX 1000000000u
/* Largest TIPC_REPLAY_TIMESTAMPS speed-up accepted: 10^12 (some 30,000 years of data a second). */
#define TIPC_REPLAY_SPEED_MAX 1000000000000ull

typedef struct tipc_replay_opts {
    tipc_replay_pace pace;
    uint64_t rate;          /* RATE: events per second, 1..TIPC_REPLAY_RATE_MAX */
    uint64_t speed;         /* TIMESTAMPS: speed-up, 1..TIPC_REPLAY_SPEED_MAX (1 = real time) */
    int loop;               /* nonzero: start again at the end of the data, forever */
    uint64_t loop_gap_ns;   /* TIMESTAMPS: data time between passes; 0 = automatic */
    size_t max_rows;        /* per file, 0 = no limit (see tipc_csv_load) */
    const tipc_logger *log; /* optional; copied; reports skipped rows while loading */
} tipc_replay_opts;

typedef enum tipc_replay_kind { TIPC_REPLAY_PRICE = 1, TIPC_REPLAY_NEWS = 2 } tipc_replay_kind;

/* One event. tick (kind PRICE) or news (kind NEWS) is filled with symbol, value and
 * event_ns (the file's timestamp, on every pass); send_ns and seq are 0,
 * for the publisher to fill. */
typedef struct tipc_replay_event {
    tipc_replay_kind kind;
    uint64_t pass;   /* 0 on the first pass through the data, 1 on the next, ... */
    uint64_t due_ns; /* when the event was due on the caller's clock */
    uint64_t line;   /* line in its file, for diagnostics */
    union {
        tipc_tick tick;
        tipc_news news;
    };
} tipc_replay_event;

/* tipc_replay_open - load one or both files and prepare the merged stream.
 * prices_path, news_path: either may be NULL, not both.
 * opts: NULL means ASAP, no loop, no limit, silent.
 * Returns: 0 and *out.
 * Errors: TIPC_EINVAL (both paths NULL, bad pace, rate or speed); the errors of
 *   tipc_csv_load for either file (TIPC_ENODATA: a file without a valid row).
 * Ownership: caller owns *out; release with tipc_replay_close(). Written on success only. */
TIPC_API TIPC_NODISCARD int tipc_replay_open(tipc_replay **out, const char *prices_path,
                                             const char *news_path, const tipc_replay_opts *opts);

/* tipc_replay_next - the next event, if it is due at now_ns.
 * wait_ns: optional; on 0, set to how long until the next event is due (> 0).
 * Returns: 1 with *ev; 0 when the next event is not due yet (never in ASAP mode).
 * Errors: TIPC_ENOENT at the end of the data (never when looping), and on every call after.
 * Ownership: *ev is copied into caller memory. Never blocks, never allocates. */
TIPC_API TIPC_NODISCARD int tipc_replay_next(tipc_replay *r, tipc_replay_event *ev, uint64_t now_ns,
                                             uint64_t *wait_ns);

/* tipc_replay_count - events in one pass: price rows + news rows loaded. */
TIPC_API size_t tipc_replay_count(const tipc_replay *r);

/* tipc_replay_stats - the load counters of each file (zeroed for a file not given).
 * Either pointer may be NULL. Ownership: copied. */
TIPC_API void tipc_replay_stats(const tipc_replay *r, tipc_csv_stats *prices, tipc_csv_stats *news);

/* tipc_replay_close - free the replay. NULL is allowed. */
TIPC_API void tipc_replay_close(tipc_replay *r);

TIPC_END_DECLS

#endif
