/* SPDX-License-Identifier: MIT */
/* Child supervision: exact prefixed lines, readiness by marker and by fd,
 * exit codes and signals, restart with backoff up to the limit, ordered stop
 * with SIGKILL escalation, bounded line buffers. Loop tests run with pidfds
 * (_i == 0) and with the waitpid fallback (_i == 1). */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "tipc_check.h"

struct rec {
    tipc_sup_event ev; /* text and name pointers cleared: they do not outlive the call */
    char text[128];
    char fmt[256];
    uint64_t t_ms;
};

static struct rec recs[512];
static int nrec;
static long long lines_seen, line_bytes, partial_seen, non_x;

static struct {
    int n;
    char msg[8][600];
} logs;

static void
capture(void *ctx, tipc_log_level level, const char *component, const char *msg)
{
    (void)ctx;
    if (level <= TIPC_LOG_WARN && logs.n < 8)
        snprintf(logs.msg[logs.n++], sizeof logs.msg[0], "%s %s: %s", tipc_log_level_name(level),
                 component, msg);
}

static const tipc_logger logger = {capture, NULL, TIPC_LOG_DEBUG};

static uint64_t
ms(void)
{
    return tipc_time_monotonic_ns() / 1000000u;
}

static void
record(void *ctx, const tipc_sup_event *ev)
{
    size_t len;
    (void)ctx;
    if (ev->type == TIPC_SUP_EV_LINE) {
        lines_seen++;
        line_bytes += (long long)ev->len;
        partial_seen += ev->partial;
        ck_assert_uint_eq(strlen(ev->text), ev->len);
        if (ev->len > 100) { /* the long-line test: count, don't keep */
            for (size_t i = 0; i < ev->len; i++)
                non_x += ev->text[i] != 'x';
            return;
        }
    }
    ck_assert_int_lt(nrec, (int)(sizeof recs / sizeof recs[0]));
    struct rec *r = &recs[nrec++];
    r->ev = *ev;
    r->ev.text = NULL;
    r->ev.name = NULL;
    snprintf(r->text, sizeof r->text, "%s", ev->type == TIPC_SUP_EV_LINE ? ev->text : "");
    ck_assert_tipc_ok(tipc_supervisor_format_event(ev, r->fmt, sizeof r->fmt, &len));
    ck_assert_uint_eq(strlen(r->fmt), len);
    r->t_ms = ms();
}

static char dir[256];

/* Unchecked: runs in the parent, so the directory goes even if a test fails. */
static void
dir_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/tipc_sup_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
}

static void
dir_teardown(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/flag", dir);
    unlink(p);
    rmdir(dir);
}

static void
setup(void)
{
    nrec = 0;
    lines_seen = line_bytes = partial_seen = non_x = 0;
    memset(&logs, 0, sizeof logs);
}

static tipc_supervisor *
sup_open(int loop_i, uint32_t line_max)
{
    tipc_supervisor *sup = NULL;
    tipc_supervisor_opts o = {.logger = &logger, .line_max = line_max};
    o.flags = loop_i == 1 ? TIPC_SUP_NO_PIDFD : 0;
    ck_assert_tipc_ok(tipc_supervisor_open(&sup, &o));
    return sup;
}

static int
spawn_sh(tipc_supervisor *sup, const char *name, const char *script, tipc_sup_ready ready,
         uint32_t max_restarts)
{
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    tipc_child_spec spec = {
        .name = name, .argv = argv, .ready = ready, .max_restarts = max_restarts};
    int id = -1;
    if (ready == TIPC_SUP_READY_MARKER)
        spec.ready_marker = "READY";
    ck_assert_tipc_ok(tipc_supervisor_spawn(sup, &spec, &id));
    return id;
}

/* The formatted events of one child, in order, of the given type (0: all). */
static int
find(int child, tipc_sup_event_type type, int from)
{
    for (int i = from; i < nrec; i++)
        if (recs[i].ev.child == child && (type == 0 || recs[i].ev.type == type))
            return i;
    return -1;
}

static void
assert_lines(int child, tipc_sup_stream stream, const char *const *want, int n)
{
    int k = 0;
    for (int i = 0; i < nrec; i++) {
        if (recs[i].ev.child != child || recs[i].ev.type != TIPC_SUP_EV_LINE ||
            recs[i].ev.stream != stream)
            continue;
        ck_assert_int_lt(k, n);
        ck_assert_str_eq(recs[i].fmt, want[k]);
        k++;
    }
    ck_assert_int_eq(k, n);
}

/* ---- core ---- */

START_TEST(test_supervise_lines_are_exact_and_prefixed)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "hello", "echo hello; echo oops >&2; echo '  two  words '; printf tail",
                     TIPC_SUP_READY_NONE, 0);
    static const char *const out[] = {"[hello] hello", "[hello]   two  words ", "[hello] tail"};
    static const char *const err[] = {"[hello] oops"};
    tipc_child_info info;

    ck_assert_int_eq(c, 0);
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, c, 5000, record, NULL));
    assert_lines(c, TIPC_SUP_STDOUT, out, 3);
    assert_lines(c, TIPC_SUP_STDERR, err, 1);
    ck_assert_int_eq(nrec, 6);
    ck_assert_int_eq(recs[0].ev.type, TIPC_SUP_EV_READY); /* READY_NONE: at once */
    ck_assert_int_eq(recs[nrec - 1].ev.type, TIPC_SUP_EV_EXIT);
    ck_assert_int_eq(recs[nrec - 1].ev.exit_code, 0);
    ck_assert_int_eq(recs[nrec - 1].ev.signal, 0);
    ck_assert_int_eq(recs[nrec - 1].ev.will_restart, 0);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_str_eq(info.name, "hello");
    ck_assert_int_eq(info.state, TIPC_CHILD_DONE);
    ck_assert_int_eq(info.exited, 1);
    ck_assert_int_eq(info.exit_code, 0);
    char want[64];
    snprintf(want, sizeof want, "[hello] exited with code 0 (pid %ld)", (long)info.pid);
    ck_assert_str_eq(recs[nrec - 1].fmt, want);
    ck_assert_uint_eq(tipc_supervisor_live(sup), 0);
    tipc_supervisor_close(sup);
    ck_assert_int_eq(logs.n, 0);
}
END_TEST

START_TEST(test_supervise_ready_by_marker)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "svc", "echo starting; echo 'svc READY on 5555'; exec sleep 10",
                     TIPC_SUP_READY_MARKER, 0);
    tipc_child_info info;

    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_int_eq(info.ready, 0);
    ck_assert_tipc_ok(tipc_supervisor_wait_ready(sup, c, 5000, record, NULL));
    ck_assert_int_eq(nrec, 3);
    ck_assert_str_eq(recs[0].fmt, "[svc] starting");
    ck_assert_str_eq(recs[1].fmt, "[svc] svc READY on 5555");
    ck_assert_int_eq(recs[2].ev.type, TIPC_SUP_EV_READY);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_int_eq(info.ready, 1);
    ck_assert_int_eq(info.state, TIPC_CHILD_RUNNING);
    char want[64];
    snprintf(want, sizeof want, "[svc] ready (pid %ld)", (long)info.pid);
    ck_assert_str_eq(recs[2].fmt, want);
    ck_assert_tipc_ok(tipc_supervisor_wait_ready(sup, c, 0, record, NULL)); /* already */
    ck_assert_tipc_ok(tipc_supervisor_stop(sup, 1000));
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, -1, 5000, record, NULL));
    ck_assert_int_eq(recs[nrec - 1].ev.signal, SIGTERM);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_ready_by_fd)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "fdsvc",
                     "test \"$TIPC_READY_FD\" = 3 || exit 9; echo before; sleep 0.05; "
                     "echo 1 >&3; exec sleep 10",
                     TIPC_SUP_READY_FD, 0);
    tipc_child_info info;

    ck_assert_tipc_ok(tipc_supervisor_wait_ready(sup, c, 5000, record, NULL));
    ck_assert_int_eq(nrec, 2);
    ck_assert_str_eq(recs[0].fmt, "[fdsvc] before");
    ck_assert_int_eq(recs[1].ev.type, TIPC_SUP_EV_READY);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_int_eq(info.ready, 1);
    ck_assert_tipc_ok(tipc_supervisor_stop(sup, 1000));
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, -1, 5000, record, NULL));
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_child_environment_and_descriptors)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    const char *env[] = {"TIPC_T_FOO=bar baz", "HOME=/override", NULL};
    char script[256];
    int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: must still not reach the child */
    int c = -1;

    ck_assert_int_ge(leak, 0);
    snprintf(script, sizeof script,
             "echo \"$TIPC_T_FOO|$HOME|${TIPC_READY_FD-unset}\"; "
             "if [ -e /proc/$$/fd/%d ]; then echo leaked; else echo clean; fi; "
             "if [ -e /proc/$$/fd/3 ]; then echo fd3; else echo nofd3; fi; read x; echo \"in=$x\"",
             leak);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    tipc_child_spec spec = {.name = "env", .argv = argv, .env = env};
    ck_assert_tipc_ok(tipc_supervisor_spawn(sup, &spec, &c));
    close(leak);
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, c, 5000, record, NULL));
    static const char *const want[] = {"[env] bar baz|/override|unset", "[env] clean",
                                       "[env] nofd3", "[env] in="};
    assert_lines(c, TIPC_SUP_STDOUT, want, 4);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_exit_codes_and_signals)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int a = spawn_sh(sup, "a", "exit 7", TIPC_SUP_READY_NONE, 0);
    int b = spawn_sh(sup, "b", "kill -USR1 $$", TIPC_SUP_READY_NONE, 0);
    int k = spawn_sh(sup, "k", "exec sleep 10", TIPC_SUP_READY_NONE, 0);
    tipc_child_info ia, ib, ik;
    char want[96];

    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, a, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, b, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_signal(sup, k, SIGKILL));
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, -1, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, a, &ia));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, b, &ib));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, k, &ik));
    ck_assert_int_eq(ia.exit_code, 7);
    ck_assert_int_eq(ia.signal, 0);
    ck_assert_int_eq(ib.exit_code, -1);
    ck_assert_int_eq(ib.signal, SIGUSR1);
    ck_assert_int_eq(ik.signal, SIGKILL);

    int ea = find(a, TIPC_SUP_EV_EXIT, 0), eb = find(b, TIPC_SUP_EV_EXIT, 0);
    int ek = find(k, TIPC_SUP_EV_EXIT, 0);
    ck_assert_int_ge(ea, 0);
    ck_assert_int_ge(eb, 0);
    ck_assert_int_ge(ek, 0);
    snprintf(want, sizeof want, "[a] exited with code 7 (pid %ld)", (long)ia.pid);
    ck_assert_str_eq(recs[ea].fmt, want);
    snprintf(want, sizeof want, "[b] killed by signal %d (USR1) (pid %ld)", SIGUSR1, (long)ib.pid);
    ck_assert_str_eq(recs[eb].fmt, want);
    ck_assert_int_eq(recs[eb].ev.exit_code, -1);
    ck_assert_int_eq(recs[eb].ev.signal, SIGUSR1);
    snprintf(want, sizeof want, "[k] killed by signal 9 (KILL) (pid %ld)", (long)ik.pid);
    ck_assert_str_eq(recs[ek].fmt, want);
    ck_assert_tipc_err(tipc_supervisor_signal(sup, k, SIGTERM), TIPC_ESTATE);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_restart_with_backoff_until_limit)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    const char *argv[] = {"/bin/sh", "-c", "echo run; exit 3", NULL};
    tipc_child_spec spec = {.name = "flaky",
                            .argv = argv,
                            .max_restarts = 3,
                            .backoff_initial_ms = 20,
                            .backoff_max_ms = 50};
    static const uint32_t delay[] = {20, 40, 50};
    tipc_child_info info;
    int c = -1;

    ck_assert_tipc_ok(tipc_supervisor_spawn(sup, &spec, &c));
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, c, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_uint_eq(info.restarts, 3);
    ck_assert_int_eq(info.state, TIPC_CHILD_DONE);
    ck_assert_int_eq(info.exit_code, 3);

    /* READY, run, EXIT, then 3 x (RESTART, READY, run, EXIT) */
    ck_assert_int_eq(nrec, 3 + 3 * 4);
    int i = 0;
    for (uint32_t r = 0; r <= 3; r++) {
        if (r > 0) {
            char want[96];
            ck_assert_int_eq(recs[i].ev.type, TIPC_SUP_EV_RESTART);
            ck_assert_uint_eq(recs[i].ev.restarts, r);
            snprintf(want, sizeof want, "[flaky] restarted (pid %ld, restart %u of 3)",
                     (long)recs[i].ev.pid, r);
            ck_assert_str_eq(recs[i].fmt, want);
            /* the backoff was respected (a lower bound only: no timing upper bound) */
            ck_assert_uint_ge(recs[i].t_ms - recs[i - 1].t_ms + 1, delay[r - 1]); /* ms rounding */
            i++;
        }
        ck_assert_int_eq(recs[i++].ev.type, TIPC_SUP_EV_READY);
        ck_assert_str_eq(recs[i++].fmt, "[flaky] run");
        const tipc_sup_event *e = &recs[i].ev;
        ck_assert_int_eq(e->type, TIPC_SUP_EV_EXIT);
        ck_assert_int_eq(e->exit_code, 3);
        ck_assert_uint_eq(e->restarts, r);
        ck_assert_uint_eq(e->max_restarts, 3);
        char want[128];
        if (r < 3) {
            ck_assert_int_eq(e->will_restart, 1);
            ck_assert_uint_eq(e->restart_delay_ms, delay[r]);
            snprintf(want, sizeof want,
                     "[flaky] exited with code 3 (pid %ld); restart %u of 3 in %u ms", (long)e->pid,
                     r + 1, delay[r]);
        } else {
            ck_assert_int_eq(e->will_restart, 0);
            snprintf(want, sizeof want, "[flaky] exited with code 3 (pid %ld); not restarted",
                     (long)e->pid);
        }
        ck_assert_str_eq(recs[i].fmt, want);
        i++;
    }
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_default_backoff_and_stop_cancels_restart)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "once", "exit 1", TIPC_SUP_READY_NONE, 5);
    tipc_sup_event ev[4];
    tipc_child_info info;
    int n, got_exit = 0;
    uint64_t t0 = ms();

    while (!got_exit && ms() - t0 < 5000) {
        n = tipc_supervisor_poll(sup, 1000, ev, 4);
        ck_assert_int_ge(n, 0);
        for (int i = 0; i < n; i++) {
            if (ev[i].type != TIPC_SUP_EV_EXIT)
                continue;
            got_exit = 1;
            ck_assert_int_eq(ev[i].will_restart, 1);
            ck_assert_uint_eq(ev[i].restart_delay_ms, TIPC_SUP_DEFAULT_BACKOFF_INITIAL_MS);
        }
    }
    ck_assert_int_eq(got_exit, 1);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_int_eq(info.state, TIPC_CHILD_BACKOFF);
    ck_assert_uint_eq(tipc_supervisor_live(sup), 1);
    ck_assert_tipc_ok(tipc_supervisor_stop(sup, 100));
    ck_assert_uint_eq(tipc_supervisor_live(sup), 0);
    ck_assert_int_eq(tipc_supervisor_poll(sup, 250, ev, 4), 0); /* no RESTART comes */
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_int_eq(info.state, TIPC_CHILD_DONE);
    ck_assert_uint_eq(info.restarts, 0);
    tipc_supervisor_close(sup);
}
END_TEST

/* Each child's own peak RSS (wait4), not the largest of everything this
 * process ever reaped: a small child after a big one still reads small. A
 * child's figure starts at our RSS when it was forked (the kernel keeps the
 * pre-exec high-water mark), so both bounds are relative to ours (large under
 * valgrind). */
START_TEST(test_supervise_peak_rss_per_child)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    struct rusage self;
    char script[128];
    tipc_child_info info;

    ck_assert_int_eq(getrusage(RUSAGE_SELF, &self), 0);
    long base_kb = self.ru_maxrss, big_kb = base_kb + 30000;
    snprintf(script, sizeof script, "x=$(head -c %ld /dev/zero | tr '\\0' a); exit 0",
             big_kb * 1024);
    int big = spawn_sh(sup, "big", script, TIPC_SUP_READY_NONE, 0);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, big, &info));
    ck_assert_int_eq(info.maxrss_kb, 0); /* nothing reaped yet */
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, big, 20000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, big, &info));
    ck_assert_int_eq(info.exit_code, 0);
    ck_assert_int_ge(info.maxrss_kb, big_kb); /* the string */

    int small = spawn_sh(sup, "small", "exit 0", TIPC_SUP_READY_NONE, 0);
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, small, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, small, &info));
    ck_assert_int_gt(info.maxrss_kb, 0);
    ck_assert_int_lt(info.maxrss_kb, base_kb + 10000);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_exit_zero_is_not_restarted)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "ok", "exit 0", TIPC_SUP_READY_NONE, 3);
    tipc_child_info info;

    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, c, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_uint_eq(info.restarts, 0);
    int e = find(c, TIPC_SUP_EV_EXIT, 0);
    ck_assert_int_ge(e, 0);
    ck_assert_int_eq(recs[e].ev.will_restart, 0);
    ck_assert_int_eq(find(c, TIPC_SUP_EV_RESTART, 0), -1);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_stop_terms_in_reverse_order_and_kills_stubborn)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int polite = spawn_sh(sup, "polite", "echo READY; exec sleep 30", TIPC_SUP_READY_MARKER, 3);
    int stubborn =
        spawn_sh(sup, "stubborn", "trap '' TERM; echo READY; while :; do sleep 0.05; done",
                 TIPC_SUP_READY_MARKER, 3);
    tipc_child_info ip, is;
    char want[128];
    int c = -1;

    ck_assert_tipc_ok(tipc_supervisor_wait_ready(sup, polite, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_wait_ready(sup, stubborn, 5000, record, NULL));
    nrec = 0;
    uint64_t t0 = ms();
    ck_assert_tipc_ok(tipc_supervisor_stop(sup, 200));
    ck_assert_tipc_ok(tipc_supervisor_stop(sup, 5)); /* a second call changes nothing */
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, -1, 5000, record, NULL));
    ck_assert_int_eq(nrec, 2);
    /* reverse start order: the stubborn one first, killed after the grace */
    ck_assert_int_eq(recs[0].ev.child, stubborn);
    ck_assert_int_eq(recs[0].ev.signal, SIGKILL);
    ck_assert_int_eq(recs[0].ev.will_restart, 0);
    ck_assert_uint_ge(recs[0].t_ms - t0, 200);
    ck_assert_int_eq(recs[1].ev.child, polite);
    ck_assert_int_eq(recs[1].ev.signal, SIGTERM);
    ck_assert_int_eq(recs[1].ev.will_restart, 0);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, polite, &ip));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, stubborn, &is));
    snprintf(want, sizeof want, "[stubborn] killed by signal 9 (KILL) (pid %ld); not restarted",
             (long)is.pid);
    ck_assert_str_eq(recs[0].fmt, want);
    snprintf(want, sizeof want, "[polite] killed by signal 15 (TERM) (pid %ld); not restarted",
             (long)ip.pid);
    ck_assert_str_eq(recs[1].fmt, want);
    ck_assert_uint_eq(is.restarts, 0);
    ck_assert_uint_eq(ip.restarts, 0);
    ck_assert_int_eq(logs.n, 1);
    snprintf(want, sizeof want,
             "warn supervise: stubborn (pid %ld) still running 200 ms after SIGTERM: SIGKILL",
             (long)is.pid);
    ck_assert_str_eq(logs.msg[0], want);
    ck_assert_uint_eq(tipc_supervisor_live(sup), 0);
    const char *argv[] = {"/bin/true", NULL};
    tipc_child_spec spec = {.name = "late", .argv = argv};
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_ESTATE);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_output_arrives_before_exit)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "burst",
                     "i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done; "
                     "echo err >&2; exit 4",
                     TIPC_SUP_READY_NONE, 0);
    tipc_sup_event ev[5];
    int n, lines = 0, exits = 0;
    uint64_t t0 = ms();

    while (exits == 0 && ms() - t0 < 5000) {
        n = tipc_supervisor_poll(sup, 1000, ev, 5); /* a small array: events queue up */
        ck_assert_int_ge(n, 0);
        ck_assert_int_le(n, 5);
        for (int i = 0; i < n; i++) {
            if (ev[i].type == TIPC_SUP_EV_LINE && ev[i].stream == TIPC_SUP_STDOUT) {
                char want[32];
                snprintf(want, sizeof want, "line %d", lines++);
                ck_assert_str_eq(ev[i].text, want);
            } else if (ev[i].type == TIPC_SUP_EV_EXIT) {
                ck_assert_int_eq(ev[i].exit_code, 4);
                ck_assert_int_eq(i, n - 1);
                exits++;
            }
        }
    }
    ck_assert_int_eq(lines, 300);
    ck_assert_int_eq(exits, 1);
    ck_assert_int_eq(c, 0);
    tipc_supervisor_close(sup);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_supervise_wait_ready_times_out)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "mute", "exec sleep 10", TIPC_SUP_READY_MARKER, 0);
    tipc_child_info info;
    uint64_t t0 = ms();

    ck_assert_tipc_err(tipc_supervisor_wait_ready(sup, c, 150, record, NULL), TIPC_ETIMEDOUT);
    ck_assert_uint_ge(ms() - t0, 150);
    ck_assert_int_eq(nrec, 0);
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    tipc_supervisor_close(sup); /* kills and reaps it */
    ck_assert_int_eq(kill(info.pid, 0), -1);
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_int_eq(logs.n, 1);
    char want[96];
    snprintf(want, sizeof want, "warn supervise: mute (pid %ld) still running: SIGKILL",
             (long)info.pid);
    ck_assert_str_eq(logs.msg[0], want);
}
END_TEST

START_TEST(test_supervise_wait_ready_child_dies)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "dies", "echo bye; exit 2", TIPC_SUP_READY_MARKER, 0);

    ck_assert_tipc_err(tipc_supervisor_wait_ready(sup, c, 5000, record, NULL), TIPC_ECHILD);
    ck_assert_int_eq(nrec, 2);
    ck_assert_str_eq(recs[0].fmt, "[dies] bye");
    ck_assert_int_eq(recs[1].ev.exit_code, 2);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_wait_ready_survives_a_restart)
{
    char script[1024], flag[300];
    tipc_supervisor *sup = sup_open(_i, 0);
    tipc_child_info info;

    snprintf(flag, sizeof flag, "%s/flag", dir);
    unlink(flag);
    snprintf(script, sizeof script,
             "if [ -e %s ]; then echo READY; exec sleep 10; else : > %s; exit 1; fi", flag, flag);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    tipc_child_spec spec = {.name = "second",
                            .argv = argv,
                            .ready = TIPC_SUP_READY_MARKER,
                            .ready_marker = "READY",
                            .max_restarts = 2,
                            .backoff_initial_ms = 10};
    int c = -1;
    ck_assert_tipc_ok(tipc_supervisor_spawn(sup, &spec, &c));
    ck_assert_tipc_ok(tipc_supervisor_wait_ready(sup, c, 5000, record, NULL));
    ck_assert_tipc_ok(tipc_supervisor_child_info(sup, c, &info));
    ck_assert_uint_eq(info.restarts, 1);
    ck_assert_int_eq(info.ready, 1);
    ck_assert_int_ge(find(c, TIPC_SUP_EV_RESTART, 0), 0);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_spawn_errors)
{
    tipc_supervisor *sup = NULL;
    tipc_supervisor_opts o = {.max_children = 1};
    const char *argv[] = {"/nonexistent/program", NULL};
    const char *ok[] = {"/bin/sh", "-c", "exit 0", NULL};
    const char *noargs[] = {NULL};
    tipc_child_spec spec = {.name = "x", .argv = argv};
    tipc_child_info info;
    int c = -7;

    ck_assert_tipc_ok(tipc_supervisor_open(&sup, &o));
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_ENOENT);
    ck_assert_int_eq(c, -7);
    spec.argv = NULL;
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_EINVAL);
    spec.argv = noargs;
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_EINVAL);
    spec.argv = ok;
    spec.name = "";
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_EINVAL);
    spec.name = "a-name-that-is-much-longer-than-31";
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_ENAMETOOLONG);
    spec.name = "m";
    spec.ready = TIPC_SUP_READY_MARKER;
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_EINVAL);
    spec.ready = (tipc_sup_ready)7;
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_EINVAL);
    spec.ready = TIPC_SUP_READY_NONE;
    ck_assert_tipc_ok(tipc_supervisor_spawn(sup, &spec, &c));
    ck_assert_int_eq(c, 0);
    ck_assert_tipc_err(tipc_supervisor_spawn(sup, &spec, &c), TIPC_ENOSPC);
    ck_assert_tipc_err(tipc_supervisor_child_info(sup, 1, &info), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_supervisor_child_info(sup, -1, &info), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_supervisor_signal(sup, 1, SIGTERM), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_supervisor_signal(sup, 0, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_supervisor_wait_ready(sup, 3, 0, NULL, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_supervisor_wait_exit(sup, 3, 0, NULL, NULL), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_supervisor_stop(sup, -1), TIPC_EINVAL);
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, -1, 5000, NULL, NULL));
    tipc_supervisor_close(sup);
    tipc_supervisor_close(NULL);
    o.line_max = TIPC_SUP_LINE_MAX_LIMIT + 1;
    sup = NULL;
    ck_assert_tipc_err(tipc_supervisor_open(&sup, &o), TIPC_EINVAL);
    ck_assert_ptr_null(sup);
}
END_TEST

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

START_TEST(test_supervise_poll_is_interruptible)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    struct sigaction sa, old;
    struct itimerval it = {.it_value = {.tv_usec = 50000}};
    tipc_sup_event ev[4];
    int n;

    alarms = 0;
    spawn_sh(sup, "sleeper", "exec sleep 10", TIPC_SUP_READY_FD, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
    ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
    n = tipc_supervisor_poll(sup, -1, ev, 4);
    if (_i == 1) { /* the fallback ticks every 20 ms: keep polling until the alarm */
        while (n == 0)
            n = tipc_supervisor_poll(sup, -1, ev, 4);
    }
    sigaction(SIGALRM, &old, NULL);
    ck_assert_tipc_err(n, TIPC_EINTR);
    ck_assert_int_eq(alarms, 1);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_format_reports_needed_size)
{
    tipc_sup_event ev = {.type = TIPC_SUP_EV_LINE, .name = "gw", .text = "hello world", .len = 11};
    char buf[8];
    size_t len = 0;

    ck_assert_tipc_err(tipc_supervisor_format_event(&ev, buf, sizeof buf, &len), TIPC_ENOSPC);
    ck_assert_uint_eq(len, strlen("[gw] hello world"));
    ck_assert_str_eq(buf, "[gw] he");
    ev.type = (tipc_sup_event_type)99;
    ck_assert_tipc_err(tipc_supervisor_format_event(&ev, buf, sizeof buf, &len), TIPC_EINVAL);
    tipc_sup_event ex = {.type = TIPC_SUP_EV_EXIT,
                         .name = "om",
                         .pid = 42,
                         .exit_code = -1,
                         .spawn_error = TIPC_ENOENT,
                         .will_restart = 1,
                         .restart_delay_ms = 400,
                         .restarts = 2,
                         .max_restarts = 5};
    char big[160];
    ck_assert_tipc_ok(tipc_supervisor_format_event(&ex, big, sizeof big, &len));
    ck_assert_str_eq(big, "[om] could not be restarted: no such file, name or symbol; restart 3 "
                          "of 5 in 400 ms");
    ex = (tipc_sup_event){
        .type = TIPC_SUP_EV_EXIT, .name = "om", .pid = 42, .exit_code = -1, .signal = 64};
    ck_assert_tipc_ok(tipc_supervisor_format_event(&ex, big, sizeof big, &len));
    ck_assert_str_eq(big, "[om] killed by signal 64 (pid 42)");
}
END_TEST

/* ---- limits ---- */

START_TEST(test_supervise_megabyte_line_is_split)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    int c = spawn_sh(sup, "big", "head -c 1048576 /dev/zero | tr '\\0' x; echo; echo tail",
                     TIPC_SUP_READY_NONE, 0);

    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, c, 10000, record, NULL));
    ck_assert_int_eq(lines_seen, 256 + 1);
    ck_assert_int_eq(partial_seen, 255); /* the 256th chunk ends at the '\n' */
    ck_assert_int_eq(line_bytes, 1048576 + 4);
    ck_assert_int_eq(non_x, 0);
    ck_assert_int_eq(nrec, 3); /* READY, "tail", EXIT */
    ck_assert_str_eq(recs[1].fmt, "[big] tail");
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_split_points_are_exact)
{
    tipc_supervisor *sup = sup_open(_i, 8);
    int c = spawn_sh(sup, "s", "printf '123456789\\n12345678\\n\\n1234567890123456789'",
                     TIPC_SUP_READY_NONE, 0);
    static const char *const want[] = {"[s] 12345678", "[s] 9",        "[s] 12345678", "[s] ",
                                       "[s] 12345678", "[s] 90123456", "[s] 789"};
    static const int partial[] = {1, 0, 0, 0, 1, 1, 0};

    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, c, 5000, record, NULL));
    assert_lines(c, TIPC_SUP_STDOUT, want, 7);
    for (int i = 0, k = 0; i < nrec; i++)
        if (recs[i].ev.type == TIPC_SUP_EV_LINE)
            ck_assert_int_eq(recs[i].ev.partial, partial[k++]);
    tipc_supervisor_close(sup);
}
END_TEST

START_TEST(test_supervise_poll_without_children_times_out)
{
    tipc_supervisor *sup = sup_open(_i, 0);
    tipc_sup_event ev[1];
    uint64_t t0 = ms();

    ck_assert_int_eq(tipc_supervisor_poll(sup, 60, ev, 1), 0);
    ck_assert_uint_ge(ms() - t0, 60);
    ck_assert_int_eq(tipc_supervisor_poll(sup, 0, ev, 1), 0);
    ck_assert_uint_eq(tipc_supervisor_live(sup), 0);
    ck_assert_tipc_ok(tipc_supervisor_wait_exit(sup, -1, 0, NULL, NULL));
    tipc_supervisor_close(sup);
}
END_TEST

static Suite *
tipc_supervise_suite(void)
{
    Suite *s = suite_create("supervise");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 15);
    tcase_add_loop_test(tc, test_supervise_lines_are_exact_and_prefixed, 0, 2);
    tcase_add_loop_test(tc, test_supervise_ready_by_marker, 0, 2);
    tcase_add_loop_test(tc, test_supervise_ready_by_fd, 0, 2);
    tcase_add_loop_test(tc, test_supervise_child_environment_and_descriptors, 0, 1);
    tcase_add_loop_test(tc, test_supervise_exit_codes_and_signals, 0, 2);
    tcase_add_loop_test(tc, test_supervise_restart_with_backoff_until_limit, 0, 2);
    tcase_add_loop_test(tc, test_supervise_default_backoff_and_stop_cancels_restart, 0, 1);
    tcase_add_loop_test(tc, test_supervise_peak_rss_per_child, 0, 1);
    tcase_add_loop_test(tc, test_supervise_exit_zero_is_not_restarted, 0, 1);
    tcase_add_loop_test(tc, test_supervise_stop_terms_in_reverse_order_and_kills_stubborn, 0, 2);
    tcase_add_loop_test(tc, test_supervise_output_arrives_before_exit, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 15);
    tcase_add_loop_test(tc, test_supervise_wait_ready_times_out, 0, 1);
    tcase_add_loop_test(tc, test_supervise_wait_ready_child_dies, 0, 2);
    tcase_add_loop_test(tc, test_supervise_wait_ready_survives_a_restart, 0, 1);
    tcase_add_test(tc, test_supervise_spawn_errors);
    tcase_add_loop_test(tc, test_supervise_poll_is_interruptible, 0, 2);
    tcase_add_test(tc, test_supervise_format_reports_needed_size);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 20);
    tcase_add_loop_test(tc, test_supervise_megabyte_line_is_split, 0, 1);
    tcase_add_loop_test(tc, test_supervise_split_points_are_exact, 0, 2);
    tcase_add_loop_test(tc, test_supervise_poll_without_children_times_out, 0, 1);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_supervise_suite)
