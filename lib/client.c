/* SPDX-License-Identifier: MIT */
/*
 * The reconnecting connection under the order client and the subscriber
 * (client_int.h). A send or receive failure only marks the connection
 * broken; closing it is left to the owner's next poll, so that a caller who
 * waits on the fd outside its lock never waits on a closed (or reused) fd.
 */
#include "tipc_int.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"

#define NS_PER_MS UINT64_C(1000000)
#define DEFAULT_CONNECT_TIMEOUT_MS 1000

int
tipc__conn_init(struct tipc__conn *c, const char *addr, const tipc_hello *hello,
                int connect_timeout_ms, uint32_t backoff_min_ms, uint32_t backoff_max_ms,
                const tipc_logger *logger)
{
    int rc;

    memset(c, 0, sizeof *c);
    if (addr == NULL || addr[0] == '\0' || hello == NULL || connect_timeout_ms < -1)
        return TIPC_EINVAL;
    if ((rc = tipc_backoff_init(&c->bo, backoff_min_ms, backoff_max_ms)) < 0)
        return rc;
    c->hello = *hello;
    if (logger != NULL) {
        c->logger = *logger;
        c->has_logger = true;
    }
    c->so.connect_timeout_ms = connect_timeout_ms ? connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    if ((c->addr = strdup(addr)) == NULL)
        return TIPC_ENOMEM;
    return 0;
}

void
tipc__conn_fini(struct tipc__conn *c)
{
    tipc_sock_close(c->sock);
    c->sock = NULL;
    free(c->addr);
    c->addr = NULL;
}

const tipc_logger *
tipc__conn_logger(const struct tipc__conn *c)
{
    return c->has_logger ? &c->logger : NULL;
}

/* Keep in why only what the error code does not already say:
 * tipc_sock_connect writes "connect <addr>: <error>" or "<step>: <error>". */
static void
trim_why(const struct tipc__conn *c, int rc, char *why)
{
    const char *err = tipc_strerror(rc);
    size_t alen = strlen(c->addr), elen = strlen(err), len;

    if (strncmp(why, "connect ", 8) == 0 && strncmp(why + 8, c->addr, alen) == 0 &&
        strncmp(why + 8 + alen, ": ", 2) == 0)
        memmove(why, why + 10 + alen, strlen(why + 10 + alen) + 1);
    len = strlen(why);
    if (len == elen && strcmp(why, err) == 0)
        why[0] = '\0';
    else if (len > elen + 2 && strcmp(why + len - elen, err) == 0 &&
             strncmp(why + len - elen - 2, ": ", 2) == 0)
        why[len - elen - 2] = '\0';
}

int
tipc__conn_connect(struct tipc__conn *c, uint32_t *retry_ms, char *why, size_t whylen)
{
    c->so.logger = tipc__conn_logger(c); /* c may have moved since init */
    int rc = tipc_sock_connect(&c->sock, c->addr, &c->hello, &c->so, NULL, why, whylen);
    uint64_t now = tipc_time_monotonic_ns();

    *retry_ms = 0;
    if (rc < 0) {
        c->sock = NULL;
        c->connect_failures++;
        *retry_ms = tipc_backoff_failed(&c->bo, now);
        trim_why(c, rc, why);
        tipc__log(tipc__conn_logger(c), TIPC_LOG_DEBUG, "client",
                  "connect %s: %s%s%s; retry in %u ms", c->addr, tipc_strerror(rc),
                  why[0] ? ": " : "", why, *retry_ms);
        return rc;
    }
    c->broken = 0;
    c->connects++;
    tipc_backoff_succeeded(&c->bo, now);
    return 0;
}

uint32_t
tipc__conn_lose(struct tipc__conn *c)
{
    uint32_t retry_ms = (uint32_t)tipc_backoff_wait_ms(&c->bo, tipc_time_monotonic_ns());

    tipc__log(tipc__conn_logger(c), TIPC_LOG_DEBUG, "client",
              "connection to %s lost: %s; reconnecting in %u ms", c->addr, tipc_strerror(c->broken),
              retry_ms);
    tipc_sock_close(c->sock);
    c->sock = NULL;
    c->broken = 0;
    c->losses++;
    return retry_ms;
}

bool
tipc__conn_is_due(const struct tipc__conn *c)
{
    return c->sock == NULL && tipc_backoff_is_due(&c->bo, tipc_time_monotonic_ns());
}

int
tipc__conn_fd(const struct tipc__conn *c)
{
    return c->sock != NULL ? tipc_sock_fd(c->sock) : -1;
}

short
tipc__conn_events(const struct tipc__conn *c)
{
    return c->sock != NULL ? tipc_sock_events(c->sock) : 0;
}

int
tipc__conn_next_timeout_ms(const struct tipc__conn *c)
{
    if (c->sock == NULL)
        return tipc_backoff_wait_ms(&c->bo, tipc_time_monotonic_ns());
    return c->broken ? 0 : tipc_sock_next_timeout_ms(c->sock);
}

bool
tipc__conn_is_up(const struct tipc__conn *c)
{
    return c->sock != NULL && !c->broken;
}

int
tipc__conn_wait(const struct tipc__conn *c, uint64_t deadline_ns)
{
    uint64_t now = tipc_time_monotonic_ns();
    int wait = -1, t;

    if (deadline_ns != UINT64_MAX) {
        uint64_t left = deadline_ns > now ? (deadline_ns - now + NS_PER_MS - 1) / NS_PER_MS : 0;
        wait = left > INT_MAX ? INT_MAX : (int)left;
    }
    if ((t = tipc__conn_next_timeout_ms(c)) >= 0 && (wait < 0 || t < wait))
        wait = t;
    struct pollfd p = {.fd = tipc__conn_fd(c), .events = tipc__conn_events(c)};
    if (poll(&p, p.fd >= 0 ? 1 : 0, wait) < 0 && errno == EINTR)
        return TIPC_EINTR;
    return 0;
}

uint64_t
tipc__deadline_after_ms(int timeout_ms)
{
    if (timeout_ms < 0)
        return UINT64_MAX;
    return tipc_time_monotonic_ns() + (uint64_t)timeout_ms * NS_PER_MS;
}
