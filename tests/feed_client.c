/* SPDX-License-Identifier: MIT */
/* feed_client: a test subscriber run as its own process, so that it keeps up
 * with the gateway even when the test driving it runs under valgrind. It
 * joins, checks that live seqs continue the snapshot's without a gap, and
 * prints one line:
 *   FEED result=OK frames=N snapshot=N ticks=N news=N first_tick=N last_tick=N gaps=N end=1
 * Exit status 0 after END_OF_DATA, 1 otherwise. Not installed.
 * usage: feed_client ADDR [prices|news|all] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tradeipc.h>
#include <tradeipc/feed.h>

int
main(int argc, char **argv)
{
    tipc_hello h = {
        .role = TIPC_ROLE_SUBSCRIBER, .streams = TIPC_STREAM_ALL, .name = "feed_client"};
    uint64_t frames = 0, snapshot = 0, ticks = 0, news = 0, first = 0, last = 0, gaps = 0;
    uint64_t next[2] = {0, 0}; /* expected tick, news seq; 0 until SNAPSHOT_END */
    tipc_snapshot_end end;
    tipc_sock *s = NULL;
    tipc_frame f;
    tipc_tick t;
    tipc_news n;
    char why[256] = "";
    int rc, in_snapshot = 0, done = 0;

    if (argc < 2) {
        fputs("usage: feed_client ADDR [prices|news|all]\n", stderr);
        return 2;
    }
    if (argc > 2)
        h.streams = strcmp(argv[2], "prices") == 0 ? TIPC_STREAM_PRICES
                    : strcmp(argv[2], "news") == 0 ? TIPC_STREAM_NEWS
                                                   : TIPC_STREAM_ALL;
    rc = tipc_sock_connect(&s, argv[1], &h, NULL, NULL, why, sizeof why);
    while (rc == 0 && !done) {
        if ((rc = tipc_sock_recv(s, &f, 10000)) < 0)
            break;
        frames++;
        switch (f.type) {
        case TIPC_MSG_SNAPSHOT_BEGIN:
            in_snapshot = 1;
            break;
        case TIPC_MSG_SNAPSHOT_END:
            if ((rc = tipc_snapshot_end_decode(f.data, f.len, &end)) < 0)
                break;
            next[0] = end.price_seq + 1;
            next[1] = end.news_seq + 1;
            in_snapshot = 0;
            break;
        case TIPC_MSG_TICK:
            if ((rc = tipc_tick_decode(f.data, f.len, &t)) < 0)
                break;
            if (in_snapshot) {
                snapshot++;
                break;
            }
            gaps += t.seq != next[0];
            next[0] = t.seq + 1;
            first = ticks++ == 0 ? t.seq : first;
            last = t.seq;
            break;
        case TIPC_MSG_NEWS:
            if ((rc = tipc_news_decode(f.data, f.len, &n)) < 0)
                break;
            if (in_snapshot) {
                snapshot++;
                break;
            }
            gaps += n.seq != next[1];
            next[1] = n.seq + 1;
            news++;
            break;
        case TIPC_MSG_END_OF_DATA:
            done = 1;
            break;
        default:
            break;
        }
    }
    printf("FEED result=%s frames=%llu snapshot=%llu ticks=%llu news=%llu first_tick=%llu "
           "last_tick=%llu gaps=%llu end=%d\n",
           rc == 0 ? "OK" : tipc_err_name(rc), (unsigned long long)frames,
           (unsigned long long)snapshot, (unsigned long long)ticks, (unsigned long long)news,
           (unsigned long long)first, (unsigned long long)last, (unsigned long long)gaps, done);
    if (rc < 0 && why[0] != '\0')
        fprintf(stderr, "feed_client: %s\n", why);
    tipc_sock_close(s);
    return done ? 0 : 1;
}
