/* New document versions of the in-memory record store: checking a batch's ops and building
 * each put's version as one block, all before any lock is taken (record_store.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

typedef fantasy__rec_doc doc;
typedef fantasy__rec_key rkey;

const char *fantasy__rec_bad_string(const char *s, size_t max) {
    if (!s) {
        return "is NULL";
    }
    size_t len = strnlen(s, max + 1);
    if (len == 0) {
        return "is empty";
    }
    return len > max ? "is too long" : NULL;
}

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
        const char *why = fantasy__rec_bad_string(op->keys[k].key, FANTASY__REC_KEY_MAX);
        if (why) {
            return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: key %zu %s (1 to %d bytes)",
                                 i, k, why, FANTASY__REC_KEY_MAX);
        }
    }
    return FANTASY_OK;
}

fantasy_status fantasy__rec_validate_op(const fantasy_record_op *op, size_t i) {
    fantasy_status st = validate_mode(op, i);
    if (st != FANTASY_OK) {
        return st;
    }
    const char *why = fantasy__rec_bad_string(op->collection, FANTASY__REC_NAME_MAX);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: collection %s (1 to %d bytes)",
                             i, why, FANTASY__REC_NAME_MAX);
    }
    why = fantasy__rec_bad_string(op->id, FANTASY__REC_NAME_MAX);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: op %zu: id %s (1 to %d bytes)", i, why,
                             FANTASY__REC_NAME_MAX);
    }
    return op->kind == FANTASY_OP_PUT ? validate_put(op, i) : FANTASY_OK;
}

void fantasy__rec_doc_free(const fantasy_allocator *a, fantasy__rec_doc *d) {
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
fantasy__rec_doc *fantasy__rec_doc_make(const fantasy_allocator *a, const fantasy_record_op *op,
                                        uint64_t hash) {
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
        d->keys[k].key_hash = fantasy__rec_key_hash(d->keys[k].key);
    }
    return d;
}
