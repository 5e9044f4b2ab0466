/* SPDX-License-Identifier: MIT */
/* tradeipc-order-manager: accepts JSON orders from strategies, logs each
 * accepted order once to a durable order log and acknowledges every order.
 * Per batch: decode and append each ORDER, one group commit, then the acks,
 * so an ack always means "durable". --no-sync: the commit is a store into the
 * mapped staging file and the log's write follows the acks. --sync: a thread
 * writes and fdatasyncs one batch while this one reads the next, so orders
 * are read (and stamped) when they arrive, not after the disk. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "defaults.h"

static const char usage[] =
    "usage: tradeipc-order-manager [options]\n"
    "  -l, --listen ADDR      listen on ADDR (default " DEFAULT_ORDERS_ADDR ")\n"
    "  -p, --port N           listen on 127.0.0.1:N (0: any free port)\n"
    "  -o, --log FILE         order log (default " DEFAULT_ORDER_LOG ")\n"
    "      --sync             fdatasync the log before acking (default)\n"
    "      --no-sync          commit to the mapped staging file before acking and\n"
    "                         write the log after (survives the process, not the host)\n"
    "      --commit MODE      fdatasync (= --sync), mapped (= --no-sync), or write:\n"
    "                         write(2) to the log before acking\n"
    "  -t, --token TOKEN      require this token from clients\n"
    "  -r, --report-ms N      report every N ms on stderr, 0 = never (default 1000)\n"
    "  -m, --max-clients N    most connections at once (default 256)\n"
    "      --busy-poll-us N   before sleeping, look for the next order for up to\n"
    "                         N us (keeps a CPU busy; default 0: never)\n"
    "      --port-file FILE   write the bound port to FILE once listening\n"
    "  -v, --verbose          log every order\n"
    "  -h, --help             show this help\n";

/* MAX_ACKS <= the order log's default max_pending: appends never find the
 * pending buffer full. */
enum { BATCH = 256, MAX_ACKS = 1024 };

struct pending_ack {
    uint64_t conn;
    tipc_ack ack;
};

struct om {
    tipc_server *srv;
    tipc_orderlog *log;
    tipc_hist *tick_to_order;
    tipc_meter meter;
    int verbose;
    uint64_t orders, accepted, rejected, duplicates, strategies, other_frames;
    int flush_rc;             /* the last log flush's result: report changes only */
    struct pending_ack *acks; /* for the orders appended since the last commit */
    int nacks;
    /* --sync: the committer thread runs one commit at a time; its orders'
     * acks wait in sealed_acks until it is collected. */
    tipc_orderlog_committer *committer;
    struct pending_ack *sealed_acks;
    int nsealed;
};

/* Decode, validate and append one order; queue its ack. */
static void
on_order(struct om *om, uint64_t conn, const tipc_frame *f, uint64_t recv_ns)
{
    struct pending_ack *p = &om->acks[om->nacks++];
    tipc_order o;
    char why[TIPC_REASON_MAX + 1] = "";
    int rc;

    memset(p, 0, sizeof *p);
    p->conn = conn;
    p->ack.recv_ns = recv_ns;
    om->orders++;
    rc = tipc_order_decode_ex((const char *)f->data, f->len, &o, why, sizeof why);
    if (rc == 0) {
        memcpy(p->ack.client_order_id, o.client_order_id, sizeof o.client_order_id);
        p->ack.order_send_ns = o.send_ns;
        while ((rc = tipc_orderlog_append(om->log, &o, recv_ns, &p->ack.order_id)) == TIPC_EAGAIN)
            DIE_ON(tipc_orderlog_commit(om->log), "order log commit");
        if (rc < 0 && rc != TIPC_EDUP)
            snprintf(why, sizeof why, "order log: %s", tipc_strerror(rc));
    }
    if (rc == 0 || rc == TIPC_EDUP) {
        p->ack.status = TIPC_ACK_ACCEPTED;
        p->ack.duplicate = rc == TIPC_EDUP;
        om->accepted++;
        om->duplicates += rc == TIPC_EDUP;
        if (rc == 0 && o.tick_ns != 0 && recv_ns > o.tick_ns)
            tipc_hist_record(om->tick_to_order, recv_ns - o.tick_ns);
        if (om->verbose)
            LOG("%s %s %s %u %s -> order %llu%s", o.client_order_id, o.symbol,
                tipc_side_name(o.side), o.quantity, tipc_rule_name(o.signal.rule),
                (unsigned long long)p->ack.order_id, rc == TIPC_EDUP ? " (duplicate)" : "");
    } else {
        p->ack.status = TIPC_ACK_REJECTED;
        p->ack.order_id = 0;
        snprintf(p->ack.reason, sizeof p->ack.reason, "%s", why[0] ? why : tipc_strerror(rc));
        om->rejected++;
        LOG("conn %llu: order rejected: %s", (unsigned long long)conn, p->ack.reason);
    }
}

/* Acknowledge n orders whose lines are durable, then bring the log file up
 * to date (--no-sync: the staged lines reach it while the acks travel; on
 * failure they stay staged, durable, and the next flush retries). */
static void
send_acks(struct om *om, struct pending_ack *acks, int n)
{
    char json[TIPC_ORDER_JSON_MAX];
    size_t len;

    for (int i = 0; i < n; i++) {
        tipc_ack *a = &acks[i].ack;
        a->ack_ns = tipc_time_realtime_ns();
        if (tipc_ack_encode(a, json, sizeof json, &len) == TIPC_EBADVAL) {
            /* The decoder's text quoted bytes an ack may not carry. */
            snprintf(a->reason, sizeof a->reason, "invalid order");
            DIE_ON(tipc_ack_encode(a, json, sizeof json, &len), "ack encode");
        }
        int rc = tipc_server_send(om->srv, acks[i].conn, TIPC_MSG_ACK, json, len);
        if (rc < 0 && rc != TIPC_ENOENT) /* ENOENT: the client left meanwhile */
            LOG("conn %llu: ack not sent: %s", (unsigned long long)acks[i].conn, tipc_strerror(rc));
    }
    (void)tipc_server_flush(om->srv); /* the acks leave here; bookkeeping after */
    int rc = tipc_orderlog_flush(om->log);
    if (rc != om->flush_rc)
        LOG(rc < 0 ? "order log flush failed, lines stay staged: %s" : "order log flush: %s",
            tipc_strerror(rc));
    om->flush_rc = rc;
    tipc_meter_add(&om->meter, (uint64_t)n, 0, tipc_time_monotonic_ns());
}

/* Make the batch durable, then acknowledge it. A failed commit ends the
 * process: nothing of this batch was acknowledged, so the strategies resend
 * it to the restarted manager, which finds in the log whatever did land. */
static void
commit_and_ack(struct om *om)
{
    DIE_ON(tipc_orderlog_commit(om->log), "order log commit");
    send_acks(om, om->acks, om->nacks);
    om->nacks = 0;
}

/* --sync, nothing in flight: hand the batch's lines to the committer. A
 * batch of rejects and duplicates only has no line to wait for: the lines
 * its duplicates refer to were committed before. */
static void
start_commit(struct om *om)
{
    if (om->nacks == 0 || tipc_orderlog_committer_busy(om->committer))
        return;
    int n = tipc_orderlog_committer_submit(om->committer);
    DIE_ON(n, "order log commit");
    if (n == 0) {
        send_acks(om, om->acks, om->nacks);
        om->nacks = 0;
        return;
    }
    struct pending_ack *t = om->sealed_acks;
    om->sealed_acks = om->acks;
    om->nsealed = om->nacks;
    om->acks = t;
    om->nacks = 0;
}

/* --sync: if the commit in flight is done (waiting up to timeout_ms),
 * acknowledge its orders. */
static void
collect_commit(struct om *om, int timeout_ms)
{
    int rc = tipc_orderlog_committer_collect(om->committer, timeout_ms);
    DIE_ON(rc, "order log commit");
    if (rc == 1) {
        send_acks(om, om->sealed_acks, om->nsealed);
        om->nsealed = 0;
    }
}

/* Joins and leaves are logged by the server itself (example_logger). */
static void
handle(struct om *om, const tipc_server_event *ev, uint64_t recv_ns)
{
    switch (ev->kind) {
    case TIPC_SERVER_JOIN:
        om->strategies++;
        break;
    case TIPC_SERVER_LEAVE:
        break;
    case TIPC_SERVER_FRAME:
        if (ev->frame.type == TIPC_MSG_ORDER)
            on_order(om, ev->conn, &ev->frame, recv_ns);
        else if (om->other_frames++ == 0)
            LOG("conn %llu: ignoring %s frames", (unsigned long long)ev->conn,
                tipc_msg_type_name(ev->frame.type));
        break;
    }
}

static void
write_port_file(const char *path, int port)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        LOG("fatal: cannot write port file %s", path);
        exit(EXIT_FAILURE);
    }
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"log", required_argument, NULL, 'o'},
                                             {"sync", no_argument, NULL, 'S'},
                                             {"no-sync", no_argument, NULL, 'N'},
                                             {"commit", required_argument, NULL, 'C'},
                                             {"token", required_argument, NULL, 't'},
                                             {"report-ms", required_argument, NULL, 'r'},
                                             {"max-clients", required_argument, NULL, 'm'},
                                             {"port-file", required_argument, NULL, 'P'},
                                             {"busy-poll-us", required_argument, NULL, 'B'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *listen_addr = DEFAULT_ORDERS_ADDR, *log_path = DEFAULT_ORDER_LOG, *token = NULL;
    const char *port_file = NULL;
    char listen_buf[32];
    long report_ms = DEFAULT_REPORT_MS, max_clients = 256, busy_poll_us = 0;
    int verbose = 0, opt;
    tipc_orderlog_sync commit = TIPC_ORDERLOG_SYNC_DATA;
    static const char *const commit_name[] = {[TIPC_ORDERLOG_SYNC_NONE] = "write",
                                              [TIPC_ORDERLOG_SYNC_DATA] = "fdatasync",
                                              [TIPC_ORDERLOG_SYNC_MAPPED] = "mapped"};
    static struct om om;

    while ((opt = getopt_long(argc, argv, "l:p:o:t:r:m:vh", longopts, NULL)) != -1) {
        switch (opt) { /* clang-format off */
        case 'l': listen_addr = optarg; break;
        case 'p':
            snprintf(listen_buf, sizeof listen_buf, "127.0.0.1:%ld",
                     parse_long(usage, "--port", optarg, 0, 65535));
            listen_addr = listen_buf;
            break;
        case 'o': log_path = optarg; break;
        case 'S': commit = TIPC_ORDERLOG_SYNC_DATA; break;
        case 'N': commit = TIPC_ORDERLOG_SYNC_MAPPED; break;
        case 'C':
            for (commit = 0; commit < 3 && strcmp(optarg, commit_name[commit]) != 0; commit++)
                ;
            if (commit == 3)
                die_usage(usage, "--commit: '%s' is not fdatasync, mapped or write", optarg);
            break;
        case 't': token = optarg; break;
        case 'r': report_ms = parse_long(usage, "--report-ms", optarg, 0, 3600000); break;
        case 'm': max_clients = parse_long(usage, "--max-clients", optarg, 1, 65536); break;
        case 'P': port_file = optarg; break;
        case 'B': busy_poll_us = parse_long(usage, "--busy-poll-us", optarg, 0, 1000000); break;
        case 'v': verbose++; break;
        case 'h': fputs(usage, stdout); return EXIT_SUCCESS;
        default: die_usage(usage, "unknown option");
        } /* clang-format on */
    }
    if (optind < argc)
        die_usage(usage, "unexpected argument '%s'", argv[optind]);
    example_init("order_manager", verbose);
    om.verbose = verbose;

    tipc_orderlog_opts lopts = {.sync = commit, .logger = &example_logger};
    int rc = tipc_orderlog_open(&om.log, log_path, &lopts);
    if (rc < 0) {
        LOG("fatal: cannot open order log %s: %s", log_path, tipc_strerror(rc));
        return EXIT_FAILURE;
    }
    tipc_orderlog_stats ls;
    tipc_orderlog_get_stats(om.log, &ls);
    LOG("order log %s: recovered %llu orders (skipped %llu lines, cut %llu torn bytes), "
        "commit %s",
        log_path, (unsigned long long)ls.recovered, (unsigned long long)ls.skipped,
        (unsigned long long)ls.truncated_bytes, commit_name[commit]);

    tipc_server_opts sopts = {.allowed_roles = TIPC_ROLE_STRATEGY,
                              .token = token,
                              .max_conns = (uint32_t)max_clients,
                              .busy_poll_us = (uint32_t)busy_poll_us,
                              .name = "order_manager",
                              .logger = &example_logger};
    rc = tipc_server_listen(&om.srv, listen_addr, &sopts);
    if (rc < 0) {
        LOG("fatal: cannot listen on %s: %s", listen_addr, tipc_strerror(rc));
        return EXIT_FAILURE;
    }
    DIE_ON(tipc_hist_create(&om.tick_to_order), "hist");
    static struct pending_ack acks[2][MAX_ACKS];
    om.acks = acks[0];
    om.sealed_acks = acks[1];
    if (commit == TIPC_ORDERLOG_SYNC_DATA)
        DIE_ON(tipc_orderlog_committer_open(&om.committer, om.log), "commit thread");
    if (port_file != NULL)
        write_port_file(port_file, tipc_server_port(om.srv));
    tipc_meter_init(&om.meter, tipc_time_monotonic_ns());
    char what[128];
    snprintf(what, sizeof what, "listening on %s (port %d)", listen_addr, tipc_server_port(om.srv));
    signal_ready(what);

    tipc_server_event evs[BATCH];
    while (!stop_requested) {
        int n, max = BATCH;
        if (om.committer != NULL) {
            /* Wait for orders and for the committer; stop reading while the
             * acks waiting for the next commit fill their array. */
            int room = MAX_ACKS - om.nacks, timeout = tipc_server_next_timeout_ms(om.srv);
            struct pollfd p[2] = {{tipc_orderlog_committer_fd(om.committer), POLLIN, 0},
                                  {tipc_server_fd(om.srv), POLLIN, 0}};
            if (poll(p, room > 0 ? 2 : 1, timeout < 0 || timeout > 100 ? 100 : timeout) < 0 &&
                errno != EINTR)
                DIE_ON(-errno, "poll");
            if (p[0].revents & POLLIN)
                collect_commit(&om, 0);
            max = room < BATCH ? room : BATCH;
        }
        n = max > 0 ? tipc_server_poll(om.srv, evs, max, om.committer ? 0 : 100) : 0;
        uint64_t recv_ns = tipc_time_realtime_ns(); /* one arrival time per batch */
        DIE_ON(n, "tipc_server_poll");
        for (int i = 0; i < n; i++)
            handle(&om, &evs[i], recv_ns);
        if (om.committer != NULL)
            start_commit(&om);
        else if (om.nacks > 0)
            commit_and_ack(&om);
        tipc_meter_report r;
        if (report_ms > 0 &&
            tipc_meter_poll(&om.meter, tipc_time_monotonic_ns(), (uint64_t)report_ms * 1000000,
                            &r) == 1 &&
            r.events > 0) {
            char mbuf[256], hbuf[128];
            if (tipc_meter_format(&r, mbuf, sizeof mbuf) < 0)
                mbuf[0] = '\0';
            if (tipc_hist_format(om.tick_to_order, hbuf, sizeof hbuf) < 0)
                hbuf[0] = '\0';
            LOG("orders %s; tick_to_order %s", mbuf, hbuf);
        }
    }

    if (om.committer != NULL) {
        collect_commit(&om, -1);
        tipc_orderlog_committer_close(om.committer);
        if (om.nacks > 0)
            commit_and_ack(&om);
    }
    /* Acks already queued get a bounded chance to leave before the close.
     * Orders arriving meanwhile stay unacknowledged: their senders resend. */
    for (int i = 0; i < 50 && tipc_server_flush(om.srv) > 0; i++)
        if (tipc_server_poll(om.srv, evs, BATCH, 10) < 0)
            break;
    tipc_server_close(om.srv);
    tipc_orderlog_stats end; /* commits and syncs show the group commit at work */
    tipc_orderlog_get_stats(om.log, &end);
    stats_line("order_manager orders=%llu accepted=%llu rejected=%llu duplicates=%llu "
               "log_lines=%llu strategies=%llu recovered=%llu commits=%llu syncs=%llu",
               (unsigned long long)om.orders, (unsigned long long)om.accepted,
               (unsigned long long)om.rejected, (unsigned long long)om.duplicates,
               (unsigned long long)tipc_orderlog_count(om.log), (unsigned long long)om.strategies,
               (unsigned long long)ls.recovered, (unsigned long long)end.commits,
               (unsigned long long)end.sync_calls);
    hist_line("order_manager", "tick_to_order", om.tick_to_order);
    tipc_orderlog_close(om.log);
    tipc_hist_destroy(om.tick_to_order);
    return EXIT_SUCCESS;
}
