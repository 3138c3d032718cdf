/* A whole park on PostgreSQL (store=postgres:CONNINFO, stock and queues following it): a
 * product and an order through the host API, the park closed and opened again, everything
 * still there. */
#include "orders_fixture.h"
#include "unit/test_postgres_fixture.h"

typedef struct world {
    pgfx_world pg; /* first, for pgfx_teardown */
    char spec[PGFX_CONNINFO_MAX + 160];
} world;

static int setup(void **state) {
    static world w;
    if (pgfx_conninfo(w.pg.base, sizeof w.pg.base) != 0 || !pgfx_fresh(&w.pg, "park")) {
        return -1;
    }
    (void)snprintf(w.spec, sizeof w.spec, "postgres:%s", w.pg.conn);
    *state = &w;
    return 0;
}

static fantasy_park *open_park(const world *w) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", FX_START_MS);
    assert_int_equal(fantasy_conf_set(conf, "store", w->spec), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

static void order_as(fantasy_park *park, const char *user_id, const char *pid, char *oid,
                     size_t cap) {
    char args[256];
    (void)snprintf(args, sizeof args,
                   "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":2,"
                   "\"idempotency_key\":\"k1\"}",
                   user_id, pid);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "orders.create", args, &r), FANTASY_OK);
    fx_str(r, "order_id", oid, cap);
    assert_string_equal(ox_status(r), "PENDING_PAYMENT");
    cJSON_Delete(r);
}

static void test_park_survives_reopen(void **state) {
    world *w = *state;
    fantasy_park *park = open_park(w);
    fx_user mgr;
    fx_user user;
    fx_user_with_role(park, "manager1", "MANAGER", &mgr);
    fx_user_with_role(park, "user1", "USER", &user);
    char pid[64];
    ox_simple(park, &mgr, 10, 4, pid, sizeof pid);
    char oid[64];
    order_as(park, user.id, pid, oid, sizeof oid);
    int64_t avail = 0, held = 0, sold = 0;
    ox_counts(park, pid, &avail, &held, &sold);
    assert_int_equal(avail, 8);
    assert_int_equal(held, 2);
    fantasy_park_close(park);

    park = open_park(w);
    ox_counts(park, pid, &avail, &held, &sold);
    assert_int_equal(avail, 8);
    assert_int_equal(held, 2);
    assert_int_equal(sold, 0);
    /* The order and its idempotency record are there: the same call replays it. */
    char again[64];
    order_as(park, user.id, pid, again, sizeof again);
    assert_string_equal(again, oid);
    ox_counts(park, pid, &avail, &held, &sold);
    assert_int_equal(held, 2);
    /* So are the accounts, and the tokens signed before the restart still verify. */
    fx_user back;
    fx_login(park, "user1", FX_PASSWORD, &back);
    assert_string_equal(back.id, user.id);
    cJSON *r = NULL;
    char args[128];
    (void)snprintf(args, sizeof args, "{\"product_id\":\"%s\"}", pid);
    assert_int_equal(fx_call(park, "products.get", args, user.access, &r), FANTASY_OK);
    cJSON_Delete(r);
    fantasy_park_close(park);
    /* The documents are JSONB in the database too. */
    assert_true(
        pgfx_scalar(w->pg.conn, "SELECT count(*) FROM fantasy_docs WHERE body IS NOT NULL") > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_park_survives_reopen),
    };
    return cmocka_run_group_tests(tests, setup, pgfx_teardown);
}
