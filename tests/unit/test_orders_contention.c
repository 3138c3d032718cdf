/* @label concurrency */
/* Many threads × many users on one product: exactly `stock` units sold, only SOLD_OUT or
 * LIMIT_EXCEEDED otherwise, and the counters add up. Concurrent scans redeem once; concurrent
 * run_due resumes each order once. */
#include <pthread.h>
#include <stdatomic.h>

#include "orders_fixture.h"

#define THREADS 8
#define USERS   64
#define STOCK   40
#define TRIES   3

typedef struct shared {
    fantasy_park *park;
    char pid[64];
    char users[USERS][FANTASY_ID_MAX];
    atomic_int ok_units, sold_out, limit, other;
    int t;
} shared;

typedef struct arg {
    shared *s;
    int t;
} arg;

static void *buyer(void *p) {
    arg *a = p;
    shared *s = a->s;
    for (int u = a->t; u < USERS; u += THREADS) {
        for (int k = 0; k < TRIES; k++) {
            char args[512];
            (void)snprintf(args, sizeof args,
                           "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":1,"
                           "\"idempotency_key\":\"k%d\"}",
                           s->users[u], s->pid, k);
            char *out = NULL;
            fantasy_status st = fantasy_call_system(s->park, "orders.create", args, &out);
            fantasy_free(out);
            if (st == FANTASY_OK) {
                atomic_fetch_add(&s->ok_units, 1);
            } else if (st == FANTASY_ESOLDOUT) {
                atomic_fetch_add(&s->sold_out, 1);
            } else if (st == FANTASY_ELIMIT) {
                atomic_fetch_add(&s->limit, 1);
            } else {
                atomic_fetch_add(&s->other, 1);
            }
        }
    }
    return NULL;
}

static void make_users(shared *s, int n) {
    for (int i = 0; i < n; i++) {
        char args[256];
        (void)snprintf(args, sizeof args,
                       "{\"username\":\"buyer%d\",\"password\":\"%s\",\"role\":\"USER\"}", i,
                       FX_PASSWORD);
        cJSON *r = NULL;
        assert_int_equal(fx_sys(s->park, "accounts.create", args, &r), FANTASY_OK);
        fx_str(r, "user_id", s->users[i], sizeof s->users[i]);
        cJSON_Delete(r);
    }
}

static void run_threads(shared *s, void *(*fn)(void *)) {
    pthread_t th[THREADS];
    arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i].s = s;
        args[i].t = i;
        assert_int_equal(pthread_create(&th[i], NULL, fn, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
}

static void test_no_oversell(void **state) {
    (void)state;
    shared *s = calloc(1, sizeof *s);
    s->park = ox_open();
    fx_user mgr;
    fx_user_with_role(s->park, "manager1", "MANAGER", &mgr);
    ox_simple(s->park, &mgr, STOCK, 2, s->pid, sizeof s->pid);
    make_users(s, USERS);
    run_threads(s, buyer);
    assert_int_equal(atomic_load(&s->other), 0);
    assert_int_equal(atomic_load(&s->ok_units), STOCK);
    assert_true(atomic_load(&s->limit) > 0);
    assert_int_equal(atomic_load(&s->ok_units) + atomic_load(&s->sold_out) + atomic_load(&s->limit),
                     USERS * TRIES);
    int64_t av = 0, held = 0, sold = 0;
    ox_counts(s->park, s->pid, &av, &held, &sold);
    assert_int_equal(av, 0);
    assert_int_equal(av + held + sold, STOCK);
    assert_int_equal(held, STOCK);
    cJSON *r = NULL;
    assert_int_equal(fx_call(s->park, "orders.list", "{\"limit\":100}", mgr.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), STOCK);
    cJSON_Delete(r);
    fantasy_park_close(s->park);
    free(s);
}

/* Everyone races the same ticket; exactly one scan wins. */
static atomic_int redeemed_ok, redeemed_dup;
static char ticket_args[128];

static void *scanner(void *p) {
    shared *s = ((arg *)p)->s;
    char *out = NULL;
    fantasy_status st = fantasy_call_system(s->park, "tickets.redeem", ticket_args, &out);
    fantasy_free(out);
    if (st == FANTASY_OK) {
        atomic_fetch_add(&redeemed_ok, 1);
    } else if (st == FANTASY_EREDEEMED) {
        atomic_fetch_add(&redeemed_dup, 1);
    }
    return NULL;
}

/* Every thread runs run_due over the same PAYMENT_UNKNOWN orders. */
static atomic_llong resolved;

static void *resumer(void *p) {
    shared *s = ((arg *)p)->s;
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(s->park, &c), FANTASY_OK);
    atomic_fetch_add(&resolved, c.payments_resolved);
    return NULL;
}

static fantasy_status pay_as(shared *s, int u, const char *oid, const char *key) {
    char args[1024];
    (void)snprintf(args, sizeof args,
                   "{\"as_user_id\":\"%s\",\"order_id\":\"%s\",\"payment_key\":\"%s\","
                   "\"amount\":{\"amount\":1000,\"currency\":\"KRW\"}}",
                   s->users[u], oid, key);
    char *out = NULL;
    fantasy_status st = fantasy_call_system(s->park, "orders.pay", args, &out);
    fantasy_free(out);
    return st;
}

static void order_as(shared *s, int u, char *oid) {
    char args[512];
    (void)snprintf(args, sizeof args,
                   "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":1,"
                   "\"idempotency_key\":\"r\"}",
                   s->users[u], s->pid);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(s->park, "orders.create", args, &r), FANTASY_OK);
    fx_str(r, "order_id", oid, 64);
    cJSON_Delete(r);
}

static void test_redeem_once_and_resume_once(void **state) {
    (void)state;
    shared *s = calloc(1, sizeof *s);
    s->park = ox_open();
    fx_user mgr;
    fx_user_with_role(s->park, "manager1", "MANAGER", &mgr);
    ox_simple(s->park, &mgr, 20, 0, s->pid, sizeof s->pid);
    make_users(s, 8);
    char oid[8][64];
    for (int u = 0; u < 8; u++) {
        order_as(s, u, oid[u]);
        char key[64];
        (void)snprintf(key, sizeof key, "timeout-%d", u);
        assert_int_equal(pay_as(s, u, oid[u], key), FANTASY_EPAYUNKNOWN);
    }
    run_threads(s, resumer);
    assert_int_equal(atomic_load(&resolved), 8);
    int64_t av = 0, held = 0, sold = 0;
    ox_counts(s->park, s->pid, &av, &held, &sold);
    assert_int_equal(sold, 8);
    assert_int_equal(held, 0);
    cJSON *r = NULL;
    char args[256];
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", oid[0]);
    assert_int_equal(fx_call(s->park, "orders.get", args, mgr.access, &r), FANTASY_OK);
    const cJSON *tickets = cJSON_GetObjectItemCaseSensitive(r, "tickets");
    assert_int_equal(cJSON_GetArraySize(tickets), 1);
    char tid[64];
    fx_str(cJSON_GetArrayItem(tickets, 0), "ticket_id", tid, sizeof tid);
    cJSON_Delete(r);
    (void)snprintf(ticket_args, sizeof ticket_args, "{\"ticket_id\":\"%s\"}", tid);
    run_threads(s, scanner);
    assert_int_equal(atomic_load(&redeemed_ok), 1);
    assert_int_equal(atomic_load(&redeemed_dup), THREADS - 1);
    fantasy_park_close(s->park);
    free(s);
}

/* Every thread sends the same user's create with the same key: one order, one hold. */
static char race_ids[THREADS][FANTASY_ID_MAX];

static void *same_key(void *p) {
    arg *a = p;
    char args[512];
    (void)snprintf(args, sizeof args,
                   "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":2,"
                   "\"idempotency_key\":\"race\"}",
                   a->s->users[0], a->s->pid);
    char *out = NULL;
    if (fantasy_call_system(a->s->park, "orders.create", args, &out) == FANTASY_OK) {
        cJSON *j = cJSON_Parse(out);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "order_id");
        (void)snprintf(race_ids[a->t], sizeof race_ids[a->t], "%s",
                       cJSON_IsString(id) ? id->valuestring : "");
        cJSON_Delete(j);
    }
    fantasy_free(out);
    return NULL;
}

static void test_same_key_race(void **state) {
    (void)state;
    shared *s = calloc(1, sizeof *s);
    s->park = ox_open();
    fx_user mgr;
    fx_user_with_role(s->park, "manager1", "MANAGER", &mgr);
    ox_simple(s->park, &mgr, 10, 0, s->pid, sizeof s->pid);
    make_users(s, 1);
    run_threads(s, same_key);
    for (int i = 0; i < THREADS; i++) {
        assert_true(race_ids[i][0] != '\0');
        assert_string_equal(race_ids[i], race_ids[0]);
    }
    int64_t av = 0, held = 0, sold = 0;
    ox_counts(s->park, s->pid, &av, &held, &sold);
    assert_int_equal(held, 2);
    assert_int_equal(av, 8);
    fantasy_park_close(s->park);
    free(s);
}

/* Orders left with a pending step (a crash before its record): every thread's run_due finishes
 * them at once, and each step is recorded, and announced, once. */
static void test_pending_steps_settled_once(void **state) {
    (void)state;
    shared *s = calloc(1, sizeof *s);
    ox_store rec;
    fantasy_record_store rs;
    ox_store_open(&rec, &rs);
    fantasy_conf *conf = fantasy_conf_new();
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", OX_KDF), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_record_store(conf, &rs), FANTASY_OK);
    assert_int_equal(fantasy_park_open(conf, &s->park), FANTASY_OK);
    fantasy_conf_free(conf);
    fx_user mgr;
    fx_user_with_role(s->park, "manager1", "MANAGER", &mgr);
    ox_simple(s->park, &mgr, 20, 0, s->pid, sizeof s->pid);
    make_users(s, 12);
    ox_events ev = { .topics = { "inventory.returned", "inventory.released", NULL } };
    ox_listen(s->park, &ev);
    for (int u = 0; u < 12; u++) {
        char oid[64], args[256];
        order_as(s, u, oid);
        /* Refunds: the third write (the give-back's record) fails; cancels: the second. */
        int refund = u < 8;
        if (refund) {
            char key[32];
            (void)snprintf(key, sizeof key, "card-%d", u);
            assert_int_equal(pay_as(s, u, oid, key), FANTASY_OK);
        }
        rec.applies = 0;
        rec.stop_at = refund ? 3 : 2;
        (void)snprintf(args, sizeof args, "{\"as_user_id\":\"%s\",\"order_id\":\"%s\"}",
                       s->users[u], oid);
        assert_int_equal(fx_sys(s->park, "orders.cancel", args, NULL), FANTASY_EBACKEND);
        rec.stop_at = -1;
    }
    assert_int_equal(ox_key_count(&rec, "orders", "give_back:pending"), 8);
    assert_int_equal(ox_key_count(&rec, "orders", "release:pending"), 4);
    run_threads(s, resumer);
    assert_int_equal(ox_key_count(&rec, "orders", "give_back:pending"), 0);
    assert_int_equal(ox_key_count(&rec, "orders", "release:pending"), 0);
    assert_int_equal(ox_seen(s->park, &ev, "inventory.returned"), 8);
    assert_int_equal(ox_seen(s->park, &ev, "inventory.released"), 4);
    int64_t av = 0, held = 0, sold = 0;
    ox_counts(s->park, s->pid, &av, &held, &sold);
    assert_int_equal(av, 20);
    fantasy_park_close(s->park);
    rec.inner.destroy(rec.inner.self);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_oversell),
        cmocka_unit_test(test_redeem_once_and_resume_once),
        cmocka_unit_test(test_same_key_race),
        cmocka_unit_test(test_pending_steps_settled_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
