/* SPDX-License-Identifier: MIT */
/* The smallest libtradeipc program: publish a price into a shared book, read it
 * back through a read-only reader, and encode it as a wire tick.
 * Build: cc -o hello hello.c $(pkg-config --cflags --libs tradeipc) */
#include <stdio.h>
#include <unistd.h>

#include <tradeipc.h>

int
main(void)
{
    char name[64], wire[64];
    tipc_book *writer = NULL, *reader = NULL;
    tipc_level level;
    uint32_t index;
    size_t len;
    int rc;

    snprintf(name, sizeof name, "/tipc_hello_%ld", (long)getpid());
    if ((rc = tipc_book_create(&writer, name, TIPC_BOOK_PRICES, 16, 0)) < 0 ||
        (rc = tipc_book_add_symbol(writer, "AAPL", &index)) < 0 ||
        (rc = tipc_book_set(writer, index, 1640500, tipc_time_realtime_ns())) < 0 ||
        (rc = tipc_book_open(&reader, name, TIPC_BOOK_PRICES)) < 0 ||
        (rc = tipc_book_get(reader, index, &level)) < 0)
        goto out;

    tipc_tick tick = {.symbol = "AAPL",
                      .price = level.value,
                      .event_ns = level.source_ns,
                      .send_ns = tipc_time_realtime_ns(),
                      .seq = 1};
    if ((rc = tipc_tick_encode(&tick, wire, sizeof wire, &len)) < 0)
        goto out;
    printf("AAPL %lld.%04lld, %zu bytes of msgpack\n", (long long)(level.value / TIPC_PRICE_SCALE),
           (long long)(level.value % TIPC_PRICE_SCALE), len);
out:
    if (rc < 0)
        fprintf(stderr, "hello: %s (%s)\n", tipc_strerror(rc), tipc_err_name(rc));
    tipc_book_close(reader);
    tipc_book_close(writer);
    if (writer != NULL && tipc_book_unlink(name) < 0)
        rc = TIPC_EIO;
    return rc < 0;
}
