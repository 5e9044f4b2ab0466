/* SPDX-License-Identifier: MIT */
/* The reconnecting connection shared by the order client and the
 * subscriber: one tipc_sock, its HELLO, a backoff schedule and the waiting
 * their poll functions do. Private to the library. */
#ifndef TIPC_CLIENT_INT_H
#define TIPC_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <tradeipc/backoff.h>
#include <tradeipc/sock.h>

struct tipc__conn {
    char *addr;
    tipc_hello hello;
    tipc_sock_opts so;
    tipc_logger logger;
    bool has_logger;
    tipc_backoff bo;
    tipc_sock *sock; /* NULL while disconnected */
    int broken;      /* sock failed with this code: close and report at the next poll */
    uint64_t connects, connect_failures, losses;
};

/* Copy addr (strdup), hello and the logger; no connection yet, the first
 * try is due at once. Returns 0, TIPC_EINVAL or TIPC_ENOMEM. */
int tipc__conn_init(struct tipc__conn *c, const char *addr, const tipc_hello *hello,
                    int connect_timeout_ms, uint32_t backoff_min_ms, uint32_t backoff_max_ms,
                    const tipc_logger *logger);
void tipc__conn_fini(struct tipc__conn *c);

/* The logger, or NULL. */
const tipc_logger *tipc__conn_logger(const struct tipc__conn *c);

/* One connect try (blocking up to the connect timeout). Returns 0 when
 * connected, else the error, with *retry_ms until the next try and in why
 * (whylen >= 1) whatever detail the error code does not already say. */
int tipc__conn_connect(struct tipc__conn *c, uint32_t *retry_ms, char *why, size_t whylen);

/* Close a broken connection. Returns ms until the next try is due. */
uint32_t tipc__conn_lose(struct tipc__conn *c);

/* Whether a connect try is due now. */
bool tipc__conn_is_due(const struct tipc__conn *c);

/* Wait for the fd, the socket's timers or the next due try, at most until
 * deadline_ns (UINT64_MAX: no limit). Returns 0, or TIPC_EINTR. */
int tipc__conn_wait(const struct tipc__conn *c, uint64_t deadline_ns);

int tipc__conn_fd(const struct tipc__conn *c);
short tipc__conn_events(const struct tipc__conn *c);
int tipc__conn_next_timeout_ms(const struct tipc__conn *c);
bool tipc__conn_is_up(const struct tipc__conn *c);

/* CLOCK_MONOTONIC deadline for a poll timeout in ms (-1: none). */
uint64_t tipc__deadline_after_ms(int timeout_ms);

#endif
