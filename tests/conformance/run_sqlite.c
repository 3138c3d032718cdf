/* The conformance suites against the SQLite stores: every store opens a fresh file in a fresh
 * temporary directory; reopen_record opens a second handle (its own connections) on the last
 * file. The directories are removed at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fantasy/backends/sqlite.h"

#include "conformance/conformance.h"

#define MAX_DIRS 256

typedef struct runner {
    char dirs[MAX_DIRS][64];
    int n_dirs;
    char last[96]; /* the last file opened */
} runner;

static const char *const db_suffixes[] = { "", "-wal", "-shm", "-journal" };

/* A new directory and the file name in it, in r->last. */
static fantasy_status fresh_file(runner *r) {
    if (r->n_dirs == MAX_DIRS) {
        return fantasy_error_set(FANTASY_ENOMEM, "run_sqlite: more than %d stores", MAX_DIRS);
    }
    const char *base = getenv("TMPDIR"); /* NOLINT(concurrency-mt-unsafe): single-threaded here */
    char *dir = r->dirs[r->n_dirs];
    (void)snprintf(dir, sizeof r->dirs[0], "%s/fantasy-sqlite-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        return fantasy_error_set(FANTASY_EUNAVAILABLE, "run_sqlite: mkdtemp %s failed", dir);
    }
    r->n_dirs++;
    (void)snprintf(r->last, sizeof r->last, "%s/store.db", dir);
    return FANTASY_OK;
}

static void clean(const runner *r) {
    for (int i = 0; i < r->n_dirs; i++) {
        for (size_t k = 0; k < sizeof db_suffixes / sizeof db_suffixes[0]; k++) {
            char path[128];
            (void)snprintf(path, sizeof path, "%s/store.db%s", r->dirs[i], db_suffixes[k]);
            (void)unlink(path);
        }
        (void)rmdir(r->dirs[i]);
    }
}

static fantasy_status open_record(void *ctx, fantasy_record_store *out) {
    fantasy_status st = fresh_file(ctx);
    return st ? st : fantasy_sqlite_record_store_open(((runner *)ctx)->last, NULL, out);
}

static fantasy_status reopen_record(void *ctx, fantasy_record_store *out) {
    return fantasy_sqlite_record_store_open(((runner *)ctx)->last, NULL, out);
}

static fantasy_status open_stock(void *ctx, fantasy_stock_store *out) {
    fantasy_status st = fresh_file(ctx);
    return st ? st : fantasy_sqlite_stock_store_open(((runner *)ctx)->last, NULL, out);
}

static fantasy_status open_queue(void *ctx, fantasy_queue_store *out) {
    fantasy_status st = fresh_file(ctx);
    return st ? st : fantasy_sqlite_queue_store_open(((runner *)ctx)->last, NULL, out);
}

int main(void) {
    runner *r = calloc(1, sizeof *r);
    if (!r) {
        return 1;
    }
    const fantasy_conformance_backend b = {
        .name = "sqlite",
        .ctx = r,
        .open_record = open_record,
        .open_stock = open_stock,
        .open_queue = open_queue,
        .reopen_record = reopen_record,
    };
    int failed = fantasy_conformance_record(&b);
    failed += fantasy_conformance_stock(&b);
    failed += fantasy_conformance_queue(&b);
    clean(r);
    free(r);
    return failed;
}
