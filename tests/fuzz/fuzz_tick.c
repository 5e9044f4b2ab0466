/* SPDX-License-Identifier: MIT */
/* Fuzz target: tipc_tick_decode (msgpack market data from the gateway).
 * The properties are in fuzz_msgpack.h. */
#include "fuzz_common.h"

#define MP_T tipc_tick
#define MP_DECODE_EX tipc_tick_decode_ex
#define MP_DECODE tipc_tick_decode
#define MP_ENCODE tipc_tick_encode
#define MP_ENCODED_MAX TIPC_TICK_ENCODED_MAX
#define MP_VALUE_OK(t) ((t)->price > 0)
#define MP_SAME_VALUE(a, b) ((a)->price == (b)->price)

#include "fuzz_msgpack.h"
