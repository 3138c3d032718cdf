/* The in-memory record store (PORTS.md, record store).
 *
 * Documents sit in one hash table keyed by (collection, id); each collection keeps an ordered tree
 * of its distinct index keys, and each key an ordered tree of the documents holding it, so find,
 * find_keys and count are index lookups. One reader-writer lock guards the store: apply writes,
 * everything else reads.
 *
 * apply builds every new document version (one block each, plus a spare key node per key in case
 * the key is new) before taking the lock. Under the lock it runs the ops in order against the live
 * state, so each op sees the earlier ones, and keeps an undo entry per op. Linking and unlinking
 * never allocate, so when an op fails the undo cannot fail either and the store is left exactly
 * as it was. Superseded versions and unused spares are freed after the lock is dropped. */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fantasy/backends/memory.h"

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

#define NAME_MAX_LEN 255
#define KEY_MAX_LEN  512
#define STORE_LIVE   0x72656373u /* "recs" */
#define STORE_DEAD   0xdeadbeefu
/* Batches up to this many ops keep their undo log on the stack. */
#define SMALL_BATCH 8

typedef fantasy__rec_node node;
typedef fantasy__rec_doc doc;
typedef fantasy__rec_key rkey;
typedef fantasy__rec_keynode keynode;
typedef fantasy__rec_coll coll;

typedef struct store {
    unsigned magic;
    fantasy_allocator a;
    pthread_rwlock_t lock;
    fantasy__rec_table docs;
    node *colls;
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

static coll *as_coll(node *n) {
    return (coll *)(void *)n;
}

static const char *bad_string(const char *s, size_t max) {
    if (!s) {
        return "is NULL";
    }
    size_t len = strnlen(s, max + 1);
    if (len == 0) {
        return "is empty";
    }
    return len > max ? "is too long" : NULL;
}

static fantasy_status check_store(const store *s, const char *fn) {
    if (!s || s->magic != STORE_LIVE) {
        return fantasy__fail(FANTASY_EMISUSE, "record store %s: NULL or destroyed store", fn);
    }
    return FANTASY_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation and preparation (no lock held)                                                   */
/* ------------------------------------------------------------------------------------------ */

static fantasy_status validate_mode(const fantasy_record_op *op, size_t i) {
    if (op->kind != FANTASY_OP_PUT && op->kind != FANTASY_OP_DEL) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: unknown kind %d", i,
                             (int)op->kind);
    }
    if (op->mode != FANTASY_WRITE_CREATE && op->mode != FANTASY_WRITE_IF_VERSION &&
        op->mode != FANTASY_WRITE_ANY) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: unknown mode %d", i,
                             (int)op->mode);
    }
    if (op->kind == FANTASY_OP_DEL && op->mode == FANTASY_WRITE_CREATE) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: a delete cannot be create-only",
                             i);
    }
    if (op->mode == FANTASY_WRITE_IF_VERSION && op->expected_version < 0) {
        return fantasy__fail(FANTASY_EINVAL,
                             "record apply: op %zu: negative expected_version %" PRId64, i,
                             op->expected_version);
    }
    return FANTASY_OK;
}

static fantasy_status validate_put(const fantasy_record_op *op, size_t i) {
    if (!op->doc && op->doc_len > 0) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: NULL doc with doc_len %zu", i,
                             op->doc_len);
    }
    if (!op->keys && op->n_keys > 0) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: NULL keys with n_keys %zu", i,
                             op->n_keys);
    }
    for (size_t k = 0; k < op->n_keys; k++) {
        const char *why = bad_string(op->keys[k].key, KEY_MAX_LEN);
        if (why) {
            return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: key %zu %s (1 to %d bytes)",
                                 i, k, why, KEY_MAX_LEN);
        }
    }
    return FANTASY_OK;
}

static fantasy_status validate_op(const fantasy_record_op *op, size_t i) {
    fantasy_status st = validate_mode(op, i);
    if (st != FANTASY_OK) {
        return st;
    }
    const char *why = bad_string(op->collection, NAME_MAX_LEN);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: collection %s (1 to %d bytes)",
                             i, why, NAME_MAX_LEN);
    }
    why = bad_string(op->id, NAME_MAX_LEN);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: id %s (1 to %d bytes)", i, why,
                             NAME_MAX_LEN);
    }
    return op->kind == FANTASY_OP_PUT ? validate_put(op, i) : FANTASY_OK;
}

static void doc_free(const fantasy_allocator *a, doc *d) {
    if (!d) {
        return;
    }
    for (size_t k = 0; k < d->n_keys; k++) {
        fantasy__free(a, d->keys[k].spare);
    }
    fantasy__free(a, d);
}

static int key_cmp(const void *x, const void *y) {
    return strcmp(((const rkey *)x)->key, ((const rkey *)y)->key);
}

/* Sort the keys and merge repeats (a key held unique once is unique): a document holds a key
 * at most once, which is what count() counts. */
static void dedupe_keys(doc *d) {
    if (d->n_keys < 2) {
        return;
    }
    qsort(d->keys, d->n_keys, sizeof *d->keys, key_cmp);
    size_t w = 0;
    for (size_t r = 1; r < d->n_keys; r++) {
        if (strcmp(d->keys[r].key, d->keys[w].key) == 0) {
            d->keys[w].unique |= d->keys[r].unique;
        } else {
            d->keys[++w] = d->keys[r];
        }
    }
    d->n_keys = w + 1;
}

static size_t doc_size(const fantasy_record_op *op) {
    size_t size = sizeof(doc) + strlen(op->id) + 1;
    if (op->n_keys > (SIZE_MAX / 2 - size) / (sizeof(rkey) + KEY_MAX_LEN + 1) ||
        op->doc_len > SIZE_MAX / 2) {
        return 0;
    }
    size += op->n_keys * sizeof(rkey);
    for (size_t k = 0; k < op->n_keys; k++) {
        size += strlen(op->keys[k].key) + 1;
    }
    return size + op->doc_len;
}

static char *copy_str(char *dst, const char *src) {
    size_t len = strlen(src) + 1;
    memcpy(dst, src, len);
    return dst + len;
}

/* @return 0, or -1 when out of memory (the spares made so far stay with the doc). */
static int add_spares(const fantasy_allocator *a, doc *d) {
    for (size_t k = 0; k < d->n_keys; k++) {
        size_t len = strlen(d->keys[k].key);
        keynode *kn = fantasy__alloc(a, sizeof *kn + len + 1);
        if (!kn) {
            return -1;
        }
        memcpy(kn->key, d->keys[k].key, len + 1);
        d->keys[k].spare = kn;
    }
    return 0;
}

/* The new version of a put's document, in one block: struct, keys, id, key strings, bytes.
 * @return NULL when out of memory. */
static doc *make_doc(const fantasy_allocator *a, const fantasy_record_op *op, uint64_t hash) {
    size_t size = doc_size(op);
    doc *d = size ? fantasy__alloc(a, size) : NULL;
    if (!d) {
        return NULL;
    }
    memset(d, 0, sizeof *d);
    d->hash = hash;
    d->keys = (rkey *)(void *)(d + 1);
    d->n_keys = op->n_keys;
    char *p = (char *)(d->keys + op->n_keys);
    d->id = p;
    p = copy_str(p, op->id);
    for (size_t k = 0; k < op->n_keys; k++) {
        rkey *rk = &d->keys[k];
        memset(rk, 0, sizeof *rk);
        rk->doc = d;
        rk->unique = op->keys[k].unique != 0;
        rk->key = p;
        p = copy_str(p, op->keys[k].key);
    }
    if (op->doc_len > 0) {
        memcpy(p, op->doc, op->doc_len);
    }
    d->bytes = p;
    d->len = op->doc_len;
    dedupe_keys(d);
    for (size_t k = 0; k < d->n_keys; k++) {
        d->keys[k].node.key = d->id;
    }
    if (add_spares(a, d) != 0) {
        doc_free(a, d);
        return NULL;
    }
    return d;
}

static fantasy_status prepare(store *s, const fantasy_record_op *ops, size_t n, entry *e,
                              size_t *n_puts) {
    for (size_t i = 0; i < n; i++) {
        fantasy_status st = validate_op(&ops[i], i);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    *n_puts = 0;
    for (size_t i = 0; i < n; i++) {
        e[i].hash = fantasy__rec_hash(ops[i].collection, ops[i].id);
        if (ops[i].kind == FANTASY_OP_PUT) {
            e[i].fresh = make_doc(&s->a, &ops[i], e[i].hash);
            if (!e[i].fresh) {
                return fantasy__oom();
            }
            ++*n_puts;
        }
    }
    return FANTASY_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Linking (write lock held; nothing here allocates)                                           */
/* ------------------------------------------------------------------------------------------ */

static void link_keys(coll *c, doc *d) {
    for (size_t k = 0; k < d->n_keys; k++) {
        rkey *rk = &d->keys[k];
        /* rk->kn is set when an undo relinks a version: its key nodes are still in the tree,
         * since empty ones are only swept once the batch is over. */
        if (!rk->kn) {
            node *found = fantasy__rec_avl_find(c->keys, rk->key);
            if (found) {
                rk->kn = as_keynode(found);
            } else {
                rk->kn = rk->spare;
                rk->spare = NULL;
                rk->kn->ids = NULL;
                rk->kn->count = 0;
                rk->kn->node.key = rk->kn->key;
                fantasy__rec_avl_insert(&c->keys, &rk->kn->node);
            }
        }
        fantasy__rec_avl_insert(&rk->kn->ids, &rk->node);
        rk->kn->count++;
    }
}

static void unlink_keys(doc *d) {
    for (size_t k = 0; k < d->n_keys; k++) {
        rkey *rk = &d->keys[k];
        (void)fantasy__rec_avl_remove(&rk->kn->ids, d->id);
        rk->kn->count--;
    }
}

/* Garbage is chained through node.left and freed once the lock is dropped. */
static void chain(node **garbage, keynode *kn) {
    kn->node.left = *garbage;
    *garbage = &kn->node;
}

static void free_chain(const fantasy_allocator *a, node *garbage) {
    while (garbage) {
        node *next = garbage->left;
        fantasy__free(a, garbage);
        garbage = next;
    }
}

/* Drop the key nodes the batch left empty (only the keys of the docs it touched can be). */
static void sweep_doc(coll *c, const doc *d, node **garbage) {
    if (!c || !d) {
        return;
    }
    for (size_t k = 0; k < d->n_keys; k++) {
        node *n = fantasy__rec_avl_find(c->keys, d->keys[k].key);
        if (n && as_keynode(n)->count == 0) {
            (void)fantasy__rec_avl_remove(&c->keys, d->keys[k].key);
            chain(garbage, as_keynode(n));
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

static fantasy_status find_coll(store *s, const char *name, int create, coll **out) {
    node *n = fantasy__rec_avl_find(s->colls, name);
    *out = n ? as_coll(n) : NULL;
    if (n || !create) {
        return FANTASY_OK;
    }
    /* Collections are few and never dropped, so this rare allocation may sit under the lock; one
     * left empty by a failed batch is invisible. */
    size_t len = strlen(name);
    coll *c = fantasy__alloc(&s->a, sizeof *c + len + 1);
    if (!c) {
        return fantasy__oom();
    }
    memcpy(c->name, name, len + 1);
    c->keys = NULL;
    c->node.key = c->name;
    fantasy__rec_avl_insert(&s->colls, &c->node);
    *out = c;
    return FANTASY_OK;
}

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
        node *n = fantasy__rec_avl_find(c->keys, fresh->keys[k].key);
        if (!n) {
            continue;
        }
        keynode *kn = as_keynode(n);
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

static fantasy_status run_op(store *s, const fantasy_record_op *op, size_t i, entry *e) {
    int put = op->kind == FANTASY_OP_PUT;
    fantasy_status st = find_coll(s, op->collection, put, &e->col);
    if (st != FANTASY_OK) {
        return st;
    }
    doc *cur = e->col ? fantasy__rec_table_find(&s->docs, e->hash, e->col, op->id) : NULL;
    st = check_condition(op, i, cur);
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
            fantasy__rec_table_replace(&s->docs, cur, e->fresh);
        } else {
            fantasy__rec_table_insert(&s->docs, e->fresh);
        }
        link_keys(e->col, e->fresh);
    } else if (cur) {
        fantasy__rec_table_remove(&s->docs, cur);
    }
    e->old = cur;
    e->done = 1;
    return FANTASY_OK;
}

static void undo_op(store *s, const entry *e) {
    if (e->fresh) {
        unlink_keys(e->fresh);
        if (e->old) {
            fantasy__rec_table_replace(&s->docs, e->fresh, e->old);
        } else {
            fantasy__rec_table_remove(&s->docs, e->fresh);
        }
    } else if (e->old) {
        fantasy__rec_table_insert(&s->docs, e->old);
    }
    if (e->old) {
        link_keys(e->col, e->old);
    }
}

static fantasy_status run_batch(store *s, const fantasy_record_op *ops, size_t n, entry *e) {
    for (size_t i = 0; i < n; i++) {
        fantasy_status st = run_op(s, &ops[i], i, &e[i]);
        if (st != FANTASY_OK) {
            for (size_t j = i; j-- > 0;) {
                undo_op(s, &e[j]);
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

static fantasy_status apply_locked(store *s, const fantasy_record_op *ops, size_t n, entry *e,
                                   size_t n_puts) {
    node *garbage = NULL;
    if (pthread_rwlock_wrlock(&s->lock) != 0) {
        return fantasy__fail(FANTASY_EBACKEND, "record apply: cannot take the store lock");
    }
    fantasy_status st = fantasy__rec_table_reserve(&s->docs, &s->a, n_puts);
    if (st == FANTASY_OK) {
        st = run_batch(s, ops, n, e);
    }
    sweep(e, n, &garbage);
    if (st == FANTASY_OK) {
        detach_spares(e, n, &garbage);
    }
    (void)pthread_rwlock_unlock(&s->lock);
    free_chain(&s->a, garbage);
    return st;
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
    entry *e = n <= SMALL_BATCH ? small : fantasy__calloc(&s->a, n, sizeof *e);
    if (!e) {
        return fantasy__oom();
    }
    if (e == small) {
        memset(small, 0, sizeof small);
    }
    size_t n_puts = 0;
    st = prepare(s, ops, n, e, &n_puts);
    if (st == FANTASY_OK) {
        st = apply_locked(s, ops, n, e, n_puts);
    }
    for (size_t i = 0; i < n; i++) {
        if (st == FANTASY_OK && versions_out) {
            versions_out[i] = e[i].version;
        }
        /* Only this batch can reach these now: the replaced versions, or all new ones. */
        doc_free(&s->a, st == FANTASY_OK ? e[i].old : e[i].fresh);
    }
    if (e != small) {
        fantasy__free(&s->a, e);
    }
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Reads (read lock held while walking)                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Check the store, the collection and (unless `what` is NULL) one more string argument. */
static fantasy_status check_read(const store *s, const char *fn, const char *collection,
                                 const char *what, const char *value, size_t max) {
    fantasy_status st = check_store(s, fn);
    if (st != FANTASY_OK) {
        return st;
    }
    const char *why = bad_string(collection, NAME_MAX_LEN);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "record %s: collection %s", fn, why);
    }
    why = what ? bad_string(value, max) : NULL;
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "record %s: %s %s", fn, what, why);
    }
    return FANTASY_OK;
}

static fantasy_status read_lock(store *s, const char *fn) {
    if (pthread_rwlock_rdlock(&s->lock) != 0) {
        return fantasy__fail(FANTASY_EBACKEND, "record %s: cannot take the store lock", fn);
    }
    return FANTASY_OK;
}

static keynode *find_keynode(const store *s, const char *collection, const char *key) {
    node *c = fantasy__rec_avl_find(s->colls, collection);
    node *kn = c ? fantasy__rec_avl_find(as_coll(c)->keys, key) : NULL;
    return kn ? as_keynode(kn) : NULL;
}

static fantasy_status rec_get(void *self, const char *collection, const char *id, fantasy_buf *out,
                              int64_t *version) {
    store *s = self;
    if (version) {
        *version = 0;
    }
    fantasy_status st = check_read(s, "get", collection, "id", id, NAME_MAX_LEN);
    if (st != FANTASY_OK) {
        return st;
    }
    uint64_t hash = fantasy__rec_hash(collection, id);
    int found = 0;
    st = read_lock(s, "get");
    if (st != FANTASY_OK) {
        return st;
    }
    node *c = fantasy__rec_avl_find(s->colls, collection);
    const doc *d = c ? fantasy__rec_table_find(&s->docs, hash, as_coll(c), id) : NULL;
    if (d) {
        found = 1;
        st = out ? fantasy_buf_set(out, d->bytes, d->len) : FANTASY_OK;
        if (st == FANTASY_OK && version) {
            *version = d->version;
        }
    }
    (void)pthread_rwlock_unlock(&s->lock);
    if (!found) {
        return fantasy__fail(FANTASY_ENOTFOUND, "record get: %s/%s not found", collection, id);
    }
    return st;
}

static fantasy_status check_list(const char *fn, size_t limit, const fantasy_list *out) {
    if (limit == 0 || !out) {
        return fantasy__fail(FANTASY_EINVAL, "record %s: %s", fn,
                             out ? "limit must be at least 1" : "NULL out list");
    }
    return FANTASY_OK;
}

static fantasy_status rec_find(void *self, const char *collection, const char *key,
                               const char *after_id, size_t limit, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_read(s, "find", collection, "key", key, KEY_MAX_LEN);
    if (st == FANTASY_OK) {
        st = check_list("find", limit, out);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    int from_start = !after_id || !*after_id;
    st = read_lock(s, "find");
    if (st != FANTASY_OK) {
        return st;
    }
    keynode *kn = find_keynode(s, collection, key);
    node *n = kn ? fantasy__rec_avl_seek(kn->ids, from_start ? "" : after_id, !from_start) : NULL;
    for (size_t added = 0; n && added < limit && st == FANTASY_OK; added++) {
        const doc *d = as_key(n)->doc;
        st = fantasy_list_add(out, d->id, d->version);
        n = fantasy__rec_avl_seek(kn->ids, n->key, 1);
    }
    (void)pthread_rwlock_unlock(&s->lock);
    return st;
}

static fantasy_status rec_find_keys(void *self, const char *collection, const char *prefix,
                                    const char *after_key, size_t limit, fantasy_list *out) {
    store *s = self;
    const char *pre = prefix ? prefix : "";
    fantasy_status st = check_read(s, "find_keys", collection, NULL, NULL, 0);
    if (st == FANTASY_OK) {
        st = check_list("find_keys", limit, out);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    size_t pre_len = strlen(pre);
    /* Start at the prefix itself unless after_key lies at or beyond it. */
    int after = after_key && *after_key && strcmp(after_key, pre) >= 0;
    st = read_lock(s, "find_keys");
    if (st != FANTASY_OK) {
        return st;
    }
    node *c = fantasy__rec_avl_find(s->colls, collection);
    node *keys = c ? as_coll(c)->keys : NULL;
    node *n = fantasy__rec_avl_seek(keys, after ? after_key : pre, after);
    for (size_t added = 0; n && added < limit && st == FANTASY_OK; added++) {
        if (strncmp(n->key, pre, pre_len) != 0) {
            break;
        }
        st = fantasy_list_add(out, n->key, as_keynode(n)->count);
        n = fantasy__rec_avl_seek(keys, n->key, 1);
    }
    (void)pthread_rwlock_unlock(&s->lock);
    return st;
}

static fantasy_status rec_count(void *self, const char *collection, const char *key, int64_t *out) {
    store *s = self;
    fantasy_status st = check_read(s, "count", collection, "key", key, KEY_MAX_LEN);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "record count: NULL out");
    }
    st = read_lock(s, "count");
    if (st != FANTASY_OK) {
        return st;
    }
    const keynode *kn = find_keynode(s, collection, key);
    *out = kn ? kn->count : 0;
    (void)pthread_rwlock_unlock(&s->lock);
    return FANTASY_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Open and destroy                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void free_node(node *n, void *ctx) {
    fantasy__free(ctx, n);
}

static void free_coll(node *n, void *ctx) {
    fantasy__rec_avl_drain(as_coll(n)->keys, free_node, ctx);
    fantasy__free(ctx, n);
}

static void rec_destroy(void *self) {
    store *s = self;
    if (check_store(s, "destroy") != FANTASY_OK) {
        return;
    }
    for (size_t i = 0; i < s->docs.cap; i++) {
        doc_free(&s->a, s->docs.slots[i]);
    }
    fantasy__free(&s->a, s->docs.slots);
    fantasy__rec_avl_drain(s->colls, free_coll, &s->a);
    (void)pthread_rwlock_destroy(&s->lock);
    s->magic = STORE_DEAD;
    fantasy_allocator a = s->a;
    fantasy__free(&a, s);
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
    if (init_lock(&s->lock) != 0) {
        fantasy__free(&a, s);
        return fantasy__fail(FANTASY_ENOMEM, "fantasy_memory_record_store_open: no lock");
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
