/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the benchmark programs: options, pinning, failure
 * handling, tables and results files (see bench.h). Children are forked
 * after stdout has been flushed, and they leave with _exit, so no line is
 * ever printed twice.
 */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *bench_name = "bench";
static pid_t main_pid;
static cpu_set_t allowed; /* the CPUs we started with, before any pinning */

void
bench_init(bench_ctx *c, const char *name, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"quick", no_argument, NULL, 'q'},        {"results", required_argument, NULL, 'r'},
        {"topdir", required_argument, NULL, 't'}, {"bindir", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int opt;

    memset(c, 0, sizeof *c);
    c->name = bench_name = name;
    c->topdir = TIPC_BENCH_TOPDIR;
    c->bindir = TIPC_BENCH_BUILDDIR;
    main_pid = getpid();
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'q':
            c->quick = 1;
            break;
        case 'r':
            c->results = optarg;
            break;
        case 't':
            c->topdir = optarg;
            break;
        case 'b':
            c->bindir = optarg;
            break;
        case 'h':
            printf("usage: %s [--quick] [--results DIR] [--topdir DIR] [--bindir DIR]\n"
                   "  --quick        run briefly: correctness checks only, numbers are noise\n"
                   "  --results DIR  write machine-readable results (*.dat) into DIR\n"
                   "  --topdir DIR   source tree (for data/prices.csv)\n"
                   "  --bindir DIR   build tree (for the tradeipc-* programs)\n",
                   name);
            exit(0);
        default:
            fprintf(stderr, "%s: unknown option (try --help)\n", name);
            exit(2);
        }
    }
    if (c->results != NULL && mkdir(c->results, 0777) < 0 && errno != EEXIST)
        bench_fail("cannot create %s: %s", c->results, strerror(errno));
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) < 0)
        CPU_SET(0, &allowed);
    c->ncpu = CPU_COUNT(&allowed);
    setvbuf(stdout, NULL, _IOLBF, 0);
}

int
bench_pin(const bench_ctx *c, int cpu)
{
    int n = 0;

    if (c->ncpu < 2)
        return -1;
    /* The cpu-th CPU among those allowed at start, so a restricted cpuset works too. */
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &allowed))
            continue;
        if (n++ == cpu % c->ncpu) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(i, &one);
            return sched_setaffinity(0, sizeof one, &one) == 0 ? i : -1;
        }
    }
    return -1;
}

void
bench_fail(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "FAIL %s: ", bench_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (getpid() != main_pid)
        _exit(1);
    exit(1);
}

tipc_hist *
bench_hist(void)
{
    tipc_hist *h;

    BENCH_OK(tipc_hist_create(&h));
    return h;
}

void *
bench_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        bench_fail("mmap %zu bytes: %s", size, strerror(errno));
    return p;
}

void
bench_unshare(void *p, size_t size)
{
    if (p != NULL)
        munmap(p, size);
}

void
bench_hist_put(char *text, const tipc_hist *h)
{
    size_t len;

    BENCH_OK(tipc_hist_dump(h, text, BENCH_HIST_TEXT, &len));
}

void
bench_hist_get(tipc_hist *h, const char *text)
{
    BENCH_OK(tipc_hist_load(h, text, strlen(text)));
}

uint64_t
bench_cpu_ns(pid_t pid)
{
    char path[64], text[128];
    unsigned long long ns = 0;
    ssize_t n;
    int fd;

    if (pid == 0) { /* every thread of this process (ZeroMQ has its own) */
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
               (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
    }
    snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return 0;
    text[n] = '\0';
    return sscanf(text, "%llu", &ns) == 1 ? ns : 0;
}

void
bench_wait(pid_t pid, const char *what)
{
    int st;

    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            bench_fail("waitpid(%s): %s", what, strerror(errno));
    if (WIFSIGNALED(st))
        bench_fail("%s killed by signal %d", what, WTERMSIG(st));
    if (WEXITSTATUS(st) != 0)
        bench_fail("%s exited with status %d", what, WEXITSTATUS(st));
}

pid_t
bench_spawn(const bench_ctx *c, int cpu, char *const argv[], const char *out_path)
{
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) < 0)
        bench_fail("fork: %s", strerror(errno));
    if (pid > 0) {
        (void)setpgid(pid, pid); /* also done in the child: whichever runs first */
        return pid;
    }
    (void)setpgid(0, 0); /* its own group, so a BENCH_WRAP profiler is signalled too */
    if (cpu >= 0)
        bench_pin(c, cpu);
    if (out_path != NULL) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            bench_fail("%s: %s", out_path, strerror(errno));
    }
    unsetenv("TIPC_READY_FD");
    /* BENCH_WRAP="valgrind --tool=callgrind ..." runs the program under a
     * profiler (see doc/performance.md). */
    const char *wrap = getenv("BENCH_WRAP");
    if (wrap != NULL && *wrap != '\0') {
        static char words[4096];
        char *wv[64], *save = NULL;
        int n = 0;
        snprintf(words, sizeof words, "%s", wrap);
        for (char *w = strtok_r(words, " ", &save); w != NULL && n < 32;
             w = strtok_r(NULL, " ", &save))
            wv[n++] = w;
        for (int i = 0; argv[i] != NULL && n < 63; i++)
            wv[n++] = argv[i];
        wv[n] = NULL;
        execvp(wv[0], wv);
        bench_fail("exec %s: %s", wv[0], strerror(errno));
    }
    execv(argv[0], argv);
    bench_fail("exec %s: %s", argv[0], strerror(errno));
}

int
bench_read_port(const char *path, pid_t pid)
{
    uint64_t until = bench_ns() + 10000000000ull;
    int port = 0, st;

    for (;;) {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            int ok = fscanf(f, "%d", &port) == 1;
            fclose(f);
            if (ok && port > 0)
                return port;
        }
        if (waitpid(pid, &st, WNOHANG) == pid)
            bench_fail("pid %ld exited (status %d) before writing %s", (long)pid, st, path);
        BENCH_CHECK(bench_ns() < until, "no port in %s after 10 s", path);
        usleep(2000);
    }
}

/* ---- Output ------------------------------------------------------------- */

void
bench_section(const char *title)
{
    printf("\n== %s ==\n", title);
}

void
bench_note(const char *fmt, ...)
{
    va_list ap;

    fputs("   ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

const char *
bench_fmt_ns(double ns)
{
    static char buf[8][32];
    static int k;
    char *b = buf[k++ & 7];

    if (ns < 1000)
        snprintf(b, 32, ns < 100 ? "%.1fns" : "%.0fns", ns);
    else if (ns < 1e6)
        snprintf(b, 32, "%.1fus", ns / 1e3);
    else if (ns < 1e9)
        snprintf(b, 32, "%.2fms", ns / 1e6);
    else
        snprintf(b, 32, "%.2fs", ns / 1e9);
    return b;
}

const char *
bench_fmt_rate(double r)
{
    static char buf[8][32];
    static int k;
    char *b = buf[k++ & 7];

    if (r >= 1e6)
        snprintf(b, 32, "%.2fM", r / 1e6);
    else if (r >= 1e3)
        snprintf(b, 32, "%.1fk", r / 1e3);
    else
        snprintf(b, 32, "%.0f", r);
    return b;
}

void
bench_lat_header(void)
{
    printf("   %-40s %8s %9s %9s %9s %9s %7s %7s\n", "path", "n", "p50", "p99", "p99.9", "max",
           "p50 x", "p99 x");
}

void
bench_lat_row(const char *label, const tipc_hist *h, const tipc_hist *floor)
{
    printf("   %-40s %8llu %9s %9s %9s %9s", label, (unsigned long long)tipc_hist_count(h),
           bench_fmt_ns((double)tipc_hist_percentile(h, 50)),
           bench_fmt_ns((double)tipc_hist_percentile(h, 99)),
           bench_fmt_ns((double)tipc_hist_percentile(h, 99.9)),
           bench_fmt_ns((double)tipc_hist_max(h)));
    if (floor != NULL && floor != h && tipc_hist_count(floor) > 0)
        printf(" %6.2fx %6.2fx",
               (double)tipc_hist_percentile(h, 50) / (double)tipc_hist_percentile(floor, 50),
               (double)tipc_hist_percentile(h, 99) / (double)tipc_hist_percentile(floor, 99));
    else if (floor == h)
        printf(" %7s %7s", "floor", "floor");
    putchar('\n');
}

FILE *
bench_dat(const bench_ctx *c, const char *file, const char *header)
{
    char path[4096];
    FILE *f;

    if (c->results == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", c->results, file);
    if ((f = fopen(path, "w")) == NULL)
        bench_fail("cannot write %s: %s", path, strerror(errno));
    if (header != NULL)
        fprintf(f, "# %s\n", header);
    return f;
}

void
bench_curve(const bench_ctx *c, const char *file, const tipc_hist *h)
{
    static const double ps[] = {0,    10,    20,   30,    40,    50,     60,     70, 75,
                                80,   85,    90,   92.5,  95,    96,     97,     98, 99,
                                99.5, 99.75, 99.9, 99.95, 99.99, 99.995, 99.999, 100};
    FILE *f = bench_dat(c, file, "percentile  x=1/(1-p)  latency_ns");

    if (f == NULL || tipc_hist_count(h) == 0) {
        if (f != NULL)
            fclose(f);
        return;
    }
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double p = ps[i];
        /* Only percentiles the sample size can resolve. */
        if (p < 100 && (100.0 - p) / 100.0 * (double)tipc_hist_count(h) < 1.0)
            continue;
        fprintf(f, "%g %g %llu\n", p, p >= 100 ? 1e6 : 100.0 / (100.0 - p),
                (unsigned long long)tipc_hist_percentile(h, p));
    }
    fclose(f);
}

void
bench_summary(const bench_ctx *c, const char *key, double value)
{
    char path[4096];
    FILE *f;

    if (c->results == NULL)
        return;
    snprintf(path, sizeof path, "%s/summary.txt", c->results);
    if ((f = fopen(path, "a")) == NULL)
        bench_fail("cannot write %s: %s", path, strerror(errno));
    fprintf(f, "%s %.6g\n", key, value);
    fclose(f);
}

/* ---- Ticks -------------------------------------------------------------- */

void
bench_ticks_load(const bench_ctx *c, bench_ticks *t, size_t max)
{
    char path[4096];
    tipc_csv_row *rows;
    size_t nrows, off = 0;
    uint64_t send_ns = tipc_time_realtime_ns();

    snprintf(path, sizeof path, "%s/data/prices.csv", c->topdir);
    BENCH_OK(tipc_csv_load(path, TIPC_CSV_PRICES, NULL, 0, &rows, &nrows, NULL));
    memset(t, 0, sizeof *t);
    t->n = max > 0 && nrows > max ? max : nrows;
    t->tick = calloc(t->n, sizeof *t->tick);
    t->payload = calloc(t->n, TIPC_TICK_ENCODED_MAX);
    t->len = calloc(t->n, 1);
    t->frames = malloc(2 * t->n * (TIPC_FRAME_HDR + TIPC_TICK_ENCODED_MAX));
    t->frame_off = calloc(2 * t->n + 1, sizeof *t->frame_off);
    BENCH_CHECK(t->tick && t->payload && t->len && t->frames && t->frame_off, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        tipc_tick *k = &t->tick[i];
        size_t len;

        memcpy(k->symbol, rows[i].symbol, sizeof k->symbol);
        k->price = rows[i].value;
        k->event_ns = rows[i].ts_ns;
        k->send_ns = send_ns + i;
        k->seq = i + 1;
        BENCH_OK(tipc_tick_encode(k, t->payload + i * TIPC_TICK_ENCODED_MAX, TIPC_TICK_ENCODED_MAX,
                                  &len));
        t->len[i] = (uint8_t)len;
        t->payload_bytes += len;
    }
    /* Two laps of frames back to back: a batch starting anywhere in the first
     * lap is one contiguous run of bytes. */
    for (size_t j = 0; j < 2 * t->n; j++) {
        size_t i = j % t->n, flen;
        t->frame_off[j] = off;
        BENCH_OK(tipc_frame_encode(t->frames + off, TIPC_FRAME_HDR + TIPC_TICK_ENCODED_MAX,
                                   TIPC_MSG_TICK, t->payload + i * TIPC_TICK_ENCODED_MAX, t->len[i],
                                   &flen));
        off += flen;
    }
    t->frame_off[2 * t->n] = off;
    tipc_csv_free(rows);
}

void
bench_ticks_free(bench_ticks *t)
{
    free(t->tick);
    free(t->payload);
    free(t->len);
    free(t->frames);
    free(t->frame_off);
    memset(t, 0, sizeof *t);
}

int
bench_tick_equal(const tipc_tick *a, const tipc_tick *b)
{
    return a->seq == b->seq && a->price == b->price && a->event_ns == b->event_ns &&
           a->send_ns == b->send_ns && memcmp(a->symbol, b->symbol, sizeof a->symbol) == 0;
}

/* ---- TCP ---------------------------------------------------------------- */

static void
nodelay(int fd)
{
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        bench_fail("TCP_NODELAY: %s", strerror(errno));
}

int
bench_tcp_listen(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 128) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0)
        bench_fail("listen on 127.0.0.1:0: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return fd;
}

int
bench_tcp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        bench_fail("connect 127.0.0.1:%d: %s", port, strerror(errno));
    nodelay(fd);
    return fd;
}

int
bench_tcp_accept(int lfd)
{
    int fd;

    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
        if (errno != EINTR)
            bench_fail("accept: %s", strerror(errno));
    nodelay(fd);
    return fd;
}

void
bench_write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            bench_fail("write: %s", k < 0 ? strerror(errno) : "wrote 0");
        p += k;
        n -= (size_t)k;
    }
}

void
bench_read_all(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            bench_fail("read: %s", k < 0 ? strerror(errno) : "unexpected EOF");
        p += k;
        n -= (size_t)k;
    }
}
