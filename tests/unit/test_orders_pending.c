/* run_due finishes an order's steps in the stock store through the pending index keys: it
 * visits an order only while such a step is unrecorded, and a crash between the step and the
 * apply that records it is repaired once, with its event written once. Give-back of a REFUNDED
 * order's units; release of a CANCELED or EXPIRED order's hold (a pinned one too: the sweep would
 * never free it). */
#include "orders_fixture.h"

#define STOCK 5

/* The host's memory stock store behind a wrapper whose `release` fails `fail_releases` times
 * (a crash between an order's record move and the release of its hold). */
typedef struct flaky_stock {
    fantasy_stock_store in;
    int fail_releases;
} flaky_stock;

static fantasy_status s_set_stock(void *self, const char *product_id, int64_t stock) {
    flaky_stock *f = self;
    return f->in.set_stock(f->in.self, product_id, stock);
}

static fantasy_status s_reserve(void *self, const fantasy_hold *hold) {
    flaky_stock *f = self;
    return f->in.reserve(f->in.self, hold);
}

static fantasy_status s_extend(void *self, const char *hold_id, int64_t expires_at_ms) {
    flaky_stock *f = self;
    return f->in.extend(f->in.self, hold_id, expires_at_ms);
}

static fantasy_status s_confirm(void *self, const char *hold_id, int64_t now_ms) {
    flaky_stock *f = self;
    return f->in.confirm(f->in.self, hold_id, now_ms);
}

static fantasy_status s_release(void *self, const char *hold_id) {
    flaky_stock *f = self;
    if (f->fail_releases > 0) {
        f->fail_releases--;
        return fantasy_error_set(FANTASY_EBACKEND, "crashed before release");
    }
    return f->in.release(f->in.self, hold_id);
}

static fantasy_status s_give_back(void *self, const char *hold_id) {
    flaky_stock *f = self;
    return f->in.give_back(f->in.self, hold_id);
}

static fantasy_status s_expire(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    flaky_stock *f = self;
    return f->in.expire(f->in.self, now_ms, max, out);
}

static fantasy_status s_counts(void *self, const char *product_id, fantasy_stock_counts *out) {
    flaky_stock *f = self;
    return f->in.counts(f->in.self, product_id, out);
}

static fantasy_status s_used(void *self, const char *product_id, const char *user_id,
                             int64_t *out) {
    flaky_stock *f = self;
    return f->in.used(f->in.self, product_id, user_id, out);
}

static fantasy_status s_hold(void *self, const char *hold_id, fantasy_hold_info *out) {
    flaky_stock *f = self;
    return f->in.hold(f->in.self, hold_id, out);
}

static fantasy_stock_store flaky_vtable(flaky_stock *f) {
    fantasy_stock_store vt = FANTASY_STOCK_STORE_INIT;
    vt.self = f;
    vt.set_stock = s_set_stock;
    vt.reserve = s_reserve;
    vt.extend = s_extend;
    vt.confirm = s_confirm;
    vt.release = s_release;
    vt.give_back = s_give_back;
    vt.expire = s_expire;
    vt.counts = s_counts;
    vt.used = s_used;
    vt.hold = s_hold;
    return vt;
}

typedef struct world {
    ox_store rec;
    flaky_stock flaky;
    fantasy_stock_store stock;
    fantasy_park *park;
    fx_user mgr, user;
    char pid[64];
    ox_events ev;
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    fantasy_record_store rs;
    ox_store_open(&w->rec, &rs);
    assert_int_equal(fantasy_memory_stock_store_open(NULL, &w->flaky.in), FANTASY_OK);
    w->stock = flaky_vtable(&w->flaky);
    fantasy_conf *conf = fantasy_conf_new();
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", FX_START_MS);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_record_store(conf, &rs), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_stock_store(conf, &w->stock), FANTASY_OK);
    assert_int_equal(fantasy_park_open(conf, &w->park), FANTASY_OK);
    fantasy_conf_free(conf);
    fx_user_with_role(w->park, "manager1", "MANAGER", &w->mgr);
    fx_user_with_role(w->park, "user1", "USER", &w->user);
    ox_simple(w->park, &w->mgr, STOCK, 0, w->pid, sizeof w->pid);
    w->ev.topics[0] = "inventory.returned";
    w->ev.topics[1] = "orders.refunded";
    w->ev.topics[2] = "inventory.released";
    w->ev.topics[3] = "orders.canceled";
    w->ev.topics[4] = "orders.expired";
    w->ev.topics[5] = "payments.declined";
    ox_listen(w->park, &w->ev);
    *state = w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    fantasy_park_close(w->park);
    w->rec.inner.destroy(w->rec.inner.self);
    w->flaky.in.destroy(w->flaky.in.self);
    free(w);
    return 0;
}

/* A PAID order of `qty` units; its id into `oid`. */
static void paid_order(world *w, int64_t qty, const char *key, char *oid) {
    cJSON *r = NULL;
    assert_int_equal(ox_order(w->park, &w->user, w->pid, qty, key, &r), FANTASY_OK);
    fx_str(r, "order_id", oid, FANTASY_ID_MAX);
    cJSON_Delete(r);
    char a[256];
    (void)snprintf(a, sizeof a,
                   "{\"order_id\":\"%s\",\"payment_key\":\"card-%s\",\"amount\":{\"amount\":%lld,"
                   "\"currency\":\"KRW\"}}",
                   oid, key, (long long)qty * 1000);
    assert_int_equal(fx_call(w->park, "orders.pay", a, w->user.access, NULL), FANTASY_OK);
}

static fantasy_status cancel(world *w, const char *oid, cJSON **out) {
    char a[128];
    (void)snprintf(a, sizeof a, "{\"order_id\":\"%s\"}", oid);
    return fx_call(w->park, "orders.cancel", a, w->mgr.access, out);
}

/* run_due, returning how many order documents it read. */
static long long run_due_reads(world *w) {
    fantasy_due_counts c;
    w->rec.order_reads = 0;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_OK);
    return w->rec.order_reads;
}

static void new_order(world *w, int64_t qty, const char *key, char *oid) {
    cJSON *r = NULL;
    assert_int_equal(ox_order(w->park, &w->user, w->pid, qty, key, &r), FANTASY_OK);
    fx_str(r, "order_id", oid, FANTASY_ID_MAX);
    cJSON_Delete(r);
}

static void expect_status(world *w, const char *oid, const char *status) {
    char a[128];
    (void)snprintf(a, sizeof a, "{\"order_id\":\"%s\"}", oid);
    cJSON *r = NULL;
    assert_int_equal(fx_call(w->park, "orders.get", a, w->user.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), status);
    cJSON_Delete(r);
}

static void expect_available(world *w, int64_t available) {
    fantasy_stock_counts c;
    assert_int_equal(w->stock.counts(w->stock.self, w->pid, &c), FANTASY_OK);
    assert_int_equal(c.available, available);
    assert_int_equal(c.available + c.held + c.sold, STOCK);
}

static void test_given_back_is_not_visited(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], b[FANTASY_ID_MAX];
    paid_order(w, 2, "a", a);
    paid_order(w, 1, "b", b);
    cJSON *r = NULL;
    assert_int_equal(cancel(w, a, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "REFUNDED");
    /* The index key is internal: not part of the order object. */
    assert_null(cJSON_GetObjectItemCaseSensitive(r, "give_back_pending"));
    cJSON_Delete(r);
    assert_int_equal(cancel(w, b, NULL), FANTASY_OK);
    expect_available(w, STOCK);
    assert_int_equal(ox_key_count(&w->rec, "orders", "status:REFUNDED"), 2);
    assert_int_equal(ox_key_count(&w->rec, "orders", "give_back:pending"), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.returned"), 2);
    /* Nothing due: two REFUNDED orders, none of them read. */
    assert_int_equal(run_due_reads(w), 0);
    assert_int_equal(run_due_reads(w), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.returned"), 2);
    expect_available(w, STOCK);
}

static void test_crash_before_recording_is_repaired_once(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], done[FANTASY_ID_MAX];
    paid_order(w, 1, "done", done);
    assert_int_equal(cancel(w, done, NULL), FANTASY_OK);
    paid_order(w, 2, "a", a);
    /* Applies of the refund: REFUND_PENDING, REFUNDED, then the give-back's record. The third
     * fails: the units are back in the stock store, the order still carries the key. */
    w->rec.applies = 0;
    w->rec.stop_at = 3;
    assert_int_equal(cancel(w, a, NULL), FANTASY_EBACKEND);
    w->rec.stop_at = -1;
    expect_available(w, STOCK);
    assert_int_equal(ox_key_count(&w->rec, "orders", "give_back:pending"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.refunded"), 2);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.returned"), 1);
    /* run_due reads only the pending order (not the one refunded before), records the return
     * once, and then reads nothing. */
    assert_int_equal(run_due_reads(w), 1);
    assert_int_equal(ox_key_count(&w->rec, "orders", "give_back:pending"), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.returned"), 2);
    assert_int_equal(run_due_reads(w), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.returned"), 2);
    expect_available(w, STOCK);
    cJSON *r = NULL;
    char args[128];
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", a);
    assert_int_equal(fx_call(w->park, "orders.get", args, w->user.access, &r), FANTASY_OK);
    assert_string_equal(ox_status(r), "REFUNDED");
    cJSON_Delete(r);
}

static void test_release_repaired_after_cancel(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], b[FANTASY_ID_MAX];
    new_order(w, 2, "a", a);
    new_order(w, 1, "b", b);
    /* Release refused: the order is CANCELED, its units still held. */
    w->flaky.fail_releases = 1;
    assert_int_equal(cancel(w, a, NULL), FANTASY_EBACKEND);
    expect_status(w, a, "CANCELED");
    expect_available(w, STOCK - 3);
    assert_int_equal(ox_key_count(&w->rec, "orders", "release:pending"), 1);
    /* The release went through, then its record failed. */
    w->rec.applies = 0;
    w->rec.stop_at = 2;
    assert_int_equal(cancel(w, b, NULL), FANTASY_EBACKEND);
    w->rec.stop_at = -1;
    expect_status(w, b, "CANCELED");
    expect_available(w, STOCK - 2);
    assert_int_equal(ox_key_count(&w->rec, "orders", "release:pending"), 2);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.canceled"), 2);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 0);
    /* run_due reads both, releases and records each once; then nothing is due. */
    assert_int_equal(run_due_reads(w), 2);
    assert_int_equal(ox_key_count(&w->rec, "orders", "release:pending"), 0);
    expect_available(w, STOCK);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 2);
    assert_int_equal(run_due_reads(w), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 2);
}

static void test_pinned_hold_released_after_expiry(void **state) {
    world *w = *state;
    char a[FANTASY_ID_MAX], args[256];
    new_order(w, 2, "a", a);
    /* The answer is lost: the hold is pinned while the payment is in doubt. */
    (void)snprintf(args, sizeof args,
                   "{\"order_id\":\"%s\",\"payment_key\":\"timeout_decline-1\",\"amount\":{"
                   "\"amount\":2000,\"currency\":\"KRW\"}}",
                   a);
    assert_int_equal(fx_call(w->park, "orders.pay", args, w->user.access, NULL),
                     FANTASY_EPAYUNKNOWN);
    fx_advance(w->park, 700000);
    /* run_due learns of the decline past the order's time; the release then fails, and so does
     * the retry the same run makes through the pending key. */
    w->flaky.fail_releases = 2;
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(w->park, &c), FANTASY_EBACKEND);
    expect_status(w, a, "EXPIRED");
    expect_available(w, STOCK - 2);
    assert_int_equal(ox_key_count(&w->rec, "orders", "release:pending"), 1);
    /* The sweep never frees a pinned hold: only the pending key brings the units back. */
    assert_int_equal(run_due_reads(w), 1);
    expect_available(w, STOCK);
    assert_int_equal(ox_key_count(&w->rec, "orders", "release:pending"), 0);
    assert_int_equal(ox_seen(w->park, &w->ev, "payments.declined"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "orders.expired"), 1);
    assert_int_equal(ox_seen(w->park, &w->ev, "inventory.released"), 1);
    assert_int_equal(run_due_reads(w), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_given_back_is_not_visited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_before_recording_is_repaired_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_release_repaired_after_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_hold_released_after_expiry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
