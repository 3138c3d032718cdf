/* SQLite tests (tests/unit/test_sqlite_*.c): a fresh directory under /tmp for a database file,
 * and its removal together with the files SQLite keeps beside the database. */
#ifndef FANTASY_TESTS_FIXTURE_SQLITE_H
#define FANTASY_TESTS_FIXTURE_SQLITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

typedef struct sqfx_dir {
    char dir[64];
    char path[128];
} sqfx_dir;

/* A new directory /tmp/fantasy-sqlite-<tag>-XXXXXX; `path` names `file` in it (not created).
 * 0 or -1. */
static inline int sqfx_make(sqfx_dir *d, const char *tag, const char *file) {
    (void)snprintf(d->dir, sizeof d->dir, "/tmp/fantasy-sqlite-%s-XXXXXX", tag);
    if (!mkdtemp(d->dir)) {
        return -1;
    }
    (void)snprintf(d->path, sizeof d->path, "%s/%s", d->dir, file);
    return 0;
}

/* Delete the database with its WAL, shared memory and rollback journal, then the directory;
 * rmdir's result. */
static inline int sqfx_remove(const sqfx_dir *d) {
    static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char p[160];
        (void)snprintf(p, sizeof p, "%s%s", d->path, suffixes[i]);
        (void)unlink(p);
    }
    return rmdir(d->dir);
}

/* Give `product` `stock` units in the database at `path` through a stock store closed again
 * before the return, so no connection of the caller's stays open. */
static inline void sqfx_seed_stock(const char *path, const char *product, int64_t stock) {
    fantasy_stock_store ss;
    assert_int_equal(fantasy_sqlite_stock_store_open(path, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, product, stock), FANTASY_OK);
    ss.destroy(ss.self);
}

/* The first column of the one row `sql` gives on `h`, as an integer. */
static inline int64_t sqfx_int(sqlite3 *h, const char *sql) {
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
    return v;
}

/* A calloc'ed sqfx_dir made by sqfx_make, or NULL: a cmocka setup's state. */
static inline sqfx_dir *sqfx_new(const char *tag, const char *file) {
    sqfx_dir *d = calloc(1, sizeof *d);
    if (d && sqfx_make(d, tag, file) != 0) {
        free(d);
        d = NULL;
    }
    return d;
}

/* sqfx_remove, then free what sqfx_new gave. */
static inline void sqfx_free(sqfx_dir *d) {
    (void)sqfx_remove(d);
    free(d);
}

/* cmocka teardown of a setup whose state is sqfx_new's. */
static inline int sqfx_teardown(void **state) {
    sqfx_free(*state);
    return 0;
}

#endif
