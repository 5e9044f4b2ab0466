/* SPDX-License-Identifier: MIT */
/*
 * Generates data/sentiment.csv from data/prices.csv, reproducibly: no real
 * news-sentiment set with a permissive licence exists (see data/README.md),
 * so the stream is synthetic. For every trading day and symbol a news item is
 * published at 13:30Z (mid-session, before the 20:00Z/21:00Z close) with
 * probability 1/2; its score leans on that day's close-to-close move plus
 * noise, so the sentiment trigger fires on real price action:
 *     score = clamp(50 + 10 * move_in_percent + noise[-12, 12], 0, 100)
 * Integer arithmetic and a fixed-seed xorshift64* generator: the same input
 * gives the same bytes on every machine.
 *
 * usage: gen_sentiment prices.csv > sentiment.csv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYMBOLS 64

static uint64_t rng_state = 0x7261646569706300ull; /* "tradeipc" */

static uint64_t
rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static long long
parse_fixed4(const char *s)
{
    long long whole = 0, frac = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9')
        whole = whole * 10 + (*s++ - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
            frac = frac * 10 + (*s - '0');
    for (; digits < 4; digits++)
        frac *= 10;
    return whole * 10000 + frac;
}

int
main(int argc, char **argv)
{
    char line[256], symbols[MAX_SYMBOLS][16];
    long long last[MAX_SYMBOLS];
    int nsymbols = 0;
    FILE *in;

    if (argc != 2 || (in = fopen(argv[1], "r")) == NULL) {
        fprintf(stderr, "usage: gen_sentiment prices.csv > sentiment.csv\n");
        return 2;
    }
    if (fgets(line, sizeof line, in) == NULL)
        return 1;
    puts("timestamp,symbol,sentiment");
    while (fgets(line, sizeof line, in) != NULL) {
        char *ts = strtok(line, ","), *sym = strtok(NULL, ","), *px = strtok(NULL, ",\n");
        int i;
        if (ts == NULL || sym == NULL || px == NULL)
            continue;
        for (i = 0; i < nsymbols && strcmp(symbols[i], sym) != 0; i++)
            ;
        if (i == nsymbols) {
            if (nsymbols == MAX_SYMBOLS)
                continue;
            snprintf(symbols[nsymbols++], sizeof symbols[0], "%s", sym);
            last[i] = 0;
        }
        long long price = parse_fixed4(px), prev = last[i];
        last[i] = price;
        uint64_t r = rng_next();
        if (prev == 0 || (r & 1) == 0)
            continue;
        /* move in basis points, then 10 points of score per percent of move */
        long long move_bp = (price - prev) * 10000 / prev;
        long long score = 50 + move_bp / 10 + (long long)((r >> 8) % 25) - 12;
        score = score < 0 ? 0 : score > 100 ? 100 : score;
        printf("%.10sT13:30:00Z,%s,%lld\n", ts, sym, score);
    }
    fclose(in);
    return 0;
}
