/* SPDX-License-Identifier: MIT */
/* tradeipc-run's end-of-run summary. The components report what they did in one
 * "STATS <name> key=value ..." line each and their latency histograms as
 * "HIST <name> <histogram> <tipc_hist_dump text>" lines; the order log is read
 * back to count what this run appended. The summary cross-checks the order
 * counts, because "sent = logged = acked" is the property the stack promises. */
#include "config.h"

#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
run_summary_init(struct run_summary *s)
{
    memset(s, 0, sizeof *s);
    for (int c = 0; c < COMP_COUNT; c++)
        s->comp[c].exit_code = -1;
    if (tipc_hist_create(&s->tick_to_order) < 0 || tipc_hist_create(&s->order_rtt) < 0) {
        run_summary_fini(s);
        return TIPC_ENOMEM;
    }
    return 0;
}

void
run_summary_fini(struct run_summary *s)
{
    tipc_hist_destroy(s->tick_to_order);
    tipc_hist_destroy(s->order_rtt);
    s->tick_to_order = s->order_rtt = NULL;
}

/* The next space-separated word of *p, NUL-terminated in w; advances *p. */
static size_t
next_word(const char **p, char *w, size_t cap)
{
    size_t n = strcspn(*p, " ");
    size_t k = n < cap - 1 ? n : cap - 1;

    memcpy(w, *p, k);
    w[k] = '\0';
    *p += n;
    *p += strspn(*p, " ");
    return n;
}

int
run_summary_take_line(struct run_summary *s, enum run_comp c, const char *text)
{
    char who[32], name[32];
    tipc_hist *target = NULL;

    if (strncmp(text, "STATS ", 6) == 0) {
        text += 6;
        next_word(&text, who, sizeof who); /* the component's own name */
        snprintf(s->comp[c].stats, sizeof s->comp[c].stats, "%s", text);
        return 1;
    }
    if (strncmp(text, "HIST ", 5) != 0)
        return 0;
    text += 5;
    next_word(&text, who, sizeof who);
    next_word(&text, name, sizeof name);
    /* Each histogram comes from the process that measures it: a restarted
     * component's histograms add up, which is what "all orders" means. */
    if (c == COMP_ORDER_MANAGER && strcmp(name, "tick_to_order") == 0)
        target = s->tick_to_order;
    else if (c == COMP_STRATEGY && strcmp(name, "order_rtt") == 0)
        target = s->order_rtt;
    if (target != NULL && tipc_hist_load(target, text, strlen(text)) < 0)
        s->bad_hist_lines++;
    return 1;
}

int
stats_value(const char *stats, const char *key, double *out)
{
    size_t klen = strlen(key);

    for (const char *p = stats; *p != '\0';) {
        size_t n = strcspn(p, " ");
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            char *end;
            double v = strtod(p + klen + 1, &end);
            if (end == p + klen + 1 || (*end != ' ' && *end != '\0'))
                return 0;
            *out = v;
            return 1;
        }
        p += n;
        p += strspn(p, " ");
    }
    return 0;
}

int
orderlog_mark(const char *path, uint64_t *offset)
{
    char buf[512];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *offset = 0;
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstat(fd, &st) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    /* A torn last line (a crash mid-write) is cut off by the order manager
     * when it opens the log, so this run's lines start after the last '\n'. */
    for (off_t end = st.st_size; end > 0;) {
        size_t want = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
        ssize_t got = pread(fd, buf, want, end - (off_t)want);
        if (got != (ssize_t)want)
            break;
        for (size_t i = want; i > 0; i--) {
            if (buf[i - 1] == '\n') {
                *offset = (uint64_t)(end - (off_t)want) + i;
                close(fd);
                return 0;
            }
        }
        end -= (off_t)want;
    }
    close(fd);
    return 0;
}

int
orderlog_count_from(const char *path, uint64_t offset, const char *strategy, uint64_t *count)
{
    char line[TIPC_ORDERLOG_LINE_MAX + 2];
    tipc_orderlog_entry e;
    FILE *f = fopen(path, "re");
    int overlong = 0;

    *count = 0;
    if (f == NULL)
        return errno == ENOENT ? 0 : -errno;
    if (fseeko(f, (off_t)offset, SEEK_SET) < 0) {
        int rc = -errno;
        fclose(f);
        return rc;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        size_t len = strlen(line);
        int complete = len > 0 && line[len - 1] == '\n';
        if (!overlong && complete && tipc_orderlog_parse_line(line, len, &e) == 0 &&
            strcmp(e.order.strategy, strategy) == 0)
            (*count)++;
        overlong = !complete; /* the rest of an overlong line follows: skip it */
    }
    fclose(f);
    return 0;
}

/* A STATS value as text, or "-" when the component did not report it. */
static const char *
num(const struct run_summary *s, enum run_comp c, const char *key, char *buf, size_t cap)
{
    double v;

    if (!stats_value(s->comp[c].stats, key, &v))
        return "-";
    snprintf(buf, cap, "%.0f", v);
    return buf;
}

static void
exit_text(const struct run_result *r, char *buf, size_t cap)
{
    if (!r->started)
        snprintf(buf, cap, "not started");
    else if (!r->done)
        snprintf(buf, cap, "still running");
    else if (r->signal != 0)
        snprintf(buf, cap, "signal %d (%s)", r->signal, strsignal(r->signal));
    else
        snprintf(buf, cap, "code %d", r->exit_code);
}

int
run_summary_print(FILE *out, const struct run_summary *s)
{
    const struct run_result *gw = &s->comp[COMP_GATEWAY], *st = &s->comp[COMP_STRATEGY];
    char a[32], b[32], c[32], d[32], e[32], line[160];
    double sent = 0, acked = 0, news = 0, rate = 0, ms = 0;
    int have_sent, have_acked, ok;

    fprintf(out, "\n== tradeipc-run summary: %s, %.2f s ==\n", s->stop_reason, s->elapsed_s);
    fprintf(out, "  %-18s prices %s, news %s", "ticks sent",
            num(s, COMP_GATEWAY, "prices_sent", a, sizeof a),
            num(s, COMP_GATEWAY, "news_sent", b, sizeof b));
    if (stats_value(gw->stats, "prices_sent", &sent) && stats_value(gw->stats, "news_sent", &news))
        fprintf(out, ", total %.0f", sent + news);
    fputc('\n', out);
    if (stats_value(gw->stats, "ticks_per_s", &rate) && stats_value(gw->stats, "elapsed_ms", &ms))
        fprintf(out, "  %-18s %.0f ticks/s over %.3f s\n", "throughput", rate, ms / 1000);
    else
        fprintf(out, "  %-18s -\n", "throughput");
    fprintf(out, "  %-18s %s into %s (%s symbols, %s reconnects)\n", "prices written",
            num(s, COMP_ORDERBOOK, "prices_written", a, sizeof a), s->prices_book,
            num(s, COMP_ORDERBOOK, "symbols", b, sizeof b),
            num(s, COMP_ORDERBOOK, "reconnects", c, sizeof c));
    fprintf(out, "  %-18s %s\n", "news received",
            num(s, COMP_STRATEGY, "news_received", a, sizeof a));
    fprintf(out, "  %-18s sent %s, accepted %s, rejected %s, duplicates %s, resent %s\n", "orders",
            num(s, COMP_STRATEGY, "orders_sent", a, sizeof a),
            num(s, COMP_STRATEGY, "accepted", b, sizeof b),
            num(s, COMP_STRATEGY, "rejected", c, sizeof c),
            num(s, COMP_STRATEGY, "duplicates", d, sizeof d),
            num(s, COMP_STRATEGY, "resent", e, sizeof e));
    if (stats_value(st->stats, "journal_orders", &sent)) /* every strategy process's orders */
        fprintf(out,
                "  %-18s %s orders, %s accepted, %s rejected; %s recovered by the last process\n",
                "journal", num(s, COMP_STRATEGY, "journal_orders", a, sizeof a),
                num(s, COMP_STRATEGY, "journal_accepted", b, sizeof b),
                num(s, COMP_STRATEGY, "journal_rejected", c, sizeof c),
                num(s, COMP_STRATEGY, "recovered", d, sizeof d));
    if (s->log_counted)
        fprintf(out, "  %-18s %llu lines appended to %s\n", "order log",
                (unsigned long long)s->log_lines, s->log_path);
    else
        fprintf(out, "  %-18s - (%s not readable)\n", "order log", s->log_path);
    if (tipc_hist_format(s->tick_to_order, line, sizeof line) < 0)
        line[0] = '\0';
    fprintf(out, "  %-18s %s\n", "tick-to-order", line);
    if (tipc_hist_format(s->order_rtt, line, sizeof line) < 0)
        line[0] = '\0';
    fprintf(out, "  %-18s %s\n", "order round trip", line);
    if (s->bad_hist_lines > 0)
        fprintf(out, "  (%d malformed HIST lines ignored)\n", s->bad_hist_lines);
    if (s->children_maxrss_kb > 0)
        fprintf(out, "  %-18s largest component %.2f MB, launcher %.2f MB\n", "peak RSS",
                (double)s->children_maxrss_kb / 1024, (double)s->self_maxrss_kb / 1024);

    fprintf(out, "  %-18s %-22s %s\n", "component", "exit", "restarts");
    for (int i = 0; i < COMP_COUNT; i++) {
        const struct run_result *r = &s->comp[i];
        exit_text(r, a, sizeof a);
        fprintf(out, "  %-18s %-22s %u%s%s\n", run_comp_name[i], a, r->restarts,
                r->failure[0] ? "  FAILED: " : "", r->failure);
    }

    /* The strategy's last process reports its own orders, and with a journal
     * also those of every process of the run: the ones to hold against the log. */
    const char *sent_key = "orders_sent", *acked_key = "accepted";
    if (stats_value(st->stats, "journal_orders", &sent))
        sent_key = "journal_orders", acked_key = "journal_accepted";
    have_sent = stats_value(st->stats, sent_key, &sent);
    have_acked = stats_value(st->stats, acked_key, &acked);
    ok = have_sent && have_acked && s->log_counted && sent == acked && sent == (double)s->log_lines;
    fprintf(out, "orders: sent %s = logged %s = acked %s: %s\n",
            num(s, COMP_STRATEGY, sent_key, a, sizeof a),
            s->log_counted ? (snprintf(b, sizeof b, "%llu", (unsigned long long)s->log_lines), b)
                           : "-",
            num(s, COMP_STRATEGY, acked_key, c, sizeof c), ok ? "OK" : "MISMATCH");
    fflush(out);
    return ok ? 0 : 1;
}
