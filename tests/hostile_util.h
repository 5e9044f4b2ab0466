/* SPDX-License-Identifier: MIT */
/* Shared by the hostile-peer suites (tests/hostile_*.c): run the real
 * programs from the build dir as child processes (port 0 read back through
 * --port-file, logs in a per-test temp dir, killed at teardown and with the
 * test process), count what they logged, read their RSS and fd count, and
 * talk to them through raw sockets that can send anything at all. Not a
 * library API: every function is static and fails the test on a broken
 * precondition. */
#ifndef TIPC_HOSTILE_UTIL_H
#define TIPC_HOSTILE_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem; include this header first */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "tipc_check.h"

#define H_MAX_PROCS 8

/* ---- Fixtures ------------------------------------------------------------ */

/* The TCase fixture (in the runner process) makes and removes the temp root;
 * a failed assertion ends a forked test at once, so the checked teardown
 * kills the children, and PR_SET_PDEATHSIG kills them if even that is
 * skipped. */
static char h_root[256];
static char h_dir[300]; /* per test: h_root/<pid>_<n> */
static pid_t h_procs[H_MAX_PROCS];
static int h_nprocs;

static inline void
h_tcase_setup(void)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(h_root, sizeof h_root, "%s/tipc_hostile_XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(h_root) == NULL)
        h_root[0] = '\0';
}

static inline void
h_tcase_teardown(void)
{
    char cmd[300];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h_root);
    if (h_root[0] != '\0' && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", h_root);
}

static inline void
h_setup(void)
{
    static int n; /* CK_FORK=no runs every test in one process */

    ck_assert_msg(h_root[0] != '\0', "no temp dir");
    snprintf(h_dir, sizeof h_dir, "%s/%ld_%d", h_root, (long)getpid(), n++);
    ck_assert_int_eq(mkdir(h_dir, 0700), 0);
}

static inline void
h_teardown(void)
{
    for (int i = 0; i < h_nprocs; i++)
        if (h_procs[i] > 0) {
            kill(h_procs[i], SIGKILL);
            waitpid(h_procs[i], NULL, 0);
            h_procs[i] = 0;
        }
    h_nprocs = 0;
    /* Shared memory a test named "/tipc_hostile_<pid>_..." and left behind. */
    char prefix[64], path[300];
    struct dirent *e;
    DIR *d;
    snprintf(prefix, sizeof prefix, "tipc_hostile_%ld_", (long)getpid());
    if ((d = opendir("/dev/shm")) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
                snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
                if (unlink(path) != 0)
                    fprintf(stderr, "cannot remove %s\n", path);
            }
        closedir(d);
    }
}

/* ---- Time, files ----------------------------------------------------------- */

static inline void
h_sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, ms % 1000 * 1000000}, NULL);
}

static inline int64_t
h_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline const char *
h_path(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *p = bufs[k++ % 8];

    snprintf(p, 512, "%s/%s", h_dir, name);
    return p;
}

/* The whole file, NUL-terminated ("" when missing); read in chunks, as
 * /proc files have no size. Caller frees. */
static inline char *
h_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t len = 0, cap = 65536, n;
    char *buf = malloc(cap);

    ck_assert_ptr_nonnull(buf);
    while (f != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            buf = realloc(buf, cap *= 2);
            ck_assert_ptr_nonnull(buf);
        }
    }
    if (f != NULL)
        fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Lines of text that contain every one of the NULL-terminated needles. */
static inline int
h_count_lines(const char *text, ...)
{
    const char *needles[8];
    int n = 0, count = 0;
    va_list ap;

    va_start(ap, text);
    while (n < 8 && (needles[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        int all = 1;
        for (int i = 0; i < n && all; i++)
            all = memmem(line, len, needles[i], strlen(needles[i])) != NULL;
        count += all;
        line += len + (end != NULL);
    }
    return count;
}

/* ---- Processes -------------------------------------------------------------- */

/* Start a program from the build dir with stdout/stderr in h_dir/<tag>.out
 * and .err; argv ends with NULL. It dies with this test process. */
static inline pid_t
h_start(const char *tag, const char *prog, ...)
{
    const char *argv[48];
    char path[512], out[512], err[512];
    va_list ap;
    int argc = 0;
    pid_t pid;

    snprintf(path, sizeof path, "%s/%s", TIPC_TEST_BUILDDIR, prog);
    snprintf(out, sizeof out, "%s/%s.out", h_dir, tag);
    snprintf(err, sizeof err, "%s/%s.err", h_dir, tag);
    argv[argc++] = path;
    va_start(ap, prog);
    while (argc < 47 && (argv[argc] = va_arg(ap, const char *)) != NULL)
        argc++;
    va_end(ap);
    argv[argc] = NULL;
    ck_assert_int_lt(h_nprocs, H_MAX_PROCS);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        char *args[48];
        for (int i = 0; i <= argc; i++)
            args[i] = argv[i] != NULL ? strdup(argv[i]) : NULL;
        execv(path, args);
        _exit(127);
    }
    h_procs[h_nprocs++] = pid;
    return pid;
}

static inline int
h_is_running(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) == 0;
}

/* SIGTERM pid and wait up to timeout_ms for it to exit; returns its exit
 * status (128 + signal when killed). Fails the test on timeout. Under
 * LeakSanitizer a leak makes the status non-zero. */
static inline int
h_stop(pid_t pid, int timeout_ms)
{
    int status = 0;
    pid_t r;

    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    for (int64_t t0 = h_now_ms(); (r = waitpid(pid, &status, WNOHANG)) == 0;) {
        ck_assert_msg(h_now_ms() - t0 < timeout_ms, "pid %ld ignored SIGTERM", (long)pid);
        h_sleep_ms(10);
    }
    ck_assert_int_eq(r, pid);
    for (int i = 0; i < h_nprocs; i++)
        if (h_procs[i] == pid)
            h_procs[i] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The value of key=N in the "STATS <what> ..." line of tag's stdout. */
static inline long long
h_stat(const char *tag, const char *what, const char *key)
{
    char name[64], prefix[64], needle[64], *text, *line, *at, *end;
    long long v;

    snprintf(name, sizeof name, "%s.out", tag);
    snprintf(prefix, sizeof prefix, "STATS %s ", what);
    snprintf(needle, sizeof needle, " %s=", key);
    text = h_slurp(h_path(name));
    line = strstr(text, prefix);
    ck_assert_msg(line != NULL, "%s: no '%s' line in:\n%s", tag, prefix, text);
    if ((end = strchr(line, '\n')) != NULL)
        *end = '\0';
    at = strstr(line, needle);
    ck_assert_msg(at != NULL, "%s: no %s in '%s'", tag, key, line);
    v = strtoll(at + strlen(needle), NULL, 10);
    free(text);
    return v;
}

/* The port pid wrote to portfile, waiting up to 5 s. */
static inline int
h_wait_port(const char *portfile, pid_t pid)
{
    int port = 0;

    for (int64_t t0 = h_now_ms(); port == 0;) {
        char *text = h_slurp(portfile);
        port = atoi(text);
        free(text);
        if (port == 0) {
            ck_assert_msg(h_now_ms() - t0 < 5000, "no port in %s", portfile);
            ck_assert_msg(h_is_running(pid), "process exited before listening");
            h_sleep_ms(5);
        }
    }
    return port;
}

/* A process's log (stderr). Caller frees. */
static inline char *
h_log(const char *tag)
{
    char name[64];

    snprintf(name, sizeof name, "%s.err", tag);
    return h_slurp(h_path(name));
}

/* Wait up to timeout_ms until tag's log has count lines with needle. */
static inline void
h_wait_log(const char *tag, const char *needle, int count, int timeout_ms)
{
    for (int64_t t0 = h_now_ms();;) {
        char *log = h_log(tag);
        int n = h_count_lines(log, needle, (const char *)NULL);
        if (n >= count) {
            free(log);
            return;
        }
        if (h_now_ms() - t0 > timeout_ms)
            ck_abort_msg("%s logged '%s' %d times, want %d; its log:\n%.4000s", tag, needle, n,
                         count, log);
        free(log);
        h_sleep_ms(10);
    }
}

/* VmRSS of pid in KiB. */
static inline long
h_rss_kb(pid_t pid)
{
    char path[64], *text, *p;
    long kb = -1;

    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    text = h_slurp(path);
    if ((p = strstr(text, "VmRSS:")) != NULL)
        kb = strtol(p + 6, NULL, 10);
    free(text);
    ck_assert_msg(kb > 0, "no VmRSS for %ld", (long)pid);
    return kb;
}

/* Open file descriptors of pid. */
static inline int
h_fd_count(pid_t pid)
{
    char path[64];
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    d = opendir(path);
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Raise the soft fd limit to at least want (up to the hard limit); returns
 * the soft limit now in force. Children inherit it. */
static inline long
h_raise_nofile(long want)
{
    struct rlimit rl;

    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < want) {
        rl.rlim_cur =
            rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max >= want ? (rlim_t)want : rl.rlim_max;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    return rl.rlim_cur == RLIM_INFINITY ? want : (long)rl.rlim_cur;
}

/* ---- Raw sockets ---------------------------------------------------------- */

/* A TCP connection to 127.0.0.1:port that the test drives byte by byte, with
 * a framer to read what the server sends back. */
typedef struct h_raw {
    int fd;
    int port; /* our local port: how the server's log names this peer */
    tipc_framer *fr;
    int fed;
    int eof; /* the server closed (EOF or reset) */
    uint8_t buf[65536];
} h_raw;

static inline int
h_local_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;

    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    return ntohs(sin.sin_port);
}

/* connect to host:port; returns the fd or -errno. Blocking. */
static inline int
h_tcp_connect(const char *host, int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(inet_pton(AF_INET, host, &sin.sin_addr), 1);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static inline h_raw *
h_raw_connect(int port)
{
    h_raw *r = calloc(1, sizeof *r);

    ck_assert_ptr_nonnull(r);
    r->fd = h_tcp_connect("127.0.0.1", port);
    ck_assert_msg(r->fd >= 0, "connect: %s", strerror(-r->fd));
    r->port = h_local_port(r->fd);
    ck_assert_tipc_ok(tipc_framer_create(&r->fr, TIPC_FRAME_MAX_LIMIT));
    return r;
}

static inline void
h_raw_close(h_raw *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0)
        close(r->fd);
    tipc_framer_destroy(r->fr);
    free(r);
}

/* Write all of buf; a server that has closed makes this return the error
 * (-errno) instead of failing the test: hostile clients expect that. */
static inline int
h_raw_send(h_raw *r, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The next frame from the server within timeout_ms: 1 and *f, 0 on
 * timeout, -1 once the server has closed (r->eof set). */
static inline int
h_raw_next(h_raw *r, tipc_frame *f, int timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;

    for (;;) {
        if (r->fed) {
            int rc = tipc_framer_next(r->fr, f);
            ck_assert_int_ge(rc, 0);
            if (rc == 1)
                return 1;
            r->fed = 0;
        }
        if (r->eof)
            return -1;
        int64_t left = deadline - h_now_ms();
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) == 0)
            return 0;
        ssize_t n = recv(r->fd, r->buf, sizeof r->buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ck_assert_msg(n == 0 || errno == ECONNRESET, "recv: %s", strerror(errno));
            r->eof = 1;
            continue;
        }
        ck_assert_tipc_ok(tipc_framer_feed(r->fr, r->buf, (size_t)n));
        r->fed = 1;
    }
}

/* Read (and drop) until the server closes; returns the ms it took, or -1
 * if it was still open after timeout_ms. *last_type gets the type of the
 * last frame seen (0 if none): REJECT or BYE tells how it ended. */
static inline int
h_raw_wait_closed(h_raw *r, int timeout_ms, uint8_t *last_type)
{
    int64_t t0 = h_now_ms();
    tipc_frame f;
    int rc;

    while ((rc = h_raw_next(r, &f, (int)(t0 + timeout_ms - h_now_ms()))) == 1)
        if (last_type != NULL)
            *last_type = f.type;
    return rc < 0 ? (int)(h_now_ms() - t0) : -1;
}

/* Append a msgpack str (fixstr or str8) to buf at *n. */
static inline void
h_mp_str(uint8_t *buf, size_t *n, const char *s)
{
    size_t len = strlen(s);

    ck_assert_uint_lt(len, 256);
    if (len < 32) {
        buf[(*n)++] = (uint8_t)(0xa0 | len);
    } else {
        buf[(*n)++] = 0xd9;
        buf[(*n)++] = (uint8_t)len;
    }
    memcpy(buf + *n, s, len);
    *n += len;
}

/* A complete HELLO frame: {"version":1,"role":role,"name":name,
 * "streams":streams[,"token":token]}, written by hand as doc/protocol.md
 * section 4.3 says. Returns its length. */
static inline size_t
h_hello_frame(uint8_t *buf, size_t cap, const char *role, const char *name, unsigned streams,
              const char *token)
{
    size_t n = 5;

    ck_assert_uint_ge(cap, 512);
    buf[n++] = (uint8_t)(0x80 | (token != NULL ? 5 : 4));
    h_mp_str(buf, &n, "version");
    buf[n++] = 0x01;
    h_mp_str(buf, &n, "role");
    h_mp_str(buf, &n, role);
    h_mp_str(buf, &n, "name");
    h_mp_str(buf, &n, name);
    h_mp_str(buf, &n, "streams");
    ck_assert_uint_lt(streams, 128);
    buf[n++] = (uint8_t)streams;
    if (token != NULL) {
        h_mp_str(buf, &n, "token");
        h_mp_str(buf, &n, token);
    }
    uint32_t l = (uint32_t)(n - 4);
    buf[0] = (uint8_t)(l >> 24);
    buf[1] = (uint8_t)(l >> 16);
    buf[2] = (uint8_t)(l >> 8);
    buf[3] = (uint8_t)l;
    buf[4] = TIPC_MSG_HELLO;
    return n;
}

/* Send a HELLO and expect WELCOME as the first frame back. */
static inline void
h_raw_join(h_raw *r, const char *role, const char *name)
{
    uint8_t hello[512];
    size_t n = h_hello_frame(hello, sizeof hello, role, name, 3, NULL);
    tipc_frame f;

    ck_assert_int_eq(h_raw_send(r, hello, n), 0);
    ck_assert_int_eq(h_raw_next(r, &f, 3000), 1);
    ck_assert_uint_eq(f.type, TIPC_MSG_WELCOME);
}

/* The log lines about the peer at local port `port` ("(127.0.0.1:P)" or
 * "(127.0.0.1:P name)", how the server writes a peer), other than the line
 * saying it joined. */
static inline int
h_peer_lines(const char *log, int port, const char *what)
{
    char a[40], b[40];

    snprintf(a, sizeof a, "(127.0.0.1:%d)", port);
    snprintf(b, sizeof b, "(127.0.0.1:%d ", port);
    return h_count_lines(log, a, what, (const char *)NULL) +
           h_count_lines(log, b, what, (const char *)NULL) -
           h_count_lines(log, a, " joined: ", what, (const char *)NULL);
}

/* Assert that the server logged exactly one line about this peer (besides
 * its join), and that it holds `what`: how it left. */
static inline void
h_assert_logged_once(const char *tag, int port, const char *what)
{
    char *log = h_log(tag);
    int all = h_peer_lines(log, port, ""), match = h_peer_lines(log, port, what);

    ck_assert_msg(all == 1 && match == 1,
                  "%s: %d lines about peer port %d, %d saying '%s'; want 1:\n%.4000s", tag, all,
                  port, match, what, log);
    free(log);
}

/* How many TCP listeners /proc/net/tcp{,6} show on port; addr gets the local
 * address of the last one as the kernel writes it: "0100007F" is 127.0.0.1,
 * "00000000" is 0.0.0.0, and IPv6 ones are prefixed "v6:". */
static inline int
h_listen_addr(int port, char *addr, size_t cap)
{
    static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    int found = 0;

    addr[0] = '\0';
    for (int i = 0; i < 2; i++) {
        char *text = h_slurp(files[i]);
        for (char *line = strchr(text, '\n'); line != NULL && line[1] != '\0';
             line = strchr(line + 1, '\n')) {
            char local[40];
            unsigned lport, st;
            if (sscanf(line + 1, " %*d: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", local, &lport,
                       &st) == 3 &&
                (int)lport == port && st == 0x0A) {
                snprintf(addr, cap, "%s%s", i == 1 ? "v6:" : "", local);
                found++;
            }
        }
        free(text);
    }
    return found;
}

/* RSS bounds hold only without ASan, which keeps freed memory resident. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_CHECKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_CHECKS 0
#endif
#endif
#ifndef RSS_CHECKS
#define RSS_CHECKS 1
#endif
#define assert_rss_lt(kb, limit)                                                                   \
    do {                                                                                           \
        if (RSS_CHECKS)                                                                            \
            ck_assert_int_lt((kb), (limit));                                                       \
    } while (0)

/* Count, per peer port, the log lines that name the peer "(127.0.0.1:PORT)" and
 * contain needle. */
static inline void
count_by_port(const char *log, const char *needle, uint16_t *counts)
{
    static const char peer[] = "(127.0.0.1:";

    for (const char *line = log; *line != '\0';) {
        const char *end = strchr(line, '\n'), *p;
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        if ((p = memmem(line, len, peer, sizeof peer - 1)) != NULL &&
            memmem(line, len, needle, strlen(needle)) != NULL) {
            long port = strtol(p + sizeof peer - 1, NULL, 10);
            if (port > 0 && port < 65536)
                counts[port]++;
        }
        line += len + (end != NULL);
    }
}

#endif
