/* SPDX-License-Identifier: MIT */
/* Hostile strategies against the real tradeipc-order-manager (issue 6,
 * "Hostile input" and "Security"). Orders with every field wrong in turn are
 * each REJECTed with a reason that names the field, and the same connection
 * then gets a good order accepted and logged; a duplicate id is accepted
 * once with the original order id and logged once; a 1 MiB symbol is over
 * the 64 KiB frame limit and closes the connection (a 1 KiB symbol inside
 * a valid frame is a plain REJECT ack); a pipelined burst gets one ack per
 * order, in order. Security: only the strategy role may connect, a
 * configured token is required (and never logged), a full server refuses
 * cleanly, and the listener binds loopback unless asked otherwise. */
#include "hostile_util.h"

static pid_t om;
static int om_port;
static char om_addr[64];

/* Start the order manager on 127.0.0.1:0 with its log in the test dir and
 * up to four extra arguments. */
static void
start_om(const char *a0, const char *a1, const char *a2, const char *a3)
{
    om = h_start("om", "tradeipc-order-manager", "--listen", "127.0.0.1:0", "--port-file",
                 h_path("om.port"), "--log", h_path("order_log.txt"), "--report-ms", "0", a0, a1,
                 a2, a3, (const char *)NULL);
    om_port = h_wait_port(h_path("om.port"), om);
    snprintf(om_addr, sizeof om_addr, "127.0.0.1:%d", om_port);
}

/* A strategy connection; token may be NULL. Returns the connect result,
 * with the server's reason in why. */
static int
connect_as(tipc_sock **s, tipc_role role, const char *name, const char *token, char *why,
           size_t whylen)
{
    tipc_hello h = {.role = role};

    snprintf(h.name, sizeof h.name, "%s", name);
    if (token != NULL)
        snprintf(h.token, sizeof h.token, "%s", token);
    return tipc_sock_connect(s, om_addr, &h, NULL, NULL, why, whylen);
}

static tipc_sock *
strategy(const char *name)
{
    tipc_sock *s = NULL;
    char why[256] = "";
    int rc = connect_as(&s, TIPC_ROLE_STRATEGY, name, NULL, why, sizeof why);

    ck_assert_msg(rc == 0, "connect: %s (%s)", tipc_strerror(rc), why);
    return s;
}

/* Send one ORDER payload and return its ACK. */
static tipc_ack
order(tipc_sock *s, const char *json, size_t len)
{
    tipc_frame f;
    tipc_ack a;

    ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, json, len, 0));
    ck_assert_tipc_ok(tipc_sock_recv(s, &f, 5000));
    ck_assert_uint_eq(f.type, TIPC_MSG_ACK);
    ck_assert_tipc_ok(tipc_ack_decode((const char *)f.data, f.len, &a));
    return a;
}

static const char good_fmt[] = "{\"id\":\"%s\",\"symbol\":\"AAPL\",\"side\":\"BUY\",\"qty\":100,"
                               "\"price\":164.05,\"strategy\":\"hostile\","
                               "\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,\"send_ns\":1}";

/* A good order with this id: accepted, new (not a duplicate). */
static uint64_t
good_order(tipc_sock *s, const char *id)
{
    char json[512];
    int n = snprintf(json, sizeof json, good_fmt, id);
    tipc_ack a = order(s, json, (size_t)n);

    ck_assert_msg(a.status == TIPC_ACK_ACCEPTED, "%s rejected: %s", id, a.reason);
    ck_assert_str_eq(a.client_order_id, id);
    ck_assert_int_eq(a.duplicate, 0);
    ck_assert_uint_ge(a.order_id, 1);
    return a.order_id;
}

/* Lines of the order log for this client id. */
static int
log_lines_for(const char *id)
{
    char needle[64], *text = h_slurp(h_path("order_log.txt"));
    int n;

    snprintf(needle, sizeof needle, " client_id=%s ", id);
    n = h_count_lines(text, needle, (const char *)NULL);
    free(text);
    return n;
}

static void
checked_teardown(void)
{
    h_teardown();
}

/* ---- Every field wrong in turn ----------------------------------------------- */

/* The fields of a good order, as JSON text; a case replaces one value, or
 * drops the key when the value is NULL. */
static const char *const keys[] = {"id",       "symbol", "side",    "qty",    "price",
                                   "strategy", "signal", "tick_ns", "send_ns"};
static const char *const good_values[] = {
    "(id)", "\"AAPL\"", "\"BUY\"", "100", "164.05", "\"hostile\"", "{\"rule\":\"manual\"}",
    "0",    "1"};
#define NKEYS (int)(sizeof keys / sizeof keys[0])

typedef struct bad_case {
    const char *key;   /* field to change */
    const char *value; /* its new JSON text; NULL: drop the key */
    const char *why;   /* the reason must start with this */
} bad_case;

static const bad_case bad_cases[] = {
    /* missing, each required field */
    {"id", NULL, "id: missing"},
    {"symbol", NULL, "symbol: missing"},
    {"side", NULL, "side: missing"},
    {"qty", NULL, "qty: missing"},
    {"price", NULL, "price: missing"},
    {"strategy", NULL, "strategy: missing"},
    {"signal", NULL, "signal: missing"},
    {"tick_ns", NULL, "tick_ns: missing"},
    {"send_ns", NULL, "send_ns: missing"},
    {"signal", "{}", "signal.rule: missing"},
    {"signal", "{\"rule\":\"ma_cross\",\"short_window\":5}", "signal.long_window: missing"},
    /* wrong JSON type, each field */
    {"id", "17", "id: expected string"},
    {"symbol", "[\"AAPL\"]", "symbol: expected string"},
    {"side", "1", "side: expected string"},
    {"qty", "\"100\"", "qty: expected integer"},
    {"qty", "100.5", "qty: expected integer"},
    {"price", "\"164.05\"", "price: expected number"},
    {"price", "\"NaN\"", "price: expected number"},
    {"price", "null", "price: expected number"},
    {"strategy", "{}", "strategy: expected string"},
    {"signal", "\"manual\"", "signal: expected object"},
    {"tick_ns", "\"0\"", "tick_ns: expected integer"},
    {"send_ns", "true", "send_ns: expected integer"},
    /* values out of range */
    {"qty", "0", "qty: must be"},
    {"qty", "-5", "qty: must be"},
    {"qty", "4294967296", "qty: must be"},
    {"price", "0", "price: must be > 0"},
    {"price", "-164.05", "price: must be > 0"},
    {"price", "1e300", "price: must be > 0 and at most"},
    {"price", "164.00001", "price: more than 4 decimal places"},
    {"side", "\"HOLD\"", "side: must be \"BUY\" or \"SELL\""},
    {"side", "\"buy\"", "side: must be \"BUY\" or \"SELL\""},
    {"symbol", "\"\"", "symbol: "},
    {"symbol", "\"A B\"", "symbol: "},
    {"symbol", "\"AAPL\\n\"", "symbol: "},
    {"id", "\"\"", "id: "},
    {"id", "\"a b\"", "id: "},
    {"strategy", "\"has space\"", "strategy: "},
    {"signal", "{\"rule\":\"astrology\"}", "signal.rule: "},
    {"signal", "{\"rule\":\"sentiment\",\"sentiment\":101,\"threshold\":70}", "signal.sentiment: "},
    {"tick_ns", "-1", "tick_ns: "},
    {"send_ns", "18446744073709551615", "message: invalid JSON"}, /* beyond int64 */
    /* not an order at all: the JSON literal NaN is not JSON */
    {"price", "NaN", "message: invalid JSON"},
    {"price", "Infinity", "message: invalid JSON"},
};

/* Build the order of case k (id "bad-<k>") into buf. */
static size_t
bad_order(int k, char *buf, size_t cap)
{
    const bad_case *c = &bad_cases[k];
    size_t n = 0;

    n += (size_t)snprintf(buf + n, cap - n, "{");
    for (int i = 0; i < NKEYS; i++) {
        const char *v = strcmp(keys[i], c->key) == 0 ? c->value : good_values[i];
        if (v == NULL)
            continue;
        n += (size_t)snprintf(buf + n, cap - n, "%s\"%s\":", n > 1 ? "," : "", keys[i]);
        if (v == good_values[0]) /* the id */
            n += (size_t)snprintf(buf + n, cap - n, "\"bad-%d\"", k);
        else
            n += (size_t)snprintf(buf + n, cap - n, "%s", v);
    }
    n += (size_t)snprintf(buf + n, cap - n, "}");
    ck_assert_uint_lt(n, cap);
    return n;
}

static void
assert_rejected(const tipc_ack *a, const char *what, const char *why)
{
    ck_assert_msg(a->status == TIPC_ACK_REJECTED, "%s: accepted", what);
    ck_assert_uint_eq(a->order_id, 0);
    ck_assert_msg(strncmp(a->reason, why, strlen(why)) == 0, "%s: reason '%s', want '%s...'", what,
                  a->reason, why);
}

START_TEST(test_every_field_wrong)
{
    tipc_sock *s;
    char json[1024], id[32], *log;
    int n = (int)(sizeof bad_cases / sizeof bad_cases[0]);

    start_om(NULL, NULL, NULL, NULL);
    s = strategy("fields");
    for (int k = 0; k < n; k++) {
        size_t len = bad_order(k, json, sizeof json);
        tipc_ack a = order(s, json, len);
        assert_rejected(&a, json, bad_cases[k].why);
        snprintf(id, sizeof id, "good-%d", k);
        good_order(s, id); /* the same connection is still usable */
    }
    tipc_sock_close(s);
    for (int k = 0; k < n; k++) {
        snprintf(id, sizeof id, "good-%d", k);
        ck_assert_int_eq(log_lines_for(id), 1);
        snprintf(id, sizeof id, "bad-%d", k);
        ck_assert_int_eq(log_lines_for(id), 0);
    }
    /* One log line per rejection, and the connection never left early. */
    h_wait_log("om", "left: peer closed", 1, 2000);
    log = h_log("om");
    ck_assert_int_eq(h_count_lines(log, "order rejected: ", (const char *)NULL), n);
    ck_assert_int_eq(h_count_lines(log, " left: ", (const char *)NULL), 1);
    free(log);
    ck_assert_int_eq(h_stop(om, 5000), 0);
    ck_assert_int_eq(h_stat("om", "order_manager", "orders"), 2 * n);
    ck_assert_int_eq(h_stat("om", "order_manager", "accepted"), n);
    ck_assert_int_eq(h_stat("om", "order_manager", "rejected"), n);
    ck_assert_int_eq(h_stat("om", "order_manager", "log_lines"), n);
}
END_TEST

/* Payloads that are not an order object at all. */
START_TEST(test_not_an_order)
{
    static char big[5000];
    static const struct {
        const char *json;
        size_t len;
        const char *why;
    } cases[] = {
        {"", 0, "message: empty input"},
        {"hello", 5, "message: invalid JSON"},
        {"[1,2,3]", 7, "message: expected object, got array"},
        {"{\"id\":\"x\",\"id\":\"y\"}", 19, "message: invalid JSON"}, /* duplicate key */
        {"{\"id\":\"a\\u0000b\"}", 17, "message: invalid JSON"},
        {"{\"symbol\":\"\xff\xfe\"}", 16, "message: invalid JSON"}, /* not UTF-8 */
        {"{\"id\":", 6, "message: invalid JSON"},                   /* truncated */
        {big, sizeof big, "message: 5000 bytes, more than the 4096 allowed"},
    };
    char depth[4000];
    tipc_sock *s;
    tipc_ack a;

    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    start_om(NULL, NULL, NULL, NULL);
    s = strategy("junk");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        a = order(s, cases[k].json, cases[k].len);
        assert_rejected(&a, cases[k].json, cases[k].why);
        ck_assert_str_eq(a.client_order_id, "");
    }
    /* 2000 nested arrays: deep, but inside the size limit. */
    for (size_t i = 0; i < 2000; i++) {
        depth[i] = '[';
        depth[3999 - i] = ']';
    }
    a = order(s, depth, sizeof depth);
    ck_assert_int_eq(a.status, TIPC_ACK_REJECTED);
    ck_assert_msg(strncmp(a.reason, "message: ", 9) == 0, "%s", a.reason);
    good_order(s, "after-junk");
    ck_assert_int_eq(log_lines_for("after-junk"), 1);
    tipc_sock_close(s);
}
END_TEST

/* A symbol of 1 KiB in a valid frame is a REJECT naming the field; one of
 * 1 MiB cannot be sent in a frame at all: the client library refuses it
 * (EMSGSIZE, its connection unharmed), and a raw peer announcing it is
 * closed as soon as the length field is in (frame too large), logged
 * once, while other strategies go on. */
START_TEST(test_huge_symbol)
{
    static char json[(1 << 20) + 512];
    static char sym[(1 << 20) + 1];
    tipc_sock *s, *other;
    tipc_ack a;
    int n;

    start_om(NULL, NULL, NULL, NULL);
    s = strategy("huge");
    other = strategy("bystander");
    memset(sym, 'A', 1024);
    sym[1024] = '\0';
    n = snprintf(json, sizeof json,
                 "{\"id\":\"kb-1\",\"symbol\":\"%s\",\"side\":\"BUY\",\"qty\":1,\"price\":1,"
                 "\"strategy\":\"hostile\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,"
                 "\"send_ns\":1}",
                 sym);
    a = order(s, json, (size_t)n);
    assert_rejected(&a, "1 KiB symbol", "symbol: ");
    good_order(s, "after-kb");

    memset(sym, 'A', sizeof sym - 1);
    sym[sizeof sym - 1] = '\0';
    n = snprintf(json, sizeof json,
                 "{\"id\":\"mb-1\",\"symbol\":\"%s\",\"side\":\"BUY\",\"qty\":1,\"price\":1,"
                 "\"strategy\":\"hostile\",\"signal\":{\"rule\":\"manual\"},\"tick_ns\":0,"
                 "\"send_ns\":1}",
                 sym);
    ck_assert_int_gt(n, 1 << 20);
    ck_assert_tipc_err(tipc_sock_send(s, TIPC_MSG_ORDER, json, (size_t)n, 0), TIPC_EMSGSIZE);
    good_order(s, "after-mb-local");

    h_raw *r = h_raw_connect(om_port);
    uint8_t hdr[5] = {(uint8_t)((n + 1) >> 24), (uint8_t)((n + 1) >> 16), (uint8_t)((n + 1) >> 8),
                      (uint8_t)(n + 1), TIPC_MSG_ORDER};
    uint8_t last = 0;
    h_raw_join(r, "strategy", "raw-huge");
    ck_assert_int_eq(h_raw_send(r, hdr, sizeof hdr), 0);
    (void)h_raw_send(r, json, 65536); /* the rest would be refused anyway */
    int ms = h_raw_wait_closed(r, 2000, &last);
    ck_assert_int_ge(ms, 0);
    ck_assert_int_lt(ms, 1000);
    ck_assert_uint_eq(last, TIPC_MSG_BYE);
    h_wait_log("om", "raw-huge) left:", 1, 2000);
    h_assert_logged_once("om", r->port,
                         "left: frame too large: frame length field exceeds max_frame (65536)");
    h_raw_close(r);

    good_order(other, "bystander-1");
    good_order(s, "after-mb-raw");
    ck_assert_int_eq(log_lines_for("mb-1"), 0);
    ck_assert_int_eq(log_lines_for("kb-1"), 0);
    ck_assert_int_eq(log_lines_for("after-mb-raw"), 1);
    tipc_sock_close(s);
    tipc_sock_close(other);
    ck_assert_int_lt(h_rss_kb(om), 64 * 1024);
    ck_assert_int_eq(h_stop(om, 5000), 0);
}
END_TEST

/* The same client id twice: both accepted, the second as a duplicate with
 * the original order id, one line in the order log. */
START_TEST(test_duplicate_id)
{
    char json[512];
    tipc_sock *s;
    uint64_t id;
    tipc_ack a;
    int n;

    start_om(NULL, NULL, NULL, NULL);
    s = strategy("dup");
    id = good_order(s, "dup-1");
    n = snprintf(json, sizeof json, good_fmt, "dup-1");
    for (int i = 0; i < 2; i++) {
        a = order(s, json, (size_t)n);
        ck_assert_int_eq(a.status, TIPC_ACK_ACCEPTED);
        ck_assert_int_eq(a.duplicate, 1);
        ck_assert_uint_eq(a.order_id, id);
        ck_assert_str_eq(a.reason, "");
    }
    ck_assert_uint_gt(good_order(s, "dup-2"), id);
    ck_assert_int_eq(log_lines_for("dup-1"), 1);
    ck_assert_int_eq(log_lines_for("dup-2"), 1);
    tipc_sock_close(s);
    ck_assert_int_eq(h_stop(om, 5000), 0);
    ck_assert_int_eq(h_stat("om", "order_manager", "duplicates"), 2);
    ck_assert_int_eq(h_stat("om", "order_manager", "log_lines"), 2);
}
END_TEST

/* 600 orders written back to back without waiting (every third one bad):
 * exactly 600 acks, in order, each right. */
START_TEST(test_pipelined_burst)
{
    char json[1024], id[32];
    tipc_sock *s;
    tipc_frame f;
    tipc_ack a;

    start_om("--no-sync", NULL, NULL, NULL);
    s = strategy("burst");
    for (int i = 0; i < 600; i++) {
        snprintf(id, sizeof id, "b-%d", i);
        int n = i % 3 == 2 ? (int)bad_order(i % 20, json, sizeof json)
                           : snprintf(json, sizeof json, good_fmt, id);
        ck_assert_tipc_ok(tipc_sock_send(s, TIPC_MSG_ORDER, json, (size_t)n, TIPC_SEND_MORE));
    }
    ck_assert_tipc_ok(tipc_sock_flush(s, 5000));
    for (int i = 0; i < 600; i++) {
        ck_assert_tipc_ok(tipc_sock_recv(s, &f, 5000));
        ck_assert_uint_eq(f.type, TIPC_MSG_ACK);
        ck_assert_tipc_ok(tipc_ack_decode((const char *)f.data, f.len, &a));
        if (i % 3 == 2) {
            ck_assert_int_eq(a.status, TIPC_ACK_REJECTED);
        } else {
            snprintf(id, sizeof id, "b-%d", i);
            ck_assert_int_eq(a.status, TIPC_ACK_ACCEPTED);
            ck_assert_str_eq(a.client_order_id, id);
        }
    }
    ck_assert_int_eq(tipc_sock_recv(s, &f, 200), TIPC_EAGAIN);
    tipc_sock_close(s);
}
END_TEST

/* ---- Security -------------------------------------------------------------------- */

/* Orders only from strategies: a subscriber or a monitor is REJECTed at the
 * handshake, with one log line each. */
START_TEST(test_only_strategies)
{
    static const struct {
        tipc_role role;
        const char *why;
    } cases[] = {{TIPC_ROLE_SUBSCRIBER, "role subscriber not allowed"},
                 {TIPC_ROLE_MONITOR, "role monitor not allowed"}};
    char why[256], needle[128], *log;
    tipc_sock *s = NULL;

    start_om(NULL, NULL, NULL, NULL);
    for (size_t k = 0; k < 2; k++) {
        why[0] = '\0';
        ck_assert_tipc_err(connect_as(&s, cases[k].role, "intruder", NULL, why, sizeof why),
                           TIPC_EREJECTED);
        ck_assert_msg(strstr(why, cases[k].why) != NULL, "why: %s", why);
        snprintf(needle, sizeof needle, "left: rejected: %s", cases[k].why);
        h_wait_log("om", needle, 1, 2000);
        log = h_log("om");
        ck_assert_int_eq(h_count_lines(log, needle, (const char *)NULL), 1);
        free(log);
    }
    /* A raw subscriber that ignores the REJECT and sends an order anyway. */
    h_raw *r = h_raw_connect(om_port);
    uint8_t hello[512], buf[600];
    size_t n = h_hello_frame(hello, sizeof hello, "subscriber", "sneaky", 0, NULL);
    int len = snprintf((char *)buf + 5, sizeof buf - 5, good_fmt, "sneaky-1");
    buf[0] = 0, buf[1] = 0, buf[2] = (uint8_t)((len + 1) >> 8), buf[3] = (uint8_t)(len + 1);
    buf[4] = TIPC_MSG_ORDER;
    memcpy(hello + n, buf, (size_t)len + 5);
    (void)h_raw_send(r, hello, n + (size_t)len + 5); /* HELLO and ORDER in one write */
    uint8_t last = 0;
    ck_assert_int_ge(h_raw_wait_closed(r, 2000, &last), 0);
    ck_assert_uint_eq(last, TIPC_MSG_REJECT);
    h_raw_close(r);
    s = strategy("legit");
    good_order(s, "legit-1");
    tipc_sock_close(s);
    ck_assert_int_eq(log_lines_for("sneaky-1"), 0);
    ck_assert_int_eq(log_lines_for("legit-1"), 1);
}
END_TEST

/* --token: none is "token required", a wrong one "bad token", the right one
 * is WELCOMEd; no token text ever reaches the log. */
START_TEST(test_token)
{
    static const char token[] = "s3cret-Tok3n";
    char why[256], *log;
    tipc_sock *s = NULL;

    start_om("--token", token, NULL, NULL);
    ck_assert_tipc_err(connect_as(&s, TIPC_ROLE_STRATEGY, "no-token", NULL, why, sizeof why),
                       TIPC_EREJECTED);
    ck_assert_msg(strstr(why, "token required") != NULL, "why: %s", why);
    ck_assert_tipc_err(
        connect_as(&s, TIPC_ROLE_STRATEGY, "bad-token", "s3cret-Tok3m", why, sizeof why),
        TIPC_EREJECTED);
    ck_assert_msg(strstr(why, "bad token") != NULL, "why: %s", why);
    ck_assert_tipc_err(
        connect_as(&s, TIPC_ROLE_STRATEGY, "prefix-token", "s3cret", why, sizeof why),
        TIPC_EREJECTED);
    ck_assert_msg(strstr(why, "bad token") != NULL, "why: %s", why);
    ck_assert_tipc_ok(connect_as(&s, TIPC_ROLE_STRATEGY, "good-token", token, why, sizeof why));
    good_order(s, "tok-1");
    tipc_sock_close(s);
    h_wait_log("om", "left: peer closed", 1, 2000);
    log = h_log("om");
    ck_assert_int_eq(h_count_lines(log, "left: rejected: token required", (const char *)NULL), 1);
    ck_assert_int_eq(h_count_lines(log, "left: rejected: bad token", (const char *)NULL), 2);
    ck_assert_ptr_null(strstr(log, "s3cret"));
    free(log);
}
END_TEST

/* --max-clients 2: a third connection is REJECTed "server full" at once and
 * logged once; the two in place keep working. */
START_TEST(test_server_full)
{
    tipc_sock *a, *b, *c = NULL;
    char why[256] = "", *log;

    start_om("--max-clients", "2", NULL, NULL);
    a = strategy("one");
    b = strategy("two");
    ck_assert_tipc_err(connect_as(&c, TIPC_ROLE_STRATEGY, "three", NULL, why, sizeof why),
                       TIPC_EREJECTED);
    ck_assert_msg(strstr(why, "server full (max_conns 2)") != NULL, "why: %s", why);
    good_order(a, "one-1");
    good_order(b, "two-1");
    log = h_log("om");
    ck_assert_int_eq(h_count_lines(log, ": server full (max_conns 2)", (const char *)NULL), 1);
    free(log);
    tipc_sock_close(a);
    tipc_sock_close(b);
}
END_TEST

/* With no host given the order manager listens on 127.0.0.1 only: the
 * default is 127.0.0.1:7102, --port N means 127.0.0.1:N, and another
 * address (127.0.0.2) is refused. */
START_TEST(test_listen_loopback_by_default)
{
    static const char *const forms[][2] = {{"--port", "0"}, {"--listen", ":0"}};
    char addr[64], *help;
    int fd;

    pid_t p = h_start("help", "tradeipc-order-manager", "--help", (const char *)NULL);
    for (int64_t t0 = h_now_ms(); h_is_running(p) && h_now_ms() - t0 < 2000;)
        h_sleep_ms(5);
    help = h_slurp(h_path("help.out"));
    ck_assert_ptr_nonnull(strstr(help, "(default 127.0.0.1:7102)"));
    free(help);
    for (int k = 0; k < 2; k++) {
        char tag[16], portfile[16], logfile[16];
        snprintf(tag, sizeof tag, "om%d", k);
        snprintf(portfile, sizeof portfile, "om%d.port", k);
        snprintf(logfile, sizeof logfile, "om%d.log", k);
        p = h_start(tag, "tradeipc-order-manager", forms[k][0], forms[k][1], "--port-file",
                    h_path(portfile), "--log", h_path(logfile), "--report-ms", "0",
                    (const char *)NULL);
        int port = h_wait_port(h_path(portfile), p);
        ck_assert_int_eq(h_listen_addr(port, addr, sizeof addr), 1);
        ck_assert_str_eq(addr, "0100007F");
        ck_assert_int_eq(h_tcp_connect("127.0.0.2", port), -ECONNREFUSED);
        ck_assert_int_ge(fd = h_tcp_connect("127.0.0.1", port), 0);
        close(fd);
    }
}
END_TEST

static Suite *
hostile_orders_suite(void)
{
    Suite *s = suite_create("hostile_orders");
    TCase *tc = tcase_create("orders");

    tcase_add_unchecked_fixture(tc, h_tcase_setup, h_tcase_teardown);
    tcase_add_checked_fixture(tc, h_setup, checked_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_every_field_wrong);
    tcase_add_test(tc, test_not_an_order);
    tcase_add_test(tc, test_huge_symbol);
    tcase_add_test(tc, test_duplicate_id);
    tcase_add_test(tc, test_pipelined_burst);
    suite_add_tcase(s, tc);

    tc = tcase_create("security");
    tcase_add_unchecked_fixture(tc, h_tcase_setup, h_tcase_teardown);
    tcase_add_checked_fixture(tc, h_setup, checked_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_only_strategies);
    tcase_add_test(tc, test_token);
    tcase_add_test(tc, test_server_full);
    tcase_add_test(tc, test_listen_loopback_by_default);
    suite_add_tcase(s, tc);
    return s;
}

TIPC_CHECK_MAIN(hostile_orders_suite)
