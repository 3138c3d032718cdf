/* String-keyed tables and a min-heap shared by the in-memory stock and queue stores.
 *
 * - fantasy__memtab: open addressing, no deletion (the stores never forget a hold, entry or
 *   user), NOT thread-safe: the owner's lock guards it.
 * - fantasy__memreg: a registry (products, rides) whose readers take no lock at all, so threads
 *   working on different products never write a shared cache line to find them. Writers
 *   serialize on a mutex; a grown table replaces the old one atomically and the old one is kept
 *   until destroy, so a reader holding a stale table still reads valid memory.
 * - fantasy__memheap: a binary min-heap of (key, pointer); the stores skip stale items lazily. */
#ifndef FANTASY_BACKENDS_MEMORY_MEMTAB_H
#define FANTASY_BACKENDS_MEMORY_MEMTAB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "fantasy/backend.h"

/* Init a mutex for short critical sections: adaptive where glibc has it, so a thread that
 * finds it taken spins briefly instead of sleeping in the kernel (a futex sleep costs far more
 * than the few hundred nanoseconds the holder needs). 0 on success, as pthread_mutex_init. */
int fantasy__memlock_init(pthread_mutex_t *m);

/* Hash of `len` bytes of `s` (the stores hash ids once and reuse the value). */
uint64_t fantasy__memtab_hash(const char *s, size_t len);

/* 1 when `s` is a usable id (non-NULL, 1..FANTASY_ID_MAX-1 bytes); its length in *len. */
int fantasy__memtab_id_ok(const char *s, size_t *len);

typedef struct fantasy__memtab_slot {
    uint64_t hash;
    void *item; /* NULL marks an empty slot */
} fantasy__memtab_slot;

/* 16-byte slots keep probes within few cache lines; the key is found inside the item, at the
 * same offset in every item of one table (learned from the first put). */
typedef struct fantasy__memtab {
    fantasy__memtab_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
    size_t key_off;
} fantasy__memtab;

/* The item stored under `key`, or NULL. */
void *fantasy__memtab_get(const fantasy__memtab *t, const char *key, uint64_t hash);

/* Make room so that `extra` more puts need no allocation. FANTASY_ENOMEM leaves `t` unchanged. */
fantasy_status fantasy__memtab_reserve(fantasy__memtab *t, const fantasy_allocator *a,
                                       size_t extra);

/* Store a key not yet present; room must have been reserved. `key` lies inside `item`, at the
 * same offset for every item of the table. */
void fantasy__memtab_put(fantasy__memtab *t, const char *key, uint64_t hash, void *item);

/* Free the slot array (not the items). */
void fantasy__memtab_free(fantasy__memtab *t, const fantasy_allocator *a);

/* The first member of every registry item. */
typedef struct fantasy__memreg_node {
    uint64_t hash;
    const char *key;
} fantasy__memreg_node;

typedef struct fantasy__memreg_table {
    struct fantasy__memreg_table *older; /* retired tables, freed at destroy */
    size_t cap;                          /* a power of two */
    _Atomic(fantasy__memreg_node *) slots[];
} fantasy__memreg_table;

typedef struct fantasy__memreg {
    _Atomic(fantasy__memreg_table *) table;
    pthread_mutex_t write_lock;
    size_t n;
} fantasy__memreg;

fantasy_status fantasy__memreg_init(fantasy__memreg *r, const fantasy_allocator *a);

/* Frees the tables and hands each node to `free_node`. */
void fantasy__memreg_destroy(fantasy__memreg *r, const fantasy_allocator *a,
                             void (*free_node)(const fantasy_allocator *a,
                                               fantasy__memreg_node *node));

/* Lock-free lookup. */
fantasy__memreg_node *fantasy__memreg_get(fantasy__memreg *r, const char *key, uint64_t hash);

/* Publish `node` (fully initialized) unless its key is present. *out gets the node now
 * registered under the key: `node` itself, or the one that won a race (the caller then still
 * owns `node`). FANTASY_ENOMEM: nothing published. */
fantasy_status fantasy__memreg_add(fantasy__memreg *r, const fantasy_allocator *a,
                                   fantasy__memreg_node *node, fantasy__memreg_node **out);

/* The current table, valid until destroy; iterate slots[0..cap) skipping NULL. */
fantasy__memreg_table *fantasy__memreg_snapshot(fantasy__memreg *r);

typedef struct fantasy__memheap_item {
    int64_t key;
    void *item;
} fantasy__memheap_item;

typedef struct fantasy__memheap {
    fantasy__memheap_item *v;
    size_t n, cap;
} fantasy__memheap;

/* Make room so that `extra` more pushes need no allocation. FANTASY_ENOMEM: heap unchanged. */
fantasy_status fantasy__memheap_reserve(fantasy__memheap *h, const fantasy_allocator *a,
                                        size_t extra);
/* Push after reserving room. */
void fantasy__memheap_push(fantasy__memheap *h, int64_t key, void *item);
/* The smallest item, or NULL when empty. */
const fantasy__memheap_item *fantasy__memheap_top(const fantasy__memheap *h);
/* Drop the smallest item (no-op when empty). */
void fantasy__memheap_pop(fantasy__memheap *h);
void fantasy__memheap_free(fantasy__memheap *h, const fantasy_allocator *a);

#endif
