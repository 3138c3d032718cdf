/* The typed API of products.h and orders.h: same rules as the JSON methods. */
#include "fixture_park.h"

static void check_update(fantasy_park *park, const fantasy_actor *mgr_in, const char *pid) {
    fantasy_actor mgr = *mgr_in;
    fantasy_product *p = NULL;
    /* Update: stale version, stock below sold, then a real change keeping sold. */
    int64_t low = 1, more = 9;
    fantasy_product_update up = { .product_id = pid, .version = 1, .name = "Renamed" };
    assert_int_equal(fantasy_products_update(park, &mgr, &up, &p), FANTASY_ECONFLICT);
    assert_null(p);
    up.version = 2;
    up.stock = &low;
    assert_int_equal(fantasy_products_update(park, &mgr, &up, &p), FANTASY_EINVAL);
    assert_int_equal(fantasy_products_get(park, &mgr, pid, &p), FANTASY_OK);
    up.version = p->version;
    assert_string_equal(p->name, "Pass");
    fantasy_product_free(p);
    up.stock = &more;
    assert_int_equal(fantasy_products_update(park, &mgr, &up, &p), FANTASY_OK);
    assert_string_equal(p->name, "Renamed");
    assert_int_equal(p->stock, 9);
    assert_int_equal(p->sold, 2);
    assert_int_equal(p->available, 7);
    fantasy_product_free(p);
}

static void test_typed_flow(void **state) {
    (void)state;
    fantasy_park *park = ox_open();
    fx_user mgr_u, user_u;
    fantasy_actor mgr, user;
    fx_actor_with_role(park, "manager1", "MANAGER", &mgr_u, &mgr);
    fx_actor_with_role(park, "user1", "USER", &user_u, &user);

    fantasy_product_new in = { .name = "Pass", .type = "TICKET", .stock = 4, .per_user_limit = 0 };
    in.price.amount_minor = 700;
    memcpy(in.price.currency, "KRW", 4);
    fantasy_product *p = NULL;
    assert_int_equal(fantasy_products_create(park, &user, &in, &p), FANTASY_EPERM);
    assert_null(p);
    assert_int_equal(fantasy_products_create(park, NULL, &in, &p), FANTASY_EAUTH);
    assert_int_equal(fantasy_products_create(park, &mgr, &in, &p), FANTASY_OK);
    assert_string_equal(p->status, "DRAFT");
    char pid[FANTASY_ID_MAX];
    memcpy(pid, p->product_id, sizeof pid);
    fantasy_product_free(p);
    assert_int_equal(fantasy_products_get(park, NULL, pid, &p), FANTASY_ENOTFOUND);
    assert_int_equal(fantasy_products_open(park, &mgr, pid, &p), FANTASY_OK);
    fantasy_product_free(p);

    fantasy_order *o = NULL;
    assert_int_equal(fantasy_orders_create(park, &user, pid, 2, "k", &o), FANTASY_OK);
    assert_string_equal(o->status, "PENDING_PAYMENT");
    assert_int_equal(o->amount.amount_minor, 1400);
    char oid[FANTASY_ID_MAX];
    memcpy(oid, o->order_id, sizeof oid);
    fantasy_order_free(o);
    fantasy_money m = { 1400, "KRW" };
    assert_int_equal(fantasy_orders_pay(park, &user, oid, "card", &m, &o), FANTASY_OK);
    assert_string_equal(o->status, "PAID");
    assert_int_equal(o->n_tickets, 2);
    assert_string_equal(o->tickets[1].status, "VALID");
    assert_string_equal(o->payment_key, "card");
    char tid[FANTASY_ID_MAX];
    memcpy(tid, o->tickets[0].ticket_id, sizeof tid);
    fantasy_order_free(o);

    assert_int_equal(fantasy_products_get(park, NULL, pid, &p), FANTASY_OK);
    assert_int_equal(p->sold, 2);
    assert_int_equal(p->available + p->held + p->sold, p->stock);
    fantasy_product_free(p);

    check_update(park, &mgr, pid);

    fantasy_ticket t;
    assert_int_equal(fantasy_tickets_redeem(park, &user, tid, &t), FANTASY_EPERM);
    assert_int_equal(fantasy_tickets_redeem(park, &mgr, tid, &t), FANTASY_OK);
    assert_string_equal(t.status, "REDEEMED");
    assert_int_equal(fantasy_tickets_redeem(park, &mgr, tid, NULL), FANTASY_EREDEEMED);

    assert_int_equal(fantasy_orders_cancel(park, &mgr, oid, "rain", &o), FANTASY_OK);
    assert_string_equal(o->status, "REFUNDED");
    fantasy_order_free(o);
    assert_int_equal(fantasy_orders_get(park, &user, oid, &o), FANTASY_OK);
    assert_string_equal(o->tickets[0].status, "VOID");
    fantasy_order_free(o);
    assert_int_equal(fantasy_orders_get(park, &user, NULL, &o), FANTASY_EMISUSE);
    fantasy_park_close(park);
}

/* A park where user1 has three orders (the second PAID, two tickets) and user2 one. */
typedef struct world {
    fantasy_park *park; /* first, for fx_world_close */
    fx_user mgr_u, user_u, other_u;
    fantasy_actor mgr, user, other;
    char pid[64], oids[3][FANTASY_ID_MAX], tids[2][FANTASY_ID_MAX];
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    w->park = ox_open();
    fx_actor_with_role(w->park, "manager1", "MANAGER", &w->mgr_u, &w->mgr);
    fx_actor_with_role(w->park, "user1", "USER", &w->user_u, &w->user);
    fx_actor_with_role(w->park, "user2", "USER", &w->other_u, &w->other);
    ox_simple(w->park, &w->mgr_u, 20, 0, w->pid, sizeof w->pid);
    const char *keys[] = { "a", "b", "c" };
    fantasy_order *o = NULL;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fantasy_orders_create(w->park, &w->user, w->pid, i + 1, keys[i], &o),
                         FANTASY_OK);
        memcpy(w->oids[i], o->order_id, sizeof w->oids[i]);
        fantasy_order_free(o);
    }
    fantasy_money m = { 2000, "KRW" };
    assert_int_equal(fantasy_orders_pay(w->park, &w->user, w->oids[1], "card", &m, &o), FANTASY_OK);
    for (size_t i = 0; i < 2; i++) {
        memcpy(w->tids[i], o->tickets[i].ticket_id, sizeof w->tids[i]);
    }
    fantasy_order_free(o);
    assert_int_equal(fantasy_orders_create(w->park, &w->other, w->pid, 1, "a", &o), FANTASY_OK);
    fantasy_order_free(o);
    *state = w;
    return 0;
}

static void same_ticket(const cJSON *j, const fantasy_ticket *t) {
    char buf[FANTASY_ID_MAX];
    assert_string_equal(t->ticket_id, fx_str(j, "ticket_id", buf, sizeof buf));
    assert_string_equal(t->order_id, fx_str(j, "order_id", buf, sizeof buf));
    assert_string_equal(t->product_id, fx_str(j, "product_id", buf, sizeof buf));
    assert_string_equal(t->user_id, fx_str(j, "user_id", buf, sizeof buf));
    assert_string_equal(t->status, fx_str(j, "status", buf, sizeof buf));
}

static void same_order(const cJSON *j, const fantasy_order *o) {
    char buf[FANTASY_ID_MAX];
    assert_string_equal(o->order_id, fx_str(j, "order_id", buf, sizeof buf));
    assert_string_equal(o->user_id, fx_str(j, "user_id", buf, sizeof buf));
    assert_string_equal(o->status, fx_str(j, "status", buf, sizeof buf));
    assert_int_equal(o->quantity, fx_int(j, "quantity"));
    assert_int_equal(o->amount.amount_minor,
                     fx_int(cJSON_GetObjectItemCaseSensitive(j, "amount"), "amount"));
    assert_int_equal(o->expires_at_ms, fx_int(j, "expires_at"));
    assert_int_equal(o->created_at_ms, fx_int(j, "created_at"));
    const cJSON *tickets = cJSON_GetObjectItemCaseSensitive(j, "tickets");
    assert_int_equal(o->n_tickets, (size_t)cJSON_GetArraySize(tickets));
    assert_true(o->n_tickets == 0 ? o->tickets == NULL : o->tickets != NULL);
    for (size_t i = 0; i < o->n_tickets; i++) {
        same_ticket(cJSON_GetArrayItem(tickets, (int)i), &o->tickets[i]);
    }
}

static const char *cursor_of(const cJSON *j) {
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(j, "next_cursor");
    return cJSON_IsString(cur) ? cur->valuestring : "";
}

static void same_orders(const cJSON *j, const fantasy_order_page *pg) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    assert_int_equal(pg->n, (size_t)cJSON_GetArraySize(items));
    for (size_t i = 0; i < pg->n; i++) {
        same_order(cJSON_GetArrayItem(items, (int)i), &pg->items[i]);
    }
    assert_string_equal(pg->next_cursor, cursor_of(j));
}

static void same_tickets(const cJSON *j, const fantasy_ticket_page *pg) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    assert_int_equal(pg->n, (size_t)cJSON_GetArraySize(items));
    for (size_t i = 0; i < pg->n; i++) {
        same_ticket(cJSON_GetArrayItem(items, (int)i), &pg->items[i]);
    }
    assert_string_equal(pg->next_cursor, cursor_of(j));
}

static void test_orders_list_pages(void **state) {
    world *w = *state;
    fantasy_order_page *pg = NULL;
    cJSON *j = NULL;
    char args[256], cursor[FANTASY_ID_MAX];
    assert_int_equal(fantasy_orders_list(w->park, &w->user, NULL, NULL, NULL, 2, &pg), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "orders.list", "{\"limit\":2}", w->user_u.access, &j),
                     FANTASY_OK);
    same_orders(j, pg);
    assert_int_equal(pg->n, 2);
    assert_string_equal(pg->items[0].order_id, w->oids[0]);
    /* The PAID order's tickets live in the page's block. */
    assert_string_equal(pg->items[1].status, "PAID");
    assert_int_equal(pg->items[1].n_tickets, 2);
    assert_string_equal(pg->items[1].tickets[1].ticket_id, w->tids[1]);
    assert_string_equal(pg->items[1].payment_key, "card");
    memcpy(cursor, pg->next_cursor, sizeof cursor);
    fantasy_order_page_free(pg);
    cJSON_Delete(j);

    assert_int_equal(fantasy_orders_list(w->park, &w->user, NULL, NULL, cursor, 2, &pg),
                     FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"limit\":2,\"cursor\":\"%s\"}", cursor);
    assert_int_equal(fx_call(w->park, "orders.list", args, w->user_u.access, &j), FANTASY_OK);
    same_orders(j, pg);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->items[0].order_id, w->oids[2]);
    assert_string_equal(pg->next_cursor, "");
    fantasy_order_page_free(pg);
    cJSON_Delete(j);

    /* MANAGER: everyone's (default limit), or one user's; status filters. */
    assert_int_equal(fantasy_orders_list(w->park, &w->mgr, NULL, NULL, NULL, 0, &pg), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "orders.list", "{}", w->mgr_u.access, &j), FANTASY_OK);
    same_orders(j, pg);
    assert_int_equal(pg->n, 4);
    fantasy_order_page_free(pg);
    cJSON_Delete(j);
    assert_int_equal(fantasy_orders_list(w->park, &w->mgr, NULL, w->other_u.id, NULL, 0, &pg),
                     FANTASY_OK);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->items[0].user_id, w->other_u.id);
    fantasy_order_page_free(pg);
    assert_int_equal(fantasy_orders_list(w->park, &w->user, "PAID", NULL, NULL, 0, &pg),
                     FANTASY_OK);
    assert_int_equal(fx_call(w->park, "orders.list", "{\"status\":\"PAID\"}", w->user_u.access, &j),
                     FANTASY_OK);
    same_orders(j, pg);
    assert_int_equal(pg->n, 1);
    fantasy_order_page_free(pg);
    cJSON_Delete(j);
    assert_int_equal(fantasy_orders_list(w->park, &w->other, "PAID", NULL, NULL, 0, &pg),
                     FANTASY_OK);
    assert_int_equal(pg->n, 0);
    assert_null(pg->items);
    fantasy_order_page_free(pg);
}

static void test_orders_list_errors(void **state) {
    world *w = *state;
    fantasy_order_page *pg = (fantasy_order_page *)w; /* must be cleared */
    assert_int_equal(fantasy_orders_list(w->park, &w->user, NULL, w->other_u.id, NULL, 0, &pg),
                     FANTASY_EPERM);
    assert_null(pg);
    assert_int_equal(fantasy_orders_list(w->park, NULL, NULL, NULL, NULL, 0, &pg), FANTASY_EAUTH);
    assert_null(pg);
    assert_int_equal(fantasy_orders_list(w->park, fantasy_actor_system(), NULL, NULL, NULL, 0, &pg),
                     FANTASY_EINVAL);
    assert_int_equal(fantasy_orders_list(w->park, &w->user, NULL, NULL, NULL, 101, &pg),
                     FANTASY_EINVAL);
    assert_null(pg);
    assert_int_equal(fantasy_orders_list(w->park, &w->user, NULL, NULL, NULL, 0, NULL),
                     FANTASY_EMISUSE);
    assert_int_equal(fantasy_orders_list(NULL, &w->user, NULL, NULL, NULL, 0, &pg),
                     FANTASY_EMISUSE);
    fantasy_order_page_free(NULL);
}

static void test_tickets_get(void **state) {
    world *w = *state;
    fantasy_ticket t;
    cJSON *j = NULL;
    char args[128];
    (void)snprintf(args, sizeof args, "{\"ticket_id\":\"%s\"}", w->tids[0]);
    assert_int_equal(fantasy_tickets_get(w->park, &w->user, w->tids[0], &t), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "tickets.get", args, w->user_u.access, &j), FANTASY_OK);
    same_ticket(j, &t);
    assert_string_equal(t.status, "VALID");
    assert_string_equal(t.order_id, w->oids[1]);
    cJSON_Delete(j);
    assert_int_equal(fantasy_tickets_get(w->park, &w->mgr, w->tids[0], &t), FANTASY_OK);
    assert_string_equal(t.user_id, w->user_u.id);
    /* Another USER is told it does not exist; the out is cleared. */
    assert_int_equal(fantasy_tickets_get(w->park, &w->other, w->tids[0], &t), FANTASY_ENOTFOUND);
    assert_string_equal(t.ticket_id, "");
    assert_int_equal(fantasy_tickets_get(w->park, &w->user, "nope", &t), FANTASY_ENOTFOUND);
    assert_int_equal(fantasy_tickets_get(w->park, NULL, w->tids[0], &t), FANTASY_EAUTH);
    assert_int_equal(fantasy_tickets_get(w->park, fantasy_actor_system(), w->tids[0], &t),
                     FANTASY_EINVAL);
    assert_int_equal(fantasy_tickets_get(w->park, &w->user, w->tids[0], NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_tickets_get(w->park, &w->user, NULL, &t), FANTASY_EMISUSE);
}

static void test_tickets_list(void **state) {
    world *w = *state;
    fantasy_ticket_page *pg = NULL;
    cJSON *j = NULL;
    char args[256], cursor[FANTASY_ID_MAX];
    assert_int_equal(fantasy_tickets_list(w->park, &w->user, NULL, NULL, 1, &pg), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "tickets.list", "{\"limit\":1}", w->user_u.access, &j),
                     FANTASY_OK);
    same_tickets(j, pg);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->items[0].ticket_id, w->tids[0]);
    memcpy(cursor, pg->next_cursor, sizeof cursor);
    fantasy_ticket_page_free(pg);
    cJSON_Delete(j);
    assert_int_equal(fantasy_tickets_list(w->park, &w->user, NULL, cursor, 1, &pg), FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"limit\":1,\"cursor\":\"%s\"}", cursor);
    assert_int_equal(fx_call(w->park, "tickets.list", args, w->user_u.access, &j), FANTASY_OK);
    same_tickets(j, pg);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->items[0].ticket_id, w->tids[1]);
    assert_string_equal(pg->next_cursor, "");
    fantasy_ticket_page_free(pg);
    cJSON_Delete(j);

    /* Status filter follows redeems; others (a MANAGER too) list only their own. */
    fantasy_ticket t;
    assert_int_equal(fantasy_tickets_redeem(w->park, &w->mgr, w->tids[1], &t), FANTASY_OK);
    assert_int_equal(fantasy_tickets_list(w->park, &w->user, "REDEEMED", NULL, 0, &pg), FANTASY_OK);
    assert_int_equal(
        fx_call(w->park, "tickets.list", "{\"status\":\"REDEEMED\"}", w->user_u.access, &j),
        FANTASY_OK);
    same_tickets(j, pg);
    assert_int_equal(pg->n, 1);
    assert_string_equal(pg->items[0].status, "REDEEMED");
    fantasy_ticket_page_free(pg);
    cJSON_Delete(j);
    const fantasy_actor *others[] = { &w->other, &w->mgr };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(fantasy_tickets_list(w->park, others[i], NULL, NULL, 0, &pg), FANTASY_OK);
        assert_int_equal(pg->n, 0);
        assert_null(pg->items);
        fantasy_ticket_page_free(pg);
    }
}

static void test_tickets_list_errors(void **state) {
    world *w = *state;
    fantasy_ticket_page *pg = (fantasy_ticket_page *)w; /* must be cleared */
    assert_int_equal(fantasy_tickets_list(w->park, NULL, NULL, NULL, 0, &pg), FANTASY_EAUTH);
    assert_null(pg);
    assert_int_equal(fantasy_tickets_list(w->park, fantasy_actor_system(), NULL, NULL, 0, &pg),
                     FANTASY_EINVAL);
    assert_int_equal(fantasy_tickets_list(w->park, &w->user, NULL, NULL, 101, &pg), FANTASY_EINVAL);
    assert_null(pg);
    assert_int_equal(fantasy_tickets_list(w->park, &w->user, NULL, NULL, 0, NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_tickets_list(NULL, &w->user, NULL, NULL, 0, &pg), FANTASY_EMISUSE);
    fantasy_ticket_page_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed_flow),
        cmocka_unit_test_setup_teardown(test_orders_list_pages, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_orders_list_errors, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_tickets_get, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_tickets_list, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_tickets_list_errors, setup, fx_world_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
