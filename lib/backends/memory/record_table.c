/* The hash tables of the in-memory record store: a collection's documents by id and its key
 * nodes by key, each in O(1). Open addressing with linear probing and backward-shift deletion,
 * so removal leaves no tombstones and, once room is reserved, nothing here can fail. Each slot
 * keeps the item's hash, so a probe touches no item until the hashes match: items are scattered
 * over memory and each one read would be a cache miss. */
#include <string.h>

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

#define MIN_CAP 64

typedef fantasy__rec_slot slot;

#define MUL 0x9e3779b97f4a7c15ULL

/* Eight bytes per multiply: a store hashes a dozen ids and keys per order, and FNV's multiply
 * per byte made that a few percent of one. The length goes into the last word, so strings that
 * differ only in trailing bytes (none holds a NUL) still differ. */
static uint64_t hash_str(uint64_t h, const char *s) {
    size_t n = strlen(s);
    uint64_t w = 0;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * MUL;
        h ^= h >> 29;
    }
    w = (uint64_t)n << 56;
    uint64_t tail = 0;
    memcpy(&tail, s, n);
    h = (h ^ w ^ tail) * MUL;
    return h ^ (h >> 29);
}

/* The word hash leaves the low bits weak and the tables mask them: finish with a 64-bit
 * mixer. */
static uint64_t finish(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

uint64_t fantasy__rec_hash(const char *collection, const char *id) {
    /* Each string's length is mixed in, so ("ab", "c") and ("a", "bc") differ. */
    return finish(hash_str(hash_str(0xcbf29ce484222325ULL, collection), id));
}

uint64_t fantasy__rec_key_hash(const char *key) {
    return finish(hash_str(0xcbf29ce484222325ULL, key));
}

static void place(slot *slots, size_t cap, uint64_t hash, void *item) {
    size_t mask = cap - 1;
    size_t i = (size_t)hash & mask;
    while (slots[i].item) {
        i = (i + 1) & mask;
    }
    slots[i].hash = hash;
    slots[i].item = item;
}

fantasy_status fantasy__rec_table_reserve(fantasy__rec_table *t, const fantasy_allocator *a,
                                          size_t extra) {
    if (extra > SIZE_MAX / 4 / sizeof(slot) - t->n) {
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
    slot *slots = fantasy__calloc(a, cap, sizeof *slots);
    if (!slots) {
        return fantasy__oom();
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].item) {
            place(slots, cap, t->slots[i].hash, t->slots[i].item);
        }
    }
    fantasy__free(a, t->slots);
    t->slots = slots;
    t->cap = cap;
    return FANTASY_OK;
}

void *fantasy__rec_table_find(const fantasy__rec_table *t, uint64_t hash, const char *key,
                              fantasy__rec_key_of key_of) {
    if (t->cap == 0) {
        return NULL;
    }
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)hash & mask; t->slots[i].item; i = (i + 1) & mask) {
        if (t->slots[i].hash == hash && strcmp(key_of(t->slots[i].item), key) == 0) {
            return t->slots[i].item;
        }
    }
    return NULL;
}

static size_t slot_of(const fantasy__rec_table *t, uint64_t hash, const void *item) {
    size_t mask = t->cap - 1;
    size_t i = (size_t)hash & mask;
    while (t->slots[i].item != item) {
        i = (i + 1) & mask;
    }
    return i;
}

void fantasy__rec_table_insert(fantasy__rec_table *t, uint64_t hash, void *item) {
    place(t->slots, t->cap, hash, item);
    t->n++;
}

void fantasy__rec_table_replace(fantasy__rec_table *t, uint64_t hash, const void *old,
                                void *fresh) {
    t->slots[slot_of(t, hash, old)].item = fresh;
}

void fantasy__rec_table_remove(fantasy__rec_table *t, uint64_t hash, const void *item) {
    size_t mask = t->cap - 1;
    size_t hole = slot_of(t, hash, item);
    t->slots[hole].item = NULL;
    t->n--;
    /* Pull back each later entry of the run whose home is not cyclically in (hole, j]. */
    for (size_t j = (hole + 1) & mask; t->slots[j].item; j = (j + 1) & mask) {
        size_t home = (size_t)t->slots[j].hash & mask;
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            t->slots[hole] = t->slots[j];
            t->slots[j].item = NULL;
            hole = j;
        }
    }
}

void fantasy__rec_table_free(fantasy__rec_table *t, const fantasy_allocator *a) {
    fantasy__free(a, t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->n = 0;
}
