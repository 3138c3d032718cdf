/* The collections of the in-memory record store and their locks.
 *
 * Each collection has its own reader-writer lock over its documents and key index, so writes to
 * orders do not stall reads of products or sessions, and the registry that finds a collection
 * by name is read without any lock (memtab.h), so finding one writes no shared cache line.
 * A batch over several collections write-locks them all, always in ascending address order:
 * one global order, hence no deadlock, and the batch is all or nothing because nobody sees any
 * of its collections until every op has run or been undone. */
#include <stdint.h>
#include <string.h>

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

/* Tries of a lock before sleeping on it. Critical sections are a few microseconds, far less
 * than a futex sleep and wake-up, so a short spin usually wins; a holder that was preempted is
 * waited for in the kernel after the spin. Readers spin too: every order reads the idempotency
 * collection it is about to write, so readers meet writers all the time. */
#define SPINS 64

static void pause_cpu(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void free_coll(const fantasy_allocator *a, fantasy__memreg_node *node) {
    fantasy__rec_coll *c = (fantasy__rec_coll *)(void *)node;
    for (size_t i = 0; i < c->docs.cap; i++) {
        if (c->docs.slots[i].item) {
            fantasy__rec_doc_free(c->pool, c->docs.slots[i].item);
        }
    }
    fantasy__rec_table_free(&c->docs, a);
    /* Every key node is in the key table (the ordered tree, when built, holds the same ones). */
    for (size_t i = 0; i < c->key_tab.cap; i++) {
        fantasy__rec_keynode *kn = c->key_tab.slots[i].item;
        if (kn) {
            fantasy__rec_pool_free(c->pool, kn->spine);
            fantasy__rec_pool_free(c->pool, kn);
        }
    }
    fantasy__rec_table_free(&c->key_tab, a);
    (void)pthread_rwlock_destroy(&c->lock);
    fantasy__free(a, c);
}

fantasy_status fantasy__rec_colls_init(fantasy__rec_colls *cs, const fantasy_allocator *a,
                                       struct fantasy__rec_pool *pool) {
    cs->pool = pool;
    return fantasy__memreg_init(&cs->reg, a);
}

void fantasy__rec_colls_destroy(fantasy__rec_colls *cs, const fantasy_allocator *a) {
    fantasy__memreg_destroy(&cs->reg, a, free_coll);
}

fantasy__rec_coll *fantasy__rec_coll_find(fantasy__rec_colls *cs, const char *name) {
    uint64_t hash = fantasy__memtab_hash(name, strlen(name));
    return (fantasy__rec_coll *)(void *)fantasy__memreg_get(&cs->reg, name, hash);
}

static int init_lock(pthread_rwlock_t *lock) {
    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0) {
        return -1;
    }
#if defined(__GLIBC__)
    /* glibc prefers readers by default: a steady stream of finds would starve apply. */
    (void)pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int rc = pthread_rwlock_init(lock, &attr);
    (void)pthread_rwlockattr_destroy(&attr);
    return rc;
}

static fantasy__rec_coll *coll_new(const fantasy_allocator *a, fantasy__rec_pool *pool,
                                   const char *name) {
    size_t len = strlen(name);
    fantasy__rec_coll *c = fantasy__calloc(a, 1, sizeof *c + len + 1);
    if (!c) {
        return NULL;
    }
    c->pool = pool;
    if (init_lock(&c->lock) != 0) {
        fantasy__free(a, c);
        return NULL;
    }
    memcpy(c->name, name, len + 1);
    c->reg.key = c->name;
    c->reg.hash = fantasy__memtab_hash(name, len);
    return c;
}

fantasy_status fantasy__rec_coll_get_or_add(fantasy__rec_colls *cs, const fantasy_allocator *a,
                                            const char *name, fantasy__rec_coll **out) {
    *out = fantasy__rec_coll_find(cs, name);
    if (*out) {
        return FANTASY_OK;
    }
    fantasy__rec_coll *c = coll_new(a, cs->pool, name);
    if (!c) {
        return fantasy__oom();
    }
    fantasy__memreg_node *won = NULL;
    fantasy_status st = fantasy__memreg_add(&cs->reg, a, &c->reg, &won);
    if (st != FANTASY_OK || won != &c->reg) {
        /* Out of memory, or another thread added the collection first: it was never seen. */
        free_coll(a, &c->reg);
    }
    *out = st == FANTASY_OK ? (fantasy__rec_coll *)(void *)won : NULL;
    return st;
}

/* Insertion sort by address: a batch names few collections. */
static void sort_by_address(fantasy__rec_coll **set, size_t n) {
    for (size_t i = 1; i < n; i++) {
        fantasy__rec_coll *c = set[i];
        size_t j = i;
        for (; j > 0 && (uintptr_t)set[j - 1] > (uintptr_t)c; j--) {
            set[j] = set[j - 1];
        }
        set[j] = c;
    }
}

static void write_lock(pthread_rwlock_t *lock) {
    for (int i = 0; i < SPINS; i++) {
        if (pthread_rwlock_trywrlock(lock) == 0) {
            return;
        }
        pause_cpu();
    }
    (void)pthread_rwlock_wrlock(lock);
}

void fantasy__rec_coll_read_lock(fantasy__rec_coll *c) {
    for (int i = 0; i < SPINS; i++) {
        if (pthread_rwlock_tryrdlock(&c->lock) == 0) {
            return;
        }
        pause_cpu();
    }
    (void)pthread_rwlock_rdlock(&c->lock);
}

void fantasy__rec_colls_lock(fantasy__rec_coll **set, size_t n) {
    sort_by_address(set, n);
    for (size_t i = 0; i < n; i++) {
        write_lock(&set[i]->lock);
    }
}

void fantasy__rec_colls_unlock(fantasy__rec_coll **set, size_t n) {
    for (size_t i = n; i-- > 0;) {
        (void)pthread_rwlock_unlock(&set[i]->lock);
    }
}
