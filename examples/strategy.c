/* SPDX-License-Identifier: MIT */
/* tradeipc-strategy: turns price changes in the shared price book
 * (moving-average crossover) and news from the gateway (sentiment trigger)
 * into JSON orders for the order manager, and counts their acks.
 *
 * Two threads. The prices thread sleeps on the price book's futex and reacts
 * to each changed slot at once. The main thread owns the gateway connection
 * (subscriber.h: reconnect, resume from the snapshot) and the news book and
 * polls the order client (order_client.h: ids, journal, acks, reconnect and
 * resend), which both threads use under one mutex. See doc/tradeipc-strategy.1. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc/book_watch.h>
#include <tradeipc/order_client.h>
#include <tradeipc/subscriber.h>

#include "common.h"
#include "defaults.h"

static const char usage[] =
    "usage: tradeipc-strategy [options]\n"
    "  -g, --gateway ADDR        gateway for news (default " DEFAULT_GATEWAY_ADDR ")\n"
    "  -o, --orders ADDR         order manager (default " DEFAULT_ORDERS_ADDR ")\n"
    "  -p, --price-book NAME     shared price book to watch (default " DEFAULT_PRICE_BOOK ")\n"
    "                            (--prices-book is accepted too)\n"
    "  -b, --news-book NAME      shared news book to keep (default " DEFAULT_NEWS_BOOK ")\n"
    "  -u, --unlink-at-exit      remove the news book at exit (default: leave it for readers)\n"
    "  -n, --name NAME           strategy name, prefix of order ids (default " DEFAULT_STRATEGY_NAME
    ")\n"
    "  -s, --short N, -L, --long N   moving-average windows (default 5, 20)\n"
    "  -B, --buy-threshold N, -S, --sell-threshold N   sentiment triggers (default 80, 20)\n"
    "  -q, --qty N               order quantity (default 100)\n"
    "  -t, --token TOKEN         auth token for both connections\n"
    "  -r, --report-ms N         report every N ms on stderr, 0 = never (default 1000)\n"
    "  -m, --max-orders N        send at most N orders (default: no limit)\n"
    "  -j, --journal FILE        record orders and acks in FILE: after a restart, number on\n"
    "                            and resend what is unacknowledged (default: none)\n"
    "  -v, --verbose             log every order and ack\n"
    "  -h, --help                show this help\n";

struct strat {
    const char *name, *orders_addr, *gateway_addr, *token;
    uint32_t qty;
    long report_ms;
    unsigned long long max_orders;
    int verbose;
    tipc_rulebook *rules; /* prices by price-book index, news by news-book index */

    pthread_mutex_t mu; /* guards oc and dropped */
    tipc_order_client *oc;
    unsigned long long dropped;

    tipc_book *prices; /* the prices thread's handle */
    atomic_int prices_stop;
    atomic_ullong prices_seen, prices_done; /* book changes fully handled */

    /* main thread only */
    tipc_book *news, *prices_ro; /* prices_ro: prices for news-driven orders */
    int om_up, om_seen;          /* the order manager is connected; was once */
    unsigned long long news_received, seen_reported;
};

/* Turn a signal into an order: the client keeps it until its ack and sends
 * it at once when connected. */
static void
submit(struct strat *s, const char *symbol, const tipc_signal *sig, int64_t price, uint64_t tick_ns)
{
    tipc_side side = sig->side;
    tipc_order o = {
        .side = side, .quantity = s->qty, .price = price, .signal = sig->info, .tick_ns = tick_ns};
    tipc_order_client_stats st = {0};

    snprintf(o.symbol, sizeof o.symbol, "%s", symbol);
    pthread_mutex_lock(&s->mu);
    if (s->max_orders != 0) /* next_seq - 1 orders made so far (with a journal, by every process) */
        tipc_order_client_get_stats(s->oc, &st);
    int rc = s->max_orders && st.next_seq > s->max_orders ? 1 : tipc_order_client_submit(s->oc, &o);
    if (rc < 0) {
        s->dropped++;
        LOG("%s %s signal dropped: %s", symbol, tipc_side_name(side), tipc_strerror(rc));
    } else if (rc == 0 && s->verbose) {
        LOG("order %s %s %s @%lld (%s)", o.client_order_id, symbol, tipc_side_name(side),
            (long long)price, tipc_rule_name(sig->info.rule));
    }
    pthread_mutex_unlock(&s->mu);
}

/* The prices thread: the watcher sleeps on the book's futex and hands out
 * each symbol with a new price, which goes to that book index's crossover. */
static void *
prices_main(void *arg)
{
    struct strat *s = arg;
    char sym[TIPC_SYMBOL_MAX + 1];
    tipc_book_watch *w = NULL;
    tipc_signal sig;
    tipc_level lv;
    uint32_t i;

    DIE_ON(tipc_book_watch_create(&w, s->prices), "prices thread");
    uint32_t gen = tipc_book_generation(s->prices);
    while (!atomic_load(&s->prices_stop)) {
        if (tipc_book_watch_next(w, 100, &i, &lv) == 1) {
            atomic_fetch_add(&s->prices_seen, 1);
            if (tipc_rulebook_on_price(s->rules, i, lv.value, &sig) == 1 &&
                tipc_book_symbol_name(s->prices, i, sym, sizeof sym) > 0)
                submit(s, sym, &sig, lv.value, lv.source_ns); /* the tick's send_ns */
        }
        atomic_store(&s->prices_done, tipc_book_watch_position(w));
        /* A restarted orderbook takes the book over in place: same mapping,
         * same change counter, so the watcher simply goes on. */
        if (tipc_book_generation(s->prices) != gen) {
            LOG("price book taken over by a new writer (generation %u -> %u); reading on", gen,
                tipc_book_generation(s->prices));
            gen = tipc_book_generation(s->prices);
        }
    }
    tipc_book_watch_destroy(w);
    return NULL;
}

/* Main thread: a news item updates the news book and may fire an order,
 * priced at the symbol's last price (no price yet: no order). */
static void
on_news(struct strat *s, const tipc_news *n)
{
    tipc_signal sig;
    tipc_level px;
    uint32_t i, pi;

    int rc = tipc_book_add_symbol(s->news, n->symbol, &i);
    if (rc == 0)
        rc = tipc_book_set(s->news, i, n->sentiment, n->send_ns);
    if (rc < 0) { /* full, or another writer took the book over */
        LOG("news book: %s: %s", n->symbol, tipc_strerror(rc));
    } else if (tipc_rulebook_on_news(s->rules, i, n->sentiment, &sig) == 1) {
        if (tipc_book_lookup(s->prices_ro, n->symbol, &pi) == 0 &&
            tipc_book_get(s->prices_ro, pi, &px) == 0 && px.updates > 0)
            submit(s, n->symbol, &sig, px.value, n->send_ns);
        else
            LOG("%s: sentiment %d fired but no price is known yet", n->symbol, n->sentiment);
    }
}

/* What the gateway subscription reports; it skips news items already
 * handled before a reconnect. Returns 1 at END_OF_DATA. */
static int
on_feed_events(struct strat *s, const tipc_sub_event *ev, int n)
{
    int eod = 0;

    for (int i = 0; i < n; i++) {
        const tipc_sub_event *e = &ev[i];
        switch (e->kind) {
        case TIPC_SUB_EV_NEWS:
            s->news_received++;
            on_news(s, &e->news);
            break;
        case TIPC_SUB_EV_RESET:
            LOG("gateway restarted: news seq back from %llu to %llu",
                (unsigned long long)e->seq_from, (unsigned long long)e->seq_to);
            break;
        case TIPC_SUB_EV_CONNECT_FAILED:
            LOG("connect %s: %s%s%s", s->gateway_addr, tipc_strerror(e->err), e->why[0] ? ": " : "",
                e->why);
            break;
        case TIPC_SUB_EV_LOST:
            LOG("gateway connection lost: %s; reconnecting", tipc_strerror(e->err));
            break;
        default:
            eod |= e->kind == TIPC_SUB_EV_END_OF_DATA;
        }
    }
    return eod;
}

/* What the order client reports. */
static void
on_order_events(struct strat *s, const tipc_order_event *ev, int n)
{
    for (int i = 0; i < n; i++) {
        const tipc_order_event *e = &ev[i];
        const tipc_ack *a = &e->ack;
        if (e->kind == TIPC_ORDER_EV_ACK && a->status == TIPC_ACK_REJECTED)
            LOG("order %s rejected: %s", a->client_order_id, a->reason);
        if (e->kind == TIPC_ORDER_EV_ACK && s->verbose)
            LOG("ack %s order_id=%llu %s%s", a->client_order_id, (unsigned long long)a->order_id,
                a->status == TIPC_ACK_ACCEPTED ? "accepted" : "rejected",
                a->duplicate ? " duplicate" : "");
        if (e->kind == TIPC_ORDER_EV_CONNECTED)
            LOG("order manager connected; %u unacknowledged orders sent again", e->resent);
        if (e->kind == TIPC_ORDER_EV_CONNECT_FAILED)
            LOG("connect %s: %s%s%s", s->orders_addr, tipc_strerror(e->err), e->why[0] ? ": " : "",
                e->why);
        if (e->kind == TIPC_ORDER_EV_LOST)
            LOG("order connection lost: %s; reconnecting", tipc_strerror(e->err));
    }
}

/* Wait until the gateway or the order manager has something, at most
 * timeout_ms and never past their timers, then handle both. Returns 1 at the
 * gateway's END_OF_DATA. */
static int
wait_and_pump(struct strat *s, tipc_subscriber *feed, int timeout_ms)
{
    struct pollfd pfd[2] = {{-1, 0, 0}, {-1, 0, 0}};
    tipc_order_event oev[64];
    tipc_sub_event fev[64];
    int t, n;

    if (feed != NULL) {
        pfd[0] = (struct pollfd){tipc_subscriber_fd(feed), tipc_subscriber_events(feed), 0};
        if ((t = tipc_subscriber_next_timeout_ms(feed)) >= 0 && t < timeout_ms)
            timeout_ms = t;
    }
    pthread_mutex_lock(&s->mu); /* the fd stays valid until our next poll */
    pfd[1] = (struct pollfd){tipc_order_client_fd(s->oc), tipc_order_client_events(s->oc), 0};
    if ((t = tipc_order_client_next_timeout_ms(s->oc)) >= 0 && t < timeout_ms)
        timeout_ms = t;
    pthread_mutex_unlock(&s->mu);
    (void)poll(pfd, 2, timeout_ms);
    pthread_mutex_lock(&s->mu);
    n = tipc_order_client_poll(s->oc, oev, 64, 0);
    s->om_seen |= s->om_up = tipc_order_client_is_connected(s->oc);
    pthread_mutex_unlock(&s->mu);
    on_order_events(s, oev, n);
    return feed != NULL && on_feed_events(s, fev, tipc_subscriber_poll(feed, fev, 64, 0));
}

static void
report(struct strat *s, tipc_meter *m, uint64_t now)
{
    unsigned long long seen = atomic_load(&s->prices_seen);
    tipc_order_client_stats st;
    tipc_meter_report r;
    char mbuf[256], hbuf[128];

    tipc_meter_add(m, seen - s->seen_reported, 0, now);
    s->seen_reported = seen;
    if (s->report_ms == 0 || tipc_meter_poll(m, now, (uint64_t)s->report_ms * 1000000u, &r) != 1)
        return;
    if (tipc_meter_format(&r, mbuf, sizeof mbuf) < 0)
        mbuf[0] = '\0';
    pthread_mutex_lock(&s->mu);
    tipc_order_client_get_stats(s->oc, &st);
    if (tipc_hist_format(tipc_order_client_rtt(s->oc), hbuf, sizeof hbuf) < 0)
        hbuf[0] = '\0';
    pthread_mutex_unlock(&s->mu);
    LOG("prices %s; orders sent=%llu accepted=%llu rejected=%llu unacked=%u; order_rtt %s", mbuf,
        (unsigned long long)st.submitted, (unsigned long long)st.accepted,
        (unsigned long long)st.rejected, st.unacked, hbuf);
}

/* Shutdown: RUN until END_OF_DATA or a signal, then DRAIN_PRICES until the
 * book has been still for quiet_ns and the prices thread has handled every
 * change, then wait for every ack (tipc_order_client_drain); each bounded. */
struct shutdown {
    int draining;
    uint64_t deadline, quiet_ns, ack_wait_ns;
};

static void
start_drain(struct shutdown *d, uint64_t now, int by_signal)
{
    d->draining = 1;
    d->quiet_ns = by_signal ? 50000000u : 200000000u;
    d->deadline = now + (by_signal ? 1000000000u : 5000000000u);
    d->ack_wait_ns = by_signal ? 2000000000u : 10000000000u;
}

int
main(int argc, char **argv)
{
    /* clang-format off */
    static const struct option longopts[] = {
        {"gateway", 1, 0, 'g'}, {"orders", 1, 0, 'o'}, {"price-book", 1, 0, 'p'},
        {"prices-book", 1, 0, 'p'}, {"news-book", 1, 0, 'b'}, {"unlink-at-exit", 0, 0, 'u'},
        {"name", 1, 0, 'n'}, {"short", 1, 0, 's'}, {"long", 1, 0, 'L'},
        {"buy-threshold", 1, 0, 'B'}, {"sell-threshold", 1, 0, 'S'}, {"qty", 1, 0, 'q'},
        {"token", 1, 0, 't'}, {"report-ms", 1, 0, 'r'}, {"max-orders", 1, 0, 'm'},
        {"journal", 1, 0, 'j'}, {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    /* clang-format on */
    static struct strat s = {.name = DEFAULT_STRATEGY_NAME,
                             .orders_addr = DEFAULT_ORDERS_ADDR,
                             .gateway_addr = DEFAULT_GATEWAY_ADDR,
                             .qty = DEFAULT_ORDER_QTY,
                             .report_ms = DEFAULT_REPORT_MS,
                             .mu = PTHREAD_MUTEX_INITIALIZER};
    const char *price_book = DEFAULT_PRICE_BOOK, *news_book = DEFAULT_NEWS_BOOK, *journal = NULL;
    long sw = DEFAULT_SHORT_WINDOW, lw = DEFAULT_LONG_WINDOW;
    long buy = DEFAULT_BUY_THRESHOLD, sell = DEFAULT_SELL_THRESHOLD;
    int opt, rc, unlink_at_exit = 0;

    while ((opt = getopt_long(argc, argv, "g:o:p:b:un:s:L:B:S:q:t:r:m:j:vh", longopts, NULL)) !=
           -1) {
        switch (opt) { /* clang-format off */
        case 'g': s.gateway_addr = optarg; break;
        case 'o': s.orders_addr = optarg; break;
        case 'p': price_book = optarg; break;
        case 'b': news_book = optarg; break;
        case 'u': unlink_at_exit = 1; break;
        case 'n': s.name = optarg; break;
        case 's': sw = parse_long(usage, "--short", optarg, 1, TIPC_MA_WINDOW_MAX); break;
        case 'L': lw = parse_long(usage, "--long", optarg, 1, TIPC_MA_WINDOW_MAX); break;
        case 'B': buy = parse_long(usage, "--buy-threshold", optarg, 0, 100); break;
        case 'S': sell = parse_long(usage, "--sell-threshold", optarg, 0, 100); break;
        case 'q': s.qty = (uint32_t)parse_long(usage, "--qty", optarg, 1, UINT32_MAX); break;
        case 't': s.token = optarg; break;
        case 'r': s.report_ms = parse_long(usage, "--report-ms", optarg, 0, 3600000); break;
        case 'm': s.max_orders = (unsigned long long)parse_long(usage, "--max-orders", optarg, 1,
                                                                 LONG_MAX); break;
        case 'j': journal = optarg; break;
        case 'v': s.verbose++; break;
        case 'h': fputs(usage, stdout); return EXIT_SUCCESS;
        default: die_usage(usage, "unknown option");
        } /* clang-format on */
    }
    if (optind < argc)
        die_usage(usage, "unexpected argument '%s'", argv[optind]);
    if (strlen(s.name) > TIPC_ORDER_CLIENT_NAME_MAX ||
        !tipc_order_id_is_valid(s.name, strlen(s.name)))
        die_usage(usage, "--name: want 1..%d bytes of [A-Za-z0-9._:-]", TIPC_ORDER_CLIENT_NAME_MAX);
    if (sw >= lw)
        die_usage(usage, "--short must be less than --long");
    if (sell >= buy)
        die_usage(usage, "--sell-threshold must be less than --buy-threshold");
    example_init("strategy", s.verbose);

    /* The launcher starts us once the orderbook is ready; by hand, the book
     * may come up to 5 s later. */
    for (int i = 0; (rc = tipc_book_open(&s.prices, price_book, TIPC_BOOK_PRICES)) < 0; i++) {
        if ((rc != TIPC_ENOENT && rc != TIPC_ENOTREADY) || i == 100 || stop_requested)
            die("price book %s: %s", price_book, tipc_strerror(rc));
        sleep_ms(50);
    }
    DIE_ON(tipc_book_open(&s.prices_ro, price_book, TIPC_BOOK_PRICES), "tipc_book_open");
    rc = tipc_book_create(&s.news, news_book, TIPC_BOOK_NEWS, DEFAULT_BOOK_CAPACITY,
                          TIPC_BOOK_TAKEOVER);
    if (rc < 0)
        die("news book %s: %s", news_book, tipc_strerror(rc));
    /* Rule states for every symbol either book can hold: prices go by
     * price-book index, news by news-book index. */
    tipc_book_stat bs;
    tipc_book_info(s.prices, &bs);
    uint32_t nsymbols = bs.capacity > DEFAULT_BOOK_CAPACITY ? bs.capacity : DEFAULT_BOOK_CAPACITY;
    tipc_rulebook_params rp = {(uint32_t)sw, (uint32_t)lw, (int32_t)buy, (int32_t)sell};
    DIE_ON(tipc_rulebook_create(&s.rules, nsymbols, &rp), "tipc_rulebook_create");

    /* With a journal, the orders a previous process left unacknowledged go
     * out on the first connection. */
    tipc_order_client_opts oo = {
        .name = s.name, .token = s.token, .journal = journal, .logger = &example_logger};
    tipc_order_client_stats st;
    if ((rc = tipc_order_client_open(&s.oc, s.orders_addr, &oo)) < 0)
        die("%s %s: %s", journal ? "journal" : "order manager", journal ? journal : s.orders_addr,
            tipc_strerror(rc));
    tipc_order_client_get_stats(s.oc, &st);
    if (journal != NULL)
        LOG("journal %s: %llu orders so far, %llu unacknowledged to resend, next id %s-%llu",
            journal, (unsigned long long)st.journal_orders, (unsigned long long)st.recovered,
            s.name, (unsigned long long)st.next_seq);
    pthread_t tid;
    if (pthread_create(&tid, NULL, prices_main, &s) != 0)
        DIE_ON(TIPC_ENOMEM, "pthread_create");

    tipc_hello hello = {.role = TIPC_ROLE_STRATEGY, .streams = TIPC_STREAM_NEWS};
    tipc_subscriber_opts fo = {.logger = &example_logger};
    tipc_subscriber *feed = NULL;
    struct shutdown d = {0};
    int ready = 0, signalled = 0;
    uint64_t start = tipc_time_monotonic_ns(), changes = 0, changed_at = start;
    tipc_meter meter;
    tipc_meter_init(&meter, start);
    snprintf(hello.name, sizeof hello.name, "%s", s.name);
    snprintf(hello.token, sizeof hello.token, "%s", s.token ? s.token : "");

    for (int prices_running = 1; prices_running;) {
        uint64_t now = tipc_time_monotonic_ns();
        if (stop_requested && !signalled) {
            signalled = 1;
            if (!d.draining)
                start_drain(&d, now, 1);
            else if (d.deadline > now + 2000000000u)
                d.deadline = now + 2000000000u;
        }
        /* The order manager first: joining the gateway may start its replay. */
        if (feed == NULL && s.om_seen && !d.draining)
            DIE_ON(tipc_subscriber_open(&feed, s.gateway_addr, &hello, &fo), "gateway");
        if (!ready && feed != NULL && tipc_subscriber_is_connected(feed) && s.om_up) {
            ready = 1;
            signal_ready("connected to the gateway and the order manager; price book open");
        } else if (!ready && !d.draining && now - start > 10000000000u) {
            die("could not connect to %s and %s within 10 s", s.gateway_addr, s.orders_addr);
        }
        if (wait_and_pump(&s, feed, d.draining ? 20 : 100)) {
            tipc_subscriber_close(feed);
            feed = NULL;
            if (!d.draining) {
                LOG("end of data: draining prices, then waiting for acks");
                start_drain(&d, now, 0);
            }
        }
        now = tipc_time_monotonic_ns();
        uint64_t c = tipc_book_changes(s.prices_ro);
        if (c != changes)
            changes = c, changed_at = now;
        if (d.draining && ((atomic_load(&s.prices_done) >= c && now - changed_at >= d.quiet_ns) ||
                           now >= d.deadline))
            prices_running = 0;
        report(&s, &meter, now);
    }
    atomic_store(&s.prices_stop, 1);
    pthread_join(tid, NULL);

    /* Every order is made: wait for the acks (the client reconnects as needed). */
    uint64_t deadline = tipc_time_monotonic_ns() + d.ack_wait_ns;
    tipc_order_event ev[64];
    while ((rc = tipc_order_client_drain(s.oc, ev, 64, deadline)) > 0 || rc == TIPC_EINTR) {
        on_order_events(&s, ev, rc);
        uint64_t now = tipc_time_monotonic_ns();
        if (stop_requested && !signalled++ && deadline > now + 2000000000u)
            deadline = now + 2000000000u; /* a signal shortens the wait to 2 s */
    }

    tipc_order_client_get_stats(s.oc, &st);
    char jstats[160] = "";
    if (journal != NULL)
        snprintf(jstats, sizeof jstats,
                 " journal_orders=%llu journal_accepted=%llu journal_rejected=%llu",
                 (unsigned long long)st.journal_orders, (unsigned long long)st.journal_accepted,
                 (unsigned long long)st.journal_rejected);
    stats_line("strategy news_received=%llu prices_seen=%llu orders_sent=%llu accepted=%llu "
               "rejected=%llu duplicates=%llu resent=%llu unacked=%u dropped=%llu recovered=%llu%s",
               s.news_received, (unsigned long long)atomic_load(&s.prices_seen),
               (unsigned long long)st.submitted, (unsigned long long)st.accepted,
               (unsigned long long)st.rejected, (unsigned long long)st.duplicates,
               (unsigned long long)st.resent, st.unacked, s.dropped,
               (unsigned long long)st.recovered, jstats);
    hist_line("strategy", "order_rtt", tipc_order_client_rtt(s.oc));
    if (st.unacked > 0)
        LOG("%u orders were never acknowledged", st.unacked);
    tipc_subscriber_close(feed);
    tipc_order_client_close(s.oc);
    tipc_rulebook_destroy(s.rules);
    tipc_book_close(s.news);
    tipc_book_close(s.prices_ro);
    tipc_book_close(s.prices);
    if (unlink_at_exit && (rc = tipc_book_unlink(news_book)) < 0)
        LOG("cannot unlink %s: %s", news_book, tipc_strerror(rc));
    return st.unacked > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
