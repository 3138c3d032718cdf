/* The record-store port's argument rules, shared by every backend (record_check.h). */
#include "core/record_check.h"

#include <inttypes.h>
#include <string.h>

#include "core/error.h"

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

static fantasy_status check_mode(const char *who, const fantasy_record_op *op, size_t i) {
    if (op->kind != FANTASY_OP_PUT && op->kind != FANTASY_OP_DEL) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: unknown kind %d", who, i,
                             (int)op->kind);
    }
    if (op->mode != FANTASY_WRITE_CREATE && op->mode != FANTASY_WRITE_IF_VERSION &&
        op->mode != FANTASY_WRITE_ANY) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: unknown mode %d", who, i,
                             (int)op->mode);
    }
    if (op->kind == FANTASY_OP_DEL && op->mode == FANTASY_WRITE_CREATE) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: a delete cannot be create-only",
                             who, i);
    }
    if (op->mode == FANTASY_WRITE_IF_VERSION && op->expected_version < 0) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: negative expected_version %" PRId64,
                             who, i, op->expected_version);
    }
    return FANTASY_OK;
}

static fantasy_status check_put(const char *who, const fantasy_record_op *op, size_t i) {
    if (!op->doc && op->doc_len > 0) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: NULL doc with doc_len %zu", who, i,
                             op->doc_len);
    }
    if (!op->keys && op->n_keys > 0) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: NULL keys with n_keys %zu", who, i,
                             op->n_keys);
    }
    for (size_t k = 0; k < op->n_keys; k++) {
        const char *why = fantasy__rec_bad_string(op->keys[k].key, FANTASY__REC_KEY_MAX);
        if (why) {
            return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: key %zu %s (1 to %d bytes)",
                                 who, i, k, why, FANTASY__REC_KEY_MAX);
        }
    }
    return FANTASY_OK;
}

fantasy_status fantasy__rec_check_op(const char *who, const fantasy_record_op *op, size_t i) {
    fantasy_status st = check_mode(who, op, i);
    if (st != FANTASY_OK) {
        return st;
    }
    const char *why = fantasy__rec_bad_string(op->collection, FANTASY__REC_NAME_MAX);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: collection %s (1 to %d bytes)", who,
                             i, why, FANTASY__REC_NAME_MAX);
    }
    why = fantasy__rec_bad_string(op->id, FANTASY__REC_NAME_MAX);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: id %s (1 to %d bytes)", who, i, why,
                             FANTASY__REC_NAME_MAX);
    }
    return op->kind == FANTASY_OP_PUT ? check_put(who, op, i) : FANTASY_OK;
}

fantasy_status fantasy__rec_check_read(const char *who, const char *fn, const char *collection,
                                       const char *what, const char *value, size_t max) {
    const char *why = fantasy__rec_bad_string(collection, FANTASY__REC_NAME_MAX);
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "%s %s: collection %s", who, fn, why);
    }
    why = what ? fantasy__rec_bad_string(value, max) : NULL;
    if (why) {
        return fantasy__fail(FANTASY_EINVAL, "%s %s: %s %s", who, fn, what, why);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__rec_check_page(const char *who, const char *fn, size_t limit,
                                       const fantasy_list *out) {
    if (limit == 0 || !out) {
        return fantasy__fail(FANTASY_EINVAL, "%s %s: %s", who, fn,
                             out ? "limit must be at least 1" : "NULL out list");
    }
    return FANTASY_OK;
}
