/* What the three SQLite stores share: a handle with a type tag, the allocator and the file's
 * pool, opened and destroyed the same way (store.c), and the small steps their calls repeat. */
#ifndef FANTASY_BACKENDS_SQLITE_STORE_H
#define FANTASY_BACKENDS_SQLITE_STORE_H

#include "backends/sqlite/db.h"

typedef struct fantasy__sqlite_store {
    unsigned magic; /* the store type's live tag; another value means destroyed or foreign */
    fantasy_allocator a;
    fantasy__sqlite_db *db;
} fantasy__sqlite_store;

/* One store type: its public open function's name, its name in messages, its live tag, the
 * statements its connections cache, and its handle: `size` bytes starting with a
 * fantasy__sqlite_store. `init` (optional) readies the rest of the handle before the file is
 * opened and names its own failure; `fini` (optional) undoes it. */
typedef struct fantasy__sqlite_store_kind {
    const char *open_fn;
    const char *who;
    unsigned magic;
    const char *const *sql;
    size_t n_sql;
    size_t size;
    fantasy_status (*init)(fantasy__sqlite_store *s);
    void (*fini)(fantasy__sqlite_store *s);
} fantasy__sqlite_store_kind;

/* Open a store of `kind` on the file at `path`: refuse a NULL `out` (MISUSE), zero the
 * `out_size` bytes of the caller's vtable, then allocate the handle and open the file's pool. */
fantasy_status fantasy__sqlite_store_open(const fantasy__sqlite_store_kind *kind, const char *path,
                                          const fantasy_allocator *alloc, void *out,
                                          size_t out_size, fantasy__sqlite_store **store);

/* Close the pool and free the handle if it is a live store of `kind`; anything else is left
 * alone (with the MISUSE message of fantasy__sqlite_store_check). */
void fantasy__sqlite_store_destroy(fantasy__sqlite_store *s,
                                   const fantasy__sqlite_store_kind *kind);

/* FANTASY_EMISUSE naming `fn` unless `s` is a live store of `kind`. */
fantasy_status fantasy__sqlite_store_check(const fantasy__sqlite_store *s,
                                           const fantasy__sqlite_store_kind *kind, const char *fn);

/* FANTASY_EINVAL: `who` was given a bad `what` id. */
fantasy_status fantasy__sqlite_bad_id(const char *who, const char *what, const char *id);

/* Statement `i` with `key` bound as ?1: every keyed statement of the stores binds it first. */
fantasy_status fantasy__sqlite_stmt_key(fantasy__sqlite_conn *c, size_t i, const char *key,
                                        const char *op, sqlite3_stmt **out);

/* Append every (text, integer) row `s` gives to `out`. */
fantasy_status fantasy__sqlite_collect(fantasy__sqlite_conn *c, sqlite3_stmt *s, const char *op,
                                       fantasy_list *out);

#endif
