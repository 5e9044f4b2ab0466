/* SPDX-License-Identifier: MIT */
/* tradeipc-run's configuration: its flags, where the programs and the data are,
 * the names that make each run independent of the others (shared memory, the
 * strategy's name, a directory for port files), and the command line of each
 * component. All the flags the components are given are written here. */
#include "config.h"

#include "common.h"
#include "defaults.h"
#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TIPC_PKGDATADIR
#define TIPC_PKGDATADIR "/usr/local/share/libtradeipc"
#endif
#define DEFAULT_RATE "10000" /* events/s: the embedded data in about 4 s */

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
    "  --log FILE          order log, appended to (default " DEFAULT_ORDER_LOG ")\n"
    "  --no-sync           do not fdatasync the order log before acknowledging\n"
    "  --bindir DIR        where the tradeipc-* programs are (default: beside tradeipc-run,\n"
    "                      else PATH)\n"
    "  --restarts N        restart a failed component up to N times (default 3; a server\n"
    "                      on port 0 is not restarted: its clients would not find it)\n"
    "  --keep-journal      keep the strategy's journal (LOG.<strategy name>.journal) after a run\n"
    "                      that ended well (it is always kept after a failed one)\n"
    "  --quiet             do not echo the components' output\n"
    "  -v, --verbose       also echo STATS and HIST lines; twice: components get -v too\n"
    "  -h, --help          this text\n"
    "Exit status: 0 every component ended well, after its restarts if any (the summary\n"
    "counts them), and sent = logged = acked; 1 a component failed (it is named); 2 bad\n"
    "usage or a missing input file; 3 the order counts disagree.\n";

const char *const run_comp_name[COMP_COUNT] = {"order_manager", "gateway", "orderbook", "strategy"};
static const char *const programs[COMP_COUNT] = {"tradeipc-order-manager", "tradeipc-gateway",
                                                 "tradeipc-orderbook", "tradeipc-strategy"};

bool
run_is_server(enum run_comp c)
{
    return c == COMP_ORDER_MANAGER || c == COMP_GATEWAY;
}

/* Where the programs are: --bindir, else beside this executable, else PATH (""). */
static void
find_programs(struct run_config *cfg, const char *bindir, const char *exe_dir)
{
    bool all = exe_dir[0] != '\0';

    if (bindir != NULL) {
        snprintf(cfg->bindir, sizeof cfg->bindir, "%s", bindir);
        return;
    }
    for (int c = 0; c < COMP_COUNT && all; c++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", exe_dir, programs[c]);
        all = access(path, X_OK) == 0;
    }
    snprintf(cfg->bindir, sizeof cfg->bindir, "%s", all ? exe_dir : "");
}

/* The data files: --prices/--news, else in --data, else the first of the installed
 * data, ./data and ../data beside this executable (a build tree) that has them. */
static void
find_data(struct run_config *cfg, const char *data, const char *exe_dir)
{
    char tries[3][PATH_MAX];
    int n = 0;

    if (data != NULL) {
        snprintf(tries[n++], PATH_MAX, "%s", data);
    } else {
        snprintf(tries[n++], PATH_MAX, "%s", TIPC_PKGDATADIR "/data");
        snprintf(tries[n++], PATH_MAX, "data");
        snprintf(tries[n++], PATH_MAX, "%.*s/../data", PATH_MAX - 16, exe_dir);
    }
    for (int i = 0; i < n; i++) {
        snprintf(cfg->prices_buf, PATH_MAX, "%.*s/prices.csv", PATH_MAX - 16, tries[i]);
        snprintf(cfg->news_buf, PATH_MAX, "%.*s/sentiment.csv", PATH_MAX - 16, tries[i]);
        if (access(cfg->prices_buf, R_OK) == 0)
            break;
    }
    cfg->prices = cfg->prices ? cfg->prices : cfg->prices_buf;
    cfg->news = cfg->news ? cfg->news : cfg->news_buf;
    if (access(cfg->prices, R_OK) != 0 || access(cfg->news, R_OK) != 0)
        die_usage(usage, "cannot read %s: %s (try --data DIR)",
                  access(cfg->prices, R_OK) != 0 ? cfg->prices : cfg->news, strerror(errno));
}

static long
default_port(const char *addr)
{
    return atol(strrchr(addr, ':') + 1);
}

void
run_config_parse(struct run_config *cfg, int argc, char **argv)
{
    /* clang-format off */
    static const struct option longopts[] = {
        {"data", 1, NULL, 'd'},        {"prices", 1, NULL, 'P'},   {"news", 1, NULL, 'N'},
        {"rate", 1, NULL, 'r'},        {"asap", 0, NULL, 'a'},     {"speed", 1, NULL, 's'},
        {"loop", 0, NULL, 'l'},        {"duration", 1, NULL, 'D'}, {"gateway-port", 1, NULL, 'g'},
        {"orders-port", 1, NULL, 'o'}, {"log", 1, NULL, 'L'},      {"no-sync", 0, NULL, 'S'},
        {"bindir", 1, NULL, 'b'},      {"restarts", 1, NULL, 'R'}, {"quiet", 0, NULL, 'q'},
        {"verbose", 0, NULL, 'v'},     {"help", 0, NULL, 'h'},     {"keep-journal", 0, NULL, 'K'},
        {NULL, 0, NULL, 0}};
    /* clang-format on */
    const char *data = NULL, *bindir = NULL;
    char exe_dir[PATH_MAX] = "";
    ssize_t len;
    int opt;

    *cfg = (struct run_config){.log = DEFAULT_ORDER_LOG, .restarts = 3};
    cfg->port[COMP_GATEWAY] = default_port(DEFAULT_GATEWAY_ADDR);
    cfg->port[COMP_ORDER_MANAGER] = default_port(DEFAULT_ORDERS_ADDR);
    while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            data = optarg;
            break;
        case 'P':
            cfg->prices = optarg;
            break;
        case 'N':
            cfg->news = optarg;
            break;
        case 'r':
            cfg->rate = optarg;
            parse_long(usage, "--rate", optarg, 1, 1000000000);
            break;
        case 'a':
            cfg->asap = true;
            break;
        case 's':
            cfg->speed = optarg;
            parse_long(usage, "--speed", optarg, 1, 1000000000000L);
            break;
        case 'l':
            cfg->loop = true;
            break;
        case 'D':
            cfg->duration = parse_double(usage, "--duration", optarg, 0.001, 1e7);
            break;
        case 'g':
            cfg->port[COMP_GATEWAY] = parse_long(usage, "--gateway-port", optarg, 0, 65535);
            break;
        case 'o':
            cfg->port[COMP_ORDER_MANAGER] = parse_long(usage, "--orders-port", optarg, 0, 65535);
            break;
        case 'L':
            cfg->log = optarg;
            break;
        case 'S':
            cfg->no_sync = true;
            break;
        case 'b':
            bindir = optarg;
            break;
        case 'R':
            cfg->restarts = parse_long(usage, "--restarts", optarg, 0, 1000);
            break;
        case 'q':
            cfg->quiet = true;
            break;
        case 'K':
            cfg->keep_journal = true;
            break;
        case 'v':
            cfg->verbose++;
            break;
        case 'h':
            fputs(usage, stdout);
            exit(0);
        default:
            die_usage(usage, "try --help");
        }
    }
    if (optind < argc)
        die_usage(usage, "unexpected argument '%s'", argv[optind]);
    if ((cfg->asap ? 1 : 0) + (cfg->speed ? 1 : 0) + (cfg->rate ? 1 : 0) > 1)
        die_usage(usage, "--rate, --asap and --speed exclude each other");
    if ((len = readlink("/proc/self/exe", exe_dir, sizeof exe_dir - 1)) > 0) {
        exe_dir[len] = '\0';
        *strrchr(exe_dir, '/') = '\0';
    }
    find_programs(cfg, bindir, exe_dir);
    find_data(cfg, data, exe_dir);
}

int
run_config_prepare(struct run_config *cfg, uint64_t now_realtime_ns)
{
    char id[16], *p = id + sizeof id;

    snprintf(cfg->prices_book, sizeof cfg->prices_book, "%s_%ld", DEFAULT_PRICE_BOOK,
             (long)getpid());
    snprintf(cfg->news_book, sizeof cfg->news_book, "%s_%ld", DEFAULT_NEWS_BOOK, (long)getpid());
    /* The order manager deduplicates by (strategy, client order id) and ids count
     * from 1 in every run, so each run's strategy gets a name of its own (its start
     * time in ms, base 36): otherwise a second run appending to the same log would
     * have its orders taken for resends of the first run's. */
    *--p = '\0';
    for (uint64_t ms = now_realtime_ns / 1000000; ms > 0; ms /= 36)
        *--p = "0123456789abcdefghijklmnopqrstuvwxyz"[ms % 36];
    snprintf(cfg->strategy, sizeof cfg->strategy, "%s-%s", DEFAULT_STRATEGY_NAME, p);
    /* Beside the order log: a restarted strategy reopens it to number on from
     * its last client order id and to resend what was not acknowledged. */
    snprintf(cfg->journal, sizeof cfg->journal, "%.*s.%s.journal", PATH_MAX - 1, cfg->log,
             cfg->strategy);
    snprintf(cfg->tmpdir, sizeof cfg->tmpdir, "/tmp/tradeipc-run.XXXXXX");
    if (mkdtemp(cfg->tmpdir) == NULL) {
        cfg->tmpdir[0] = '\0';
        return -errno;
    }
    for (int c = 0; c < COMP_COUNT; c++)
        if (run_is_server(c))
            snprintf(cfg->port_file[c], sizeof cfg->port_file[c], "%.63s/%.31s.port", cfg->tmpdir,
                     run_comp_name[c]);
    return 0;
}

void
run_config_cleanup(const struct run_config *cfg)
{
    int rc;

    /* TIPC_ENOENT: never created, or its component removed it already. */
    if ((rc = tipc_book_unlink(cfg->prices_book)) < 0 && rc != TIPC_ENOENT)
        LOG("cannot remove %s: %s", cfg->prices_book, tipc_strerror(rc));
    if ((rc = tipc_book_unlink(cfg->news_book)) < 0 && rc != TIPC_ENOENT)
        LOG("cannot remove %s: %s", cfg->news_book, tipc_strerror(rc));
    for (int c = 0; c < COMP_COUNT; c++)
        if (cfg->port_file[c][0] != '\0')
            unlink(cfg->port_file[c]);
    if (cfg->tmpdir[0] != '\0')
        rmdir(cfg->tmpdir);
}

static int add(struct run_argv *a, const char *fmt, ...) TIPC_PRINTF(2, 3);

static int
add(struct run_argv *a, const char *fmt, ...)
{
    size_t room = sizeof a->store - a->used;
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(a->store + a->used, room, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= room || a->n + 2 > (int)(sizeof a->v / sizeof a->v[0]))
        return TIPC_ENAMETOOLONG;
    a->v[a->n++] = a->store + a->used;
    a->v[a->n] = NULL;
    a->used += (size_t)len + 1;
    return 0;
}

int
run_config_argv(const struct run_config *cfg, enum run_comp c, struct run_argv *a)
{
    int rc = 0;

    a->n = 0;
    a->used = 0;
    rc |= add(a, "%s%s%s", cfg->bindir, cfg->bindir[0] ? "/" : "", programs[c]);
    if (run_is_server(c)) {
        rc |= add(a, "--listen=127.0.0.1:%ld", cfg->port[c]);
        if (cfg->port[c] == 0)
            rc |= add(a, "--port-file=%s", cfg->port_file[c]);
    } else {
        rc |= add(a, "--gateway=127.0.0.1:%ld", cfg->port[COMP_GATEWAY]);
    }
    switch (c) {
    case COMP_ORDER_MANAGER:
        rc |= add(a, "--log=%s", cfg->log);
        if (cfg->no_sync)
            rc |= add(a, "--no-sync");
        break;
    case COMP_GATEWAY:
        rc |= add(a, "--prices=%s", cfg->prices);
        rc |= add(a, "--news=%s", cfg->news);
        rc |= add(a, "--wait-clients=2"); /* the replay starts once orderbook and strategy joined */
        if (cfg->speed != NULL)
            rc |= add(a, "--speed=%s", cfg->speed);
        else if (!cfg->asap) /* the gateway's own default pace is as fast as possible */
            rc |= add(a, "--rate=%s", cfg->rate ? cfg->rate : DEFAULT_RATE);
        if (cfg->loop)
            rc |= add(a, "--loop");
        break;
    case COMP_ORDERBOOK:
        rc |= add(a, "--book=%s", cfg->prices_book);
        break;
    default:
        rc |= add(a, "--orders=127.0.0.1:%ld", cfg->port[COMP_ORDER_MANAGER]);
        rc |= add(a, "--price-book=%s", cfg->prices_book);
        rc |= add(a, "--news-book=%s", cfg->news_book);
        rc |= add(a, "--name=%s", cfg->strategy);
        rc |= add(a, "--journal=%s", cfg->journal);
    }
    if (cfg->verbose > 1)
        rc |= add(a, "-v");
    return rc != 0 ? TIPC_ENAMETOOLONG : 0;
}
