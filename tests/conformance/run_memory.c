/* The conformance suites against the memory backends. */
#include <stddef.h>

#include "fantasy/backends/memory.h"

#include "conformance/conformance.h"

static fantasy_status open_record(void *ctx, fantasy_record_store *out) {
    (void)ctx;
    return fantasy_memory_record_store_open(NULL, out);
}

static fantasy_status open_stock(void *ctx, fantasy_stock_store *out) {
    (void)ctx;
    return fantasy_memory_stock_store_open(NULL, out);
}

static fantasy_status open_queue(void *ctx, fantasy_queue_store *out) {
    (void)ctx;
    return fantasy_memory_queue_store_open(NULL, out);
}

int main(void) {
    const fantasy_conformance_backend b = {
        .name = "memory",
        .open_record = open_record,
        .open_stock = open_stock,
        .open_queue = open_queue,
    };
    int failed = fantasy_conformance_record(&b);
    failed += fantasy_conformance_stock(&b);
    failed += fantasy_conformance_queue(&b);
    return failed;
}
