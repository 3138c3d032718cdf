/* fantasy_products_list: the typed door of products.list gives what the JSON door gives. */
#include "fixture_park.h"

typedef struct world {
    fantasy_park *park; /* first, for fx_world_close */
    fx_user mgr_u, user_u;
    fantasy_actor mgr, user;
    char draft[64];
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    w->park = ox_open();
    fx_actor_with_role(w->park, "manager1", "MANAGER", &w->mgr_u, &w->mgr);
    fx_actor_with_role(w->park, "user1", "USER", &w->user_u, &w->user);
    char id[64];
    for (int i = 0; i < 3; i++) {
        ox_simple(w->park, &w->mgr_u, 4 + i, 0, id, sizeof id);
    }
    /* Held units show in the counts of both doors. */
    assert_int_equal(ox_order(w->park, &w->user_u, id, 2, "k", NULL), FANTASY_OK);
    ox_product(w->park, &w->mgr_u,
               "{\"name\":\"Parade\",\"type\":\"EVENT\",\"price\":{\"amount\":5000,\"currency\":"
               "\"KRW\"},\"stock\":10,\"description\":\"night\"}",
               0, w->draft, sizeof w->draft);
    *state = w;
    return 0;
}

static void same_product(const cJSON *j, const fantasy_product *p) {
    char buf[FANTASY_PRODUCT_DESC_MAX];
    assert_string_equal(p->product_id, fx_str(j, "product_id", buf, sizeof buf));
    assert_string_equal(p->name, fx_str(j, "name", buf, sizeof buf));
    assert_string_equal(p->type, fx_str(j, "type", buf, sizeof buf));
    assert_string_equal(p->status, fx_str(j, "status", buf, sizeof buf));
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(j, "price");
    assert_int_equal(p->price.amount_minor, fx_int(price, "amount"));
    assert_string_equal(p->price.currency, fx_str(price, "currency", buf, sizeof buf));
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "description");
    assert_string_equal(p->description, cJSON_IsString(desc) ? desc->valuestring : "");
    assert_int_equal(p->stock, fx_int(j, "stock"));
    assert_int_equal(p->available, fx_int(j, "available"));
    assert_int_equal(p->held, fx_int(j, "held"));
    assert_int_equal(p->sold, fx_int(j, "sold"));
    assert_int_equal(p->per_user_limit, fx_int(j, "per_user_limit"));
    assert_int_equal(p->version, fx_int(j, "version"));
}

/* The typed page equals the JSON page of the same call (token NULL: anonymous). */
static void same_page(const cJSON *j, const fantasy_product_page *pg) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    assert_int_equal(pg->n, (size_t)cJSON_GetArraySize(items));
    assert_true(pg->n == 0 ? pg->items == NULL : pg->items != NULL);
    for (size_t i = 0; pg->items && i < pg->n; i++) {
        same_product(cJSON_GetArrayItem(items, (int)i), &pg->items[i]);
    }
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(j, "next_cursor");
    assert_string_equal(pg->next_cursor, cJSON_IsString(cur) ? cur->valuestring : "");
}

static void test_pages_match_json(void **state) {
    world *w = *state;
    fantasy_product_page *pg = NULL;
    cJSON *j = NULL;
    assert_int_equal(fantasy_products_list(w->park, &w->user, NULL, NULL, NULL, 2, &pg),
                     FANTASY_OK);
    assert_int_equal(fx_call(w->park, "products.list", "{\"limit\":2}", w->user_u.access, &j),
                     FANTASY_OK);
    same_page(j, pg);
    assert_int_equal(pg->n, 2);
    assert_string_not_equal(pg->next_cursor, "");
    assert_int_equal(pg->items[0].stock, 4);
    char cursor[FANTASY_ID_MAX], args[256];
    memcpy(cursor, pg->next_cursor, sizeof cursor);
    fantasy_product_page_free(pg);
    cJSON_Delete(j);

    /* The rest: the third OPEN product with its held units; the DRAFT stays hidden. */
    assert_int_equal(fantasy_products_list(w->park, &w->user, NULL, NULL, cursor, 2, &pg),
                     FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"limit\":2,\"cursor\":\"%s\"}", cursor);
    assert_int_equal(fx_call(w->park, "products.list", args, w->user_u.access, &j), FANTASY_OK);
    same_page(j, pg);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->next_cursor, "");
    assert_int_equal(pg->items[0].held, 2);
    assert_int_equal(pg->items[0].available, 4);
    fantasy_product_page_free(pg);
    cJSON_Delete(j);

    /* Default limit (0), anonymous. */
    assert_int_equal(fantasy_products_list(w->park, NULL, NULL, NULL, "", 0, &pg), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "products.list", "{}", NULL, &j), FANTASY_OK);
    same_page(j, pg);
    assert_int_equal(pg->n, 3);
    fantasy_product_page_free(pg);
    cJSON_Delete(j);
}

static void test_filters_and_drafts(void **state) {
    world *w = *state;
    fantasy_product_page *pg = NULL;
    cJSON *j = NULL;
    /* A DRAFT is listed for MANAGER only. */
    assert_int_equal(fantasy_products_list(w->park, &w->mgr, "EVENT", NULL, NULL, 0, &pg),
                     FANTASY_OK);
    assert_int_equal(fx_call(w->park, "products.list", "{\"type\":\"EVENT\"}", w->mgr_u.access, &j),
                     FANTASY_OK);
    same_page(j, pg);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->items[0].product_id, w->draft);
    assert_string_equal(pg->items[0].description, "night");
    fantasy_product_page_free(pg);
    cJSON_Delete(j);
    assert_int_equal(fantasy_products_list(w->park, &w->user, "EVENT", NULL, NULL, 0, &pg),
                     FANTASY_OK);
    assert_int_equal(pg->n, 0);
    assert_null(pg->items);
    assert_string_equal(pg->next_cursor, "");
    fantasy_product_page_free(pg);
    assert_int_equal(fantasy_products_list(w->park, NULL, NULL, "DRAFT", NULL, 0, &pg), FANTASY_OK);
    assert_int_equal(pg->n, 0);
    fantasy_product_page_free(pg);
    assert_int_equal(
        fantasy_products_list(w->park, fantasy_actor_system(), NULL, "DRAFT", NULL, 0, &pg),
        FANTASY_OK);
    assert_int_equal(pg->n, 1);
    fantasy_product_page_free(pg);
    assert_int_equal(fantasy_products_list(w->park, &w->user, "TICKET", "OPEN", NULL, 0, &pg),
                     FANTASY_OK);
    assert_int_equal(pg->n, 3);
    fantasy_product_page_free(pg);
}

static void test_errors(void **state) {
    world *w = *state;
    fantasy_product_page *pg = (fantasy_product_page *)w; /* must be cleared */
    assert_int_equal(fantasy_products_list(w->park, &w->user, NULL, NULL, NULL, 101, &pg),
                     FANTASY_EINVAL);
    assert_null(pg);
    assert_non_null(strstr(fantasy_error_last(), "limit"));
    assert_int_equal(fantasy_products_list(w->park, &w->user, NULL, NULL, NULL, -1, &pg),
                     FANTASY_EINVAL);
    assert_null(pg);
    assert_int_equal(fantasy_products_list(w->park, &w->user, NULL, NULL, NULL, 0, NULL),
                     FANTASY_EMISUSE);
    assert_int_equal(fantasy_products_list(NULL, &w->user, NULL, NULL, NULL, 0, &pg),
                     FANTASY_EMISUSE);
    assert_null(pg);
    /* An actor the library did not make. */
    fantasy_actor forged;
    memset(&forged, 'x', sizeof forged);
    forged.role = FANTASY_ROLE_MASTER;
    assert_int_equal(fantasy_products_list(w->park, &forged, NULL, NULL, NULL, 0, &pg),
                     FANTASY_EMISUSE);
    assert_null(pg);
    fantasy_product_page_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages_match_json, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_filters_and_drafts, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_errors, setup, fx_world_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
