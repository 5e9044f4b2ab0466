/* SPDX-License-Identifier: MIT */
/* tradeipc-strategy: turns price changes in the shared price book
 * (moving-average crossover) and news from the gateway (sentiment trigger)
 * into JSON orders for the order manager, and counts their acks.
 *
 * Two threads. The prices thread sleeps on the price book's futex and reacts
 * to each changed slot at once. The main thread owns the gateway connection,
 * the news book and the ack side of the order connection. Both send orders,
 * so the order socket, the outbox of unacknowledged orders and the order
 * counters sit behind one mutex. Every order stays in the outbox until its
 * ack arrives; after a reconnect the whole outbox is sent again with the same
 * client order ids and the order manager answers copies as duplicates. With
 * --journal every order is also recorded in a file before it is sent, and
 * every ack as it arrives, so a restarted strategy numbers on from the last
 * id and resends what its predecessor left unacknowledged. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tradeipc/book_watch.h>
#include <tradeipc/feed.h>
#include <tradeipc/journal.h>
#include <tradeipc/outbox.h>

#include "common.h"
#include "defaults.h"

static const char usage[] =
    "usage: tradeipc-strategy [options]\n"
    "  -g, --gateway ADDR        gateway for news (default " DEFAULT_GATEWAY_ADDR ")\n"
    "  -o, --orders ADDR         order manager (default " DEFAULT_ORDERS_ADDR ")\n"
    "  -p, --price-book NAME     shared price book to watch (default " DEFAULT_PRICE_BOOK ")\n"
    "                            (--prices-book is accepted too)\n"
    "  -b, --news-book NAME      shared news book to keep (default " DEFAULT_NEWS_BOOK ")\n"
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

#define OUTBOX_CAPACITY 8192 /* its acks fit the order manager's 4 MiB output bound */
#define NAME_MAX_LEN 20      /* "<name>-<n>" must fit TIPC_ORDER_ID_MAX with 10 digits */

struct strat {
    const char *name, *orders_addr, *gateway_addr, *token;
    uint32_t qty;
    long report_ms;
    unsigned long long max_orders;
    int verbose;
    tipc_ma_cross ma_proto; /* windows, copied into each symbol's state */
    tipc_sentiment_trigger trig_proto;

    pthread_mutex_t mu; /* guards everything down to the blank line */
    tipc_sock *om;      /* NULL or broken: the main thread reconnects */
    int om_broken;
    tipc_outbox *outbox;
    tipc_journal *journal; /* NULL without --journal */
    tipc_hist *rtt;
    unsigned long long sent, accepted, rejected, duplicates, resent, dropped, recovered;

    tipc_book *prices; /* the prices thread's handle */
    atomic_int prices_stop;
    atomic_ullong prices_seen, prices_done; /* book changes fully handled */

    /* main thread only */
    tipc_book *news, *prices_ro;  /* prices_ro: prices for news-driven orders */
    tipc_sentiment_trigger *trig; /* per news-book index */
    uint64_t news_seq;            /* last news seq handled */
    unsigned long long news_received, seen_reported;
};

/* Send one order on the current connection; mu held. */
static void
send_locked(struct strat *s, tipc_order *o)
{
    char json[TIPC_ORDER_JSON_MAX];
    size_t len;
    int rc;

    o->send_ns = tipc_time_realtime_ns();
    if ((rc = tipc_outbox_update(s->outbox, o)) == 0 &&
        (rc = tipc_order_encode(o, json, sizeof json, &len)) == 0)
        rc = tipc_sock_send(s->om, TIPC_MSG_ORDER, json, len, TIPC_NONBLOCK);
    if (rc < 0 && !s->om_broken) {
        LOG("order connection lost while sending %s: %s", o->client_order_id, tipc_strerror(rc));
        s->om_broken = 1;
    }
}

/* Orders created so far: by this process, or with a journal by every process
 * of this strategy. mu held. */
static unsigned long long
created_locked(const struct strat *s)
{
    tipc_journal_stats js;

    if (s->journal == NULL)
        return s->sent;
    tipc_journal_get_stats(s->journal, &js);
    return js.orders;
}

/* Give o its client order id and keep it until its ack: in the journal
 * first (the id comes from there), then in the outbox. mu held. */
static int
keep_locked(struct strat *s, tipc_order *o)
{
    size_t len;

    /* A size query validates the order (the journal's id has the same form);
     * send_ns stays 0 in the outbox until the order has been sent once. */
    snprintf(o->client_order_id, sizeof o->client_order_id, "%s-%llu", s->name, s->sent + 1);
    int rc = tipc_order_encode(o, NULL, 0, &len);
    if (rc != TIPC_ENOSPC)
        return rc < 0 ? rc : TIPC_EINVAL;
    if (tipc_outbox_count(s->outbox) == tipc_outbox_capacity(s->outbox))
        return TIPC_ENOSPC;
    if (s->journal != NULL && (rc = tipc_journal_add_order(s->journal, o)) < 0)
        return rc;
    return tipc_outbox_add(s->outbox, o); /* cannot fail: room checked, ids unique */
}

/* Turn a signal into an order, keep it, and send it at once. */
static void
submit(struct strat *s, const char *symbol, tipc_side side, int64_t price,
       const tipc_signal_info *sig, uint64_t tick_ns)
{
    tipc_order o = {
        .side = side, .quantity = s->qty, .price = price, .signal = *sig, .tick_ns = tick_ns};

    snprintf(o.symbol, sizeof o.symbol, "%s", symbol);
    snprintf(o.strategy, sizeof o.strategy, "%s", s->name);
    pthread_mutex_lock(&s->mu);
    if (s->max_orders == 0 || created_locked(s) < s->max_orders) {
        int rc = keep_locked(s, &o);
        if (rc < 0) {
            s->dropped++;
            LOG("%s %s signal dropped: %s", symbol, tipc_side_name(side), tipc_strerror(rc));
        } else {
            s->sent++;
            if (s->om != NULL && !s->om_broken)
                send_locked(s, &o);
            if (s->verbose)
                LOG("order %s %s %s @%lld (%s)", o.client_order_id, symbol, tipc_side_name(side),
                    (long long)price, tipc_rule_name(sig->rule));
        }
    }
    pthread_mutex_unlock(&s->mu);
}

/* A new price for book slot i: feed that symbol's crossover state, made
 * the first time the symbol changes. */
static void
on_price(struct strat *s, uint32_t i, const tipc_level *lv, tipc_ma_cross **ma)
{
    tipc_signal_info sig;
    tipc_side side;
    char sym[TIPC_SYMBOL_MAX + 1];

    atomic_fetch_add(&s->prices_seen, 1);
    if (ma[i] == NULL && (ma[i] = malloc(sizeof *ma[i])) != NULL)
        *ma[i] = s->ma_proto;
    if (ma[i] != NULL && tipc_ma_cross_update(ma[i], lv->value, &sig, &side) == 1 &&
        tipc_book_symbol_name(s->prices, i, sym, sizeof sym) > 0)
        submit(s, sym, side, lv->value, &sig, lv->source_ns); /* source_ns: the tick's send_ns */
}

/* The prices thread: the watcher sleeps on the book's futex and hands out
 * each symbol with a new price. */
static void *
prices_main(void *arg)
{
    struct strat *s = arg;
    tipc_book_stat st;
    tipc_book_watch *w = NULL;
    tipc_level lv;
    uint32_t i;

    tipc_book_info(s->prices, &st);
    tipc_ma_cross **ma = calloc(st.capacity, sizeof *ma);
    if (ma == NULL || tipc_book_watch_create(&w, s->prices) < 0)
        DIE_ON(TIPC_ENOMEM, "prices thread");
    uint32_t gen = st.generation;
    while (!atomic_load(&s->prices_stop)) {
        if (tipc_book_watch_next(w, 100, &i, &lv) == 1)
            on_price(s, i, &lv, ma);
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
    for (uint32_t k = 0; k < st.capacity; k++)
        free(ma[k]);
    free(ma);
    return NULL;
}

/* Main thread: a news item updates the news book and may fire an order,
 * priced at the symbol's last price (no price yet: no order). */
static void
on_news(struct strat *s, const tipc_news *n)
{
    uint32_t i, pi;
    tipc_level px;
    tipc_signal_info sig;
    tipc_side side;

    int rc = tipc_book_add_symbol(s->news, n->symbol, &i);
    if (rc == 0)
        rc = tipc_book_set(s->news, i, n->sentiment, n->send_ns);
    if (rc < 0) { /* full, or another writer took the book over */
        LOG("news book: %s: %s", n->symbol, tipc_strerror(rc));
        return;
    }
    if (tipc_sentiment_trigger_update(&s->trig[i], n->sentiment, &sig, &side) != 1)
        return;
    if (tipc_book_lookup(s->prices_ro, n->symbol, &pi) == 0 &&
        tipc_book_get(s->prices_ro, pi, &px) == 0 && px.updates > 0)
        submit(s, n->symbol, side, px.value, &sig, n->send_ns);
    else
        LOG("%s: sentiment %d fired but no price is known yet", n->symbol, n->sentiment);
}

/* A gateway frame. Returns 1 at END_OF_DATA. Snapshot items already seen
 * (seq not above the last handled) are skipped; a SNAPSHOT_END whose news seq
 * went backwards means the gateway restarted and numbering starts over. */
static int
on_gateway_frame(struct strat *s, const tipc_frame *f)
{
    tipc_news n;
    tipc_snapshot_end e;

    switch (f->type) {
    case TIPC_MSG_NEWS:
        if (tipc_news_decode(f->data, f->len, &n) < 0) {
            LOG("ignoring a malformed NEWS frame");
        } else if (n.seq > s->news_seq) {
            s->news_seq = n.seq;
            s->news_received++;
            on_news(s, &n);
        }
        return 0;
    case TIPC_MSG_SNAPSHOT_END:
        if (tipc_snapshot_end_decode(f->data, f->len, &e) == 0 && e.news_seq < s->news_seq) {
            LOG("gateway restarted: news seq back from %llu to %llu",
                (unsigned long long)s->news_seq, (unsigned long long)e.news_seq);
            s->news_seq = e.news_seq;
        }
        return 0;
    case TIPC_MSG_END_OF_DATA:
        return 1;
    default:
        return 0;
    }
}

/* An ack: settle its order, count it, time the round trip. mu held. */
static void
on_ack_locked(struct strat *s, const tipc_frame *f)
{
    uint64_t now = tipc_time_realtime_ns();
    tipc_ack a;

    if (f->type != TIPC_MSG_ACK || tipc_ack_decode((const char *)f->data, f->len, &a) < 0) {
        LOG("ignoring a malformed %s frame from the order manager", tipc_msg_type_name(f->type));
        return;
    }
    if (tipc_outbox_remove(s->outbox, a.client_order_id, NULL) < 0) {
        LOG("ack for unknown order '%s' (%s)", a.client_order_id, a.reason);
        return;
    }
    int rc = s->journal ? tipc_journal_add_ack(s->journal, a.client_order_id, a.status) : 0;
    if (rc < 0) /* the order stays open in the journal: a restart would resend it */
        LOG("journal: ack of %s not recorded: %s", a.client_order_id, tipc_strerror(rc));
    if (a.status == TIPC_ACK_ACCEPTED)
        s->accepted++, s->duplicates += a.duplicate != 0;
    else
        s->rejected++, LOG("order %s rejected: %s", a.client_order_id, a.reason);
    if (a.order_send_ns != 0 && now > a.order_send_ns)
        tipc_hist_record(s->rtt, now - a.order_send_ns);
    if (s->verbose)
        LOG("ack %s order_id=%llu %s%s", a.client_order_id, (unsigned long long)a.order_id,
            a.status == TIPC_ACK_ACCEPTED ? "accepted" : "rejected",
            a.duplicate ? " duplicate" : "");
}

static tipc_sock *
connect_to(struct strat *s, const char *addr, uint32_t streams)
{
    tipc_hello h = {.role = TIPC_ROLE_STRATEGY, .streams = streams};
    tipc_sock_opts so = {.connect_timeout_ms = 1000, .logger = &example_logger};
    tipc_sock *sock = NULL;
    char why[128] = "";

    snprintf(h.name, sizeof h.name, "%s", s->name);
    snprintf(h.token, sizeof h.token, "%s", s->token ? s->token : "");
    int rc = tipc_sock_connect(&sock, addr, &h, &so, NULL, why, sizeof why);
    if (rc < 0)
        LOG("connect %s: %s%s%s", addr, tipc_strerror(rc), why[0] ? ": " : "", why);
    return rc < 0 ? NULL : sock;
}

/* Reconnect to the order manager and resend the outbox, oldest first. */
static void
reconnect_orders(struct strat *s, tipc_sock *fresh)
{
    uint64_t pos = 0;
    tipc_order o;

    pthread_mutex_lock(&s->mu);
    tipc_sock_close(s->om);
    s->om = fresh, s->om_broken = 0;
    while (!s->om_broken && tipc_outbox_next(s->outbox, &pos, &o) == 1) {
        s->resent += o.send_ns != 0;
        send_locked(s, &o);
    }
    LOG("order manager connected; %u unacknowledged orders sent again",
        tipc_outbox_count(s->outbox));
    pthread_mutex_unlock(&s->mu);
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Reconnect pacing: 100 ms doubling to 2 s, back to 100 ms after a success. */
struct backoff {
    uint64_t next_ns;
    long ms;
};

static void
backoff_after(struct backoff *b, int ok, uint64_t now)
{
    b->ms = ok ? 100 : (b->ms * 2 > 2000 ? 2000 : b->ms * 2);
    b->next_ns = now + (uint64_t)b->ms * 1000000u;
}

/* Read what the gateway sent. Returns 1 at END_OF_DATA. A lost connection
 * is closed; the main loop reconnects. */
static int
pump_gateway(struct strat *s, tipc_sock **gw)
{
    tipc_frame f;
    int rc, eod = 0;

    while (!eod && (rc = tipc_sock_recv(*gw, &f, 0)) == 0)
        eod = on_gateway_frame(s, &f);
    if (!eod && rc == TIPC_EAGAIN)
        rc = tipc_sock_flush(*gw, 0); /* heartbeats */
    if (eod || (rc < 0 && rc != TIPC_EAGAIN)) {
        if (!eod)
            LOG("gateway connection lost: %s; reconnecting", tipc_strerror(rc));
        tipc_sock_close(*gw);
        *gw = NULL;
    }
    return eod;
}

/* Read acks and push queued orders out. Returns the orders still unacked. */
static uint32_t
pump_orders(struct strat *s)
{
    tipc_frame f;
    int rc;

    pthread_mutex_lock(&s->mu);
    if (s->om != NULL && !s->om_broken) {
        while ((rc = tipc_sock_recv(s->om, &f, 0)) == 0)
            on_ack_locked(s, &f);
        if (rc == TIPC_EAGAIN)
            rc = tipc_sock_flush(s->om, 0);
        if (rc < 0 && rc != TIPC_EAGAIN) {
            LOG("order connection lost: %s; reconnecting", tipc_strerror(rc));
            s->om_broken = 1;
        }
    }
    uint32_t unacked = tipc_outbox_count(s->outbox);
    pthread_mutex_unlock(&s->mu);
    return unacked;
}

/* Sleep until either socket has something, at most timeout_ms and never past
 * their heartbeat duties. */
static void
wait_io(struct strat *s, tipc_sock *gw, int timeout_ms)
{
    struct pollfd pfd[2];
    int n = 0, t;

    if (gw != NULL) {
        pfd[n++] = (struct pollfd){tipc_sock_fd(gw), tipc_sock_events(gw), 0};
        if ((t = tipc_sock_next_timeout_ms(gw)) >= 0 && t < timeout_ms)
            timeout_ms = t;
    }
    pthread_mutex_lock(&s->mu);
    if (s->om != NULL && !s->om_broken) {
        pfd[n++] = (struct pollfd){tipc_sock_fd(s->om), tipc_sock_events(s->om), 0};
        if ((t = tipc_sock_next_timeout_ms(s->om)) >= 0 && t < timeout_ms)
            timeout_ms = t;
    }
    pthread_mutex_unlock(&s->mu);
    (void)poll(pfd, (nfds_t)n, timeout_ms);
}

static void
report(struct strat *s, tipc_meter *m, uint64_t now, uint32_t unacked)
{
    unsigned long long seen = atomic_load(&s->prices_seen);
    tipc_meter_report r;
    char mbuf[256], hbuf[128];

    tipc_meter_add(m, seen - s->seen_reported, 0, now);
    s->seen_reported = seen;
    if (s->report_ms == 0 || tipc_meter_poll(m, now, (uint64_t)s->report_ms * 1000000u, &r) != 1)
        return;
    if (tipc_meter_format(&r, mbuf, sizeof mbuf) < 0)
        mbuf[0] = '\0';
    pthread_mutex_lock(&s->mu);
    if (tipc_hist_format(s->rtt, hbuf, sizeof hbuf) < 0)
        hbuf[0] = '\0';
    LOG("prices %s; orders sent=%llu accepted=%llu rejected=%llu unacked=%u; order_rtt %s", mbuf,
        s->sent, s->accepted, s->rejected, unacked, hbuf);
    pthread_mutex_unlock(&s->mu);
}

/* Shutdown: RUN until END_OF_DATA or a signal, then DRAIN_PRICES until the
 * book has been still for quiet_ns and the prices thread has handled every
 * change, then DRAIN_ACKS until every order is acked; each phase bounded. */
enum phase { RUN, DRAIN_PRICES, DRAIN_ACKS, DONE };

struct shutdown {
    enum phase phase;
    uint64_t deadline, quiet_ns, ack_wait_ns;
};

static void
start_drain(struct shutdown *d, uint64_t now, int by_signal)
{
    d->phase = DRAIN_PRICES;
    d->quiet_ns = by_signal ? 50000000u : 200000000u;
    d->deadline = now + (by_signal ? 1000000000u : 5000000000u);
    d->ack_wait_ns = by_signal ? 2000000000u : 10000000000u;
}

/* The outbox, and with a journal the orders a previous process left
 * unacknowledged in it: they go out on the first connection. */
static void
open_journal(struct strat *s, const char *path)
{
    tipc_journal_opts jo = {.logger = &example_logger};
    tipc_journal_stats js = {0};
    uint64_t pos = 0;
    tipc_order o;
    int rc;

    if (path != NULL && (rc = tipc_journal_open(&s->journal, path, s->name, &jo)) < 0) {
        LOG("fatal: journal %s: %s", path, tipc_strerror(rc));
        exit(EXIT_FAILURE);
    }
    if (s->journal != NULL)
        tipc_journal_get_stats(s->journal, &js);
    DIE_ON(tipc_outbox_create(&s->outbox, OUTBOX_CAPACITY + (uint32_t)(js.orders - js.acked)),
           "tipc_outbox_create");
    while (s->journal != NULL && tipc_journal_next_unacked(s->journal, &pos, &o) == 1) {
        DIE_ON(tipc_outbox_add(s->outbox, &o), "tipc_outbox_add");
        s->recovered++;
    }
    if (s->journal != NULL)
        LOG("journal %s: %llu orders so far, %llu unacknowledged to resend, next id %s-%llu", path,
            (unsigned long long)js.orders, s->recovered, s->name,
            (unsigned long long)js.orders + 1);
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {{"gateway", required_argument, NULL, 'g'},
                                             {"orders", required_argument, NULL, 'o'},
                                             {"price-book", required_argument, NULL, 'p'},
                                             {"prices-book", required_argument, NULL, 'p'},
                                             {"news-book", required_argument, NULL, 'b'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"short", required_argument, NULL, 's'},
                                             {"long", required_argument, NULL, 'L'},
                                             {"buy-threshold", required_argument, NULL, 'B'},
                                             {"sell-threshold", required_argument, NULL, 'S'},
                                             {"qty", required_argument, NULL, 'q'},
                                             {"token", required_argument, NULL, 't'},
                                             {"report-ms", required_argument, NULL, 'r'},
                                             {"max-orders", required_argument, NULL, 'm'},
                                             {"journal", required_argument, NULL, 'j'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    static struct strat s = {.name = DEFAULT_STRATEGY_NAME,
                             .orders_addr = DEFAULT_ORDERS_ADDR,
                             .gateway_addr = DEFAULT_GATEWAY_ADDR,
                             .qty = DEFAULT_ORDER_QTY,
                             .report_ms = DEFAULT_REPORT_MS,
                             .mu = PTHREAD_MUTEX_INITIALIZER};
    const char *price_book = DEFAULT_PRICE_BOOK, *news_book = DEFAULT_NEWS_BOOK, *journal = NULL;
    long sw = DEFAULT_SHORT_WINDOW, lw = DEFAULT_LONG_WINDOW;
    long buy = DEFAULT_BUY_THRESHOLD, sell = DEFAULT_SELL_THRESHOLD;
    int opt, rc;

    while ((opt = getopt_long(argc, argv, "g:o:p:b:n:s:L:B:S:q:t:r:m:j:vh", longopts, NULL)) !=
           -1) {
        switch (opt) { /* clang-format off */
        case 'g': s.gateway_addr = optarg; break;
        case 'o': s.orders_addr = optarg; break;
        case 'p': price_book = optarg; break;
        case 'b': news_book = optarg; break;
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
    if (strlen(s.name) > NAME_MAX_LEN || !tipc_order_id_is_valid(s.name, strlen(s.name)))
        die_usage(usage, "--name: want 1..%d bytes of [A-Za-z0-9._:-]", NAME_MAX_LEN);
    if (tipc_ma_cross_init(&s.ma_proto, (uint32_t)sw, (uint32_t)lw) < 0)
        die_usage(usage, "--short must be less than --long");
    if (tipc_sentiment_trigger_init(&s.trig_proto, (int32_t)buy, (int32_t)sell) < 0)
        die_usage(usage, "--sell-threshold must be less than --buy-threshold");
    example_init("strategy", s.verbose);

    /* The launcher starts us once the orderbook is ready; by hand, the book
     * may come up to 5 s later. */
    for (int i = 0; (rc = tipc_book_open(&s.prices, price_book, TIPC_BOOK_PRICES)) < 0; i++) {
        if ((rc != TIPC_ENOENT && rc != TIPC_ENOTREADY) || i == 100 || stop_requested) {
            LOG("fatal: price book %s: %s", price_book, tipc_strerror(rc));
            return EXIT_FAILURE;
        }
        sleep_ms(50);
    }
    DIE_ON(tipc_book_open(&s.prices_ro, price_book, TIPC_BOOK_PRICES), "tipc_book_open");
    rc = tipc_book_create(&s.news, news_book, TIPC_BOOK_NEWS, DEFAULT_BOOK_CAPACITY,
                          TIPC_BOOK_TAKEOVER);
    if (rc < 0) {
        LOG("fatal: news book %s: %s", news_book, tipc_strerror(rc));
        return EXIT_FAILURE;
    }
    if ((s.trig = calloc(DEFAULT_BOOK_CAPACITY, sizeof *s.trig)) == NULL)
        DIE_ON(TIPC_ENOMEM, "calloc");
    for (int i = 0; i < DEFAULT_BOOK_CAPACITY; i++)
        s.trig[i] = s.trig_proto;
    open_journal(&s, journal);
    DIE_ON(tipc_hist_create(&s.rtt), "tipc_hist_create");
    pthread_t tid;
    if (pthread_create(&tid, NULL, prices_main, &s) != 0)
        DIE_ON(TIPC_ENOMEM, "pthread_create");

    tipc_sock *gw = NULL;
    struct backoff gwb = {0, 100}, omb = {0, 100};
    struct shutdown d = {RUN, 0, 0, 0};
    int ready = 0, signalled = 0, om_seen = 0;
    uint64_t start = tipc_time_monotonic_ns(), changes = 0, changed_at = start;
    uint32_t unacked = 0;
    tipc_meter meter;
    tipc_meter_init(&meter, start);

    while (d.phase != DONE) {
        uint64_t now = tipc_time_monotonic_ns();
        if (stop_requested && !signalled) {
            signalled = 1;
            if (d.phase == RUN)
                start_drain(&d, now, 1);
            else if (d.deadline > now + 2000000000u)
                d.deadline = now + 2000000000u;
        }
        pthread_mutex_lock(&s.mu);
        int om_ok = s.om != NULL && !s.om_broken;
        pthread_mutex_unlock(&s.mu);
        if (!om_ok && now >= omb.next_ns) {
            tipc_sock *fresh = connect_to(&s, s.orders_addr, 0);
            if (fresh != NULL)
                reconnect_orders(&s, fresh);
            backoff_after(&omb, fresh != NULL, now);
            if (fresh != NULL)
                om_ok = om_seen = 1;
        }
        /* The order manager first: joining the gateway may start its replay. */
        if (gw == NULL && om_seen && d.phase == RUN && now >= gwb.next_ns) {
            gw = connect_to(&s, s.gateway_addr, TIPC_STREAM_NEWS);
            backoff_after(&gwb, gw != NULL, now);
        }
        if (!ready && gw != NULL && om_ok) {
            ready = 1;
            signal_ready("connected to the gateway and the order manager; price book open");
        } else if (!ready && d.phase == RUN && now - start > 10000000000u) {
            LOG("fatal: could not connect to %s and %s within 10 s", s.gateway_addr, s.orders_addr);
            return EXIT_FAILURE;
        }

        wait_io(&s, gw, d.phase == RUN ? 100 : 20);
        if (gw != NULL && pump_gateway(&s, &gw) && d.phase == RUN) {
            LOG("end of data: draining prices, then waiting for acks");
            start_drain(&d, now, 0);
        }
        unacked = pump_orders(&s);

        now = tipc_time_monotonic_ns();
        uint64_t c = tipc_book_changes(s.prices_ro);
        if (c != changes)
            changes = c, changed_at = now;
        if (d.phase == DRAIN_PRICES &&
            ((atomic_load(&s.prices_done) >= c && now - changed_at >= d.quiet_ns) ||
             now >= d.deadline)) {
            atomic_store(&s.prices_stop, 1);
            pthread_join(tid, NULL);
            unacked = pump_orders(&s); /* the thread's last orders count too */
            d.phase = DRAIN_ACKS, d.deadline = now + d.ack_wait_ns;
        }
        if (d.phase == DRAIN_ACKS && (unacked == 0 || now >= d.deadline))
            d.phase = DONE;
        report(&s, &meter, now, unacked);
    }

    unacked = tipc_outbox_count(s.outbox); /* the prices thread has ended */
    char jstats[160] = "";
    if (s.journal != NULL) {
        tipc_journal_stats js;
        tipc_journal_get_stats(s.journal, &js);
        snprintf(jstats, sizeof jstats,
                 " journal_orders=%llu journal_accepted=%llu journal_rejected=%llu",
                 (unsigned long long)js.orders, (unsigned long long)js.accepted,
                 (unsigned long long)js.rejected);
    }
    stats_line("strategy news_received=%llu prices_seen=%llu orders_sent=%llu accepted=%llu "
               "rejected=%llu duplicates=%llu resent=%llu unacked=%u dropped=%llu recovered=%llu%s",
               s.news_received, (unsigned long long)atomic_load(&s.prices_seen), s.sent, s.accepted,
               s.rejected, s.duplicates, s.resent, unacked, s.dropped, s.recovered, jstats);
    hist_line("strategy", "order_rtt", s.rtt);
    if (unacked > 0)
        LOG("%u orders were never acknowledged", unacked);
    tipc_sock_close(gw);
    tipc_sock_close(s.om);
    tipc_outbox_destroy(s.outbox);
    tipc_journal_close(s.journal);
    tipc_hist_destroy(s.rtt);
    free(s.trig);
    tipc_book_close(s.news);
    tipc_book_close(s.prices_ro);
    tipc_book_close(s.prices);
    return unacked > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
