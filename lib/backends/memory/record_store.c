/* The in-memory record store (PORTS.md, record store).
 *
 * Each collection keeps its documents in a hash table keyed by id, its distinct index keys in a
 * hash table (and, once find_keys has scanned it, in an ordered tree too), and per key an
 * ordered tree of the documents holding it, so find, find_keys and count are index lookups.
 * Each collection has its own reader-writer lock (record_colls.c):
 * apply write-locks the collections its batch touches, in one global order; reads take one
 * collection's read lock.
 *
 * apply builds every new document version (one block each) before taking a lock. Under the
 * locks, before changing anything, it makes a spare key node for each key the collection lacks;
 * then it runs the ops in order against the live state, so each op sees the earlier ones, and
 * keeps an undo entry per op. Linking and unlinking never allocate, so when an op fails the undo
 * cannot fail either and the store is left exactly as it was. Superseded versions and unused
 * spares are freed after the locks are dropped. */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "fantasy/backends/memory.h"

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

#define STORE_LIVE 0x72656373u /* "recs" */
#define STORE_DEAD 0xdeadbeefu
/* Batches up to this many ops keep their undo log on the stack. */
#define SMALL_BATCH 8
/* A key with this many holders gets its right edge cached (fantasy__rec_spine): below it the
 * tree is a few levels deep and the cache's 776 bytes would be most of the key's memory. */
#define SPINE_MIN 64

typedef fantasy__rec_node node;
typedef fantasy__rec_doc doc;
typedef fantasy__rec_key rkey;
typedef fantasy__rec_keynode keynode;
typedef fantasy__rec_coll coll;

typedef struct store {
    unsigned magic;
    fantasy_allocator a;
    fantasy__rec_colls colls;
    fantasy__rec_pool pool; /* document versions and key nodes */
} store;

/* The undo log of one op of a batch. */
typedef struct entry {
    doc *fresh; /* put: the new version (prepared before the lock) */
    doc *old;   /* the version the op replaced or deleted, NULL when none */
    coll *col;
    uint64_t hash;
    int64_t version; /* for versions_out: read under the lock, the doc may be gone after */
    int done;        /* the op changed the store (or would have, for a delete of nothing) */
} entry;

/* The embedded node is each struct's first member, so these casts are exact. */
static keynode *as_keynode(node *n) {
    return (keynode *)(void *)n;
}

static rkey *as_key(node *n) {
    return (rkey *)(void *)n;
}

static const char *doc_id_of(const void *item) {
    return ((const doc *)item)->id;
}

static const char *keynode_key_of(const void *item) {
    return ((const keynode *)item)->key;
}

/* The collection's node for `key` (hash `hash`), or NULL. */
static keynode *lookup_key(const coll *c, const char *key, uint64_t hash) {
    return fantasy__rec_table_find(&c->key_tab, hash, key, keynode_key_of);
}

static fantasy_status check_store(const store *s, const char *fn) {
    if (!s || s->magic != STORE_LIVE) {
        return fantasy__fail(FANTASY_EMISUSE, "record store %s: NULL or destroyed store", fn);
    }
    return FANTASY_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Preparation (no lock held)                                                                  */
/* ------------------------------------------------------------------------------------------ */

static fantasy_status prepare(store *s, const fantasy_record_op *ops, size_t n, entry *e) {
    for (size_t i = 0; i < n; i++) {
        fantasy_status st = fantasy__rec_check_op("record", &ops[i], i);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < n; i++) {
        e[i].hash = fantasy__rec_hash(ops[i].collection, ops[i].id);
        if (ops[i].kind == FANTASY_OP_PUT) {
            e[i].fresh = fantasy__rec_doc_make(&s->pool, &ops[i], e[i].hash);
            if (!e[i].fresh) {
                return fantasy__oom();
            }
        }
    }
    return FANTASY_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Linking (write lock held; nothing here allocates)                                           */
/* ------------------------------------------------------------------------------------------ */

/* After a removal from `kn->ids`: its right edge may have moved. */
static void forget_spine(keynode *kn) {
    if (kn->spine) {
        kn->spine->depth = 0;
    }
}

static void link_keys(coll *c, doc *d) {
    for (size_t k = 0; k < d->n_keys; k++) {
        rkey *rk = &d->keys[k];
        /* rk->kn is set when add_spares() found the key, or when an undo relinks a version:
         * those key nodes are still in the tree, since empty ones are only swept once the
         * batch is over. */
        if (!rk->kn) {
            rk->kn = lookup_key(c, rk->key, rk->key_hash);
        }
        if (!rk->kn) {
            rk->kn = rk->spare;
            rk->spare = NULL;
            rk->kn->ids = NULL;
            rk->kn->last = NULL;
            rk->kn->count = 0;
            rk->kn->hash = rk->key_hash;
            rk->kn->node.key = rk->kn->key;
            if (c->ordered) {
                fantasy__rec_avl_insert(&c->keys, &rk->kn->node);
            }
            fantasy__rec_table_insert(&c->key_tab, rk->key_hash, rk->kn);
        }
        keynode *kn = rk->kn;
        if (!kn->last || strcmp(rk->node.key, kn->last->key) > 0) {
            if (kn->spine) {
                fantasy__rec_avl_append_spine(&kn->ids, kn->spine, &rk->node);
            } else {
                fantasy__rec_avl_append(&kn->ids, &rk->node);
            }
            kn->last = &rk->node;
        } else if (kn->spine) {
            fantasy__rec_avl_insert_spine(&kn->ids, kn->spine, &rk->node);
        } else {
            fantasy__rec_avl_insert(&kn->ids, &rk->node);
        }
        kn->count++;
    }
}

static void unlink_keys(doc *d) {
    for (size_t k = 0; k < d->n_keys; k++) {
        rkey *rk = &d->keys[k];
        (void)fantasy__rec_avl_remove(&rk->kn->ids, d->id);
        forget_spine(rk->kn);
        if (rk->kn->last == &rk->node) {
            rk->kn->last = fantasy__rec_avl_last(rk->kn->ids);
        }
        rk->kn->count--;
    }
}

/* Garbage is chained through node.left and freed once the lock is dropped. */
static void chain(node **garbage, keynode *kn) {
    kn->node.left = *garbage;
    *garbage = &kn->node;
}

static void free_chain(fantasy__rec_pool *p, node *garbage) {
    while (garbage) {
        node *next = garbage->left;
        fantasy__rec_pool_free(p, as_keynode(garbage)->spine);
        fantasy__rec_pool_free(p, garbage);
        garbage = next;
    }
}

/* Drop the key nodes the batch left empty (only the keys of the docs it touched can be). Every
 * version the batch touched was linked, so each of its keys knows its node; a dropped node is
 * marked (count -1) because several versions may name it, and is freed only after the lock. */
static void sweep_doc(coll *c, const doc *d, node **garbage) {
    if (!c || !d) {
        return;
    }
    for (size_t k = 0; k < d->n_keys; k++) {
        keynode *kn = d->keys[k].kn;
        if (kn && kn->count == 0) {
            if (c->ordered) {
                (void)fantasy__rec_avl_remove(&c->keys, kn->key);
            }
            fantasy__rec_table_remove(&c->key_tab, kn->hash, kn);
            kn->count = -1;
            chain(garbage, kn);
        }
    }
}

static void sweep(const entry *e, size_t n, node **garbage) {
    for (size_t i = 0; i < n; i++) {
        if (e[i].done) {
            sweep_doc(e[i].col, e[i].old, garbage);
            sweep_doc(e[i].col, e[i].fresh, garbage);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Running a batch (write lock held)                                                           */
/* ------------------------------------------------------------------------------------------ */

static fantasy_status check_condition(const fantasy_record_op *op, size_t i, const doc *cur) {
    if (op->mode == FANTASY_WRITE_CREATE && cur) {
        return fantasy__fail(FANTASY_EEXISTS, "record apply: op %zu: %s/%s already exists", i,
                             op->collection, op->id);
    }
    if (op->mode != FANTASY_WRITE_IF_VERSION) {
        return FANTASY_OK;
    }
    int64_t have = cur ? cur->version : 0;
    if (have == op->expected_version) {
        return FANTASY_OK;
    }
    if (!cur) {
        return fantasy__fail(FANTASY_ENOTFOUND,
                             "record apply: op %zu: %s/%s not found (expected version %" PRId64 ")",
                             i, op->collection, op->id, op->expected_version);
    }
    return fantasy__fail(FANTASY_ECONFLICT,
                         "record apply: op %zu: %s/%s is at version %" PRId64 ", expected %" PRId64,
                         i, op->collection, op->id, have, op->expected_version);
}

/* A unique key is taken when a live document other than this one (`cur` is its current
 * version) holds it, uniquely or not. */
static fantasy_status check_unique(const coll *c, const doc *fresh, const doc *cur,
                                   const fantasy_record_op *op, size_t i) {
    for (size_t k = 0; k < fresh->n_keys; k++) {
        if (!fresh->keys[k].unique) {
            continue;
        }
        /* Set when the key existed before the batch (add_spares); else an earlier op of this
         * batch may have made it. */
        keynode *kn = fresh->keys[k].kn;
        if (!kn) {
            kn = lookup_key(c, fresh->keys[k].key, fresh->keys[k].key_hash);
        }
        if (!kn) {
            continue;
        }
        int mine = cur && fantasy__rec_avl_find(kn->ids, op->id) != NULL;
        if (kn->count - mine > 0) {
            node *holder = fantasy__rec_avl_seek(kn->ids, "", 0);
            if (mine && strcmp(holder->key, op->id) == 0) {
                holder = fantasy__rec_avl_seek(kn->ids, holder->key, 1);
            }
            return fantasy__fail(FANTASY_EEXISTS,
                                 "record apply: op %zu: unique key '%s' in %s is held by %s", i,
                                 kn->key, op->collection, holder->key);
        }
    }
    return FANTASY_OK;
}

static fantasy_status run_op(const fantasy_record_op *op, size_t i, entry *e) {
    int put = e->fresh != NULL; /* prepare() made a version for every put */
    fantasy__rec_table *docs = e->col ? &e->col->docs : NULL;
    doc *cur = docs ? fantasy__rec_table_find(docs, e->hash, op->id, doc_id_of) : NULL;
    fantasy_status st = check_condition(op, i, cur);
    if (st == FANTASY_OK && put) {
        st = check_unique(e->col, e->fresh, cur, op, i);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    if (cur) {
        unlink_keys(cur);
    }
    if (put) {
        e->fresh->coll = e->col;
        e->fresh->version = cur ? cur->version + 1 : 1;
        e->version = e->fresh->version;
        if (cur) {
            fantasy__rec_table_replace(docs, e->hash, cur, e->fresh);
        } else {
            fantasy__rec_table_insert(docs, e->hash, e->fresh);
        }
        link_keys(e->col, e->fresh);
    } else if (cur) {
        fantasy__rec_table_remove(docs, e->hash, cur);
    }
    e->old = cur;
    e->done = 1;
    return FANTASY_OK;
}

static void undo_op(const entry *e) {
    if (e->fresh) {
        unlink_keys(e->fresh);
        if (e->old) {
            fantasy__rec_table_replace(&e->col->docs, e->hash, e->fresh, e->old);
        } else {
            fantasy__rec_table_remove(&e->col->docs, e->hash, e->fresh);
        }
    } else if (e->old) {
        fantasy__rec_table_insert(&e->col->docs, e->hash, e->old);
    }
    if (e->old) {
        link_keys(e->col, e->old);
    }
}

static fantasy_status run_batch(const fantasy_record_op *ops, size_t n, entry *e) {
    for (size_t i = 0; i < n; i++) {
        fantasy_status st = run_op(&ops[i], i, &e[i]);
        if (st != FANTASY_OK) {
            for (size_t j = i; j-- > 0;) {
                undo_op(&e[j]);
            }
            return st;
        }
    }
    return FANTASY_OK;
}

/* Unused spares of the surviving versions go with the garbage: after the lock is dropped another
 * writer may replace (and free) those versions. */
static void detach_spares(entry *e, size_t n, node **garbage) {
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; e[i].fresh && k < e[i].fresh->n_keys; k++) {
            rkey *rk = &e[i].fresh->keys[k];
            if (rk->spare) {
                chain(garbage, rk->spare);
                rk->spare = NULL;
            }
        }
    }
}

/* Find the key nodes the new version will join, and make a spare for each key the collection
 * lacks. Under the write lock but before the batch changes anything, so running out of memory
 * here still leaves the store untouched; spares are made only for new keys (most keys exist).
 * A key grown to SPINE_MIN holders gets its right-edge cache here too: without one (no memory)
 * appends just walk the edge, so that allocation may fail.
 * A key node found here stays in the collection until the batch is over: empty ones are only
 * swept after it. @return 0, or -1 when out of memory (the spares made so far stay with the doc).
 */
static int add_spares(fantasy__rec_pool *p, const coll *c, doc *d) {
    for (size_t k = 0; k < d->n_keys; k++) {
        keynode *found = lookup_key(c, d->keys[k].key, d->keys[k].key_hash);
        if (found) {
            d->keys[k].kn = found;
            if (!found->spine && found->count >= SPINE_MIN) {
                found->spine = fantasy__rec_pool_alloc(p, sizeof *found->spine);
                if (found->spine) {
                    found->spine->depth = 0;
                }
            }
            continue;
        }
        size_t len = strlen(d->keys[k].key);
        keynode *kn = fantasy__rec_pool_alloc(p, sizeof *kn + len + 1);
        if (!kn) {
            return -1;
        }
        kn->spine = NULL; /* also read when an unused spare is freed */
        memcpy(kn->key, d->keys[k].key, len + 1);
        d->keys[k].spare = kn;
    }
    return 0;
}

/* Room in each collection's tables for the batch's puts and their keys (each may be new), so
 * inserts cannot fail. */
static fantasy_status reserve_room(store *s, const entry *e, size_t n, coll *const *set,
                                   size_t n_set) {
    for (size_t c = 0; c < n_set; c++) {
        size_t puts = 0, keys = 0;
        for (size_t i = 0; i < n; i++) {
            if (e[i].fresh && e[i].col == set[c]) {
                puts++;
                keys += e[i].fresh->n_keys;
            }
        }
        fantasy_status st = fantasy__rec_table_reserve(&set[c]->docs, &s->a, puts);
        if (st == FANTASY_OK) {
            st = fantasy__rec_table_reserve(&set[c]->key_tab, &s->a, keys);
        }
        if (st != FANTASY_OK) {
            return st;
        }
    }
    return FANTASY_OK;
}

/* Start the batch's hash-table probes at once: the document and key tables of a busy store are
 * far bigger than the cache, and probed one after another each op's slots miss in turn. */
static void prefetch_slots(const entry *e, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const coll *c = e[i].col;
        if (!c) {
            continue;
        }
        if (c->docs.cap) {
            __builtin_prefetch(&c->docs.slots[(size_t)e[i].hash & (c->docs.cap - 1)]);
        }
        for (size_t k = 0; e[i].fresh && c->key_tab.cap && k < e[i].fresh->n_keys; k++) {
            uint64_t h = e[i].fresh->keys[k].key_hash;
            __builtin_prefetch(&c->key_tab.slots[(size_t)h & (c->key_tab.cap - 1)]);
        }
    }
}

static fantasy_status apply_locked(store *s, const fantasy_record_op *ops, size_t n, entry *e,
                                   coll **set, size_t n_set) {
    node *garbage = NULL;
    fantasy__rec_colls_lock(set, n_set);
    fantasy_status st = reserve_room(s, e, n, set, n_set);
    prefetch_slots(e, n);
    for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
        if (e[i].fresh && add_spares(&s->pool, e[i].col, e[i].fresh) != 0) {
            st = fantasy__oom();
        }
    }
    if (st == FANTASY_OK) {
        st = run_batch(ops, n, e);
    }
    sweep(e, n, &garbage);
    if (st == FANTASY_OK) {
        detach_spares(e, n, &garbage);
    }
    fantasy__rec_colls_unlock(set, n_set);
    free_chain(&s->pool, garbage);
    return st;
}

/* Find each op's collection (a put creates a missing one; a delete of a document in a missing
 * collection has nothing to delete) and list the distinct ones in `set`. Collections are never
 * dropped, so one made for a batch that then fails stays, empty and invisible to reads. */
static fantasy_status resolve(store *s, const fantasy_record_op *ops, size_t n, entry *e,
                              coll **set, size_t *n_set) {
    *n_set = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && e[i - 1].col && strcmp(ops[i].collection, ops[i - 1].collection) == 0) {
            e[i].col = e[i - 1].col;
        } else if (ops[i].kind == FANTASY_OP_PUT) {
            fantasy_status st =
                fantasy__rec_coll_get_or_add(&s->colls, &s->a, ops[i].collection, &e[i].col);
            if (st != FANTASY_OK) {
                return st;
            }
        } else {
            e[i].col = fantasy__rec_coll_find(&s->colls, ops[i].collection);
        }
        size_t k = 0;
        while (k < *n_set && set[k] != e[i].col) {
            k++;
        }
        if (e[i].col && k == *n_set) {
            set[(*n_set)++] = e[i].col;
        }
    }
    return FANTASY_OK;
}

static fantasy_status rec_apply(void *self, const fantasy_record_op *ops, size_t n,
                                int64_t *versions_out) {
    store *s = self;
    fantasy_status st = check_store(s, "apply");
    if (st != FANTASY_OK || n == 0) {
        return st;
    }
    if (!ops) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: NULL ops with n %zu", n);
    }
    entry small[SMALL_BATCH];
    coll *small_set[SMALL_BATCH];
    entry *e = small;
    coll **set = small_set;
    if (n > SMALL_BATCH) {
        /* One block: the entries, then room for as many collections. */
        if (n > SIZE_MAX / (sizeof *e + sizeof(void *))) {
            return fantasy__oom();
        }
        e = fantasy__calloc(&s->a, n, sizeof *e + sizeof(void *));
        if (!e) {
            return fantasy__oom();
        }
        set = (coll **)(void *)(e + n);
    } else {
        memset(small, 0, sizeof small);
    }
    size_t n_set = 0;
    st = prepare(s, ops, n, e);
    st = st ? st : resolve(s, ops, n, e, set, &n_set);
    st = st ? st : apply_locked(s, ops, n, e, set, n_set);
    for (size_t i = 0; i < n; i++) {
        if (st == FANTASY_OK && versions_out) {
            versions_out[i] = e[i].version;
        }
        /* Only this batch can reach these now: the replaced versions, or all new ones. */
        fantasy__rec_doc_free(&s->pool, st == FANTASY_OK ? e[i].old : e[i].fresh);
    }
    if (e != small) {
        fantasy__free(&s->a, e);
    }
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Reads (the collection's read lock held while walking)                                      */
/* ------------------------------------------------------------------------------------------ */

/* Check the store, the collection and (unless `what` is NULL) one more string argument. */
static fantasy_status check_read(const store *s, const char *fn, const char *collection,
                                 const char *what, const char *value, size_t max) {
    fantasy_status st = check_store(s, fn);
    if (st != FANTASY_OK) {
        return st;
    }
    return fantasy__rec_check_read("record", fn, collection, what, value, max);
}

/* The collection, read-locked; NULL (nothing locked) when it does not exist. */
static coll *read_lock(store *s, const char *collection) {
    coll *c = fantasy__rec_coll_find(&s->colls, collection);
    if (c) {
        fantasy__rec_coll_read_lock(c);
    }
    return c;
}

static void read_unlock(coll *c) {
    if (c) {
        (void)pthread_rwlock_unlock(&c->lock);
    }
}

/* The collection, locked with its ordered key tree built: read-locked once the tree exists; the
 * first scan builds it from the key table under the write lock (linking allocates nothing, so
 * this cannot fail) and keeps that lock for its scan. NULL when there is no collection. */
static coll *lock_ordered(store *s, const char *collection) {
    coll *c = read_lock(s, collection);
    if (!c || c->ordered) {
        return c;
    }
    (void)pthread_rwlock_unlock(&c->lock);
    fantasy__rec_colls_lock(&c, 1);
    if (!c->ordered) {
        for (size_t i = 0; i < c->key_tab.cap; i++) {
            keynode *kn = c->key_tab.slots[i].item;
            if (kn) {
                fantasy__rec_avl_insert(&c->keys, &kn->node);
            }
        }
        c->ordered = 1;
    }
    return c;
}

static keynode *find_keynode(const coll *c, const char *key) {
    return c ? lookup_key(c, key, fantasy__rec_key_hash(key)) : NULL;
}

static fantasy_status rec_get(void *self, const char *collection, const char *id, fantasy_buf *out,
                              int64_t *version) {
    store *s = self;
    if (version) {
        *version = 0;
    }
    fantasy_status st = check_read(s, "get", collection, "id", id, FANTASY__REC_NAME_MAX);
    if (st != FANTASY_OK) {
        return st;
    }
    uint64_t hash = fantasy__rec_hash(collection, id);
    int found = 0;
    coll *c = read_lock(s, collection);
    const doc *d = c ? fantasy__rec_table_find(&c->docs, hash, id, doc_id_of) : NULL;
    if (d) {
        found = 1;
        st = out ? fantasy_buf_set(out, d->bytes, d->len) : FANTASY_OK;
        if (st == FANTASY_OK && version) {
            *version = d->version;
        }
    }
    read_unlock(c);
    if (!found) {
        return fantasy__fail(FANTASY_ENOTFOUND, "record get: %s/%s not found", collection, id);
    }
    return st;
}

static fantasy_status rec_find(void *self, const char *collection, const char *key,
                               const char *after_id, size_t limit, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_read(s, "find", collection, "key", key, FANTASY__REC_KEY_MAX);
    if (st == FANTASY_OK) {
        st = fantasy__rec_check_page("record", "find", limit, out);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    int from_start = !after_id || !*after_id;
    coll *c = read_lock(s, collection);
    keynode *kn = find_keynode(c, key);
    node *n = kn ? fantasy__rec_avl_seek(kn->ids, from_start ? "" : after_id, !from_start) : NULL;
    for (size_t added = 0; n && added < limit && st == FANTASY_OK; added++) {
        const doc *d = as_key(n)->doc;
        st = fantasy_list_add(out, d->id, d->version);
        n = fantasy__rec_avl_seek(kn->ids, n->key, 1);
    }
    read_unlock(c);
    return st;
}

static fantasy_status rec_find_keys(void *self, const char *collection, const char *prefix,
                                    const char *after_key, size_t limit, fantasy_list *out) {
    store *s = self;
    const char *pre = prefix ? prefix : "";
    fantasy_status st = check_read(s, "find_keys", collection, NULL, NULL, 0);
    if (st == FANTASY_OK) {
        st = fantasy__rec_check_page("record", "find_keys", limit, out);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    size_t pre_len = strlen(pre);
    /* Start at the prefix itself unless after_key lies at or beyond it. */
    int after = after_key && *after_key && strcmp(after_key, pre) >= 0;
    coll *c = lock_ordered(s, collection);
    node *keys = c ? c->keys : NULL;
    node *n = fantasy__rec_avl_seek(keys, after ? after_key : pre, after);
    for (size_t added = 0; n && added < limit && st == FANTASY_OK; added++) {
        if (strncmp(n->key, pre, pre_len) != 0) {
            break;
        }
        st = fantasy_list_add(out, n->key, as_keynode(n)->count);
        n = fantasy__rec_avl_seek(keys, n->key, 1);
    }
    read_unlock(c);
    return st;
}

static fantasy_status rec_count(void *self, const char *collection, const char *key, int64_t *out) {
    store *s = self;
    fantasy_status st = check_read(s, "count", collection, "key", key, FANTASY__REC_KEY_MAX);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "record count: NULL out");
    }
    coll *c = read_lock(s, collection);
    const keynode *kn = find_keynode(c, key);
    *out = kn ? kn->count : 0;
    read_unlock(c);
    return FANTASY_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Open and destroy                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void rec_destroy(void *self) {
    store *s = self;
    if (check_store(s, "destroy") != FANTASY_OK) {
        return;
    }
    fantasy__rec_colls_destroy(&s->colls, &s->a);
    fantasy__rec_pool_destroy(&s->pool);
    s->magic = STORE_DEAD;
    fantasy_allocator a = s->a;
    fantasy__free(&a, s);
}

FANTASY_API fantasy_status fantasy_memory_record_store_open(const fantasy_allocator *alloc,
                                                            fantasy_record_store *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_memory_record_store_open: NULL out");
    }
    memset(out, 0, sizeof *out);
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    store *s = fantasy__calloc(&a, 1, sizeof *s);
    if (!s) {
        return fantasy__oom();
    }
    s->a = a;
    st = fantasy__rec_pool_init(&s->pool, &s->a);
    if (st != FANTASY_OK) {
        fantasy__free(&a, s);
        return st;
    }
    st = fantasy__rec_colls_init(&s->colls, &a, &s->pool);
    if (st != FANTASY_OK) {
        fantasy__rec_pool_destroy(&s->pool);
        fantasy__free(&a, s);
        return st;
    }
    s->magic = STORE_LIVE;
    out->version = FANTASY_RECORD_STORE_VERSION;
    out->self = s;
    out->get = rec_get;
    out->apply = rec_apply;
    out->find = rec_find;
    out->find_keys = rec_find_keys;
    out->count = rec_count;
    out->destroy = rec_destroy;
    return FANTASY_OK;
}
