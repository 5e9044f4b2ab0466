/* SPDX-License-Identifier: MIT */
/* tradeipc-run's pieces: what to run (run_config.c: flags, paths, the components'
 * command lines) and what came of it (run_summary.c: STATS and HIST lines, exits,
 * the order log, the final table). run.c supervises. Not installed; not API. */
#ifndef TIPC_EXAMPLES_RUN_H
#define TIPC_EXAMPLES_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <tradeipc.h>

/* In start order; the supervisor's child ids are the same numbers. */
enum run_comp { COMP_ORDER_MANAGER, COMP_GATEWAY, COMP_ORDERBOOK, COMP_STRATEGY, COMP_COUNT };

/* The component names, as in their STATS lines and the output prefix. */
extern const char *const run_comp_name[COMP_COUNT];

/* ---- run_config.c ---- */

struct run_config {
    const char *prices, *news; /* CSV files */
    const char *rate, *speed;  /* as given, or NULL */
    const char *log;           /* order log */
    bool asap, loop, no_sync, quiet, keep_journal;
    int verbose;
    long port[COMP_COUNT]; /* ORDER_MANAGER and GATEWAY: 0 until read from the port file */
    long restarts;
    double duration;       /* seconds; 0: none */
    char bindir[PATH_MAX]; /* "" : look the programs up in PATH */
    char tmpdir[64];       /* port files live here */
    char port_file[COMP_COUNT][128];
    char prices_book[64], news_book[64];
    char strategy[TIPC_STRATEGY_MAX + 1]; /* unique per run */
    char journal[PATH_MAX + 64];          /* the strategy's: <log>.<strategy>.journal */
    char prices_buf[PATH_MAX], news_buf[PATH_MAX];
};

/* An argv under construction: pointers into its own string store. */
struct run_argv {
    const char *v[32];
    int n;
    char store[8 * PATH_MAX];
    size_t used;
};

/* run_config_parse - parse the command line, find the programs and the data.
 * Exits 0 after --help and 2 on bad usage or an unreadable data file. */
void run_config_parse(struct run_config *cfg, int argc, char **argv);

/* run_config_prepare - this run's names (shared memory, strategy) and its
 * temporary directory. Returns 0 or -errno (mkdtemp). */
int run_config_prepare(struct run_config *cfg, uint64_t now_realtime_ns);

/* run_config_cleanup - remove the books, the port files and the directory. */
void run_config_cleanup(const struct run_config *cfg);

/* run_config_argv - the command line of component c in *a.
 * Returns 0, or TIPC_ENAMETOOLONG when it does not fit. */
int run_config_argv(const struct run_config *cfg, enum run_comp c, struct run_argv *a);

/* run_is_server - the order manager and the gateway listen; the others connect. */
bool run_is_server(enum run_comp c);

/* ---- run_summary.c ---- */

struct run_result {
    int started;        /* spawned (the first time) */
    int ready;          /* the current (or last) process said it was ready */
    int ever_ready;     /* some process of it did */
    int done;           /* exited and will not be restarted */
    int exit_code;      /* last exit: code, or -1 when killed by a signal */
    int signal;         /* last exit: the signal, or 0 */
    uint32_t restarts;  /* restarts made */
    char failure[96];   /* why this component did not end well, or "" */
    char stats[1024];   /* the last STATS line after "STATS <name> ", or "" */
    char last_err[256]; /* its last line on stderr: why it failed, under --quiet */
};

struct run_summary {
    struct run_result comp[COMP_COUNT];
    tipc_hist *tick_to_order; /* HIST order_manager tick_to_order */
    tipc_hist *order_rtt;     /* HIST strategy order_rtt */
    int bad_hist_lines;
    const char *stop_reason;
    double elapsed_s;
    const char *log_path;
    int log_counted; /* log_lines is valid */
    uint64_t log_lines;
    const char *prices_book;
    long children_maxrss_kb; /* the largest component's peak RSS (wait4), 0 unknown */
    long self_maxrss_kb;     /* getrusage(RUSAGE_SELF): the launcher itself */
};

/* run_summary_init - zero s and create its histograms. Returns 0 or TIPC_ENOMEM. */
int run_summary_init(struct run_summary *s);
void run_summary_fini(struct run_summary *s);

/* run_summary_take_line - keep a STATS or HIST line of component c.
 * Returns: 1 if the line was one of those (consumed), 0 otherwise. */
int run_summary_take_line(struct run_summary *s, enum run_comp c, const char *text);

/* stats_value - the number after "key=" in a STATS line's key=value list.
 * Returns: 1 and *out when found and numeric, 0 otherwise. */
int stats_value(const char *stats, const char *key, double *out);

/* orderlog_mark - the size of path up to its last complete line (0 when the
 * file does not exist): where this run's lines will start. Returns 0 or -errno. */
int orderlog_mark(const char *path, uint64_t *offset);

/* orderlog_count_from - count the valid order-log lines after offset that
 * the named strategy sent. Returns 0 and *count, or -errno. */
int orderlog_count_from(const char *path, uint64_t offset, const char *strategy, uint64_t *count);

/* run_summary_print - the end-of-run table and the consistency line.
 * Returns: 0 when the order counts agree (sent = logged = acked), 1 otherwise. */
int run_summary_print(FILE *out, const struct run_summary *s);

#endif
