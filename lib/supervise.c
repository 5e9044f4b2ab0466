/* SPDX-License-Identifier: MIT */
/*
 * Child-process supervision without signal handlers. Each child has a pidfd
 * (or, on old kernels, a 20 ms waitpid(WNOHANG) tick), two output pipes and
 * optionally a readiness pipe, all polled together. A poll call first
 * compacts the line buffers (that is what ends the life of the text pointers
 * handed out by the previous call), then alternates between a non-blocking
 * "work" pass, which turns buffered bytes, exits and due timers into events,
 * and one poll(2). Once a child is reaped its pipes hold everything it ever
 * wrote, so they are drained to EAGAIN or EOF before its EXIT event: output
 * never arrives after the exit that ended it.
 */
#include "tipc_int.h"

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define COMPONENT "supervise"
#define FALLBACK_TICK_MS 20
#define FIRST_FREE_FD (TIPC_SUP_READY_FD_NUM + 1)

extern char **environ;

struct stream {
    int fd;            /* read end; -1 once closed */
    char *buf;         /* cap data bytes + 1 for a terminating NUL */
    size_t start, end; /* bytes not yet delivered */
    size_t split_at;   /* a split put a NUL here over saved; restored at compaction */
    char saved;
    bool split;
};

struct child {
    char name[TIPC_SUP_NAME_MAX + 1];
    char **argv, **env; /* deep copies */
    char *marker;
    tipc_sup_ready ready_mode;
    uint32_t max_restarts, backoff_initial_ms, backoff_max_ms;

    tipc_child_state state;
    pid_t pid;
    int pidfd, readyfd;
    struct stream out, err;
    bool reaped;     /* the process is gone; EXIT follows once the pipes are drained */
    int spawn_error; /* a restart failed: report it as an EXIT */
    bool ready, ready_pending;
    uint32_t restarts;
    uint64_t restart_at_ms;
    bool term_sent, kill_sent;
    uint64_t kill_at_ms;
    bool exited;
    int exit_code, signal;
    long maxrss_kb; /* the largest peak RSS of its reaped processes */
};

/* What a pollfd in the current poll(2) call belongs to. */
enum pkind { PK_OUT, PK_ERR, PK_READY, PK_PIDFD };
struct pref {
    struct child *c;
    enum pkind kind;
};

struct tipc_supervisor {
    tipc_logger logger;
    bool has_logger;
    bool use_pidfd;
    bool stopping;
    int grace_ms;
    size_t line_max, nchildren, max_children, rr;
    struct child *children;
    struct pollfd *pfds;
    struct pref *prefs;
};

static const tipc_logger *
lg(const tipc_supervisor *sup)
{
    return sup->has_logger ? &sup->logger : NULL;
}

static uint64_t
now_ms(void)
{
    return tipc_time_monotonic_ns() / 1000000u;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static bool
alive(const struct child *c)
{
    return c->state == TIPC_CHILD_RUNNING && !c->reaped;
}

/* ---- spawning ---- */

static char **
strv_dup(const char *const *v)
{
    size_t n = 0;
    char **out;

    while (v != NULL && v[n] != NULL)
        n++;
    out = calloc(n + 1, sizeof *out);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((out[i] = strdup(v[i])) == NULL) {
            for (size_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void
strv_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

/* Length of the "NAME" part of "NAME=value". */
static size_t
env_key_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : strlen(kv);
}

static bool
env_overridden(const char *kv, char *const *extra)
{
    size_t k = env_key_len(kv);

    if (k == strlen(TIPC_SUP_READY_FD_ENV) && memcmp(kv, TIPC_SUP_READY_FD_ENV, k) == 0)
        return true;
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
        if (env_key_len(extra[i]) == k && memcmp(extra[i], kv, k) == 0)
            return true;
    return false;
}

/* The child's environment: ours minus what it overrides, its own entries,
 * then TIPC_READY_FD. Pointers only; the strings stay where they are. */
static char **
build_env(const struct child *c, char *ready_kv)
{
    size_t n = 0, m = 0, k = 0;
    char **envp;

    while (environ != NULL && environ[n] != NULL)
        n++;
    while (c->env != NULL && c->env[m] != NULL)
        m++;
    envp = calloc(n + m + 2, sizeof *envp);
    if (envp == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!env_overridden(environ[i], c->env))
            envp[k++] = environ[i];
    for (size_t i = 0; i < m; i++)
        envp[k++] = c->env[i];
    if (ready_kv != NULL)
        envp[k++] = ready_kv;
    return envp;
}

/* Move a descriptor out of 0..3 so the dup2s into 1, 2 and 3 cannot clobber
 * a descriptor that still has to be duplicated. */
static int
fd_high(int *fd)
{
    if (*fd >= FIRST_FREE_FD)
        return 0;
    int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, FIRST_FREE_FD);
    if (nfd < 0)
        return tipc__neg_errno();
    close(*fd);
    *fd = nfd;
    return 0;
}

static int
make_pipe(int p[2])
{
    int rc;

    if (pipe2(p, O_CLOEXEC) != 0)
        return tipc__neg_errno();
    if ((rc = fd_high(&p[0])) != 0 || (rc = fd_high(&p[1])) != 0 ||
        fcntl(p[0], F_SETFL, O_NONBLOCK) != 0) {
        rc = rc != 0 ? rc : tipc__neg_errno();
        close_fd(&p[0]);
        close_fd(&p[1]);
        return rc;
    }
    return 0;
}

/* Find argv[0] the way posix_spawnp will, so that a missing program is
 * reported by spawn even where posix_spawn cannot report exec failures (a
 * fork-based implementation, or valgrind, which runs vfork as fork). */
static int
check_program(const char *prog)
{
    const char *path, *p;
    char full[PATH_MAX];
    int rc = TIPC_ENOENT;

    if (strchr(prog, '/') != NULL)
        return access(prog, X_OK) == 0 ? 0 : tipc__neg_errno();
    path = getenv("PATH");
    if (path == NULL || *path == 0)
        path = "/bin:/usr/bin";
    for (p = path;; p++) {
        const char *end = strchrnul(p, ':');
        int n =
            snprintf(full, sizeof full, "%.*s%s%s", (int)(end - p), p, end == p ? "" : "/", prog);
        if (n > 0 && (size_t)n < sizeof full) {
            if (access(full, X_OK) == 0)
                return 0;
            if (errno == EACCES)
                rc = TIPC_EACCES;
        }
        if (*end == 0)
            return rc;
        p = end;
    }
}

static int
pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static void
stream_reset(struct stream *s, int fd)
{
    s->fd = fd;
    s->start = s->end = 0;
    s->split = false;
}

/* Start (or restart) c's process. On failure nothing is left open. */
static int
child_start(tipc_supervisor *sup, struct child *c)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, rdy[2] = {-1, -1};
    char ready_kv[sizeof TIPC_SUP_READY_FD_ENV + 8];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    char **envp = NULL;
    pid_t pid;
    int rc;
    bool want_ready_fd = c->ready_mode == TIPC_SUP_READY_FD;

    if ((rc = check_program(c->argv[0])) != 0)
        return rc;
    if ((rc = make_pipe(out)) != 0 || (rc = make_pipe(err)) != 0 ||
        (want_ready_fd && (rc = make_pipe(rdy)) != 0))
        goto fail;
    snprintf(ready_kv, sizeof ready_kv, "%s=%d", TIPC_SUP_READY_FD_ENV, TIPC_SUP_READY_FD_NUM);
    if ((envp = build_env(c, want_ready_fd ? ready_kv : NULL)) == NULL) {
        rc = TIPC_ENOMEM;
        goto fail;
    }

    if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
        rc = tipc__err_from_errno(rc);
        goto fail;
    }
    if ((rc = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        rc = tipc__err_from_errno(rc);
        goto fail;
    }
    sigemptyset(&none);
    sigfillset(&all);
    /* Own process group: stop() signals the whole group, and a terminal's ^C
     * reaches the launcher only, which then stops the children in order. */
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                             POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawnattr_setpgroup(&attr, 0);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    if (rc == 0 && want_ready_fd)
        rc = posix_spawn_file_actions_adddup2(&fa, rdy[1], TIPC_SUP_READY_FD_NUM);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
    /* Don't leak the launcher's sockets and files into its children. */
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, want_ready_fd ? FIRST_FREE_FD
                                                                         : TIPC_SUP_READY_FD_NUM);
#endif
    if (rc == 0)
        rc = posix_spawnp(&pid, c->argv[0], &fa, &attr, c->argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        rc = tipc__err_from_errno(rc);
        goto fail;
    }
    free(envp);
    close_fd(&out[1]);
    close_fd(&err[1]);
    close_fd(&rdy[1]);

    c->pid = pid;
    c->pidfd = -1;
    if (sup->use_pidfd) {
        c->pidfd = pidfd_open_(pid);
        if (c->pidfd < 0) {
            tipc__log(lg(sup), TIPC_LOG_INFO, COMPONENT,
                      "pidfd_open: %s; watching exits with waitpid every %d ms",
                      tipc_strerror(tipc__neg_errno()), FALLBACK_TICK_MS);
            if (errno == ENOSYS)
                sup->use_pidfd = false;
        }
    }
    stream_reset(&c->out, out[0]);
    stream_reset(&c->err, err[0]);
    c->readyfd = rdy[0];
    c->state = TIPC_CHILD_RUNNING;
    c->reaped = false;
    c->spawn_error = 0;
    c->ready = c->ready_mode == TIPC_SUP_READY_NONE;
    c->ready_pending = c->ready;
    c->term_sent = c->kill_sent = false;
    return 0;
fail:
    free(envp);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&err[0]);
    close_fd(&err[1]);
    close_fd(&rdy[0]);
    close_fd(&rdy[1]);
    return rc;
}

/* ---- open, spawn, close ---- */

int
tipc_supervisor_open(tipc_supervisor **out, const tipc_supervisor_opts *opts)
{
    static const tipc_supervisor_opts defaults;
    tipc_supervisor *sup;

    assert(out != NULL);
    if (opts == NULL)
        opts = &defaults;
    if (opts->line_max > TIPC_SUP_LINE_MAX_LIMIT)
        return TIPC_EINVAL;
    sup = calloc(1, sizeof *sup);
    if (sup == NULL)
        return TIPC_ENOMEM;
    if (opts->logger != NULL) {
        sup->logger = *opts->logger;
        sup->has_logger = true;
    }
    sup->use_pidfd = (opts->flags & TIPC_SUP_NO_PIDFD) == 0;
    sup->line_max = opts->line_max ? opts->line_max : TIPC_SUP_DEFAULT_LINE_MAX;
    sup->max_children = opts->max_children ? opts->max_children : TIPC_SUP_DEFAULT_MAX_CHILDREN;
    sup->children = calloc(sup->max_children, sizeof *sup->children);
    sup->pfds = calloc(sup->max_children * 4, sizeof *sup->pfds);
    sup->prefs = calloc(sup->max_children * 4, sizeof *sup->prefs);
    if (sup->children == NULL || sup->pfds == NULL || sup->prefs == NULL) {
        tipc_supervisor_close(sup);
        return TIPC_ENOMEM;
    }
    *out = sup;
    return 0;
}

static void
child_free(struct child *c)
{
    strv_free(c->argv);
    strv_free(c->env);
    free(c->marker);
    free(c->out.buf);
    free(c->err.buf);
    close_fd(&c->out.fd);
    close_fd(&c->err.fd);
    close_fd(&c->readyfd);
    close_fd(&c->pidfd);
}

static void
signal_group(pid_t pid, int sig)
{
    /* The child may have left its group (setsid); then signal it alone. */
    if (kill(-pid, sig) != 0 && errno == ESRCH)
        kill(pid, sig);
}

void
tipc_supervisor_close(tipc_supervisor *sup)
{
    if (sup == NULL)
        return;
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct child *c = &sup->children[i];
        if (alive(c)) {
            tipc__log(lg(sup), TIPC_LOG_WARN, COMPONENT, "%s (pid %ld) still running: SIGKILL",
                      c->name, (long)c->pid);
            signal_group(c->pid, SIGKILL);
            while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        child_free(c);
    }
    free(sup->children);
    free(sup->pfds);
    free(sup->prefs);
    free(sup);
}

int
tipc_supervisor_spawn(tipc_supervisor *sup, const tipc_child_spec *spec, int *child)
{
    struct child *c;
    size_t bufsz = sup->line_max + 2; /* line_max + '\n' + NUL */
    int rc;

    assert(sup != NULL && spec != NULL && child != NULL);
    if (spec->name == NULL || spec->name[0] == 0 || spec->argv == NULL || spec->argv[0] == NULL)
        return TIPC_EINVAL;
    if (strlen(spec->name) > TIPC_SUP_NAME_MAX)
        return TIPC_ENAMETOOLONG;
    if (spec->ready != TIPC_SUP_READY_NONE && spec->ready != TIPC_SUP_READY_FD &&
        spec->ready != TIPC_SUP_READY_MARKER)
        return TIPC_EINVAL;
    if (spec->ready == TIPC_SUP_READY_MARKER &&
        (spec->ready_marker == NULL || spec->ready_marker[0] == 0))
        return TIPC_EINVAL;
    if (sup->stopping)
        return TIPC_ESTATE;
    if (sup->nchildren == sup->max_children)
        return TIPC_ENOSPC;

    c = &sup->children[sup->nchildren];
    memset(c, 0, sizeof *c);
    c->out.fd = c->err.fd = c->readyfd = c->pidfd = -1;
    strcpy(c->name, spec->name);
    c->ready_mode = spec->ready;
    c->max_restarts = spec->max_restarts;
    c->backoff_initial_ms =
        spec->backoff_initial_ms ? spec->backoff_initial_ms : TIPC_SUP_DEFAULT_BACKOFF_INITIAL_MS;
    c->backoff_max_ms =
        spec->backoff_max_ms ? spec->backoff_max_ms : TIPC_SUP_DEFAULT_BACKOFF_MAX_MS;
    c->argv = strv_dup(spec->argv);
    c->env = spec->env ? strv_dup(spec->env) : NULL;
    c->marker = spec->ready == TIPC_SUP_READY_MARKER ? strdup(spec->ready_marker) : NULL;
    c->out.buf = malloc(bufsz);
    c->err.buf = malloc(bufsz);
    if (c->argv == NULL || (spec->env && c->env == NULL) ||
        (spec->ready == TIPC_SUP_READY_MARKER && c->marker == NULL) || c->out.buf == NULL ||
        c->err.buf == NULL) {
        rc = TIPC_ENOMEM;
        goto fail;
    }
    if ((rc = child_start(sup, c)) != 0) {
        tipc__log(lg(sup), TIPC_LOG_ERROR, COMPONENT, "%s: cannot start %s: %s", c->name,
                  c->argv[0], tipc_strerror(rc));
        goto fail;
    }
    *child = (int)sup->nchildren++;
    return 0;
fail:
    child_free(c);
    memset(c, 0, sizeof *c);
    return rc;
}

/* ---- events ---- */

struct sink {
    tipc_sup_event *ev;
    size_t n, cap;
};

static bool
full(const struct sink *k)
{
    return k->n == k->cap;
}

static tipc_sup_event *
emit(struct sink *k, const tipc_supervisor *sup, const struct child *c, tipc_sup_event_type type)
{
    tipc_sup_event *e = &k->ev[k->n++];

    assert(k->n <= k->cap);
    memset(e, 0, sizeof *e);
    e->type = type;
    e->child = (int)(c - sup->children);
    e->name = c->name;
    e->pid = c->pid;
    return e;
}

static void
emit_line(struct sink *k, tipc_supervisor *sup, struct child *c, tipc_sup_stream which,
          const char *text, size_t len, bool partial)
{
    tipc_sup_event *e = emit(k, sup, c, TIPC_SUP_EV_LINE);

    e->stream = which;
    e->text = text;
    e->len = len;
    e->partial = partial;
    if (!c->ready && c->ready_mode == TIPC_SUP_READY_MARKER &&
        memmem(text, len, c->marker, strlen(c->marker)) != NULL)
        c->ready = c->ready_pending = true;
}

static void
emit_ready(struct sink *k, tipc_supervisor *sup, struct child *c)
{
    if (c->ready_pending && !full(k)) {
        emit(k, sup, c, TIPC_SUP_EV_READY);
        c->ready_pending = false;
    }
}

/* Deliver the complete lines buffered in s. A full buffer without a '\n' is
 * delivered as a partial line; at EOF the rest is delivered as a last line.
 * Stops early when the sink is full or a READY has to go out first. */
static void
drain_lines(struct sink *k, tipc_supervisor *sup, struct child *c, struct stream *s,
            tipc_sup_stream which)
{
    size_t cap = sup->line_max + 1;

    while (!full(k) && !c->ready_pending && !s->split && s->start < s->end) {
        char *p = s->buf + s->start;
        char *nl = memchr(p, '\n', s->end - s->start);
        if (nl != NULL) {
            *nl = 0;
            s->start = (size_t)(nl - s->buf) + 1;
            emit_line(k, sup, c, which, p, (size_t)(nl - p), false);
        } else if (s->start == 0 && s->end == cap) {
            s->split = true;
            s->split_at = sup->line_max;
            s->saved = s->buf[s->split_at];
            s->buf[s->split_at] = 0;
            s->start = sup->line_max;
            emit_line(k, sup, c, which, p, sup->line_max, true);
        } else if (s->fd < 0) {
            s->buf[s->end] = 0;
            s->start = s->end;
            emit_line(k, sup, c, which, p, (size_t)(s->buf + s->end - p), false);
        } else {
            break;
        }
        emit_ready(k, sup, c);
    }
}

/* One read(2) into the free tail of the buffer. Returns true if it made
 * progress (data or EOF); at EOF, or on EAGAIN once the child is reaped,
 * the pipe is closed. */
static bool
stream_read(struct child *c, struct stream *s, size_t cap)
{
    ssize_t n;

    if (s->fd < 0 || s->end == cap)
        return false;
    do
        n = read(s->fd, s->buf + s->end, cap - s->end);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        s->end += (size_t)n;
        return true;
    }
    if (n == 0 || errno != EAGAIN || c->reaped) {
        /* EOF, an error, or the child is gone and the pipe is empty: anything
         * a grandchild still writes there is not this child's output. */
        close_fd(&s->fd);
        return true;
    }
    return false;
}

static void
record_exit(struct child *c, int wstatus)
{
    c->reaped = true;
    c->exited = true;
    if (WIFSIGNALED(wstatus)) {
        c->exit_code = -1;
        c->signal = WTERMSIG(wstatus);
    } else {
        c->exit_code = WEXITSTATUS(wstatus);
        c->signal = 0;
    }
    close_fd(&c->pidfd);
    close_fd(&c->readyfd);
}

static void
try_reap(struct child *c)
{
    struct rusage ru;
    int st;
    pid_t r;

    if (!alive(c))
        return;
    do /* wait4: the rusage of this process alone, not of all our children */
        r = wait4(c->pid, &st, WNOHANG, &ru);
    while (r < 0 && errno == EINTR);
    if (r == c->pid) {
        if (ru.ru_maxrss > c->maxrss_kb)
            c->maxrss_kb = ru.ru_maxrss;
        record_exit(c, st);
    } else if (r < 0 && errno == ECHILD) /* someone else reaped it: report an unknown exit */
        record_exit(c, 255 << 8);
}

static uint32_t
backoff_ms(const struct child *c, uint32_t attempt)
{
    uint64_t d = c->backoff_initial_ms;

    for (uint32_t i = 1; i < attempt && d < c->backoff_max_ms; i++)
        d *= 2;
    return d > c->backoff_max_ms ? c->backoff_max_ms : (uint32_t)d;
}

static bool
abnormal(const struct child *c)
{
    return c->spawn_error != 0 || c->exit_code != 0 || c->signal != 0;
}

/* The EXIT event, then BACKOFF or DONE. */
static void
emit_exit(struct sink *k, tipc_supervisor *sup, struct child *c)
{
    tipc_sup_event *e = emit(k, sup, c, TIPC_SUP_EV_EXIT);

    e->exit_code = c->spawn_error ? -1 : c->exit_code;
    e->signal = c->spawn_error ? 0 : c->signal;
    e->spawn_error = c->spawn_error;
    e->restarts = c->restarts;
    e->max_restarts = c->max_restarts;
    if (abnormal(c) && !sup->stopping && c->restarts < c->max_restarts) {
        e->will_restart = 1;
        e->restart_delay_ms = backoff_ms(c, c->restarts + 1);
        c->state = TIPC_CHILD_BACKOFF;
        c->restart_at_ms = now_ms() + e->restart_delay_ms;
    } else {
        c->state = TIPC_CHILD_DONE;
    }
    c->ready = c->ready_pending = false;
}

static void
restart(struct sink *k, tipc_supervisor *sup, struct child *c)
{
    int rc;

    c->restarts++;
    rc = child_start(sup, c);
    if (rc == 0) {
        tipc_sup_event *e = emit(k, sup, c, TIPC_SUP_EV_RESTART);
        e->restarts = c->restarts;
        e->max_restarts = c->max_restarts;
        emit_ready(k, sup, c);
        return;
    }
    tipc__log(lg(sup), TIPC_LOG_ERROR, COMPONENT, "%s: cannot restart %s: %s", c->name, c->argv[0],
              tipc_strerror(rc));
    c->spawn_error = rc;
    c->state = TIPC_CHILD_RUNNING;
    emit_exit(k, sup, c);
}

/* Shut children down one at a time from the last spawned. */
static void
stop_step(tipc_supervisor *sup, uint64_t now)
{
    for (size_t i = sup->nchildren; i-- > 0;) {
        struct child *c = &sup->children[i];
        if (!alive(c))
            continue;
        if (!c->term_sent) {
            signal_group(c->pid, SIGTERM);
            c->term_sent = true;
            c->kill_at_ms = now + (uint64_t)sup->grace_ms;
        } else if (!c->kill_sent && now >= c->kill_at_ms) {
            tipc__log(lg(sup), TIPC_LOG_WARN, COMPONENT,
                      "%s (pid %ld) still running %d ms after SIGTERM: SIGKILL", c->name,
                      (long)c->pid, sup->grace_ms);
            signal_group(c->pid, SIGKILL);
            c->kill_sent = true;
        }
        return;
    }
}

/* Everything that can be done without waiting: reap (fallback), deliver
 * buffered lines and pending READYs, drain and report exited children, start
 * due restarts, escalate a stop. Returns the ms until the next timer, or -1
 * for none. When it adds no event, nothing more is ready without I/O. */
static int
work(tipc_supervisor *sup, struct sink *k)
{
    uint64_t now = now_ms(), next = UINT64_MAX;
    size_t cap = sup->line_max + 1;

    for (size_t j = 0; j < sup->nchildren && !full(k); j++) {
        struct child *c = &sup->children[(sup->rr + j) % sup->nchildren];
        if (c->pidfd < 0 && alive(c)) {
            try_reap(c);
            if (alive(c) && now + FALLBACK_TICK_MS < next)
                next = now + FALLBACK_TICK_MS;
        }
        emit_ready(k, sup, c);
        drain_lines(k, sup, c, &c->out, TIPC_SUP_STDOUT);
        drain_lines(k, sup, c, &c->err, TIPC_SUP_STDERR);
        if (c->state == TIPC_CHILD_RUNNING && c->reaped) {
            bool progress = true;
            while (progress && !full(k) && !c->ready_pending &&
                   (c->out.fd >= 0 || c->err.fd >= 0)) {
                progress = stream_read(c, &c->out, cap);
                progress = stream_read(c, &c->err, cap) || progress;
                drain_lines(k, sup, c, &c->out, TIPC_SUP_STDOUT);
                drain_lines(k, sup, c, &c->err, TIPC_SUP_STDERR);
            }
            if (!full(k) && !c->ready_pending && c->out.fd < 0 && c->err.fd < 0 &&
                c->out.start == c->out.end && c->err.start == c->err.end)
                emit_exit(k, sup, c);
        }
        if (c->state == TIPC_CHILD_BACKOFF) {
            if (now >= c->restart_at_ms && !full(k))
                restart(k, sup, c);
            else if (c->restart_at_ms < next)
                next = c->restart_at_ms;
        }
    }
    if (sup->nchildren > 0)
        sup->rr = (sup->rr + 1) % sup->nchildren;
    if (sup->stopping) {
        stop_step(sup, now);
        for (size_t i = sup->nchildren; i-- > 0;) {
            const struct child *c = &sup->children[i];
            if (alive(c)) {
                if (!c->kill_sent && c->kill_at_ms < next)
                    next = c->kill_at_ms;
                break;
            }
        }
    }
    if (next == UINT64_MAX)
        return -1;
    return next <= now ? 0 : (int)(next - now > INT32_MAX ? INT32_MAX : next - now);
}

/* Service whatever poll(2) reported. */
static void
handle_io(tipc_supervisor *sup, nfds_t nfds)
{
    size_t cap = sup->line_max + 1;

    for (nfds_t i = 0; i < nfds; i++) {
        struct pollfd *p = &sup->pfds[i];
        struct child *c = sup->prefs[i].c;
        if (p->revents == 0)
            continue;
        switch (sup->prefs[i].kind) {
        case PK_OUT:
            stream_read(c, &c->out, cap);
            break;
        case PK_ERR:
            stream_read(c, &c->err, cap);
            break;
        case PK_READY: {
            char b[64];
            ssize_t n = read(c->readyfd, b, sizeof b);
            if (n > 0 && !c->ready)
                c->ready = c->ready_pending = true;
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                close_fd(&c->readyfd);
            break;
        }
        case PK_PIDFD:
            try_reap(c);
            break;
        }
    }
}

static nfds_t
build_pollfds(tipc_supervisor *sup)
{
    nfds_t n = 0;
    size_t cap = sup->line_max + 1;

    for (size_t i = 0; i < sup->nchildren; i++) {
        struct child *c = &sup->children[i];
        struct {
            int fd;
            enum pkind kind;
            bool want;
        } fds[] = {
            {c->out.fd, PK_OUT, c->out.end < cap},
            {c->err.fd, PK_ERR, c->err.end < cap},
            {c->readyfd, PK_READY, true},
            {c->pidfd, PK_PIDFD, alive(c)},
        };
        for (size_t j = 0; j < sizeof fds / sizeof fds[0]; j++) {
            if (fds[j].fd < 0 || !fds[j].want)
                continue;
            sup->pfds[n].fd = fds[j].fd;
            sup->pfds[n].events = POLLIN;
            sup->pfds[n].revents = 0;
            sup->prefs[n].c = c;
            sup->prefs[n].kind = fds[j].kind;
            n++;
        }
    }
    return n;
}

/* Move undelivered bytes to the front of each buffer. The events handed out
 * by the previous call point into these buffers, so this is where their
 * text stops being valid. */
static void
compact(tipc_supervisor *sup)
{
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct stream *ss[2] = {&sup->children[i].out, &sup->children[i].err};
        for (int j = 0; j < 2; j++) {
            struct stream *s = ss[j];
            if (s->split) {
                s->buf[s->split_at] = s->saved;
                s->split = false;
            }
            if (s->start > 0) {
                memmove(s->buf, s->buf + s->start, s->end - s->start);
                s->end -= s->start;
                s->start = 0;
            }
        }
    }
}

int
tipc_supervisor_poll(tipc_supervisor *sup, int timeout_ms, tipc_sup_event *events, size_t cap)
{
    struct sink k = {events, 0, cap};
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;

    assert(sup != NULL && events != NULL && cap > 0);
    compact(sup);
    for (int pass = 0;; pass++) {
        int wait = work(sup, &k);
        if (k.n > 0)
            return (int)k.n;
        uint64_t now = now_ms();
        if (pass > 0 && now >= deadline)
            return 0;
        if (deadline != UINT64_MAX) {
            uint64_t left = deadline > now ? deadline - now : 0;
            if (wait < 0 || (uint64_t)wait > left)
                wait = (int)(left > INT32_MAX ? INT32_MAX : left);
        }
        nfds_t nfds = build_pollfds(sup);
        if (poll(sup->pfds, nfds, wait) < 0)
            return tipc__neg_errno(); /* TIPC_EINTR included: no event is ready here */
        handle_io(sup, nfds);
    }
}

/* ---- convenience waits ---- */

static struct child *
get_child(const tipc_supervisor *sup, int child)
{
    if (child < 0 || (size_t)child >= sup->nchildren)
        return NULL;
    return &sup->children[child];
}

static int
pump(tipc_supervisor *sup, uint64_t deadline, tipc_sup_event_fn fn, void *ctx)
{
    tipc_sup_event evs[16];
    uint64_t now = now_ms();
    int wait = deadline == UINT64_MAX ? -1 : deadline > now ? (int)(deadline - now) : 0;
    int n = tipc_supervisor_poll(sup, wait, evs, sizeof evs / sizeof evs[0]);

    for (int i = 0; i < n && fn != NULL; i++)
        fn(ctx, &evs[i]);
    return n < 0 ? n : 0;
}

static uint64_t
deadline_of(int timeout_ms)
{
    return timeout_ms < 0 ? UINT64_MAX : now_ms() + (uint64_t)timeout_ms;
}

int
tipc_supervisor_wait_ready(tipc_supervisor *sup, int child, int timeout_ms, tipc_sup_event_fn fn,
                           void *ctx)
{
    const struct child *c = get_child(sup, child);
    uint64_t deadline = deadline_of(timeout_ms);
    int rc;

    if (c == NULL)
        return TIPC_EINVAL;
    for (;;) {
        if (c->ready && !c->ready_pending)
            return 0;
        if (c->state == TIPC_CHILD_DONE)
            return TIPC_ECHILD;
        if (deadline != UINT64_MAX && now_ms() >= deadline)
            return TIPC_ETIMEDOUT;
        if ((rc = pump(sup, deadline, fn, ctx)) != 0)
            return rc;
    }
}

static bool
exit_done(const tipc_supervisor *sup, int child)
{
    if (child >= 0)
        return sup->children[child].state == TIPC_CHILD_DONE;
    return tipc_supervisor_live(sup) == 0;
}

int
tipc_supervisor_wait_exit(tipc_supervisor *sup, int child, int timeout_ms, tipc_sup_event_fn fn,
                          void *ctx)
{
    uint64_t deadline = deadline_of(timeout_ms);
    int rc;

    if (child != -1 && get_child(sup, child) == NULL)
        return TIPC_EINVAL;
    for (;;) {
        if (exit_done(sup, child))
            return 0;
        if (deadline != UINT64_MAX && now_ms() >= deadline)
            return TIPC_ETIMEDOUT;
        if ((rc = pump(sup, deadline, fn, ctx)) != 0)
            return rc;
    }
}

/* ---- control and queries ---- */

int
tipc_supervisor_stop(tipc_supervisor *sup, int grace_ms)
{
    assert(sup != NULL);
    if (grace_ms < 0)
        return TIPC_EINVAL;
    if (sup->stopping)
        return 0;
    sup->stopping = true;
    sup->grace_ms = grace_ms;
    for (size_t i = 0; i < sup->nchildren; i++)
        if (sup->children[i].state == TIPC_CHILD_BACKOFF)
            sup->children[i].state = TIPC_CHILD_DONE;
    stop_step(sup, now_ms());
    return 0;
}

int
tipc_supervisor_signal(tipc_supervisor *sup, int child, int sig)
{
    struct child *c = get_child(sup, child);

    if (c == NULL || sig <= 0 || sig >= NSIG)
        return TIPC_EINVAL;
    if (!alive(c))
        return TIPC_ESTATE;
    if (kill(-c->pid, sig) != 0) {
        if (errno != ESRCH || kill(c->pid, sig) != 0)
            return tipc__neg_errno();
    }
    return 0;
}

int
tipc_supervisor_child_info(const tipc_supervisor *sup, int child, tipc_child_info *out)
{
    const struct child *c = get_child(sup, child);

    assert(out != NULL);
    if (c == NULL)
        return TIPC_EINVAL;
    memset(out, 0, sizeof *out);
    strcpy(out->name, c->name);
    out->state = c->state;
    out->pid = c->pid;
    out->ready = c->ready;
    out->restarts = c->restarts;
    out->exited = c->exited;
    out->exit_code = c->exit_code;
    out->signal = c->signal;
    out->maxrss_kb = c->maxrss_kb;
    return 0;
}

size_t
tipc_supervisor_live(const tipc_supervisor *sup)
{
    size_t n = 0;

    assert(sup != NULL);
    for (size_t i = 0; i < sup->nchildren; i++)
        n += sup->children[i].state != TIPC_CHILD_DONE;
    return n;
}

/* ---- formatting ---- */

static const char *
sig_abbrev(int sig)
{
    switch (sig) {
    case SIGHUP:
        return "HUP";
    case SIGINT:
        return "INT";
    case SIGQUIT:
        return "QUIT";
    case SIGILL:
        return "ILL";
    case SIGTRAP:
        return "TRAP";
    case SIGABRT:
        return "ABRT";
    case SIGBUS:
        return "BUS";
    case SIGFPE:
        return "FPE";
    case SIGKILL:
        return "KILL";
    case SIGUSR1:
        return "USR1";
    case SIGSEGV:
        return "SEGV";
    case SIGUSR2:
        return "USR2";
    case SIGPIPE:
        return "PIPE";
    case SIGALRM:
        return "ALRM";
    case SIGTERM:
        return "TERM";
    }
    return NULL;
}

int
tipc_supervisor_format_event(const tipc_sup_event *ev, char *buf, size_t cap, size_t *len)
{
    char what[96], tail[96] = "";
    int n;

    assert(ev != NULL && len != NULL && (buf != NULL || cap == 0));
    switch (ev->type) {
    case TIPC_SUP_EV_LINE:
        n = snprintf(buf, cap, "[%s] %.*s", ev->name,
                     (int)(ev->len > INT32_MAX ? INT32_MAX : ev->len), ev->text);
        break;
    case TIPC_SUP_EV_READY:
        n = snprintf(buf, cap, "[%s] ready (pid %ld)", ev->name, (long)ev->pid);
        break;
    case TIPC_SUP_EV_RESTART:
        n = snprintf(buf, cap, "[%s] restarted (pid %ld, restart %u of %u)", ev->name,
                     (long)ev->pid, ev->restarts, ev->max_restarts);
        break;
    case TIPC_SUP_EV_EXIT:
        if (ev->spawn_error != 0)
            snprintf(what, sizeof what, "could not be restarted: %s",
                     tipc_strerror(ev->spawn_error));
        else if (ev->signal != 0 && sig_abbrev(ev->signal) != NULL)
            snprintf(what, sizeof what, "killed by signal %d (%s) (pid %ld)", ev->signal,
                     sig_abbrev(ev->signal), (long)ev->pid);
        else if (ev->signal != 0)
            snprintf(what, sizeof what, "killed by signal %d (pid %ld)", ev->signal, (long)ev->pid);
        else
            snprintf(what, sizeof what, "exited with code %d (pid %ld)", ev->exit_code,
                     (long)ev->pid);
        if (ev->will_restart)
            snprintf(tail, sizeof tail, "; restart %u of %u in %u ms", ev->restarts + 1,
                     ev->max_restarts, ev->restart_delay_ms);
        else if (ev->max_restarts > 0 && (ev->exit_code != 0 || ev->signal != 0))
            snprintf(tail, sizeof tail, "; not restarted");
        n = snprintf(buf, cap, "[%s] %s%s", ev->name, what, tail);
        break;
    default:
        return TIPC_EINVAL;
    }
    if (n < 0)
        return TIPC_EINVAL;
    *len = (size_t)n;
    return (size_t)n < cap ? 0 : TIPC_ENOSPC;
}
