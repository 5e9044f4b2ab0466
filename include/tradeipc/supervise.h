/* SPDX-License-Identifier: MIT */
/*
 * Child-process supervision: what a launcher needs to run a set of programs
 * as one system.
 *
 * A tipc_supervisor spawns children from argv arrays (posix_spawnp, each in
 * its own process group, stdin from /dev/null, signal mask and dispositions
 * reset, descriptors above 3 closed), reads their stdout and stderr through
 * pipes, and reports what happened as events from tipc_supervisor_poll():
 *
 *   LINE     one line of output, without its '\n', tagged with the child's name
 *            and stream; a line longer than line_max arrives as several LINE
 *            events, all but the last with partial = 1
 *   READY    the child said it is ready (see tipc_sup_ready)
 *   EXIT     the child was reaped: exit code or signal, and whether it will
 *            be restarted. All of its output is delivered before its EXIT.
 *   RESTART  a replacement was spawned after the backoff delay
 *
 * Readiness, per child: TIPC_SUP_READY_FD gives the child the write end of a
 * pipe as descriptor 3 and sets TIPC_READY_FD=3 in its environment; the child
 * is ready when it writes at least one byte there (e.g. `echo >&3` in sh or
 * write(3, "1", 1) in C). TIPC_SUP_READY_MARKER makes it ready when a line on
 * stdout or stderr contains a marker string (e.g. "READY"). TIPC_SUP_READY_NONE
 * makes it ready as soon as it is spawned. Readiness resets on restart.
 *
 * Restarts: a child that exits with a non-zero code or is killed by a signal
 * is restarted after a backoff that starts at backoff_initial_ms and doubles
 * up to backoff_max_ms, at most max_restarts times over the supervisor's
 * life; then it stays down. Exit code 0 is never restarted, nor is anything
 * once tipc_supervisor_stop() has been called.
 *
 * Stop: tipc_supervisor_stop() shuts the children down one at a time in
 * reverse spawn order, so dependents go first: SIGTERM to the child's process
 * group, up to grace_ms for it to exit, then SIGKILL; the next child is
 * signalled once the previous one is reaped. Poll drives this.
 *
 * Exits are detected with pidfd_open(2) (Linux >= 5.3), polled alongside the
 * pipes, so the library installs no signal handler and never touches SIGCHLD.
 * Without pidfds it falls back to waitpid(WNOHANG) every 20 ms. The caller
 * must not reap the supervisor's children itself (no waitpid(-1) loops, no
 * SIGCHLD set to SIG_IGN).
 *
 * Threads: a tipc_supervisor is used by one thread at a time.
 */
#ifndef TRADEIPC_SUPERVISE_H
#define TRADEIPC_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tradeipc/export.h>
#include <tradeipc/log.h>

TIPC_BEGIN_DECLS

/* Longest child name, without the terminating NUL. */
#define TIPC_SUP_NAME_MAX 31
/* Defaults for fields left 0. */
#define TIPC_SUP_DEFAULT_MAX_CHILDREN 16
#define TIPC_SUP_DEFAULT_LINE_MAX 4096
#define TIPC_SUP_DEFAULT_BACKOFF_INITIAL_MS 100
#define TIPC_SUP_DEFAULT_BACKOFF_MAX_MS 2000
/* Largest accepted line_max. */
#define TIPC_SUP_LINE_MAX_LIMIT (1u << 20)
/* The descriptor and environment variable of TIPC_SUP_READY_FD. */
#define TIPC_SUP_READY_FD_NUM 3
#define TIPC_SUP_READY_FD_ENV "TIPC_READY_FD"

typedef struct tipc_supervisor tipc_supervisor; /* opaque */

/* Flags for tipc_supervisor_opts.flags. */
#define TIPC_SUP_NO_PIDFD 0x1u /* use the waitpid(WNOHANG) fallback even if pidfds work */

typedef struct tipc_supervisor_opts {
    const tipc_logger *logger; /* spawn failures, forced kills; NULL: silent. Copied. */
    uint32_t max_children;     /* 0: TIPC_SUP_DEFAULT_MAX_CHILDREN */
    uint32_t line_max;         /* bytes per LINE event; 0: TIPC_SUP_DEFAULT_LINE_MAX */
    uint32_t flags;            /* TIPC_SUP_* flags */
} tipc_supervisor_opts;

typedef enum tipc_sup_ready {
    TIPC_SUP_READY_NONE = 0,   /* ready when spawned */
    TIPC_SUP_READY_FD = 1,     /* ready when the child writes to descriptor 3 */
    TIPC_SUP_READY_MARKER = 2, /* ready when an output line contains ready_marker */
} tipc_sup_ready;

/* What to run. Everything is copied by tipc_supervisor_spawn(). */
typedef struct tipc_child_spec {
    const char *name;            /* 1..TIPC_SUP_NAME_MAX bytes, prefixes its output */
    const char *const *argv;     /* NULL-terminated; argv[0] is looked up in PATH */
    const char *const *env;      /* NULL-terminated "NAME=value" list added to (and
                                    overriding) the inherited environment; may be NULL */
    tipc_sup_ready ready;        /* how the child signals readiness */
    const char *ready_marker;    /* TIPC_SUP_READY_MARKER: substring to look for */
    uint32_t max_restarts;       /* 0: never restart */
    uint32_t backoff_initial_ms; /* 0: TIPC_SUP_DEFAULT_BACKOFF_INITIAL_MS */
    uint32_t backoff_max_ms;     /* 0: TIPC_SUP_DEFAULT_BACKOFF_MAX_MS */
} tipc_child_spec;

typedef enum tipc_sup_event_type {
    TIPC_SUP_EV_LINE = 1,
    TIPC_SUP_EV_READY = 2,
    TIPC_SUP_EV_EXIT = 3,
    TIPC_SUP_EV_RESTART = 4
} tipc_sup_event_type;

typedef enum tipc_sup_stream { TIPC_SUP_STDOUT = 1, TIPC_SUP_STDERR = 2 } tipc_sup_stream;

/* One thing that happened. Fields not listed for a type are 0 / NULL. */
typedef struct tipc_sup_event {
    tipc_sup_event_type type;
    int child;        /* id from tipc_supervisor_spawn() */
    const char *name; /* borrowed; valid until tipc_supervisor_close() */
    pid_t pid;        /* the process concerned; RESTART: the new process */

    /* LINE */
    tipc_sup_stream stream;
    const char *text; /* NUL-terminated, no '\n'; borrowed: valid until the next
                         poll, wait or close call on this supervisor */
    size_t len;       /* strlen(text) unless the child wrote NUL bytes */
    int partial;      /* 1: the line was longer than line_max and continues */

    /* EXIT */
    int exit_code;    /* the exit code, or -1 when killed by a signal */
    int signal;       /* the signal that killed it, or 0 */
    int spawn_error;  /* a restart could not be spawned: the TIPC_E* code */
    int will_restart; /* 1: a RESTART follows after restart_delay_ms */
    uint32_t restart_delay_ms;

    /* EXIT: restarts made so far; RESTART: this restart's number, from 1 */
    uint32_t restarts;
    uint32_t max_restarts; /* EXIT and RESTART: the child's limit */
} tipc_sup_event;

typedef enum tipc_child_state {
    TIPC_CHILD_RUNNING = 1, /* a process exists (possibly exited, not yet reported) */
    TIPC_CHILD_BACKOFF = 2, /* waiting to be restarted */
    TIPC_CHILD_DONE = 3     /* exited and will not be restarted */
} tipc_child_state;

typedef struct tipc_child_info {
    char name[TIPC_SUP_NAME_MAX + 1];
    tipc_child_state state;
    pid_t pid;         /* current or last process */
    int ready;         /* the current process has signalled readiness */
    uint32_t restarts; /* restarts made so far */
    int exited;        /* 1 when the fields below describe an exit */
    int exit_code;     /* last exit: code, or -1 when killed by a signal */
    int signal;        /* last exit: signal, or 0 */
    long maxrss_kb;    /* peak RSS in KiB of the largest of its processes that have
                          exited (wait4's ru_maxrss, restarts included; it starts at
                          the supervisor's own RSS at fork); 0 before */
} tipc_child_info;

/* tipc_supervisor_open - create a supervisor with no children.
 * Returns: 0 and *out. Errors: TIPC_EINVAL (line_max above
 * TIPC_SUP_LINE_MAX_LIMIT), TIPC_ENOMEM.
 * Ownership: caller owns *out; release with tipc_supervisor_close(). */
TIPC_API TIPC_NODISCARD int tipc_supervisor_open(tipc_supervisor **out,
                                                 const tipc_supervisor_opts *opts);

/* tipc_supervisor_close - SIGKILL every child process still alive (its whole
 * process group), reap it, close all descriptors and free the supervisor.
 * For a graceful shutdown call tipc_supervisor_stop() and
 * tipc_supervisor_wait_exit() first. NULL is allowed.
 * Ownership: sup is released. */
TIPC_API void tipc_supervisor_close(tipc_supervisor *sup);

/* tipc_supervisor_spawn - start a child now. With TIPC_SUP_READY_NONE a READY
 * event follows from the next poll.
 * Returns: 0 and *child, the id used in events and calls (0, 1, 2, ... in
 * spawn order).
 * Errors: TIPC_EINVAL (missing name or argv, bad ready mode or marker),
 * TIPC_ENAMETOOLONG (name), TIPC_ENOSPC (max_children reached), TIPC_ESTATE
 * (after tipc_supervisor_stop), TIPC_ENOENT / TIPC_EACCES / ... (the program
 * could not be executed: posix_spawnp's error), TIPC_EMFILE, TIPC_ENOMEM.
 * Ownership: spec and everything it points to is copied. */
TIPC_API TIPC_NODISCARD int tipc_supervisor_spawn(tipc_supervisor *sup, const tipc_child_spec *spec,
                                                  int *child);

/* tipc_supervisor_poll - wait up to timeout_ms (-1: forever, 0: don't wait)
 * for something to happen, do the work due (read output, reap, restart,
 * escalate a stop) and store up to cap events in events[]. Returns as soon
 * as at least one event is ready; events that do not fit stay queued.
 * Returns: the number of events stored (0 on timeout).
 * Errors: TIPC_EINTR (a signal interrupted the wait and no event was ready,
 * so the caller can look at its own flags), -errno from poll(2).
 * Ownership: events[] is the caller's; text and name pointers in it are
 * borrowed (see tipc_sup_event). */
TIPC_API TIPC_NODISCARD int tipc_supervisor_poll(tipc_supervisor *sup, int timeout_ms,
                                                 tipc_sup_event *events, size_t cap);

/* tipc_sup_event_fn - receives each event seen by the wait functions.
 * Ownership: ev and its strings borrowed; valid until the callback returns. */
typedef void (*tipc_sup_event_fn)(void *ctx, const tipc_sup_event *ev);

/* tipc_supervisor_wait_ready - poll until child is ready, passing every event
 * on to fn (NULL: dropped). A child that exits before it is ready but will be
 * restarted is waited for.
 * Returns: 0 once ready (at once if it already is).
 * Errors: TIPC_ETIMEDOUT, TIPC_ECHILD (it exited and will not be restarted),
 * TIPC_EINTR, TIPC_EINVAL (no such child), poll's errors. */
TIPC_API TIPC_NODISCARD int tipc_supervisor_wait_ready(tipc_supervisor *sup, int child,
                                                       int timeout_ms, tipc_sup_event_fn fn,
                                                       void *ctx);

/* tipc_supervisor_wait_exit - poll until child (or, with child = -1, every
 * child) is TIPC_CHILD_DONE and its EXIT event was delivered, passing every
 * event on to fn (NULL: dropped).
 * Returns: 0. Errors: TIPC_ETIMEDOUT, TIPC_EINTR, TIPC_EINVAL (no such child),
 * poll's errors. */
TIPC_API TIPC_NODISCARD int tipc_supervisor_wait_exit(tipc_supervisor *sup, int child,
                                                      int timeout_ms, tipc_sup_event_fn fn,
                                                      void *ctx);

/* tipc_supervisor_stop - begin the shutdown described at the top; returns at
 * once. Cancels pending restarts and refuses further spawns. Calling it again
 * changes nothing.
 * Returns: 0. Errors: TIPC_EINVAL (grace_ms < 0). */
TIPC_API TIPC_NODISCARD int tipc_supervisor_stop(tipc_supervisor *sup, int grace_ms);

/* tipc_supervisor_signal - send sig to a running child's process group.
 * Restart rules apply to the resulting exit as to any other.
 * Returns: 0. Errors: TIPC_EINVAL (no such child or bad signal), TIPC_ESTATE
 * (no process running), -errno from kill(2). */
TIPC_API TIPC_NODISCARD int tipc_supervisor_signal(tipc_supervisor *sup, int child, int sig);

/* tipc_supervisor_child_info - a snapshot of a child's state.
 * Returns: 0. Errors: TIPC_EINVAL (no such child). */
TIPC_API TIPC_NODISCARD int tipc_supervisor_child_info(const tipc_supervisor *sup, int child,
                                                       tipc_child_info *out);

/* tipc_supervisor_live - children not yet TIPC_CHILD_DONE (running, exited
 * but not reported, or waiting to restart). */
TIPC_API size_t tipc_supervisor_live(const tipc_supervisor *sup);

/* tipc_supervisor_format_event - render an event as one line, no '\n', NUL-terminated:
 *   LINE     "[name] text"
 *   READY    "[name] ready (pid 123)"
 *   EXIT     "[name] exited with code 3 (pid 123); restart 1 of 5 in 100 ms"
 *            "[name] killed by signal 9 (KILL) (pid 123); not restarted"
 *            "[name] exited with code 0 (pid 123)"
 *            "[name] could not be restarted: <message>; ..."
 *   RESTART  "[name] restarted (pid 124, restart 1 of 5)"
 * "; not restarted" is added when restarts were allowed but are used up or
 * the supervisor is stopping; exit code 0 gets no suffix.
 * Returns: 0 and *len (the length written, or needed on TIPC_ENOSPC).
 * Errors: TIPC_ENOSPC (buf too small; as much as fits is written, still
 * NUL-terminated if cap > 0), TIPC_EINVAL (unknown event type).
 * Ownership: ev borrowed for the call; buf is the caller's. */
TIPC_API TIPC_NODISCARD int tipc_supervisor_format_event(const tipc_sup_event *ev, char *buf,
                                                         size_t cap, size_t *len);

TIPC_END_DECLS

#endif
