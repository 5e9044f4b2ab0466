/* SPDX-License-Identifier: MIT */
/* tradeipc-orderbook: subscribes to the gateway's prices and writes every tick
 * into the shared price book, where strategies read it without a socket. The
 * slot's source_ns is the tick's gateway send_ns, so a reader can measure
 * tick-to-order latency from it. When the gateway goes away it reconnects
 * with backoff and resumes from the snapshot; it exits at END_OF_DATA unless
 * --stay. See doc/tradeipc-orderbook.1. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tradeipc/feed.h>

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

#define NOT_IN_BOOK UINT32_MAX
enum { LOST, END, STOP };

typedef struct symstate {
    uint32_t book_idx;     /* NOT_IN_BOOK when the book was full */
    uint64_t seq, send_ns; /* the last tick written, to skip it in a later snapshot */
} symstate;

static tipc_book *book;
static tipc_symtab *syms;
static symstate *st;                                           /* by symtab index */
static uint64_t written, gaps, reconnects, bad_frames, expect; /* expect 0: not known */
static tipc_meter meter;
static int metering;

static symstate *
symbol_state(const char *sym)
{
    uint32_t i;
    int rc;

    if (tipc_symtab_find(syms, sym, &i) == 0)
        return &st[i];
    if ((rc = tipc_symtab_add(syms, sym, &i)) < 0)
        return NULL; /* more symbols than --capacity: not stored */
    st[i] = (symstate){.book_idx = NOT_IN_BOOK};
    rc = tipc_book_add_symbol(book, sym, &st[i].book_idx);
    if (rc == TIPC_ENOSPC)
        LOG("book full (--capacity): %s not stored", sym);
    else
        DIE_ON(rc, "tipc_book_add_symbol");
    return &st[i];
}

static void
on_tick(const tipc_frame *f, int in_snapshot, uint64_t now)
{
    char why[128];
    tipc_tick t;
    symstate *s;

    if (tipc_tick_decode_ex(f->data, f->len, &t, why, sizeof why) < 0) {
        if (++bad_frames <= 10)
            LOG("bad tick frame (%u bytes) ignored: %s", f->len, why);
        return;
    }
    if (!in_snapshot) {
        if (expect != 0 && t.seq != expect && ++gaps <= 10)
            LOG("seq gap: expected %llu, got %llu", (unsigned long long)expect,
                (unsigned long long)t.seq);
        expect = t.seq + 1;
    }
    if ((s = symbol_state(t.symbol)) == NULL || s->book_idx == NOT_IN_BOOK)
        return;
    if (in_snapshot && s->seq == t.seq && s->send_ns == t.send_ns)
        return; /* already in the book: writing it again would look like a new tick */
    int rc = tipc_book_set(book, s->book_idx, t.price, t.send_ns);
    if (rc == TIPC_ESTALE) {
        LOG("fatal: another writer took the book over; stopping");
        exit(EXIT_FAILURE);
    }
    DIE_ON(rc, "tipc_book_set");
    s->seq = t.seq;
    s->send_ns = t.send_ns;
    written++;
    if (!metering)
        tipc_meter_init(&meter, now), metering = 1;
    tipc_meter_add(&meter, 1, f->len, now);
}

static void
report(uint64_t now, long report_ms)
{
    tipc_meter_report r;
    char text[256];

    if (metering && tipc_meter_poll(&meter, now, (uint64_t)report_ms * 1000000, &r) == 1 &&
        tipc_meter_format(&r, text, sizeof text) >= 0)
        LOG("updates: %s; gaps %llu", text, (unsigned long long)gaps);
}

/* Connect, retrying with backoff (100 ms doubling to 2 s) for up to timeout_ms. */
static tipc_sock *
connect_gateway(const char *addr, const tipc_hello *hello, long timeout_ms)
{
    tipc_sock_opts so = {.connect_timeout_ms = 1000, .logger = &example_logger};
    uint64_t deadline = tipc_time_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
    long backoff_ms = 100;
    char why[256] = "";
    tipc_sock *s;

    while (!stop_requested) {
        int rc = tipc_sock_connect(&s, addr, hello, &so, NULL, why, sizeof why);
        if (rc == 0)
            return s;
        if (rc == TIPC_EREJECTED || rc == TIPC_EINVAL || rc == TIPC_EVERSION) {
            LOG("fatal: gateway %s: %s: %s", addr, tipc_strerror(rc), why);
            exit(EXIT_FAILURE);
        }
        if (timeout_ms > 0 && tipc_time_monotonic_ns() >= deadline) {
            LOG("fatal: no gateway at %s after %ld ms: %s", addr, timeout_ms, tipc_strerror(rc));
            exit(EXIT_FAILURE);
        }
        LOG("gateway %s: %s; retrying in %ld ms", addr, tipc_strerror(rc), backoff_ms);
        nanosleep(&(struct timespec){backoff_ms / 1000, backoff_ms % 1000 * 1000000}, NULL);
        backoff_ms = backoff_ms * 2 > 2000 ? 2000 : backoff_ms * 2;
    }
    return NULL;
}

/* Receive until END_OF_DATA (unless stay), a lost connection or a stop request. */
static int
session(tipc_sock *s, int stay, long report_ms)
{
    int in_snapshot = 0;
    tipc_snapshot_end end;
    tipc_frame f;

    expect = 0; /* the snapshot says where the stream stands */
    while (!stop_requested) {
        int rc = tipc_sock_recv(s, &f, 100);
        uint64_t now = tipc_time_monotonic_ns();

        if (rc == TIPC_EAGAIN) {
            report(now, report_ms);
            continue;
        }
        if (rc < 0) {
            LOG("connection to the gateway lost: %s", tipc_strerror(rc));
            return LOST;
        }
        switch (f.type) {
        case TIPC_MSG_TICK:
            on_tick(&f, in_snapshot, now);
            break;
        case TIPC_MSG_SNAPSHOT_BEGIN:
            in_snapshot = 1;
            break;
        case TIPC_MSG_SNAPSHOT_END:
            in_snapshot = 0;
            if (tipc_snapshot_end_decode(f.data, f.len, &end) == 0)
                expect = end.price_seq + 1;
            else
                LOG("bad SNAPSHOT_END payload ignored");
            break;
        case TIPC_MSG_END_OF_DATA:
            LOG("end of data: %llu prices written, %llu gaps", (unsigned long long)written,
                (unsigned long long)gaps);
            if (!stay)
                return END;
            break;
        default:
            break; /* not ours (news, future types) */
        }
        report(now, report_ms);
    }
    return STOP;
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
    const char *addr = DEFAULT_GATEWAY_ADDR, *name = DEFAULT_PRICE_BOOK;
    const char *client = "orderbook", *token = "";
    long capacity = DEFAULT_BOOK_CAPACITY, connect_ms = 30000, report_ms = DEFAULT_REPORT_MS;
    int opt, verbose = 0, stay = 0, unlink_at_exit = 0, state = LOST, rc;
    unsigned flags = 0;
    tipc_hello hello = {.role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_PRICES};
    tipc_meter_report sum = {0};
    char why[256] = "", ready[512];

    prog_name = "orderbook"; /* for usage errors, before example_init */
    while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (opt) { /* clang-format off */
        case 'g': addr = optarg; break;
        case 'b': name = optarg; break;
        case 'c': capacity = parse_long(usage, "--capacity", optarg, 1, TIPC_BOOK_MAX_CAPACITY);
                  break;
        case 'n': client = optarg; break;
        case 't': token = optarg; break;
        case 's': stay = 1; break;
        case 'T': flags |= TIPC_BOOK_TAKEOVER; break;
        case 'C': connect_ms = parse_long(usage, "--connect-timeout", optarg, 0, 86400000); break;
        case 'R': report_ms = parse_long(usage, "--report-ms", optarg, 1, 86400000); break;
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

    rc = tipc_book_create_ex(&book, name, TIPC_BOOK_PRICES, (uint32_t)capacity, flags, why,
                             sizeof why);
    if (rc == TIPC_EBUSY || rc == TIPC_EVERSION) {
        LOG("fatal: cannot create book %s: %s: %s (%s)", name, tipc_strerror(rc), why,
            rc == TIPC_EBUSY ? "another orderbook running? --takeover forces it"
                             : "remove it with tipc_book_unlink or choose another --book");
        return EXIT_FAILURE;
    }
    DIE_ON(rc, name);
    if (tipc_book_generation(book) > 1)
        LOG("took over book %s (generation %u)", name, tipc_book_generation(book));
    DIE_ON(tipc_symtab_create(&syms, (uint32_t)capacity), "tipc_symtab_create");
    if ((st = calloc((size_t)capacity, sizeof *st)) == NULL)
        die_rc(TIPC_ENOMEM, "symbol table");

    for (int connected = 0; !stop_requested && state == LOST;) {
        tipc_sock *s = connect_gateway(addr, &hello, connect_ms);
        if (s == NULL)
            break;
        if (connected++ == 0) {
            snprintf(ready, sizeof ready, "book %s (capacity %ld), subscribed to %s", name,
                     capacity, addr);
            signal_ready(ready);
        } else {
            reconnects++;
            LOG("reconnected to %s (reconnect %llu)", addr, (unsigned long long)reconnects);
        }
        state = session(s, stay, report_ms);
        tipc_sock_close(s);
    }
    if (metering)
        tipc_meter_summary(&meter, &sum);
    stats_line("orderbook prices_written=%llu symbols=%u reconnects=%llu updates_per_s=%.0f "
               "gaps=%llu",
               (unsigned long long)written, tipc_symtab_count(syms), (unsigned long long)reconnects,
               sum.avg_events_per_s, (unsigned long long)gaps);
    tipc_book_close(book);
    if (unlink_at_exit && (rc = tipc_book_unlink(name)) < 0)
        LOG("cannot unlink %s: %s", name, tipc_strerror(rc));
    tipc_symtab_destroy(syms);
    free(st);
    return 0;
}
