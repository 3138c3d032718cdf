/* Shared helpers of test_products and test_orders*: a cheap park, a manager, products. */
#ifndef FANTASY_TESTS_ORDERS_FIXTURE_H
#define FANTASY_TESTS_ORDERS_FIXTURE_H

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

#endif
