/* SPDX-License-Identifier: MIT */
/*
 * Shared books: a symbol -> value table in one POSIX shared memory object,
 * one writer, any number of reader processes. The creator fills the segment
 * in and publishes the layout version last; readers map it read-only except
 * for one page holding the futex word. The layout is pinned by the
 * _Static_asserts below and drawn in doc/tipc_book.3.
 *
 * Memory ordering. Each 64-byte slot is a seqlock. The writer stores seq+1
 * (odd: writing), issues a release fence so the data stores cannot be seen
 * before the odd seq, stores the data, then release-stores seq+2; it takes
 * seq and the update count from its private copy (struct slot_shadow), never
 * from the slot a reader may be spinning on. A reader
 * acquire-loads seq (odd: retry), copies the data, issues an acquire fence so
 * the copy is complete before it looks again, and relaxed-reloads seq: equal
 * means the copy is a snapshot of one write. After TIPC_BOOK_READ_TRIES
 * failures it returns TIPC_EAGAIN rather than spin on a writer that died
 * mid-write. The data copy is a plain memcpy racing with plain stores, which
 * is formally a C11 data race, as in every seqlock; the fences make it
 * correct on the hardware and compilers we build for, and a racy copy is
 * always discarded because seq moved. Symbols are written before the
 * release-store of the symbol count and of the hash cell that names them, so
 * an acquire load of either makes the name visible. The change counter is
 * release-stored after the slot and the ring entry, so a reader that sees a
 * count also sees what it counts. Sleepers set bit 31 of the futex word with
 * a CAS; the writer exchanges the word on every set and calls FUTEX_WAKE only
 * when the old value had that bit. Both are read-modify-writes on one word,
 * so a sleeper's bit is never lost, and a reader killed while asleep costs
 * the writer one wake, not one per set forever (as a waiter count would).
 */
#include "tipc_int.h"

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BOOK_MAGIC 0x4b425054u /* "TPBK" read as a little-endian u32 */
#define BOOK_SYM 16u           /* symbol bytes in a slot, NUL-padded */
#define BOOK_WAKE_OFF 65536u   /* own page for 4, 16 and 64 KiB pages */
#define BOOK_RING_OFF 131072u
#define BOOK_HASH_OFF (BOOK_RING_OFF + TIPC_BOOK_RING * 8u)
#define BOOK_HASH_MIN 16u
#define BOOK_WAKE_BIT 0x80000000u

struct book_hdr {
    /* Written by the creator before version is published, then constant. */
    uint32_t magic;
    _Atomic uint32_t version;
    uint32_t kind;
    uint32_t capacity;
    uint32_t hash_cap;
    uint32_t ring_cap;
    uint64_t segment_size;
    uint64_t created_ns;
    uint64_t reserved0[3];
    /* Sets since creation; also the head of the change ring. */
    _Alignas(TIPC_CACHELINE) _Atomic uint64_t changes;
    /* Written by the writer only when symbols are added or a writer takes over. */
    _Alignas(TIPC_CACHELINE) _Atomic uint32_t nsymbols;
    _Atomic uint32_t generation;
    _Atomic int32_t writer_pid;
    _Atomic uint32_t repaired;
};

struct book_slot {
    _Atomic uint64_t seq;
    tipc_level level;
    char symbol[BOOK_SYM];
    uint64_t reserved;
};

_Static_assert(sizeof(tipc_level) == 32, "tipc_level is part of the segment layout");
_Static_assert(offsetof(tipc_level, source_ns) == 8 && offsetof(tipc_level, update_ns) == 16 &&
                   offsetof(tipc_level, updates) == 24,
               "tipc_level field offsets are part of the segment layout");
_Static_assert(offsetof(struct book_hdr, version) == 4 && offsetof(struct book_hdr, kind) == 8 &&
                   offsetof(struct book_hdr, capacity) == 12 &&
                   offsetof(struct book_hdr, hash_cap) == 16 &&
                   offsetof(struct book_hdr, ring_cap) == 20 &&
                   offsetof(struct book_hdr, segment_size) == 24 &&
                   offsetof(struct book_hdr, created_ns) == 32,
               "header field offsets are part of the layout");
_Static_assert(offsetof(struct book_hdr, changes) == TIPC_CACHELINE,
               "the change counter must start its own cache line");
_Static_assert(offsetof(struct book_hdr, nsymbols) == 2 * TIPC_CACHELINE &&
                   offsetof(struct book_hdr, generation) == 2 * TIPC_CACHELINE + 4 &&
                   offsetof(struct book_hdr, writer_pid) == 2 * TIPC_CACHELINE + 8 &&
                   offsetof(struct book_hdr, repaired) == 2 * TIPC_CACHELINE + 12,
               "writer-state offsets are part of the layout");
_Static_assert(sizeof(struct book_hdr) == 3 * TIPC_CACHELINE, "header is three cache lines");
_Static_assert(sizeof(struct book_slot) == TIPC_CACHELINE, "a slot is one cache line");
_Static_assert(offsetof(struct book_slot, level) == 8 && offsetof(struct book_slot, symbol) == 40,
               "slot field offsets are part of the layout");
_Static_assert(BOOK_SYM == TIPC_SYMBOL_MAX + 1, "a slot holds the longest symbol and its NUL");
_Static_assert((TIPC_BOOK_RING & (TIPC_BOOK_RING - 1)) == 0, "the ring size is a power of two");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && sizeof(_Atomic uint32_t) == 4,
               "atomics in shared memory are plain words");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
               "atomics shared between processes must be lock-free");

/* The writer's private copy of a slot's seq and updates. set never reads
 * the shared slot: a reader spinning on it holds the line shared, and a
 * read before the write would cost a second transfer (read, then upgrade)
 * on the path every reader is waiting on. */
struct slot_shadow {
    uint64_t seq;
    uint64_t updates;
};

struct tipc_book {
    struct book_hdr *hdr;
    _Atomic uint32_t *wake;
    _Atomic uint64_t *ring;
    _Atomic uint64_t *hash;
    struct book_slot *slots;
    struct slot_shadow *shadow; /* writer only: capacity entries */
    void *base;
    size_t size;
    uint32_t capacity;
    uint32_t hash_mask;
    uint32_t count;   /* writer: the published count; reader: a cache, refreshed on a miss */
    uint64_t changes; /* writer: the counter it last published */
    int32_t pid;      /* writer: its pid as stored in the header */
    bool writer;
    tipc_book_kind kind;
};

struct book_layout {
    uint32_t hash_cap;
    uint64_t slots_off;
    uint64_t size;
};

static void
book_layout(uint32_t capacity, struct book_layout *l)
{
    uint32_t h = BOOK_HASH_MIN;

    while (h < 2u * (uint64_t)capacity)
        h <<= 1;
    l->hash_cap = h;
    l->slots_off = BOOK_HASH_OFF + (uint64_t)h * 8u;
    l->size = l->slots_off + (uint64_t)capacity * sizeof(struct book_slot);
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

static inline uint64_t
now_realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The word the kernel compares and the one the writer exchanges: bit 31 is
 * "someone may be asleep", bits 0..30 follow the change counter. */
static inline uint32_t
wake_value(uint64_t changes)
{
    return (uint32_t)changes & ~BOOK_WAKE_BIT;
}

static int
futex_wait_until(_Atomic uint32_t *addr, uint32_t expect, const struct timespec *abs_monotonic)
{
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline; no
     * FUTEX_PRIVATE_FLAG because sleepers and the writer are different
     * processes. */
    long r = syscall(SYS_futex, addr, FUTEX_WAIT_BITSET, expect, abs_monotonic, NULL,
                     FUTEX_BITSET_MATCH_ANY);
    return r == 0 ? 0 : tipc__neg_errno();
}

static void
futex_wake_all(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int
check_name(const char *name, char *why, size_t whylen)
{
    size_t len;

    if (name == NULL || name[0] != '/' || name[1] == '\0' || strchr(name + 1, '/') != NULL) {
        tipc__why(why, whylen, "shm name must be \"/\" followed by 1..%d bytes without \"/\"",
                  NAME_MAX);
        return TIPC_EINVAL;
    }
    len = strlen(name + 1);
    if (len > NAME_MAX) {
        tipc__why(why, whylen, "shm name longer than %d bytes", NAME_MAX);
        return TIPC_ENAMETOOLONG;
    }
    return 0;
}

static int
check_kind(tipc_book_kind kind)
{
    return kind == TIPC_BOOK_PRICES || kind == TIPC_BOOK_NEWS;
}

static const char *
kind_name(uint32_t kind)
{
    return kind == TIPC_BOOK_PRICES ? "prices" : kind == TIPC_BOOK_NEWS ? "news" : "unknown";
}

/* Validate a symbol and copy it NUL-padded into key. */
static int
symbol_key(const char *symbol, char key[BOOK_SYM])
{
    size_t i;

    if (symbol == NULL)
        return TIPC_EINVAL;
    memset(key, 0, BOOK_SYM);
    for (i = 0; symbol[i] != '\0'; i++) {
        unsigned char c = (unsigned char)symbol[i];
        if (i == TIPC_SYMBOL_MAX)
            return TIPC_ENAMETOOLONG;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return TIPC_EINVAL;
        key[i] = (char)c;
    }
    return i == 0 ? TIPC_EINVAL : 0;
}

/* FNV-1a. Symbols come from the trusted writer, so no seed is needed, and
 * every process must compute the same hash. */
static uint32_t
symbol_hash(const char key[BOOK_SYM])
{
    uint32_t h = 2166136261u;

    for (unsigned i = 0; i < BOOK_SYM && key[i] != '\0'; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    return h;
}

/* Probe the open-addressing index. Bounded by the table size and by the
 * capacity, so a corrupt segment cannot make a reader loop or read outside
 * its mapping. *free_cell gets the first empty cell on a miss. */
static int
hash_find(const tipc_book *b, const char key[BOOK_SYM], uint32_t h, uint32_t *index,
          uint32_t *free_cell)
{
    *free_cell = UINT32_MAX;
    for (uint32_t i = 0; i <= b->hash_mask; i++) {
        uint32_t cell = (h + i) & b->hash_mask;
        uint64_t e = atomic_load_explicit(&b->hash[cell], memory_order_acquire);
        if (e == 0) {
            *free_cell = cell;
            return TIPC_ENOENT;
        }
        if ((uint32_t)(e >> 32) == h) {
            uint32_t idx = (uint32_t)e - 1u;
            if (idx < b->capacity && memcmp(b->slots[idx].symbol, key, BOOK_SYM) == 0) {
                *index = idx;
                return 0;
            }
        }
    }
    return TIPC_ENOENT;
}

static void
hash_insert(tipc_book *b, uint32_t cell, uint32_t h, uint32_t idx)
{
    atomic_store_explicit(&b->hash[cell], ((uint64_t)h << 32) | (idx + 1u), memory_order_release);
}

static void
book_bind(tipc_book *b, void *base, size_t size, uint32_t capacity, tipc_book_kind kind)
{
    struct book_layout l;

    book_layout(capacity, &l);
    b->base = base;
    b->size = size;
    b->hdr = base;
    b->wake = (_Atomic uint32_t *)((char *)base + BOOK_WAKE_OFF);
    b->ring = (_Atomic uint64_t *)((char *)base + BOOK_RING_OFF);
    b->hash = (_Atomic uint64_t *)((char *)base + BOOK_HASH_OFF);
    b->slots = (struct book_slot *)((char *)base + l.slots_off);
    b->capacity = capacity;
    b->hash_mask = l.hash_cap - 1u;
    b->kind = kind;
}

/* Check the header of a mapped segment of st_size bytes against what the
 * caller wants. The version is loaded first, with acquire, so the fields
 * behind it are the creator's finished ones. */
static int
check_header(const struct book_hdr *hdr, uint64_t st_size, tipc_book_kind kind, uint32_t capacity,
             char *why, size_t whylen)
{
    uint32_t version = atomic_load_explicit(&hdr->version, memory_order_acquire);
    struct book_layout l;

    if (version == 0 && (hdr->magic == 0 || hdr->magic == BOOK_MAGIC)) {
        tipc__why(why, whylen, "segment not initialised yet");
        return TIPC_ENOTREADY;
    }
    if (hdr->magic != BOOK_MAGIC) {
        tipc__why(why, whylen, "bad magic 0x%08x: not a book", hdr->magic);
        return TIPC_EVERSION;
    }
    if (version != TIPC_BOOK_LAYOUT_VERSION) {
        tipc__why(why, whylen, "layout version %u, this library reads %u", version,
                  TIPC_BOOK_LAYOUT_VERSION);
        return TIPC_EVERSION;
    }
    if (hdr->kind != (uint32_t)kind) {
        tipc__why(why, whylen, "segment holds a %s book, not a %s book", kind_name(hdr->kind),
                  kind_name(kind));
        return TIPC_EVERSION;
    }
    if (hdr->capacity == 0 || hdr->capacity > TIPC_BOOK_MAX_CAPACITY ||
        (capacity != 0 && hdr->capacity != capacity)) {
        tipc__why(why, whylen, "segment capacity %u, wanted %u", hdr->capacity, capacity);
        return TIPC_EVERSION;
    }
    book_layout(hdr->capacity, &l);
    if (hdr->hash_cap != l.hash_cap || hdr->ring_cap != TIPC_BOOK_RING) {
        tipc__why(why, whylen, "index sizes %u/%u do not match capacity %u", hdr->hash_cap,
                  hdr->ring_cap, hdr->capacity);
        return TIPC_EVERSION;
    }
    if (hdr->segment_size != l.size || st_size != l.size) {
        tipc__why(why, whylen, "segment is %llu bytes, capacity %u needs %llu",
                  (unsigned long long)st_size, hdr->capacity, (unsigned long long)l.size);
        return TIPC_EVERSION;
    }
    if (atomic_load_explicit(&hdr->nsymbols, memory_order_acquire) > hdr->capacity) {
        tipc__why(why, whylen, "symbol count exceeds capacity");
        return TIPC_EVERSION;
    }
    return 0;
}

static bool
writer_alive(int32_t pid)
{
    if (pid <= 0)
        return false;
    if (pid == (int32_t)getpid())
        return true;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* Fill in a segment whose data areas are all zero, publishing version last. */
static void
init_segment(tipc_book *b, const struct book_layout *l)
{
    struct book_hdr *hdr = b->hdr;

    hdr->magic = BOOK_MAGIC;
    hdr->kind = (uint32_t)b->kind;
    hdr->capacity = b->capacity;
    hdr->hash_cap = l->hash_cap;
    hdr->ring_cap = TIPC_BOOK_RING;
    hdr->segment_size = l->size;
    hdr->created_ns = now_realtime_ns();
    atomic_store_explicit(&hdr->generation, 1, memory_order_relaxed);
    atomic_store_explicit(&hdr->writer_pid, b->pid, memory_order_relaxed);
    atomic_store_explicit(&hdr->version, TIPC_BOOK_LAYOUT_VERSION, memory_order_release);
}

/* Make a book left by a dead writer usable again. Readers may be attached,
 * so every step is one they can observe at any point. */
static void
repair_segment(tipc_book *b)
{
    struct book_hdr *hdr = b->hdr;
    uint32_t repaired = 0;

    b->count = atomic_load_explicit(&hdr->nsymbols, memory_order_acquire);
    for (uint32_t i = 0; i < b->count; i++) {
        struct book_slot *s = &b->slots[i];
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
        char key[BOOK_SYM];
        uint32_t idx, cell;

        if (seq & 1u) {
            /* Died mid-write: the fields may mix two values. Count it as an
             * update so readers that saw the old one read it again. */
            s->level.updates++;
            atomic_store_explicit(&s->seq, ++seq, memory_order_release);
            repaired++;
        }
        b->shadow[i].seq = seq;
        b->shadow[i].updates = s->level.updates;
        /* Died between publishing the count and the hash cell. */
        memcpy(key, s->symbol, BOOK_SYM);
        key[BOOK_SYM - 1] = '\0';
        if (key[0] != '\0' && hash_find(b, key, symbol_hash(key), &idx, &cell) == TIPC_ENOENT &&
            cell != UINT32_MAX)
            hash_insert(b, cell, symbol_hash(key), i);
    }
    b->changes = atomic_load_explicit(&hdr->changes, memory_order_acquire);
    if (atomic_exchange_explicit(b->wake, wake_value(b->changes), memory_order_seq_cst) &
        BOOK_WAKE_BIT)
        futex_wake_all(b->wake);
    atomic_store_explicit(&hdr->repaired, repaired, memory_order_relaxed);
    atomic_fetch_add_explicit(&hdr->generation, 1, memory_order_release);
}

/* The segment exists: take it over, re-initialise it if its creator died
 * before publishing it, or refuse. fd is open O_RDWR. Nothing is modified
 * until the checks have passed and the writer pid has been claimed. */
static int
attach_existing(tipc_book **out, int fd, tipc_book_kind kind, uint32_t capacity, unsigned flags,
                const struct book_layout *l, char *why, size_t whylen)
{
    struct book_layout largest;
    struct stat st;
    void *base = NULL;
    size_t mapped = 0;
    tipc_book *b;
    int32_t pid = 0, me = (int32_t)getpid();
    bool force = (flags & TIPC_BOOK_TAKEOVER) != 0;
    int rc = TIPC_ENOTREADY;

    /* Allocated first: once the pid is claimed, nothing may fail. */
    b = calloc(1, sizeof *b);
    if (b == NULL || (b->shadow = calloc(capacity, sizeof *b->shadow)) == NULL) {
        free(b);
        return TIPC_ENOMEM;
    }
    if (fstat(fd, &st) != 0) {
        rc = tipc__neg_errno();
        goto fail;
    }
    book_layout(TIPC_BOOK_MAX_CAPACITY, &largest);
    if (st.st_size == 0) {
        tipc__why(why, whylen, "segment exists but is empty (creator still starting?)");
    } else {
        if ((uint64_t)st.st_size < sizeof(struct book_hdr) || (uint64_t)st.st_size > largest.size) {
            tipc__why(why, whylen, "segment of %lld bytes is not a book", (long long)st.st_size);
            rc = TIPC_EVERSION;
            goto fail;
        }
        mapped = (size_t)st.st_size;
        base = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (base == MAP_FAILED) {
            base = NULL;
            rc = tipc__neg_errno();
            goto fail;
        }
        rc = check_header(base, (uint64_t)st.st_size, kind, capacity, why, whylen);
        pid = atomic_load_explicit(&((struct book_hdr *)base)->writer_pid, memory_order_acquire);
    }
    if (rc == TIPC_ENOTREADY) {
        /* Never published, so no reader is attached: start over if its
         * creator is gone. Zero it by punching a hole rather than
         * truncating, so a reader checking the header meanwhile cannot
         * fault on a vanished page. */
        if (!force && (pid == 0 || writer_alive(pid)))
            goto fail;
        if (base != NULL) {
            if (!atomic_compare_exchange_strong(&((struct book_hdr *)base)->writer_pid, &pid, me)) {
                tipc__why(why, whylen, "another creator claimed the segment first");
                rc = TIPC_EBUSY;
                goto fail;
            }
            munmap(base, mapped);
            base = NULL;
        }
        mapped = l->size;
        if (ftruncate(fd, (off_t)l->size) != 0 ||
            (base = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
            base = NULL;
            rc = tipc__neg_errno();
            goto fail;
        }
        if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)l->size) != 0)
            memset(base, 0, mapped);
    } else if (rc != 0) {
        goto fail;
    } else if (!force && writer_alive(pid)) {
        tipc__why(why, whylen, "writer pid %d is alive", (int)pid);
        rc = TIPC_EBUSY;
        goto fail;
    } else if (!atomic_compare_exchange_strong(&((struct book_hdr *)base)->writer_pid, &pid, me)) {
        tipc__why(why, whylen, "pid %d took the book over first", (int)pid);
        rc = TIPC_EBUSY;
        goto fail;
    }
    book_bind(b, base, mapped, capacity, kind);
    b->writer = true;
    b->pid = me;
    if (rc == TIPC_ENOTREADY)
        init_segment(b, l);
    else
        repair_segment(b);
    *out = b;
    return 0;
fail:
    if (base != NULL)
        munmap(base, mapped);
    free(b->shadow);
    free(b);
    return rc;
}

int
tipc_book_create_ex(tipc_book **out, const char *name, tipc_book_kind kind, uint32_t capacity,
                    unsigned flags, char *why, size_t whylen)
{
    struct book_layout l;
    void *base;
    tipc_book *b;
    int fd, rc;

    assert(out != NULL);
    if ((rc = check_name(name, why, whylen)) != 0)
        return rc;
    if (!check_kind(kind) || capacity == 0 || capacity > TIPC_BOOK_MAX_CAPACITY ||
        (flags & ~TIPC_BOOK_TAKEOVER) != 0) {
        tipc__why(why, whylen, "bad kind, capacity (1..%u) or flags", TIPC_BOOK_MAX_CAPACITY);
        return TIPC_EINVAL;
    }
    book_layout(capacity, &l);
    for (int attempt = 0;; attempt++) {
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd >= 0)
            break;
        if (errno != EEXIST)
            return tipc__neg_errno();
        fd = shm_open(name, O_RDWR, 0);
        if (fd >= 0) {
            rc = attach_existing(out, fd, kind, capacity, flags, &l, why, whylen);
            close(fd);
            return rc;
        }
        /* Unlinked between the two opens: try to create it again. */
        if (errno != ENOENT || attempt == 3)
            return tipc__neg_errno();
    }
    /* The umask may have cleared bits; make the mode exactly 0600. */
    if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)l.size) != 0) {
        rc = tipc__neg_errno();
        goto fail_unlink;
    }
    base = mmap(NULL, l.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = tipc__neg_errno();
        goto fail_unlink;
    }
    b = calloc(1, sizeof *b);
    if (b == NULL || (b->shadow = calloc(capacity, sizeof *b->shadow)) == NULL) {
        free(b);
        munmap(base, l.size);
        rc = TIPC_ENOMEM;
        goto fail_unlink;
    }
    close(fd);
    book_bind(b, base, l.size, capacity, kind);
    b->writer = true;
    b->pid = (int32_t)getpid();
    init_segment(b, &l);
    *out = b;
    return 0;
fail_unlink:
    tipc__why(why, whylen, "creating the segment: %s", tipc_strerror(rc));
    shm_unlink(name);
    close(fd);
    return rc;
}

int
tipc_book_create(tipc_book **out, const char *name, tipc_book_kind kind, uint32_t capacity,
                 unsigned flags)
{
    return tipc_book_create_ex(out, name, kind, capacity, flags, NULL, 0);
}

int
tipc_book_open_ex(tipc_book **out, const char *name, tipc_book_kind kind, char *why, size_t whylen)
{
    struct book_layout smallest, largest;
    struct stat st;
    void *base;
    tipc_book *b;
    long page = sysconf(_SC_PAGESIZE);
    int fd, rc;

    assert(out != NULL);
    if ((rc = check_name(name, why, whylen)) != 0)
        return rc;
    if (!check_kind(kind)) {
        tipc__why(why, whylen, "bad kind %d", (int)kind);
        return TIPC_EINVAL;
    }
    if (page <= 0 || BOOK_WAKE_OFF % (unsigned long)page != 0) {
        tipc__why(why, whylen, "page size %ld does not divide the layout", page);
        return TIPC_EINVAL;
    }
    /* Read-write only so the futex page can be mapped writable; the data
     * mapping below is read-only. */
    fd = shm_open(name, O_RDWR, 0);
    if (fd < 0)
        return tipc__neg_errno();
    if (fstat(fd, &st) != 0) {
        rc = tipc__neg_errno();
        goto out_fd;
    }
    book_layout(1, &smallest);
    book_layout(TIPC_BOOK_MAX_CAPACITY, &largest);
    if (st.st_size == 0) {
        tipc__why(why, whylen, "segment exists but is empty (creator still starting?)");
        rc = TIPC_ENOTREADY;
        goto out_fd;
    }
    if ((uint64_t)st.st_size < smallest.size || (uint64_t)st.st_size > largest.size) {
        tipc__why(why, whylen, "segment of %lld bytes cannot be a book", (long long)st.st_size);
        rc = TIPC_EVERSION;
        goto out_fd;
    }
    base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = tipc__neg_errno();
        goto out_fd;
    }
    rc = check_header(base, (uint64_t)st.st_size, kind, 0, why, whylen);
    if (rc == 0 &&
        mmap((char *)base + BOOK_WAKE_OFF, BOOK_RING_OFF - BOOK_WAKE_OFF, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_FIXED, fd, BOOK_WAKE_OFF) == MAP_FAILED)
        rc = tipc__neg_errno();
    if (rc == 0) {
        const struct book_hdr *hdr = base;
        b = calloc(1, sizeof *b);
        if (b != NULL) {
            book_bind(b, base, (size_t)st.st_size, hdr->capacity, kind);
            b->count = atomic_load_explicit(&hdr->nsymbols, memory_order_acquire);
            *out = b;
            goto out_fd;
        }
        rc = TIPC_ENOMEM;
    }
    munmap(base, (size_t)st.st_size);
out_fd:
    close(fd);
    return rc;
}

int
tipc_book_open(tipc_book **out, const char *name, tipc_book_kind kind)
{
    return tipc_book_open_ex(out, name, kind, NULL, 0);
}

void
tipc_book_close(tipc_book *b)
{
    if (b == NULL)
        return;
    /* Only the writer process itself gives the book up: a forked child
     * closing an inherited handle must not. */
    if (b->writer && b->pid == (int32_t)getpid()) {
        int32_t me = b->pid;
        atomic_compare_exchange_strong(&b->hdr->writer_pid, &me, 0);
    }
    munmap(b->base, b->size);
    free(b->shadow);
    free(b);
}

int
tipc_book_unlink(const char *name)
{
    int rc = check_name(name, NULL, 0);

    if (rc != 0)
        return rc;
    return shm_unlink(name) == 0 ? 0 : tipc__neg_errno();
}

/* A writer must still own the book: if a takeover happened, it must stop. */
static inline int
writer_check(const tipc_book *b)
{
    if (TIPC_UNLIKELY(!b->writer))
        return TIPC_EPERM;
    if (TIPC_UNLIKELY(atomic_load_explicit(&b->hdr->writer_pid, memory_order_relaxed) != b->pid))
        return TIPC_ESTALE;
    return 0;
}

int
tipc_book_add_symbol(tipc_book *b, const char *symbol, uint32_t *index)
{
    char key[BOOK_SYM];
    uint32_t h, idx, cell;
    int rc;

    assert(b != NULL && index != NULL);
    if ((rc = writer_check(b)) != 0 || (rc = symbol_key(symbol, key)) != 0)
        return rc;
    h = symbol_hash(key);
    if (hash_find(b, key, h, index, &cell) == 0)
        return 0;
    if (b->count >= b->capacity || cell == UINT32_MAX)
        return TIPC_ENOSPC;
    idx = b->count;
    memcpy(b->slots[idx].symbol, key, BOOK_SYM);
    atomic_store_explicit(&b->hdr->nsymbols, idx + 1u, memory_order_release);
    b->count = idx + 1u;
    hash_insert(b, cell, h, idx);
    *index = idx;
    return 0;
}

int
tipc_book_lookup(const tipc_book *b, const char *symbol, uint32_t *index)
{
    char key[BOOK_SYM];
    uint32_t cell;
    int rc;

    assert(b != NULL && index != NULL);
    if ((rc = symbol_key(symbol, key)) != 0)
        return rc;
    return hash_find(b, key, symbol_hash(key), index, &cell);
}

uint32_t
tipc_book_symbol_count(const tipc_book *b)
{
    uint32_t n = atomic_load_explicit(&b->hdr->nsymbols, memory_order_acquire);

    return n < b->capacity ? n : b->capacity;
}

int
tipc_book_symbol_name(const tipc_book *b, uint32_t index, char *buf, size_t cap)
{
    const char *sym;
    size_t len;

    assert(b != NULL && (buf != NULL || cap == 0));
    if (index >= tipc_book_symbol_count(b))
        return TIPC_ERANGE;
    sym = b->slots[index].symbol;
    len = strnlen(sym, BOOK_SYM - 1);
    if (len + 1 > cap)
        return TIPC_ENOSPC;
    memcpy(buf, sym, len);
    buf[len] = '\0';
    return (int)len;
}

/* Ask for the slot's cache line for writing. On x86 PREFETCHW; CPUs without
 * it (Intel before Broadwell) execute it as a NOP. */
static inline void
prefetch_for_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p, 1, 3);
#endif
}

/* stamp: take update_ns from CLOCK_REALTIME here, once the slot's cache line
 * has been asked for: the clock read (tens of ns under a hypervisor) then
 * overlaps the line's transfer from a reader spinning on it. The slot is only
 * written, never read (struct slot_shadow). */
static inline int
book_set(tipc_book *b, uint32_t index, int64_t value, uint64_t source_ns, uint64_t update_ns,
         bool stamp)
{
    struct book_slot *s;
    struct slot_shadow *sh;
    uint64_t seq, pos;
    tipc_level lv;
    int rc;

    assert(b != NULL);
    if ((rc = writer_check(b)) != 0)
        return rc;
    if (TIPC_UNLIKELY(index >= b->count))
        return TIPC_ERANGE;
    if (b->kind == TIPC_BOOK_NEWS && (value < TIPC_SENTIMENT_MIN || value > TIPC_SENTIMENT_MAX))
        return TIPC_EBADVAL;
    s = &b->slots[index];
    prefetch_for_write(s);
    if (stamp)
        update_ns = now_realtime_ns();
    sh = &b->shadow[index];
    lv.value = value;
    lv.source_ns = source_ns;
    lv.update_ns = update_ns;
    lv.updates = ++sh->updates;

    seq = sh->seq;
    sh->seq = seq + 2u;
    atomic_store_explicit(&s->seq, seq + 1u, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    s->level = lv;
    atomic_store_explicit(&s->seq, seq + 2u, memory_order_release);

    pos = b->changes;
    atomic_store_explicit(&b->ring[pos & (TIPC_BOOK_RING - 1u)], (pos << 32) | index,
                          memory_order_relaxed);
    atomic_store_explicit(&b->hdr->changes, pos + 1u, memory_order_release);
    b->changes = pos + 1u;
    if (TIPC_UNLIKELY(
            atomic_exchange_explicit(b->wake, wake_value(pos + 1u), memory_order_seq_cst) &
            BOOK_WAKE_BIT))
        futex_wake_all(b->wake);
    return 0;
}

int
tipc_book_set(tipc_book *b, uint32_t index, int64_t value, uint64_t source_ns)
{
    return book_set(b, index, value, source_ns, 0, true);
}

int
tipc_book_set_at(tipc_book *b, uint32_t index, int64_t value, uint64_t source_ns,
                 uint64_t update_ns)
{
    return book_set(b, index, value, source_ns, update_ns, false);
}

/* The seqlock read of rule 16: copy out, never return a pointer. */
static inline int
slot_copy(tipc_book *b, uint32_t index, tipc_level *out)
{
    const struct book_slot *s;

    if (TIPC_UNLIKELY(index >= b->count)) {
        b->count = tipc_book_symbol_count(b);
        if (index >= b->count)
            return TIPC_ERANGE;
    }
    s = &b->slots[index];
    for (int tries = 0; tries < TIPC_BOOK_READ_TRIES; tries++) {
        uint64_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (s1 & 1u) {
            cpu_relax();
            continue;
        }
        memcpy(out, &s->level, sizeof *out);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1)
            return 0;
    }
    return TIPC_EAGAIN;
}

int
tipc_book_read(tipc_book *b, uint32_t index, tipc_level *out, uint64_t *seen)
{
    tipc_level lv;
    int rc;

    assert(b != NULL && out != NULL && seen != NULL);
    if ((rc = slot_copy(b, index, &lv)) != 0)
        return rc;
    if (lv.updates <= *seen)
        return 0;
    *out = lv;
    *seen = lv.updates;
    return 1;
}

int
tipc_book_get(tipc_book *b, uint32_t index, tipc_level *out)
{
    assert(b != NULL && out != NULL);
    return slot_copy(b, index, out);
}

uint64_t
tipc_book_changes(const tipc_book *b)
{
    return atomic_load_explicit(&b->hdr->changes, memory_order_acquire);
}

int
tipc_book_wait(tipc_book *b, uint64_t seen, int timeout_ms)
{
    struct timespec deadline;

    assert(b != NULL);
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    for (;;) {
        /* Word first, with acquire: a word the writer has exchanged makes
         * the counter it stored before visible. */
        uint32_t w = atomic_load_explicit(b->wake, memory_order_acquire);
        int rc;

        if (tipc_book_changes(b) != seen)
            return 0;
        if (timeout_ms == 0)
            return TIPC_ETIMEDOUT;
        if (!(w & BOOK_WAKE_BIT)) {
            if (!atomic_compare_exchange_strong_explicit(
                    b->wake, &w, w | BOOK_WAKE_BIT, memory_order_seq_cst, memory_order_acquire))
                continue;
            w |= BOOK_WAKE_BIT;
        }
        rc = futex_wait_until(b->wake, w, timeout_ms < 0 ? NULL : &deadline);
        if (rc == -ETIMEDOUT)
            return tipc_book_changes(b) != seen ? 0 : TIPC_ETIMEDOUT;
        if (rc != 0 && rc != -EAGAIN)
            return rc; /* TIPC_EINTR, or a futex the kernel refuses */
    }
}

int
tipc_book_changed_since(tipc_book *b, uint64_t *cursor, uint32_t *indices, size_t max)
{
    uint64_t head, c;
    size_t n;

    assert(b != NULL && cursor != NULL && (indices != NULL || max == 0));
    head = tipc_book_changes(b);
    c = *cursor;
    if (c > head || head - c > TIPC_BOOK_RING) {
        *cursor = head;
        return TIPC_EOVERFLOW;
    }
    n = (size_t)(head - c) < max ? (size_t)(head - c) : max;
    for (size_t i = 0; i < n; i++) {
        uint64_t pos = c + i;
        uint64_t e =
            atomic_load_explicit(&b->ring[pos & (TIPC_BOOK_RING - 1u)], memory_order_acquire);
        /* Each entry carries the low half of its position: a different one
         * means the writer has lapped us while we copied. */
        if ((uint32_t)(e >> 32) != (uint32_t)pos) {
            *cursor = tipc_book_changes(b);
            return TIPC_EOVERFLOW;
        }
        indices[i] = (uint32_t)e;
    }
    *cursor = c + n;
    return (int)n;
}

uint32_t
tipc_book_generation(const tipc_book *b)
{
    return atomic_load_explicit(&b->hdr->generation, memory_order_acquire);
}

void
tipc_book_info(const tipc_book *b, tipc_book_stat *out)
{
    const struct book_hdr *hdr = b->hdr;

    assert(out != NULL);
    out->kind = b->kind;
    out->layout_version = atomic_load_explicit(&hdr->version, memory_order_acquire);
    out->capacity = b->capacity;
    out->symbols = tipc_book_symbol_count(b);
    out->generation = tipc_book_generation(b);
    out->writer_pid = atomic_load_explicit(&hdr->writer_pid, memory_order_acquire);
    out->repaired = atomic_load_explicit(&hdr->repaired, memory_order_relaxed);
    out->segment_size = b->size;
    out->changes = tipc_book_changes(b);
    out->created_ns = hdr->created_ns;
}
