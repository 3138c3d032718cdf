/* A Fenwick tree over a ride's seq numbers for O(log n) queue positions: per seq, 1 and the
 * party size while that entry is WAITING, 0 otherwise. Not thread-safe: the ride's lock guards
 * it. */
#ifndef FANTASY_BACKENDS_MEMORY_QUEUE_FENWICK_H
#define FANTASY_BACKENDS_MEMORY_QUEUE_FENWICK_H

#include <stddef.h>
#include <stdint.h>

#include "fantasy/backend.h"

typedef struct fantasy__fenwick {
    int64_t *cnt; /* 1-based: [1..cap] */
    int64_t *ppl;
    size_t cap; /* 0 or a power of two */
} fantasy__fenwick;

/* Make positions 1..need addressable, doubling. FANTASY_ENOMEM leaves the sums unchanged. */
fantasy_status fantasy__fenwick_grow(fantasy__fenwick *f, const fantasy_allocator *a, size_t need);

/* Add (dcnt, dppl) at position i (1 ≤ i ≤ cap). */
void fantasy__fenwick_add(fantasy__fenwick *f, size_t i, int64_t dcnt, int64_t dppl);

/* Sums over positions 1..i (i ≤ cap; 0 gives zeros). */
void fantasy__fenwick_prefix(const fantasy__fenwick *f, size_t i, int64_t *cnt, int64_t *ppl);

void fantasy__fenwick_free(fantasy__fenwick *f, const fantasy_allocator *a);

#endif
