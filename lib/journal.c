/* SPDX-License-Identifier: MIT */
/*
 * Order journal: fixed-size records in a MAP_SHARED file mapping.
 *
 * Why a mapping: a store into a shared file mapping lands in the page cache,
 * which belongs to the kernel, not to the process, so it survives the
 * process dying at any instant, and it costs a memcpy instead of a write(2).
 * The commit point of a record is the release store of its kind word, made
 * after the body and its checksum: a process killed before that store leaves
 * a slot whose kind is still 0, which recovery reads as the end, and the next
 * writer overwrites the whole slot before it publishes it. The checksum is
 * for what a kill cannot do but a host crash can: write pages back out of
 * order, leaving a kind word without its body.
 *
 * Ids are "<prefix>-<n>" with n dense from 1, so the record of order n can be
 * checked against its position (the n-th ORDER record must carry n) and the
 * acknowledged set is a bitmap indexed by n - 1.
 */
#include "tipc_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tradeipc/journal.h>

#define COMPONENT "journal"
#define JOURNAL_MAGIC 0x4c4e4a54u /* "TJNL" */
#define JOURNAL_VERSION 1u
#define HDR_SIZE 4096u

struct jhdr {
    uint32_t magic; /* stored last (release) by the creator */
    uint32_t version;
    uint32_t record_size;
    uint32_t reserved;
    uint64_t created_ns;
    char prefix[32];
};

struct jrec {
    uint32_t kind; /* 0 = empty; stored last (release) */
    uint32_t status;
    uint64_t check; /* rec_check() of the record with check = 0 */
    uint64_t seq;
    uint64_t time_ns;
    tipc_order order;
};

_Static_assert(sizeof(struct jhdr) <= HDR_SIZE, "header fits its page");
_Static_assert(sizeof(struct jrec) % 8 == 0, "records are whole 64-bit words");
_Static_assert(TIPC_JOURNAL_PREFIX_MAX + 1 + 10 <= TIPC_ORDER_ID_MAX, "ids fit");
_Static_assert(TIPC_JOURNAL_PREFIX_MAX < sizeof(((struct jhdr *)0)->prefix), "prefix fits");

struct tipc_journal {
    int fd;
    bool rdonly, has_logger;
    tipc_logger logger;
    char prefix[TIPC_JOURNAL_PREFIX_MAX + 1];
    size_t prefix_len;
    uint8_t *base;
    size_t map_len;
    uint64_t capacity, max_capacity;
    uint64_t count;  /* valid records */
    uint64_t synced; /* records flushed by the last sync */
    uint64_t *acked; /* bit n - 1: order n is settled; capacity bits */
    tipc_journal_stats st;
};

static const tipc_logger *
lg(const tipc_journal *j)
{
    return j->has_logger ? &j->logger : NULL;
}

static struct jrec *
rec(const tipc_journal *j, uint64_t i)
{
    return (struct jrec *)(void *)(j->base + HDR_SIZE + i * sizeof(struct jrec));
}

static size_t
file_size(uint64_t capacity)
{
    return HDR_SIZE + (size_t)capacity * sizeof(struct jrec);
}

static size_t
bitmap_bytes(uint64_t capacity)
{
    return (size_t)((capacity + 63) / 64) * sizeof(uint64_t);
}

static bool
is_acked(const tipc_journal *j, uint64_t n)
{
    return (j->acked[(n - 1) / 64] >> ((n - 1) % 64)) & 1u;
}

/* A word-at-a-time multiply-xorshift hash: about one multiply per 8 bytes. */
static uint64_t
rec_check(const struct jrec *r)
{
    const unsigned char *p = (const unsigned char *)r;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ sizeof *r;

    for (size_t i = 0; i < sizeof *r; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

/* n from "<prefix>-<n>", or 0 when id is not of that form. */
static uint64_t
id_seq(const tipc_journal *j, const char *id)
{
    size_t len = strnlen(id, TIPC_ORDER_ID_MAX + 1);
    uint64_t n = 0;

    if (len <= j->prefix_len + 1 || len > j->prefix_len + 11 ||
        memcmp(id, j->prefix, j->prefix_len) != 0 || id[j->prefix_len] != '-' ||
        id[j->prefix_len + 1] == '0')
        return 0;
    for (size_t i = j->prefix_len + 1; i < len; i++) {
        if (id[i] < '0' || id[i] > '9')
            return 0;
        n = n * 10 + (uint64_t)(id[i] - '0');
    }
    return n;
}

/* "<prefix>-<n>" into id; n has at most 10 digits here (n <= capacity, or
 * checked by the caller), which the static assert above makes fit. */
static void
format_id(const tipc_journal *j, uint64_t n, char id[TIPC_ORDER_ID_MAX + 1])
{
    size_t len = j->prefix_len;

    assert(n <= 9999999999ull);
    memcpy(id, j->prefix, len);
    id[len++] = '-';
    len += tipc__dec_u64(n, id + len);
    id[len] = '\0';
}

/* Whether the record at slot i, whose kind word is kind, is a valid next record. */
static bool
rec_is_valid(const tipc_journal *j, const struct jrec *slot, uint32_t kind)
{
    struct jrec r;
    char id[TIPC_ORDER_ID_MAX + 1];

    memcpy(&r, slot, sizeof r);
    r.kind = kind;
    uint64_t check = r.check;
    r.check = 0;
    if (rec_check(&r) != check)
        return false;
    if (kind == TIPC_JOURNAL_ORDER) {
        if (r.seq != j->st.orders + 1)
            return false;
        format_id(j, r.seq, id);
        return r.status == 0 && r.seq == j->st.orders + 1 &&
               strncmp(r.order.client_order_id, id, sizeof id) == 0;
    }
    return kind == TIPC_JOURNAL_ACK && r.seq >= 1 && r.seq <= j->st.orders &&
           (r.status == TIPC_ACK_ACCEPTED || r.status == TIPC_ACK_REJECTED);
}

static void
apply(tipc_journal *j, const struct jrec *r, uint32_t kind)
{
    if (kind == TIPC_JOURNAL_ORDER) {
        j->st.orders++;
    } else if (!is_acked(j, r->seq)) { /* a second ack of one order changes nothing */
        j->acked[(r->seq - 1) / 64] |= 1ull << ((r->seq - 1) % 64);
        j->st.acked++;
        if (r->status == TIPC_ACK_ACCEPTED)
            j->st.accepted++;
        else
            j->st.rejected++;
    }
    j->count++;
}

/* Read the records in order up to the first empty or invalid one. An invalid
 * one (a host crash) ends the journal: it and anything after it are cleared
 * so that later records cannot be mistaken for its successors. */
static void
recover(tipc_journal *j, const char *path)
{
    uint64_t i;

    for (i = 0; i < j->capacity; i++) {
        const struct jrec *r = rec(j, i);
        uint32_t kind = __atomic_load_n(&r->kind, __ATOMIC_ACQUIRE);
        if (kind == 0)
            break;
        if (!rec_is_valid(j, r, kind)) {
            j->st.torn = 1;
            break;
        }
        apply(j, r, kind);
    }
    j->st.recovered = j->count;
    if (j->st.torn) {
        tipc__log(lg(j), TIPC_LOG_WARN, COMPONENT,
                  "%s: record %llu is torn (a host crash?): the journal ends before it%s", path,
                  (unsigned long long)i, j->rdonly ? "" : "; cleared");
        for (; !j->rdonly && i < j->capacity; i++)
            if (__atomic_load_n(&rec(j, i)->kind, __ATOMIC_RELAXED) != 0)
                memset(rec(j, i), 0, sizeof(struct jrec));
    }
}

/* Give the file len bytes with their blocks reserved: a store into a sparse
 * page of the mapping on a full disk would be a SIGBUS, not an error. */
static int
reserve(tipc_journal *j, size_t len)
{
    int rc = posix_fallocate(j->fd, 0, (off_t)len);
    return -rc;
}

/* Map the file's current size, or the size for capacity records after
 * growing it to that (a new file, or one whose creator died early). */
static int
map_file(tipc_journal *j, uint64_t capacity, bool extend)
{
    size_t len = file_size(capacity);
    int rc;

    if (extend && (rc = reserve(j, len)) != 0)
        return rc;
    void *p = mmap(NULL, len, PROT_READ | (j->rdonly ? 0 : PROT_WRITE), MAP_SHARED, j->fd, 0);
    if (p == MAP_FAILED)
        return tipc__neg_errno();
    j->base = p;
    j->map_len = len;
    j->capacity = capacity;
    if ((j->acked = calloc(1, bitmap_bytes(capacity) ? bitmap_bytes(capacity) : 8)) == NULL)
        return TIPC_ENOMEM;
    return 0;
}

/* Check an existing header and size; *capacity is what the file holds. */
static int
check_header(tipc_journal *j, const struct jhdr *h, uint64_t size, uint64_t *capacity)
{
    if (h->magic != JOURNAL_MAGIC || h->version != JOURNAL_VERSION ||
        h->record_size != sizeof(struct jrec) || size < HDR_SIZE)
        return TIPC_EVERSION;
    if (strncmp(h->prefix, j->prefix, sizeof h->prefix) != 0)
        return TIPC_EEXIST;
    *capacity = (size - HDR_SIZE) / sizeof(struct jrec);
    return *capacity > j->max_capacity ? TIPC_ENOSPC : 0;
}

static int
init_file(tipc_journal *j, uint64_t capacity)
{
    int rc;

    if (ftruncate(j->fd, 0) != 0) /* drop what a creator that died early left */
        return tipc__neg_errno();
    if ((rc = map_file(j, capacity, true)) != 0)
        return rc;
    struct jhdr *h = (struct jhdr *)(void *)j->base;
    h->version = JOURNAL_VERSION;
    h->record_size = sizeof(struct jrec);
    h->created_ns = tipc_time_realtime_ns();
    memcpy(h->prefix, j->prefix, j->prefix_len + 1);
    __atomic_store_n(&h->magic, JOURNAL_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

static int
open_file(tipc_journal *j, const char *path, uint64_t capacity)
{
    struct jhdr h;
    struct stat sb;
    uint64_t have = 0;
    ssize_t got;
    int rc;

    j->fd = open(path, j->rdonly ? O_RDONLY | O_CLOEXEC : O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->fd < 0)
        return tipc__neg_errno();
    if (fstat(j->fd, &sb) != 0)
        return tipc__neg_errno();
    if (!S_ISREG(sb.st_mode))
        return TIPC_EINVAL;
    if (!j->rdonly && flock(j->fd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? TIPC_EBUSY : tipc__neg_errno();
    memset(&h, 0, sizeof h);
    got = pread(j->fd, &h, sizeof h, 0);
    if (got < 0)
        return tipc__neg_errno();
    /* New, or its creator died before finishing it (nothing else in it yet). */
    if (h.magic == 0 && !j->rdonly && (h.version == 0 || h.version == JOURNAL_VERSION) &&
        (h.record_size == 0 || h.record_size == sizeof(struct jrec)))
        return init_file(j, capacity);
    if ((size_t)got < sizeof h)
        return TIPC_EVERSION;
    if ((rc = check_header(j, &h, (uint64_t)sb.st_size, &have)) != 0)
        return rc;
    if (have == 0 && j->rdonly)
        return map_file(j, 0, false);
    return map_file(j, have == 0 ? capacity : have, have == 0);
}

int
tipc_journal_open(tipc_journal **out, const char *path, const char *prefix,
                  const tipc_journal_opts *opts)
{
    static const tipc_journal_opts defaults;
    tipc_journal *j;
    size_t plen;
    int rc;

    assert(out != NULL && path != NULL && prefix != NULL);
    if (opts == NULL)
        opts = &defaults;
    uint64_t max = opts->max_capacity ? opts->max_capacity : TIPC_JOURNAL_MAX_CAPACITY;
    uint64_t cap = opts->capacity ? opts->capacity : TIPC_JOURNAL_DEFAULT_CAPACITY;
    if (cap > max && opts->capacity == 0)
        cap = max;
    plen = strnlen(prefix, TIPC_JOURNAL_PREFIX_MAX + 1);
    if ((opts->flags & ~TIPC_JOURNAL_RDONLY) != 0 || plen == 0 || plen > TIPC_JOURNAL_PREFIX_MAX ||
        !tipc_order_id_is_valid(prefix, plen) || max > TIPC_JOURNAL_MAX_CAPACITY || cap > max)
        return TIPC_EINVAL;
    if ((j = calloc(1, sizeof *j)) == NULL)
        return TIPC_ENOMEM;
    j->fd = -1;
    j->rdonly = (opts->flags & TIPC_JOURNAL_RDONLY) != 0;
    j->max_capacity = max;
    memcpy(j->prefix, prefix, plen + 1);
    j->prefix_len = plen;
    if (opts->logger != NULL) {
        j->logger = *opts->logger;
        j->has_logger = true;
    }
    if ((rc = open_file(j, path, cap)) != 0) {
        tipc_journal_close(j);
        return rc;
    }
    recover(j, path);
    j->synced = j->count;
    if (j->count > 0)
        tipc__log(lg(j), TIPC_LOG_DEBUG, COMPONENT,
                  "%s: %llu orders, %llu unacknowledged, next id %s-%llu", path,
                  (unsigned long long)j->st.orders,
                  (unsigned long long)(j->st.orders - j->st.acked), j->prefix,
                  (unsigned long long)j->st.orders + 1);
    *out = j;
    return 0;
}

void
tipc_journal_close(tipc_journal *j)
{
    if (j == NULL)
        return;
    if (j->base != NULL)
        munmap(j->base, j->map_len);
    if (j->fd >= 0)
        close(j->fd); /* also drops the flock */
    free(j->acked);
    free(j);
}

/* Double the file (up to max_capacity): the one path that makes system calls. */
static int
grow(tipc_journal *j)
{
    uint64_t cap = j->capacity * 2 > j->max_capacity ? j->max_capacity : j->capacity * 2;
    size_t len = file_size(cap);

    if (cap <= j->capacity)
        return TIPC_ENOSPC;
    uint64_t *bits = realloc(j->acked, bitmap_bytes(cap));
    if (bits == NULL)
        return TIPC_ENOMEM;
    memset((uint8_t *)bits + bitmap_bytes(j->capacity), 0,
           bitmap_bytes(cap) - bitmap_bytes(j->capacity));
    j->acked = bits;
    int rc = reserve(j, len);
    if (rc != 0)
        return rc;
    void *p = mremap(j->base, j->map_len, len, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) {
        rc = tipc__neg_errno();
        tipc__log(lg(j), TIPC_LOG_ERROR, COMPONENT, "cannot grow to %llu records: %s",
                  (unsigned long long)cap, tipc_strerror(rc));
        return rc;
    }
    j->base = p;
    j->map_len = len;
    j->capacity = cap;
    j->st.grows++;
    return 0;
}

/* Write r into the next slot: body and checksum first, the kind word last. */
static int
append(tipc_journal *j, struct jrec *r)
{
    int rc;

    if (j->rdonly)
        return TIPC_ESTATE;
    if (j->count == j->capacity && (rc = grow(j)) != 0)
        return rc;
    uint32_t kind = r->kind;
    r->time_ns = tipc_time_realtime_ns();
    r->check = 0;
    r->check = rec_check(r);
    struct jrec *slot = rec(j, j->count);
    memcpy((uint8_t *)slot + sizeof slot->kind, (const uint8_t *)r + sizeof r->kind,
           sizeof *r - sizeof r->kind);
    __atomic_store_n(&slot->kind, kind, __ATOMIC_RELEASE);
    apply(j, r, kind);
    return 0;
}

int
tipc_journal_add_order(tipc_journal *j, tipc_order *o)
{
    struct jrec r;
    int rc;

    assert(j != NULL && o != NULL);
    memset(&r, 0, sizeof r);
    r.kind = TIPC_JOURNAL_ORDER;
    r.seq = j->st.orders + 1;
    r.order = *o;
    format_id(j, r.seq, r.order.client_order_id);
    if ((rc = append(j, &r)) != 0)
        return rc;
    memcpy(o->client_order_id, r.order.client_order_id, sizeof o->client_order_id);
    return 0;
}

int
tipc_journal_add_ack(tipc_journal *j, const char *client_order_id, tipc_ack_status status)
{
    struct jrec r;
    uint64_t n;

    assert(j != NULL && client_order_id != NULL);
    if (status != TIPC_ACK_ACCEPTED && status != TIPC_ACK_REJECTED)
        return TIPC_EINVAL;
    if ((n = id_seq(j, client_order_id)) == 0 || n > j->st.orders)
        return TIPC_ENOENT;
    if (is_acked(j, n))
        return TIPC_EDUP;
    memset(&r, 0, sizeof r);
    r.kind = TIPC_JOURNAL_ACK;
    r.status = (uint32_t)status;
    r.seq = n;
    format_id(j, n, r.order.client_order_id);
    return append(j, &r);
}

int
tipc_journal_next_unacked(const tipc_journal *j, uint64_t *pos, tipc_order *out)
{
    assert(j != NULL && pos != NULL && out != NULL);
    for (uint64_t i = *pos; i < j->count; i++) {
        const struct jrec *r = rec(j, i);
        if (r->kind == TIPC_JOURNAL_ORDER && !is_acked(j, r->seq)) {
            *out = r->order;
            *pos = i + 1;
            return 1;
        }
    }
    *pos = j->count;
    return 0;
}

int
tipc_journal_next(const tipc_journal *j, uint64_t *pos, tipc_journal_record *out)
{
    assert(j != NULL && pos != NULL && out != NULL);
    if (*pos >= j->count)
        return 0;
    const struct jrec *r = rec(j, (*pos)++);
    memset(out, 0, sizeof *out);
    out->kind = (tipc_journal_kind)r->kind;
    out->status = (tipc_ack_status)r->status;
    out->seq = r->seq;
    out->time_ns = r->time_ns;
    out->order = r->order;
    return 1;
}

int
tipc_journal_sync(tipc_journal *j)
{
    assert(j != NULL);
    if (j->rdonly)
        return TIPC_ESTATE;
    if (j->synced == j->count)
        return 0;
    /* From the page holding the first unsynced record (the header on the
     * first sync of a new file) to the end of the last record. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t from = j->synced == 0 ? 0 : HDR_SIZE + (size_t)j->synced * sizeof(struct jrec);
    size_t to = HDR_SIZE + (size_t)j->count * sizeof(struct jrec);
    from -= from % page;
    if (msync(j->base + from, to - from, MS_SYNC) != 0)
        return tipc__neg_errno();
    j->synced = j->count;
    j->st.syncs++;
    return 0;
}

void
tipc_journal_get_stats(const tipc_journal *j, tipc_journal_stats *out)
{
    assert(j != NULL && out != NULL);
    *out = j->st;
    out->records = j->count;
    out->capacity = j->capacity;
}
