/* Shared helpers of test_products and test_orders*: a cheap park, a manager, products. */
#ifndef FANTASY_TESTS_ORDERS_FIXTURE_H
#define FANTASY_TESTS_ORDERS_FIXTURE_H

#include <fantasy/backends/memory.h>
#include <stdatomic.h>

#include "accounts_fixture.h"

#define OX_KDF "pbkdf2-sha256:i=1000"

static inline fantasy_park *ox_open(void) {
    return fx_open_with(OX_KDF, NULL);
}

/* Create a product as `mgr` (args JSON given in full); returns its id in `id`, opened when asked.
 */
static inline void ox_product(fantasy_park *park, const fx_user *mgr, const char *args, int open,
                              char *id, size_t cap) {
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "products.create", args, mgr->access, &r), FANTASY_OK);
    fx_str(r, "product_id", id, cap);
    cJSON_Delete(r);
    if (open) {
        char a[128];
        (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", id);
        assert_int_equal(fx_call(park, "products.open", a, mgr->access, NULL), FANTASY_OK);
    }
}

/* A product priced 1000 KRW with `stock` and `limit`, opened. */
static inline void ox_simple(fantasy_park *park, const fx_user *mgr, int64_t stock, int64_t limit,
                             char *id, size_t cap) {
    char a[256];
    (void)snprintf(a, sizeof a,
                   "{\"name\":\"Day pass\",\"type\":\"TICKET\",\"price\":{\"amount\":1000,"
                   "\"currency\":\"KRW\"},\"stock\":%lld,\"per_user_limit\":%lld}",
                   (long long)stock, (long long)limit);
    ox_product(park, mgr, a, 1, id, cap);
}

static inline fantasy_status ox_order(fantasy_park *park, const fx_user *u, const char *pid,
                                      int64_t qty, const char *key, cJSON **out) {
    char a[512];
    (void)snprintf(a, sizeof a,
                   "{\"product_id\":\"%s\",\"quantity\":%lld,\"idempotency_key\":\"%s\"}", pid,
                   (long long)qty, key);
    return fx_call(park, "orders.create", a, u->access, out);
}

static inline void ox_counts(fantasy_park *park, const char *pid, int64_t *avail, int64_t *held,
                             int64_t *sold) {
    char a[128];
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", pid);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "products.get", a, &r), FANTASY_OK);
    *avail = fx_int(r, "available");
    *held = fx_int(r, "held");
    *sold = fx_int(r, "sold");
    cJSON_Delete(r);
}

static inline const char *ox_status(const cJSON *o) {
    return cJSON_GetObjectItemCaseSensitive(o, "status")->valuestring;
}

/* A record store that forwards to a host-owned memory store, counts reads of the orders
 * collection and refuses writes from the `stop_at`-th apply on (a crash between two steps).
 * The sandbox payment provider keeps its payments in the same store; its writes are the
 * provider's, not steps of the saga, so they are neither counted nor refused. */
typedef struct ox_store {
    fantasy_record_store inner;
    atomic_llong order_reads; /* threads may read at once */
    int64_t applies;
    int64_t stop_at; /* < 0: never */
} ox_store;

static inline fantasy_status ox_get(void *self, const char *col, const char *id, fantasy_buf *doc,
                                    int64_t *version) {
    ox_store *s = self;
    s->order_reads += strcmp(col, "orders") == 0;
    return s->inner.get(s->inner.self, col, id, doc, version);
}

static inline fantasy_status ox_apply(void *self, const fantasy_record_op *ops, size_t n,
                                      int64_t *v) {
    ox_store *s = self;
    int provider = n > 0 && strncmp(ops[0].collection, "sandbox_", 8) == 0;
    if (!provider && s->stop_at >= 0 && ++s->applies >= s->stop_at) {
        return fantasy_error_set(FANTASY_EBACKEND, "crashed");
    }
    return s->inner.apply(s->inner.self, ops, n, v);
}

static inline fantasy_status ox_find(void *self, const char *col, const char *key,
                                     const char *after, size_t limit, fantasy_list *out) {
    ox_store *s = self;
    return s->inner.find(s->inner.self, col, key, after, limit, out);
}

static inline fantasy_status ox_find_keys(void *self, const char *col, const char *prefix,
                                          const char *after, size_t limit, fantasy_list *out) {
    ox_store *s = self;
    return s->inner.find_keys(s->inner.self, col, prefix, after, limit, out);
}

static inline fantasy_status ox_count(void *self, const char *col, const char *key, int64_t *out) {
    ox_store *s = self;
    return s->inner.count(s->inner.self, col, key, out);
}

/* Open the inner memory store and fill `vt` with the wrapper (the host keeps both). */
static inline void ox_store_open(ox_store *s, fantasy_record_store *vt) {
    memset(s, 0, sizeof *s);
    s->stop_at = -1;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &s->inner), FANTASY_OK);
    fantasy_record_store w = FANTASY_RECORD_STORE_INIT;
    w.self = s;
    w.get = ox_get;
    w.apply = ox_apply;
    w.find = ox_find;
    w.find_keys = ox_find_keys;
    w.count = ox_count;
    *vt = w;
}

/* How many documents of `col` hold `key`. */
static inline int64_t ox_key_count(ox_store *s, const char *col, const char *key) {
    int64_t n = -1;
    assert_int_equal(s->inner.count(s->inner.self, col, key, &n), FANTASY_OK);
    return n;
}

/* Events seen per topic, fed by fantasy_park_poll. */
#define OX_TOPICS_MAX 24

typedef struct ox_events {
    const char *topics[OX_TOPICS_MAX]; /* NULL-terminated */
    int counts[OX_TOPICS_MAX];
} ox_events;

static inline int ox_count_event(void *ctx, const fantasy_event *ev) {
    ox_events *e = ctx;
    for (int i = 0; e->topics[i]; i++) {
        e->counts[i] += strcmp(e->topics[i], ev->topic) == 0;
    }
    return 0;
}

/* Subscribe `e` to each of its topics (group "ox"). */
static inline void ox_listen(fantasy_park *park, ox_events *e) {
    for (int i = 0; e->topics[i]; i++) {
        assert_int_equal(fantasy_park_subscribe(park, e->topics[i], "ox", ox_count_event, e),
                         FANTASY_OK);
    }
}

/* Deliver everything pending, then the count of `topic`. */
static inline int ox_seen(fantasy_park *park, ox_events *e, const char *topic) {
    while (fantasy_park_poll(park, 0) > 0) {
    }
    for (int i = 0; e->topics[i]; i++) {
        if (strcmp(e->topics[i], topic) == 0) {
            return e->counts[i];
        }
    }
    fail_msg("topic %s is not listened to", topic);
    return -1;
}

#endif
