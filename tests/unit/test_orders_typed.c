/* The typed API of products.h and orders.h: same rules as the JSON methods. */
#include "orders_fixture.h"

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
    fx_user_with_role(park, "manager1", "MANAGER", &mgr_u);
    fx_user_with_role(park, "user1", "USER", &user_u);
    fantasy_actor mgr, user;
    assert_int_equal(fantasy_actor_as_user(park, mgr_u.id, &mgr), FANTASY_OK);
    assert_int_equal(fantasy_actor_as_user(park, user_u.id, &user), FANTASY_OK);

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_typed_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
