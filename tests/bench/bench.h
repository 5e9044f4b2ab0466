/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the benchmark programs (tests/bench/bench_*.c): option
 * parsing, CPU pinning, correctness failures, the printed tables and the
 * machine-readable results that `make bench-plots` turns into PNGs.
 *
 * Every benchmark prints the project's figure, the floor measured in the same
 * run and their ratio. Latencies come from tipc_hist, the library's own
 * histogram, so a p99 here means what it means in the launcher's summary.
 * Numbers never decide the exit status: only a failed correctness check does.
 */
#ifndef TIPC_BENCH_H
#define TIPC_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <tradeipc.h>

typedef struct bench_ctx {
    const char *name;    /* program name, for messages */
    int quick;           /* --quick: a few hundred ms, checks only */
    int ncpu;            /* CPUs this process may run on */
    const char *results; /* directory for *.dat files; NULL: none written */
    const char *topdir;  /* source tree (data/) */
    const char *bindir;  /* build tree (tradeipc-* programs) */
} bench_ctx;

/* Parse --quick, --results DIR, --topdir DIR, --bindir DIR, --help. */
void bench_init(bench_ctx *c, const char *name, int argc, char **argv);

/* Pin the calling thread (and what it forks later) to cpu % ncpu. Returns the
 * CPU used, or -1 when pinning is not possible (one CPU, or refused). */
int bench_pin(const bench_ctx *c, int cpu);

#define BENCH_UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline uint64_t
bench_ns(void)
{
    return tipc_time_monotonic_ns();
}

/* A correctness failure: print "FAIL <name>: ..." and exit 1 (children _exit 1). */
void bench_fail(const char *fmt, ...) TIPC_PRINTF(1, 2) __attribute__((noreturn));
#define BENCH_OK(expr)                                                                             \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ < 0)                                                                               \
            bench_fail("%s:%d: %s: %s (%s)", __FILE__, __LINE__, #expr, tipc_strerror(rc_),        \
                       tipc_err_name(rc_));                                                        \
    } while (0)
#define BENCH_CHECK(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond))                                                                               \
            bench_fail(__VA_ARGS__);                                                               \
    } while (0)

tipc_hist *bench_hist(void);

/* Memory shared with forked children (MAP_SHARED | MAP_ANONYMOUS), zeroed. */
void *bench_shared(size_t size);
void bench_unshare(void *p, size_t size);

/* A child's histogram travels to the parent as tipc_hist_dump text. */
#define BENCH_HIST_TEXT (256 * 1024)
void bench_hist_put(char *text, const tipc_hist *h);
void bench_hist_get(tipc_hist *h, const char *text);

/* CPU time used so far, in ns: pid 0 is this process, all threads
 * (getrusage); another pid is that process's main thread
 * (/proc/<pid>/schedstat). 0 when unknown. */
uint64_t bench_cpu_ns(pid_t pid);

/* Wait for a child; fail unless it exited 0. */
void bench_wait(pid_t pid, const char *what);

/* fork + exec argv[0] with CPU affinity cpu (-1: any CPU), stdout and stderr
 * appended to out_path (NULL: inherited), in a process group of its own (stop
 * it with kill(-pid, sig)). Returns the pid. */
pid_t bench_spawn(const bench_ctx *c, int cpu, char *const argv[], const char *out_path);
/* Wait up to 10 s for a server to write its port into path (written with a
 * rename, so complete when it exists); fail if pid exits first. */
int bench_read_port(const char *path, pid_t pid);

/* ---- Output ------------------------------------------------------------- */

void bench_section(const char *title);
void bench_note(const char *fmt, ...) TIPC_PRINTF(1, 2);

/* Latency table: header, then one row per histogram. floor may be NULL;
 * otherwise the row ends with p50 and p99 as multiples of the floor's. */
void bench_lat_header(void);
void bench_lat_row(const char *label, const tipc_hist *h, const tipc_hist *floor);

/* "12.3us" etc. into a static rotating buffer (for printf). */
const char *bench_fmt_ns(double ns);
/* "12.34M" / "850.0k" for rates. */
const char *bench_fmt_rate(double per_s);

/* Percentile curve of h for gnuplot: columns "percentile 1/(1-p) ns". */
void bench_curve(const bench_ctx *c, const char *file, const tipc_hist *h);
/* Open results/<file> for writing (NULL when results are off). header is
 * written as a "# ..." line. */
FILE *bench_dat(const bench_ctx *c, const char *file, const char *header);
/* Append "key value" to results/summary.txt, read by run-bench.sh's targets table. */
void bench_summary(const bench_ctx *c, const char *key, double value);

/* ---- Small helpers shared by several benchmarks ------------------------- */

/* Real ticks from data/prices.csv: encoded payloads (msgpack, seq 1..n) and
 * the same as frames (5-byte header + payload) laid out back to back. */
typedef struct bench_ticks {
    size_t n;
    tipc_tick *tick;      /* what each payload decodes to */
    uint8_t *payload;     /* n * TIPC_TICK_ENCODED_MAX, payload i at i * TIPC_TICK_ENCODED_MAX */
    uint8_t *len;         /* payload length i */
    uint8_t *frames;      /* all frames back to back, and again (so a batch never wraps) */
    size_t *frame_off;    /* offset of frame i in frames; frame_off[n] = total */
    size_t payload_bytes; /* sum of len */
} bench_ticks;

void bench_ticks_load(const bench_ctx *c, bench_ticks *t, size_t max);
void bench_ticks_free(bench_ticks *t);
/* Whether a decoded tick equals tick k of the ring (any lap). */
int bench_tick_equal(const tipc_tick *a, const tipc_tick *b);

/* TCP on 127.0.0.1: a listener on a free port, connect, accept; all with
 * TCP_NODELAY. Fail on error. */
int bench_tcp_listen(int *port);
int bench_tcp_connect(int port);
int bench_tcp_accept(int lfd);
/* Write / read exactly n bytes (blocking); fail on error or EOF. */
void bench_write_all(int fd, const void *buf, size_t n);
void bench_read_all(int fd, void *buf, size_t n);

#endif
