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

fantasy_status fantasy__pg_store_check(const fantasy__pg_store *s,
                                       const fantasy__pg_store_kind *kind) {
    if (!s || s->magic != kind->magic) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL or destroyed store", kind->who);
    }
    return FANTASY_OK;
}

int fantasy__pg_id_ok(const char *id) {
    if (!id) {
        return 0;
    }
    size_t n = strnlen(id, FANTASY_ID_MAX);
    return n > 0 && n < FANTASY_ID_MAX;
}

fantasy_status fantasy__pg_bad_id(const char *who, const char *what, const char *id) {
    return fantasy__fail(FANTASY_EINVAL, "%s: bad %s '%.80s'", who, what, id ? id : "(null)");
}

fantasy_status fantasy__pg_store_check_id(const fantasy__pg_store *s,
                                          const fantasy__pg_store_kind *kind, const char *what,
                                          const char *id) {
    fantasy_status st = fantasy__pg_store_check(s, kind);
    if (st == FANTASY_OK && !fantasy__pg_id_ok(id)) {
        st = fantasy__pg_bad_id(kind->who, what, id);
    }
    return st;
}

static fantasy_status one_work(fantasy__pg_conn *c, void *ctx) {
    fantasy__pg_one *x = ctx;
    PGresult *r = NULL;
    fantasy_status st = fantasy__pg_exec(c, x->stmt, &x->p, &r);
    if (st == FANTASY_OK) {
        st = x->take(r, x);
        PQclear(r);
    }
    return st;
}

fantasy_status fantasy__pg_one_run(fantasy__pg_store *s, fantasy__pg_one *x) {
    return fantasy__pg_run(s->pool, 0, one_work, x);
}

fantasy_status fantasy__pg_one_read(fantasy__pg_store *s, fantasy__pg_one *x, size_t size) {
    fantasy_status st = fantasy__pg_one_run(s, x);
    if (st != FANTASY_OK) {
        memset(x->out, 0, size);
    }
    return st;
}

fantasy_status fantasy__pg_take_list(PGresult *r, fantasy__pg_one *x) {
    for (int i = 0; i < PQntuples(r); i++) {
        fantasy_status st = fantasy__pg_list_add(r, i, 0, fantasy__pg_int(r, i, 1), x->out);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    return FANTASY_OK;
}
