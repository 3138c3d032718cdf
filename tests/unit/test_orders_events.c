/* The events an order writes tell what really happened (PORTS.md event names): a pay that finds
 * its hold swept never reached the provider, so nothing was declined; a payment the provider
 * never saw is not a decline either; a real decline is announced even when the order expires in
 * the same step. */
#include "core/due.h"
#include "orders_fixture.h"

#define STOCK 4

/* A provider that remembers what it decided: keys starting "decline" are declined, "lost" never
 * arrive (unknown now, not found later), "timeout_decline" are declined but the answer is lost;
 * any other key is approved. */
typedef struct provider {
    char keys[8][FANTASY_ID_MAX];
    fantasy_payment_outcome outcomes[8];
    int n, confirms;
} provider;

static fantasy_payment_outcome recorded(const provider *p, const char *key) {
    for (int i = 0; i < p->n; i++) {
        if (strcmp(p->keys[i], key) == 0) {
            return p->outcomes[i];
        }
    }
    return FANTASY_PAYMENT_NOT_FOUND;
}

static int starts(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static fantasy_status p_confirm(void *self, const char *order_id, const char *payment_key,
                                const fantasy_money *amount, const char *key,
                                fantasy_payment_result *out) {
    (void)order_id;
    (void)amount;
    provider *p = self;
    memset(out, 0, sizeof *out);
    p->confirms++;
    if (starts(payment_key, "lost")) {
        out->outcome = FANTASY_PAYMENT_UNKNOWN;
        return FANTASY_OK;
    }
    fantasy_payment_outcome o = starts(payment_key, "decline") || starts(payment_key, "timeout_d")
                                    ? FANTASY_PAYMENT_DECLINED
                                    : FANTASY_PAYMENT_APPROVED;
    assert_true(p->n < 8);
    (void)snprintf(p->keys[p->n], sizeof p->keys[p->n], "%s", key);
    p->outcomes[p->n++] = o;
    out->outcome = starts(payment_key, "timeout_d") ? FANTASY_PAYMENT_UNKNOWN : o;
    (void)snprintf(out->payment_id, sizeof out->payment_id, "pay_%d", p->n);
    return FANTASY_OK;
}

static fantasy_status p_cancel(void *self, const char *payment_key, const fantasy_money *amount,
                               const char *reason, const char *key, fantasy_payment_result *out) {
    (void)self;
    (void)payment_key;
    (void)amount;
    (void)reason;
    (void)key;
    memset(out, 0, sizeof *out);
    out->outcome = FANTASY_PAYMENT_APPROVED;
    return FANTASY_OK;
}

static fantasy_status p_lookup(void *self, const char *key, fantasy_payment_result *out) {
    memset(out, 0, sizeof *out);
    out->outcome = recorded(self, key);
    return FANTASY_OK;
}

typedef struct world {
    fantasy_stock_store stock;
    provider prov;
    fantasy_park *park;
    fx_user mgr, user;
    char pid[64];
    ox_events ev;
} world;

static const char *const topics[] = { "orders.expired",
                                      "orders.paid",
                                      "payments.declined",
                                      "payments.confirmed",
                                      "inventory.released",
                                      "inventory.expired",
                                      NULL };

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    assert_int_equal(fantasy_memory_stock_store_open(NULL, &w->stock), FANTASY_OK);
    fantasy_payment_provider pp = FANTASY_PAYMENT_PROVIDER_INIT;
    pp.self = &w->prov;
    pp.confirm = p_confirm;
    pp.cancel = p_cancel;
    pp.lookup = p_lookup;
    fantasy_conf *conf = fantasy_conf_new();
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", FX_START_MS);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_stock_store(conf, &w->stock), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_payment_provider(conf, &pp), FANTASY_OK);
    assert_int_equal(fantasy_park_open(conf, &w->park), FANTASY_OK);
    fantasy_conf_free(conf);
    fx_user_with_role(w->park, "manager1", "MANAGER", &w->mgr);
    fx_user_with_role(w->park, "user1", "USER", &w->user);
    ox_simple(w->park, &w->mgr, STOCK, 0, w->pid, sizeof w->pid);
    for (int i = 0; topics[i]; i++) {
        w->ev.topics[i] = topics[i];
    }
    ox_listen(w->park, &w->ev);
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    fantasy_park_close(w->park);
    w->stock.destroy(w->stock.self);
    free(w);
    return 0;
}

static void new_order(world *w, const char *key, char *oid) {
    cJSON *r = NULL;
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 1, key, &r), FANTASY_OK);
    fx_str(r, "order_id", oid, FANTASY_ID_MAX);
    cJSON_Delete(r);
}

static fantasy_status pay(world *w, const char *oid, const char *payment_key) {
    char a[256];
    (void)snprintf(a, sizeof a,
                   "{\"order_id\":\"%s\",\"payment_key\":\"%s\",\"amount\":{\"amount\":1000,"
                   "\"currency\":\"KRW\"}}",
                   oid, payment_key);
    return fx_call(w->park, "orders.pay", a, w->user.access, NULL);
}

/* The order's status, and whether a payment is attached. */
static void expect_order(world *w, const char *oid, const char *status, int has_payment) {
    char a[256];
    /* As the host: the user's access token may have run out on the test's clock. */
    (void)snprintf(a, sizeof a, "{\"order_id\":\"%s\",\"as_user_id\":\"%s\"}", oid, w->user.id);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(w->park, "orders.get", a, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), status);
    assert_int_equal(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r, "payment")), has_payment);
    cJSON_Delete(r);
}

static void expect_stock(world *w, int64_t available, int64_t held) {
    fantasy_stock_counts c;
    assert_int_equal(w->stock.counts(w->stock.self, w->pid, &c), FANTASY_OK);
    assert_int_equal(c.available, available);
    assert_int_equal(c.held, held);
    assert_int_equal(c.available + c.held + c.sold, STOCK);
}

static void run_due(world *w) {
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
}

static void test_pay_finds_hold_swept(void **state) {
    world *w = *state;
    char oid[FANTASY_ID_MAX];
    new_order(w, "k", oid);
    /* The sweep of another process, whose clock is ahead, took the hold. */
    fantasy_list *swept = NULL;
    assert_int_equal(fantasy_list_new(NULL, &swept), FANTASY_OK);
    assert_int_equal(w->stock.expire(w->stock.self, FX_START_MS + 600000, 10, swept), FANTASY_OK);
    assert_int_equal(fantasy_list_size(swept), 1);
    fantasy_list_free(swept);
    assert_int_equal(pay(w, oid, "card"), FANTASY_EEXPIRED);
    assert_int_equal(w->prov.confirms, 0);
    expect_order(w, oid, "EXPIRED", 0);
    expect_stock(w, STOCK, 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.expired"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "payments.declined"), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 0);
    /* Nothing left for run_due, and the order stays what it is. */
    run_due(w);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.expired"), 1);
    assert_int_equal(pay(w, oid, "card"), FANTASY_ESTATE);
}

static void test_never_reached_provider_is_not_declined(void **state) {
    world *w = *state;
    char oid[FANTASY_ID_MAX];
    new_order(w, "k", oid);
    assert_int_equal(pay(w, oid, "lost-1"), FANTASY_EPAYUNKNOWN);
    expect_order(w, oid, "PAYMENT_UNKNOWN", 1);
    run_due(w);
    /* Not found at the provider: payable again, and no decline was announced. */
    expect_order(w, oid, "PENDING_PAYMENT", 0);
    expect_stock(w, STOCK - 1, 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "payments.declined"), 0);
    assert_int_equal(pay(w, oid, "card"), FANTASY_OK);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.paid"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "payments.confirmed"), 1);
    expect_stock(w, STOCK - 1, 0);
}

static void test_declines_are_announced(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], b[FANTASY_ID_MAX];
    new_order(w, "a", a);
    new_order(w, "b", b);
    /* Declined at once: payable again. */
    assert_int_equal(pay(w, a, "decline-1"), FANTASY_EDECLINED);
    expect_order(w, a, "PENDING_PAYMENT", 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "payments.declined"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.expired"), 0);
    /* Declined, but known only after the order's time: both facts, one step. */
    assert_int_equal(pay(w, b, "timeout_decline-1"), FANTASY_EPAYUNKNOWN);
    fx_advance(w->park, 600000);
    run_due(w);
    expect_order(w, a, "EXPIRED", 0);
    expect_order(w, b, "EXPIRED", 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "payments.declined"), 2);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.expired"), 2);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 2);
    expect_stock(w, STOCK, 0);
}

/* The sweep's own event and a repair of it are one event: a sweep that ran (event written) and
 * one whose event a crash lost end the same. */
static void test_swept_hold_announced_once(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], b[FANTASY_ID_MAX];
    new_order(w, "a", a);
    /* Another process swept a's hold and crashed before announcing it. */
    fantasy_list *swept = NULL;
    assert_int_equal(fantasy_list_new(NULL, &swept), FANTASY_OK);
    assert_int_equal(w->stock.expire(w->stock.self, FX_START_MS + 600000, 10, swept), FANTASY_OK);
    fantasy_list_free(swept);
    fx_advance(w->park, 300000);
    new_order(w, "b", b);
    fx_advance(w->park, 300000);
    /* a is past its time: run_due expires it and repairs the lost event. */
    run_due(w);
    expect_order(w, a, "EXPIRED", 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.expired"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 0);
    /* b's hold is swept by this park's own sweep step, which announces it, before run_due's
     * order step gets to b: the order step's repair finds the event and adds none. */
    fx_advance(w->park, 300000);
    fantasy_due_counts c;
    memset(&c, 0, sizeof c);
    assert_int_equal(fantasy__due_holds(w->park, FX_START_MS + 900000, &c), FANTASY_OK);
    assert_int_equal(c.holds_expired, 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.expired"), 2);
    run_due(w);
    run_due(w);
    expect_order(w, b, "EXPIRED", 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.expired"), 2);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.expired"), 2);
    expect_stock(w, STOCK, 0);
}

/* AMOUNT_MISMATCH is decided before the provider is asked anything. */
static void test_amount_mismatch_never_calls_provider(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], args[256];
    new_order(w, "a", a);
    (void)snprintf(args, sizeof args,
                   "{\"order_id\":\"%s\",\"payment_key\":\"card\",\"amount\":{\"amount\":999,"
                   "\"currency\":\"KRW\"}}",
                   a);
    assert_int_equal(fx_call(w->park, "orders.pay", args, w->user.access, NULL), FANTASY_EAMOUNT);
    assert_int_equal(w->prov.confirms, 0);
    expect_order(w, a, "PENDING_PAYMENT", 0);
    expect_stock(w, STOCK - 1, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pay_finds_hold_swept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_reached_provider_is_not_declined, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_declines_are_announced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swept_hold_announced_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amount_mismatch_never_calls_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
