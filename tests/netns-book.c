/* SPDX-License-Identifier: MIT */
/* netns-book: prints what a shared book holds, one line per symbol,
 *   SYMBOL VALUE UPDATES
 * so that tests/netns-hosts.sh can check that a consumer which lost its link
 * and resumed from the gateway's snapshot still ends with every symbol's last
 * value. Opens the book read-only; exit status 1 when it cannot. Not installed.
 * usage: netns-book NAME prices|news */
#include <stdio.h>
#include <string.h>

#include <tradeipc.h>
#include <tradeipc/book.h>

int
main(int argc, char **argv)
{
    tipc_book *b = NULL;
    tipc_level lv;
    char sym[TIPC_SYMBOL_MAX + 1];
    int rc;

    if (argc != 3 || (strcmp(argv[2], "prices") != 0 && strcmp(argv[2], "news") != 0)) {
        fputs("usage: netns-book NAME prices|news\n", stderr);
        return 2;
    }
    rc = tipc_book_open(&b, argv[1],
                        strcmp(argv[2], "prices") == 0 ? TIPC_BOOK_PRICES : TIPC_BOOK_NEWS);
    if (rc < 0) {
        fprintf(stderr, "netns-book: %s: %s\n", argv[1], tipc_strerror(rc));
        return 1;
    }
    for (uint32_t i = 0; i < tipc_book_symbol_count(b); i++) {
        if (tipc_book_symbol_name(b, i, sym, sizeof sym) < 0 || tipc_book_get(b, i, &lv) < 0) {
            fprintf(stderr, "netns-book: %s: cannot read slot %u\n", argv[1], i);
            tipc_book_close(b);
            return 1;
        }
        printf("%s %lld %llu\n", sym, (long long)lv.value, (unsigned long long)lv.updates);
    }
    tipc_book_close(b);
    return 0;
}
