/* SPDX-License-Identifier: MIT */
/* Helpers shared by the example programs (see common.h). */
#include "config.h"

#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *prog_name = "tradeipc";
volatile sig_atomic_t stop_requested;
static int verbose_level;

static void
on_library_log(void *ctx, tipc_log_level level, const char *component, const char *msg)
{
    (void)ctx;
    log_line("%s: %s: %s", tipc_log_level_name(level), component, msg);
}

tipc_logger example_logger = {on_library_log, NULL, TIPC_LOG_INFO};

void
log_line(const char *fmt, ...)
{
    char when[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%H:%M:%S", &tm);
    flockfile(stderr);
    fprintf(stderr, "%s.%03ld %s: ", when, ts.tv_nsec / 1000000, prog_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void
die_rc(int rc, const char *what)
{
    log_line("fatal: %s: %s (%s)", what, tipc_strerror(rc), tipc_err_name(rc));
    exit(EXIT_FAILURE);
}

void
die(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_line("fatal: %s", msg);
    exit(EXIT_FAILURE);
}

void
die_usage(const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    exit(2);
}

static void
on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void
example_init(const char *name, int verbose)
{
    struct sigaction sa;

    prog_name = name;
    verbose_level = verbose;
    if (verbose > 0)
        example_logger.max_level = TIPC_LOG_DEBUG;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
}

void
signal_ready(const char *what)
{
    const char *fd_text = getenv("TIPC_READY_FD");

    log_line("ready: %s", what);
    if (fd_text != NULL) {
        int fd = atoi(fd_text);
        if (fd > 2) {
            ssize_t n;
            do
                n = write(fd, "R", 1);
            while (n < 0 && errno == EINTR);
            close(fd);
        }
        unsetenv("TIPC_READY_FD");
    }
}

void
signal_ready_f(const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    signal_ready(what);
}

long
parse_long(const char *usage, const char *flag, const char *s, long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        die_usage(usage, "%s: expected an integer in [%ld, %ld], got '%s'", flag, min, max, s);
    return v;
}

double
parse_double(const char *usage, const char *flag, const char *s, double min, double max)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max))
        die_usage(usage, "%s: expected a number in [%g, %g], got '%s'", flag, min, max, s);
    return v;
}

void
stats_line(const char *fmt, ...)
{
    va_list ap;

    flockfile(stdout);
    fputs("STATS ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    funlockfile(stdout);
    fflush(stdout);
}

void
hist_line(const char *component, const char *name, const tipc_hist *h)
{
    size_t len = 0;
    char *buf = NULL;

    if (tipc_hist_dump(h, NULL, 0, &len) == TIPC_ENOSPC && (buf = malloc(len + 1)) != NULL &&
        tipc_hist_dump(h, buf, len + 1, &len) == 0)
        printf("HIST %s %s %s\n", component, name, buf);
    else
        log_line("cannot print histogram %s", name);
    free(buf);
    fflush(stdout);
}

void
listen_ready(const tipc_server *srv, const char *addr, const char *port_file)
{
    const char *colon = strrchr(addr, ':');
    int port = tipc_server_port(srv);
    char tmp[4096], what[600];
    FILE *f;

    if (port_file != NULL) {
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 ||
            rename(tmp, port_file) != 0) {
            log_line("fatal: cannot write port file '%s': %s", port_file, strerror(errno));
            exit(EXIT_FAILURE);
        }
    }
    if (port > 0 && colon != NULL)
        snprintf(what, sizeof what, "listening on %.*s:%d", (int)(colon - addr), addr, port);
    else
        snprintf(what, sizeof what, "listening on %s", addr);
    signal_ready(what);
}

void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
