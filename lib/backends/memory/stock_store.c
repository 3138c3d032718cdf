/* The in-memory stock store (PORTS.md, stock store).
 *
 * Locking, chosen so that sales of different products rarely touch a shared cache line:
 * - products sit in a registry read without any lock (memtab.h); its mutex only adds products;
 * - each product has its own mutex guarding its counters, its users' `used` counts, its expiry
 *   heap and the mutable fields (state, expires_at) of every hold on it; its users' records are
 *   found without it, like products, and added under it;
 * - holds are carved from and found by id in HOLD_SHARDS shards (stock_holds.h), each with its
 *   own mutex guarding only membership (a hold's product, user and qty never change once
 *   published).
 * Lock order: hold shard, then product. Only a reserve of a new hold nests them, so that two
 * concurrent reserves of one hold id cannot both sell. Holds are never freed before destroy
 * (ids are never reused), so a pointer found under a shard lock stays valid after it. */
#include <stddef.h>
#include <string.h>

#include "fantasy/backends/memory.h"

#include "backends/memory/memtab.h"
#include "backends/memory/stock_holds.h"
#include "core/alloc.h"
#include "core/error.h"

/* Enough shards that threads on different products practically never want one shard's mutex at
 * once. 64 shards cost a little less CPU per reserve on one hot product (fewer lines and TLB
 * entries to keep warm), but in alternating runs on a quiet 2-core VM two threads on two products
 * scaled 1.39-1.52x over one with 64 shards and 1.76-1.83x with 1,024, at a higher rate on two
 * products too (4.6-4.8 M/s against 4.2-4.6 M/s); scaling across products is the point. */
#define HOLD_SHARD_BITS 10
#define HOLD_SHARDS     (1u << HOLD_SHARD_BITS)

typedef struct user_rec {
    fantasy__memreg_node node;
    int64_t used; /* held + sold units of the product, under its lock */
    char id[];
} user_rec;

/* Lines apart, so that what one reserve writes and what every lookup reads never share one: a
 * hot product's buyers pass only the first line (and their users' records) between cores. */
typedef struct product {
    pthread_mutex_t lock; /* guards the counters, expiry and adds to users */
    int64_t held, sold;
    _Alignas(64) int64_t stock;
    fantasy__memreg users;   /* user_rec by user id; added only under the lock */
    fantasy__memheap expiry; /* (expires_at, hold) of HELD holds; stale items skipped lazily */
    _Alignas(64) fantasy__memreg_node node; /* read by lookups without a lock; never changes */
    void *raw;                              /* the allocation the product was aligned in */
    char id[];
} product;

typedef struct hold {
    product *p;
    user_rec *u;
    int64_t qty;
    int64_t expires_at; /* under p->lock */
    fantasy_hold_state state;
    char id[];
} hold;

/* Padded to 128 bytes: whatever the base alignment, two shards never share a cache line.
 * `slots` and `mask` mirror the table's for prefetching without the lock (see prefetch_slot). */
typedef union hold_shard {
    struct {
        pthread_mutex_t lock;
        fantasy__holdtab holds;
        _Atomic(uint64_t *) slots;
        atomic_size_t mask;
    } s;

    char pad[128];
} hold_shard;

typedef struct stock_store {
    fantasy_allocator a;
    fantasy__memreg products;
    hold_shard shards[HOLD_SHARDS];
} stock_store;

/* ---- lookups ----------------------------------------------------------------------------- */

static fantasy_status bad_id(const char *what, const char *id) {
    return fantasy__fail(FANTASY_EINVAL, "memory stock store: bad %s '%.80s'", what,
                         id ? id : "(null)");
}

/* The product registered as `node`, or NULL. */
static product *product_of(fantasy__memreg_node *node) {
    return node ? (product *)((char *)node - offsetof(product, node)) : NULL;
}

static product *find_product(stock_store *s, const char *id, size_t len) {
    return product_of(fantasy__memreg_get(&s->products, id, fantasy__memtab_hash(id, len)));
}

static hold_shard *shard_of(stock_store *s, uint64_t hash) {
    /* top bits: the tables inside use the low ones */
    return &s->shards[hash >> (64 - HOLD_SHARD_BITS)];
}

/* Start loading the cache line where the hold table probe for `hash` begins. Holds are never
 * forgotten, so the table outgrows every cache and that probe is a miss; issued first, it runs
 * while reserve looks up the product and hashes the user. The mirror may be stale or torn
 * by a concurrent growth: then the hint is merely useless, never wrong (a prefetch cannot
 * fault, and the probe itself runs under the lock). */
static void prefetch_slot(const hold_shard *sh, uint64_t hash) {
    uint64_t *slots = atomic_load_explicit(&sh->s.slots, memory_order_relaxed);
    size_t mask = atomic_load_explicit(&sh->s.mask, memory_order_relaxed);
    if (slots) {
        __builtin_prefetch(&slots[(uint32_t)hash & mask]);
    }
}

static hold *find_hold(stock_store *s, const char *id, size_t len) {
    uint64_t h = fantasy__memtab_hash(id, len);
    hold_shard *sh = shard_of(s, h);
    pthread_mutex_lock(&sh->s.lock);
    hold *found = fantasy__holdtab_get(&sh->s.holds, id, h);
    pthread_mutex_unlock(&sh->s.lock);
    return found;
}

/* The hold named `id` in *out, or NULL and the status for a bad or unknown id (callers test
 * the pointer: it is set exactly when the status is FANTASY_OK). */
static fantasy_status lookup_hold(stock_store *s, const char *id, hold **out) {
    size_t len;
    *out = NULL;
    if (!fantasy__memtab_id_ok(id, &len)) {
        return bad_id("hold id", id);
    }
    *out = find_hold(s, id, len);
    if (!*out) {
        return fantasy__fail(FANTASY_ENOTFOUND, "memory stock store: no hold '%s'", id);
    }
    return FANTASY_OK;
}

/* As lookup_hold(), for products. */
static fantasy_status lookup_product(stock_store *s, const char *id, product **out) {
    size_t len;
    *out = NULL;
    if (!fantasy__memtab_id_ok(id, &len)) {
        return bad_id("product id", id);
    }
    *out = find_product(s, id, len);
    if (!*out) {
        return fantasy__fail(FANTASY_ENOTFOUND, "memory stock store: no product '%s'", id);
    }
    return FANTASY_OK;
}

static int limited(const product *p) {
    return p->stock >= 0;
}

/* ---- set_stock --------------------------------------------------------------------------- */

static product *product_new(const fantasy_allocator *a, const char *id, size_t len, int64_t stock) {
    const size_t line = _Alignof(product);
    char *raw = fantasy__calloc(a, 1, offsetof(product, id) + len + 1 + line - 1);
    if (!raw) {
        return NULL;
    }
    product *p = (product *)(raw + (line - (uintptr_t)raw % line) % line);
    p->raw = raw;
    if (fantasy__memlock_init(&p->lock) != 0) {
        fantasy__free(a, raw);
        return NULL;
    }
    if (fantasy__memreg_init(&p->users, a) != FANTASY_OK) {
        pthread_mutex_destroy(&p->lock);
        fantasy__free(a, raw);
        return NULL;
    }
    memcpy(p->id, id, len + 1);
    p->node.key = p->id;
    p->node.hash = fantasy__memtab_hash(id, len);
    p->stock = stock;
    return p;
}

static void user_free(const fantasy_allocator *a, fantasy__memreg_node *node) {
    fantasy__free(a, node); /* the first member */
}

static void product_free(const fantasy_allocator *a, fantasy__memreg_node *node) {
    product *p = product_of(node);
    fantasy__memreg_destroy(&p->users, a, user_free);
    fantasy__memheap_free(&p->expiry, a);
    pthread_mutex_destroy(&p->lock);
    fantasy__free(a, p->raw);
}

/* Create the product with `stock`, or find the one another thread just created (*created
 * tells which). */
static fantasy_status create_product(stock_store *s, const char *id, size_t len, int64_t stock,
                                     product **out, int *created) {
    *out = NULL;
    *created = 0;
    product *p = product_new(&s->a, id, len, stock);
    if (!p) {
        return fantasy__oom();
    }
    fantasy__memreg_node *won = NULL;
    fantasy_status st = fantasy__memreg_add(&s->products, &s->a, &p->node, &won);
    if (st != FANTASY_OK || won != &p->node) {
        product_free(&s->a, &p->node);
    }
    *out = product_of(won);
    *created = st == FANTASY_OK && won == &p->node;
    return st;
}

static fantasy_status set_stock(void *self, const char *product_id, int64_t stock) {
    stock_store *s = self;
    size_t len;
    if (!fantasy__memtab_id_ok(product_id, &len)) {
        return bad_id("product id", product_id);
    }
    if (stock < FANTASY_STOCK_UNLIMITED) {
        return fantasy__fail(FANTASY_EINVAL, "memory stock store: stock %lld of '%s' below -1",
                             (long long)stock, product_id);
    }
    product *p = find_product(s, product_id, len);
    if (!p) {
        int created = 0;
        fantasy_status st = create_product(s, product_id, len, stock, &p, &created);
        if (!p || created) {
            return st;
        }
    }
    fantasy_status st = FANTASY_OK;
    pthread_mutex_lock(&p->lock);
    if (stock >= 0 && stock < p->held + p->sold) {
        st = fantasy__fail(FANTASY_EINVAL,
                           "memory stock store: stock %lld of '%s' below held %lld + sold %lld",
                           (long long)stock, product_id, (long long)p->held, (long long)p->sold);
    } else {
        p->stock = stock;
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}

/* ---- reserve ----------------------------------------------------------------------------- */

static fantasy_status check_hold(const fantasy_hold *h, size_t *id_len) {
    size_t len;
    if (!h) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: NULL hold");
    }
    if (!fantasy__memtab_id_ok(h->hold_id, id_len)) {
        return bad_id("hold id", h->hold_id);
    }
    if (!fantasy__memtab_id_ok(h->user_id, &len)) {
        return bad_id("user id", h->user_id);
    }
    if (h->qty <= 0 || h->per_user_limit < 0) {
        return fantasy__fail(FANTASY_EINVAL,
                             "memory stock store: hold '%s': qty %lld, per-user limit %lld",
                             h->hold_id, (long long)h->qty, (long long)h->per_user_limit);
    }
    return FANTASY_OK;
}

/* A reserve of a known hold id: same product, user and qty replays, anything else conflicts. */
static fantasy_status replay(const hold *old, const product *p, const fantasy_hold *h) {
    if (old->p != p || old->qty != h->qty || strcmp(old->u->id, h->user_id) != 0) {
        return fantasy__fail(FANTASY_ECONFLICT,
                             "memory stock store: hold '%s' exists with other arguments",
                             h->hold_id);
    }
    pthread_mutex_lock(&old->p->lock);
    fantasy_hold_state state = old->state;
    pthread_mutex_unlock(&old->p->lock);
    if (state != FANTASY_HOLD_HELD && state != FANTASY_HOLD_SOLD) {
        return fantasy__fail(FANTASY_ESTATE, "memory stock store: hold '%s' is over (state %d)",
                             h->hold_id, (int)state);
    }
    return FANTASY_OK;
}

/* The counter checks, in the PORTS.md order: sold out first, then the per-user limit. */
static fantasy_status admit_checks(const product *p, const fantasy_hold *h, int64_t used) {
    if (limited(p) && p->stock - p->held - p->sold < h->qty) {
        return fantasy__fail(FANTASY_ESOLDOUT, "memory stock store: '%s' has %lld left, %lld asked",
                             p->id, (long long)(p->stock - p->held - p->sold), (long long)h->qty);
    }
    if (!limited(p) && h->qty > INT64_MAX - p->held - p->sold) {
        return fantasy__fail(FANTASY_EINVAL, "memory stock store: qty %lld overflows '%s'",
                             (long long)h->qty, p->id);
    }
    if (h->per_user_limit > 0 && h->qty > h->per_user_limit - used) {
        return fantasy__fail(FANTASY_ELIMIT,
                             "memory stock store: user '%s' has %lld of '%s', limit %lld",
                             h->user_id, (long long)used, p->id, (long long)h->per_user_limit);
    }
    return FANTASY_OK;
}

/* A user's id with its length and hash, worked out before taking the product lock. */
typedef struct user_key {
    const char *id;
    size_t len;
    uint64_t hash;
} user_key;

static user_key user_key_of(const char *id) {
    size_t len = strlen(id);
    const user_key k = { .id = id, .len = len, .hash = fantasy__memtab_hash(id, len) };
    return k;
}

/* The user's record, or NULL. Needs no lock: a reserve finds its user before taking the
 * product's, which then guards only the counters (the record's line is asked for meanwhile). */
static user_rec *user_find(product *p, const user_key *k) {
    return (user_rec *)fantasy__memreg_get(&p->users, k->id, k->hash);
}

/* A new record (used = 0) for a user the product has not seen. Under p->lock, so that no other
 * record of the user can appear meanwhile. */
static fantasy_status user_add(stock_store *s, product *p, const user_key *k, user_rec **out) {
    user_rec *u = fantasy__alloc(&s->a, sizeof *u + k->len + 1);
    if (!u) {
        return fantasy__oom();
    }
    u->used = 0;
    memcpy(u->id, k->id, k->len + 1);
    u->node.key = u->id;
    u->node.hash = k->hash;
    fantasy__memreg_node *won = NULL;
    fantasy_status st = fantasy__memreg_add(&p->users, &s->a, &u->node, &won);
    if (st != FANTASY_OK) {
        fantasy__free(&s->a, u);
        return st;
    }
    *out = (user_rec *)won; /* u itself: adds are serialized by p->lock */
    return FANTASY_OK;
}

/* Check and take the units for the new hold `nh`; `u` is the user's record found before the
 * lock, or NULL. Under p->lock; every allocation comes before the first change, so a failure
 * leaves the product as it was (an added user with used 0 is indistinguishable from a missing
 * one). */
static fantasy_status admit(stock_store *s, product *p, const fantasy_hold *h, const user_key *k,
                            user_rec *u, hold *nh) {
    if (!u) {
        u = user_find(p, k); /* added by another reserve since */
    }
    fantasy_status st = admit_checks(p, h, u ? u->used : 0);
    if (st == FANTASY_OK && !u) {
        st = user_add(s, p, k, &u);
    }
    if (st == FANTASY_OK && h->expires_at_ms != FANTASY_NEVER) {
        st = fantasy__memheap_reserve(&p->expiry, &s->a, 1);
    }
    if (st != FANTASY_OK || !u) { /* u is set whenever st is FANTASY_OK */
        return st;
    }
    p->held += h->qty;
    u->used += h->qty;
    nh->u = u;
    nh->state = FANTASY_HOLD_HELD;
    if (h->expires_at_ms != FANTASY_NEVER) {
        fantasy__memheap_push(&p->expiry, h->expires_at_ms, nh);
    }
    return FANTASY_OK;
}

/* The bytes a hold with an id of `id_len` takes in its shard's blocks. */
static size_t hold_size(size_t id_len) {
    return (offsetof(hold, id) + id_len + 1 + 7) & ~(size_t)7;
}

/* Admit and publish a hold whose id is not yet known. Under the shard lock; the record is
 * carved from the shard's blocks there, which takes the allocator only when a block or the
 * table fills up, and is kept only if admitted. */
static fantasy_status reserve_new(stock_store *s, hold_shard *sh, product *p, const fantasy_hold *h,
                                  const user_key *k, user_rec *u, size_t id_len, uint64_t hash) {
    const size_t size = hold_size(id_len);
    hold *nh = fantasy__holdtab_next(&sh->s.holds, &s->a, size);
    if (!nh) {
        return fantasy__oom();
    }
    atomic_store_explicit(&sh->s.slots, sh->s.holds.slots, memory_order_relaxed);
    atomic_store_explicit(&sh->s.mask, sh->s.holds.cap - 1, memory_order_relaxed);
    memcpy(nh->id, h->hold_id, id_len + 1);
    nh->p = p;
    nh->u = NULL;
    nh->qty = h->qty;
    nh->expires_at = h->expires_at_ms;
    nh->state = FANTASY_HOLD_NONE;
    pthread_mutex_lock(&p->lock);
    fantasy_status st = admit(s, p, h, k, u, nh);
    pthread_mutex_unlock(&p->lock);
    /* Published after the product lock, which a hot product's buyers all queue on: the shard
     * lock, still held, keeps every other user of this hold id waiting until it is in. */
    if (st == FANTASY_OK) {
        fantasy__holdtab_put(&sh->s.holds, size, hash);
    }
    return st;
}

static fantasy_status reserve(void *self, const fantasy_hold *h) {
    stock_store *s = self;
    size_t id_len = 0;
    fantasy_status st = check_hold(h, &id_len);
    if (st != FANTASY_OK) {
        return st;
    }
    uint64_t hash = fantasy__memtab_hash(h->hold_id, id_len);
    hold_shard *sh = shard_of(s, hash);
    prefetch_slot(sh, hash);
    product *p = NULL;
    st = lookup_product(s, h->product_id, &p);
    if (!p) {
        return st;
    }
    const user_key k = user_key_of(h->user_id);
    user_rec *u = user_find(p, &k);
    if (u) {
        __builtin_prefetch(&u->used, 1);
    }
    pthread_mutex_lock(&sh->s.lock);
    const hold *old = fantasy__holdtab_get(&sh->s.holds, h->hold_id, hash);
    st = old ? replay(old, p, h) : reserve_new(s, sh, p, h, &k, u, id_len, hash);
    pthread_mutex_unlock(&sh->s.lock);
    return st;
}

static fantasy_status reserve_many(void *self, const fantasy_hold *holds, size_t n,
                                   fantasy_status *results) {
    if (n > 0 && (!holds || !results)) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: reserve_many: NULL array");
    }
    for (size_t i = 0; i < n; i++) {
        results[i] = reserve(self, &holds[i]);
    }
    return FANTASY_OK;
}

/* ---- moves of a known hold --------------------------------------------------------------- */

static fantasy_status bad_move(const hold *h, const char *op) {
    return fantasy__fail(FANTASY_ESTATE, "memory stock store: cannot %s hold '%s' in state %d", op,
                         h->id, (int)h->state);
}

/* Units of a hold leave `held` (or `sold`) and the user's `used`. Under p->lock. */
static void units_back(hold *h, int64_t *counter) {
    *counter -= h->qty;
    h->u->used -= h->qty;
}

static fantasy_status extend_locked(stock_store *s, hold *h, int64_t expires_at_ms) {
    if (h->state != FANTASY_HOLD_HELD) {
        return bad_move(h, "extend");
    }
    if (h->expires_at == expires_at_ms) {
        return FANTASY_OK;
    }
    if (expires_at_ms != FANTASY_NEVER) {
        if (fantasy__memheap_reserve(&h->p->expiry, &s->a, 1) != FANTASY_OK) {
            return fantasy__oom();
        }
        fantasy__memheap_push(&h->p->expiry, expires_at_ms, h);
    }
    /* The old heap item, if any, goes stale: its key no longer matches expires_at. */
    h->expires_at = expires_at_ms;
    return FANTASY_OK;
}

static fantasy_status extend(void *self, const char *hold_id, int64_t expires_at_ms) {
    stock_store *s = self;
    hold *h = NULL;
    fantasy_status st = lookup_hold(s, hold_id, &h);
    if (!h) {
        return st;
    }
    pthread_mutex_lock(&h->p->lock);
    st = extend_locked(s, h, expires_at_ms);
    pthread_mutex_unlock(&h->p->lock);
    return st;
}

static fantasy_status confirm_locked(hold *h, int64_t now_ms) {
    if (h->state == FANTASY_HOLD_SOLD) {
        return FANTASY_OK;
    }
    if (h->state != FANTASY_HOLD_HELD) {
        return bad_move(h, "confirm");
    }
    if (h->expires_at <= now_ms) {
        return fantasy__fail(FANTASY_EEXPIRED, "memory stock store: hold '%s' expired at %lld",
                             h->id, (long long)h->expires_at);
    }
    h->p->held -= h->qty;
    h->p->sold += h->qty;
    h->state = FANTASY_HOLD_SOLD;
    return FANTASY_OK;
}

static fantasy_status release_locked(hold *h) {
    if (h->state == FANTASY_HOLD_RELEASED || h->state == FANTASY_HOLD_EXPIRED) {
        return FANTASY_OK; /* an expired hold's units are already back */
    }
    if (h->state != FANTASY_HOLD_HELD) {
        return bad_move(h, "release");
    }
    units_back(h, &h->p->held);
    h->state = FANTASY_HOLD_RELEASED;
    return FANTASY_OK;
}

static fantasy_status give_back_locked(hold *h) {
    if (h->state == FANTASY_HOLD_RETURNED) {
        return FANTASY_OK;
    }
    if (h->state != FANTASY_HOLD_SOLD) {
        return bad_move(h, "give back");
    }
    units_back(h, &h->p->sold);
    h->state = FANTASY_HOLD_RETURNED;
    return FANTASY_OK;
}

typedef enum move_kind {
    MOVE_CONFIRM,
    MOVE_RELEASE,
    MOVE_GIVE_BACK
} move_kind;

static fantasy_status move(void *self, const char *hold_id, move_kind kind, int64_t now_ms) {
    hold *h = NULL;
    fantasy_status st = lookup_hold(self, hold_id, &h);
    if (!h) {
        return st;
    }
    pthread_mutex_lock(&h->p->lock);
    switch (kind) {
    case MOVE_CONFIRM:
        st = confirm_locked(h, now_ms);
        break;
    case MOVE_RELEASE:
        st = release_locked(h);
        break;
    default:
        st = give_back_locked(h);
        break;
    }
    pthread_mutex_unlock(&h->p->lock);
    return st;
}

static fantasy_status confirm(void *self, const char *hold_id, int64_t now_ms) {
    return move(self, hold_id, MOVE_CONFIRM, now_ms);
}

static fantasy_status release(void *self, const char *hold_id) {
    return move(self, hold_id, MOVE_RELEASE, 0);
}

static fantasy_status give_back(void *self, const char *hold_id) {
    return move(self, hold_id, MOVE_GIVE_BACK, 0);
}

/* ---- expiry sweep ------------------------------------------------------------------------ */

/* Expire the product's due holds, at most *left of them. Each id is listed before its hold
 * moves, so on FANTASY_ENOMEM `out` names exactly the holds this call expired. Under p->lock. */
static fantasy_status expire_product(product *p, int64_t now_ms, size_t *left, fantasy_list *out) {
    const fantasy__memheap_item *top;
    while (*left > 0 && (top = fantasy__memheap_top(&p->expiry)) && top->key <= now_ms) {
        hold *h = top->item;
        if (h->state != FANTASY_HOLD_HELD || h->expires_at != top->key) {
            fantasy__memheap_pop(&p->expiry); /* stale: moved or extended since */
            continue;
        }
        fantasy_status st = fantasy_list_add(out, h->id, h->qty);
        if (st != FANTASY_OK) {
            return st;
        }
        fantasy__memheap_pop(&p->expiry);
        units_back(h, &p->held);
        h->state = FANTASY_HOLD_EXPIRED;
        (*left)--;
    }
    return FANTASY_OK;
}

static fantasy_status expire(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    stock_store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: expire: NULL list");
    }
    fantasy__memreg_table *t = fantasy__memreg_snapshot(&s->products);
    size_t left = max;
    fantasy_status st = FANTASY_OK;
    for (size_t i = 0; i < t->cap && left > 0 && st == FANTASY_OK; i++) {
        product *p = product_of(atomic_load_explicit(&t->slots[i], memory_order_acquire));
        if (!p) {
            continue;
        }
        pthread_mutex_lock(&p->lock);
        st = expire_product(p, now_ms, &left, out);
        pthread_mutex_unlock(&p->lock);
    }
    return st;
}

/* ---- reads ------------------------------------------------------------------------------- */

static void read_counts(product *p, fantasy_stock_counts *out) {
    pthread_mutex_lock(&p->lock);
    out->stock = p->stock;
    out->held = p->held;
    out->sold = p->sold;
    out->available = limited(p) ? p->stock - p->held - p->sold : FANTASY_STOCK_UNLIMITED;
    pthread_mutex_unlock(&p->lock);
}

static fantasy_status counts(void *self, const char *product_id, fantasy_stock_counts *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: counts: NULL out");
    }
    memset(out, 0, sizeof *out);
    product *p = NULL;
    fantasy_status st = lookup_product(self, product_id, &p);
    if (p) {
        read_counts(p, out);
    }
    return st;
}

static fantasy_status counts_many(void *self, const char *const *product_ids, size_t n,
                                  fantasy_stock_counts *out) {
    if (n > 0 && (!product_ids || !out)) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: counts_many: NULL array");
    }
    for (size_t i = 0; i < n; i++) {
        fantasy_status st = counts(self, product_ids[i], &out[i]);
        if (st != FANTASY_OK) {
            memset(out, 0, n * sizeof *out);
            return st;
        }
    }
    return FANTASY_OK;
}

static fantasy_status used(void *self, const char *product_id, const char *user_id, int64_t *out) {
    size_t len;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: used: NULL out");
    }
    *out = 0;
    if (!fantasy__memtab_id_ok(user_id, &len)) {
        return bad_id("user id", user_id);
    }
    product *p = NULL;
    fantasy_status st = lookup_product(self, product_id, &p);
    if (!p) {
        return st;
    }
    const user_key k = user_key_of(user_id);
    pthread_mutex_lock(&p->lock);
    const user_rec *u = user_find(p, &k);
    *out = u ? u->used : 0;
    pthread_mutex_unlock(&p->lock);
    return FANTASY_OK;
}

static fantasy_status hold_info(void *self, const char *hold_id, fantasy_hold_info *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory stock store: hold: NULL out");
    }
    memset(out, 0, sizeof *out);
    hold *h = NULL;
    fantasy_status st = lookup_hold(self, hold_id, &h);
    if (!h) {
        return st;
    }
    /* ids are shorter than FANTASY_ID_MAX: checked on the way in */
    memcpy(out->product_id, h->p->id, strlen(h->p->id) + 1);
    memcpy(out->user_id, h->u->id, strlen(h->u->id) + 1);
    out->qty = h->qty;
    pthread_mutex_lock(&h->p->lock);
    out->state = h->state;
    out->expires_at_ms = h->expires_at;
    pthread_mutex_unlock(&h->p->lock);
    return FANTASY_OK;
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void free_shards(stock_store *s, size_t n_inited) {
    for (size_t i = 0; i < n_inited; i++) {
        fantasy__holdtab_free(&s->shards[i].s.holds, &s->a);
        pthread_mutex_destroy(&s->shards[i].s.lock);
    }
}

static void destroy(void *self) {
    stock_store *s = self;
    if (!s) {
        return;
    }
    fantasy_allocator a = s->a;
    free_shards(s, HOLD_SHARDS);
    fantasy__memreg_destroy(&s->products, &a, product_free);
    fantasy__free(&a, s);
}

static fantasy_status init_store(stock_store *s) {
    size_t i = 0;
    for (; i < HOLD_SHARDS; i++) {
        fantasy__holdtab_init(&s->shards[i].s.holds, offsetof(hold, id));
        atomic_init(&s->shards[i].s.slots, NULL);
        atomic_init(&s->shards[i].s.mask, 0);
        if (fantasy__memlock_init(&s->shards[i].s.lock) != 0) {
            break;
        }
    }
    fantasy_status st = i == HOLD_SHARDS
                            ? FANTASY_OK
                            : fantasy__fail(FANTASY_EBACKEND, "memory stock store: no mutex");
    if (st == FANTASY_OK) {
        st = fantasy__memreg_init(&s->products, &s->a);
    }
    if (st != FANTASY_OK) {
        free_shards(s, i);
    }
    return st;
}

FANTASY_API fantasy_status fantasy_memory_stock_store_open(const fantasy_allocator *alloc,
                                                           fantasy_stock_store *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_memory_stock_store_open: NULL out");
    }
    memset(out, 0, sizeof *out);
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    stock_store *s = fantasy__calloc(&a, 1, sizeof *s);
    if (!s) {
        return fantasy__oom();
    }
    s->a = a;
    st = init_store(s);
    if (st != FANTASY_OK) {
        fantasy__free(&a, s);
        return st;
    }
    out->version = FANTASY_STOCK_STORE_VERSION;
    out->self = s;
    out->set_stock = set_stock;
    out->reserve = reserve;
    out->extend = extend;
    out->confirm = confirm;
    out->release = release;
    out->give_back = give_back;
    out->expire = expire;
    out->counts = counts;
    out->used = used;
    out->hold = hold_info;
    out->reserve_many = reserve_many;
    out->counts_many = counts_many;
    out->destroy = destroy;
    return FANTASY_OK;
}
