/* Which backends a config string names, and building them for a park. The only place that maps
 * "memory:", "sqlite:PATH", "redis:HOST:PORT"... to an implementation, so adding a backend is one
 * entry here. */
#include "core/backends.h"

#include <string.h>

#include "fantasy/backends/memory.h"
#include "fantasy/backends/postgres.h"
#include "fantasy/backends/sqlite.h"

#include "core/error.h"
#include "fantasy_build_config.h"

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int fantasy__store_kind_supported(const char *spec) {
    if (starts_with(spec, "memory:") || strcmp(spec, "store") == 0 ||
        starts_with(spec, "inproc:") || starts_with(spec, "sandbox:")) {
        return 1;
    }
    if (starts_with(spec, "sqlite:")) {
        return FANTASY_WITH_SQLITE;
    }
    if (starts_with(spec, "postgres:")) {
        return FANTASY_WITH_POSTGRES;
    }
    /* Networked and HTTP backends (redis:, kafka:, toss:) register here as they land. */
    return 0;
}

/* The durable stores keep all three ports in one database, so `stock=store` and `queues=store`
 * follow `store`. The spec's text after the scheme is the path or conninfo. */
typedef struct durable_kind {
    const char *scheme;
    fantasy_status (*records)(const char *, const fantasy_allocator *, fantasy_record_store *);
    fantasy_status (*stock)(const char *, const fantasy_allocator *, fantasy_stock_store *);
    fantasy_status (*queues)(const char *, const fantasy_allocator *, fantasy_queue_store *);
} durable_kind;

static const durable_kind durable_kinds[] = {
#if FANTASY_WITH_SQLITE
    { "sqlite:", fantasy_sqlite_record_store_open, fantasy_sqlite_stock_store_open,
      fantasy_sqlite_queue_store_open },
#endif
#if FANTASY_WITH_POSTGRES
    { "postgres:", fantasy_postgres_record_store_open, fantasy_postgres_stock_store_open,
      fantasy_postgres_queue_store_open },
#endif
    { NULL, NULL, NULL, NULL },
};

static const durable_kind *durable_for(const char *spec) {
    for (const durable_kind *k = durable_kinds; k->scheme; k++) {
        if (starts_with(spec, k->scheme)) {
            return k;
        }
    }
    return NULL;
}

static const char *durable_target(const durable_kind *k, const char *spec) {
    return spec + strlen(k->scheme);
}

static fantasy_status unsupported(const char *key, const char *spec) {
    return fantasy__fail(FANTASY_EINVAL, "%s=%s: this build cannot open that backend", key, spec);
}

fantasy_status fantasy__build_record_store(const fantasy__settings *s, const fantasy_allocator *a,
                                           fantasy_record_store *out) {
    if (starts_with(s->store, "memory:")) {
        return fantasy_memory_record_store_open(a, out);
    }
    const durable_kind *k = durable_for(s->store);
    if (k) {
        return k->records(durable_target(k, s->store), a, out);
    }
    return unsupported("store", s->store);
}

fantasy_status fantasy__build_stock_store(const fantasy__settings *s, const fantasy_allocator *a,
                                          fantasy_stock_store *out) {
    if (strcmp(s->stock, "store") == 0 && starts_with(s->store, "memory:")) {
        return fantasy_memory_stock_store_open(a, out);
    }
    const durable_kind *k = durable_for(s->store);
    if (strcmp(s->stock, "store") == 0 && k) {
        return k->stock(durable_target(k, s->store), a, out);
    }
    return unsupported("stock", s->stock);
}

fantasy_status fantasy__build_queue_store(const fantasy__settings *s, const fantasy_allocator *a,
                                          fantasy_queue_store *out) {
    if (strcmp(s->queues, "store") == 0 && starts_with(s->store, "memory:")) {
        return fantasy_memory_queue_store_open(a, out);
    }
    const durable_kind *k = durable_for(s->store);
    if (strcmp(s->queues, "store") == 0 && k) {
        return k->queues(durable_target(k, s->store), a, out);
    }
    return unsupported("queues", s->queues);
}

fantasy_status fantasy__build_clock(const fantasy__settings *s, int64_t now_ms,
                                    fantasy_clock *out) {
    if (s->clock_manual) {
        return fantasy_clock_manual_open(s->clock_start_ms >= 0 ? s->clock_start_ms : now_ms, out);
    }
    return fantasy_clock_system_open(out);
}

fantasy_status fantasy__build_payment_provider(const fantasy__settings *s,
                                               const fantasy_allocator *a,
                                               const fantasy_record_store *records,
                                               fantasy_payment_provider *out) {
    if (starts_with(s->payments, "sandbox:")) {
        return fantasy__sandbox_provider_open(a, records, out);
    }
    return unsupported("payments", s->payments);
}
