/* SPDX-License-Identifier: MIT */
/*
 * Handshake payloads: HELLO, WELCOME, and the {"reason": str} body of
 * REJECT and BYE, as msgpack maps. This is a strict, bounded msgpack reader
 * and writer of its own rather than msgpack-c: the payload arrives before
 * the peer is authenticated, and msgpack-c's unpacker sizes its zone from
 * lengths the peer declares. Here nothing is allocated, every declared
 * length is checked against the bytes that are really left, nesting is
 * capped, and every string lands in a fixed-size field of the result.
 * Unknown keys are skipped so later versions can add fields; a duplicate
 * known key is an error, so two readers can never disagree about a HELLO.
 */
#include "tipc_int.h"

#include <stdio.h>

#include "sock_int.h"

/* ---- Writer ------------------------------------------------------------- */

typedef struct mpw {
    uint8_t *p;
    size_t cap;
    size_t len; /* keeps counting past cap, to report the size needed */
} mpw;

static void
w_raw(mpw *w, const void *src, size_t n)
{
    if (w->len + n <= w->cap)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void
w_tagged(mpw *w, uint8_t tag, uint64_t v, int bytes)
{
    uint8_t b[9];

    b[0] = tag;
    for (int i = 0; i < bytes; i++)
        b[1 + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    w_raw(w, b, 1 + (size_t)bytes);
}

static void
w_uint(mpw *w, uint64_t v)
{
    if (v < 0x80)
        w_tagged(w, (uint8_t)v, 0, 0);
    else if (v <= UINT8_MAX)
        w_tagged(w, 0xcc, v, 1);
    else if (v <= UINT16_MAX)
        w_tagged(w, 0xcd, v, 2);
    else if (v <= UINT32_MAX)
        w_tagged(w, 0xce, v, 4);
    else
        w_tagged(w, 0xcf, v, 8);
}

static void
w_str(mpw *w, const char *s, size_t n)
{
    if (n < 32)
        w_tagged(w, (uint8_t)(0xa0 | n), 0, 0);
    else if (n <= UINT8_MAX)
        w_tagged(w, 0xd9, n, 1);
    else
        w_tagged(w, 0xda, n, 2); /* every string here is < 64 KiB */
    w_raw(w, s, n);
}

static void
w_cstr(mpw *w, const char *s)
{
    w_str(w, s, strlen(s));
}

static void
w_map(mpw *w, uint32_t n)
{
    if (n < 16)
        w_tagged(w, (uint8_t)(0x80 | n), 0, 0);
    else
        w_tagged(w, 0xde, n, 2);
}

static void
w_array(mpw *w, uint32_t n)
{
    if (n < 16)
        w_tagged(w, (uint8_t)(0x90 | n), 0, 0);
    else
        w_tagged(w, 0xdc, n, 2);
}

static int
w_done(const mpw *w, size_t *len)
{
    *len = w->len;
    return w->len <= w->cap ? 0 : TIPC_ENOSPC;
}

/* ---- Reader ------------------------------------------------------------- */

typedef struct mpr {
    const uint8_t *p;
    size_t n;
    size_t pos;
} mpr;

#define MP_MAX_DEPTH 8

static int
r_be(mpr *r, int bytes, uint64_t *v)
{
    uint64_t x = 0;

    if (r->n - r->pos < (size_t)bytes)
        return TIPC_EPROTO;
    for (int i = 0; i < bytes; i++)
        x = x << 8 | r->p[r->pos++];
    *v = x;
    return 0;
}

static int
r_tag(mpr *r, uint8_t *tag)
{
    if (r->pos >= r->n)
        return TIPC_EPROTO;
    *tag = r->p[r->pos++];
    return 0;
}

/* A container header: fix/16/32 forms. */
static int
r_container(mpr *r, uint8_t fixbase, uint8_t tag16, uint32_t *count)
{
    uint8_t t;
    uint64_t v;
    int rc;

    if ((rc = r_tag(r, &t)) < 0)
        return rc;
    if ((t & 0xf0) == fixbase) {
        *count = t & 0x0f;
        return 0;
    }
    if (t == tag16 || t == tag16 + 1) {
        if ((rc = r_be(r, t == tag16 ? 2 : 4, &v)) < 0)
            return rc;
        /* Every element takes at least a byte: a count beyond what is left
         * is a lie, caught here instead of after a long loop. */
        if (v > r->n - r->pos)
            return TIPC_EPROTO;
        *count = (uint32_t)v;
        return 0;
    }
    return TIPC_ETYPE;
}

static int
r_map(mpr *r, uint32_t *n)
{
    return r_container(r, 0x80, 0xde, n);
}

static int
r_array(mpr *r, uint32_t *n)
{
    return r_container(r, 0x90, 0xdc, n);
}

static int
r_str(mpr *r, const char **s, size_t *len)
{
    uint8_t t;
    uint64_t v;
    int rc;

    if ((rc = r_tag(r, &t)) < 0)
        return rc;
    if ((t & 0xe0) == 0xa0) {
        v = t & 0x1f;
    } else if (t >= 0xd9 && t <= 0xdb) {
        if ((rc = r_be(r, 1 << (t - 0xd9), &v)) < 0)
            return rc;
    } else {
        return TIPC_ETYPE;
    }
    if (v > r->n - r->pos)
        return TIPC_EPROTO;
    *s = (const char *)r->p + r->pos;
    *len = (size_t)v;
    r->pos += (size_t)v;
    return 0;
}

/* Any non-negative integer encoding. */
static int
r_uint(mpr *r, uint64_t *v)
{
    uint8_t t;
    int rc;

    if ((rc = r_tag(r, &t)) < 0)
        return rc;
    if (t < 0x80) {
        *v = t;
        return 0;
    }
    if (t >= 0xcc && t <= 0xcf)
        return r_be(r, 1 << (t - 0xcc), v);
    if (t >= 0xd0 && t <= 0xd3) {
        int bytes = 1 << (t - 0xd0);
        if ((rc = r_be(r, bytes, v)) < 0)
            return rc;
        if (*v >> (8 * bytes - 1)) /* negative */
            return TIPC_EBADVAL;
        return 0;
    }
    if (t >= 0xe0)
        return TIPC_EBADVAL; /* negative fixint */
    return TIPC_ETYPE;
}

/* Bytes after the tag of the types 0xc0..0xdf: a fixed size, or VAR for a
 * length-prefixed or container type, or BAD for 0xc1 (never used). */
#define VAR (-1)
#define BAD (-2)
static const int8_t mp_after_tag[32] = {
    0,   BAD, 0,   0,       /* c0 nil, c1, c2 c3 bool */
    VAR, VAR, VAR,          /* c4..c6 bin 8/16/32 */
    VAR, VAR, VAR,          /* c7..c9 ext 8/16/32 */
    4,   8,                 /* ca cb float 32/64 */
    1,   2,   4,   8,       /* cc..cf uint 8..64 */
    1,   2,   4,   8,       /* d0..d3 int 8..64 */
    2,   3,   5,   9,   17, /* d4..d8 fixext 1..16 (type byte + data) */
    VAR, VAR, VAR,          /* d9..db str 8/16/32 */
    VAR, VAR, VAR, VAR,     /* dc dd array 16/32, de df map 16/32 */
};

/* Skip one value of any type, nesting at most MP_MAX_DEPTH deep. */
static int
r_skip(mpr *r, int depth)
{
    uint8_t t;
    uint64_t v = 0, items = 0, skip = 0;
    int rc;

    if (depth > MP_MAX_DEPTH)
        return TIPC_EPROTO;
    if ((rc = r_tag(r, &t)) < 0)
        return rc;
    if (t < 0x80 || t >= 0xe0) { /* fixints */
        return 0;
    } else if (t < 0x90) { /* fixmap */
        items = 2u * (t & 0x0f);
    } else if (t < 0xa0) { /* fixarray */
        items = t & 0x0f;
    } else if (t < 0xc0) { /* fixstr */
        skip = t & 0x1f;
    } else if (mp_after_tag[t - 0xc0] == BAD) {
        return TIPC_EPROTO;
    } else if (mp_after_tag[t - 0xc0] != VAR) {
        skip = (uint64_t)mp_after_tag[t - 0xc0];
    } else if (t >= 0xdc) { /* array/map 16/32 */
        if ((rc = r_be(r, (t & 1) ? 4 : 2, &items)) < 0)
            return rc;
        items *= t >= 0xde ? 2 : 1;
    } else { /* bin, ext, str: 1/2/4-byte length; ext adds a type byte */
        uint8_t base = t <= 0xc6 ? 0xc4 : t <= 0xc9 ? 0xc7 : 0xd9;
        if ((rc = r_be(r, 1 << (t - base), &v)) < 0)
            return rc;
        skip = v + (base == 0xc7);
    }
    if (skip > r->n - r->pos || items > r->n - r->pos)
        return TIPC_EPROTO;
    r->pos += (size_t)skip;
    for (uint64_t i = 0; i < items; i++)
        if ((rc = r_skip(r, depth + 1)) < 0)
            return rc;
    return 0;
}
#undef VAR
#undef BAD

static int
key_is(const char *k, size_t klen, const char *want)
{
    return strlen(want) == klen && memcmp(k, want, klen) == 0;
}

/* Peer text for a reason line: printable ASCII only, cut short. */
static void
sanitize(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;

    if (n > 32)
        n = 32;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = '\0';
}

/* Text from the peer kept whole up to cap - 1, control bytes replaced. */
static void
copy_printable(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;

    if (cap == 0)
        return;
    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = '\0';
}

static int
printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] >= 0x7f)
            return 0;
    return 1;
}

int
tipc__symbol_valid(const char *s, size_t n)
{
    if (n == 0 || n > TIPC_SYMBOL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static const struct {
    tipc_role role;
    const char *name;
} roles[] = {
    {TIPC_ROLE_SUBSCRIBER, "subscriber"},
    {TIPC_ROLE_STRATEGY, "strategy"},
    {TIPC_ROLE_MONITOR, "monitor"},
};

const char *
tipc__role_name(tipc_role role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].role == role)
            return roles[i].name;
    return NULL;
}

int
tipc__token_equal(const char a[TIPC_SOCK_TOKEN_MAX + 1], const char b[TIPC_SOCK_TOKEN_MAX + 1])
{
    volatile unsigned char diff = 0;

    /* Whole fixed-size buffers, no early exit: the time taken says nothing
     * about how much of a guessed token was right. */
    for (size_t i = 0; i < TIPC_SOCK_TOKEN_MAX + 1; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* ---- HELLO -------------------------------------------------------------- */

int
tipc__hello_encode(const tipc_hello *h, const tipc__hello_extra *x, uint8_t *buf, size_t cap,
                   size_t *len)
{
    mpw w = {buf, cap, 0};
    const char *role = tipc__role_name(h->role);
    size_t namelen = strnlen(h->name, sizeof h->name);
    size_t toklen = strnlen(h->token, sizeof h->token);
    uint32_t n = 7;

    if (role == NULL || namelen == 0 || namelen > TIPC_SOCK_NAME_MAX ||
        !printable(h->name, namelen) || toklen > TIPC_SOCK_TOKEN_MAX ||
        h->nsymbols > TIPC_SOCK_FILTER_MAX)
        return TIPC_EINVAL;
    for (uint32_t i = 0; i < h->nsymbols; i++)
        if (!tipc__symbol_valid(h->symbols[i], strnlen(h->symbols[i], TIPC_SYMBOL_MAX + 1)))
            return TIPC_EINVAL;
    n += h->nsymbols > 0;
    n += toklen > 0;
    w_map(&w, n);
    w_cstr(&w, "version");
    w_uint(&w, h->version != 0 ? h->version : TIPC_PROTO_VERSION);
    w_cstr(&w, "role");
    w_cstr(&w, role);
    w_cstr(&w, "name");
    w_str(&w, h->name, namelen);
    w_cstr(&w, "streams");
    w_uint(&w, h->streams);
    w_cstr(&w, "heartbeat_ms");
    w_uint(&w, x->heartbeat_ms);
    w_cstr(&w, "max_frame");
    w_uint(&w, x->max_frame);
    w_cstr(&w, "library");
    w_cstr(&w, "libtradeipc");
    if (h->nsymbols > 0) {
        w_cstr(&w, "symbols");
        w_array(&w, h->nsymbols);
        for (uint32_t i = 0; i < h->nsymbols; i++)
            w_cstr(&w, h->symbols[i]);
    }
    if (toklen > 0) {
        w_cstr(&w, "token");
        w_str(&w, h->token, toklen);
    }
    return w_done(&w, len);
}

enum {
    HK_VERSION = 1 << 0,
    HK_ROLE = 1 << 1,
    HK_NAME = 1 << 2,
    HK_STREAMS = 1 << 3,
    HK_SYMBOLS = 1 << 4,
    HK_TOKEN = 1 << 5,
    HK_HEARTBEAT = 1 << 6,
    HK_MAXFRAME = 1 << 7
};

static int
hello_fail(int rc, char *why, size_t whylen, const char *what)
{
    if (rc == TIPC_ETYPE)
        tipc__why(why, whylen, "malformed HELLO: %s has the wrong type", what);
    else if (rc == TIPC_EBADVAL)
        tipc__why(why, whylen, "malformed HELLO: %s out of range", what);
    else
        tipc__why(why, whylen, "malformed HELLO: truncated or invalid msgpack at %s", what);
    return rc == TIPC_EBADVAL || rc == TIPC_ETYPE ? rc : TIPC_EPROTO;
}

static int
hello_symbols(mpr *r, tipc_hello *h, char *why, size_t whylen)
{
    uint32_t n;
    int rc;

    if ((rc = r_array(r, &n)) < 0)
        return hello_fail(rc, why, whylen, "symbols");
    if (n > TIPC_SOCK_FILTER_MAX) {
        tipc__why(why, whylen, "symbol filter too long: %u symbols (limit %d)", n,
                  TIPC_SOCK_FILTER_MAX);
        return TIPC_EBADVAL;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        char shown[40];

        if ((rc = r_str(r, &s, &len)) < 0)
            return hello_fail(rc, why, whylen, "symbols");
        if (!tipc__symbol_valid(s, len)) {
            sanitize(shown, sizeof shown, s, len);
            tipc__why(why, whylen, "bad symbol \"%s\" in filter", shown);
            return TIPC_EBADVAL;
        }
        memcpy(h->symbols[i], s, len);
    }
    h->nsymbols = n;
    return 0;
}

int
tipc__hello_decode(const uint8_t *p, size_t n, tipc_hello *h, tipc__hello_extra *x, char *why,
                   size_t whylen)
{
    mpr r = {p, n, 0};
    uint32_t nkeys;
    unsigned seen = 0;
    int have_version = 0;
    uint64_t version = 0;
    const char *role = NULL;
    size_t rolelen = 0;
    char shown[40];
    int rc, err = 0;

    memset(h, 0, sizeof *h);
    x->heartbeat_ms = 0;
    x->max_frame = TIPC_FRAME_MAX_DEFAULT;
    if ((rc = r_map(&r, &nkeys)) < 0)
        return hello_fail(rc, why, whylen, "the top level (want a map)");
    /* Parse everything first, remember the first field error, and only then
     * judge: a version mismatch must win over whatever else is wrong. */
    for (uint32_t i = 0; i < nkeys && err == 0; i++) {
        const char *k, *s;
        size_t klen, len;
        uint64_t v;
        unsigned bit = 0;

        if ((rc = r_str(&r, &k, &klen)) < 0) {
            err = hello_fail(rc, why, whylen, "a key");
            break;
        }
        if (key_is(k, klen, "version"))
            bit = HK_VERSION;
        else if (key_is(k, klen, "role"))
            bit = HK_ROLE;
        else if (key_is(k, klen, "name"))
            bit = HK_NAME;
        else if (key_is(k, klen, "streams"))
            bit = HK_STREAMS;
        else if (key_is(k, klen, "symbols"))
            bit = HK_SYMBOLS;
        else if (key_is(k, klen, "token"))
            bit = HK_TOKEN;
        else if (key_is(k, klen, "heartbeat_ms"))
            bit = HK_HEARTBEAT;
        else if (key_is(k, klen, "max_frame"))
            bit = HK_MAXFRAME;
        if (bit == 0) {
            if ((rc = r_skip(&r, 1)) < 0)
                err = hello_fail(rc, why, whylen, "an unknown field");
            continue;
        }
        if (seen & bit) {
            sanitize(shown, sizeof shown, k, klen);
            tipc__why(why, whylen, "malformed HELLO: duplicate field \"%s\"", shown);
            err = TIPC_EPROTO;
            break;
        }
        seen |= bit;
        switch (bit) {
        case HK_VERSION:
            if ((rc = r_uint(&r, &version)) < 0)
                err = hello_fail(rc, why, whylen, "version");
            else
                have_version = 1;
            break;
        case HK_ROLE:
            if ((rc = r_str(&r, &role, &rolelen)) < 0)
                err = hello_fail(rc, why, whylen, "role");
            break;
        case HK_NAME:
            if ((rc = r_str(&r, &s, &len)) < 0) {
                err = hello_fail(rc, why, whylen, "name");
            } else if (len == 0 || len > TIPC_SOCK_NAME_MAX || !printable(s, len)) {
                tipc__why(why, whylen, "bad client name: want 1..%d printable ASCII bytes",
                          TIPC_SOCK_NAME_MAX);
                err = TIPC_EBADVAL;
            } else {
                memcpy(h->name, s, len);
            }
            break;
        case HK_STREAMS:
            if ((rc = r_uint(&r, &v)) < 0 || v > UINT32_MAX)
                err = hello_fail(rc < 0 ? rc : TIPC_EBADVAL, why, whylen, "streams");
            else
                h->streams = (uint32_t)v;
            break;
        case HK_SYMBOLS:
            err = hello_symbols(&r, h, why, whylen);
            break;
        case HK_TOKEN:
            if ((rc = r_str(&r, &s, &len)) < 0) {
                err = hello_fail(rc, why, whylen, "token");
            } else if (len > TIPC_SOCK_TOKEN_MAX || memchr(s, '\0', len) != NULL) {
                tipc__why(why, whylen, "bad token: longer than %d bytes or holds NUL",
                          TIPC_SOCK_TOKEN_MAX);
                err = TIPC_EBADVAL;
            } else {
                memcpy(h->token, s, len);
            }
            break;
        case HK_HEARTBEAT:
            if ((rc = r_uint(&r, &v)) < 0 || v > UINT32_MAX)
                err = hello_fail(rc < 0 ? rc : TIPC_EBADVAL, why, whylen, "heartbeat_ms");
            else
                x->heartbeat_ms = (uint32_t)v;
            break;
        case HK_MAXFRAME:
            if ((rc = r_uint(&r, &v)) < 0 || v < TIPC__PEER_MAX_FRAME_MIN)
                err = hello_fail(rc < 0 ? rc : TIPC_EBADVAL, why, whylen, "max_frame");
            else
                x->max_frame = v > TIPC_FRAME_MAX_LIMIT ? TIPC_FRAME_MAX_LIMIT : (uint32_t)v;
            break;
        }
    }
    if (have_version && version != TIPC_PROTO_VERSION) {
        tipc__why(why, whylen, "unsupported protocol version %llu (server speaks %d)",
                  (unsigned long long)version, TIPC_PROTO_VERSION);
        return TIPC_EVERSION;
    }
    if (err != 0)
        return err;
    if (r.pos != r.n) {
        tipc__why(why, whylen, "malformed HELLO: %zu bytes after the map", r.n - r.pos);
        return TIPC_EPROTO;
    }
    if (!(seen & HK_VERSION) || !(seen & HK_ROLE) || !(seen & HK_NAME)) {
        tipc__why(why, whylen, "malformed HELLO: missing field \"%s\"",
                  !(seen & HK_VERSION) ? "version"
                  : !(seen & HK_ROLE)  ? "role"
                                       : "name");
        return TIPC_EMISSING;
    }
    h->version = (uint32_t)version;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (key_is(role, rolelen, roles[i].name))
            h->role = roles[i].role;
    if (h->role == 0) {
        sanitize(shown, sizeof shown, role, rolelen);
        tipc__why(why, whylen, "unknown role \"%s\"", shown);
        return TIPC_EBADVAL;
    }
    return 0;
}

/* ---- WELCOME ------------------------------------------------------------ */

int
tipc__welcome_encode(const tipc_welcome *w, uint8_t *buf, size_t cap, size_t *len)
{
    mpw o = {buf, cap, 0};

    w_map(&o, 7);
    w_cstr(&o, "version");
    w_uint(&o, w->version);
    w_cstr(&o, "server");
    w_str(&o, w->server, strnlen(w->server, sizeof w->server - 1));
    w_cstr(&o, "streams");
    w_uint(&o, w->streams);
    w_cstr(&o, "symbols");
    w_uint(&o, w->nsymbols);
    w_cstr(&o, "heartbeat_ms");
    w_uint(&o, w->heartbeat_ms);
    w_cstr(&o, "max_frame");
    w_uint(&o, w->max_frame);
    w_cstr(&o, "conn_id");
    w_uint(&o, w->conn_id);
    return w_done(&o, len);
}

int
tipc__welcome_decode(const uint8_t *p, size_t n, tipc_welcome *w, char *why, size_t whylen)
{
    mpr r = {p, n, 0};
    uint32_t nkeys;
    int have_version = 0, have_max = 0, rc;
    uint64_t v;

    memset(w, 0, sizeof *w);
    if ((rc = r_map(&r, &nkeys)) < 0)
        goto bad;
    for (uint32_t i = 0; i < nkeys; i++) {
        const char *k, *s;
        size_t klen, len;
        uint32_t *field = NULL;

        if ((rc = r_str(&r, &k, &klen)) < 0)
            goto bad;
        if (key_is(k, klen, "server")) {
            if ((rc = r_str(&r, &s, &len)) < 0)
                goto bad;
            copy_printable(w->server, sizeof w->server, s, len);
            continue;
        }
        if (key_is(k, klen, "conn_id")) {
            if ((rc = r_uint(&r, &w->conn_id)) < 0)
                goto bad;
            continue;
        }
        if (key_is(k, klen, "version")) {
            field = &w->version;
            have_version = 1;
        } else if (key_is(k, klen, "streams")) {
            field = &w->streams;
        } else if (key_is(k, klen, "symbols")) {
            field = &w->nsymbols;
        } else if (key_is(k, klen, "heartbeat_ms")) {
            field = &w->heartbeat_ms;
        } else if (key_is(k, klen, "max_frame")) {
            field = &w->max_frame;
            have_max = 1;
        }
        if (field == NULL) {
            if ((rc = r_skip(&r, 1)) < 0)
                goto bad;
            continue;
        }
        if ((rc = r_uint(&r, &v)) < 0)
            goto bad;
        if (v > UINT32_MAX) {
            rc = TIPC_EBADVAL;
            goto bad;
        }
        *field = (uint32_t)v;
    }
    if (have_version && w->version != TIPC_PROTO_VERSION) {
        tipc__why(why, whylen, "server speaks protocol version %u, not %d", w->version,
                  TIPC_PROTO_VERSION);
        return TIPC_EVERSION;
    }
    if (!have_version || !have_max || w->max_frame < TIPC__PEER_MAX_FRAME_MIN) {
        tipc__why(why, whylen, "malformed WELCOME: version or max_frame missing or invalid");
        return TIPC_EPROTO;
    }
    if (w->max_frame > TIPC_FRAME_MAX_LIMIT)
        w->max_frame = TIPC_FRAME_MAX_LIMIT;
    return 0;
bad:
    tipc__why(why, whylen, "malformed WELCOME (%s)", tipc_err_name(rc));
    return TIPC_EPROTO;
}

/* ---- REJECT / BYE ------------------------------------------------------- */

int
tipc__reason_encode(const char *reason, uint8_t *buf, size_t cap, size_t *len)
{
    mpw w = {buf, cap, 0};

    if (reason == NULL)
        reason = "";
    w_map(&w, 1);
    w_cstr(&w, "reason");
    w_str(&w, reason, strnlen(reason, TIPC_SOCK_REASON_MAX));
    return w_done(&w, len);
}

int
tipc__reason_decode(const uint8_t *p, size_t n, char *reason, size_t cap)
{
    mpr r = {p, n, 0};
    uint32_t nkeys;
    int rc;

    if (cap > 0)
        reason[0] = '\0';
    if (n == 0)
        return 0;
    if ((rc = r_map(&r, &nkeys)) < 0)
        return TIPC_EPROTO;
    for (uint32_t i = 0; i < nkeys; i++) {
        const char *k, *s;
        size_t klen, len;

        if (r_str(&r, &k, &klen) < 0)
            return TIPC_EPROTO;
        if (!key_is(k, klen, "reason")) {
            if (r_skip(&r, 1) < 0)
                return TIPC_EPROTO;
            continue;
        }
        if (r_str(&r, &s, &len) < 0)
            return TIPC_EPROTO;
        copy_printable(reason, cap, s, len < TIPC_SOCK_REASON_MAX ? len : TIPC_SOCK_REASON_MAX);
    }
    return 0;
}
