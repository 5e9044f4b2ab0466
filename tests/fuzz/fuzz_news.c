/* SPDX-License-Identifier: MIT */
/* Fuzz target: tipc_news_decode (msgpack news sentiment from the gateway).
 * The properties are in fuzz_msgpack.h. */
#include "fuzz_common.h"

#define MP_T tipc_news
#define MP_DECODE_EX tipc_news_decode_ex
#define MP_DECODE tipc_news_decode
#define MP_ENCODE tipc_news_encode
#define MP_ENCODED_MAX TIPC_NEWS_ENCODED_MAX
#define MP_VALUE_OK(n)                                                                             \
    ((n)->sentiment >= TIPC_SENTIMENT_MIN && (n)->sentiment <= TIPC_SENTIMENT_MAX)
#define MP_SAME_VALUE(a, b) ((a)->sentiment == (b)->sentiment)

#include "fuzz_msgpack.h"
