/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the frame parser (tipc_framer), header checks and reassembly.
 *
 * Input layout: byte 0 picks max_frame from a table, byte 1 (low nibble + 1)
 * says how many chunk-size bytes follow, then those bytes, then the stream.
 * The stream is fed in chunks of those sizes, cycling (0 is an empty feed,
 * 255 the whole rest), each chunk a fresh heap block of exactly its size.
 * A plain reference parse of the whole stream says what must come out:
 * the same frames with the same bytes, in order, each with L <= max_frame,
 * then the same sticky error (or none) and the same number of bytes left
 * buffered. Every frame handed out since the last feed is checked again just
 * before the next feed, since the API promises they live until then; the
 * chunk behind them is freed right after, so a frame kept any longer is a
 * use-after-free the sanitizer reports. The framer's buffer must stay within
 * max_frame + 4 bytes whatever the split.
 */
#include "fuzz_common.h"

#include "sock_int.h"

static const uint32_t max_table[] = {
    0, 1, 2, 5, 6, 16, 100, 255, 256, 1024, 4096, TIPC_FRAME_MAX_DEFAULT, TIPC_FRAME_MAX_LIMIT,
};

typedef struct ref_frame {
    size_t off; /* payload offset in the stream */
    uint32_t len;
    uint8_t type;
} ref_frame;

/* The reference: walk the stream frame by frame with nothing clever. */
static size_t
ref_parse(const uint8_t *s, size_t n, uint32_t max, ref_frame *out, int *err, size_t *tail)
{
    size_t pos = 0, k = 0;

    *err = 0;
    while (n - pos >= 4) {
        uint32_t l = (uint32_t)s[pos] << 24 | (uint32_t)s[pos + 1] << 16 |
                     (uint32_t)s[pos + 2] << 8 | s[pos + 3];
        if (l == 0) {
            *err = TIPC_EPROTO;
            break;
        }
        if (l > max) {
            *err = TIPC_EMSGSIZE;
            break;
        }
        if (n - pos - 4 < l)
            break;
        out[k].type = s[pos + 4];
        out[k].len = l - 1;
        out[k].off = pos + TIPC_FRAME_HDR;
        k++;
        pos += 4 + (size_t)l;
    }
    *tail = n - pos;
    return k;
}

typedef struct held {
    tipc_frame fr;
    size_t ref; /* index into the reference frames */
} held;

static void
check_frame(const tipc_frame *fr, const ref_frame *r, const uint8_t *stream, uint32_t max)
{
    FUZZ_CHECK(fr->type == r->type);
    FUZZ_CHECK(fr->len == r->len);
    FUZZ_CHECK((uint64_t)fr->len + 1 <= max);
    FUZZ_CHECK(fr->len == 0 || memcmp(fr->data, stream + r->off, fr->len) == 0);
}

static void
check_bounds(const tipc_framer *f, uint32_t max)
{
    FUZZ_CHECK(tipc_framer_buffered(f) <= (size_t)max + 4);
    /* Internal: each assembly buffer stays within one frame plus its length. */
    FUZZ_CHECK(f->acap <= (size_t)max + 4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sizes, *stream;
    size_t nsizes, slen, nref, tail, pos = 0, si = 0, nheld = 0, matched = 0;
    uint32_t max;
    int ref_err, err = 0, rc, last_empty = 0;
    ref_frame *ref;
    held *hold;
    uint8_t *chunk = NULL;
    tipc_framer *f;
    tipc_frame fr;

    if (size < 2)
        return 0;
    max = max_table[data[0] % (sizeof max_table / sizeof max_table[0])];
    nsizes = (size_t)(data[1] & 0x0f) + 1;
    if (size - 2 < nsizes)
        return 0;
    sizes = data + 2;
    stream = sizes + nsizes;
    slen = size - 2 - nsizes;

    FUZZ_CHECK_RC(tipc_framer_create(&f, max), 0);
    if (max == 0)
        max = TIPC_FRAME_MAX_DEFAULT;
    ref = calloc(slen / TIPC_FRAME_HDR + 1, sizeof *ref);
    hold = calloc(slen / TIPC_FRAME_HDR + 1, sizeof *hold);
    FUZZ_CHECK(ref != NULL && hold != NULL);
    nref = ref_parse(stream, slen, max, ref, &ref_err, &tail);

    do {
        size_t n = sizes[si++ % nsizes];

        if (n == 255 || n > slen - pos)
            n = slen - pos;
        if (n == 0 && last_empty && pos < slen)
            n = 1; /* an empty feed now and then, but always progress */
        last_empty = n == 0;

        /* Frames of the previous chunk are still valid here... */
        for (size_t i = 0; i < nheld; i++)
            check_frame(&hold[i].fr, &ref[hold[i].ref], stream, max);
        nheld = 0;
        free(chunk); /* ...and the chunk goes now: nothing may point into it after the feed. */
        chunk = fuzz_dup(stream + pos, n);
        pos += n;

        rc = tipc_framer_feed(f, chunk, n);
        FUZZ_CHECK_RC(rc, 0);
        for (;;) {
            rc = tipc_framer_next(f, &fr);
            if (rc == 0)
                break;
            if (rc < 0) {
                err = rc;
                break;
            }
            FUZZ_CHECK(rc == 1);
            FUZZ_CHECK(matched < nref);
            check_frame(&fr, &ref[matched], stream, max);
            hold[nheld].fr = fr;
            hold[nheld].ref = matched;
            nheld++;
            matched++;
            /* Feeding before the chunk is drained is refused without harm. */
            if (!tipc__framer_drained(f)) {
                uint8_t b = 0;
                FUZZ_CHECK_RC(tipc_framer_feed(f, &b, 1), TIPC_ESTATE);
            }
            check_bounds(f, max);
        }
        check_bounds(f, max);
    } while (err == 0 && pos < slen);

    for (size_t i = 0; i < nheld; i++)
        check_frame(&hold[i].fr, &ref[hold[i].ref], stream, max);
    FUZZ_CHECK(matched == nref);
    FUZZ_CHECK_RC(err, ref_err);
    if (err != 0) {
        /* Sticky until reset. */
        FUZZ_CHECK_RC(tipc_framer_next(f, &fr), err);
        FUZZ_CHECK_RC(tipc_framer_feed(f, stream, 0), err);
    } else {
        FUZZ_CHECK(tipc_framer_buffered(f) == tail);
    }

    /* After a reset the framer parses a fresh stream from scratch. */
    tipc_framer_reset(f);
    FUZZ_CHECK(tipc_framer_buffered(f) == 0);
    {
        uint8_t one[TIPC_FRAME_HDR + 1];
        size_t olen;
        FUZZ_CHECK_RC(tipc_frame_encode(one, sizeof one, 0x42, "", 0, &olen), 0);
        FUZZ_CHECK_RC(tipc_framer_feed(f, one, olen), 0);
        FUZZ_CHECK(tipc_framer_next(f, &fr) == 1);
        FUZZ_CHECK(fr.type == 0x42 && fr.len == 0);
        FUZZ_CHECK(tipc_framer_next(f, &fr) == 0);
    }

    tipc_framer_destroy(f);
    free(chunk);
    free(ref);
    free(hold);
    return 0;
}
