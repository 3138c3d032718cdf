/* @label concurrency */
/* The per-park memos of products' sale rules and of as_user_id actors (core/memo.h): a change to
 * a product or an account is seen by the very next order, also while orders run concurrently
 * with updates, and the memo never hands out a value made from another version or content. */
#include <pthread.h>
#include <stdatomic.h>

#include "core/memo.h"
#include "fixture_park.h"

typedef struct world {
    fantasy_park *park; /* first, for fx_world_close */
    fx_user mgr, buyer;
    char pid[64];
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    w->park = ox_open();
    fx_user_with_role(w->park, "mgr", "MANAGER", &w->mgr);
    fx_user_with_role(w->park, "buyer", "USER", &w->buyer);
    ox_simple(w->park, &w->mgr, -1, 0, w->pid, sizeof w->pid);
    *state = w;
    return 0;
}

static int64_t product_version(world *w) {
    char a[128];
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", w->pid);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(w->park, "products.get", a, &r), FANTASY_OK);
    int64_t v = fx_int(r, "version");
    cJSON_Delete(r);
    return v;
}

/* products.update with `fields` (a JSON fragment) over the current version. */
static void update(world *w, const char *fields) {
    char a[512];
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\",\"version\":%lld,%s}", w->pid,
                   (long long)product_version(w), fields);
    assert_int_equal(fx_call(w->park, "products.update", a, w->mgr.access, NULL), FANTASY_OK);
}

/* An order of one unit by the buyer with a fresh key: its status, and its amount when made. */
static fantasy_status order(world *w, int64_t *amount) {
    static atomic_int seq;
    char key[32];
    (void)snprintf(key, sizeof key, "memo-%d", atomic_fetch_add(&seq, 1));
    cJSON *r = NULL;
    fantasy_status st = ox_order(w->park, &w->buyer, w->pid, 1, key, &r);
    if (st == FANTASY_OK && amount) {
        *amount = fx_int(cJSON_GetObjectItemCaseSensitive(r, "amount"), "amount");
    }
    cJSON_Delete(r);
    return st;
}

static void test_price_change_is_seen(void **state) {
    world *w = *state;
    int64_t amount = 0;
    assert_int_equal(order(w, &amount), FANTASY_OK);
    assert_int_equal(amount, 1000);
    assert_int_equal(order(w, &amount), FANTASY_OK); /* served by the memo */
    assert_int_equal(amount, 1000);
    update(w, "\"price\":{\"amount\":2500,\"currency\":\"KRW\"}");
    assert_int_equal(order(w, &amount), FANTASY_OK);
    assert_int_equal(amount, 2500);
    update(w, "\"price\":{\"amount\":700,\"currency\":\"KRW\"}");
    assert_int_equal(order(w, &amount), FANTASY_OK);
    assert_int_equal(amount, 700);
}

static void test_limit_change_is_seen(void **state) {
    world *w = *state;
    assert_int_equal(order(w, NULL), FANTASY_OK);
    assert_int_equal(order(w, NULL), FANTASY_OK);
    update(w, "\"per_user_limit\":2");
    assert_int_equal(order(w, NULL), FANTASY_ELIMIT);
    update(w, "\"per_user_limit\":0");
    assert_int_equal(order(w, NULL), FANTASY_OK);
}

static void test_window_change_is_seen(void **state) {
    world *w = *state;
    assert_int_equal(order(w, NULL), FANTASY_OK);
    char f[128];
    (void)snprintf(f, sizeof f, "\"sale_ends_at\":%lld", (long long)FX_START_MS);
    update(w, f);
    assert_int_equal(order(w, NULL), FANTASY_ENOTONSALE);
    (void)snprintf(f, sizeof f, "\"sale_ends_at\":%lld", (long long)FX_START_MS + 60000);
    update(w, f);
    assert_int_equal(order(w, NULL), FANTASY_OK);
    (void)snprintf(f, sizeof f, "\"sale_starts_at\":%lld", (long long)FX_START_MS + 1000);
    update(w, f);
    assert_int_equal(order(w, NULL), FANTASY_ENOTONSALE);
    fx_advance(w->park, 1000);
    assert_int_equal(order(w, NULL), FANTASY_OK); /* same version, the clock moved */
}

static void test_status_change_is_seen(void **state) {
    world *w = *state;
    assert_int_equal(order(w, NULL), FANTASY_OK);
    char a[128];
    (void)snprintf(a, sizeof a, "{\"product_id\":\"%s\"}", w->pid);
    assert_int_equal(fx_call(w->park, "products.close", a, w->mgr.access, NULL), FANTASY_OK);
    cJSON *r = NULL;
    char key[] = "after-close";
    assert_int_equal(ox_order(w->park, &w->buyer, w->pid, 1, key, &r), FANTASY_ENOTONSALE);
    assert_string_equal(fx_message(r), "product is CLOSED");
    cJSON_Delete(r);
}

/* A DRAFT is NOT_FOUND to a user even after a MANAGER's order of it filled the memo. */
static void test_draft_hidden_after_memo(void **state) {
    world *w = *state;
    char draft[64];
    ox_product(w->park, &w->mgr,
               "{\"name\":\"Draft\",\"type\":\"TICKET\",\"price\":{\"amount\":5,"
               "\"currency\":\"KRW\"},\"stock\":-1}",
               0, draft, sizeof draft);
    assert_int_equal(ox_order(w->park, &w->mgr, draft, 1, "mgr-draft", NULL), FANTASY_ENOTONSALE);
    assert_int_equal(ox_order(w->park, &w->buyer, draft, 1, "buyer-draft", NULL),
                     FANTASY_ENOTFOUND);
}

/* as_user_id: blocking, unblocking and deleting the account are seen by the next call. */
static fantasy_status order_as(world *w, const char *uid, const char *key) {
    char a[512];
    (void)snprintf(a, sizeof a,
                   "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":1,"
                   "\"idempotency_key\":\"%s\"}",
                   uid, w->pid, key);
    return fx_sys(w->park, "orders.create", a, NULL);
}

static void set_blocked(world *w, const char *uid, int blocked) {
    char a[256];
    (void)snprintf(a, sizeof a, "{\"user_id\":\"%s\",\"blocked\":%s}", uid,
                   blocked ? "true" : "false");
    assert_int_equal(fx_call(w->park, "accounts.set_blocked", a, w->mgr.access, NULL), FANTASY_OK);
}

static void test_account_changes_are_seen(void **state) {
    world *w = *state;
    const char *uid = w->buyer.id;
    assert_int_equal(order_as(w, uid, "a1"), FANTASY_OK);
    assert_int_equal(order_as(w, uid, "a2"), FANTASY_OK); /* served by the memo */
    set_blocked(w, uid, 1);
    assert_int_equal(order_as(w, uid, "a3"), FANTASY_EPERM);
    set_blocked(w, uid, 0);
    assert_int_equal(order_as(w, uid, "a4"), FANTASY_OK);
    char a[256];
    (void)snprintf(a, sizeof a, "{\"user_id\":\"%s\"}", uid);
    assert_int_equal(fx_sys(w->park, "accounts.delete", a, NULL), FANTASY_OK);
    assert_int_equal(order_as(w, uid, "a5"), FANTASY_ENOTFOUND);
}

/* The memo itself: a value comes back only for the same id, version, length and bytes. */
static void test_memo_matches_exactly(void **state) {
    (void)state;
    static fantasy__memo_slot slots[4];
    memset(slots, 0, sizeof slots);
    const fantasy__memo m = { slots, 4 };
    int64_t v = 0;
    assert_false(fantasy__memo_get(m, "A", 1, "{\"p\":1}", 7, &v, sizeof v));
    int64_t put = 11;
    fantasy__memo_put(m, "A", 1, "{\"p\":1}", 7, &put, sizeof put);
    assert_true(fantasy__memo_get(m, "A", 1, "{\"p\":1}", 7, &v, sizeof v));
    assert_int_equal(v, 11);
    assert_false(fantasy__memo_get(m, "A", 2, "{\"p\":1}", 7, &v, sizeof v));  /* version */
    assert_false(fantasy__memo_get(m, "A", 1, "{\"p\":2}", 7, &v, sizeof v));  /* bytes */
    assert_false(fantasy__memo_get(m, "A", 1, "{\"p\":10}", 8, &v, sizeof v)); /* length */
    assert_false(fantasy__memo_get(m, "B", 1, "{\"p\":1}", 7, &v, sizeof v));  /* id */
    put = 22;
    fantasy__memo_put(m, "A", 2, "{\"p\":2}", 7, &put, sizeof put);
    assert_false(fantasy__memo_get(m, "A", 1, "{\"p\":1}", 7, &v, sizeof v));
    assert_true(fantasy__memo_get(m, "A", 2, "{\"p\":2}", 7, &v, sizeof v));
    assert_int_equal(v, 22);
    /* Many more ids than slots: evictions, but never another id's value. */
    for (int64_t i = 0; i < 64; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "id%lld", (long long)i);
        fantasy__memo_put(m, id, 1, "{}", 2, &i, sizeof i);
    }
    for (int64_t i = 0; i < 64; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "id%lld", (long long)i);
        v = -1;
        if (fantasy__memo_get(m, id, 1, "{}", 2, &v, sizeof v)) {
            assert_int_equal(v, i);
        }
    }
    /* An empty memo and oversized values are simply not memoized. */
    const fantasy__memo none = { NULL, 0 };
    fantasy__memo_put(none, "A", 1, "{}", 2, &put, sizeof put);
    assert_false(fantasy__memo_get(none, "A", 1, "{}", 2, &v, sizeof v));
    unsigned char big[FANTASY__MEMO_VALUE_MAX + 1] = { 0 };
    fantasy__memo_put(m, "big", 1, "{}", 2, big, sizeof big);
    assert_false(fantasy__memo_get(m, "big", 1, "{}", 2, big, sizeof big));
}

/* ---- concurrency ----------------------------------------------------------------------------- */

#define BUYERS      4
#define ORDERS_EACH 150
#define UPDATES     60

typedef struct race {
    world *w;
    atomic_llong committed; /* the last price whose update returned */
    atomic_llong started;   /* the last price an update was started with */
    atomic_int stale, failed;
} race;

static void *buyer_thread(void *p) {
    race *r = p;
    for (int i = 0; i < ORDERS_EACH; i++) {
        int64_t lo = atomic_load(&r->committed), amount = 0;
        fantasy_status st = order(r->w, &amount);
        int64_t hi = atomic_load(&r->started);
        if (st != FANTASY_OK) {
            atomic_fetch_add(&r->failed, 1);
        } else if (amount < lo || amount > hi) {
            /* A price older than one already committed when the order began: stale. */
            atomic_fetch_add(&r->stale, 1);
        }
    }
    return NULL;
}

static void *updater_thread(void *p) {
    race *r = p;
    for (int64_t k = 1; k <= UPDATES; k++) {
        int64_t price = 1000 + k;
        char f[128];
        (void)snprintf(f, sizeof f, "\"price\":{\"amount\":%lld,\"currency\":\"KRW\"}",
                       (long long)price);
        atomic_store(&r->started, price);
        update(r->w, f);
        atomic_store(&r->committed, price);
    }
    return NULL;
}

static void test_concurrent_updates_never_stale(void **state) {
    race r = { .w = *state };
    atomic_init(&r.committed, 1000);
    atomic_init(&r.started, 1000);
    atomic_init(&r.stale, 0);
    atomic_init(&r.failed, 0);
    pthread_t buyers[BUYERS], upd;
    for (int i = 0; i < BUYERS; i++) {
        assert_int_equal(pthread_create(&buyers[i], NULL, buyer_thread, &r), 0);
    }
    assert_int_equal(pthread_create(&upd, NULL, updater_thread, &r), 0);
    for (int i = 0; i < BUYERS; i++) {
        assert_int_equal(pthread_join(buyers[i], NULL), 0);
    }
    assert_int_equal(pthread_join(upd, NULL), 0);
    assert_int_equal(atomic_load(&r.failed), 0);
    assert_int_equal(atomic_load(&r.stale), 0);
    int64_t amount = 0;
    assert_int_equal(order(r.w, &amount), FANTASY_OK);
    assert_int_equal(amount, 1000 + UPDATES);
}

/* Threads sharing one memo slot pair: whatever a get returns matches the version asked for. */
typedef struct memo_race {
    fantasy__memo m;
    atomic_int wrong;
} memo_race;

static void *memo_thread(void *p) {
    memo_race *r = p;
    for (int64_t i = 0; i < 20000; i++) {
        int64_t ver = i % 7 + 1, v = 0;
        char doc[48];
        int len = snprintf(doc, sizeof doc, "{\"v\":%lld}", (long long)ver);
        if (fantasy__memo_get(r->m, "hot", ver, doc, (size_t)len, &v, sizeof v)) {
            if (v != ver * 100) {
                atomic_fetch_add(&r->wrong, 1);
            }
        } else {
            v = ver * 100;
            fantasy__memo_put(r->m, "hot", ver, doc, (size_t)len, &v, sizeof v);
        }
    }
    return NULL;
}

static void test_memo_concurrent(void **state) {
    (void)state;
    static fantasy__memo_slot slots[2];
    memset(slots, 0, sizeof slots);
    memo_race r = { .m = { slots, 2 } };
    atomic_init(&r.wrong, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, memo_thread, &r), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    assert_int_equal(atomic_load(&r.wrong), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_price_change_is_seen, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_limit_change_is_seen, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_window_change_is_seen, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_status_change_is_seen, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_draft_hidden_after_memo, setup, fx_world_close),
        cmocka_unit_test_setup_teardown(test_account_changes_are_seen, setup, fx_world_close),
        cmocka_unit_test(test_memo_matches_exactly),
        cmocka_unit_test_setup_teardown(test_concurrent_updates_never_stale, setup, fx_world_close),
        cmocka_unit_test(test_memo_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
