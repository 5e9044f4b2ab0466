/* SPDX-License-Identifier: MIT */
/* Feed helpers: the symbol table (dense indices, growth, bounds, invalid
 * symbols) and the SNAPSHOT_END codec (golden bytes, every accepted msgpack
 * form, every rejection). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <tradeipc/feed.h>

#include "tipc_check.h"

static tipc_symtab *
new_table(uint32_t max)
{
    tipc_symtab *t = NULL;
    ck_assert_tipc_ok(tipc_symtab_create(&t, max));
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(test_feed_symtab_dense_indices)
{
    tipc_symtab *t = new_table(64);
    uint32_t idx = 99;

    ck_assert_uint_eq(tipc_symtab_count(t), 0);
    ck_assert_tipc_err(tipc_symtab_find(t, "AAPL", &idx), TIPC_ENOENT);
    ck_assert_uint_eq(idx, 99);
    ck_assert_int_eq(tipc_symtab_add(t, "AAPL", &idx), 1);
    ck_assert_uint_eq(idx, 0);
    ck_assert_int_eq(tipc_symtab_add(t, "MSFT", &idx), 1);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(tipc_symtab_add(t, "AAPL", &idx), 0);
    ck_assert_uint_eq(idx, 0);
    ck_assert_tipc_ok(tipc_symtab_find(t, "MSFT", &idx));
    ck_assert_uint_eq(idx, 1);
    ck_assert_uint_eq(tipc_symtab_count(t), 2);
    ck_assert_str_eq(tipc_symtab_name(t, 0), "AAPL");
    ck_assert_str_eq(tipc_symtab_name(t, 1), "MSFT");
    ck_assert_ptr_null(tipc_symtab_name(t, 2));
    tipc_symtab_destroy(t);
    tipc_symtab_destroy(NULL);
}
END_TEST

/* The symbol field of a decoded tick (15 bytes, NUL-padded) is accepted as is,
 * and prefixes or case variants are distinct keys. */
START_TEST(test_feed_symtab_tick_field_and_near_misses)
{
    tipc_symtab *t = new_table(16);
    tipc_tick tick;
    uint32_t idx;

    memset(&tick, 0, sizeof tick);
    memcpy(tick.symbol, "ABCDEFGHIJKLMNO", 15);
    ck_assert_int_eq(tipc_symtab_add(t, tick.symbol, &idx), 1);
    ck_assert_int_eq(tipc_symtab_add(t, "ABCDEFGHIJKLMN", &idx), 1);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(tipc_symtab_add(t, "abcdefghijklmno", &idx), 1);
    ck_assert_uint_eq(idx, 2);
    ck_assert_int_eq(tipc_symtab_add(t, "A", &idx), 1);
    ck_assert_tipc_ok(tipc_symtab_find(t, tick.symbol, &idx));
    ck_assert_uint_eq(idx, 0);
    ck_assert_str_eq(tipc_symtab_name(t, 0), "ABCDEFGHIJKLMNO");
    tipc_symtab_destroy(t);
}
END_TEST

/* Thousands of symbols through many doublings: every one keeps its index. */
START_TEST(test_feed_symtab_grows_and_keeps_indices)
{
    enum { N = 20000 };
    tipc_symtab *t = new_table(N);
    char sym[16];
    uint32_t idx;

    for (uint32_t i = 0; i < N; i++) {
        snprintf(sym, sizeof sym, "S%u.X", i);
        ck_assert_int_eq(tipc_symtab_add(t, sym, &idx), 1);
        ck_assert_uint_eq(idx, i);
    }
    ck_assert_uint_eq(tipc_symtab_count(t), N);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(sym, sizeof sym, "S%u.X", i);
        ck_assert_tipc_ok(tipc_symtab_find(t, sym, &idx));
        ck_assert_uint_eq(idx, i);
        ck_assert_str_eq(tipc_symtab_name(t, i), sym);
    }
    ck_assert_tipc_err(tipc_symtab_add(t, "ONE-MORE", &idx), TIPC_ENOSPC);
    ck_assert_int_eq(tipc_symtab_add(t, "S7.X", &idx), 0); /* existing: still found when full */
    ck_assert_uint_eq(idx, 7);
    tipc_symtab_destroy(t);
}
END_TEST

START_TEST(test_feed_symtab_rejects_invalid_symbols)
{
    tipc_symtab *t = new_table(8);
    uint32_t idx = 42;
    static const char *const bad[] = {"", "ABCDEFGHIJKLMNOP", "A B", "A/B", "\xc3\xa9", "A,B"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_tipc_err(tipc_symtab_add(t, bad[i], &idx), TIPC_EINVAL);
        ck_assert_tipc_err(tipc_symtab_find(t, bad[i], &idx), TIPC_ENOENT);
    }
    ck_assert_uint_eq(idx, 42);
    ck_assert_uint_eq(tipc_symtab_count(t), 0);
    tipc_symtab_destroy(t);
}
END_TEST

START_TEST(test_feed_symtab_create_bounds)
{
    tipc_symtab *t = (tipc_symtab *)&t; /* must stay untouched on error */
    tipc_symtab *before = t;
    uint32_t idx;

    ck_assert_tipc_err(tipc_symtab_create(&t, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_symtab_create(&t, TIPC_SYMTAB_MAX + 1), TIPC_EINVAL);
    ck_assert_ptr_eq(t, before);
    t = new_table(TIPC_SYMTAB_MAX); /* memory follows use, not the bound */
    tipc_symtab_destroy(t);
    t = new_table(1);
    ck_assert_int_eq(tipc_symtab_add(t, "X", &idx), 1);
    ck_assert_tipc_err(tipc_symtab_add(t, "Y", &idx), TIPC_ENOSPC);
    ck_assert_uint_eq(idx, 0);
    tipc_symtab_destroy(t);
    t = new_table(100); /* not a power of two: exactly 100 fit */
    for (int i = 0; i < 100; i++) {
        char sym[8];
        snprintf(sym, sizeof sym, "Z%d", i);
        ck_assert_int_eq(tipc_symtab_add(t, sym, &idx), 1);
    }
    ck_assert_tipc_err(tipc_symtab_add(t, "Z100", &idx), TIPC_ENOSPC);
    tipc_symtab_destroy(t);
}
END_TEST

/* ---- SNAPSHOT_END ------------------------------------------------------- */

static const struct golden {
    tipc_snapshot_end e;
    size_t len;
    uint8_t bytes[TIPC_SNAPSHOT_END_ENCODED_MAX];
} goldens[] = {
    {{0, 0}, 3, {0x92, 0x00, 0x00}},
    {{1, 127}, 3, {0x92, 0x01, 0x7f}},
    {{128, 255}, 5, {0x92, 0xcc, 0x80, 0xcc, 0xff}},
    {{256, 65535}, 7, {0x92, 0xcd, 0x01, 0x00, 0xcd, 0xff, 0xff}},
    {{65536, 25160}, 9, {0x92, 0xce, 0x00, 0x01, 0x00, 0x00, 0xcd, 0x62, 0x48}},
    {{UINT64_MAX, UINT64_C(4294967296)},
     19,
     {0x92, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xcf, 0x00, 0x00, 0x00, 0x01,
      0x00, 0x00, 0x00, 0x00}},
};

START_TEST(test_feed_snapshot_end_golden)
{
    const struct golden *g = &goldens[_i];
    uint8_t buf[TIPC_SNAPSHOT_END_ENCODED_MAX];
    tipc_snapshot_end back = {7, 7};
    size_t len = 0;

    ck_assert_tipc_ok(tipc_snapshot_end_encode(&g->e, buf, sizeof buf, &len));
    ck_assert_uint_eq(len, g->len);
    ck_assert_mem_eq(buf, g->bytes, len);
    ck_assert_tipc_ok(tipc_snapshot_end_decode(buf, len, &back));
    ck_assert_uint_eq(back.price_seq, g->e.price_seq);
    ck_assert_uint_eq(back.news_seq, g->e.news_seq);
    len = 0;
    ck_assert_tipc_err(tipc_snapshot_end_encode(&g->e, NULL, 0, &len), TIPC_ENOSPC);
    ck_assert_uint_eq(len, g->len);
    ck_assert_tipc_err(tipc_snapshot_end_encode(&g->e, buf, g->len - 1, &len), TIPC_ENOSPC);
    ck_assert_uint_eq(len, g->len);
}
END_TEST

/* Other valid msgpack spellings of the same two numbers. */
START_TEST(test_feed_snapshot_end_decode_accepts_every_width)
{
    static const struct {
        size_t len;
        uint8_t b[16];
        uint64_t p, n;
    } ok[] = {
        {5, {0xdc, 0x00, 0x02, 0x05, 0x06}, 5, 6},                   /* array16 */
        {7, {0xdd, 0x00, 0x00, 0x00, 0x02, 0x05, 0x06}, 5, 6},       /* array32 */
        {11, {0x92, 0xcf, 0, 0, 0, 0, 0, 0, 0, 3, 0x04}, 3, 4},      /* wide uint64 */
        {6, {0x92, 0xd0, 0x7f, 0xd1, 0x00, 0x00}, 127, 0},           /* int8, int16 */
        {6, {0x92, 0xd1, 0x00, 0x05, 0xcc, 0x01}, 5, 1},             /* int16, wide uint8 */
        {15, {0x92, 0xd2, 0, 0, 1, 0, 0xd3, 0, 0, 0, 0, 0, 0, 0, 9}, 256, 9}, /* int32, int64 */
    };
    tipc_snapshot_end e;

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        memset(&e, 0xee, sizeof e);
        ck_assert_tipc_ok(tipc_snapshot_end_decode(ok[i].b, ok[i].len, &e));
        ck_assert_uint_eq(e.price_seq, ok[i].p);
        ck_assert_uint_eq(e.news_seq, ok[i].n);
    }
}
END_TEST

START_TEST(test_feed_snapshot_end_decode_rejects)
{
    static const struct {
        size_t len;
        uint8_t b[12];
        int want;
    } bad[] = {
        {0, {0}, TIPC_ETRUNC},
        {1, {0x92}, TIPC_ETRUNC},
        {2, {0x92, 0x01}, TIPC_ETRUNC},
        {3, {0x92, 0x01, 0xcd}, TIPC_ETRUNC},
        {4, {0x92, 0x01, 0xcd, 0x01}, TIPC_ETRUNC},
        {2, {0xdc, 0x00}, TIPC_ETRUNC},
        {3, {0x80, 0x01, 0x02}, TIPC_ETYPE},       /* a map */
        {4, {0x92, 0xa1, 0x41, 0x01}, TIPC_ETYPE}, /* a string element */
        {3, {0x92, 0xc0, 0x01}, TIPC_ETYPE},       /* nil */
        {10, {0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0}, TIPC_ETYPE}, /* float64 */
        {3, {0x92, 0x01, 0xff}, TIPC_EBADVAL},                  /* -1 */
        {4, {0x92, 0xd0, 0x80, 0x01}, TIPC_EBADVAL},            /* int8 -128 */
        {4, {0x93, 0x01, 0x02, 0x03}, TIPC_EPROTO},
        {2, {0x91, 0x01}, TIPC_EPROTO},
        {1, {0x90}, TIPC_EPROTO},
        {4, {0x92, 0x01, 0x02, 0x00}, TIPC_EPROTO}, /* trailing byte */
        {5, {0xdc, 0x00, 0x03, 0x01, 0x02}, TIPC_EPROTO},
    };
    tipc_snapshot_end e = {11, 12};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = tipc_snapshot_end_decode(bad[i].b, bad[i].len, &e);
        ck_assert_msg(rc == bad[i].want, "case %zu: got %s, want %s", i, tipc_err_name(rc),
                      tipc_err_name(bad[i].want));
        ck_assert_uint_eq(e.price_seq, 11);
        ck_assert_uint_eq(e.news_seq, 12);
    }
}
END_TEST

static Suite *
tipc_feed_suite(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_feed_symtab_dense_indices);
    tcase_add_test(tc, test_feed_symtab_tick_field_and_near_misses);
    tcase_add_test(tc, test_feed_symtab_grows_and_keeps_indices);
    tcase_add_loop_test(tc, test_feed_snapshot_end_golden, 0, sizeof goldens / sizeof goldens[0]);
    tcase_add_test(tc, test_feed_snapshot_end_decode_accepts_every_width);
    tcase_set_timeout(tc, 10);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_feed_symtab_rejects_invalid_symbols);
    tcase_add_test(tc, test_feed_snapshot_end_decode_rejects);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, test_feed_symtab_create_bounds);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_feed_suite)
