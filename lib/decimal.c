/* SPDX-License-Identifier: MIT */
/*
 * Decimal formatting for the text the library writes per order (JSON orders
 * and acks, order log lines, journal ids): about twenty numbers a round
 * trip, most of them 19-digit nanosecond times, and fixed-point prices.
 *
 * A number is cut into 8-digit chunks with two multiply-shift divisions, and
 * each chunk into four digit pairs with 32-bit ones, written zero-padded into
 * a scratch buffer from which the significant digits are copied. That is a
 * short straight line of code with one data-dependent branch (the chunk
 * count): it matters less that it is fast when hot than that it stays cheap
 * when the process wakes with cold caches and predictors, as a process that
 * sleeps between orders does.
 */
#include "tipc_int.h"

#include <string.h>

static const char digit_pairs[200] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* The 8 digits of v < 10^8, zero-padded. */
static inline void
put8(char *p, uint32_t v)
{
    uint32_t hi = v / 10000, lo = v % 10000;

    memcpy(p, digit_pairs + 2 * (hi / 100), 2);
    memcpy(p + 2, digit_pairs + 2 * (hi % 100), 2);
    memcpy(p + 4, digit_pairs + 2 * (lo / 100), 2);
    memcpy(p + 6, digit_pairs + 2 * (lo % 100), 2);
}

/* Number of decimal digits of v (1 for 0): the bit length gives it to within
 * one (1233/4096 ~ log10(2)), a comparison settles it. v | 1 has as many
 * digits as v and makes 0 count as 1. */
static inline size_t
dec_width(uint64_t v)
{
    /* clang-format off */
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
    /* clang-format on */
    uint64_t u = v | 1;
    unsigned bits = 64u - (unsigned)__builtin_clzll(u);
    size_t n = (bits * 1233u) >> 12; /* floor(log10(2^bits)), at most 19 */

    return n + (u >= pow10[n]);
}

size_t
tipc__dec_u64_w(uint64_t v, size_t width, char *out)
{
    char tmp[24];
    size_t n = dec_width(v);

    if (width > TIPC__DEC_U64_MAX)
        width = TIPC__DEC_U64_MAX;
    if (n < width)
        n = width;
    if (n <= 8) {
        put8(tmp + 16, (uint32_t)v);
    } else {
        uint64_t top = v / 100000000u;
        put8(tmp + 16, (uint32_t)(v - top * 100000000u));
        put8(tmp + 8, (uint32_t)(top % 100000000u));
        put8(tmp, (uint32_t)(top / 100000000u)); /* < 1845 */
    }
    memcpy(out, tmp + sizeof tmp - n, n);
    return n;
}

size_t
tipc__dec_u64(uint64_t v, char *out)
{
    return tipc__dec_u64_w(v, 1, out);
}

size_t
tipc__price_text(int64_t price, char *out)
{
    /* Negate in unsigned arithmetic so INT64_MIN works. */
    uint64_t mag = price < 0 ? 0 - (uint64_t)price : (uint64_t)price;
    size_t n = 0;

    if (price < 0)
        out[n++] = '-';
    n += tipc__dec_u64(mag / TIPC_PRICE_SCALE, out + n);
    out[n++] = '.';
    return n + tipc__dec_u64_w(mag % TIPC_PRICE_SCALE, 4, out + n);
}
