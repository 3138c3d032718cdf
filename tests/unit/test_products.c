/* products.*: lifecycle, visibility, versions, stock changes that never reset held or sold. */
#include "orders_fixture.h"

typedef struct world {
    fantasy_park *park;
    fx_user mgr, user;
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    w->park = ox_open();
    fx_user_with_role(w->park, "manager1", "MANAGER", &w->mgr);
    fx_user_with_role(w->park, "user1", "USER", &w->user);
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    fantasy_park_close(w->park);
    free(w);
    return 0;
}

static const char *product_json =
    "{\"name\":\"Parade\",\"type\":\"EVENT\",\"price\":{\"amount\":5000,\"currency\":\"KRW\"},"
    "\"stock\":10,\"per_user_limit\":2,\"description\":\"night parade\"}";

static void test_create_is_draft_and_manager_only(void **state) {
    world *w = *state;
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "products.create", product_json, w->user.access, NULL),
                     FANTASY_EPERM);
    assert_int_equal(fx_call(w->park, "products.create", product_json, w->mgr.access, &r),
                     FANTASY_OK);
    assert_string_equal(ox_status(r), "DRAFT");
    assert_int_equal(fx_int(r, "stock"), 10);
    assert_int_equal(fx_int(r, "available"), 10);
    assert_int_equal(fx_int(r, "held"), 0);
    assert_int_equal(fx_int(r, "sold"), 0);
    assert_int_equal(fx_int(r, "per_user_limit"), 2);
    assert_int_equal(fx_int(r, "version"), 1);
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(r, "price");
    assert_int_equal(fx_int(price, "amount"), 5000);
    char id[64], a[128];
    fx_str(r, "product_id", id, sizeof id);
    cJSON_Delete(r);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", id);
    /* Drafts are invisible below MANAGER. */
    assert_int_equal(fx_call(w->park, "products.get", a, w->user.access, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(fx_call(w->park, "products.get", a, NULL, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(fx_call(w->park, "products.get", a, w->mgr.access, NULL), FANTASY_OK);
    /* Absent optional fields come back as null. */
    assert_int_equal(fx_call(w->park, "products.create",
                             "{\"name\":\"Pass\",\"type\":\"MEMBERSHIP\",\"price\":{\"amount\":1,"
                             "\"currency\":\"KRW\"},\"stock\":-1}",
                             w->mgr.access, &r),
                     FANTASY_OK);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "description")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "sale_starts_at")));
    cJSON_Delete(r);
}

static void test_bad_arguments(void **state) {
    world *w = *state;
    const char *bad[] = {
        "{\"name\":\"x\",\"type\":\"RIDE\",\"price\":{\"amount\":1,\"currency\":\"KRW\"},"
        "\"stock\":1}",
        "{\"name\":\"x\",\"type\":\"EVENT\",\"price\":{\"amount\":-1,\"currency\":\"KRW\"},"
        "\"stock\":1}",
        "{\"name\":\"x\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":\"KRW\"},"
        "\"stock\":-2}",
        "{\"name\":\"x\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":\"KRW\"}}",
        "{\"name\":\"x\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":\"KRW\"},"
        "\"stock\":1.5}",
        "{\"name\":\"x\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":\"KRW\"},"
        "\"stock\":1,\"sale_starts_at\":100,\"sale_ends_at\":50}",
        "{\"name\":\"x\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":\"KRW\"},"
        "\"stock\":1,\"bogus\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fx_call(w->park, "products.create", bad[i], w->mgr.access, NULL),
                         FANTASY_EINVAL);
    }
}

static void test_open_close_transitions(void **state) {
    world *w = *state;
    char id[64], a[128];
    ox_product(w->park, &w->mgr, product_json, 0, id, sizeof id);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", id);
    assert_int_equal(fx_call(w->park, "products.close", a, w->mgr.access, NULL), FANTASY_ESTATE);
    assert_int_equal(fx_call(w->park, "products.open", a, w->user.access, NULL), FANTASY_EPERM);
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "products.open", a, w->mgr.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "OPEN");
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "products.open", a, w->mgr.access, NULL), FANTASY_ESTATE);
    assert_int_equal(fx_call(w->park, "products.get", a, w->user.access, NULL), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "products.close", a, w->mgr.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "CLOSED");
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "products.open", a, w->mgr.access, NULL), FANTASY_ESTATE);
    assert_int_equal(fx_call(w->park, "products.get", a, w->mgr.access, NULL), FANTASY_OK);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"nope\"}");
    assert_int_equal(fx_call(w->park, "products.open", a, w->mgr.access, NULL), FANTASY_ENOTFOUND);
}

static void test_update_version_and_stock(void **state) {
    world *w = *state;
    char id[64], a[256];
    ox_simple(w->park, &w->mgr, 5, 0, id, sizeof id);
    /* open made it version 2; hold 3 units */
    assert_int_equal(ox_order(w->park, &w->user, id, 3, "k1", NULL), FANTASY_OK);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\",\"version\":1,\"name\":\"New\"}", id);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, NULL),
                     FANTASY_ECONFLICT);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\",\"version\":2,\"stock\":2}", id);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, NULL), FANTASY_EINVAL);
    cJSON *r = NULL;
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", id);
    assert_int_equal(fx_call(w->park, "products.get", a, w->mgr.access, &r), FANTASY_OK);
    int64_t ver = fx_int(r, "version");
    assert_int_equal(fx_int(r, "stock"), 5);
    assert_int_equal(fx_int(r, "held"), 3);
    assert_int_equal(fx_int(r, "available"), 2);
    cJSON_Delete(r);
    (void)snprintf(a, sizeof a,
                   "{\"product_id\":\"%s\",\"version\":%lld,\"stock\":8,\"name\":\"Bigger\"}", id,
                   (long long)ver);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, &r), FANTASY_OK);
    assert_int_equal(fx_int(r, "stock"), 8);
    assert_int_equal(fx_int(r, "held"), 3);
    assert_int_equal(fx_int(r, "available"), 5);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "name")->valuestring, "Bigger");
    cJSON_Delete(r);
}

static void test_unlimited_stock(void **state) {
    world *w = *state;
    char id[64];
    ox_simple(w->park, &w->mgr, -1, 0, id, sizeof id);
    assert_int_equal(ox_order(w->park, &w->user, id, 7, "u1", NULL), FANTASY_OK);
    int64_t av = 0, held = 0, sold = 0;
    ox_counts(w->park, id, &av, &held, &sold);
    assert_int_equal(av, -1);
    assert_int_equal(held, 7);
    assert_int_equal(sold, 0);
}

static void test_list_filters_and_pages(void **state) {
    world *w = *state;
    char id[64];
    for (int i = 0; i < 3; i++) {
        ox_simple(w->park, &w->mgr, 1, 0, id, sizeof id);
    }
    ox_product(w->park, &w->mgr, product_json, 0, id, sizeof id); /* a DRAFT EVENT */
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "products.list", "{\"limit\":2}", w->user.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 2);
    char cur[64], a[128];
    fx_str(r, "next_cursor", cur, sizeof cur);
    cJSON_Delete(r);
    (void)snprintf(a, sizeof a, "{\"limit\":2,\"cursor\":\"%s\"}", cur);
    assert_int_equal(fx_call(w->park, "products.list", a, w->user.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "next_cursor")));
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "products.list", "{\"status\":\"DRAFT\"}", w->mgr.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "products.list", "{\"type\":\"EVENT\"}", w->user.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 0);
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "products.list", "{\"limit\":0}", NULL, NULL),
                     FANTASY_EINVAL);
}

/* Every error code of products.*, each leaving the product as it was. */
static void test_error_codes(void **state) {
    world *w = *state;
    char id[64], a[256];
    ox_simple(w->park, &w->mgr, 5, 0, id, sizeof id);
    assert_int_equal(ox_order(w->park, &w->user, id, 2, "k", NULL), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "products.create", product_json, NULL, NULL), FANTASY_EAUTH);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\",\"version\":2,\"name\":\"X\"}", id);
    assert_int_equal(fx_call(w->park, "products.update", a, NULL, NULL), FANTASY_EAUTH);
    assert_int_equal(fx_call(w->park, "products.update", a, w->user.access, NULL), FANTASY_EPERM);
    assert_int_equal(fx_call(w->park, "products.update",
                             "{\"product_id\":\"nope\",\"version\":1,\"name\":\"X\"}",
                             w->mgr.access, NULL),
                     FANTASY_ENOTFOUND);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\",\"version\":2,\"name\":\"\"}", id);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, NULL), FANTASY_EINVAL);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\",\"version\":2,\"stock\":-2}", id);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, NULL), FANTASY_EINVAL);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", id);
    assert_int_equal(fx_call(w->park, "products.close", a, w->user.access, NULL), FANTASY_EPERM);
    assert_int_equal(fx_call(w->park, "products.close", a, NULL, NULL), FANTASY_EAUTH);
    assert_int_equal(fx_call(w->park, "products.get", "{\"product_id\":\"nope\"}", NULL, NULL),
                     FANTASY_ENOTFOUND);
    assert_int_equal(fx_call(w->park, "products.get", "{}", NULL, NULL), FANTASY_EINVAL);
    assert_int_equal(fx_call(w->park, "products.list", "{\"limit\":101}", NULL, NULL),
                     FANTASY_EINVAL);
    assert_int_equal(fx_call(w->park, "products.list", "{\"cursor\":5}", NULL, NULL),
                     FANTASY_EINVAL);
    /* A stock change refused below held + sold writes every other field back too. */
    (void)snprintf(a, sizeof a,
                   "{\"product_id\":\"%s\",\"version\":2,\"stock\":1,\"name\":\"Renamed\"}", id);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, NULL), FANTASY_EINVAL);
    cJSON *r = NULL;
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", id);
    assert_int_equal(fx_call(w->park, "products.get", a, w->user.access, &r), FANTASY_OK);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "name")->valuestring, "Day pass");
    assert_int_equal(fx_int(r, "stock"), 5);
    assert_int_equal(fx_int(r, "held"), 2);
    assert_int_equal(fx_int(r, "available"), 3);
    cJSON_Delete(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_is_draft_and_manager_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_close_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_version_and_stock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlimited_stock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters_and_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_codes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
