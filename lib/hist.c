/* SPDX-License-Identifier: MIT */
/*
 * Latency histogram and throughput meter. The histogram's bucket index is
 * computed from the position of the value's top bit (one clz) and the next 7
 * bits, so recording is branch-light and allocation-free; the bucket layout is
 * fixed, which is what lets a dump from one process merge into another's
 * histogram. Percentiles use integer ranks (p is taken in parts per billion)
 * so that "p99.9 of 1000 values" is rank 999 exactly, not whatever 99.9/100
 * happens to round to in binary.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
/* Group 0 holds 0..SUB-1 exactly; group g >= 1 holds [2^(g+6), 2^(g+7)) in SUB steps. */
#define NBUCKETS ((64 - SUB_BITS + 1) * SUB)
#define DUMP_MAGIC "tipc-hist/1"
#define PPB 1000000000ull

struct tipc_hist {
    uint64_t count;
    uint64_t min, max;
    uint64_t sum_hi, sum_lo; /* 128-bit sum, so the mean is exact */
    uint64_t b[NBUCKETS];
};

static inline unsigned
bucket_of(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
    return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

static void
bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
    unsigned g = i / SUB, s = i % SUB;
    if (g == 0) {
        *lo = s;
        *width = 1;
        return;
    }
    *lo = (uint64_t)(SUB + s) << (g - 1);
    *width = 1ull << (g - 1);
}

int
tipc_hist_create(tipc_hist **out)
{
    tipc_hist *h;

    assert(out != NULL);
    h = malloc(sizeof *h);
    if (h == NULL)
        return TIPC_ENOMEM;
    tipc_hist_reset(h);
    *out = h;
    return 0;
}

void
tipc_hist_destroy(tipc_hist *h)
{
    free(h);
}

void
tipc_hist_reset(tipc_hist *h)
{
    assert(h != NULL);
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static inline void
add_sum(tipc_hist *h, uint64_t hi, uint64_t lo)
{
    h->sum_lo += lo;
    h->sum_hi += hi + (h->sum_lo < lo);
}

void
tipc_hist_record(tipc_hist *h, uint64_t ns)
{
    assert(h != NULL);
    h->b[bucket_of(ns)]++;
    h->count++;
    if (ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
    add_sum(h, 0, ns);
}

uint64_t
tipc_hist_count(const tipc_hist *h)
{
    return h->count;
}

uint64_t
tipc_hist_min(const tipc_hist *h)
{
    return h->count == 0 ? 0 : h->min;
}

uint64_t
tipc_hist_max(const tipc_hist *h)
{
    return h->max;
}

double
tipc_hist_mean(const tipc_hist *h)
{
    if (h->count == 0)
        return 0.0;
    return ((double)h->sum_hi * 18446744073709551616.0 + (double)h->sum_lo) / (double)h->count;
}

uint64_t
tipc_hist_percentile(const tipc_hist *h, double p)
{
    uint64_t ppb, rank, cum = 0;

    assert(h != NULL);
    if (h->count == 0)
        return 0;
    if (!(p > 0.0)) /* also NaN */
        return h->min;
    if (p >= 100.0)
        return h->max;
    ppb = (uint64_t)(p * 1e7 + 0.5); /* p to 7 decimals, in parts per billion */
    /* rank = ceil(count * ppb / 1e9), split so nothing overflows: count = q * 1e9 + r. */
    rank = h->count / PPB * ppb + (h->count % PPB * ppb + PPB - 1) / PPB;
    if (rank <= 1)
        return h->min;
    if (rank >= h->count)
        return h->max;
    for (unsigned i = 0; i < NBUCKETS; i++) {
        cum += h->b[i];
        if (cum >= rank) {
            uint64_t lo, width, v;
            bucket_range(i, &lo, &width);
            v = lo + (width - 1) / 2;
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max; /* not reached: the buckets sum to count */
}

void
tipc_hist_merge(tipc_hist *dst, const tipc_hist *src)
{
    assert(dst != NULL && src != NULL);
    if (src->count == 0)
        return;
    for (unsigned i = 0; i < NBUCKETS; i++)
        dst->b[i] += src->b[i];
    dst->count += src->count;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    add_sum(dst, src->sum_hi, src->sum_lo);
}

/* Copy a finished line out, snprintf-style but with the library's return convention. */
static int
emit(const char *line, int n, char *buf, size_t cap)
{
    if (n < 0 || (size_t)n >= cap) {
        if (buf != NULL && cap > 0) {
            size_t keep = strlen(line) < cap - 1 ? strlen(line) : cap - 1;
            memcpy(buf, line, keep);
            buf[keep] = '\0';
        }
        return TIPC_ENOSPC;
    }
    memcpy(buf, line, (size_t)n + 1);
    return n;
}

int
tipc_hist_format_ns(uint64_t ns, char *buf, size_t cap)
{
    static const struct {
        uint64_t div;
        const char *unit;
    } units[] = {{1000ull, "us"}, {1000000ull, "ms"}, {1000000000ull, "s"}};
    char line[40];
    int n = 0;

    if (ns < 1000) {
        n = snprintf(line, sizeof line, "%lluns", (unsigned long long)ns);
    } else {
        for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
            uint64_t d = units[u].div / 10;
            uint64_t tenths = ns / d + (ns % d >= d / 2); /* half up, no overflow */
            if (tenths < 10000 || u + 1 == sizeof units / sizeof units[0]) {
                n = snprintf(line, sizeof line, "%llu.%llu%s", (unsigned long long)(tenths / 10),
                             (unsigned long long)(tenths % 10), units[u].unit);
                break;
            }
        }
    }
    return emit(line, n, buf, cap);
}

int
tipc_hist_format(const tipc_hist *h, char *buf, size_t cap)
{
    char line[160], p50[32], p99[32], p999[32], mx[32];
    int n;

    assert(h != NULL);
    if (h->count == 0) {
        n = snprintf(line, sizeof line, "n=0");
    } else {
        (void)!tipc_hist_format_ns(tipc_hist_percentile(h, 50.0), p50, sizeof p50);
        (void)!tipc_hist_format_ns(tipc_hist_percentile(h, 99.0), p99, sizeof p99);
        (void)!tipc_hist_format_ns(tipc_hist_percentile(h, 99.9), p999, sizeof p999);
        (void)!tipc_hist_format_ns(h->max, mx, sizeof mx);
        n = snprintf(line, sizeof line, "n=%llu p50=%s p99=%s p99.9=%s max=%s",
                     (unsigned long long)h->count, p50, p99, p999, mx);
    }
    return emit(line, n, buf, cap);
}

/* ---- dump and load ------------------------------------------------------------------------- */

/* Append formatted text if it fits; always count its length. */
typedef struct sink {
    char *buf;
    size_t cap, len;
} sink;

static void put(sink *s, const char *fmt, ...) TIPC_PRINTF(2, 3);

static void
put(sink *s, const char *fmt, ...)
{
    char tmp[192]; /* the header line with five 20-digit numbers is 134 bytes */
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < sizeof tmp);
    if (s->len + (size_t)n < s->cap)
        memcpy(s->buf + s->len, tmp, (size_t)n + 1);
    s->len += (size_t)n;
}

int
tipc_hist_dump(const tipc_hist *h, char *buf, size_t cap, size_t *len)
{
    sink s = {buf, cap, 0};
    const char *sep = "";

    assert(h != NULL && len != NULL && (buf != NULL || cap == 0));
    put(&s, DUMP_MAGIC " n=%llu min=%llu max=%llu sum=%llu:%llu b=", (unsigned long long)h->count,
        (unsigned long long)tipc_hist_min(h), (unsigned long long)h->max,
        (unsigned long long)h->sum_hi, (unsigned long long)h->sum_lo);
    for (unsigned i = 0; i < NBUCKETS; i++) {
        if (h->b[i] == 0)
            continue;
        put(&s, "%s%u:%llu", sep, i, (unsigned long long)h->b[i]);
        sep = ",";
    }
    *len = s.len;
    if (s.len >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return TIPC_ENOSPC;
    }
    return 0;
}

typedef struct cursor {
    const char *p, *end;
} cursor;

static int
lit(cursor *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int
num(cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = c->p;

    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == start || c->p - start > 20)
        return -1;
    *out = v;
    return 0;
}

/* Parse a dump; with apply == NULL only check it, else add it to apply. */
static int
load_pass(const char *text, size_t len, tipc_hist *apply)
{
    cursor c = {text, text + len};
    uint64_t n, mn, mx, hi, lo, total = 0, idx, cnt;
    long prev = -1;
    unsigned first = 0, last = 0;

    if (lit(&c, DUMP_MAGIC " n=") || num(&c, &n) || lit(&c, " min=") || num(&c, &mn) ||
        lit(&c, " max=") || num(&c, &mx) || lit(&c, " sum=") || num(&c, &hi) || lit(&c, ":") ||
        num(&c, &lo) || lit(&c, " b="))
        return TIPC_EPROTO;
    while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
        if (num(&c, &idx) || lit(&c, ":") || num(&c, &cnt))
            return TIPC_EPROTO;
        if (idx >= NBUCKETS || (long)idx <= prev || cnt == 0 || total > UINT64_MAX - cnt)
            return TIPC_EPROTO;
        if (prev < 0)
            first = (unsigned)idx;
        last = (unsigned)idx;
        prev = (long)idx;
        total += cnt;
        if (apply != NULL)
            apply->b[idx] += cnt;
        if (c.p == c.end || *c.p != ',')
            break;
        c.p++; /* another bucket must follow */
        if (c.p == c.end || *c.p < '0' || *c.p > '9')
            return TIPC_EPROTO;
    }
    while (c.p < c.end && (*c.p == ' ' || *c.p == '\t' || *c.p == '\r' || *c.p == '\n'))
        c.p++;
    if (c.p != c.end || total != n)
        return TIPC_EPROTO;
    if (n == 0 ? (mn != 0 || mx != 0 || hi != 0 || lo != 0)
               : (mn > mx || bucket_of(mn) != first || bucket_of(mx) != last))
        return TIPC_EPROTO;
    if (apply != NULL && n > 0) {
        apply->count += n;
        if (mn < apply->min)
            apply->min = mn;
        if (mx > apply->max)
            apply->max = mx;
        add_sum(apply, hi, lo);
    }
    return 0;
}

int
tipc_hist_load(tipc_hist *h, const char *text, size_t len)
{
    cursor c = {text, text + len};
    uint64_t n;
    int rc;

    assert(h != NULL && (text != NULL || len == 0));
    rc = load_pass(text, len, NULL);
    if (rc != 0)
        return rc;
    if (lit(&c, DUMP_MAGIC " n=") == 0 && num(&c, &n) == 0 && h->count > UINT64_MAX - n)
        return TIPC_ERANGE;
    return load_pass(text, len, h);
}

/* ---- meter --------------------------------------------------------------------------------- */

void
tipc_meter_init(tipc_meter *m, uint64_t now_ns)
{
    assert(m != NULL);
    memset(m, 0, sizeof *m);
    m->start_ns = m->interval_start_ns = m->last_ns = now_ns;
}

void
tipc_meter_add(tipc_meter *m, uint64_t n, uint64_t bytes, uint64_t now_ns)
{
    assert(m != NULL);
    m->events += n;
    m->bytes += bytes;
    m->interval_events += n;
    m->interval_bytes += bytes;
    if (now_ns > m->last_ns)
        m->last_ns = now_ns;
}

static double
per_s(uint64_t count, uint64_t ns)
{
    return ns == 0 ? 0.0 : (double)count * 1e9 / (double)ns;
}

static void
fill(const tipc_meter *m, uint64_t now_ns, tipc_meter_report *out)
{
    out->interval_ns = now_ns > m->interval_start_ns ? now_ns - m->interval_start_ns : 0;
    out->events = m->interval_events;
    out->bytes = m->interval_bytes;
    out->events_per_s = per_s(out->events, out->interval_ns);
    out->mb_per_s = per_s(out->bytes, out->interval_ns) / 1e6;
    out->elapsed_ns = now_ns > m->start_ns ? now_ns - m->start_ns : 0;
    out->total_events = m->events;
    out->total_bytes = m->bytes;
    out->avg_events_per_s = per_s(out->total_events, out->elapsed_ns);
    out->avg_mb_per_s = per_s(out->total_bytes, out->elapsed_ns) / 1e6;
}

int
tipc_meter_poll(tipc_meter *m, uint64_t now_ns, uint64_t interval_ns, tipc_meter_report *out)
{
    assert(m != NULL && out != NULL);
    if (now_ns > m->last_ns)
        m->last_ns = now_ns;
    if (now_ns < m->interval_start_ns || now_ns - m->interval_start_ns < interval_ns)
        return 0;
    fill(m, now_ns, out);
    m->interval_start_ns = now_ns;
    m->interval_events = 0;
    m->interval_bytes = 0;
    return 1;
}

void
tipc_meter_summary(const tipc_meter *m, tipc_meter_report *out)
{
    assert(m != NULL && out != NULL);
    fill(m, m->last_ns, out);
}

int
tipc_meter_format(const tipc_meter_report *r, char *buf, size_t cap)
{
    char line[256];
    int n;

    assert(r != NULL);
    n = snprintf(line, sizeof line,
                 "%.0f ev/s %.2f MB/s (total %llu ev %.2f MB in %.3f s, avg %.0f ev/s %.2f MB/s)",
                 r->events_per_s, r->mb_per_s, (unsigned long long)r->total_events,
                 (double)r->total_bytes / 1e6, (double)r->elapsed_ns / 1e9, r->avg_events_per_s,
                 r->avg_mb_per_s);
    return emit(line, n, buf, cap);
}
