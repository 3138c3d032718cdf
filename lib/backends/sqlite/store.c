/* Opening and destroying a SQLite store handle, and the steps the stores share (store.h). */
#include "backends/sqlite/store.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define STORE_DEAD 0xdeadbeefu

fantasy_status fantasy__sqlite_store_open(const fantasy__sqlite_store_kind *kind, const char *path,
                                          const fantasy_allocator *alloc, void *out,
                                          size_t out_size, fantasy__sqlite_store **store) {
    *store = NULL;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL out", kind->open_fn);
    }
    memset(out, 0, out_size);
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__sqlite_store *s = fantasy__calloc(&a, 1, kind->size);
    if (!s) {
        return fantasy__oom();
    }
    s->a = a;
    st = kind->init ? kind->init(s) : FANTASY_OK;
    if (st != FANTASY_OK) {
        fantasy__free(&a, s);
        return st;
    }
    st = fantasy__sqlite_db_open(path, &a, kind->sql, kind->n_sql, kind->who, &s->db);
    if (st != FANTASY_OK) {
        if (kind->fini) {
            kind->fini(s);
        }
        fantasy__free(&a, s);
        return st;
    }
    s->magic = kind->magic;
    *store = s;
    return FANTASY_OK;
}

void fantasy__sqlite_store_destroy(fantasy__sqlite_store *s,
                                   const fantasy__sqlite_store_kind *kind) {
    if (fantasy__sqlite_store_check(s, kind, "destroy") != FANTASY_OK) {
        return;
    }
    fantasy__sqlite_db_close(s->db);
    if (kind->fini) {
        kind->fini(s);
    }
    s->magic = STORE_DEAD;
    fantasy_allocator a = s->a;
    fantasy__free(&a, s);
}

fantasy_status fantasy__sqlite_store_check(const fantasy__sqlite_store *s,
                                           const fantasy__sqlite_store_kind *kind, const char *fn) {
    if (!s || s->magic != kind->magic) {
        return fantasy__fail(FANTASY_EMISUSE, "%s %s: NULL or destroyed store", kind->who, fn);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__sqlite_bad_id(const char *who, const char *what, const char *id) {
    return fantasy__fail(FANTASY_EINVAL, "%s: bad %s '%.80s'", who, what, id ? id : "(null)");
}

fantasy_status fantasy__sqlite_stmt_key(fantasy__sqlite_conn *c, size_t i, const char *key,
                                        const char *op, sqlite3_stmt **out) {
    fantasy_status st = fantasy__sqlite_stmt(c, i, op, out);
    return st ? st : fantasy__sqlite_bind_text(c, *out, 1, key, op);
}

fantasy_status fantasy__sqlite_collect(fantasy__sqlite_conn *c, sqlite3_stmt *s, const char *op,
                                       fantasy_list *out) {
    int row = 1;
    fantasy_status st = FANTASY_OK;
    while (st == FANTASY_OK) {
        st = fantasy__sqlite_step(c, s, op, &row);
        if (st != FANTASY_OK || !row) {
            break;
        }
        const char *str = (const char *)sqlite3_column_text(s, 0);
        st = fantasy_list_add(out, str ? str : "", sqlite3_column_int64(s, 1));
    }
    return st;
}
