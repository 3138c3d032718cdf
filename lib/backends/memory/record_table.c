/* The document table of the in-memory record store: (collection, id) → document in O(1).
 * Open addressing with linear probing and backward-shift deletion, so removal leaves no
 * tombstones and, once room is reserved, nothing here can fail. */
#include <string.h>

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

#define MIN_CAP 64

static uint64_t fnv1a(uint64_t h, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t fantasy__rec_hash(const char *collection, const char *id) {
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, collection);
    /* A byte no name contains separates the two, so ("ab", "c") and ("a", "bc") differ. */
    h = (h ^ 0xffU) * 0x100000001b3ULL;
    h = fnv1a(h, id);
    /* FNV's low bits are weak and the table masks them: finish with a 64-bit mixer. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static void place(fantasy__rec_doc **slots, size_t cap, fantasy__rec_doc *doc) {
    size_t mask = cap - 1;
    size_t i = (size_t)doc->hash & mask;
    while (slots[i]) {
        i = (i + 1) & mask;
    }
    slots[i] = doc;
}

fantasy_status fantasy__rec_table_reserve(fantasy__rec_table *t, const fantasy_allocator *a,
                                          size_t extra) {
    if (extra > SIZE_MAX / 4 - t->n) {
        return fantasy__oom();
    }
    size_t need = t->n + extra;
    /* Keep the load at most 3/4: probes stay short. */
    if (need * 4 <= t->cap * 3) {
        return FANTASY_OK;
    }
    size_t cap = t->cap ? t->cap : MIN_CAP;
    while (need * 4 > cap * 3) {
        cap *= 2;
    }
    fantasy__rec_doc **slots = fantasy__calloc(a, cap, sizeof(fantasy__rec_doc *));
    if (!slots) {
        return fantasy__oom();
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i]) {
            place(slots, cap, t->slots[i]);
        }
    }
    fantasy__free(a, t->slots);
    t->slots = slots;
    t->cap = cap;
    return FANTASY_OK;
}

fantasy__rec_doc *fantasy__rec_table_find(const fantasy__rec_table *t, uint64_t hash,
                                          const fantasy__rec_coll *coll, const char *id) {
    if (t->cap == 0) {
        return NULL;
    }
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)hash & mask; t->slots[i]; i = (i + 1) & mask) {
        const fantasy__rec_doc *d = t->slots[i];
        if (d->hash == hash && d->coll == coll && strcmp(d->id, id) == 0) {
            return t->slots[i];
        }
    }
    return NULL;
}

static size_t slot_of(const fantasy__rec_table *t, const fantasy__rec_doc *doc) {
    size_t mask = t->cap - 1;
    size_t i = (size_t)doc->hash & mask;
    while (t->slots[i] != doc) {
        i = (i + 1) & mask;
    }
    return i;
}

void fantasy__rec_table_insert(fantasy__rec_table *t, fantasy__rec_doc *doc) {
    place(t->slots, t->cap, doc);
    t->n++;
}

void fantasy__rec_table_replace(fantasy__rec_table *t, fantasy__rec_doc *old,
                                fantasy__rec_doc *fresh) {
    t->slots[slot_of(t, old)] = fresh;
}

void fantasy__rec_table_remove(fantasy__rec_table *t, fantasy__rec_doc *doc) {
    size_t mask = t->cap - 1;
    size_t hole = slot_of(t, doc);
    t->slots[hole] = NULL;
    t->n--;
    /* Pull back each later entry of the run whose home is not cyclically in (hole, j]. */
    for (size_t j = (hole + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)t->slots[j]->hash & mask;
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            t->slots[hole] = t->slots[j];
            t->slots[j] = NULL;
            hole = j;
        }
    }
}
