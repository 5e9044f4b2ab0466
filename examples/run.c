/* SPDX-License-Identifier: MIT */
/* tradeipc-run: the whole trading stack in one command. It starts the order
 * manager, the gateway, the orderbook and the strategy as supervised children
 * (tipc_supervisor), each once the one it depends on is ready (readiness through
 * descriptor 3, never a sleep), prefixes their output with their names, stops
 * them at the end of the data, on Ctrl-C or after --duration, and prints a
 * summary. A component that dies is restarted with backoff, up to --restarts
 * times (the supervisor does it); the strategy's journal lets a restarted
 * strategy go on numbering its orders and resend the unacknowledged ones.
 * Flags and command lines are in run_config.c, the summary in run_summary.c.
 * Each run uses shared-memory names of its own and removes them at exit,
 * whatever happened. */
#include "config.h"

#include "common.h"
#include "defaults.h"
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define START_TIMEOUT_MS 15000 /* per component, restarts included */
#define DRAIN_TIMEOUT_MS 15000 /* for the orderbook and strategy after the gateway's end */
#define STOP_GRACE_MS 3000     /* per component after SIGTERM, then SIGKILL */
#define TICK_MS 100            /* how often the loop looks at the clock */

struct run {
    struct run_config cfg;
    struct run_summary sum;
    tipc_supervisor *sup;
    bool stopping, stopping_all;
    uint64_t stop_at_ns, drain_until_ns, stop_all_at_ns;
};

static void
fail(struct run *r, enum run_comp c, const char *why)
{
    if (r->sum.comp[c].failure[0] == '\0')
        snprintf(r->sum.comp[c].failure, sizeof r->sum.comp[c].failure, "%s", why);
}

static bool
any_failure(const struct run *r)
{
    for (int c = 0; c < COMP_COUNT; c++)
        if (r->sum.comp[c].failure[0] != '\0')
            return true;
    return false;
}

/* Every supervisor event: output lines are echoed with the component's name
 * (STATS and HIST lines are kept for the summary), the rest is logged. */
static void
on_event(void *ctx, const tipc_sup_event *ev)
{
    struct run *r = ctx;
    struct run_result *res = &r->sum.comp[ev->child];
    char line[256];
    size_t len;

    if (ev->type == TIPC_SUP_EV_LINE) {
        if (ev->stream == TIPC_SUP_STDOUT && run_summary_take_line(&r->sum, ev->child, ev->text) &&
            r->cfg.verbose == 0)
            return;
        if (ev->stream == TIPC_SUP_STDERR)
            snprintf(res->last_err, sizeof res->last_err, "%s", ev->text);
        if (!r->cfg.quiet)
            fprintf(ev->stream == TIPC_SUP_STDERR ? stderr : stdout, "[%-13s] %s\n", ev->name,
                    ev->text);
        return;
    }
    if (ev->type == TIPC_SUP_EV_READY)
        res->ready = res->ever_ready = 1;
    if (ev->type == TIPC_SUP_EV_RESTART)
        res->restarts = ev->restarts;
    if (ev->type == TIPC_SUP_EV_EXIT) {
        res->exit_code = ev->exit_code;
        res->signal = ev->signal;
        res->restarts = ev->restarts;
        res->done = !ev->will_restart;
        if (res->done && ev->exit_code != 0) {
            if (ev->signal != 0)
                snprintf(line, sizeof line, "killed by signal %d", ev->signal);
            else
                snprintf(line, sizeof line, "exited with code %d", ev->exit_code);
            fail(r, ev->child, strcat(line, res->ready ? "" : " before it was ready"));
        } else if (res->done && ev->child == COMP_ORDER_MANAGER && !r->stopping) {
            fail(r, ev->child, "exited before the others");
        }
        res->ready = 0;
    }
    if (tipc_supervisor_format_event(ev, line, sizeof line, &len) == TIPC_ENOSPC)
        line[sizeof line - 1] = '\0';
    LOG("%s", line);
}

static bool
running(const struct run *r, enum run_comp c)
{
    tipc_child_info info;

    return tipc_supervisor_child_info(r->sup, c, &info) == 0 && info.state == TIPC_CHILD_RUNNING;
}

static void
stop_all(struct run *r)
{
    r->stopping_all = true;
    if (tipc_supervisor_stop(r->sup, STOP_GRACE_MS) < 0)
        LOG("cannot stop: bad grace period"); /* only for a negative grace */
}

/* The gateway first: with no new ticks the orderbook and the strategy settle
 * (the strategy waits for the price book to go quiet, then for its acks); then
 * the rest in reverse start order: strategy, orderbook, order manager. */
static void
begin_stop(struct run *r, const char *reason)
{
    if (r->stopping)
        return;
    r->stopping = true;
    r->sum.stop_reason = reason;
    LOG("stopping: %s", reason);
    if (running(r, COMP_GATEWAY) && tipc_supervisor_signal(r->sup, COMP_GATEWAY, SIGTERM) == 0)
        r->stop_all_at_ns = tipc_time_monotonic_ns() + STOP_GRACE_MS * 1000000ull;
    else
        stop_all(r);
}

/* The port a server started with port 0 wrote into its --port-file once listening. */
static long
read_port(const char *path)
{
    char text[64] = "", *end;
    FILE *f = fopen(path, "re");
    long port;

    if (f == NULL)
        return -1;
    if (fgets(text, sizeof text, f) == NULL)
        text[0] = '\0';
    fclose(f);
    port = strtol(text, &end, 10);
    return end != text && (*end == '\0' || *end == '\n') && port > 0 && port < 65536 ? port : -1;
}

/* Each component once the one before is ready: the order manager, then the
 * gateway (which waits for two clients before replaying), the orderbook (which
 * creates the price book) and the strategy (which opens it). */
static void
start_all(struct run *r)
{
    for (int c = 0; c < COMP_COUNT && !r->stopping; c++) {
        tipc_child_spec spec = {.name = run_comp_name[c], .ready = TIPC_SUP_READY_FD};
        struct run_argv a;
        int id, rc;

        /* A server on port 0 would come back on a port its clients do not know. */
        spec.max_restarts = (uint32_t)r->cfg.restarts;
        if (run_is_server(c) && r->cfg.port[c] == 0)
            spec.max_restarts = 0;
        spec.argv = a.v;
        if ((rc = run_config_argv(&r->cfg, c, &a)) < 0 ||
            (rc = tipc_supervisor_spawn(r->sup, &spec, &id)) < 0) {
            LOG("cannot start %s (%s): %s", run_comp_name[c], a.n > 0 ? a.v[0] : "?",
                tipc_strerror(rc));
            fail(r, c, "could not be started");
            begin_stop(r, "a component could not be started");
            break;
        }
        r->sum.comp[c].started = 1;
        do
            rc = tipc_supervisor_wait_ready(r->sup, id, START_TIMEOUT_MS, on_event, r);
        while (rc == TIPC_EINTR && !stop_requested);
        if (rc == TIPC_EINTR)
            break; /* the main loop handles the signal */
        /* Already over: ready and ended, or ended well before saying so (a client
         * that got the end of the data first). The main loop judges the exit. */
        if (rc == TIPC_ECHILD && (r->sum.comp[c].ever_ready || r->sum.comp[c].exit_code == 0))
            rc = 0;
        if (rc == 0 && run_is_server(c) && r->cfg.port[c] == 0 &&
            (r->cfg.port[c] = read_port(r->cfg.port_file[c])) < 0)
            rc = TIPC_EPROTO;
        if (rc < 0) {
            LOG("%s did not become ready: %s", run_comp_name[c],
                rc == TIPC_EPROTO ? "no port in its --port-file" : tipc_strerror(rc));
            fail(r, c, rc == TIPC_EPROTO ? "wrote no port" : "never became ready");
            begin_stop(r, "a component could not be started");
        } else if (any_failure(r)) {
            begin_stop(r, "a component failed");
        }
    }
}

/* Decide whether to stop: a signal, a failure, --duration, the end of the data. */
static void
check_progress(struct run *r, uint64_t now)
{
    bool data_done = true;

    if (stop_requested) {
        stop_requested = 0;
        if (r->stopping) { /* a second Ctrl-C: no more grace */
            for (int c = 0; c < COMP_COUNT; c++)
                if (tipc_supervisor_signal(r->sup, c, SIGKILL) < 0)
                    continue; /* TIPC_ESTATE: not running */
        }
        begin_stop(r, "interrupted");
    }
    if (r->stopping && !r->stopping_all && (!running(r, COMP_GATEWAY) || now >= r->stop_all_at_ns))
        stop_all(r);
    if (r->stopping)
        return;
    if (any_failure(r))
        return begin_stop(r, "a component failed");
    if (r->stop_at_ns != 0 && now >= r->stop_at_ns)
        return begin_stop(r, "--duration reached");
    for (int c = COMP_GATEWAY; c < COMP_COUNT; c++)
        data_done = data_done && r->sum.comp[c].done;
    if (data_done) /* only the order manager is left: the run is complete */
        return begin_stop(r, "end of data");
    if (r->sum.comp[COMP_GATEWAY].done && r->drain_until_ns == 0)
        r->drain_until_ns = now + DRAIN_TIMEOUT_MS * 1000000ull;
    if (r->drain_until_ns != 0 && now >= r->drain_until_ns) {
        for (int c = COMP_ORDERBOOK; c < COMP_COUNT; c++)
            if (!r->sum.comp[c].done)
                fail(r, c, "did not finish after the end of data");
        begin_stop(r, "a component did not finish");
    }
}

static void
supervise(struct run *r)
{
    tipc_sup_event ev[16];

    while (tipc_supervisor_live(r->sup) > 0) {
        check_progress(r, tipc_time_monotonic_ns());
        int n = tipc_supervisor_poll(r->sup, TICK_MS, ev, sizeof ev / sizeof ev[0]);
        for (int i = 0; i < n; i++)
            on_event(r, &ev[i]);
        if (n < 0 && n != TIPC_EINTR) {
            LOG("supervisor: %s; killing every component", tipc_strerror(n));
            break; /* tipc_supervisor_close() kills and reaps them */
        }
    }
}

int
main(int argc, char **argv)
{
    static struct run run;
    struct run *r = &run;
    tipc_supervisor_opts sopts = {.logger = &example_logger, .line_max = 1u << 18};
    uint64_t log_mark = 0, t0_ns, t0_real = tipc_time_realtime_ns();
    int rc, status = 1;

    prog_name = "tradeipc-run";
    run_config_parse(&r->cfg, argc, argv);
    example_init("tradeipc-run", r->cfg.verbose);
    DIE_ON(run_summary_init(&r->sum), "summary");
    if ((rc = run_config_prepare(&r->cfg, t0_real)) < 0) {
        LOG("fatal: cannot create a temporary directory: %s", tipc_strerror(rc));
        goto out;
    }
    r->sum.log_path = r->cfg.log;
    r->sum.prices_book = r->cfg.prices_book;
    if ((rc = orderlog_mark(r->cfg.log, &log_mark)) < 0)
        LOG("warning: cannot read %s: %s", r->cfg.log, tipc_strerror(rc));
    if ((rc = tipc_supervisor_open(&r->sup, &sopts)) < 0) {
        LOG("fatal: supervisor: %s", tipc_strerror(rc));
        goto out;
    }
    t0_ns = tipc_time_monotonic_ns();
    if (r->cfg.duration > 0)
        r->stop_at_ns = t0_ns + (uint64_t)(r->cfg.duration * 1e9);
    LOG("books %s and %s, strategy %s, order log %s, programs in %s", r->cfg.prices_book,
        r->cfg.news_book, r->cfg.strategy, r->cfg.log, r->cfg.bindir[0] ? r->cfg.bindir : "PATH");

    start_all(r);
    supervise(r);
    /* Every component has been reaped by now, and the kernel kept each one's
     * peak RSS (restarts included), exact however short its life. Not
     * getrusage(RUSAGE_CHILDREN): that also counts whatever the process that
     * exec'd us had reaped before (a build, when quickstart.sh runs us). */
    for (int c = 0; c < COMP_COUNT; c++) {
        tipc_child_info info;
        if (tipc_supervisor_child_info(r->sup, c, &info) == 0 &&
            info.maxrss_kb > r->sum.children_maxrss_kb)
            r->sum.children_maxrss_kb = info.maxrss_kb;
    }
    tipc_supervisor_close(r->sup);

    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        r->sum.self_maxrss_kb = ru.ru_maxrss;

    r->sum.elapsed_s = (double)(tipc_time_monotonic_ns() - t0_ns) / 1e9;
    r->sum.log_counted =
        orderlog_count_from(r->cfg.log, log_mark, r->cfg.strategy, &r->sum.log_lines) == 0;
    if (r->sum.stop_reason == NULL)
        r->sum.stop_reason = "stopped";
    status = run_summary_print(stdout, &r->sum) != 0 ? 3 : 0;
    for (int c = 0; c < COMP_COUNT; c++) {
        const struct run_result *res = &r->sum.comp[c];
        if (res->failure[0] != '\0') {
            LOG("failed: %s %s", run_comp_name[c], res->failure);
            if (r->cfg.quiet && res->last_err[0] != '\0')
                LOG("%s's last line: %s", run_comp_name[c], res->last_err);
            status = 1;
        }
    }
    /* The journal matters only to restarts within this run (the next run's
     * strategy has another name): kept for a look when something went wrong. */
    if (status == 0 && !r->cfg.keep_journal)
        unlink(r->cfg.journal);
    else if (access(r->cfg.journal, F_OK) == 0)
        LOG("strategy journal kept: %s", r->cfg.journal);
out:
    run_config_cleanup(&r->cfg);
    run_summary_fini(&r->sum);
    return status;
}
