/* String-keyed tables and a min-heap for the in-memory stock and queue stores (memtab.h). */
#include "backends/memory/memtab.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define MIN_CAP 16

static uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* Eight bytes per step: ids are short, so the hash must cost little next to the lock it
 * chooses. */
uint64_t fantasy__memtab_hash(const char *s, size_t len) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    uint64_t tail = 0;
    if (i < len) {
        memcpy(&tail, s + i, len - i);
    }
    return mix(h ^ tail);
}

int fantasy__memlock_init(pthread_mutex_t *m) {
#if defined(PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP)
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0) {
        return -1;
    }
    int rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    if (rc == 0) {
        rc = pthread_mutex_init(m, &attr);
    }
    pthread_mutexattr_destroy(&attr);
    return rc;
#else
    return pthread_mutex_init(m, NULL);
#endif
}

int fantasy__memtab_id_ok(const char *s, size_t *len) {
    if (!s) {
        return 0;
    }
    size_t n = strnlen(s, FANTASY_ID_MAX);
    *len = n;
    return n > 0 && n < FANTASY_ID_MAX;
}

void *fantasy__memtab_get(const fantasy__memtab *t, const char *key, uint64_t hash) {
    if (t->cap == 0) {
        return NULL;
    }
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        const fantasy__memtab_slot *sl = &t->slots[i];
        if (!sl->item) {
            return NULL;
        }
        if (sl->hash == hash && strcmp((const char *)sl->item + t->key_off, key) == 0) {
            return sl->item;
        }
    }
}

static void place(fantasy__memtab_slot *slots, size_t cap, const fantasy__memtab_slot *in) {
    size_t mask = cap - 1;
    size_t i = (size_t)in->hash & mask;
    while (slots[i].item) {
        i = (i + 1) & mask;
    }
    slots[i] = *in;
}

fantasy_status fantasy__memtab_reserve(fantasy__memtab *t, const fantasy_allocator *a,
                                       size_t extra) {
    size_t need = t->n + extra;
    if (need < t->n) {
        return fantasy__oom();
    }
    /* Load factor at most 1/2 keeps probe runs short. */
    size_t cap = t->cap ? t->cap : MIN_CAP;
    while (cap / 2 < need) {
        if (cap > SIZE_MAX / 2 / sizeof(fantasy__memtab_slot)) {
            return fantasy__oom();
        }
        cap *= 2;
    }
    if (cap == t->cap) {
        return FANTASY_OK;
    }
    fantasy__memtab_slot *slots = fantasy__calloc(a, cap, sizeof *slots);
    if (!slots) {
        return fantasy__oom();
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].item) {
            place(slots, cap, &t->slots[i]);
        }
    }
    fantasy__free(a, t->slots);
    t->slots = slots;
    t->cap = cap;
    return FANTASY_OK;
}

void fantasy__memtab_put(fantasy__memtab *t, const char *key, uint64_t hash, void *item) {
    const fantasy__memtab_slot sl = { .hash = hash, .item = item };
    t->key_off = (size_t)(key - (const char *)item);
    place(t->slots, t->cap, &sl);
    t->n++;
}

void fantasy__memtab_free(fantasy__memtab *t, const fantasy_allocator *a) {
    fantasy__free(a, t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->n = 0;
}

/* ---- registry ---------------------------------------------------------------------------- */

static fantasy__memreg_table *reg_table_new(const fantasy_allocator *a, size_t cap) {
    size_t size = sizeof(fantasy__memreg_table) + cap * sizeof(_Atomic(fantasy__memreg_node *));
    fantasy__memreg_table *t = fantasy__alloc(a, size);
    if (!t) {
        return NULL;
    }
    t->older = NULL;
    t->cap = cap;
    for (size_t i = 0; i < cap; i++) {
        atomic_init(&t->slots[i], NULL);
    }
    return t;
}

fantasy_status fantasy__memreg_init(fantasy__memreg *r, const fantasy_allocator *a) {
    fantasy__memreg_table *t = reg_table_new(a, MIN_CAP);
    if (!t) {
        return fantasy__oom();
    }
    if (pthread_mutex_init(&r->write_lock, NULL) != 0) { /* rarely taken: plain */
        fantasy__free(a, t);
        return fantasy__fail(FANTASY_EBACKEND, "memory store: cannot create a mutex");
    }
    atomic_init(&r->table, t);
    r->n = 0;
    return FANTASY_OK;
}

void fantasy__memreg_destroy(fantasy__memreg *r, const fantasy_allocator *a,
                             void (*free_node)(const fantasy_allocator *a,
                                               fantasy__memreg_node *node)) {
    fantasy__memreg_table *t = atomic_load(&r->table);
    if (!t) {
        return;
    }
    for (size_t i = 0; i < t->cap; i++) {
        fantasy__memreg_node *n = atomic_load_explicit(&t->slots[i], memory_order_relaxed);
        if (n) {
            free_node(a, n);
        }
    }
    while (t) {
        fantasy__memreg_table *older = t->older;
        fantasy__free(a, t);
        t = older;
    }
    atomic_store(&r->table, NULL);
    pthread_mutex_destroy(&r->write_lock);
}

static fantasy__memreg_node *table_get(fantasy__memreg_table *t, const char *key, uint64_t hash) {
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        fantasy__memreg_node *n = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (!n) {
            return NULL;
        }
        if (n->hash == hash && strcmp(n->key, key) == 0) {
            return n;
        }
    }
}

fantasy__memreg_node *fantasy__memreg_get(fantasy__memreg *r, const char *key, uint64_t hash) {
    return table_get(atomic_load_explicit(&r->table, memory_order_acquire), key, hash);
}

static void table_place(fantasy__memreg_table *t, fantasy__memreg_node *node) {
    size_t mask = t->cap - 1;
    size_t i = (size_t)node->hash & mask;
    while (atomic_load_explicit(&t->slots[i], memory_order_relaxed)) {
        i = (i + 1) & mask;
    }
    /* Release: a reader that finds the node sees it fully initialized. */
    atomic_store_explicit(&t->slots[i], node, memory_order_release);
}

/* Called with the write lock held. */
static fantasy_status reg_grow(fantasy__memreg *r, const fantasy_allocator *a) {
    fantasy__memreg_table *old = atomic_load_explicit(&r->table, memory_order_relaxed);
    if ((r->n + 1) * 2 <= old->cap) {
        return FANTASY_OK;
    }
    if (old->cap > SIZE_MAX / 4 / sizeof(void *)) {
        return fantasy__oom();
    }
    fantasy__memreg_table *t = reg_table_new(a, old->cap * 2);
    if (!t) {
        return fantasy__oom();
    }
    for (size_t i = 0; i < old->cap; i++) {
        fantasy__memreg_node *n = atomic_load_explicit(&old->slots[i], memory_order_relaxed);
        if (n) {
            table_place(t, n);
        }
    }
    t->older = old;
    atomic_store_explicit(&r->table, t, memory_order_release);
    return FANTASY_OK;
}

fantasy_status fantasy__memreg_add(fantasy__memreg *r, const fantasy_allocator *a,
                                   fantasy__memreg_node *node, fantasy__memreg_node **out) {
    pthread_mutex_lock(&r->write_lock);
    fantasy__memreg_table *t = atomic_load_explicit(&r->table, memory_order_relaxed);
    fantasy__memreg_node *found = table_get(t, node->key, node->hash);
    if (found) {
        pthread_mutex_unlock(&r->write_lock);
        *out = found;
        return FANTASY_OK;
    }
    fantasy_status st = reg_grow(r, a);
    if (st == FANTASY_OK) {
        table_place(atomic_load_explicit(&r->table, memory_order_relaxed), node);
        r->n++;
        *out = node;
    }
    pthread_mutex_unlock(&r->write_lock);
    return st;
}

fantasy__memreg_table *fantasy__memreg_snapshot(fantasy__memreg *r) {
    return atomic_load_explicit(&r->table, memory_order_acquire);
}

/* ---- heap -------------------------------------------------------------------------------- */

fantasy_status fantasy__memheap_reserve(fantasy__memheap *h, const fantasy_allocator *a,
                                        size_t extra) {
    if (h->n + extra <= h->cap) {
        return FANTASY_OK;
    }
    size_t cap = h->cap ? h->cap : MIN_CAP;
    while (cap < h->n + extra) {
        if (cap > SIZE_MAX / 2 / sizeof(fantasy__memheap_item)) {
            return fantasy__oom();
        }
        cap *= 2;
    }
    fantasy__memheap_item *v = fantasy__realloc(a, h->v, cap * sizeof *v);
    if (!v) {
        return fantasy__oom();
    }
    h->v = v;
    h->cap = cap;
    return FANTASY_OK;
}

void fantasy__memheap_push(fantasy__memheap *h, int64_t key, void *item) {
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent].key <= key) {
            break;
        }
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i].key = key;
    h->v[i].item = item;
}

const fantasy__memheap_item *fantasy__memheap_top(const fantasy__memheap *h) {
    return h->n ? &h->v[0] : NULL;
}

void fantasy__memheap_pop(fantasy__memheap *h) {
    if (h->n == 0) {
        return;
    }
    fantasy__memheap_item last = h->v[--h->n];
    size_t n = h->n;
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) {
            break;
        }
        if (c + 1 < n && h->v[c + 1].key < h->v[c].key) {
            c++;
        }
        if (last.key <= h->v[c].key) {
            break;
        }
        h->v[i] = h->v[c];
        i = c;
    }
    if (n) {
        h->v[i] = last;
    }
}

void fantasy__memheap_free(fantasy__memheap *h, const fantasy_allocator *a) {
    fantasy__free(a, h->v);
    h->v = NULL;
    h->n = 0;
    h->cap = 0;
}
