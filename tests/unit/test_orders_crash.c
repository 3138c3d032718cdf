/* Crash recovery of the order saga: host-owned stores outlive the park; a wrapper stops every
 * record write from the k-th on (a crash between two steps); a new park's run_due must finish
 * the saga with no double capture or refund and no lost stock. */
#include <fantasy/backends/memory.h>

#include "orders_fixture.h"

#define STOCK   5
#define MAX_KEY 16

/* A record store that forwards to `inner` and refuses writes once `stopped`. */
typedef struct crashy {
    fantasy_record_store inner;
    int64_t applies;
    int64_t stop_at; /* < 0: never */
} crashy;

static fantasy_status c_get(void *self, const char *col, const char *id, fantasy_buf *doc,
                            int64_t *version) {
    crashy *c = self;
    return c->inner.get(c->inner.self, col, id, doc, version);
}

static fantasy_status c_apply(void *self, const fantasy_record_op *ops, size_t n, int64_t *v) {
    crashy *c = self;
    if (c->stop_at >= 0 && ++c->applies >= c->stop_at) {
        return fantasy_error_set(FANTASY_EBACKEND, "crashed");
    }
    return c->inner.apply(c->inner.self, ops, n, v);
}

static fantasy_status c_find(void *self, const char *col, const char *key, const char *after,
                             size_t limit, fantasy_list *out) {
    crashy *c = self;
    return c->inner.find(c->inner.self, col, key, after, limit, out);
}

static fantasy_status c_find_keys(void *self, const char *col, const char *prefix,
                                  const char *after, size_t limit, fantasy_list *out) {
    crashy *c = self;
    return c->inner.find_keys(c->inner.self, col, prefix, after, limit, out);
}

static fantasy_status c_count(void *self, const char *col, const char *key, int64_t *out) {
    crashy *c = self;
    return c->inner.count(c->inner.self, col, key, out);
}

/* A host-owned provider: idempotent by key, counting real captures and refunds. */
typedef struct provider {
    char keys[MAX_KEY][FANTASY_ID_MAX];
    fantasy_payment_outcome outcomes[MAX_KEY];
    int n, captures, refunds;
} provider;

static int find_key(provider *p, const char *key) {
    for (int i = 0; i < p->n; i++) {
        if (strcmp(p->keys[i], key) == 0) {
            return i;
        }
    }
    return -1;
}

static void remember(provider *p, const char *key, fantasy_payment_result *out, int refund) {
    int i = find_key(p, key);
    if (i < 0) {
        i = p->n++;
        (void)snprintf(p->keys[i], sizeof p->keys[i], "%s", key);
        p->outcomes[i] = FANTASY_PAYMENT_APPROVED;
        *(refund ? &p->refunds : &p->captures) += 1;
    }
    memset(out, 0, sizeof *out);
    out->outcome = p->outcomes[i];
    (void)snprintf(out->payment_id, sizeof out->payment_id, "pay_%d", i);
}

static fantasy_status p_confirm(void *self, const char *order_id, const char *payment_key,
                                const fantasy_money *amount, const char *key,
                                fantasy_payment_result *out) {
    (void)order_id;
    (void)payment_key;
    (void)amount;
    remember(self, key, out, 0);
    return FANTASY_OK;
}

static fantasy_status p_cancel(void *self, const char *payment_key, const fantasy_money *amount,
                               const char *reason, const char *key, fantasy_payment_result *out) {
    (void)payment_key;
    (void)amount;
    (void)reason;
    remember(self, key, out, 1);
    return FANTASY_OK;
}

static fantasy_status p_lookup(void *self, const char *key, fantasy_payment_result *out) {
    provider *p = self;
    int i = find_key(p, key);
    memset(out, 0, sizeof *out);
    out->outcome = i < 0 ? FANTASY_PAYMENT_NOT_FOUND : p->outcomes[i];
    return FANTASY_OK;
}

typedef struct rig {
    crashy rec;
    fantasy_stock_store stock;
    fantasy_clock clock;
    provider prov;
    fantasy_park *park;
    fantasy_actor user, mgr;
    char pid[64], oid[64];
} rig;

static void rig_open(rig *r) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.secret", "crash-test-secret-0123456789abcdef"),
                     FANTASY_OK);
    fantasy_record_store rs = FANTASY_RECORD_STORE_INIT;
    rs.self = &r->rec;
    rs.get = c_get;
    rs.apply = c_apply;
    rs.find = c_find;
    rs.find_keys = c_find_keys;
    rs.count = c_count;
    fantasy_payment_provider pp = FANTASY_PAYMENT_PROVIDER_INIT;
    pp.self = &r->prov;
    pp.confirm = p_confirm;
    pp.cancel = p_cancel;
    pp.lookup = p_lookup;
    assert_int_equal(fantasy_conf_set_record_store(conf, &rs), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_stock_store(conf, &r->stock), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_payment_provider(conf, &pp), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_clock(conf, &r->clock), FANTASY_OK);
    assert_int_equal(fantasy_park_open(conf, &r->park), FANTASY_OK);
    fantasy_conf_free(conf);
}

static void rig_setup(rig *r) {
    memset(r, 0, sizeof *r);
    r->rec.stop_at = -1;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &r->rec.inner), FANTASY_OK);
    assert_int_equal(fantasy_memory_stock_store_open(NULL, &r->stock), FANTASY_OK);
    assert_int_equal(fantasy_clock_manual_open(FX_START_MS, &r->clock), FANTASY_OK);
    rig_open(r);
    cJSON *j = NULL;
    char args[256];
    const char *names[] = { "buyer", "boss" };
    const char *roles[] = { "USER", "MANAGER" };
    fantasy_actor *who[] = { &r->user, &r->mgr };
    for (int i = 0; i < 2; i++) {
        (void)snprintf(args, sizeof args,
                       "{\"username\":\"%s\",\"password\":\"%s\",\"role\":\"%s\"}", names[i],
                       FX_PASSWORD, roles[i]);
        assert_int_equal(fx_sys(r->park, "accounts.create", args, &j), FANTASY_OK);
        char id[64];
        fx_str(j, "user_id", id, sizeof id);
        cJSON_Delete(j);
        assert_int_equal(fantasy_actor_as_user(r->park, id, who[i]), FANTASY_OK);
    }
    fantasy_product_new in = { .name = "Pass", .type = "TICKET", .stock = STOCK };
    in.price.amount_minor = 100;
    memcpy(in.price.currency, "KRW", 4);
    fantasy_product *p = NULL;
    assert_int_equal(fantasy_products_create(r->park, &r->mgr, &in, &p), FANTASY_OK);
    memcpy(r->pid, p->product_id, sizeof r->pid);
    fantasy_product_free(p);
    assert_int_equal(fantasy_products_open(r->park, &r->mgr, r->pid, &p), FANTASY_OK);
    fantasy_product_free(p);
    fantasy_order *o = NULL;
    assert_int_equal(fantasy_orders_create(r->park, &r->user, r->pid, 2, "k", &o), FANTASY_OK);
    memcpy(r->oid, o->order_id, sizeof r->oid);
    fantasy_order_free(o);
}

/* Crash, reopen after the lease lapsed, run_due twice. */
static void crash_and_recover(rig *r) {
    fantasy_park_close(r->park);
    r->rec.stop_at = -1;
    assert_int_equal(r->clock.advance(r->clock.self, 61000), FANTASY_OK);
    rig_open(r);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(r->park, &c), FANTASY_OK);
    assert_int_equal(fantasy_park_run_due(r->park, &c), FANTASY_OK);
}

static void rig_close(rig *r) {
    fantasy_park_close(r->park);
    r->rec.inner.destroy(r->rec.inner.self);
    r->stock.destroy(r->stock.self);
    r->clock.destroy(r->clock.self);
}

static void check_stock(rig *r, const fantasy_order *o) {
    fantasy_stock_counts c;
    assert_int_equal(r->stock.counts(r->stock.self, r->pid, &c), FANTASY_OK);
    assert_int_equal(c.available + c.held + c.sold, STOCK);
    int paid = strcmp(o->status, "PAID") == 0;
    assert_int_equal(c.sold, paid ? 2 : 0);
    assert_int_equal((int64_t)o->n_tickets, paid || strcmp(o->status, "REFUNDED") == 0 ? 2 : 0);
    /* No order is left waiting for a step in the stock store. */
    static const char *const keys[] = { "give_back:pending", "release:pending" };
    for (size_t i = 0; i < 2; i++) {
        int64_t pending = -1;
        assert_int_equal(r->rec.inner.count(r->rec.inner.self, "orders", keys[i], &pending),
                         FANTASY_OK);
        assert_int_equal(pending, 0);
    }
}

static void test_crash_during_pay(void **state) {
    (void)state;
    for (int k = 1; k <= 4; k++) {
        rig r;
        rig_setup(&r);
        r.rec.applies = 0;
        r.rec.stop_at = k;
        fantasy_money m = { 200, "KRW" };
        fantasy_order *o = NULL;
        (void)fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o);
        fantasy_order_free(o);
        crash_and_recover(&r);
        assert_int_equal(fantasy_orders_get(r.park, &r.user, r.oid, &o), FANTASY_OK);
        /* A capture that happened always ends PAID; none happened → still payable. */
        assert_true(r.prov.captures <= 1);
        assert_string_equal(o->status, r.prov.captures ? "PAID" : "PENDING_PAYMENT");
        check_stock(&r, o);
        fantasy_order_free(o);
        rig_close(&r);
    }
}

static void test_crash_during_refund(void **state) {
    (void)state;
    for (int k = 1; k <= 4; k++) {
        rig r;
        rig_setup(&r);
        fantasy_money m = { 200, "KRW" };
        fantasy_order *o = NULL;
        assert_int_equal(fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o), FANTASY_OK);
        fantasy_order_free(o);
        r.rec.applies = 0;
        r.rec.stop_at = k;
        (void)fantasy_orders_cancel(r.park, &r.mgr, r.oid, NULL, &o);
        fantasy_order_free(o);
        crash_and_recover(&r);
        assert_int_equal(fantasy_orders_get(r.park, &r.user, r.oid, &o), FANTASY_OK);
        assert_int_equal(r.prov.captures, 1);
        assert_true(r.prov.refunds <= 1);
        /* A refund that happened always ends REFUNDED with the units back. */
        assert_string_equal(o->status, r.prov.refunds ? "REFUNDED" : "PAID");
        check_stock(&r, o);
        fantasy_order_free(o);
        rig_close(&r);
    }
}

/* Crashes inside run_due's own steps: it takes up a payment (or a refund) whose answer was lost
 * after the provider acted, and stops at its k-th write; a new park's run_due finishes the saga
 * with one capture (and one refund) and every unit where it belongs. */
static void test_crash_during_resolution(void **state) {
    (void)state;
    for (int refund = 0; refund <= 1; refund++) {
        for (int k = 1; k <= 5; k++) {
            rig r;
            rig_setup(&r);
            fantasy_money m = { 200, "KRW" };
            fantasy_order *o = NULL;
            if (refund) {
                assert_int_equal(fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o),
                                 FANTASY_OK);
                fantasy_order_free(o);
                o = NULL;
            }
            /* The provider acts, then the write of its answer fails. */
            r.rec.applies = 0;
            r.rec.stop_at = 2;
            fantasy_status st = refund ? fantasy_orders_cancel(r.park, &r.mgr, r.oid, NULL, &o)
                                       : fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o);
            assert_int_equal(st, FANTASY_EBACKEND);
            assert_null(o);
            assert_int_equal(r.clock.advance(r.clock.self, 61000), FANTASY_OK);
            r.rec.applies = 0;
            r.rec.stop_at = k;
            fantasy_due_counts c;
            (void)fantasy_park_run_due(r.park, &c);
            crash_and_recover(&r);
            assert_int_equal(fantasy_orders_get(r.park, &r.user, r.oid, &o), FANTASY_OK);
            assert_string_equal(o->status, refund ? "REFUNDED" : "PAID");
            assert_int_equal(r.prov.captures, 1);
            assert_int_equal(r.prov.refunds, refund);
            check_stock(&r, o);
            fantasy_order_free(o);
            rig_close(&r);
        }
    }
}

/* A saga step in flight (its lease not lapsed: the process doing it may still be working) is
 * CONFLICT for a second pay or a cancel; run_due leaves it alone until the lease lapses. */
static void test_in_flight_conflicts(void **state) {
    (void)state;
    rig r;
    rig_setup(&r);
    fantasy_money m = { 200, "KRW" };
    fantasy_order *o = NULL;
    /* PAYING written, the provider captured, then the process stopped. */
    r.rec.applies = 0;
    r.rec.stop_at = 2;
    assert_int_equal(fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o), FANTASY_EBACKEND);
    r.rec.stop_at = -1;
    assert_int_equal(fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o), FANTASY_ECONFLICT);
    assert_null(o);
    assert_int_equal(fantasy_orders_cancel(r.park, &r.mgr, r.oid, NULL, &o), FANTASY_ECONFLICT);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(r.park, &c), FANTASY_OK);
    assert_int_equal(fantasy_orders_get(r.park, &r.user, r.oid, &o), FANTASY_OK);
    assert_string_equal(o->status, "PAYING");
    fantasy_order_free(o);
    assert_int_equal(r.clock.advance(r.clock.self, 61000), FANTASY_OK);
    assert_int_equal(fantasy_park_run_due(r.park, &c), FANTASY_OK);
    assert_int_equal(c.payments_resolved, 1);
    /* Same for a refund. */
    r.rec.applies = 0;
    r.rec.stop_at = 2;
    assert_int_equal(fantasy_orders_cancel(r.park, &r.mgr, r.oid, NULL, &o), FANTASY_EBACKEND);
    r.rec.stop_at = -1;
    assert_int_equal(fantasy_orders_cancel(r.park, &r.mgr, r.oid, NULL, &o), FANTASY_ECONFLICT);
    assert_int_equal(fantasy_orders_pay(r.park, &r.user, r.oid, "card", &m, &o), FANTASY_ESTATE);
    assert_int_equal(r.clock.advance(r.clock.self, 61000), FANTASY_OK);
    assert_int_equal(fantasy_park_run_due(r.park, &c), FANTASY_OK);
    assert_int_equal(fantasy_orders_get(r.park, &r.user, r.oid, &o), FANTASY_OK);
    assert_string_equal(o->status, "REFUNDED");
    assert_int_equal(r.prov.captures, 1);
    assert_int_equal(r.prov.refunds, 1);
    check_stock(&r, o);
    fantasy_order_free(o);
    rig_close(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_during_pay),
        cmocka_unit_test(test_crash_during_refund),
        cmocka_unit_test(test_crash_during_resolution),
        cmocka_unit_test(test_in_flight_conflicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
