/* What the three PostgreSQL stores share: a handle with a type tag, the allocator and the pool,
 * opened and destroyed the same way (store.c). */
#ifndef FANTASY_BACKENDS_POSTGRES_STORE_H
#define FANTASY_BACKENDS_POSTGRES_STORE_H

#include "backends/postgres/pool.h"

typedef struct fantasy__pg_store {
    unsigned magic; /* the store type's live tag; another value means destroyed or foreign */
    fantasy_allocator a;
    fantasy__pg_pool *pool;
} fantasy__pg_store;

/* One store type: its public open function's name, its name in messages, its live tag and the
 * statements its connections prepare. */
typedef struct fantasy__pg_store_kind {
    const char *open_fn;
    const char *who;
    unsigned magic;
    const fantasy__pg_stmt *stmts;
    size_t n_stmts;
} fantasy__pg_store_kind;

/* Open a store of `kind`: refuse a NULL conninfo or `out` (MISUSE), zero the `out_size` bytes
 * of the caller's vtable, then connect a pool preparing the kind's statements. */
fantasy_status fantasy__pg_store_open(const fantasy__pg_store_kind *kind, const char *conninfo,
                                      const fantasy_allocator *alloc, void *out, size_t out_size,
                                      fantasy__pg_store **store);

/* Close the pool and free the handle if it carries `magic`; anything else is left alone. */
void fantasy__pg_store_destroy(fantasy__pg_store *s, unsigned magic);

#endif
