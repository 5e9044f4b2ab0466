/* SPDX-License-Identifier: MIT */
/*
 * Replay: two preloaded, time-sorted row arrays merged on the fly. The CSV
 * reader already guarantees nondecreasing timestamps per file, so the merge is
 * a two-pointer walk with no sorting and no allocation per event: the gateway
 * can push millions of events a second in ASAP mode. Pacing is pure arithmetic
 * on the caller's clock; due times are computed from the start of the
 * schedule, never from the previous event, so rounding cannot accumulate.
 */
#include "tipc_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ull
#define DEFAULT_LOOP_GAP_NS NS_PER_S

struct tipc_replay {
    tipc_csv_row *px, *nw; /* price and news rows, each sorted by ts_ns */
    size_t npx, nnw;
    size_t ipx, inw; /* next row of each file in this pass */
    tipc_replay_pace pace;
    uint64_t rate, speed;
    int loop;
    tipc_csv_stats spx, snw;
    uint64_t ts0;    /* first event's timestamp */
    uint64_t ts_end; /* last event's timestamp */
    uint64_t period; /* TIMESTAMPS pacing: data time per pass, span + gap */
    /* pass * period / speed as quotient and remainder, kept exactly pass by pass, so the
     * pace neither drifts nor overflows however many passes go by. */
    uint64_t shift_q, shift_r;
    uint64_t pass;
    uint64_t k; /* events released so far, all passes */
    uint64_t start_ns;
    int started;
    int done; /* sticky result at the end; 0 while running */
};

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The smallest positive step between consecutive timestamps of the merged stream. */
static uint64_t
smallest_step(const tipc_replay *r)
{
    size_t i = 0, j = 0;
    uint64_t prev = 0, best = 0;
    int first = 1;

    while (i < r->npx || j < r->nnw) {
        uint64_t ts;
        if (i < r->npx && (j == r->nnw || r->px[i].ts_ns <= r->nw[j].ts_ns))
            ts = r->px[i++].ts_ns;
        else
            ts = r->nw[j++].ts_ns;
        if (!first && ts > prev && (best == 0 || ts - prev < best))
            best = ts - prev;
        prev = ts;
        first = 0;
    }
    return best;
}

int
tipc_replay_open(tipc_replay **out, const char *prices_path, const char *news_path,
                 const tipc_replay_opts *opts)
{
    static const tipc_replay_opts defaults = {.pace = TIPC_REPLAY_ASAP};
    tipc_replay *r;
    int rc;

    assert(out != NULL);
    if (opts == NULL)
        opts = &defaults;
    if (prices_path == NULL && news_path == NULL)
        return TIPC_EINVAL;
    switch (opts->pace) {
    case TIPC_REPLAY_ASAP:
        break;
    case TIPC_REPLAY_RATE:
        if (opts->rate == 0 || opts->rate > TIPC_REPLAY_RATE_MAX)
            return TIPC_EINVAL;
        break;
    case TIPC_REPLAY_TIMESTAMPS:
        if (opts->speed == 0 || opts->speed > TIPC_REPLAY_SPEED_MAX)
            return TIPC_EINVAL;
        break;
    default:
        return TIPC_EINVAL;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return TIPC_ENOMEM;
    r->pace = opts->pace;
    r->rate = opts->rate;
    r->speed = opts->speed;
    r->loop = opts->loop != 0;
    if (prices_path != NULL) {
        rc = tipc_csv_load(prices_path, TIPC_CSV_PRICES, opts->log, opts->max_rows, &r->px, &r->npx,
                           &r->spx);
        if (rc != 0)
            goto fail;
    }
    if (news_path != NULL) {
        rc = tipc_csv_load(news_path, TIPC_CSV_NEWS, opts->log, opts->max_rows, &r->nw, &r->nnw,
                           &r->snw);
        if (rc != 0)
            goto fail;
    }
    /* Both arrays are sorted, so the ends of the merged stream are the ends of the arrays. */
    if (r->npx > 0 && (r->nnw == 0 || r->px[0].ts_ns <= r->nw[0].ts_ns))
        r->ts0 = r->px[0].ts_ns;
    else
        r->ts0 = r->nw[0].ts_ns;
    if (r->npx > 0)
        r->ts_end = r->px[r->npx - 1].ts_ns;
    if (r->nnw > 0 && r->nw[r->nnw - 1].ts_ns > r->ts_end)
        r->ts_end = r->nw[r->nnw - 1].ts_ns;
    if (r->loop) {
        uint64_t gap = opts->loop_gap_ns != 0 ? opts->loop_gap_ns : smallest_step(r);
        if (gap == 0)
            gap = DEFAULT_LOOP_GAP_NS;
        r->period = sat_add(r->ts_end - r->ts0, gap);
    }
    *out = r;
    return 0;
fail:
    tipc_replay_close(r);
    return rc;
}

void
tipc_replay_close(tipc_replay *r)
{
    if (r == NULL)
        return;
    tipc_csv_free(r->px);
    tipc_csv_free(r->nw);
    free(r);
}

size_t
tipc_replay_count(const tipc_replay *r)
{
    assert(r != NULL);
    return r->npx + r->nnw;
}

void
tipc_replay_stats(const tipc_replay *r, tipc_csv_stats *prices, tipc_csv_stats *news)
{
    assert(r != NULL);
    if (prices != NULL)
        *prices = r->spx;
    if (news != NULL)
        *news = r->snw;
}

/* Start the next pass, or end the replay. Returns 0 or the sticky end code. */
static int
next_pass(tipc_replay *r)
{
    if (!r->loop)
        return r->done = TIPC_ENOENT;
    if (r->pace == TIPC_REPLAY_TIMESTAMPS) {
        r->shift_q = sat_add(r->shift_q, r->period / r->speed);
        r->shift_r += r->period % r->speed;
        if (r->shift_r >= r->speed) {
            r->shift_r -= r->speed;
            r->shift_q = sat_add(r->shift_q, 1);
        }
    }
    r->pass++;
    r->ipx = r->inw = 0;
    return 0;
}

static uint64_t
due_time(const tipc_replay *r, uint64_t ts, uint64_t now_ns)
{
    switch (r->pace) {
    case TIPC_REPLAY_RATE: {
        /* k * 1e9 / rate without overflow: rate <= 1e9, so (k % rate) * 1e9 < 1e18. */
        uint64_t whole = r->k / r->rate, part = (r->k % r->rate) * NS_PER_S / r->rate;
        uint64_t off =
            whole > (UINT64_MAX - part) / NS_PER_S ? UINT64_MAX : whole * NS_PER_S + part;
        return sat_add(r->start_ns, off);
    }
    case TIPC_REPLAY_TIMESTAMPS: {
        /* floor((pass * period + d) / speed); speed <= TIPC_REPLAY_SPEED_MAX keeps the
         * remainder sum from overflowing. */
        uint64_t d = ts - r->ts0;
        uint64_t off = d / r->speed + (r->shift_r + d % r->speed) / r->speed;
        return sat_add(r->start_ns, sat_add(r->shift_q, off));
    }
    case TIPC_REPLAY_ASAP:
        break;
    }
    return now_ns;
}

int
tipc_replay_next(tipc_replay *r, tipc_replay_event *ev, uint64_t now_ns, uint64_t *wait_ns)
{
    const tipc_csv_row *row;
    int is_price;

    assert(r != NULL && ev != NULL);
    if (r->done != 0)
        return r->done;
    if (!r->started) {
        r->started = 1;
        r->start_ns = now_ns;
    }
    if (r->ipx == r->npx && r->inw == r->nnw && next_pass(r) != 0)
        return r->done;
    /* Stable merge: on equal timestamps the price row goes first. */
    is_price = r->ipx < r->npx && (r->inw == r->nnw || r->px[r->ipx].ts_ns <= r->nw[r->inw].ts_ns);
    row = is_price ? &r->px[r->ipx] : &r->nw[r->inw];
    uint64_t ts = row->ts_ns;
    uint64_t due = due_time(r, ts, now_ns);
    if (due > now_ns) {
        if (wait_ns != NULL)
            *wait_ns = due - now_ns;
        return 0;
    }
    ev->pass = r->pass;
    ev->due_ns = due;
    ev->line = row->line;
    if (is_price) {
        ev->kind = TIPC_REPLAY_PRICE;
        memcpy(ev->tick.symbol, row->symbol, sizeof ev->tick.symbol);
        ev->tick.price = row->value;
        ev->tick.event_ns = ts;
        ev->tick.send_ns = 0;
        ev->tick.seq = 0;
        r->ipx++;
    } else {
        ev->kind = TIPC_REPLAY_NEWS;
        memcpy(ev->news.symbol, row->symbol, sizeof ev->news.symbol);
        ev->news.sentiment = (int32_t)row->value;
        ev->news.event_ns = ts;
        ev->news.send_ns = 0;
        ev->news.seq = 0;
        r->inw++;
    }
    r->k++;
    return 1;
}
