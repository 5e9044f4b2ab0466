/* SPDX-License-Identifier: MIT */
/* tradeipc-run: the whole trading stack in one command. It starts the order
 * manager, the gateway, the orderbook and the strategy as supervised children
 * (tipc_supervisor), each once the one it depends on is ready (readiness through
 * descriptor 3, never a sleep), prefixes their output with their names, stops
 * them at the end of the data, on Ctrl-C or after --duration, and prints a
 * summary (run_summary.c). Each run uses its own shared-memory names and removes
 * them at exit, whatever happened. */
#include "config.h"

#include "common.h"
#include "defaults.h"
#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TIPC_PKGDATADIR
#define TIPC_PKGDATADIR "/usr/local/share/tradeipc"
#endif
#define START_TIMEOUT_MS 15000 /* per component, restarts included */
#define DRAIN_TIMEOUT_MS 15000 /* for the orderbook and strategy after the gateway's end */
#define STOP_GRACE_MS 3000     /* per component after SIGTERM, then SIGKILL */
#define TICK_MS 100            /* how often the loop looks at the clock */
#define DEFAULT_RATE "10000"   /* events/s: the embedded data in about 4 s */

static const char usage[] =
    "usage: tradeipc-run [options]\n"
    "Run the trading stack (order manager, gateway, orderbook, strategy) and print a summary.\n"
    "  --data DIR          directory with prices.csv and sentiment.csv\n"
    "                      (default: " TIPC_PKGDATADIR "/data, else ./data)\n"
    "  --prices FILE       price CSV (default: DIR/prices.csv)\n"
    "  --news FILE         sentiment CSV (default: DIR/sentiment.csv)\n"
    "  --rate N            replay N events per second (default " DEFAULT_RATE ")\n"
    "  --asap              replay as fast as possible\n"
    "  --speed N           replay the CSV timestamps N times faster than real time\n"
    "  --loop              start the data again at its end (stop with --duration or Ctrl-C)\n"
    "  --duration SECONDS  stop everything after SECONDS\n"
    "  --gateway-port N    gateway port on 127.0.0.1 (default 7101; 0: any free port)\n"
    "  --orders-port N     order manager port on 127.0.0.1 (default 7102; 0: any free port)\n"
    "  --log FILE          order log (default " DEFAULT_ORDER_LOG ")\n"
    "  --no-sync           do not fdatasync the order log before acknowledging\n"
    "  --bindir DIR        where the tradeipc-* programs are (default: beside tradeipc-run,\n"
    "                      else PATH)\n"
    "  --restarts N        restart a failed component up to N times (default 3)\n"
    "  --quiet             do not echo the components' output\n"
    "  -v, --verbose       also echo STATS and HIST lines; twice: components get -v too\n"
    "  --help              this text\n"
    "Exit status: 0 every component ended well and sent = logged = acked; 1 a component\n"
    "failed (it is named); 2 bad usage or a missing input file; 3 the order counts disagree.\n";

static const char *const programs[COMP_COUNT] = {"tradeipc-order-manager", "tradeipc-gateway",
                                                 "tradeipc-orderbook", "tradeipc-strategy"};

struct run {
    const char *prices, *news, *rate, *speed, *log;
    bool asap, loop, no_sync, quiet, stopping, stopping_all;
    int verbose;
    long port[COMP_COUNT], restarts; /* port: ORDER_MANAGER and GATEWAY only */
    double duration;
    char bindir[PATH_MAX], tmpdir[64], port_file[COMP_COUNT][128];
    char prices_book[64], news_book[64], prices_buf[PATH_MAX], news_buf[PATH_MAX];
    char strategy[24]; /* unique per run: see main() */
    uint64_t t0_ns, stop_at_ns, drain_until_ns, stop_all_at_ns;
    tipc_supervisor *sup;
    struct run_summary sum;
};

/* An argv under construction: pointers into its own string store. */
struct args {
    const char *v[32];
    int n;
    char store[4 * PATH_MAX];
    size_t used;
};

static void add(struct args *a, const char *fmt, ...) TIPC_PRINTF(2, 3);

static void
add(struct args *a, const char *fmt, ...)
{
    va_list ap;
    size_t room = sizeof a->store - a->used;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(a->store + a->used, room, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= room || a->n + 2 > (int)(sizeof a->v / sizeof a->v[0]))
        die_rc(TIPC_ENAMETOOLONG, "command line");
    a->v[a->n++] = a->store + a->used;
    a->v[a->n] = NULL;
    a->used += (size_t)len + 1;
}

static bool
is_server(enum run_comp c)
{
    return c == COMP_ORDER_MANAGER || c == COMP_GATEWAY;
}

static void
component_args(const struct run *r, enum run_comp c, struct args *a)
{
    add(a, "%s%s%s", r->bindir, r->bindir[0] ? "/" : "", programs[c]);
    if (is_server(c)) {
        add(a, "--listen=127.0.0.1:%ld", r->port[c]);
        if (r->port[c] == 0)
            add(a, "--port-file=%s", r->port_file[c]);
    } else {
        add(a, "--gateway=127.0.0.1:%ld", r->port[COMP_GATEWAY]);
    }
    switch (c) {
    case COMP_ORDER_MANAGER:
        add(a, "--log=%s", r->log);
        if (r->no_sync)
            add(a, "--no-sync");
        break;
    case COMP_GATEWAY:
        add(a, "--prices=%s", r->prices);
        add(a, "--news=%s", r->news);
        add(a, "--wait-clients=2"); /* the replay starts once orderbook and strategy joined */
        if (r->speed != NULL)
            add(a, "--speed=%s", r->speed);
        else if (!r->asap) /* the gateway's default pace is as fast as possible */
            add(a, "--rate=%s", r->rate ? r->rate : DEFAULT_RATE);
        if (r->loop)
            add(a, "--loop");
        break;
    case COMP_ORDERBOOK:
        add(a, "--book=%s", r->prices_book);
        break;
    default:
        add(a, "--orders=127.0.0.1:%ld", r->port[COMP_ORDER_MANAGER]);
        add(a, "--price-book=%s", r->prices_book);
        add(a, "--news-book=%s", r->news_book);
        add(a, "--name=%s", r->strategy);
    }
    if (r->verbose > 1)
        add(a, "-v");
}

static void
fail(struct run *r, enum run_comp c, const char *why)
{
    if (r->sum.comp[c].failure[0] == '\0')
        snprintf(r->sum.comp[c].failure, sizeof r->sum.comp[c].failure, "%s", why);
}

static void
on_event(void *ctx, const tipc_sup_event *ev)
{
    struct run *r = ctx;
    struct run_result *res = &r->sum.comp[ev->child];
    char line[256];
    size_t len;

    if (ev->type == TIPC_SUP_EV_LINE) {
        if (run_summary_take_line(&r->sum, ev->child, ev->text) && r->verbose == 0)
            return;
        if (!r->quiet)
            fprintf(ev->stream == TIPC_SUP_STDERR ? stderr : stdout, "[%-13s] %s\n", ev->name,
                    ev->text);
        return;
    }
    if (ev->type == TIPC_SUP_EV_READY)
        res->ready = res->ever_ready = 1;
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
            if (!res->ready)
                strcat(line, " before it was ready");
            fail(r, ev->child, line);
        } else if (res->done && ev->child == COMP_ORDER_MANAGER && !r->stopping) {
            fail(r, ev->child, "exited before the others");
        }
        res->ready = 0;
    }
    if (ev->type == TIPC_SUP_EV_RESTART)
        res->restarts = ev->restarts;
    if (tipc_supervisor_format_event(ev, line, sizeof line, &len) == TIPC_ENOSPC)
        line[sizeof line - 1] = '\0';
    LOG("%s", line);
}

static bool
any_failure(const struct run *r)
{
    for (int c = 0; c < COMP_COUNT; c++)
        if (r->sum.comp[c].failure[0] != '\0')
            return true;
    return false;
}

static void
stop_all(struct run *r)
{
    r->stopping_all = true;
    if (tipc_supervisor_stop(r->sup, STOP_GRACE_MS) < 0)
        LOG("cannot stop: bad grace period"); /* only for a negative grace */
}

static bool
running(const struct run *r, enum run_comp c)
{
    tipc_child_info info;

    return tipc_supervisor_child_info(r->sup, c, &info) == 0 && info.state == TIPC_CHILD_RUNNING;
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

/* The port a server with --port 0 wrote into its --port-file once listening. */
static long
read_port(const char *path)
{
    char text[64] = "";
    FILE *f = fopen(path, "re");
    char *p, *end;
    long port;

    if (f == NULL)
        return -1;
    if (fgets(text, sizeof text, f) == NULL)
        text[0] = '\0';
    fclose(f);
    p = strrchr(text, ':') ? strrchr(text, ':') + 1 : text; /* "PORT" or "HOST:PORT" */
    port = strtol(p, &end, 10);
    return end != p && (*end == '\0' || *end == '\n') && port > 0 && port < 65536 ? port : -1;
}

static void
start_all(struct run *r)
{
    for (int c = 0; c < COMP_COUNT && !r->stopping; c++) {
        tipc_child_spec spec = {.name = run_comp_name[c], .ready = TIPC_SUP_READY_FD};
        struct args a = {.n = 0};
        int id, rc;

        component_args(r, c, &a);
        spec.argv = a.v;
        /* A server on port 0 would come back on another port its clients do not know. */
        spec.max_restarts = (uint32_t)(is_server(c) && r->port[c] == 0 ? 0 : r->restarts);
        if ((rc = tipc_supervisor_spawn(r->sup, &spec, &id)) < 0) {
            LOG("cannot start %s (%s): %s", run_comp_name[c], a.v[0], tipc_strerror(rc));
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
        if (rc == 0 && is_server(c) && r->port[c] == 0 &&
            (r->port[c] = read_port(r->port_file[c])) < 0)
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
    if (data_done)
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

/* Where the programs are: --bindir, else beside this executable, else PATH (""). */
static void
find_programs(struct run *r, const char *bindir, const char *exe_dir)
{
    bool all = true;

    if (bindir != NULL) {
        snprintf(r->bindir, sizeof r->bindir, "%s", bindir);
        return;
    }
    for (int c = 0; c < COMP_COUNT && all; c++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", exe_dir, programs[c]);
        all = exe_dir[0] != '\0' && access(path, X_OK) == 0;
    }
    snprintf(r->bindir, sizeof r->bindir, "%s", all ? exe_dir : "");
}

/* The data files: --prices/--news, else in --data, the installed data, ./data or
 * ../data beside this executable (a build tree). */
static void
find_data(struct run *r, const char *data, const char *exe_dir)
{
    char tries[3][PATH_MAX];
    int n = 0;

    if (data != NULL)
        snprintf(tries[n++], PATH_MAX, "%s", data);
    else {
        snprintf(tries[n++], PATH_MAX, "%s", TIPC_PKGDATADIR "/data");
        snprintf(tries[n++], PATH_MAX, "data");
        snprintf(tries[n++], PATH_MAX, "%.*s/../data", PATH_MAX - 16, exe_dir);
    }
    for (int i = 0; i < n; i++) {
        snprintf(r->prices_buf, sizeof r->prices_buf, "%.*s/prices.csv", PATH_MAX - 16, tries[i]);
        snprintf(r->news_buf, sizeof r->news_buf, "%.*s/sentiment.csv", PATH_MAX - 16, tries[i]);
        if (access(r->prices_buf, R_OK) == 0 || i == n - 1)
            break;
    }
    r->prices = r->prices ? r->prices : r->prices_buf;
    r->news = r->news ? r->news : r->news_buf;
    if (access(r->prices, R_OK) != 0 || access(r->news, R_OK) != 0)
        die_usage(usage, "cannot read %s: %s (try --data DIR)",
                  access(r->prices, R_OK) != 0 ? r->prices : r->news, strerror(errno));
}

static void
parse_args(struct run *r, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", 1, NULL, 'd'},     {"prices", 1, NULL, 'P'},       {"news", 1, NULL, 'N'},
        {"rate", 1, NULL, 'r'},     {"asap", 0, NULL, 'a'},         {"speed", 1, NULL, 's'},
        {"loop", 0, NULL, 'l'},     {"duration", 1, NULL, 'D'},     {"gateway-port", 1, NULL, 'g'},
        {"orders-port", 1, NULL, 'o'}, {"log", 1, NULL, 'L'},       {"no-sync", 0, NULL, 'S'},
        {"bindir", 1, NULL, 'b'},   {"restarts", 1, NULL, 'R'},     {"quiet", 0, NULL, 'q'},
        {"verbose", 0, NULL, 'v'},  {"help", 0, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *data = NULL, *bindir = NULL;
    char exe_dir[PATH_MAX] = "";
    ssize_t len;
    int opt;

    while ((opt = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': data = optarg; break;
        case 'P': r->prices = optarg; break;
        case 'N': r->news = optarg; break;
        case 'r': r->rate = optarg; parse_long(usage, "--rate", optarg, 1, 1000000000); break;
        case 'a': r->asap = true; break;
        case 's': r->speed = optarg; parse_long(usage, "--speed", optarg, 1, 1000000000000L); break;
        case 'l': r->loop = true; break;
        case 'D': r->duration = parse_double(usage, "--duration", optarg, 0.001, 1e7); break;
        case 'g': r->port[COMP_GATEWAY] = parse_long(usage, "--gateway-port", optarg, 0, 65535); break;
        case 'o': r->port[COMP_ORDER_MANAGER] = parse_long(usage, "--orders-port", optarg, 0, 65535); break;
        case 'L': r->log = optarg; break;
        case 'S': r->no_sync = true; break;
        case 'b': bindir = optarg; break;
        case 'R': r->restarts = parse_long(usage, "--restarts", optarg, 0, 1000); break;
        case 'q': r->quiet = true; break;
        case 'v': r->verbose++; break;
        case 'h': fputs(usage, stdout); exit(0);
        default: fputs(usage, stderr); exit(2);
        }
    }
    if (optind < argc)
        die_usage(usage, "unexpected argument '%s'", argv[optind]);
    if ((r->asap ? 1 : 0) + (r->speed ? 1 : 0) + (r->rate ? 1 : 0) > 1)
        die_usage(usage, "--rate, --asap and --speed exclude each other");
    if ((len = readlink("/proc/self/exe", exe_dir, sizeof exe_dir - 1)) > 0) {
        exe_dir[len] = '\0';
        *strrchr(exe_dir, '/') = '\0';
    }
    find_programs(r, bindir, exe_dir);
    find_data(r, data, exe_dir);
}

int
main(int argc, char **argv)
{
    static struct run run = {.log = DEFAULT_ORDER_LOG, .restarts = 3};
    struct run *r = &run;
    tipc_supervisor_opts sopts = {.logger = &example_logger, .line_max = 1u << 18};
    uint64_t log_mark = 0, t0_real = tipc_time_realtime_ns();
    int rc, status = 0;

    prog_name = "tradeipc-run";
    r->port[COMP_GATEWAY] = atol(strrchr(DEFAULT_GATEWAY_ADDR, ':') + 1);
    r->port[COMP_ORDER_MANAGER] = atol(strrchr(DEFAULT_ORDERS_ADDR, ':') + 1);
    parse_args(r, argc, argv);
    example_init("tradeipc-run", r->verbose);
    DIE_ON(run_summary_init(&r->sum), "summary");
    r->sum.log_path = r->log;
    r->sum.prices_book = r->prices_book;
    snprintf(r->prices_book, sizeof r->prices_book, "%s_%ld", DEFAULT_PRICE_BOOK, (long)getpid());
    snprintf(r->news_book, sizeof r->news_book, "%s_%ld", DEFAULT_NEWS_BOOK, (long)getpid());
    /* The order manager deduplicates by (strategy, client order id), and ids count
     * from 1 in every run: a strategy name of its own keeps this run's orders from
     * being taken for resends of an earlier run's in the same log. */
    char id[16], *p = id + sizeof id;
    *--p = '\0';
    for (uint64_t ms = t0_real / 1000000; ms > 0; ms /= 36)
        *--p = "0123456789abcdefghijklmnopqrstuvwxyz"[ms % 36];
    snprintf(r->strategy, sizeof r->strategy, "%s-%s", DEFAULT_STRATEGY_NAME, p);
    r->sum.strategy = r->strategy;
    snprintf(r->tmpdir, sizeof r->tmpdir, "/tmp/tradeipc-run.XXXXXX");
    if (mkdtemp(r->tmpdir) == NULL)
        die_rc(-errno, "mkdtemp");
    for (int c = COMP_ORDER_MANAGER; c <= COMP_GATEWAY; c++)
        snprintf(r->port_file[c], sizeof r->port_file[c], "%.63s/%.31s.port", r->tmpdir,
                 run_comp_name[c]);
    if ((rc = orderlog_mark(r->log, &log_mark)) < 0)
        LOG("warning: cannot read %s: %s", r->log, tipc_strerror(rc));
    if ((rc = tipc_supervisor_open(&r->sup, &sopts)) < 0) {
        LOG("fatal: supervisor: %s", tipc_strerror(rc));
        status = 1;
        goto out;
    }
    r->t0_ns = tipc_time_monotonic_ns();
    if (r->duration > 0)
        r->stop_at_ns = r->t0_ns + (uint64_t)(r->duration * 1e9);
    LOG("books %s and %s, strategy %s, order log %s, programs in %s", r->prices_book,
            r->news_book, r->strategy, r->log, r->bindir[0] ? r->bindir : "PATH");

    start_all(r);
    supervise(r);
    tipc_supervisor_close(r->sup);

    r->sum.elapsed_s = (double)(tipc_time_monotonic_ns() - r->t0_ns) / 1e9;
    r->sum.log_counted =
        orderlog_count_from(r->log, log_mark, r->strategy, &r->sum.log_lines) == 0;
    if (r->sum.stop_reason == NULL)
        r->sum.stop_reason = "stopped";
    status = run_summary_print(stdout, &r->sum) != 0 ? 3 : 0;
    for (int c = 0; c < COMP_COUNT; c++) {
        if (r->sum.comp[c].failure[0] != '\0') {
            LOG("failed: %s %s", run_comp_name[c], r->sum.comp[c].failure);
            status = 1;
        }
    }
out:
    /* TIPC_ENOENT: not created, or a component already removed it. */
    if ((rc = tipc_book_unlink(r->prices_book)) < 0 && rc != TIPC_ENOENT)
        LOG("cannot remove %s: %s", r->prices_book, tipc_strerror(rc));
    if ((rc = tipc_book_unlink(r->news_book)) < 0 && rc != TIPC_ENOENT)
        LOG("cannot remove %s: %s", r->news_book, tipc_strerror(rc));
    for (int c = COMP_ORDER_MANAGER; c <= COMP_GATEWAY; c++)
        unlink(r->port_file[c]);
    rmdir(r->tmpdir);
    run_summary_fini(&r->sum);
    return status;
}
