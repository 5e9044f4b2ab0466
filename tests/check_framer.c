/* SPDX-License-Identifier: MIT */
/* The frame parser without sockets: whole streams, every split point, byte
 * by byte, length limits, and the lifetime of the frames it hands out. */
#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include "tipc_check.h"

typedef struct want {
    uint8_t type;
    uint32_t len;
    uint32_t off; /* payload offset in the stream */
} want;

#define NWANT_MAX 64

typedef struct stream {
    uint8_t *buf;
    size_t len;
    want w[NWANT_MAX];
    int n;
} stream;

/* A stream of frames with the given payload sizes; payload bytes depend on
 * frame index and position, so a misplaced byte is caught. */
static void
stream_build(stream *st, const uint32_t *sizes, int n)
{
    size_t total = 0, pos = 0;

    for (int i = 0; i < n; i++)
        total += TIPC_FRAME_HDR + sizes[i];
    st->buf = malloc(total);
    ck_assert_ptr_nonnull(st->buf);
    st->len = total;
    st->n = n;
    for (int i = 0; i < n; i++) {
        uint8_t *p = st->buf + pos;
        p[0] = (uint8_t)((sizes[i] + 1) >> 24);
        p[1] = (uint8_t)((sizes[i] + 1) >> 16);
        p[2] = (uint8_t)((sizes[i] + 1) >> 8);
        p[3] = (uint8_t)(sizes[i] + 1);
        p[4] = (uint8_t)(0x10 + i);
        for (uint32_t j = 0; j < sizes[i]; j++)
            p[TIPC_FRAME_HDR + j] = (uint8_t)(i * 31 + j * 7 + 1);
        st->w[i].type = (uint8_t)(0x10 + i);
        st->w[i].len = sizes[i];
        st->w[i].off = (uint32_t)(pos + TIPC_FRAME_HDR);
        pos += TIPC_FRAME_HDR + sizes[i];
    }
}

/* 1 when frame i came out exactly as built. Plain code, no ck_assert:
 * Check records every assertion, which would dominate loops over every
 * split point. */
static int
frame_ok(const stream *st, int i, const tipc_frame *f)
{
    return i < st->n && f->type == st->w[i].type && f->len == st->w[i].len &&
           memcmp(f->data, st->buf + st->w[i].off, f->len) == 0;
}

static void
frame_check(const stream *st, int i, const tipc_frame *f)
{
    ck_assert_msg(frame_ok(st, i, f), "frame %d: type 0x%02x len %u", i, f->type, f->len);
}

/* Feed the stream in chunks cut at the given points. Each chunk is a private
 * copy that is scribbled over once the framer is done with it, so a frame
 * that still pointed into it would be caught. Every frame handed out during
 * one chunk is checked again after the chunk is drained: they must all stay
 * valid until the next feed. */
static void
feed_cuts(tipc_framer *fr, const stream *st, const size_t *cuts, int ncuts)
{
    size_t start = 0;
    int got = 0, bad = -1, rc = 0;

    for (int c = 0; c <= ncuts && bad < 0; c++) {
        size_t end = c < ncuts ? cuts[c] : st->len;
        size_t n = end - start;
        uint8_t *chunk = malloc(n > 0 ? n : 1);
        tipc_frame seen[NWANT_MAX];
        int first = got;

        memcpy(chunk, st->buf + start, n);
        rc = tipc_framer_feed(fr, chunk, n);
        while (rc == 0 && got < NWANT_MAX && (rc = tipc_framer_next(fr, &seen[got - first])) == 1) {
            if (!frame_ok(st, got, &seen[got - first]))
                bad = got;
            got++;
            rc = 0;
        }
        for (int i = first; i < got; i++)
            if (!frame_ok(st, i, &seen[i - first]) && bad < 0)
                bad = i;
        memset(chunk, 0xA5, n);
        free(chunk);
        start = end;
    }
    ck_assert_msg(bad < 0 && rc == 0 && got == st->n && tipc_framer_buffered(fr) == 0,
                  "cuts at %zu..: bad frame %d, rc %d, %d of %d frames, %zu buffered",
                  ncuts > 0 ? cuts[0] : 0, bad, rc, got, st->n, tipc_framer_buffered(fr));
}

static const uint32_t small_sizes[] = {0, 1, 2, 3, 4, 5, 9, 64, 0, 130, 7, 255, 1, 0};
#define NSMALL ((int)(sizeof small_sizes / sizeof small_sizes[0]))

START_TEST(test_framer_many_frames_in_one_chunk_are_zero_copy)
{
    static const uint32_t sizes[] = {0, 1, 5, 100, 1000, 65535, 3, 0};
    stream st;
    tipc_framer *fr;
    tipc_frame f;
    int i = 0, rc;

    stream_build(&st, sizes, 8);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    ck_assert_tipc_ok(tipc_framer_feed(fr, st.buf, st.len));
    while ((rc = tipc_framer_next(fr, &f)) == 1) {
        frame_check(&st, i, &f);
        /* in place: the payload pointer is the stream's own byte */
        ck_assert_ptr_eq(f.data, st.buf + st.w[i].off);
        i++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(i, 8);
    ck_assert_uint_eq(tipc_framer_buffered(fr), 0);
    ck_assert_int_eq(tipc_framer_next(fr, &f), 0);
    tipc_framer_destroy(fr);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_split_at_every_byte)
{
    stream st;
    tipc_framer *fr;

    stream_build(&st, small_sizes, NSMALL);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 1024));
    for (size_t k = 0; k <= st.len; k++) {
        tipc_framer_reset(fr);
        feed_cuts(fr, &st, &k, 1);
    }
    tipc_framer_destroy(fr);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_split_at_every_pair_of_bytes)
{
    static const uint32_t sizes[] = {0, 3, 1, 20, 0, 6, 11};
    stream st;
    tipc_framer *fr;

    stream_build(&st, sizes, 7);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 1024));
    for (size_t i = 0; i <= st.len; i++)
        for (size_t j = i; j <= st.len; j++) {
            size_t cuts[2] = {i, j};
            tipc_framer_reset(fr);
            feed_cuts(fr, &st, cuts, 2);
        }
    tipc_framer_destroy(fr);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_one_byte_at_a_time)
{
    stream st;
    tipc_framer *fr;
    size_t *cuts;

    stream_build(&st, small_sizes, NSMALL);
    cuts = malloc(st.len * sizeof *cuts);
    for (size_t k = 0; k < st.len; k++)
        cuts[k] = k + 1;
    ck_assert_tipc_ok(tipc_framer_create(&fr, 1024));
    feed_cuts(fr, &st, cuts, (int)st.len - 1);
    tipc_framer_destroy(fr);
    free(cuts);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_large_frame_split_everywhere_interesting)
{
    /* The largest frame the default limit allows, between small ones, cut
     * at every offset around each header and at strides through the body. */
    static const uint32_t sizes[] = {2, 65535, 0, 65535, 4};
    stream st;
    tipc_framer *fr;

    stream_build(&st, sizes, 5);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    for (size_t k = 0; k <= st.len; k++) {
        int near = st.len - k < 6;
        for (int i = 0; i < st.n; i++)
            near |= k + 6 >= st.w[i].off && k <= st.w[i].off + 1;
        if (!near && k % 4099 != 0)
            continue;
        tipc_framer_reset(fr);
        feed_cuts(fr, &st, &k, 1);
    }
    tipc_framer_destroy(fr);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_buffer_stays_bounded)
{
    static const uint32_t sizes[] = {65535, 65535, 65535};
    stream st;
    tipc_framer *fr;
    tipc_frame f;
    size_t pos = 0;

    /* 1000-byte chunks: after each, the partial frame held is never more
     * than one frame. */
    stream_build(&st, sizes, 3);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    while (pos < st.len) {
        size_t n = st.len - pos < 1000 ? st.len - pos : 1000;
        ck_assert_tipc_ok(tipc_framer_feed(fr, st.buf + pos, n));
        while (tipc_framer_next(fr, &f) == 1)
            ;
        ck_assert_uint_lt(tipc_framer_buffered(fr), 65536 + 4);
        pos += n;
    }
    ck_assert_uint_eq(tipc_framer_buffered(fr), 0);
    tipc_framer_destroy(fr);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_assembled_frame_survives_a_larger_tail)
{
    /* A (100 bytes) arrives split; the chunk that completes it ends 3000
     * bytes into B. A was assembled in the framer's buffer, which cannot hold
     * B's tail too: A must still be intact (and not freed) afterwards. */
    static const uint32_t sizes[] = {100, 5000};
    stream st;
    tipc_framer *fr;
    tipc_frame a, b;

    stream_build(&st, sizes, 2);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    ck_assert_tipc_ok(tipc_framer_feed(fr, st.buf, 50));
    ck_assert_int_eq(tipc_framer_next(fr, &a), 0);
    ck_assert_tipc_ok(tipc_framer_feed(fr, st.buf + 50, 105 - 50 + 3000));
    ck_assert_int_eq(tipc_framer_next(fr, &a), 1);
    ck_assert_int_eq(tipc_framer_next(fr, &b), 0);
    ck_assert_uint_eq(tipc_framer_buffered(fr), 3000);
    frame_check(&st, 0, &a);
    ck_assert_tipc_ok(tipc_framer_feed(fr, st.buf + 3105, st.len - 3105));
    ck_assert_int_eq(tipc_framer_next(fr, &b), 1);
    frame_check(&st, 1, &b);
    ck_assert_int_eq(tipc_framer_next(fr, &b), 0);
    tipc_framer_destroy(fr);
    free(st.buf);
}
END_TEST

START_TEST(test_framer_feed_before_drained_is_state_error)
{
    uint8_t two[12] = {0, 0, 0, 2, 0x10, 'a', 0, 0, 0, 2, 0x11, 'b'};
    tipc_framer *fr;
    tipc_frame f;

    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    ck_assert_tipc_ok(tipc_framer_feed(fr, two, sizeof two));
    ck_assert_int_eq(tipc_framer_next(fr, &f), 1);
    ck_assert_tipc_err(tipc_framer_feed(fr, two, sizeof two), TIPC_ESTATE);
    ck_assert_int_eq(tipc_framer_next(fr, &f), 1);
    ck_assert_uint_eq(f.type, 0x11);
    ck_assert_int_eq(tipc_framer_next(fr, &f), 0);
    ck_assert_tipc_ok(tipc_framer_feed(fr, two, sizeof two));
    tipc_framer_destroy(fr);
}
END_TEST

START_TEST(test_framer_empty_payload)
{
    uint8_t b[5] = {0, 0, 0, 1, TIPC_MSG_HEARTBEAT};
    tipc_framer *fr;
    tipc_frame f;

    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    ck_assert_tipc_ok(tipc_framer_feed(fr, b, sizeof b));
    ck_assert_int_eq(tipc_framer_next(fr, &f), 1);
    ck_assert_uint_eq(f.type, TIPC_MSG_HEARTBEAT);
    ck_assert_uint_eq(f.len, 0);
    tipc_framer_destroy(fr);
}
END_TEST

START_TEST(test_frame_encode_exact_bytes)
{
    static const uint8_t expect[] = {0x00, 0x00, 0x00, 0x04, 0x10, 'a', 'b', 'c'};
    uint8_t buf[16];
    size_t n = 0;

    ck_assert_tipc_ok(tipc_frame_encode(buf, sizeof buf, TIPC_MSG_TICK, "abc", 3, &n));
    ck_assert_uint_eq(n, sizeof expect);
    ck_assert_mem_eq(buf, expect, sizeof expect);
    ck_assert_tipc_err(tipc_frame_encode(buf, 7, TIPC_MSG_TICK, "abc", 3, &n), TIPC_ENOSPC);
    ck_assert_uint_eq(n, 8);
    ck_assert_tipc_ok(tipc_frame_encode(buf, 5, TIPC_MSG_HEARTBEAT, NULL, 0, &n));
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(buf, "\x00\x00\x00\x01\x04", 5);
    ck_assert_tipc_err(
        tipc_frame_encode(buf, sizeof buf, TIPC_MSG_TICK, buf, TIPC_FRAME_MAX_LIMIT, &n),
        TIPC_EMSGSIZE);
}
END_TEST

START_TEST(test_frame_type_names)
{
    ck_assert_str_eq(tipc_msg_type_name(TIPC_MSG_HELLO), "HELLO");
    ck_assert_str_eq(tipc_msg_type_name(TIPC_MSG_HEARTBEAT), "HEARTBEAT");
    ck_assert_str_eq(tipc_msg_type_name(TIPC_MSG_SNAPSHOT_END), "SNAPSHOT_END");
    ck_assert_str_eq(tipc_msg_type_name(TIPC_MSG_ACK), "ACK");
    ck_assert_str_eq(tipc_msg_type_name(0x7f), "DATA");
    ck_assert_str_eq(tipc_msg_type_name(0x00), "RESERVED");
    ck_assert_str_eq(tipc_msg_type_name(0x0f), "RESERVED");
}
END_TEST

/* ---- limits ---- */

START_TEST(test_framer_length_at_limit_accepted)
{
    uint8_t *b = calloc(1, 4 + 1024);
    tipc_framer *fr;
    tipc_frame f;

    b[2] = 0x04; /* L = 1024 = max */
    b[4] = 0x10;
    ck_assert_tipc_ok(tipc_framer_create(&fr, 1024));
    ck_assert_tipc_ok(tipc_framer_feed(fr, b, 4 + 1024));
    ck_assert_int_eq(tipc_framer_next(fr, &f), 1);
    ck_assert_uint_eq(f.len, 1023);
    tipc_framer_destroy(fr);
    free(b);
}
END_TEST

START_TEST(test_framer_length_over_limit_rejected_from_header_alone)
{
    uint8_t hdr[4] = {0x00, 0x00, 0x04, 0x01}; /* L = 1025 */
    tipc_framer *fr;
    tipc_frame f;

    ck_assert_tipc_ok(tipc_framer_create(&fr, 1024));
    /* only the length field has arrived: that is enough to refuse */
    ck_assert_tipc_ok(tipc_framer_feed(fr, hdr, 4));
    ck_assert_tipc_err(tipc_framer_next(fr, &f), TIPC_EMSGSIZE);
    /* sticky: the stream has lost its framing */
    ck_assert_tipc_err(tipc_framer_next(fr, &f), TIPC_EMSGSIZE);
    ck_assert_tipc_err(tipc_framer_feed(fr, hdr, 4), TIPC_EMSGSIZE);
    tipc_framer_reset(fr);
    ck_assert_tipc_ok(tipc_framer_feed(fr, "\x00\x00\x00\x01\x10", 5));
    ck_assert_int_eq(tipc_framer_next(fr, &f), 1);
    tipc_framer_destroy(fr);
}
END_TEST

START_TEST(test_framer_4gib_length_split_header_allocates_nothing)
{
    uint8_t hdr[4] = {0xff, 0xff, 0xff, 0xff};
    tipc_framer *fr;
    tipc_frame f;
    struct mallinfo2 before, after;

    ck_assert_tipc_ok(tipc_framer_create(&fr, TIPC_FRAME_MAX_LIMIT));
    before = mallinfo2();
    /* two bytes, then two: the header itself arrives split */
    ck_assert_tipc_ok(tipc_framer_feed(fr, hdr, 2));
    ck_assert_int_eq(tipc_framer_next(fr, &f), 0);
    ck_assert_uint_eq(tipc_framer_buffered(fr), 2);
    ck_assert_tipc_ok(tipc_framer_feed(fr, hdr + 2, 2));
    ck_assert_tipc_err(tipc_framer_next(fr, &f), TIPC_EMSGSIZE);
    after = mallinfo2();
    /* at most the first small assembly buffer; never anything near 4 GiB */
    ck_assert_uint_le(after.uordblks - before.uordblks + after.hblkhd - before.hblkhd, 4096);
    tipc_framer_destroy(fr);
}
END_TEST

START_TEST(test_framer_zero_length_is_proto_error)
{
    uint8_t hdr[5] = {0, 0, 0, 0, 0x10};
    tipc_framer *fr;
    tipc_frame f;

    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    ck_assert_tipc_ok(tipc_framer_feed(fr, hdr, sizeof hdr));
    ck_assert_tipc_err(tipc_framer_next(fr, &f), TIPC_EPROTO);
    tipc_framer_destroy(fr);
}
END_TEST

START_TEST(test_framer_create_limits)
{
    tipc_framer *fr = NULL;

    ck_assert_tipc_err(tipc_framer_create(&fr, TIPC_FRAME_MAX_LIMIT + 1), TIPC_EINVAL);
    ck_assert_ptr_null(fr);
    ck_assert_tipc_ok(tipc_framer_create(&fr, 0));
    /* default: 64 KiB accepted, one more refused */
    ck_assert_tipc_ok(tipc_framer_feed(fr, "\x00\x01\x00\x00", 4));
    ck_assert_uint_eq(tipc_framer_buffered(fr), 0);
    {
        tipc_frame f;
        ck_assert_int_eq(tipc_framer_next(fr, &f), 0);
        tipc_framer_reset(fr);
        ck_assert_tipc_ok(tipc_framer_feed(fr, "\x00\x01\x00\x01", 4));
        ck_assert_tipc_err(tipc_framer_next(fr, &f), TIPC_EMSGSIZE);
    }
    tipc_framer_destroy(fr);
    tipc_framer_destroy(NULL);
}
END_TEST

static Suite *
tipc_framer_suite(void)
{
    Suite *s = suite_create("framer");
    TCase *core = tcase_create("core");
    TCase *limits = tcase_create("limits");

    tcase_set_timeout(core, 30);
    tcase_add_test(core, test_framer_many_frames_in_one_chunk_are_zero_copy);
    tcase_add_test(core, test_framer_split_at_every_byte);
    tcase_add_test(core, test_framer_split_at_every_pair_of_bytes);
    tcase_add_test(core, test_framer_one_byte_at_a_time);
    tcase_add_test(core, test_framer_large_frame_split_everywhere_interesting);
    tcase_add_test(core, test_framer_buffer_stays_bounded);
    tcase_add_test(core, test_framer_assembled_frame_survives_a_larger_tail);
    tcase_add_test(core, test_framer_feed_before_drained_is_state_error);
    tcase_add_test(core, test_framer_empty_payload);
    tcase_add_test(core, test_frame_encode_exact_bytes);
    tcase_add_test(core, test_frame_type_names);
    suite_add_tcase(s, core);

    tcase_set_timeout(limits, 10);
    tcase_add_test(limits, test_framer_length_at_limit_accepted);
    tcase_add_test(limits, test_framer_length_over_limit_rejected_from_header_alone);
    tcase_add_test(limits, test_framer_4gib_length_split_header_allocates_nothing);
    tcase_add_test(limits, test_framer_zero_length_is_proto_error);
    tcase_add_test(limits, test_framer_create_limits);
    suite_add_tcase(s, limits);
    return s;
}

TIPC_CHECK_MAIN(tipc_framer_suite)
