/* Opening and destroying a PostgreSQL store handle (store.h). */
#include "backends/postgres/store.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define STORE_DEAD 0xdeadbeefu

fantasy_status fantasy__pg_store_open(const fantasy__pg_store_kind *kind, const char *conninfo,
                                      const fantasy_allocator *alloc, void *out, size_t out_size,
                                      fantasy__pg_store **store) {
    *store = NULL;
    if (!out || !conninfo) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL %s", kind->open_fn,
                             out ? "conninfo" : "out");
    }
    memset(out, 0, out_size);
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_store *s = fantasy__calloc(&a, 1, sizeof *s);
    if (!s) {
        return fantasy__oom();
    }
    s->a = a;
    st = fantasy__pg_pool_open(conninfo, &a, kind->stmts, kind->n_stmts, kind->who, &s->pool);
    if (st != FANTASY_OK) {
        fantasy__free(&a, s);
        return st;
    }
    s->magic = kind->magic;
    *store = s;
    return FANTASY_OK;
}

void fantasy__pg_store_destroy(fantasy__pg_store *s, unsigned magic) {
    if (!s || s->magic != magic) {
        return;
    }
    fantasy__pg_pool_close(s->pool);
    s->magic = STORE_DEAD;
    fantasy_allocator a = s->a;
    fantasy__free(&a, s);
}
