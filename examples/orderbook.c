/* SPDX-License-Identifier: MIT */
/* tradeipc-orderbook: writes every price tick from the gateway into the shared
 * price book, with the tick's send_ns as the slot's source_ns (so readers can
 * measure tick-to-order latency). The subscriber (subscriber.h) reconnects with
 * backoff and resumes from the snapshot without writing a tick twice. Exits at
 * END_OF_DATA unless --stay. See doc/tradeipc-orderbook.1. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include <tradeipc/subscriber.h>

#include "common.h"
#include "defaults.h"

static const char usage[] =
    "usage: tradeipc-orderbook [options]\n"
    "  --gateway ADDR         gateway address (default " DEFAULT_GATEWAY_ADDR ")\n"
    "  --book NAME            shared price book (default " DEFAULT_PRICE_BOOK ")\n"
    "  --capacity N           most symbols in the book (default 1024)\n"
    "  --name NAME            client name shown by the gateway (default orderbook)\n"
    "  --token TOKEN          handshake token, if the gateway requires one\n"
    "  --stay                 keep running after END_OF_DATA (reconnect when it closes)\n"
    "  --takeover             take the book over even if its writer looks alive\n"
    "  --connect-timeout MS   give up when no connection succeeds for MS (default 30000;\n"
    "                         0 = retry forever)\n"
    "  --report-ms MS         rate report interval (default 1000)\n"
    "  --unlink-at-exit       remove the book at exit (default: leave it for readers)\n"
    "  -v, --verbose          log more\n"
    "  -h, --help             show this help\n";

struct orderbook {
    const char *addr, *book_name;
    long capacity, connect_ms, report_ms;
    int stay;
    tipc_book *book;
    tipc_subscriber *feed;
    uint64_t written, not_stored;
    uint64_t down_since_ns; /* start, or when the last connection was lost */
    tipc_meter meter;       /* started at the first write */
    int metering;
};

/* Write one tick; the symbol is registered the first time it appears.
 * stored_ns: the batch's one CLOCK_REALTIME read, the slot's update_ns. */
static void
write_tick(struct orderbook *ob, const tipc_sub_event *e, uint64_t now, uint64_t stored_ns)
{
    const tipc_tick *t = &e->tick;
    uint32_t idx;
    int rc = tipc_book_add_symbol(ob->book, t->symbol, &idx);

    if (rc == 0)
        rc = tipc_book_set_at(ob->book, idx, t->price, t->send_ns, stored_ns);
    if (rc == TIPC_ESTALE)
        die("another writer took the book over; stopping");
    if (rc == TIPC_ENOSPC) {
        if (ob->not_stored++ == 0)
            LOG("book full (--capacity %ld): %s and further new symbols not stored", ob->capacity,
                t->symbol);
        return;
    }
    DIE_ON(rc, "tipc_book_set_at");
    ob->written++;
    if (!ob->metering) {
        tipc_meter_init(&ob->meter, now);
        ob->metering = 1;
    }
    tipc_meter_add(&ob->meter, 1, e->len, now);
}

/* Returns 1 when the program is done (END_OF_DATA without --stay). */
static int
handle(struct orderbook *ob, const tipc_sub_event *e, uint64_t now, uint64_t stored_ns)
{
    const char *err = tipc_strerror(e->err);
    tipc_subscriber_stats st;

    tipc_subscriber_get_stats(ob->feed, &st);
    switch (e->kind) {
    case TIPC_SUB_EV_TICK:
        write_tick(ob, e, now, stored_ns);
        break;
    case TIPC_SUB_EV_CONNECTED:
        if (st.connects == 1)
            signal_ready_f("book %s (capacity %ld), subscribed to %s", ob->book_name, ob->capacity,
                           ob->addr);
        else
            LOG("reconnected to %s (reconnect %llu)", ob->addr, st.connects - 1ull);
        break;
    case TIPC_SUB_EV_CONNECT_FAILED: /* fatal when refused or none succeeded for a while */
        if (e->err == TIPC_EREJECTED || e->err == TIPC_EINVAL || e->err == TIPC_EVERSION)
            die("gateway %s: %s%s%s", ob->addr, err, e->why[0] ? ": " : "", e->why);
        if (ob->connect_ms > 0 && now - ob->down_since_ns >= (uint64_t)ob->connect_ms * 1000000)
            die("no gateway at %s after %ld ms: %s", ob->addr, ob->connect_ms, err);
        LOG("gateway %s: %s; retrying in %u ms", ob->addr, err, e->retry_ms);
        break;
    case TIPC_SUB_EV_LOST:
        LOG("connection to the gateway lost: %s", err);
        ob->down_since_ns = now;
        break;
    case TIPC_SUB_EV_GAP:
        if (st.gaps <= 10)
            LOG("seq gap: expected %llu, got %llu", (unsigned long long)e->seq_from,
                (unsigned long long)e->seq_to);
        break;
    case TIPC_SUB_EV_RESET:
        LOG("gateway restarted: price seq back from %llu to %llu", (unsigned long long)e->seq_from,
            (unsigned long long)e->seq_to);
        break;
    case TIPC_SUB_EV_END_OF_DATA:
        LOG("end of data: %llu prices written, %llu gaps", (unsigned long long)ob->written,
            (unsigned long long)st.gaps);
        return !ob->stay;
    default:
        break; /* news: not subscribed */
    }
    return 0;
}

int
main(int argc, char **argv)
{
    /* clang-format off */
    static const struct option longopts[] = {
        {"gateway", 1, 0, 'g'},  {"book", 1, 0, 'b'},      {"capacity", 1, 0, 'c'},
        {"name", 1, 0, 'n'},     {"token", 1, 0, 't'},     {"stay", 0, 0, 's'},
        {"takeover", 0, 0, 'T'}, {"connect-timeout", 1, 0, 'C'}, {"report-ms", 1, 0, 'R'},
        {"unlink-at-exit", 0, 0, 'u'}, {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    /* clang-format on */
    struct orderbook ob = {.addr = DEFAULT_GATEWAY_ADDR,
                           .book_name = DEFAULT_PRICE_BOOK,
                           .capacity = DEFAULT_BOOK_CAPACITY,
                           .connect_ms = 30000,
                           .report_ms = DEFAULT_REPORT_MS};
    const char *client = "orderbook", *token = "";
    int opt, verbose = 0, unlink_at_exit = 0, rc;
    unsigned flags = 0;
    tipc_hello hello = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_PRICES};

    prog_name = "orderbook"; /* for usage errors, before example_init */
    while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (opt) { /* clang-format off */
        case 'g': ob.addr = optarg; break;
        case 'b': ob.book_name = optarg; break;
        case 'c': ob.capacity = parse_long(usage, "--capacity", optarg, 1, TIPC_BOOK_MAX_CAPACITY);
                  break;
        case 'n': client = optarg; break;
        case 't': token = optarg; break;
        case 's': ob.stay = 1; break;
        case 'T': flags |= TIPC_BOOK_TAKEOVER; break;
        case 'C': ob.connect_ms = parse_long(usage, "--connect-timeout", optarg, 0, 86400000);
                  break;
        case 'R': ob.report_ms = parse_long(usage, "--report-ms", optarg, 1, 86400000); break;
        case 'u': unlink_at_exit = 1; break;
        case 'v': verbose++; break;
        case 'h': fputs(usage, stdout); return 0;
        default: die_usage(usage, "unknown option");
        } /* clang-format on */
    }
    if (optind < argc)
        die_usage(usage, "unexpected argument '%s'", argv[optind]);
    if (!*client || snprintf(hello.name, sizeof hello.name, "%s", client) >= (int)sizeof hello.name)
        die_usage(usage, "--name: 1 to %d characters", TIPC_SOCK_NAME_MAX);
    if (snprintf(hello.token, sizeof hello.token, "%s", token) >= (int)sizeof hello.token)
        die_usage(usage, "--token: at most %d characters", TIPC_SOCK_TOKEN_MAX);
    example_init("orderbook", verbose);

    char why[256] = "";
    rc = tipc_book_create_ex(&ob.book, ob.book_name, TIPC_BOOK_PRICES, (uint32_t)ob.capacity, flags,
                             why, sizeof why);
    if (rc == TIPC_EBUSY || rc == TIPC_EVERSION)
        die("cannot create book %s: %s: %s (%s)", ob.book_name, tipc_strerror(rc), why,
            rc == TIPC_EBUSY ? "another orderbook running? --takeover forces it"
                             : "remove it with tipc_book_unlink or choose another --book");
    DIE_ON(rc, ob.book_name);
    if (tipc_book_generation(ob.book) > 1)
        LOG("took over book %s (generation %u)", ob.book_name, tipc_book_generation(ob.book));

    tipc_subscriber_opts so = {.logger = &example_logger};
    tipc_subscriber_stats st;
    tipc_sub_event ev[32];
    tipc_meter_report r;
    char text[256];
    DIE_ON(tipc_subscriber_open(&ob.feed, ob.addr, &hello, &so), "tipc_subscriber_open");
    ob.down_since_ns = tipc_time_monotonic_ns();
    for (int done = 0; !done && !stop_requested;) {
        int n = tipc_subscriber_poll(ob.feed, ev, 32, 100);
        uint64_t now = tipc_time_monotonic_ns();
        /* One wall-clock read stamps the whole batch (tipc_book_set would
         * read the clock per tick, ~30 ns each under a hypervisor). */
        uint64_t stored_ns = n > 0 ? tipc_time_realtime_ns() : 0;
        for (int i = 0; i < n && !done; i++)
            done = handle(&ob, &ev[i], now, stored_ns);
        tipc_subscriber_get_stats(ob.feed, &st);
        if (ob.metering && tipc_meter_poll(&ob.meter, now, ob.report_ms * 1000000ull, &r) == 1 &&
            tipc_meter_format(&r, text, sizeof text) >= 0)
            LOG("updates: %s; gaps %llu", text, (unsigned long long)st.gaps);
    }
    tipc_subscriber_get_stats(ob.feed, &st);
    tipc_subscriber_close(ob.feed);

    tipc_meter_report sum = {0};
    if (ob.metering)
        tipc_meter_summary(&ob.meter, &sum);
    stats_line("orderbook prices_written=%llu symbols=%u reconnects=%llu updates_per_s=%.0f "
               "gaps=%llu",
               (unsigned long long)ob.written, tipc_book_symbol_count(ob.book),
               st.connects > 0 ? st.connects - 1ull : 0ull, sum.avg_events_per_s,
               (unsigned long long)st.gaps);
    tipc_book_close(ob.book);
    if (unlink_at_exit && (rc = tipc_book_unlink(ob.book_name)) < 0)
        LOG("cannot unlink %s: %s", ob.book_name, tipc_strerror(rc));
    return EXIT_SUCCESS;
}
