/* Private structures of the in-memory record store (record_store.c): an intrusive AVL tree keyed
 * by NUL-free strings (record_index.c) and open-addressing hash tables of documents and key
 * nodes (record_table.c), all per collection, and the collections with their locks
 * (record_colls.c). Neither structure allocates on insert or remove once room is reserved, which
 * is what lets a failed batch be rolled back without any chance of failing itself. */
#ifndef FANTASY_BACKENDS_MEMORY_RECORD_INTERNAL_H
#define FANTASY_BACKENDS_MEMORY_RECORD_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "fantasy/backend.h"

#include "backends/memory/memtab.h"
#include "core/record_check.h"

/* An AVL node embedded in whatever it indexes; `key` points into the owner and never changes
 * while the node is in a tree. Keys compare bytewise (strcmp). */
typedef struct fantasy__rec_node {
    struct fantasy__rec_node *left;
    struct fantasy__rec_node *right;
    const char *key;
    int height;
} fantasy__rec_node;

/* The node holding `key`, or NULL. */
fantasy__rec_node *fantasy__rec_avl_find(fantasy__rec_node *root, const char *key);

/* Insert `fresh` (its key set, not already present in the tree). */
void fantasy__rec_avl_insert(fantasy__rec_node **root, fantasy__rec_node *fresh);

/* Insert `fresh`, whose key is greater than every key in the tree: straight down the right
 * edge, without comparing keys. */
void fantasy__rec_avl_append(fantasy__rec_node **root, fantasy__rec_node *fresh);

/* An AVL tree of n nodes is less than 1.45 * log2(n + 2) high: 96 covers any address space. */
#define FANTASY__REC_AVL_MAX_HEIGHT 96

/* The right edge of a tree, from the root down, kept between appends: time-ordered ids go in
 * at the bottom of that edge, and walking it from the root reads a score of nodes (each one a
 * cache miss when another thread appended last) where the retrace touches two or three. */
typedef struct fantasy__rec_spine {
    size_t depth; /* nodes in `at`; 0: not known, walked again by the next append */
    fantasy__rec_node *at[FANTASY__REC_AVL_MAX_HEIGHT];
} fantasy__rec_spine;

/* fantasy__rec_avl_append, starting from the cached right edge `sp` of the tree (which must
 * have been left unchanged since that edge was last known, or sp->depth set to 0). */
void fantasy__rec_avl_append_spine(fantasy__rec_node **root, fantasy__rec_spine *sp,
                                   fantasy__rec_node *fresh);

/* fantasy__rec_avl_insert, with the same cached right edge `sp`, kept right: the edge tells
 * which subtree the key goes into, so a key a little below the greatest (ids of writers that
 * raced) is placed without comparing its way down from the root. An unknown edge stays so. */
void fantasy__rec_avl_insert_spine(fantasy__rec_node **root, fantasy__rec_spine *sp,
                                   fantasy__rec_node *fresh);

/* The node with the greatest key, or NULL for an empty tree. */
fantasy__rec_node *fantasy__rec_avl_last(fantasy__rec_node *root);

/* Unlink and return the node holding `key`, or NULL when there is none. */
fantasy__rec_node *fantasy__rec_avl_remove(fantasy__rec_node **root, const char *key);

/* The node with the smallest key > `key` (strict) or >= `key` (!strict), or NULL. */
fantasy__rec_node *fantasy__rec_avl_seek(fantasy__rec_node *root, const char *key, int strict);

/* A distinct index key of a collection: the set of documents holding it. */
typedef struct fantasy__rec_keynode {
    fantasy__rec_node node;    /* in the collection's key tree, keyed by `key` */
    fantasy__rec_node *ids;    /* the holders' fantasy__rec_key nodes, keyed by document id */
    fantasy__rec_node *last;   /* the node in `ids` with the greatest id: ids are time-ordered,
                                * so most new holders go after it (fantasy__rec_avl_append) */
    int64_t count;             /* number of nodes in `ids`; -1 once swept */
    uint64_t hash;             /* of `key`, in the collection's key table */
    fantasy__rec_spine *spine; /* the right edge of `ids`, once the key has many holders (made
                                * before a batch changes anything; NULL: appends walk it) */
    char key[];
} fantasy__rec_keynode;

struct fantasy__rec_doc;

/* One index key of one document version. */
typedef struct fantasy__rec_key {
    fantasy__rec_node node; /* in kn->ids, keyed by the document id */
    struct fantasy__rec_doc *doc;
    fantasy__rec_keynode *kn;    /* where `node` is (or was last) linked */
    fantasy__rec_keynode *spare; /* prepared keynode, used when the key is new to the collection */
    const char *key;
    uint64_t key_hash; /* fantasy__rec_key_hash(key), worked out before any lock */
    int unique;
} fantasy__rec_key;

/* A hash slot: the hash beside the item, so a probe reads no item until the hashes match. */
typedef struct fantasy__rec_slot {
    uint64_t hash;
    void *item; /* NULL: empty */
} fantasy__rec_slot;

/* Items by string key in O(1): a collection's documents by id, its key nodes by key. Linear
 * probing, no tombstones. */
typedef struct fantasy__rec_table {
    fantasy__rec_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} fantasy__rec_table;

/* An item's key, for comparing on a hash match. */
typedef const char *(*fantasy__rec_key_of)(const void *item);

/* A collection: the unit of locking. Its lock guards its documents and its key index, so a
 * unique key is checked and taken atomically; collections are never dropped, so a pointer to
 * one stays valid until the store is destroyed. */
typedef struct fantasy__rec_coll {
    fantasy__memreg_node reg; /* first: the store's registry holds collections as nodes */
    pthread_rwlock_t lock;
    struct fantasy__rec_pool *pool; /* the store's: where its versions and key nodes live */
    fantasy__rec_table docs;        /* fantasy__rec_doc by id */
    fantasy__rec_table key_tab;     /* fantasy__rec_keynode by key: exact lookups */
    fantasy__rec_node *keys;        /* the same key nodes in key order, for prefix scans: kept
                                     * only once `ordered` (set by the first find_keys), since most
                                     * collections are never scanned and a key with one holder per
                                     * document (idempotency keys) would cost a deep insert each */
    int ordered;
    char name[];
} fantasy__rec_coll;

/* One version of a document, allocated as a single block: this struct, then `keys`, then the
 * id, key strings and bytes. A write replaces the whole block. */
typedef struct fantasy__rec_doc {
    uint64_t hash; /* of (collection name, id) */
    fantasy__rec_coll *coll;
    int64_t version;
    const char *id;
    const char *bytes;
    size_t len;
    fantasy__rec_key *keys; /* sorted by key, no duplicates */
    size_t n_keys;
} fantasy__rec_doc;

/* ---- blocks for versions and key nodes (record_pool.c) ---- */

#define FANTASY__REC_POOL_LANES   8
#define FANTASY__REC_POOL_CLASSES 64 /* size classes of 32 bytes: blocks up to 2 KB */

/* One lane of the pool: its own lock, free lists and chunk, so threads rarely meet. */
typedef struct fantasy__rec_lane {
    pthread_mutex_t lock;
    void *free[FANTASY__REC_POOL_CLASSES + 1]; /* by size class; [0] unused */
    char *bump;                                /* the unused rest of the newest chunk */
    char *end;
    char *ready;       /* the chunk's pages below this are already mapped (record_pool.c) */
    void *chunks;      /* the lane's chunks, newest first */
    size_t next_chunk; /* the size of the next one; 0: the first size */
    char pad[64];      /* keeps the next lane's lock off this lane's last cache line */
} fantasy__rec_lane;

/* The store's blocks for document versions and key nodes (record_pool.c). */
typedef struct fantasy__rec_pool {
    const fantasy_allocator *a;
    fantasy__rec_lane lanes[FANTASY__REC_POOL_LANES];
} fantasy__rec_pool;

/* Set up an empty pool drawing on `a` (which must outlive it). FANTASY_ENOMEM when a lock
 * cannot be made. */
fantasy_status fantasy__rec_pool_init(fantasy__rec_pool *p, const fantasy_allocator *a);

/* Give every chunk back to the allocator; blocks still handed out become invalid. */
void fantasy__rec_pool_destroy(fantasy__rec_pool *p);

/* A block of at least `n` bytes, aligned to 16 when the allocator's blocks are (malloc's are);
 * NULL when out of memory. Thread-safe. */
void *fantasy__rec_pool_alloc(fantasy__rec_pool *p, size_t n);

/* Return a block of this pool (NULL: nothing). Thread-safe, from any thread. */
void fantasy__rec_pool_free(fantasy__rec_pool *p, void *ptr);

/* ---- document versions (record_doc.c) ---- */

/* A put's new version as one block (struct, keys sorted and merged, id, key strings, bytes),
 * not linked anywhere; `hash` is fantasy__rec_hash of its collection and id. NULL when out of
 * memory. */
fantasy__rec_doc *fantasy__rec_doc_make(fantasy__rec_pool *p, const fantasy_record_op *op,
                                        uint64_t hash);

/* Free a version and its unused spare key nodes (NULL: nothing). */
void fantasy__rec_doc_free(fantasy__rec_pool *p, fantasy__rec_doc *d);

/* ---- hash tables (record_table.c) ---- */

uint64_t fantasy__rec_hash(const char *collection, const char *id);

/* Hash of an index key, for the key table. */
uint64_t fantasy__rec_key_hash(const char *key);

/* Make room for `extra` more items, so that inserts until then cannot fail.
 * @return FANTASY_OK or FANTASY_ENOMEM (table unchanged). */
fantasy_status fantasy__rec_table_reserve(fantasy__rec_table *t, const fantasy_allocator *a,
                                          size_t extra);

/* The item with `key` (whose hash is `hash`), or NULL. */
void *fantasy__rec_table_find(const fantasy__rec_table *t, uint64_t hash, const char *key,
                              fantasy__rec_key_of key_of);

/* Insert an item not in the table; room must have been reserved. */
void fantasy__rec_table_insert(fantasy__rec_table *t, uint64_t hash, void *item);

/* Put `fresh` in the slot of `old` (same key, hash `hash`). */
void fantasy__rec_table_replace(fantasy__rec_table *t, uint64_t hash, const void *old, void *fresh);

/* Remove an item that is in the table under `hash`. */
void fantasy__rec_table_remove(fantasy__rec_table *t, uint64_t hash, const void *item);

/* Free the slots (not the items). */
void fantasy__rec_table_free(fantasy__rec_table *t, const fantasy_allocator *a);

/* ---- collections (record_colls.c) ---- */

/* The collections of a store: a registry read without a lock. */
typedef struct fantasy__rec_colls {
    fantasy__memreg reg;
    struct fantasy__rec_pool *pool; /* given to each collection made */
} fantasy__rec_colls;

fantasy_status fantasy__rec_colls_init(fantasy__rec_colls *cs, const fantasy_allocator *a,
                                       struct fantasy__rec_pool *pool);

/* Frees every collection, with its documents and key nodes. */
void fantasy__rec_colls_destroy(fantasy__rec_colls *cs, const fantasy_allocator *a);

/* The collection named `name`, or NULL. Lock-free. */
fantasy__rec_coll *fantasy__rec_coll_find(fantasy__rec_colls *cs, const char *name);

/* The collection named `name`, created (empty) when missing. FANTASY_ENOMEM or FANTASY_EBACKEND
 * (no lock) leave the store as it was. */
fantasy_status fantasy__rec_coll_get_or_add(fantasy__rec_colls *cs, const fantasy_allocator *a,
                                            const char *name, fantasy__rec_coll **out);

/* Write-lock the `n` collections of `set` (distinct, sorted into ascending address order here):
 * every writer takes its locks in that one order, so two batches over the same collections
 * cannot deadlock. */
void fantasy__rec_colls_lock(fantasy__rec_coll **set, size_t n);

/* Read-lock one collection (unlock with pthread_rwlock_unlock). */
void fantasy__rec_coll_read_lock(fantasy__rec_coll *c);

/* Unlock what fantasy__rec_colls_lock() locked. */
void fantasy__rec_colls_unlock(fantasy__rec_coll **set, size_t n);

#endif
