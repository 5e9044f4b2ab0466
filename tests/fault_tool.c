/* SPDX-License-Identifier: MIT */
/* Helper for tests/fault-killall.sh, which is a shell script and needs two
 * things a shell cannot do well:
 *   fault_tool ports N              N distinct free TCP ports on 127.0.0.1, one
 *                                   per line (bound together, then released)
 *   fault_tool journal FILE PREFIX  read a strategy's journal without disturbing
 *                                   its writer: each created order's client id on
 *                                   stdout, then one "# orders=N acked=N accepted=N
 *                                   rejected=N dense=0|1" line on stderr
 * Exit status 0, or 1 with a message on stderr. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tradeipc.h>

static int
ports(int n)
{
    int fds[16];

    if (n < 1 || n > 16)
        return fprintf(stderr, "fault_tool: ports: 1..16\n"), 1;
    for (int i = 0; i < n; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
            bind(fds[i], (struct sockaddr *)&a, sizeof a) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&a, &len) != 0)
            return perror("fault_tool: ports"), 1;
        printf("%u\n", ntohs(a.sin_port));
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return 0;
}

static int
journal(const char *path, const char *prefix)
{
    tipc_journal_opts o = {.flags = TIPC_JOURNAL_RDONLY};
    tipc_journal_record r;
    tipc_journal_stats st;
    tipc_journal *j;
    uint64_t pos = 0, n = 0;
    int dense = 1, rc;

    if ((rc = tipc_journal_open(&j, path, prefix, &o)) != 0)
        return fprintf(stderr, "fault_tool: %s: %s\n", path, tipc_strerror(rc)), 1;
    while (tipc_journal_next(j, &pos, &r) == 1) {
        if (r.kind != TIPC_JOURNAL_ORDER)
            continue;
        dense = dense && r.seq == ++n;
        printf("%s\n", r.order.client_order_id);
    }
    tipc_journal_get_stats(j, &st);
    fprintf(stderr, "# orders=%llu acked=%llu accepted=%llu rejected=%llu dense=%d\n",
            (unsigned long long)st.orders, (unsigned long long)st.acked,
            (unsigned long long)st.accepted, (unsigned long long)st.rejected, dense);
    tipc_journal_close(j);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "ports") == 0)
        return ports(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "journal") == 0)
        return journal(argv[2], argv[3]);
    fprintf(stderr, "usage: fault_tool ports N | fault_tool journal FILE PREFIX\n");
    return 2;
}
