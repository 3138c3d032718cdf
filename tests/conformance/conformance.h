/* The conformance suites: one per port, written against the vtable only. A runner
 * (run_<backend>.c) fills a fantasy_conformance_backend and calls each suite; a backend is done
 * when every suite is green against it. */
#ifndef FANTASY_TESTS_CONFORMANCE_H
#define FANTASY_TESTS_CONFORMANCE_H

#include "fantasy/backend.h"

typedef struct fantasy_conformance_backend {
    const char *name;
    void *ctx;
    /* Each opens a fresh, EMPTY store (a new file/database/namespace each call) and fills `out`;
     * the suite releases it with out->destroy(out->self). NULL: the backend lacks that port. */
    fantasy_status (*open_record)(void *ctx, fantasy_record_store *out);
    fantasy_status (*open_stock)(void *ctx, fantasy_stock_store *out);
    fantasy_status (*open_queue)(void *ctx, fantasy_queue_store *out);
    /* Optional: open a SECOND handle on the same data as the last store opened (another
     * connection or process view), to check that state is shared. NULL: not applicable. */
    fantasy_status (*reopen_record)(void *ctx, fantasy_record_store *out);
} fantasy_conformance_backend;

/* Each returns the number of failed tests (cmocka's exit code convention). */
int fantasy_conformance_record(const fantasy_conformance_backend *b);
int fantasy_conformance_stock(const fantasy_conformance_backend *b);
int fantasy_conformance_queue(const fantasy_conformance_backend *b);

#endif
