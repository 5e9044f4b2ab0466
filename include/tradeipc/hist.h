/* SPDX-License-Identifier: MIT */
/*
 * Measurement: a latency histogram and a throughput meter. The gateway's
 * periodic report, the launcher's summary and the benchmarks all use these, so
 * a "p99" or an "MB/s" means the same thing everywhere.
 *
 * tipc_hist is a log-linear histogram in the manner of HdrHistogram, over the
 * whole uint64_t range of nanoseconds: values 0..127 are counted exactly; above
 * that each power of two [2^e, 2^(e+1)) is cut into 128 equal buckets. A value
 * reported back (a percentile) is the middle of its bucket, clamped to the exact
 * min and max, so its relative error is below 1/256 (0.4%). Memory is fixed at
 * creation (about 58 KiB); recording is a few instructions and never allocates.
 *
 * Threads: a tipc_hist or tipc_meter is used by one thread at a time; give each
 * thread its own histogram and tipc_hist_merge them afterwards.
 */
#ifndef TRADEIPC_HIST_H
#define TRADEIPC_HIST_H

#include <stddef.h>
#include <stdint.h>

#include <tradeipc/export.h>

TIPC_BEGIN_DECLS

typedef struct tipc_hist tipc_hist; /* opaque */

/* tipc_hist_create - an empty histogram.
 * Returns: 0 and *out. Errors: TIPC_ENOMEM.
 * Ownership: caller owns *out; release with tipc_hist_destroy(). */
TIPC_API TIPC_NODISCARD int tipc_hist_create(tipc_hist **out);

/* tipc_hist_destroy - free a histogram. NULL is allowed. */
TIPC_API void tipc_hist_destroy(tipc_hist *h);

/* tipc_hist_record - count one value (nanoseconds, or any uint64_t). O(1), no allocation. */
TIPC_API void tipc_hist_record(tipc_hist *h, uint64_t ns);

/* tipc_hist_reset - forget every value. */
TIPC_API void tipc_hist_reset(tipc_hist *h);

/* tipc_hist_count - values recorded. */
TIPC_API uint64_t tipc_hist_count(const tipc_hist *h);

/* tipc_hist_min, tipc_hist_max - the exact smallest and largest values; 0 when empty. */
TIPC_API uint64_t tipc_hist_min(const tipc_hist *h);
TIPC_API uint64_t tipc_hist_max(const tipc_hist *h);

/* tipc_hist_mean - the exact mean (from an exact 128-bit sum), as a double; 0 when empty. */
TIPC_API double tipc_hist_mean(const tipc_hist *h);

/* tipc_hist_percentile - the value below or at which p percent of the values lie:
 * the value of rank ceil(p / 100 * count) (at least 1) in sorted order, to within the
 * bucket precision above. p is taken to 7 decimals and clamped to 0..100; 0 gives the min, 100 the
 * max. Returns: the value; 0 when empty. Cost: a scan of the buckets (reporting, not hot path). */
TIPC_API uint64_t tipc_hist_percentile(const tipc_hist *h, double p);

/* tipc_hist_merge - add every value of src to dst, as if recorded there. */
TIPC_API void tipc_hist_merge(tipc_hist *dst, const tipc_hist *src);

/* tipc_hist_format - one summary line, units chosen per value by tipc_hist_format_ns:
 *   "n=1000 p50=12.3us p99=45.6us p99.9=50.1us max=60.0us"   ("n=0" when empty)
 * Returns: the length written (without the NUL).
 * Errors: TIPC_ENOSPC when cap is too small (buf holds a cut, NUL-terminated line if cap > 0;
 *   128 bytes always suffice). Ownership: written into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_hist_format(const tipc_hist *h, char *buf, size_t cap);

/* tipc_hist_format_ns - a duration with an automatic unit: "850ns", "12.3us", "4.5ms",
 * "1.2s" (one decimal above 1 us, rounded half up; the unit is the largest that keeps the
 * number >= 1).
 * Returns: the length written. Errors: TIPC_ENOSPC as tipc_hist_format (32 bytes suffice). */
TIPC_API TIPC_NODISCARD int tipc_hist_format_ns(uint64_t ns, char *buf, size_t cap);

/* tipc_hist_dump - the histogram as one line of text, for another process to
 * tipc_hist_load (e.g. a child reporting to its parent). No trailing newline:
 *   "tipc-hist/1 n=3 min=5 max=900 sum=0:917 b=5:1,12:1,481:1"
 * (sum is the 128-bit sum as high:low; b lists bucket:count for nonzero buckets).
 * Returns: 0 with *len the length written (without the NUL).
 * Errors: TIPC_ENOSPC when cap is too small: *len is then the length needed (allocate
 *   *len + 1) and buf holds "" if cap > 0.
 * Ownership: written into caller memory. */
TIPC_API TIPC_NODISCARD int tipc_hist_dump(const tipc_hist *h, char *buf, size_t cap, size_t *len);

/* tipc_hist_load - add a tipc_hist_dump line to h (as tipc_hist_merge does; reset h first
 * to replace). Trailing spaces and a line end are accepted. The text is checked in full
 * (format, bucket order and range, counts summing to n, min and max in the first and last
 * buckets) before h is touched.
 * Returns: 0. Errors: TIPC_EPROTO (malformed: h unchanged), TIPC_ERANGE (the total count
 *   would overflow: h unchanged).
 * Ownership: text borrowed for the call; need not be NUL-terminated. */
TIPC_API TIPC_NODISCARD int tipc_hist_load(tipc_hist *h, const char *text, size_t len);

/*
 * tipc_meter: events and bytes per interval and since the start. Times are the
 * caller's (any clock that does not go backwards, normally tipc_time_monotonic_ns()).
 * Rates are per second; MB is 10^6 bytes. A plain struct so it can live on the
 * stack or inside another object: its fields are private; read them through
 * tipc_meter_poll and tipc_meter_summary.
 */
typedef struct tipc_meter {
    uint64_t start_ns;          /* tipc_meter_init */
    uint64_t interval_start_ns; /* start of the open interval */
    uint64_t last_ns;           /* latest time seen by add or poll */
    uint64_t events, bytes;     /* since start */
    uint64_t interval_events, interval_bytes;
} tipc_meter;

typedef struct tipc_meter_report {
    /* The interval: from the previous report (or the start) to now. */
    uint64_t interval_ns;
    uint64_t events;
    uint64_t bytes;
    double events_per_s; /* 0 when interval_ns is 0 */
    double mb_per_s;
    /* Since tipc_meter_init. */
    uint64_t elapsed_ns;
    uint64_t total_events;
    uint64_t total_bytes;
    double avg_events_per_s; /* 0 when elapsed_ns is 0 */
    double avg_mb_per_s;
} tipc_meter_report;

/* tipc_meter_init - start metering at now_ns. Ownership: caller owns *m (no fini needed). */
TIPC_API void tipc_meter_init(tipc_meter *m, uint64_t now_ns);

/* tipc_meter_add - count n events carrying bytes bytes in total, happening at now_ns.
 * now_ns advances the meter's notion of "last activity", which tipc_meter_summary ends at. */
TIPC_API void tipc_meter_add(tipc_meter *m, uint64_t n, uint64_t bytes, uint64_t now_ns);

/* tipc_meter_poll - close the interval if at least interval_ns has passed since it opened.
 * A caller that polls late gets one longer interval (interval_ns in the report is the
 * real length), and the next interval opens at now_ns.
 * Returns: 1 with *out filled (totals since init up to now_ns); 0 when the interval is
 * still open (*out untouched). */
TIPC_API int tipc_meter_poll(tipc_meter *m, uint64_t now_ns, uint64_t interval_ns,
                             tipc_meter_report *out);

/* tipc_meter_summary - a report up to the last activity (the latest now_ns given to add or
 * poll), without closing the interval: the interval part covers the open interval, the
 * totals part everything since init. For end-of-run summaries. */
TIPC_API void tipc_meter_summary(const tipc_meter *m, tipc_meter_report *out);

/* tipc_meter_format - one line for logs:
 *   "1000000 ev/s 48.00 MB/s (total 5000000 ev 240.00 MB in 5.000 s, avg 1000000 ev/s 48.00 MB/s)"
 * Rates are rounded to whole events and to 0.01 MB/s.
 * Returns: the length written. Errors: TIPC_ENOSPC as tipc_hist_format (256 bytes always suffice).
 */
TIPC_API TIPC_NODISCARD int tipc_meter_format(const tipc_meter_report *r, char *buf, size_t cap);

TIPC_END_DECLS

#endif
