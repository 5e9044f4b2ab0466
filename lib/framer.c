/* SPDX-License-Identifier: MIT */
/*
 * The frame parser: bytes in, frames out, no I/O (the hiredis reader split).
 * A frame that lies whole inside the chunk being parsed is handed out as a
 * pointer into that chunk. Only a frame cut by a chunk boundary is copied,
 * into the assembly buffer: its tail goes in when the chunk runs out, the
 * rest when the next chunk arrives. A frame handed out from that buffer
 * never moves before the next feed: the tail is written behind it, or into a
 * fresh buffer while the old one is retired until then. That is what lets
 * every frame from one chunk stay valid until the next feed. At most one
 * finished and one partial frame are held, each buffer at most
 * max_frame + 4 bytes, however a peer splits its stream. A length field is judged as soon as its
 * four bytes are known, so a hostile 4 GiB header costs nothing.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdlib.h>

#include "sock_int.h"

void
tipc__framer_init(tipc_framer *f, uint32_t max_frame)
{
    memset(f, 0, sizeof *f);
    f->max_frame = max_frame;
}

void
tipc__framer_fini(tipc_framer *f)
{
    free(f->abuf);
    free(f->retired);
    f->abuf = f->retired = NULL;
    f->acap = 0;
}

void
tipc__framer_set_max(tipc_framer *f, uint32_t max_frame)
{
    f->max_frame = max_frame;
}

static int
framer_fail(tipc_framer *f, int err)
{
    f->err = err;
    return err;
}

static int
framer_check_len(tipc_framer *f, uint32_t l)
{
    if (TIPC_UNLIKELY(l == 0))
        return framer_fail(f, TIPC_EPROTO);
    if (TIPC_UNLIKELY(l > f->max_frame))
        return framer_fail(f, TIPC_EMSGSIZE);
    return 0;
}

/* Room for need bytes at the start of abuf. Only called while no frame
 * handed out since the last feed lives in abuf, since realloc may move it.
 * Capacity stays within max_frame + 4. */
static int
framer_grow(tipc_framer *f, size_t need)
{
    size_t cap, bound = (size_t)f->max_frame + 4;
    uint8_t *nb;

    if (need <= f->acap)
        return 0;
    cap = f->acap < 256 ? 256 : f->acap * 2;
    if (cap > bound)
        cap = bound;
    if (cap < need)
        cap = need;
    nb = realloc(f->abuf, cap);
    if (nb == NULL)
        return framer_fail(f, TIPC_ENOMEM);
    f->abuf = nb;
    f->acap = cap;
    return 0;
}

/* Room for a chunk's tail behind a frame already handed out from abuf in
 * this chunk. That frame must not move, so when the tail does not fit, it
 * goes to a fresh buffer and the old one is retired until the next feed. */
static int
framer_room_for_tail(tipc_framer *f, size_t avail)
{
    size_t cap;
    uint8_t *nb;

    if (f->aoff == 0)
        return framer_grow(f, avail);
    if (f->aoff + avail <= f->acap)
        return 0;
    assert(f->retired == NULL);
    cap = f->acap > avail ? f->acap : avail;
    nb = malloc(cap);
    if (nb == NULL)
        return framer_fail(f, TIPC_ENOMEM);
    f->retired = f->abuf;
    f->abuf = nb;
    f->acap = cap;
    f->aoff = 0;
    return 0;
}

int
tipc__framer_next_slow(tipc_framer *f, tipc_frame *out)
{
    size_t avail = f->in_len - f->in_pos;
    const uint8_t *in = f->in + f->in_pos;
    uint32_t l;
    size_t take;
    int rc;

    if (f->err != 0)
        return f->err;
    if (f->alen > 0) {
        /* Completing a frame begun in an earlier chunk: feed moved it to
         * the front, so the frame needs at most max_frame + 4 bytes here. */
        if (avail == 0)
            return 0;
        if (f->alen < 4) {
            take = 4 - f->alen < avail ? 4 - f->alen : avail;
            memcpy(f->abuf + f->aoff + f->alen, in, take);
            f->alen += take;
            f->in_pos += take;
            in += take;
            avail -= take;
            if (f->alen < 4)
                return 0;
        }
        l = tipc__be32(f->abuf + f->aoff);
        if ((rc = framer_check_len(f, l)) < 0)
            return rc;
        if ((rc = framer_grow(f, f->aoff + 4 + (size_t)l)) < 0)
            return rc;
        take = 4 + (size_t)l - f->alen;
        if (take > avail)
            take = avail;
        memcpy(f->abuf + f->aoff + f->alen, in, take);
        f->alen += take;
        f->in_pos += take;
        if (f->alen < 4 + (size_t)l)
            return 0;
        out->type = f->abuf[f->aoff + 4];
        out->len = l - 1;
        out->data = f->abuf + f->aoff + TIPC_FRAME_HDR;
        f->aoff += 4 + (size_t)l;
        f->alen = 0;
        return 1;
    }
    if (avail == 0)
        return 0;
    if (avail >= 4) {
        l = tipc__be32(in);
        if ((rc = framer_check_len(f, l)) < 0)
            return rc;
        if (avail - 4 >= l) {
            out->type = in[4];
            out->len = l - 1;
            out->data = in + TIPC_FRAME_HDR;
            f->in_pos += 4 + (size_t)l;
            return 1;
        }
    }
    /* The chunk ends inside a frame (already length-checked when its header
     * is complete): keep the tail behind any frame returned from abuf. */
    if ((rc = framer_room_for_tail(f, avail)) < 0)
        return rc;
    memcpy(f->abuf + f->aoff, in, avail);
    f->alen = avail;
    f->in_pos = f->in_len;
    return 0;
}

int
tipc_framer_create(tipc_framer **out, uint32_t max_frame)
{
    tipc_framer *f;

    assert(out != NULL);
    if (max_frame == 0)
        max_frame = TIPC_FRAME_MAX_DEFAULT;
    if (max_frame > TIPC_FRAME_MAX_LIMIT)
        return TIPC_EINVAL;
    f = malloc(sizeof *f);
    if (f == NULL)
        return TIPC_ENOMEM;
    tipc__framer_init(f, max_frame);
    *out = f;
    return 0;
}

void
tipc_framer_destroy(tipc_framer *f)
{
    if (f == NULL)
        return;
    tipc__framer_fini(f);
    free(f);
}

int
tipc_framer_feed(tipc_framer *f, const void *data, size_t len)
{
    assert(f != NULL && (data != NULL || len == 0));
    if (f->err != 0)
        return f->err;
    if (f->in_pos != f->in_len)
        return TIPC_ESTATE;
    /* Frames handed out from abuf die here, so the partial moves up. */
    free(f->retired);
    f->retired = NULL;
    if (f->alen > 0 && f->aoff > 0)
        memmove(f->abuf, f->abuf + f->aoff, f->alen);
    f->aoff = 0;
    f->in = data;
    f->in_len = len;
    f->in_pos = 0;
    return 0;
}

int
tipc_framer_next(tipc_framer *f, tipc_frame *out)
{
    assert(f != NULL && out != NULL);
    return tipc__framer_next(f, out);
}

size_t
tipc_framer_buffered(const tipc_framer *f)
{
    return f->alen;
}

void
tipc_framer_reset(tipc_framer *f)
{
    free(f->retired);
    f->retired = NULL;
    f->in = NULL;
    f->in_len = f->in_pos = 0;
    f->aoff = f->alen = 0;
    f->err = 0;
}

int
tipc_frame_encode(void *buf, size_t cap, uint8_t type, const void *payload, size_t len,
                  size_t *out_len)
{
    assert(out_len != NULL && (payload != NULL || len == 0));
    if (len + 1 > TIPC_FRAME_MAX_LIMIT)
        return TIPC_EMSGSIZE;
    *out_len = TIPC_FRAME_HDR + len;
    if (cap < TIPC_FRAME_HDR + len)
        return TIPC_ENOSPC;
    tipc__frame_hdr(buf, type, len);
    if (len > 0)
        memcpy((uint8_t *)buf + TIPC_FRAME_HDR, payload, len);
    return 0;
}

const char *
tipc_msg_type_name(uint8_t type)
{
    switch (type) {
    case TIPC_MSG_HELLO:
        return "HELLO";
    case TIPC_MSG_WELCOME:
        return "WELCOME";
    case TIPC_MSG_REJECT:
        return "REJECT";
    case TIPC_MSG_HEARTBEAT:
        return "HEARTBEAT";
    case TIPC_MSG_BYE:
        return "BYE";
    case TIPC_MSG_TICK:
        return "TICK";
    case TIPC_MSG_NEWS:
        return "NEWS";
    case TIPC_MSG_SNAPSHOT_BEGIN:
        return "SNAPSHOT_BEGIN";
    case TIPC_MSG_SNAPSHOT_END:
        return "SNAPSHOT_END";
    case TIPC_MSG_END_OF_DATA:
        return "END_OF_DATA";
    case TIPC_MSG_ORDER:
        return "ORDER";
    case TIPC_MSG_ACK:
        return "ACK";
    }
    return type >= TIPC_MSG_DATA_MIN ? "DATA" : "RESERVED";
}
