/* SPDX-License-Identifier: MIT */
/* tradeipc-gateway: replays a price CSV and a news CSV, merged by time, to
 * every subscriber of each stream, honouring symbol filters. A client that
 * joins gets a snapshot (the latest tick and news per symbol) and then the
 * live stream; at the end of the data every client gets END_OF_DATA. The
 * per-event path encodes into a stack buffer and publishes: no allocation
 * unless a symbol is seen for the first time. See doc/tradeipc-gateway.1. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tradeipc/feed.h>

#include "common.h"
#include "defaults.h"

static const char usage[] =
    "usage: tradeipc-gateway [options]\n"
    "  --listen ADDR       listen address (default " DEFAULT_GATEWAY_ADDR "; port 0 = any)\n"
    "  --port N            listen on 127.0.0.1:N (0: any free port)\n"
    "  --prices FILE       price CSV (default " DEFAULT_PRICES_CSV ")\n"
    "  --news FILE         sentiment CSV (default " DEFAULT_NEWS_CSV ")\n"
    "  --no-prices, --no-news   publish only the other stream\n"
    "  --rate N            N events per second (default: as fast as possible)\n"
    "  --speed X           replay CSV timestamps X times faster than real time\n"
    "  --loop              start again at the end of the data, forever\n"
    "  --wait-clients N    start the replay once N clients have joined (default 0)\n"
    "  --linger MS         after the data, keep serving late joiners for MS (default 0)\n"
    "  --report-ms MS      rate report interval (default 1000)\n"
    "  --token TOKEN       require this token in the handshake\n"
    "  --max-clients N     most open connections (default 256)\n"
    "  --handshake-ms MS   drop a client that has not sent its HELLO by then (default 5000)\n"
    "  --out-cap BYTES     per-client output bound; a client past it is dropped (default 4 MiB)\n"
    "  --port-file FILE    write the bound port to FILE once listening\n"
    "  -v, --verbose       log more\n"
    "  -h, --help          show this help\n";

enum { PRICES, NEWS, TOTAL };
#define POLL_EVERY 256 /* events published between non-blocking server polls */
#define DRAIN_MS 3000  /* at the end: most time spent flushing and waiting for clients to leave */

static tipc_server *srv;
static tipc_lvc *lvc;   /* latest tick/news per symbol, for snapshots */
static uint64_t *conns; /* joined connections, for END_OF_DATA */
static int nconns, max_clients = 256;
static uint64_t seq[2], joined, dropped;
static int ended;
static tipc_meter meter[3];

/* A failure means the client was dropped; the server logs why. */
static void
send_end_of_data(uint64_t conn)
{
    if (tipc_server_send(srv, conn, TIPC_MSG_END_OF_DATA, NULL, 0) < 0)
        LOG("conn %llu: END_OF_DATA not sent", (unsigned long long)conn);
}

/* SNAPSHOT_BEGIN, the latest values this client may see, SNAPSHOT_END [seqs]
 * (and END_OF_DATA once the data is all sent). An error means the client was
 * dropped; the server reports its LEAVE. */
static void
send_snapshot(uint64_t conn, const tipc_hello *h)
{
    if (tipc_lvc_send_snapshot(lvc, srv, conn, h) >= 0 && ended)
        send_end_of_data(conn);
}

#define NS_PER_MS 1000000LL

/* Run the server's I/O for up to timeout_ns and handle joins and leaves.
 * Nanoseconds: a millisecond wait would release a feed paced at 10,000
 * events/s in bursts of ten, each tick queueing behind the others all the
 * way to the order manager. */
static void
serve(int64_t timeout_ns)
{
    tipc_server_event ev[32];
    int n = tipc_server_poll_ns(srv, ev, 32, timeout_ns);

    DIE_ON(n, "tipc_server_poll_ns");
    for (int i = 0; i < n; i++) {
        if (ev[i].kind == TIPC_SERVER_JOIN && nconns < max_clients) {
            conns[nconns++] = ev[i].conn;
            joined++;
            send_snapshot(ev[i].conn, ev[i].hello);
        } else if (ev[i].kind == TIPC_SERVER_FRAME) { /* clients only listen here */
            if (tipc_server_close_conn(srv, ev[i].conn, "unexpected data frame") < 0)
                continue; /* already closed by an earlier frame of this batch */
        } else if (ev[i].kind == TIPC_SERVER_LEAVE) {
            for (int k = 0; k < nconns; k++)
                if (conns[k] == ev[i].conn) {
                    conns[k] = conns[--nconns];
                    dropped += ev[i].reason != TIPC_LEAVE_PEER_CLOSED;
                    break;
                }
        }
    }
}

/* Stamp, encode once into a stack buffer, publish, remember for snapshots. */
static void
publish(tipc_replay_event *ev, uint64_t now)
{
    uint8_t buf[TIPC_TICK_ENCODED_MAX]; /* >= TIPC_NEWS_ENCODED_MAX */
    int k = ev->kind == TIPC_REPLAY_PRICE ? PRICES : NEWS, rc;
    const char *sym = k == PRICES ? ev->tick.symbol : ev->news.symbol;
    size_t len = 0;

    if (k == PRICES) {
        ev->tick.seq = ++seq[PRICES];
        ev->tick.send_ns = tipc_time_realtime_ns();
        rc = tipc_tick_encode(&ev->tick, buf, sizeof buf, &len);
    } else {
        ev->news.seq = ++seq[NEWS];
        ev->news.send_ns = tipc_time_realtime_ns();
        rc = tipc_news_encode(&ev->news, buf, sizeof buf, &len);
    }
    DIE_ON(rc, "encoding an event");
    DIE_ON(tipc_server_publish(srv, k == PRICES ? TIPC_STREAM_PRICES : TIPC_STREAM_NEWS, sym,
                               k == PRICES ? TIPC_MSG_TICK : TIPC_MSG_NEWS, buf, len),
           "tipc_server_publish");
    DIE_ON(k == PRICES ? tipc_lvc_put_tick(lvc, &ev->tick) : tipc_lvc_put_news(lvc, &ev->news),
           "tipc_lvc_put");
    tipc_meter_add(&meter[k], 1, len, now);
    tipc_meter_add(&meter[TOTAL], 1, len, now);
}

/* Rates per stream published (mask bit k) and in total. */
static void
report(unsigned mask, uint64_t now, uint64_t interval_ns)
{
    static const char *const names[] = {"prices", "news", "total"};
    tipc_meter_report r;
    char text[256];

    for (int k = 0; k < 3; k++)
        if ((mask & 1u << k) && tipc_meter_poll(&meter[k], now, interval_ns, &r) == 1 &&
            tipc_meter_format(&r, text, sizeof text) >= 0)
            LOG("%s: %s", names[k], text);
}

/* Fail with a clear message when path cannot be read as a file. */
static void
check_readable(const char *path, const char *what)
{
    struct stat st;
    int fd = open(path, O_RDONLY);

    if (fd < 0 || fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        LOG("fatal: cannot read %s file '%s': %s", what, path,
            fd < 0 ? strerror(errno) : "is a directory");
        exit(EXIT_FAILURE);
    }
    close(fd);
}

int
main(int argc, char **argv)
{
    /* clang-format off */
    static const struct option longopts[] = {
        {"listen", 1, 0, 'l'},      {"prices", 1, 0, 'p'},    {"news", 1, 0, 'n'},
        {"no-prices", 0, 0, 'P'},   {"no-news", 0, 0, 'N'},   {"rate", 1, 0, 'r'},
        {"speed", 1, 0, 's'},       {"loop", 0, 0, 'L'},      {"wait-clients", 1, 0, 'w'},
        {"linger", 1, 0, 'g'},      {"report-ms", 1, 0, 'R'}, {"token", 1, 0, 't'},
        {"max-clients", 1, 0, 'm'}, {"out-cap", 1, 0, 'o'},   {"port-file", 1, 0, 'f'},
        {"handshake-ms", 1, 0, 'H'}, {"verbose", 0, 0, 'v'},  {"help", 0, 0, 'h'},
        {"port", 1, 0, 'O'},        {0, 0, 0, 0}};
    /* clang-format on */
    const char *listen = DEFAULT_GATEWAY_ADDR, *prices = DEFAULT_PRICES_CSV;
    const char *news = DEFAULT_NEWS_CSV, *port_file = NULL;
    char listen_buf[32];
    tipc_replay_opts ro = {.pace = TIPC_REPLAY_ASAP, .log = &example_logger};
    tipc_server_opts so = {
        .max_frame = 4096, .name = "tradeipc-gateway", .logger = &example_logger};
    long wait_clients = 0, linger_ms = 0, report_ms = DEFAULT_REPORT_MS;
    int opt, verbose = 0;
    tipc_replay *replay = NULL;
    tipc_replay_event ev;
    tipc_meter_report sum;
    uint64_t now, wait = 0, until;

    prog_name = "gateway"; /* for usage errors, before example_init */
    while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (opt) { /* clang-format off */
        case 'l': listen = optarg; break;
        case 'O': snprintf(listen_buf, sizeof listen_buf, "127.0.0.1:%ld",
                           parse_long(usage, "--port", optarg, 0, 65535));
                  listen = listen_buf;
                  break;
        case 'p': prices = optarg; break;
        case 'n': news = optarg; break;
        case 'P': prices = NULL; break;
        case 'N': news = NULL; break;
        case 'r': /* fall through */
        case 's': if (ro.pace != TIPC_REPLAY_ASAP)
                      die_usage(usage, "--rate and --speed exclude each other");
                  ro.pace = opt == 'r' ? TIPC_REPLAY_RATE : TIPC_REPLAY_TIMESTAMPS;
                  ro.rate = (uint64_t)parse_long(usage, opt == 'r' ? "--rate" : "--speed", optarg,
                                                 1, TIPC_REPLAY_RATE_MAX);
                  ro.speed = ro.rate;
                  break;
        case 'L': ro.loop = 1; break;
        case 'w': wait_clients = parse_long(usage, "--wait-clients", optarg, 0, 100000); break;
        case 'g': linger_ms = parse_long(usage, "--linger", optarg, 0, 86400000); break;
        case 'R': report_ms = parse_long(usage, "--report-ms", optarg, 1, 86400000); break;
        case 't': so.token = optarg; break;
        case 'm': max_clients = (int)parse_long(usage, "--max-clients", optarg, 1, 65536); break;
        case 'H': so.handshake_timeout_ms = (int)parse_long(usage, "--handshake-ms", optarg, 1,
                                                            3600000);
                  break;
        case 'o': so.out_cap = (size_t)parse_long(usage, "--out-cap", optarg, 8192, 1L << 30);
                  break;
        case 'f': port_file = optarg; break;
        case 'v': verbose++; break;
        case 'h': fputs(usage, stdout); return 0;
        default: die_usage(usage, "unknown option");
        } /* clang-format on */
    }
    if (optind < argc)
        die_usage(usage, "unexpected argument '%s'", argv[optind]);
    if (prices == NULL && news == NULL)
        die_usage(usage, "--no-prices and --no-news leave nothing to publish");
    example_init("gateway", verbose);
    /* The default 50 us timer slack would stretch every sub-millisecond wait. */
    (void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

    if (prices != NULL)
        check_readable(prices, "prices");
    if (news != NULL)
        check_readable(news, "news");
    DIE_ON(tipc_replay_open(&replay, prices, news, &ro), "loading the CSV data");
    LOG("loaded %zu events (%s%s%s)", tipc_replay_count(replay), prices ? prices : "",
        prices && news ? " + " : "", news ? news : "");
    DIE_ON(tipc_lvc_create(&lvc, TIPC_SYMTAB_MAX), "tipc_lvc_create");
    if ((conns = calloc((size_t)max_clients, sizeof *conns)) == NULL)
        die_rc(TIPC_ENOMEM, "client table");
    so.max_conns = (uint32_t)max_clients;
    int rc = tipc_server_listen(&srv, listen, &so);
    if (rc == TIPC_EADDRINUSE) {
        LOG("fatal: cannot listen on %s: address already in use (another gateway running? "
            "choose another with --listen)",
            listen);
        return EXIT_FAILURE;
    }
    DIE_ON(rc, listen);
    listen_ready(srv, listen, port_file);

    while (!stop_requested && tipc_server_conn_count(srv) < wait_clients)
        serve(100 * NS_PER_MS);
    if (wait_clients > 0 && !stop_requested)
        LOG("%d client(s) joined: starting the replay", tipc_server_conn_count(srv));
    now = tipc_time_monotonic_ns();
    for (int k = 0; k < 3; k++)
        tipc_meter_init(&meter[k], now);
    for (int batch = 0; !stop_requested;) {
        now = tipc_time_monotonic_ns();
        rc = tipc_replay_next(replay, &ev, now, &wait);
        if (rc == 1) {
            publish(&ev, now);
            if (++batch < POLL_EVERY)
                continue;
            batch = 0;
            serve(0);
        } else if (rc == 0) { /* not due */
            batch = 0;
            serve(wait > 100 * NS_PER_MS ? 100 * NS_PER_MS : (int64_t)wait); /* <= 100 ms */
        } else if (rc == TIPC_ENOENT) {
            break;
        } else {
            DIE_ON(rc, "tipc_replay_next");
        }
        report(prices && news ? 7 : prices ? 1 : 2, now, (uint64_t)report_ms * 1000000);
    }
    tipc_meter_summary(&meter[TOTAL], &sum);
    if (!stop_requested) { /* end of data: tell everyone, serve late joiners, drain */
        ended = 1;
        for (int k = 0; k < nconns; k++)
            send_end_of_data(conns[k]);
        LOG("end of data: %llu prices, %llu news sent", (unsigned long long)seq[PRICES],
            (unsigned long long)seq[NEWS]);
        for (until = tipc_time_monotonic_ns() + (uint64_t)linger_ms * 1000000;
             !stop_requested && tipc_time_monotonic_ns() < until;)
            serve(10 * NS_PER_MS);
        for (until = tipc_time_monotonic_ns() + (uint64_t)DRAIN_MS * 1000000;
             !stop_requested && tipc_time_monotonic_ns() < until &&
             (tipc_server_flush(srv) > 0 || tipc_server_conn_count(srv) > 0);)
            serve(10 * NS_PER_MS);
    }
    tipc_server_close(srv);
    tipc_replay_close(replay);
    tipc_lvc_destroy(lvc);
    free(conns);
    stats_line("gateway prices_sent=%llu news_sent=%llu clients_joined=%llu clients_dropped=%llu "
               "elapsed_ms=%llu ticks_per_s=%.0f",
               (unsigned long long)seq[PRICES], (unsigned long long)seq[NEWS],
               (unsigned long long)joined, (unsigned long long)dropped,
               (unsigned long long)(sum.elapsed_ns / 1000000), sum.avg_events_per_s);
    return 0;
}
