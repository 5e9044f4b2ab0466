/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the handshake payload decoders (HELLO, WELCOME, and the
 * {"reason"} body of REJECT and BYE). These read msgpack from a peer that
 * has not authenticated yet, so they must never read outside the payload,
 * never allocate, and always leave a printable why line. Every input goes
 * through all three. A HELLO or WELCOME that decodes must encode again,
 * within the handshake frame bound, and decode to the same value; so must a
 * reason.
 */
#include "fuzz_common.h"

#include "sock_int.h"

static void
fuzz_hello(const uint8_t *p, size_t n)
{
    tipc_hello h, h2;
    tipc__hello_extra x, x2;
    uint8_t buf[TIPC__HELLO_FRAME_MAX];
    char why[160];
    size_t len;
    int rc;

    memset(why, 'X', sizeof why);
    why[sizeof why - 1] = '\0';
    rc = tipc__hello_decode(p, n, &h, &x, why, sizeof why);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_EVERSION || rc == TIPC_EPROTO || rc == TIPC_EBADVAL ||
                   rc == TIPC_EMISSING || rc == TIPC_ETYPE);
        fuzz_check_why(why, sizeof why);
        return;
    }
    FUZZ_CHECK(h.version == TIPC_PROTO_VERSION);
    FUZZ_CHECK(h.nsymbols <= TIPC_SOCK_FILTER_MAX);
    FUZZ_CHECK(x.max_frame >= TIPC__PEER_MAX_FRAME_MIN && x.max_frame <= TIPC_FRAME_MAX_LIMIT);
    /* A HELLO the server accepted is one a client could have sent. */
    FUZZ_CHECK_RC(tipc__hello_encode(&h, &x, buf, sizeof buf, &len), 0);
    FUZZ_CHECK(len + 1 <= TIPC__HELLO_FRAME_MAX);
    FUZZ_CHECK_RC(tipc__hello_decode(buf, len, &h2, &x2, why, sizeof why), 0);
    FUZZ_CHECK(memcmp(&h, &h2, sizeof h) == 0);
    FUZZ_CHECK(x.heartbeat_ms == x2.heartbeat_ms && x.max_frame == x2.max_frame);
}

static void
fuzz_welcome(const uint8_t *p, size_t n)
{
    tipc_welcome w, w2;
    uint8_t buf[512];
    char why[160];
    size_t len;
    int rc;

    memset(why, 'X', sizeof why);
    why[sizeof why - 1] = '\0';
    rc = tipc__welcome_decode(p, n, &w, why, sizeof why);
    if (rc != 0) {
        FUZZ_CHECK(rc == TIPC_EVERSION || rc == TIPC_EPROTO);
        fuzz_check_why(why, sizeof why);
        return;
    }
    FUZZ_CHECK(w.version == TIPC_PROTO_VERSION);
    FUZZ_CHECK(w.max_frame >= TIPC__PEER_MAX_FRAME_MIN && w.max_frame <= TIPC_FRAME_MAX_LIMIT);
    FUZZ_CHECK(strnlen(w.server, sizeof w.server) < sizeof w.server);
    FUZZ_CHECK_RC(tipc__welcome_encode(&w, buf, sizeof buf, &len), 0);
    FUZZ_CHECK_RC(tipc__welcome_decode(buf, len, &w2, why, sizeof why), 0);
    FUZZ_CHECK(w.version == w2.version && w.streams == w2.streams && w.nsymbols == w2.nsymbols &&
               w.heartbeat_ms == w2.heartbeat_ms && w.max_frame == w2.max_frame &&
               w.conn_id == w2.conn_id && strcmp(w.server, w2.server) == 0);
}

static void
fuzz_reason(const uint8_t *p, size_t n)
{
    static const size_t caps[] = {1, 7, TIPC_SOCK_REASON_MAX + 1, 300};
    char reason[300], again[300];
    uint8_t buf[512];
    size_t len;

    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        memset(reason, 'X', sizeof reason);
        if (tipc__reason_decode(p, n, reason, caps[i]) != 0)
            return;
        /* Always terminated within cap, printable, at most the reason limit. */
        FUZZ_CHECK(strnlen(reason, caps[i]) < caps[i]);
        FUZZ_CHECK(strlen(reason) <= TIPC_SOCK_REASON_MAX);
        fuzz_check_why(reason, caps[i]);
        FUZZ_CHECK(caps[i] == sizeof reason || reason[caps[i]] == 'X'); /* nothing past cap */
        FUZZ_CHECK_RC(tipc__reason_encode(reason, buf, sizeof buf, &len), 0);
        FUZZ_CHECK_RC(tipc__reason_decode(buf, len, again, sizeof again), 0);
        FUZZ_CHECK(strcmp(reason, again) == 0);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p = fuzz_dup(data, size);

    fuzz_hello(p, size);
    fuzz_welcome(p, size);
    fuzz_reason(p, size);
    free(p);
    return 0;
}
