/* Hold records carved from blocks, found by id through 8-byte slots (stock_holds.h). */
#include "backends/memory/stock_holds.h"

#include <string.h>

#include "core/alloc.h"

#define MIN_CAP 16

/* A reference is 1 + (block number << UNIT_BITS | offset in 8-byte units), so a block holds at
 * most 2^UNIT_BITS units and there are fewer than 2^(32 - UNIT_BITS) blocks. Blocks start small,
 * so that a store with few holds in a shard stays small, and double up to the most a reference
 * reaches. */
#define UNIT_BITS   13
#define UNIT        8u
#define FIRST_BLOCK 256u
#define MAX_BLOCK   ((size_t)UNIT << UNIT_BITS)
#define MAX_BLOCKS  (((size_t)1 << (32 - UNIT_BITS)) - 1)

void fantasy__holdtab_init(fantasy__holdtab *t, size_t key_off) {
    memset(t, 0, sizeof *t);
    t->key_off = key_off;
}

static void *record_of(const fantasy__holdtab *t, uint64_t slot) {
    uint32_t ref = (uint32_t)slot - 1;
    return t->blocks[ref >> UNIT_BITS] + (size_t)(ref & ((1u << UNIT_BITS) - 1)) * UNIT;
}

void *fantasy__holdtab_get(const fantasy__holdtab *t, const char *key, uint64_t hash) {
    if (t->cap == 0) {
        return NULL;
    }
    const uint32_t tag = (uint32_t)hash;
    const size_t mask = t->cap - 1;
    for (size_t i = tag & mask;; i = (i + 1) & mask) {
        const uint64_t slot = t->slots[i];
        if (!slot) {
            return NULL;
        }
        if ((uint32_t)(slot >> 32) == tag) {
            char *rec = record_of(t, slot);
            if (strcmp(rec + t->key_off, key) == 0) {
                return rec;
            }
        }
    }
}

static void place(uint64_t *slots, size_t cap, uint64_t slot) {
    const size_t mask = cap - 1;
    size_t i = (uint32_t)(slot >> 32) & mask;
    while (slots[i]) {
        i = (i + 1) & mask;
    }
    slots[i] = slot;
}

/* Room for one more slot; load factor at most 1/2 keeps the probe of a new id short. */
static int room_for_slot(fantasy__holdtab *t, const fantasy_allocator *a) {
    if (t->cap && (t->n + 1) * 2 <= t->cap) {
        return 1;
    }
    size_t cap = t->cap ? t->cap * 2 : MIN_CAP;
    if (cap > SIZE_MAX / 2 / sizeof *t->slots) {
        return 0;
    }
    uint64_t *slots = fantasy__calloc(a, cap, sizeof *slots);
    if (!slots) {
        return 0;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i]) {
            place(slots, cap, t->slots[i]);
        }
    }
    fantasy__free(a, t->slots);
    t->slots = slots;
    t->cap = cap;
    return 1;
}

static int room_for_record(fantasy__holdtab *t, const fantasy_allocator *a, size_t size) {
    if (t->n_blocks && t->block_size - t->used >= size) {
        return 1;
    }
    size_t block_size = t->n_blocks ? t->block_size * 2 : FIRST_BLOCK;
    if (block_size > MAX_BLOCK) {
        block_size = MAX_BLOCK;
    }
    if (size > block_size || t->n_blocks == MAX_BLOCKS) {
        return 0;
    }
    if (t->n_blocks == t->blocks_cap) {
        size_t cap = t->blocks_cap ? t->blocks_cap * 2 : 8;
        char **blocks = fantasy__realloc(a, t->blocks, cap * sizeof *blocks);
        if (!blocks) {
            return 0;
        }
        t->blocks = blocks;
        t->blocks_cap = cap;
    }
    char *block = fantasy__alloc(a, block_size);
    if (!block) {
        return 0;
    }
    t->blocks[t->n_blocks++] = block;
    t->block_size = block_size;
    t->used = 0;
    return 1;
}

void *fantasy__holdtab_next(fantasy__holdtab *t, const fantasy_allocator *a, size_t size) {
    if (size == 0 || size % UNIT != 0 || !room_for_slot(t, a) || !room_for_record(t, a, size)) {
        return NULL;
    }
    return t->blocks[t->n_blocks - 1] + t->used;
}

void fantasy__holdtab_put(fantasy__holdtab *t, size_t size, uint64_t hash) {
    /* the record fantasy__holdtab_next gave: in the last block, at `used` */
    const uint32_t ref = (uint32_t)(((t->n_blocks - 1) << UNIT_BITS) | (t->used / UNIT)) + 1;
    place(t->slots, t->cap, (uint64_t)(uint32_t)hash << 32 | ref);
    t->used += size;
    t->n++;
}

void fantasy__holdtab_free(fantasy__holdtab *t, const fantasy_allocator *a) {
    for (size_t i = 0; i < t->n_blocks; i++) {
        fantasy__free(a, t->blocks[i]);
    }
    fantasy__free(a, t->blocks);
    fantasy__free(a, t->slots);
    fantasy__holdtab_init(t, t->key_off);
}
