/* Allocation-failure sweep over the sales flow through the typed API (products, orders,
 * tickets, their lists and pages, the refund saga and run_due): with the Nth allocation failing,
 * every call returns FANTASY_OK or FANTASY_ENOMEM, outs stay NULL on failure, nothing crashes and
 * nothing leaks after close. */
#include <pthread.h>

#include "faulty_alloc.h"
#include "orders_fixture.h"

/* 1 when `st` is OK; fails the test on anything but OK or ENOMEM. */
static int ok(fantasy_status st, const char *what) {
    if (st != FANTASY_OK && st != FANTASY_ENOMEM) {
        print_error("%s -> %s: %s\n", what, fantasy_status_code(st), fantasy_error_last());
    }
    assert_true(st == FANTASY_OK || st == FANTASY_ENOMEM);
    return st == FANTASY_OK;
}

/* A provider call that failed for want of memory may have reached the provider: the saga
 * reports it unknown for run_due to settle (PORTS.md), so that ends a run too. */
static int paid_ok(fantasy_status st, const char *what) {
    return st == FANTASY_EPAYUNKNOWN ? 0 : ok(st, what);
}

/* A USER, a product on sale; the user's actor and the product's id. */
static int stock_up(fantasy_park *park, fantasy_actor *user, char *pid) {
    char *json = NULL;
    fantasy_status st = fantasy_call_system(
        park, "accounts.create",
        "{\"username\":\"buyer\",\"password\":\"" FX_PASSWORD "\",\"role\":\"USER\"}", &json);
    cJSON *j = st == FANTASY_OK ? cJSON_Parse(json) : NULL;
    fantasy_free(json);
    if (!ok(st, "accounts.create")) {
        return 0;
    }
    char uid[FANTASY_ID_MAX];
    fx_str(j, "user_id", uid, sizeof uid);
    cJSON_Delete(j);
    fantasy_product_new in = { .name = "Pass", .type = "TICKET", .stock = 5 };
    in.price.amount_minor = 1000;
    memcpy(in.price.currency, "KRW", 4);
    fantasy_product *p = NULL;
    const fantasy_actor *sys = fantasy_actor_system();
    if (!ok(fantasy_actor_as_user(park, uid, user), "as_user") ||
        !ok(fantasy_products_create(park, sys, &in, &p), "products.create")) {
        return 0;
    }
    memcpy(pid, p->product_id, FANTASY_ID_MAX);
    fantasy_product_free(p);
    p = NULL;
    st = fantasy_products_open(park, sys, pid, &p);
    assert_true(st == FANTASY_OK ? p != NULL : p == NULL);
    fantasy_product_free(p);
    return ok(st, "products.open");
}

/* The lists and reads; each page is freed. */
static int read_all(fantasy_park *park, const fantasy_actor *user, char *tid) {
    fantasy_product_page *pp = NULL;
    fantasy_order_page *op = NULL;
    fantasy_ticket_page *tp = NULL;
    fantasy_status st = fantasy_products_list(park, NULL, NULL, NULL, NULL, 0, &pp);
    assert_true(st == FANTASY_OK ? pp != NULL : pp == NULL);
    fantasy_product_page_free(pp);
    if (!ok(st, "products.list")) {
        return 0;
    }
    st = fantasy_orders_list(park, user, NULL, NULL, NULL, 0, &op);
    assert_true(st == FANTASY_OK ? op != NULL : op == NULL);
    if (op) {
        assert_int_equal(op->items[0].n_tickets, 2);
    }
    fantasy_order_page_free(op);
    if (!ok(st, "orders.list")) {
        return 0;
    }
    st = fantasy_tickets_list(park, user, "VALID", NULL, 1, &tp);
    assert_true(st == FANTASY_OK ? tp != NULL : tp == NULL);
    if (tp) {
        memcpy(tid, tp->items[0].ticket_id, FANTASY_ID_MAX);
    }
    fantasy_ticket_page_free(tp);
    fantasy_ticket t;
    return ok(st, "tickets.list") && ok(fantasy_tickets_get(park, user, tid, &t), "tickets.get");
}

static int flow(fantasy_park *park) {
    fantasy_actor user;
    char pid[FANTASY_ID_MAX], oid[FANTASY_ID_MAX], tid[FANTASY_ID_MAX];
    if (!stock_up(park, &user, pid)) {
        return 0;
    }
    fantasy_order *o = NULL;
    if (!ok(fantasy_orders_create(park, &user, pid, 2, "k", &o), "orders.create")) {
        assert_null(o);
        return 0;
    }
    memcpy(oid, o->order_id, sizeof oid);
    fantasy_order_free(o);
    o = NULL;
    fantasy_money m = { 2000, "KRW" };
    fantasy_status st = fantasy_orders_pay(park, &user, oid, "card", &m, &o);
    fantasy_order_free(o);
    if (!paid_ok(st, "orders.pay") || !read_all(park, &user, tid) ||
        !ok(fantasy_tickets_redeem(park, fantasy_actor_system(), tid, NULL), "tickets.redeem")) {
        return 0;
    }
    o = NULL;
    st = fantasy_orders_cancel(park, &user, oid, NULL, &o);
    fantasy_order_free(o);
    fantasy_due_counts c;
    return paid_ok(st, "orders.cancel") && ok(fantasy_park_run_due(park, &c), "run_due");
}

static int scenario(faulty *f) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    fantasy_allocator a = faulty_allocator(f);
    assert_int_equal(fantasy_conf_set_allocator(conf, &a), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(conf, &park);
    fantasy_conf_free(conf);
    assert_true(st == FANTASY_OK || st == FANTASY_ENOMEM);
    if (st != FANTASY_OK) {
        return 0;
    }
    int done = flow(park);
    fantasy_park_close(park);
    return done;
}

static void sweep(void **state) {
    (void)state;
    long n = 1;
    for (; n < 200000; n++) {
        faulty f = { .fail_at = n };
        pthread_mutex_init(&f.lock, NULL);
        int done = scenario(&f);
        assert_int_equal(f.live, 0);
        pthread_mutex_destroy(&f.lock);
        if (done && !f.failed) {
            break;
        }
    }
    /* The sweep ended because a run completed, not because it ran out of steps. */
    assert_true(n < 200000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
