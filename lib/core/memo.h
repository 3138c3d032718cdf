/* Per-park memos of values derived from stored documents (a product's sale rules, the actor of
 * an account), so a hot document is not parsed again on every use.
 *
 * An entry is found by the record's id AND version, and must also match the length and a 64-bit
 * hash of the document's bytes (against a version reused after a delete and re-create). The
 * caller always reads the current document from the record store first and asks with what it
 * read, so an entry made from another version is never served and correctness never depends on
 * the memo: a miss just means parsing. All zero bytes are empty slots, so a park allocated
 * zeroed needs no set-up and no tear-down (the memo owns no memory outside its slots). */
#ifndef FANTASY_CORE_MEMO_H
#define FANTASY_CORE_MEMO_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define FANTASY__MEMO_ID_MAX    48 /* longer ids are not memoized */
#define FANTASY__MEMO_VALUE_MAX 64

typedef struct fantasy__memo_slot {
    atomic_int busy; /* a spin lock, held for a copy of a few dozen bytes */
    int64_t version;
    size_t doc_len; /* 0: empty */
    uint64_t doc_hash;
    size_t value_len;
    char id[FANTASY__MEMO_ID_MAX];
    unsigned char value[FANTASY__MEMO_VALUE_MAX];
} fantasy__memo_slot;

/* A memo is an array of slots (the park holds one per kind of value). An id may sit in either
 * of two slots, so two hot ids rarely evict each other. */
typedef struct fantasy__memo {
    fantasy__memo_slot *slots;
    size_t n_slots;
} fantasy__memo;

/* 1 and the value copied to `value` when the entry for `id` was made from this `version` and
 * these `doc` bytes; 0 otherwise. */
int fantasy__memo_get(fantasy__memo m, const char *id, int64_t version, const char *doc,
                      size_t doc_len, void *value, size_t value_len);
/* Remember `value` as derived from (id, version, doc), replacing an entry of `id` or another
 * id's. Does nothing when the id or value is too long to keep. */
void fantasy__memo_put(fantasy__memo m, const char *id, int64_t version, const char *doc,
                       size_t doc_len, const void *value, size_t value_len);

#endif
