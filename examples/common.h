/* SPDX-License-Identifier: MIT */
/* What every example program shares: logging with a timestamp and the program's
 * name, fatal error checks, signal-driven stop, readiness reporting and the
 * STATS line format the launcher reads. Not installed; not part of the API. */
#ifndef TIPC_EXAMPLES_COMMON_H
#define TIPC_EXAMPLES_COMMON_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <tradeipc.h>

extern const char *prog_name;
extern volatile sig_atomic_t stop_requested;
/* A logger that forwards library messages to LOG(); pass &example_logger in options. */
extern tipc_logger example_logger;

void log_line(const char *fmt, ...) TIPC_PRINTF(1, 2);
#define LOG(...) log_line(__VA_ARGS__)

/* Exit with status 1 after logging "what: <error>" when rc is negative. */
#define DIE_ON(rc, what)                                                                           \
    do {                                                                                           \
        int rc_ = (rc);                                                                            \
        if (rc_ < 0)                                                                               \
            die_rc(rc_, (what));                                                                   \
    } while (0)
void die_rc(int rc, const char *what) __attribute__((noreturn));
/* Log "fatal: <message>" and exit with status 1. */
void die(const char *fmt, ...) __attribute__((noreturn)) TIPC_PRINTF(1, 2);
void die_usage(const char *usage, const char *fmt, ...) __attribute__((noreturn)) TIPC_PRINTF(2, 3);

/* Set prog_name, install SIGINT/SIGTERM -> stop_requested, ignore SIGPIPE. */
void example_init(const char *name, int verbose);

/* Tell the launcher we are ready: writes to the fd in $TIPC_READY_FD if set
 * (then closes it) and logs "ready: <what>". */
void signal_ready(const char *what);
/* signal_ready with a printf-style message. */
void signal_ready_f(const char *fmt, ...) TIPC_PRINTF(1, 2);

/* nanosleep for ms milliseconds (an interrupting signal ends it early). */
void sleep_ms(long ms);

/* Parse helpers that reject garbage instead of atoi's silent 0. */
long parse_long(const char *usage, const char *flag, const char *s, long min, long max);
double parse_double(const char *usage, const char *flag, const char *s, double min, double max);

/* Print one "HIST <component> <name> <tipc_hist_dump text>" line on stdout for
 * the launcher's summary. */
void hist_line(const char *component, const char *name, const tipc_hist *h);

/* Print one "STATS <key>=<value> ..." line on stdout for the launcher's summary. */
void stats_line(const char *fmt, ...) TIPC_PRINTF(1, 2);

/* After tipc_server_listen(srv, addr, ...): write the bound TCP port to
 * port_file (if not NULL; atomically, for scripts that listen on port 0) and
 * signal_ready("listening on <addr with the bound port>"). Exits 1 when the
 * file cannot be written. */
void listen_ready(const tipc_server *srv, const char *addr, const char *port_file);

#endif
