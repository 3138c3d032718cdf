/* A whole park on SQLite (store=sqlite:PATH): accounts, a product and orders go into the file;
 * closed and opened again on the same file, the park finds the same users, product, orders and
 * stock counts, and carries on (an idempotent replay, a payment, a new order). */
#include <unistd.h>

#include "orders_fixture.h"
#include "unit/fixture_sqlite.h"

typedef struct world {
    sqfx_dir d;
    fantasy_park *park;
    fx_user mgr, user;
    char pid[64];
    char oid[64];
} world;

static fantasy_park *open_on_file(const char *path) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char store[160];
    char start[32];
    (void)snprintf(store, sizeof store, "sqlite:%s", path);
    (void)snprintf(start, sizeof start, "%lld", FX_START_MS);
    assert_int_equal(fantasy_conf_set(conf, "store", store), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    if (!w) {
        return -1;
    }
    if (sqfx_make(&w->d, "park", "park.db") != 0) {
        free(w);
        return -1;
    }
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    if (w->park) {
        fantasy_park_close(w->park);
    }
    (void)sqfx_remove(&w->d);
    free(w);
    return 0;
}

static void expect_counts(world *w, int64_t avail, int64_t held, int64_t sold) {
    int64_t a = -1;
    int64_t h = -1;
    int64_t s = -1;
    ox_counts(w->park, w->pid, &a, &h, &s);
    assert_int_equal(a, avail);
    assert_int_equal(h, held);
    assert_int_equal(s, sold);
}

static void expect_order(world *w, const char *status, int64_t qty) {
    char a[128];
    (void)snprintf(a, sizeof a, "{\"order_id\":\"%s\"}", w->oid);
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "orders.get", a, w->user.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), status);
    assert_int_equal(fx_int(r, "quantity"), qty);
    char pid[64];
    assert_string_equal(fx_str(r, "product_id", pid, sizeof pid), w->pid);
    cJSON_Delete(r);
}

/* The first life of the park: users, a product of 5 (limit 3), an order of 2. */
static void first_life(world *w) {
    w->park = open_on_file(w->d.path);
    fx_user_with_role(w->park, "manager1", "MANAGER", &w->mgr);
    fx_user_with_role(w->park, "user1", "USER", &w->user);
    ox_simple(w->park, &w->mgr, 5, 3, w->pid, sizeof w->pid);
    cJSON *r = NULL;
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 2, "first", &r), FANTASY_OK);
    fx_str(r, "order_id", w->oid, sizeof w->oid);
    cJSON_Delete(r);
    expect_counts(w, 3, 2, 0);
    fantasy_park_close(w->park);
    w->park = NULL;
}

static void test_park_survives_reopen(void **state) {
    world *w = *state;
    first_life(w);
    assert_int_equal(access(w->d.path, F_OK), 0); /* the state is in the file */
    w->park = open_on_file(w->d.path);
    fx_login(w->park, "manager1", FX_PASSWORD, &w->mgr);
    fx_login(w->park, "user1", FX_PASSWORD, &w->user);
    expect_counts(w, 3, 2, 0);
    expect_order(w, "PENDING_PAYMENT", 2);
    char a[256];
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", w->pid);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(w->park, "products.get", a, &r), FANTASY_OK);
    char name[64];
    assert_string_equal(fx_str(r, "name", name, sizeof name), "Day pass");
    cJSON_Delete(r);
    /* The idempotency record came through too: the same key gives the same order. */
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 2, "first", &r), FANTASY_OK);
    char again[64];
    assert_string_equal(fx_str(r, "order_id", again, sizeof again), w->oid);
    cJSON_Delete(r);
    /* And the park carries on: pay it, then the per-user limit counts the old sale. */
    (void)snprintf(a, sizeof a,
                   "{\"order_id\":\"%s\",\"payment_key\":\"card-1\",\"amount\":{\"amount\":2000,"
                   "\"currency\":\"KRW\"}}",
                   w->oid);
    assert_int_equal(fx_call(w->park, "orders.pay", a, w->user.access, NULL), FANTASY_OK);
    expect_order(w, "PAID", 2);
    expect_counts(w, 3, 0, 2);
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 2, "second", NULL), FANTASY_ELIMIT);
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 1, "third", NULL), FANTASY_OK);
    expect_counts(w, 2, 1, 2);
    fantasy_park_close(w->park);
    w->park = open_on_file(w->d.path);
    fx_login(w->park, "user1", FX_PASSWORD, &w->user);
    expect_order(w, "PAID", 2);
    expect_counts(w, 2, 1, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_park_survives_reopen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
