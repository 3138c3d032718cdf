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

/* FANTASY_EMISUSE unless `s` is a live store of `kind`. */
fantasy_status fantasy__pg_store_check(const fantasy__pg_store *s,
                                       const fantasy__pg_store_kind *kind);

/* 1 when `id` is a usable id (1 to FANTASY_ID_MAX - 1 bytes). */
int fantasy__pg_id_ok(const char *id);

/* FANTASY_EINVAL: `who` was given a bad `what` id. */
fantasy_status fantasy__pg_bad_id(const char *who, const char *what, const char *id);

/* The store check, then the one id the call keys on. */
fantasy_status fantasy__pg_store_check_id(const fantasy__pg_store *s,
                                          const fantasy__pg_store_kind *kind, const char *what,
                                          const char *id);

/* One statement of a store's table run on a pooled connection (its own transaction), its result
 * handed to `take`. The caller fills `stmt`, `p` and what its `take` reads; `take` answers in
 * `out`, `num` and `num2`. */
typedef struct fantasy__pg_one {
    size_t stmt;
    fantasy__pg_params p;
    fantasy_status (*take)(PGresult *r, struct fantasy__pg_one *x);
    void *out;
    const void *arg;
    const char *id;
    int64_t num, num2;
} fantasy__pg_one;

fantasy_status fantasy__pg_one_run(fantasy__pg_store *s, fantasy__pg_one *x);

/* fantasy__pg_one_run for a read whose `take` fills the caller's zeroed out (x->out, `size`
 * bytes): cleared again when the call fails, so no half-written answer is left. */
fantasy_status fantasy__pg_one_read(fantasy__pg_store *s, fantasy__pg_one *x, size_t size);

/* A `take` that appends every (id, integer) row of the result to the fantasy_list in `out`. */
fantasy_status fantasy__pg_take_list(PGresult *r, fantasy__pg_one *x);

#endif
