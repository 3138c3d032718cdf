/* orders.* and tickets.*: holds, idempotency, payments (sandbox), cancel, refunds, run_due. */
#include "orders_fixture.h"

typedef struct world {
    fantasy_park *park;
    fx_user mgr, user, other;
    char pid[64];
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    w->park = ox_open();
    fx_user_with_role(w->park, "manager1", "MANAGER", &w->mgr);
    fx_user_with_role(w->park, "user1", "USER", &w->user);
    fx_user_with_role(w->park, "user2", "USER", &w->other);
    ox_simple(w->park, &w->mgr, 5, 3, w->pid, sizeof w->pid);
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    fantasy_park_close(w->park);
    free(w);
    return 0;
}

/* Create an order of qty units; its id into `oid`. */
static void make_order(world *w, const fx_user *u, int64_t qty, const char *key, char *oid) {
    cJSON *r = NULL;
    assert_int_equal(ox_order(w->park, u, w->pid, qty, key, &r), FANTASY_OK);
    fx_str(r, "order_id", oid, 64);
    cJSON_Delete(r);
}

static fantasy_status pay(world *w, const fx_user *u, const char *oid, const char *key,
                          int64_t amount, cJSON **out) {
    char a[512];
    (void)snprintf(a, sizeof a,
                   "{\"order_id\":\"%s\",\"payment_key\":\"%s\",\"amount\":{\"amount\":%lld,"
                   "\"currency\":\"KRW\"}}",
                   oid, key, (long long)amount);
    return fx_call(w->park, "orders.pay", a, u->access, out);
}

static fantasy_status get_order(world *w, const fx_user *u, const char *oid, cJSON **out) {
    char a[128];
    (void)snprintf(a, sizeof a, "{\"order_id\":\"%s\"}", oid);
    return fx_call(w->park, "orders.get", a, u->access, out);
}

static void expect_status(world *w, const char *oid, const char *status) {
    cJSON *r = NULL;
    assert_int_equal(get_order(w, &w->mgr, oid, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), status);
    cJSON_Delete(r);
}

static void expect_counts(world *w, int64_t avail, int64_t held, int64_t sold) {
    int64_t a = 0, h = 0, s = 0;
    ox_counts(w->park, w->pid, &a, &h, &s);
    assert_int_equal(a, avail);
    assert_int_equal(h, held);
    assert_int_equal(s, sold);
}

static void test_create_holds_stock(void **state) {
    world *w = *state;
    cJSON *r = NULL;
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 2, "a", &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "PENDING_PAYMENT");
    assert_int_equal(fx_int(r, "quantity"), 2);
    assert_int_equal(fx_int(cJSON_GetObjectItemCaseSensitive(r, "amount"), "amount"), 2000);
    assert_int_equal(fx_int(r, "expires_at"), FX_START_MS + 600000);
    assert_int_equal(fx_int(r, "created_at"), FX_START_MS);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "tickets")), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "payment")));
    char oid[64], uid[64];
    fx_str(r, "order_id", oid, sizeof oid);
    assert_string_equal(fx_str(r, "user_id", uid, sizeof uid), w->user.id);
    cJSON_Delete(r);
    expect_counts(w, 3, 2, 0);
    /* Owner and MANAGER see it; another USER does not. */
    assert_int_equal(get_order(w, &w->user, oid, NULL), FANTASY_OK);
    assert_int_equal(get_order(w, &w->mgr, oid, NULL), FANTASY_OK);
    assert_int_equal(get_order(w, &w->other, oid, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(get_order(w, &w->user, "nope", NULL), FANTASY_ENOTFOUND);
}

static void test_create_errors(void **state) {
    world *w = *state;
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 4, "lim", NULL), FANTASY_ELIMIT);
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 3, "ok", NULL), FANTASY_OK);
    assert_int_equal(ox_order(w->park, &w->other, w->pid, 3, "so", NULL), FANTASY_ESOLDOUT);
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 0, "q0", NULL), FANTASY_EINVAL);
    assert_int_equal(ox_order(w->park, &w->user, "nope", 1, "nf", NULL), FANTASY_ENOTFOUND);
    assert_int_equal(ox_order(w->park, &w->mgr, w->pid, 1, "m", NULL), FANTASY_OK);
    assert_int_equal(fx_call(w->park, "orders.create", "{\"product_id\":\"x\",\"quantity\":1}",
                             w->user.access, NULL),
                     FANTASY_EINVAL);
    assert_int_equal(fx_call(w->park, "orders.create",
                             "{\"product_id\":\"x\",\"quantity\":1,\"idempotency_key\":\"k\"}",
                             NULL, NULL),
                     FANTASY_EAUTH);
    /* price × quantity beyond 2^53 − 1 */
    char big[64];
    ox_product(w->park, &w->mgr,
               "{\"name\":\"Big\",\"type\":\"EVENT\",\"price\":{\"amount\":100000000000000,"
               "\"currency\":\"KRW\"},\"stock\":-1}",
               1, big, sizeof big);
    assert_int_equal(ox_order(w->park, &w->user, big, 100, "big", NULL), FANTASY_EINVAL);
    assert_int_equal(ox_order(w->park, &w->user, big, 1, "big", NULL), FANTASY_OK);
    /* A failed call leaves no trace: the same key works once stock allows. */
    assert_int_equal(ox_order(w->park, &w->other, w->pid, 1, "so", NULL), FANTASY_OK);
}

static void test_not_on_sale(void **state) {
    world *w = *state;
    char draft[64], closed[64], later[64], a[512];
    ox_product(w->park, &w->mgr,
               "{\"name\":\"D\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":\"KRW\"},"
               "\"stock\":1}",
               0, draft, sizeof draft);
    assert_int_equal(ox_order(w->park, &w->user, draft, 1, "d", NULL), FANTASY_ENOTFOUND);
    ox_simple(w->park, &w->mgr, 5, 0, closed, sizeof closed);
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", closed);
    assert_int_equal(fx_call(w->park, "products.close", a, w->mgr.access, NULL), FANTASY_OK);
    assert_int_equal(ox_order(w->park, &w->user, closed, 1, "c", NULL), FANTASY_ENOTONSALE);
    (void)snprintf(a, sizeof a,
                   "{\"name\":\"L\",\"type\":\"EVENT\",\"price\":{\"amount\":1,\"currency\":"
                   "\"KRW\"},\"stock\":1,\"sale_starts_at\":%lld,\"sale_ends_at\":%lld}",
                   FX_START_MS + 1000, FX_START_MS + 2000);
    ox_product(w->park, &w->mgr, a, 1, later, sizeof later);
    assert_int_equal(ox_order(w->park, &w->user, later, 1, "l", NULL), FANTASY_ENOTONSALE);
    fx_advance(w->park, 1000);
    assert_int_equal(ox_order(w->park, &w->user, later, 1, "l", NULL), FANTASY_OK);
    fx_advance(w->park, 1000);
    assert_int_equal(ox_order(w->park, &w->other, later, 1, "l", NULL), FANTASY_ENOTONSALE);
}

static void test_idempotent_replay(void **state) {
    world *w = *state;
    char a[64], b[64], c[64];
    make_order(w, &w->user, 1, "same", a);
    make_order(w, &w->user, 1, "same", b);
    assert_string_equal(a, b);
    expect_counts(w, 4, 1, 0);
    assert_int_equal(ox_order(w->park, &w->user, w->pid, 2, "same", NULL), FANTASY_EIDEMPOTENCY);
    /* Scoped to the user. */
    make_order(w, &w->other, 1, "same", c);
    assert_string_not_equal(a, c);
    /* The host acting for the user replays the same order. */
    char args[256];
    cJSON *r = NULL;
    (void)snprintf(args, sizeof args,
                   "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":1,"
                   "\"idempotency_key\":\"same\"}",
                   w->user.id, w->pid);
    assert_int_equal(fx_sys(w->park, "orders.create", args, &r), FANTASY_OK);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "order_id")->valuestring, a);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args,
                   "{\"product_id\":\"%s\",\"quantity\":1,\"idempotency_key\":\"x\"}", w->pid);
    assert_int_equal(fx_sys(w->park, "orders.create", args, NULL), FANTASY_EINVAL);
}

static void test_expiry_by_run_due(void **state) {
    world *w = *state;
    char oid[64];
    make_order(w, &w->user, 2, "e", oid);
    fx_advance(w->park, 600000);
    assert_int_equal(pay(w, &w->user, oid, "card", 2000, NULL), FANTASY_EEXPIRED);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    assert_int_equal(c.orders_expired, 1);
    expect_status(w, oid, "EXPIRED");
    expect_counts(w, 5, 0, 0);
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    assert_int_equal(c.orders_expired, 0);
    assert_int_equal(pay(w, &w->user, oid, "card", 2000, NULL), FANTASY_ESTATE);
}

static void test_pay_approved_issues_tickets(void **state) {
    world *w = *state;
    char oid[64];
    make_order(w, &w->user, 2, "p", oid);
    assert_int_equal(pay(w, &w->user, oid, "card-1", 1999, NULL), FANTASY_EAMOUNT);
    char a_usd[256];
    (void)snprintf(a_usd, sizeof a_usd,
                   "{\"order_id\":\"%s\",\"payment_key\":\"card-1\",\"amount\":{\"amount\":"
                   "2000,\"currency\":\"USD\"}}",
                   oid);
    assert_int_equal(fx_call(w->park, "orders.pay", a_usd, w->user.access, NULL), FANTASY_EAMOUNT);
    expect_status(w, oid, "PENDING_PAYMENT");
    assert_int_equal(pay(w, &w->other, oid, "card-1", 2000, NULL), FANTASY_ENOTFOUND);
    cJSON *r = NULL;
    assert_int_equal(pay(w, &w->user, oid, "card-1", 2000, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "PAID");
    const cJSON *tickets = cJSON_GetObjectItemCaseSensitive(r, "tickets");
    assert_int_equal(cJSON_GetArraySize(tickets), 2);
    const cJSON *t0 = cJSON_GetArrayItem(tickets, 0);
    assert_string_equal(ox_status(t0), "VALID");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(t0, "order_id")->valuestring, oid);
    char tid[64];
    fx_str(t0, "ticket_id", tid, sizeof tid);
    cJSON_Delete(r);
    expect_counts(w, 3, 0, 2);
    /* Same key → unchanged; another key → INVALID_STATE. */
    assert_int_equal(pay(w, &w->user, oid, "card-1", 2000, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "PAID");
    cJSON_Delete(r);
    assert_int_equal(pay(w, &w->user, oid, "card-2", 2000, NULL), FANTASY_ESTATE);
    expect_counts(w, 3, 0, 2);
    /* Redeem exactly once. */
    char a[128];
    (void)snprintf(a, sizeof a, "{\"ticket_id\":\"%s\"}", tid);
    assert_int_equal(fx_call(w->park, "tickets.redeem", a, w->user.access, NULL), FANTASY_EPERM);
    assert_int_equal(fx_call(w->park, "tickets.redeem", a, w->mgr.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "REDEEMED");
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "tickets.redeem", a, w->mgr.access, NULL), FANTASY_EREDEEMED);
    assert_int_equal(fx_call(w->park, "tickets.get", a, w->user.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "REDEEMED");
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "tickets.get", a, w->other.access, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(fx_call(w->park, "tickets.list", "{\"status\":\"VALID\"}", w->user.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
}

static void test_pay_declined_stays_payable(void **state) {
    world *w = *state;
    char oid[64];
    make_order(w, &w->user, 1, "d", oid);
    assert_int_equal(pay(w, &w->user, oid, "decline-1", 1000, NULL), FANTASY_EDECLINED);
    expect_status(w, oid, "PENDING_PAYMENT");
    expect_counts(w, 4, 1, 0);
    /* The hold went back to the order's expiry: run_due expires both together. */
    fx_advance(w->park, 600000);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    assert_int_equal(c.orders_expired, 1);
    expect_status(w, oid, "EXPIRED");
    expect_counts(w, 5, 0, 0);
}

static void test_pay_timeout_resolved_by_run_due(void **state) {
    world *w = *state;
    char a[64], d[64];
    make_order(w, &w->user, 1, "t1", a);
    make_order(w, &w->other, 1, "t2", d);
    assert_int_equal(pay(w, &w->user, a, "timeout-1", 1000, NULL), FANTASY_EPAYUNKNOWN);
    assert_int_equal(pay(w, &w->other, d, "timeout_decline-1", 1000, NULL), FANTASY_EPAYUNKNOWN);
    expect_status(w, a, "PAYMENT_UNKNOWN");
    /* In doubt: neither a second pay nor a cancel. */
    assert_int_equal(pay(w, &w->user, a, "timeout-1", 1000, NULL), FANTASY_ECONFLICT);
    char args[128];
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", a);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->user.access, NULL),
                     FANTASY_ECONFLICT);
    /* The hold stays pinned past the order's expiry. */
    fx_advance(w->park, 700000);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    assert_int_equal(c.payments_resolved, 2);
    expect_status(w, a, "PAID");
    expect_status(w, d, "EXPIRED");
    expect_counts(w, 4, 0, 1);
    cJSON *r = NULL;
    assert_int_equal(get_order(w, &w->user, a, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "tickets")), 1);
    cJSON_Delete(r);
}

static void test_cancel_unpaid_and_paid(void **state) {
    world *w = *state;
    char a[64], b[64], args[128];
    make_order(w, &w->user, 1, "c1", a);
    make_order(w, &w->user, 2, "c2", b);
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", a);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->other.access, NULL),
                     FANTASY_ENOTFOUND);
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->user.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "CANCELED");
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->user.access, NULL), FANTASY_ESTATE);
    expect_counts(w, 3, 2, 0);
    assert_int_equal(pay(w, &w->user, b, "card-b", 2000, NULL), FANTASY_OK);
    expect_counts(w, 3, 0, 2);
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\",\"reason\":\"rain\"}", b);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->mgr.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "REFUNDED");
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "tickets"), 0);
    assert_string_equal(ox_status(t), "VOID");
    char tid[64], ta[128];
    fx_str(t, "ticket_id", tid, sizeof tid);
    cJSON_Delete(r);
    expect_counts(w, 5, 0, 0);
    (void)snprintf(ta, sizeof ta, "{\"ticket_id\":\"%s\"}", tid);
    assert_int_equal(fx_call(w->park, "tickets.redeem", ta, w->mgr.access, NULL), FANTASY_ESTATE);
}

static void test_refund_declined_stays_pending(void **state) {
    world *w = *state;
    char a[64], args[128];
    make_order(w, &w->user, 1, "n", a);
    assert_int_equal(pay(w, &w->user, a, "norefund-1", 1000, NULL), FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", a);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->user.access, NULL),
                     FANTASY_EDECLINED);
    expect_status(w, a, "REFUND_PENDING");
    expect_counts(w, 4, 0, 1);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    expect_status(w, a, "REFUND_PENDING");
}

static void test_list_orders(void **state) {
    world *w = *state;
    char a[64], b[64], c[64];
    make_order(w, &w->user, 1, "l1", a);
    make_order(w, &w->user, 1, "l2", b);
    make_order(w, &w->other, 1, "l3", c);
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "orders.list", "{\"limit\":1}", w->user.access, &r),
                     FANTASY_OK);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 0), "order_id")->valuestring, a);
    char cur[64], args[256];
    fx_str(r, "next_cursor", cur, sizeof cur);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"cursor\":\"%s\"}", cur);
    assert_int_equal(fx_call(w->park, "orders.list", args, w->user.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "next_cursor")));
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "orders.list", "{}", w->mgr.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 3);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"user_id\":\"%s\"}", w->other.id);
    assert_int_equal(fx_call(w->park, "orders.list", args, w->mgr.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
    assert_int_equal(fx_call(w->park, "orders.list", args, w->user.access, NULL), FANTASY_EPERM);
    assert_int_equal(fx_call(w->park, "orders.list", "{\"status\":\"PAID\"}", w->user.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 0);
    cJSON_Delete(r);
}

static const char *const topics[] = { "orders.created",  "inventory.reserved", "inventory.sold_out",
                                      "orders.paid",     "payments.confirmed", "inventory.sold",
                                      "orders.refunded", "payments.canceled",  "inventory.returned",
                                      "orders.canceled", "inventory.released", NULL };

static int count_event(void *ctx, const fantasy_event *ev) {
    int *counts = ctx;
    for (int i = 0; topics[i]; i++) {
        if (strcmp(topics[i], ev->topic) == 0) {
            counts[i]++;
        }
    }
    return 0;
}

static void test_events_and_stats(void **state) {
    world *w = *state;
    int counts[16] = { 0 };
    for (int i = 0; topics[i]; i++) {
        assert_int_equal(fantasy_park_subscribe(w->park, topics[i], "t", count_event, counts),
                         FANTASY_OK);
    }
    char a[64], b[64], args[128];
    make_order(w, &w->user, 3, "ev1", a);
    make_order(w, &w->other, 2, "ev2", b);
    assert_int_equal(pay(w, &w->user, a, "card-ev", 3000, NULL), FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", a);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->user.access, NULL), FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", b);
    assert_int_equal(fx_call(w->park, "orders.cancel", args, w->other.access, NULL), FANTASY_OK);
    while (fantasy_park_poll(w->park, 0) > 0) {
    }
    const int want[] = { 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    for (int i = 0; topics[i]; i++) {
        assert_int_equal(counts[i], want[i]);
    }
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "park.stats", "{}", w->mgr.access, &r), FANTASY_OK);
    cJSON_Delete(r);
    expect_counts(w, 5, 0, 0);
}

static fantasy_status call_id(world *w, const char *method, const char *field, const char *id,
                              const char *token) {
    char a[256];
    (void)snprintf(a, sizeof a, "{\"%s\":\"%s\"}", field, id);
    return fx_call(w->park, method, a, token, NULL);
}

/* The error codes of orders.* and tickets.* not met elsewhere in this file. */
static void test_error_codes(void **state) {
    world *w = *state;
    char canceled[64], refunded[64], expired[64], a[512];
    make_order(w, &w->user, 1, "e1", canceled);
    make_order(w, &w->user, 1, "e2", refunded);
    assert_int_equal(call_id(w, "orders.cancel", "order_id", canceled, w->user.access), FANTASY_OK);
    assert_int_equal(pay(w, &w->user, refunded, "card-e2", 1000, NULL), FANTASY_OK);
    assert_int_equal(call_id(w, "orders.cancel", "order_id", refunded, w->user.access), FANTASY_OK);
    make_order(w, &w->user, 1, "e3", expired);
    fx_advance(w->park, 600000);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    expect_status(w, expired, "EXPIRED");
    const char *ended[] = { canceled, refunded, expired };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pay(w, &w->user, ended[i], "card-again", 1000, NULL), FANTASY_ESTATE);
        assert_int_equal(call_id(w, "orders.cancel", "order_id", ended[i], w->mgr.access),
                         FANTASY_ESTATE);
    }
    /* Unknown ids, anonymous callers, bad arguments. */
    assert_int_equal(pay(w, &w->user, "nope", "card", 1000, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(call_id(w, "orders.cancel", "order_id", "nope", w->user.access),
                     FANTASY_ENOTFOUND);
    assert_int_equal(call_id(w, "tickets.redeem", "ticket_id", "nope", w->mgr.access),
                     FANTASY_ENOTFOUND);
    assert_int_equal(call_id(w, "tickets.get", "ticket_id", "nope", w->user.access),
                     FANTASY_ENOTFOUND);
    static const char *const user_methods[] = { "orders.pay",    "orders.cancel", "orders.get",
                                                "orders.list",   "tickets.get",   "tickets.list",
                                                "tickets.redeem" };
    for (size_t i = 0; i < sizeof user_methods / sizeof *user_methods; i++) {
        assert_int_equal(call_id(w, user_methods[i], "order_id", canceled, NULL), FANTASY_EAUTH);
    }
    (void)snprintf(a, sizeof a, "{\"order_id\":\"%s\",\"payment_key\":\"card\"}", canceled);
    assert_int_equal(fx_call(w->park, "orders.pay", a, w->user.access, NULL), FANTASY_EINVAL);
    (void)snprintf(a, sizeof a,
                   "{\"order_id\":\"%s\",\"payment_key\":\"\",\"amount\":{\"amount\":1000,"
                   "\"currency\":\"KRW\"}}",
                   canceled);
    assert_int_equal(fx_call(w->park, "orders.pay", a, w->user.access, NULL), FANTASY_EINVAL);
    assert_int_equal(fx_call(w->park, "orders.get", "{}", w->user.access, NULL), FANTASY_EINVAL);
    assert_int_equal(fx_call(w->park, "orders.list", "{\"limit\":0}", w->user.access, NULL),
                     FANTASY_EINVAL);
    assert_int_equal(fx_call(w->park, "tickets.list", "{\"limit\":101}", w->user.access, NULL),
                     FANTASY_EINVAL);
    /* The host acts for a user only when it names one. */
    assert_int_equal(fx_sys(w->park, "tickets.list", "{}", NULL), FANTASY_EINVAL);
    assert_int_equal(fx_sys(w->park, "orders.list", "{}", NULL), FANTASY_EINVAL);
    cJSON *r = NULL;
    (void)snprintf(a, sizeof a, "{\"as_user_id\":\"%s\"}", w->user.id);
    assert_int_equal(fx_sys(w->park, "orders.list", a, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 3);
    cJSON_Delete(r);
    assert_int_equal(fx_sys(w->park, "tickets.list", a, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "items"), 0);
    assert_string_equal(ox_status(t), "VOID");
    cJSON_Delete(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_holds_stock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_on_sale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_by_run_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pay_approved_issues_tickets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pay_declined_stays_payable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pay_timeout_resolved_by_run_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_unpaid_and_paid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refund_declined_stays_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_codes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
