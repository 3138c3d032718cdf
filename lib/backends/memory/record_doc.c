/* New document versions of the in-memory record store: each put's version built as one block,
 * before any lock is taken (record_store.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backends/memory/record_internal.h"
#include "core/error.h"

typedef fantasy__rec_doc doc;
typedef fantasy__rec_key rkey;

void fantasy__rec_doc_free(fantasy__rec_pool *p, fantasy__rec_doc *d) {
    if (!d) {
        return;
    }
    for (size_t k = 0; k < d->n_keys; k++) {
        fantasy__rec_pool_free(p, d->keys[k].spare);
    }
    fantasy__rec_pool_free(p, d);
}

static int key_cmp(const void *x, const void *y) {
    return strcmp(((const rkey *)x)->key, ((const rkey *)y)->key);
}

/* Sort by key: insertion sort for the handful of keys most documents have, where qsort's
 * set-up costs more than the sort. Equal keys are equal strings, so their order is moot. */
static void sort_keys(rkey *keys, size_t n) {
    if (n > 16) {
        qsort(keys, n, sizeof *keys, key_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        rkey k = keys[i];
        size_t j = i;
        for (; j > 0 && strcmp(keys[j - 1].key, k.key) > 0; j--) {
            keys[j] = keys[j - 1];
        }
        keys[j] = k;
    }
}

/* Sort the keys and merge repeats (a key held unique once is unique): a document holds a key
 * at most once, which is what count() counts. */
static void dedupe_keys(doc *d) {
    if (d->n_keys < 2) {
        return;
    }
    sort_keys(d->keys, d->n_keys);
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
    if (op->n_keys > (SIZE_MAX / 2 - size) / (sizeof(rkey) + FANTASY__REC_KEY_MAX + 1) ||
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

/* The new version of a put's document, in one block: struct, keys, id, key strings, bytes.
 * @return NULL when out of memory. */
fantasy__rec_doc *fantasy__rec_doc_make(fantasy__rec_pool *pool, const fantasy_record_op *op,
                                        uint64_t hash) {
    size_t size = doc_size(op);
    doc *d = size ? fantasy__rec_pool_alloc(pool, size) : NULL;
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
        d->keys[k].key_hash = fantasy__rec_key_hash(d->keys[k].key);
    }
    return d;
}
