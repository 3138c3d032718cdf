/* The conformance suites against the PostgreSQL stores. Each open gets a new empty schema on
 * the test server (search_path through the conninfo's options); reopen_record opens a second
 * store, with its own pool, on the schema opened last. */
#include <stdio.h>

#include "fantasy/backends/postgres.h"

#include "conformance/conformance.h"
#include "unit/test_postgres_fixture.h"

typedef struct pg_ctx {
    char base[PGFX_CONNINFO_MAX];
    char last[PGFX_CONNINFO_MAX + 128];
    int n;
} pg_ctx;

static fantasy_status fresh(pg_ctx *x) {
    if (pgfx_new_schema(x->base, "conf", ++x->n, x->last, sizeof x->last) != 0) {
        return fantasy_error_set(FANTASY_EUNAVAILABLE, "run_postgres: cannot create a schema");
    }
    return FANTASY_OK;
}

static fantasy_status open_record(void *ctx, fantasy_record_store *out) {
    fantasy_status st = fresh(ctx);
    return st == FANTASY_OK ? fantasy_postgres_record_store_open(((pg_ctx *)ctx)->last, NULL, out)
                            : st;
}

static fantasy_status open_stock(void *ctx, fantasy_stock_store *out) {
    fantasy_status st = fresh(ctx);
    return st == FANTASY_OK ? fantasy_postgres_stock_store_open(((pg_ctx *)ctx)->last, NULL, out)
                            : st;
}

static fantasy_status open_queue(void *ctx, fantasy_queue_store *out) {
    fantasy_status st = fresh(ctx);
    return st == FANTASY_OK ? fantasy_postgres_queue_store_open(((pg_ctx *)ctx)->last, NULL, out)
                            : st;
}

static fantasy_status reopen_record(void *ctx, fantasy_record_store *out) {
    return fantasy_postgres_record_store_open(((pg_ctx *)ctx)->last, NULL, out);
}

int main(void) {
    static pg_ctx x; /* big buffers: off the stack */
    if (pgfx_conninfo(x.base, sizeof x.base) != 0) {
        return 1;
    }
    const fantasy_conformance_backend b = {
        .name = "postgres",
        .ctx = &x,
        .open_record = open_record,
        .open_stock = open_stock,
        .open_queue = open_queue,
        .reopen_record = reopen_record,
    };
    int failed = fantasy_conformance_record(&b);
    failed += fantasy_conformance_stock(&b);
    failed += fantasy_conformance_queue(&b);
    pgfx_drop_mine(x.base);
    return failed;
}
