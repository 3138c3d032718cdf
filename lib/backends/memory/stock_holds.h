/* The hold records of one stock store shard and the table that finds them by id.
 *
 * Holds are never forgotten before destroy, so records need no individual free: they are carved
 * one after another from blocks (a malloc and its header per hold cost a third of a reserve, most
 * of it in page faults on the memory they spread over). The table's 8-byte slots hold 32 bits of
 * the hash and a 32-bit reference into the blocks, half what a (hash, pointer) slot takes, so the
 * probe a reserve of a new id cannot avoid touches less memory. NOT thread-safe: the shard's lock
 * guards it. A record's address never changes, so pointers to it stay valid until free. */
#ifndef FANTASY_BACKENDS_MEMORY_STOCK_HOLDS_H
#define FANTASY_BACKENDS_MEMORY_STOCK_HOLDS_H

#include <stddef.h>
#include <stdint.h>

#include "fantasy/backend.h"

typedef struct fantasy__holdtab {
    uint64_t *slots; /* (hash low 32 bits << 32) | reference; 0 marks an empty slot */
    size_t cap;      /* a power of two, or 0 */
    size_t n;
    char **blocks;
    size_t n_blocks, blocks_cap;
    size_t block_size; /* of the last block */
    size_t used;       /* bytes of the last block given out */
    size_t key_off;    /* where each record keeps its NUL-terminated key */
} fantasy__holdtab;

/* An empty table whose records keep their key at `key_off`. */
void fantasy__holdtab_init(fantasy__holdtab *t, size_t key_off);

/* The record stored under `key`, or NULL. */
void *fantasy__holdtab_get(const fantasy__holdtab *t, const char *key, uint64_t hash);

/* Room for one more record of `size` bytes (8-aligned) and its slot: the address the next
 * fantasy__holdtab_put will keep, for the caller to fill. Nothing is stored until that put, so
 * a record never put costs nothing. NULL: out of memory, table unchanged. */
void *fantasy__holdtab_next(fantasy__holdtab *t, const fantasy_allocator *a, size_t size);

/* Store the record the last fantasy__holdtab_next returned (same `size`), its key filled in
 * and not yet present. */
void fantasy__holdtab_put(fantasy__holdtab *t, size_t size, uint64_t hash);

/* Free the records and the table. */
void fantasy__holdtab_free(fantasy__holdtab *t, const fantasy_allocator *a);

#endif
