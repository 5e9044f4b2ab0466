/* SPDX-License-Identifier: MIT */
/* Outbox: exact contents and order after adds and removes, every error code,
 * the walk's behaviour under changes, and a long randomised run against a
 * plain array model (deletions in the middle of probe runs included). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tipc_check.h"
#include <tradeipc/outbox.h>

static tipc_outbox *
new_outbox(uint32_t cap)
{
    tipc_outbox *ob = NULL;
    ck_assert_tipc_ok(tipc_outbox_create(&ob, cap));
    ck_assert_ptr_nonnull(ob);
    return ob;
}

static tipc_order
mk(const char *id, int64_t price)
{
    tipc_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", id);
    snprintf(o.symbol, sizeof o.symbol, "AAPL");
    snprintf(o.strategy, sizeof o.strategy, "t");
    o.side = TIPC_SIDE_BUY;
    o.quantity = 100;
    o.price = price;
    o.signal.rule = TIPC_RULE_MANUAL;
    return o;
}

/* Walk the whole outbox and compare the ids, oldest first, with want[]. */
static void
assert_walk(const tipc_outbox *ob, const char *const *want, size_t n)
{
    uint64_t pos = 0;
    tipc_order o;
    size_t i = 0;
    int rc;

    while ((rc = tipc_outbox_next(ob, &pos, &o)) == 1) {
        ck_assert_uint_lt(i, n);
        ck_assert_str_eq(o.client_order_id, want[i]);
        i++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(i, n);
    ck_assert_uint_eq(tipc_outbox_count(ob), n);
}

START_TEST(test_outbox_add_find_remove)
{
    tipc_outbox *ob = new_outbox(8);
    tipc_order a = mk("s-1", 1000), b = mk("s-2", 2000), got;

    ck_assert_uint_eq(tipc_outbox_capacity(ob), 8);
    ck_assert_uint_eq(tipc_outbox_count(ob), 0);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &a));
    ck_assert_tipc_ok(tipc_outbox_add(ob, &b));
    ck_assert_uint_eq(tipc_outbox_count(ob), 2);
    ck_assert_tipc_ok(tipc_outbox_find(ob, "s-2", &got));
    ck_assert_mem_eq(&got, &b, sizeof b);
    ck_assert_tipc_ok(tipc_outbox_find(ob, "s-1", NULL));
    memset(&got, 0, sizeof got);
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "s-1", &got));
    ck_assert_mem_eq(&got, &a, sizeof a);
    ck_assert_uint_eq(tipc_outbox_count(ob), 1);
    ck_assert_tipc_err(tipc_outbox_find(ob, "s-1", NULL), TIPC_ENOENT);
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "s-2", NULL));
    ck_assert_uint_eq(tipc_outbox_count(ob), 0);
    tipc_outbox_destroy(ob);
}
END_TEST

START_TEST(test_outbox_walk_is_insertion_order)
{
    tipc_outbox *ob = new_outbox(4);
    const char *ids[] = {"a", "b", "c", "d"};

    for (int i = 0; i < 4; i++) {
        tipc_order o = mk(ids[i], i + 1);
        ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    }
    assert_walk(ob, ids, 4);
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "b", NULL));
    const char *w1[] = {"a", "c", "d"};
    assert_walk(ob, w1, 3);
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "a", NULL));
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "d", NULL));
    const char *w2[] = {"c"};
    assert_walk(ob, w2, 1);
    /* Freed slots are reused, and a re-added id goes to the end. */
    tipc_order o = mk("a", 9);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("e", 10);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("f", 11);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    const char *w3[] = {"c", "a", "e", "f"};
    assert_walk(ob, w3, 4);
    tipc_outbox_destroy(ob);
}
END_TEST

START_TEST(test_outbox_walk_sees_late_adds)
{
    tipc_outbox *ob = new_outbox(4);
    tipc_order o = mk("x", 1), got;
    uint64_t pos = 0;

    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0); /* empty */
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    ck_assert_str_eq(got.client_order_id, "x");
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0);
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0); /* stays at the end */
    o = mk("y", 2);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    ck_assert_str_eq(got.client_order_id, "y");
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0);
    tipc_outbox_destroy(ob);
}
END_TEST

START_TEST(test_outbox_walk_survives_removing_visited)
{
    tipc_outbox *ob = new_outbox(4);
    tipc_order got;
    uint64_t pos = 0;

    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "o%d", i);
        tipc_order o = mk(id, i + 1);
        ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    }
    /* Removing what the walk just returned is fine ... */
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
        ck_assert_tipc_ok(tipc_outbox_remove(ob, got.client_order_id, NULL));
    }
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0);
    ck_assert_uint_eq(tipc_outbox_count(ob), 0);
    tipc_outbox_destroy(ob);
}
END_TEST

START_TEST(test_outbox_walk_detects_removed_next)
{
    tipc_outbox *ob = new_outbox(4);
    tipc_order got, o;
    uint64_t pos = 0;

    o = mk("a", 1);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("b", 2);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    /* ... but removing the one it would visit next is reported, even when its
     * slot has been reused by a new order meanwhile. */
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "b", NULL));
    o = mk("c", 3);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    ck_assert_tipc_err(tipc_outbox_next(ob, &pos, &got), TIPC_ESTATE);
    /* An ended walk holds its place even when every order is gone. */
    pos = 0;
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    ck_assert_str_eq(got.client_order_id, "c");
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0);
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "c", NULL));
    ck_assert_tipc_ok(tipc_outbox_remove(ob, "a", NULL));
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0);
    o = mk("d", 4);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("e", 5);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    ck_assert_str_eq(got.client_order_id, "d");
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 1);
    ck_assert_str_eq(got.client_order_id, "e");
    ck_assert_int_eq(tipc_outbox_next(ob, &pos, &got), 0);
    /* A forged position never reads outside the slab. */
    pos = UINT64_C(0x1ffffff);
    ck_assert_tipc_err(tipc_outbox_next(ob, &pos, &got), TIPC_ESTATE);
    pos = UINT64_C(1) << 40;
    ck_assert_tipc_err(tipc_outbox_next(ob, &pos, &got), TIPC_ESTATE);
    tipc_outbox_destroy(ob);
}
END_TEST

START_TEST(test_outbox_update_keeps_place)
{
    tipc_outbox *ob = new_outbox(4);
    tipc_order o = mk("a", 1), got;
    const char *ids[] = {"a", "b"};

    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("b", 2);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("a", 1);
    o.send_ns = 12345;
    ck_assert_tipc_ok(tipc_outbox_update(ob, &o));
    ck_assert_tipc_ok(tipc_outbox_find(ob, "a", &got));
    ck_assert_uint_eq(got.send_ns, 12345);
    assert_walk(ob, ids, 2);
    o = mk("zz", 1);
    ck_assert_tipc_err(tipc_outbox_update(ob, &o), TIPC_ENOENT);
    memset(o.client_order_id, 'a', sizeof o.client_order_id); /* no NUL */
    ck_assert_tipc_err(tipc_outbox_update(ob, &o), TIPC_ENOENT);
    ck_assert_uint_eq(tipc_outbox_count(ob), 2);
    tipc_outbox_destroy(ob);
}
END_TEST

START_TEST(test_outbox_errors)
{
    tipc_outbox *ob = NULL;
    tipc_order o = mk("dup", 1), bad;

    ck_assert_tipc_err(tipc_outbox_create(&ob, 0), TIPC_EINVAL);
    ck_assert_tipc_err(tipc_outbox_create(&ob, TIPC_OUTBOX_MAX_CAPACITY + 1), TIPC_EINVAL);
    ck_assert_ptr_null(ob);
    ob = new_outbox(2);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o.price = 2; /* same id, other contents: still a duplicate, nothing replaced */
    ck_assert_tipc_err(tipc_outbox_add(ob, &o), TIPC_EDUP);
    ck_assert_tipc_ok(tipc_outbox_find(ob, "dup", &bad));
    ck_assert_int_eq(bad.price, 1);
    bad = mk("", 1);
    ck_assert_tipc_err(tipc_outbox_add(ob, &bad), TIPC_EBADVAL);
    memset(bad.client_order_id, 'x', sizeof bad.client_order_id); /* no NUL */
    ck_assert_tipc_err(tipc_outbox_add(ob, &bad), TIPC_EBADVAL);
    o = mk("two", 1);
    ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
    o = mk("three", 1);
    ck_assert_tipc_err(tipc_outbox_add(ob, &o), TIPC_ENOSPC);
    ck_assert_uint_eq(tipc_outbox_count(ob), 2);
    ck_assert_tipc_err(tipc_outbox_remove(ob, "three", NULL), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_outbox_remove(ob, "", NULL), TIPC_ENOENT);
    ck_assert_tipc_err(tipc_outbox_find(ob, "0123456789012345678901234567890123456789", NULL),
                       TIPC_ENOENT);
    ck_assert_tipc_err(tipc_outbox_find(ob, NULL, NULL), TIPC_ENOENT);
    tipc_outbox_destroy(ob);
    tipc_outbox_destroy(NULL);
}
END_TEST

/* Random adds and removes against a model; a small capacity keeps the index
 * dense enough that deletions constantly land inside probe runs. */
START_TEST(test_outbox_random_against_model)
{
    enum { CAP = 64, STEPS = 200000 };
    tipc_outbox *ob = new_outbox(CAP);
    char model[CAP][TIPC_ORDER_ID_MAX + 1];
    size_t n = 0;
    uint64_t rng = 0x9E3779B97F4A7C15ull, next_id = 1;

    for (int step = 0; step < STEPS; step++) {
        rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
        uint64_t r = rng * 0x2545F4914F6CDD1Dull;
        if (n < CAP && (n == 0 || r % 3 != 0)) {
            tipc_order o;
            char id[32];
            snprintf(id, sizeof id, "strat-%llu", (unsigned long long)next_id++);
            o = mk(id, (int64_t)next_id);
            ck_assert_tipc_ok(tipc_outbox_add(ob, &o));
            memcpy(model[n++], o.client_order_id, sizeof model[0]);
        } else {
            size_t k = (size_t)(r >> 32) % n;
            tipc_order got;
            ck_assert_tipc_ok(tipc_outbox_remove(ob, model[k], &got));
            ck_assert_str_eq(got.client_order_id, model[k]);
            ck_assert_tipc_err(tipc_outbox_find(ob, model[k], NULL), TIPC_ENOENT);
            memmove(model[k], model[k + 1], (n - k - 1) * sizeof model[0]);
            n--;
        }
        if (step % 997 == 0) {
            const char *want[CAP];
            for (size_t i = 0; i < n; i++) {
                want[i] = model[i];
                ck_assert_tipc_ok(tipc_outbox_find(ob, model[i], NULL));
            }
            assert_walk(ob, want, n);
        }
    }
    tipc_outbox_destroy(ob);
}
END_TEST

static Suite *
tipc_outbox_suite(void)
{
    Suite *s = suite_create("outbox");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_outbox_add_find_remove);
    tcase_add_test(tc, test_outbox_walk_is_insertion_order);
    tcase_add_test(tc, test_outbox_walk_sees_late_adds);
    tcase_add_test(tc, test_outbox_walk_survives_removing_visited);
    tcase_add_test(tc, test_outbox_walk_detects_removed_next);
    tcase_add_test(tc, test_outbox_update_keeps_place);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_outbox_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_outbox_random_against_model);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(tipc_outbox_suite)
