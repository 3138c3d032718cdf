/* @label concurrency */
/* The sandbox payment provider (lib/providers/sandbox/): conventions, idempotency, refunds,
 * lookups, bad arguments, threads, allocation failures, and its place in a default park. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backend.h"
#include "fantasy/backends/memory.h"
#include "fantasy/conf.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

#include "core/alloc.h"
#include "core/backends.h"
#include "core/park_internal.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static fantasy_money krw(int64_t amount) {
    fantasy_money m = { .amount_minor = amount, .currency = "KRW" };
    return m;
}

/* A sandbox on a record store of its own; tests see the provider (the first member). */
typedef struct world {
    fantasy_payment_provider p;
    fantasy_record_store rs;
} world;

static int setup(void **state) {
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    assert_int_equal(fantasy_memory_record_store_open(NULL, &w->rs), FANTASY_OK);
    assert_int_equal(fantasy__sandbox_provider_open(fantasy__libc_allocator(), &w->rs, &w->p),
                     FANTASY_OK);
    *state = &w->p;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    w->p.destroy(w->p.self);
    w->rs.destroy(w->rs.self);
    free(w);
    return 0;
}

static fantasy_payment_result confirm(const fantasy_payment_provider *p, const char *order,
                                      const char *key, int64_t amount, const char *idem) {
    fantasy_payment_result r;
    fantasy_money m = krw(amount);
    assert_int_equal(p->confirm(p->self, order, key, &m, idem, &r), FANTASY_OK);
    return r;
}

static fantasy_payment_result cancel(const fantasy_payment_provider *p, const char *key,
                                     int64_t amount, const char *idem) {
    fantasy_payment_result r;
    fantasy_money m = krw(amount);
    assert_int_equal(p->cancel(p->self, key, &m, "customer asked", idem, &r), FANTASY_OK);
    return r;
}

static fantasy_payment_result lookup(const fantasy_payment_provider *p, const char *idem) {
    fantasy_payment_result r;
    assert_int_equal(p->lookup(p->self, idem, &r), FANTASY_OK);
    return r;
}

static void assert_result(const fantasy_payment_result *r, fantasy_payment_outcome outcome,
                          const char *payment_id, const char *message) {
    assert_int_equal(r->outcome, outcome);
    assert_string_equal(r->payment_id, payment_id);
    assert_string_equal(r->message, message);
}

/* ---- conventions ------------------------------------------------------------------------ */

static void test_open_vtable(void **state) {
    const fantasy_payment_provider *p = *state;
    assert_int_equal(p->version, FANTASY_PAYMENT_PROVIDER_VERSION);
    assert_non_null(p->self);
    assert_non_null(p->confirm);
    assert_non_null(p->cancel);
    assert_non_null(p->lookup);
    assert_non_null(p->destroy);
}

static void test_any_other_key_is_approved(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r = confirm(p, "ord1", "pk_ok", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_APPROVED);
    assert_true(strncmp(r.payment_id, "pay_", 4) == 0);
    assert_string_equal(r.message, "");
    fantasy_payment_result l = lookup(p, "idem1");
    assert_result(&l, FANTASY_PAYMENT_APPROVED, r.payment_id, "");
}

static void test_decline(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r = confirm(p, "ord1", "decline_card", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_DECLINED);
    assert_string_equal(r.payment_id, "");
    assert_non_null(strstr(r.message, "decline"));
    fantasy_payment_result l = lookup(p, "idem1");
    assert_result(&l, FANTASY_PAYMENT_DECLINED, "", r.message);
    /* Nothing was captured. */
    fantasy_payment_result c = cancel(p, "decline_card", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, "", "no captured payment");
    /* "declined" is a decline key too: the prefix is what counts. */
    r = confirm(p, "ord2", "declined", 100, "idem2");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_DECLINED);
}

static void test_timeout_resolves_approved(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r = confirm(p, "ord1", "timeout_1", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_UNKNOWN);
    assert_string_equal(r.payment_id, "");
    assert_string_not_equal(r.message, "");
    fantasy_payment_result l = lookup(p, "idem1");
    assert_int_equal(l.outcome, FANTASY_PAYMENT_APPROVED);
    assert_true(strncmp(l.payment_id, "pay_", 4) == 0);
    assert_string_equal(l.message, "");
    /* A replay times out again (the first answer); only lookup sees through. */
    fantasy_payment_result again = confirm(p, "ord1", "timeout_1", 5000, "idem1");
    assert_result(&again, FANTASY_PAYMENT_UNKNOWN, "", r.message);
    /* It was captured: a refund works and names the same payment. */
    fantasy_payment_result c = cancel(p, "timeout_1", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_APPROVED, l.payment_id, "");
}

static void test_timeout_decline_resolves_declined(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r = confirm(p, "ord1", "timeout_decline_1", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_UNKNOWN);
    assert_string_equal(r.payment_id, "");
    fantasy_payment_result l = lookup(p, "idem1");
    assert_int_equal(l.outcome, FANTASY_PAYMENT_DECLINED);
    assert_string_equal(l.payment_id, "");
    assert_non_null(strstr(l.message, "timeout_decline"));
    fantasy_payment_result c = cancel(p, "timeout_decline_1", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, "", "no captured payment");
}

static void test_norefund(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r = confirm(p, "ord1", "norefund_1", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_APPROVED);
    fantasy_payment_result c = cancel(p, "norefund_1", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, r.payment_id, "refund refused by the sandbox");
    /* Every cancel of it is refused, replayed or new. */
    c = cancel(p, "norefund_1", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, r.payment_id, "refund refused by the sandbox");
    c = cancel(p, "norefund_1", 5000, "refund2");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, r.payment_id, "refund refused by the sandbox");
    fantasy_payment_result l = lookup(p, "refund2");
    assert_result(&l, FANTASY_PAYMENT_DECLINED, r.payment_id, "refund refused by the sandbox");
}

/* ---- idempotency ------------------------------------------------------------------------ */

static void test_confirm_replay(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result a = confirm(p, "ord1", "pk1", 5000, "idem1");
    fantasy_payment_result b = confirm(p, "ord1", "pk1", 5000, "idem1");
    assert_result(&b, a.outcome, a.payment_id, a.message);
    fantasy_payment_result d1 = confirm(p, "ord2", "decline_x", 5000, "idem2");
    fantasy_payment_result d2 = confirm(p, "ord2", "decline_x", 5000, "idem2");
    assert_result(&d2, d1.outcome, d1.payment_id, d1.message);
    /* Still one capture: a fresh payment gets the next id, not a third. */
    fantasy_payment_result c = confirm(p, "ord3", "pk3", 5000, "idem3");
    assert_string_equal(a.payment_id, "pay_1");
    assert_string_equal(c.payment_id, "pay_2");
}

static void test_idempotency_mismatch(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result a = confirm(p, "ord1", "pk1", 5000, "idem1");
    const char *mm = "idempotency key reused with other arguments";
    fantasy_payment_result r = confirm(p, "ord2", "pk1", 5000, "idem1");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", mm);
    r = confirm(p, "ord1", "pk2", 5000, "idem1");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", mm);
    r = confirm(p, "ord1", "pk1", 5001, "idem1");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", mm);
    fantasy_money usd = { .amount_minor = 5000, .currency = "USD" };
    assert_int_equal(p->confirm(p->self, "ord1", "pk1", &usd, "idem1", &r), FANTASY_OK);
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", mm);
    /* A confirm's key used for a cancel is a mismatch too, and refunds nothing. */
    r = cancel(p, "pk1", 5000, "idem1");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", mm);
    /* The key still answers for its first request. */
    fantasy_payment_result l = lookup(p, "idem1");
    assert_result(&l, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
    r = cancel(p, "pk1", 5000, "refund1");
    assert_result(&r, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
}

static void test_payment_key_single_use(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result a = confirm(p, "ord1", "pk1", 5000, "idem1");
    assert_int_equal(a.outcome, FANTASY_PAYMENT_APPROVED);
    fantasy_payment_result b = confirm(p, "ord2", "pk1", 5000, "idem2");
    assert_result(&b, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
    b = confirm(p, "ord1", "pk1", 5000, "idem3");
    assert_result(&b, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
    fantasy_payment_result l = lookup(p, "idem2");
    assert_result(&l, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
    /* A timeout key, once captured, is single use as well. */
    confirm(p, "ord4", "timeout_9", 5000, "idem4");
    b = confirm(p, "ord5", "timeout_9", 5000, "idem5");
    assert_result(&b, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
    /* Even after a refund the key is spent. */
    fantasy_payment_result c = cancel(p, "pk1", 5000, "refund1");
    assert_int_equal(c.outcome, FANTASY_PAYMENT_APPROVED);
    b = confirm(p, "ord6", "pk1", 5000, "idem6");
    assert_result(&b, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
}

/* ---- cancel ----------------------------------------------------------------------------- */

static void test_cancel_full_and_replay(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result a = confirm(p, "ord1", "pk1", 5000, "idem1");
    fantasy_payment_result c = cancel(p, "pk1", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
    c = cancel(p, "pk1", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
    c = cancel(p, "pk1", 5000, "refund2");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, a.payment_id, "already canceled");
    fantasy_payment_result l = lookup(p, "refund1");
    assert_result(&l, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
    l = lookup(p, "refund2");
    assert_result(&l, FANTASY_PAYMENT_DECLINED, a.payment_id, "already canceled");
    /* The confirm's own record is unchanged by the refund. */
    l = lookup(p, "idem1");
    assert_result(&l, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
    /* Same cancel key with other arguments. */
    c = cancel(p, "pk1", 4000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, "", "idempotency key reused with other arguments");
}

static void test_cancel_partial_refused(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result a = confirm(p, "ord1", "pk1", 5000, "idem1");
    fantasy_payment_result c = cancel(p, "pk1", 2000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, a.payment_id, "partial cancel is not supported");
    c = cancel(p, "pk1", 6000, "refund2");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, a.payment_id, "partial cancel is not supported");
    fantasy_money usd = { .amount_minor = 5000, .currency = "USD" };
    assert_int_equal(p->cancel(p->self, "pk1", &usd, NULL, "refund3", &c), FANTASY_OK);
    assert_result(&c, FANTASY_PAYMENT_DECLINED, a.payment_id, "partial cancel is not supported");
    /* Nothing was refunded: the full cancel still works (reason may be NULL). */
    fantasy_money full = krw(5000);
    assert_int_equal(p->cancel(p->self, "pk1", &full, NULL, "refund4", &c), FANTASY_OK);
    assert_result(&c, FANTASY_PAYMENT_APPROVED, a.payment_id, "");
}

static void test_cancel_unknown_payment(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result c = cancel(p, "never_seen", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, "", "no captured payment");
    /* The declined cancel is remembered: a later capture does not change its answer. */
    confirm(p, "ord1", "never_seen", 5000, "idem1");
    c = cancel(p, "never_seen", 5000, "refund1");
    assert_result(&c, FANTASY_PAYMENT_DECLINED, "", "no captured payment");
    c = cancel(p, "never_seen", 5000, "refund2");
    assert_int_equal(c.outcome, FANTASY_PAYMENT_APPROVED);
}

/* ---- lookup ----------------------------------------------------------------------------- */

static void test_lookup_not_found(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result l = lookup(p, "nobody");
    assert_int_equal(l.outcome, FANTASY_PAYMENT_NOT_FOUND);
    assert_string_equal(l.payment_id, "");
    confirm(p, "ord1", "pk1", 5000, "idem1");
    l = lookup(p, "idem");
    assert_int_equal(l.outcome, FANTASY_PAYMENT_NOT_FOUND);
    l = lookup(p, "idem10");
    assert_int_equal(l.outcome, FANTASY_PAYMENT_NOT_FOUND);
}

static void test_many_payments_unique_ids(void **state) {
    const fantasy_payment_provider *p = *state;

    enum {
        N = 1000
    };

    char key[32];
    char idem[32];
    for (int i = 0; i < N; i++) {
        (void)snprintf(key, sizeof key, "pk_%d", i);
        (void)snprintf(idem, sizeof idem, "idem_%d", i);
        fantasy_payment_result r = confirm(p, "ord", key, 100 + i, idem);
        assert_int_equal(r.outcome, FANTASY_PAYMENT_APPROVED);
        char want[32];
        (void)snprintf(want, sizeof want, "pay_%d", i + 1);
        assert_string_equal(r.payment_id, want);
    }
    for (int i = 0; i < N; i++) {
        (void)snprintf(idem, sizeof idem, "idem_%d", i);
        fantasy_payment_result l = lookup(p, idem);
        char want[32];
        (void)snprintf(want, sizeof want, "pay_%d", i + 1);
        assert_result(&l, FANTASY_PAYMENT_APPROVED, want, "");
    }
}

/* ---- bad arguments ---------------------------------------------------------------------- */

static void expect_einval(fantasy_status st, const char *needle, const fantasy_payment_result *r) {
    assert_int_equal(st, FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), needle));
    assert_int_equal(r->outcome, 0);
    assert_string_equal(r->payment_id, "");
}

static void test_confirm_bad_arguments(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r;
    fantasy_money m = krw(5000);
    expect_einval(p->confirm(p->self, NULL, "pk", &m, "k", &r), "order_id", &r);
    expect_einval(p->confirm(p->self, "", "pk", &m, "k", &r), "order_id", &r);
    expect_einval(p->confirm(p->self, "o", NULL, &m, "k", &r), "payment_key", &r);
    expect_einval(p->confirm(p->self, "o", "", &m, "k", &r), "payment_key", &r);
    expect_einval(p->confirm(p->self, "o", "pk", &m, NULL, &r), "idempotency_key", &r);
    expect_einval(p->confirm(p->self, "o", "pk", &m, "", &r), "idempotency_key", &r);
    expect_einval(p->confirm(p->self, "o", "pk", NULL, "k", &r), "amount", &r);
    fantasy_money zero = krw(0);
    expect_einval(p->confirm(p->self, "o", "pk", &zero, "k", &r), "amount", &r);
    fantasy_money neg = krw(-5);
    expect_einval(p->confirm(p->self, "o", "pk", &neg, "k", &r), "amount", &r);
    fantasy_money lower = { .amount_minor = 5, .currency = "krw" };
    expect_einval(p->confirm(p->self, "o", "pk", &lower, "k", &r), "currency", &r);
    fantasy_money short_code = { .amount_minor = 5, .currency = "KR" };
    expect_einval(p->confirm(p->self, "o", "pk", &short_code, "k", &r), "currency", &r);
    fantasy_money unterminated = { .amount_minor = 5 };
    memcpy(unterminated.currency, "KRWX", 4);
    expect_einval(p->confirm(p->self, "o", "pk", &unterminated, "k", &r), "currency", &r);
    assert_int_equal(p->confirm(p->self, "o", "pk", &m, "k", NULL), FANTASY_EINVAL);
    /* Nothing was recorded or captured. */
    fantasy_payment_result l = lookup(p, "k");
    assert_int_equal(l.outcome, FANTASY_PAYMENT_NOT_FOUND);
    fantasy_payment_result ok = confirm(p, "o", "pk", 5000, "k");
    assert_result(&ok, FANTASY_PAYMENT_APPROVED, "pay_1", "");
}

static void test_cancel_and_lookup_bad_arguments(void **state) {
    const fantasy_payment_provider *p = *state;
    fantasy_payment_result r;
    fantasy_money m = krw(5000);
    confirm(p, "o", "pk", 5000, "k");
    expect_einval(p->cancel(p->self, NULL, &m, "why", "c", &r), "payment_key", &r);
    expect_einval(p->cancel(p->self, "", &m, "why", "c", &r), "payment_key", &r);
    expect_einval(p->cancel(p->self, "pk", &m, "why", NULL, &r), "idempotency_key", &r);
    expect_einval(p->cancel(p->self, "pk", &m, "why", "", &r), "idempotency_key", &r);
    expect_einval(p->cancel(p->self, "pk", NULL, "why", "c", &r), "amount", &r);
    fantasy_money zero = krw(0);
    expect_einval(p->cancel(p->self, "pk", &zero, "why", "c", &r), "amount", &r);
    fantasy_money bad = { .amount_minor = 5000, .currency = "K1W" };
    expect_einval(p->cancel(p->self, "pk", &bad, "why", "c", &r), "currency", &r);
    assert_int_equal(p->cancel(p->self, "pk", &m, "why", "c", NULL), FANTASY_EINVAL);
    expect_einval(p->lookup(p->self, NULL, &r), "idempotency_key", &r);
    expect_einval(p->lookup(p->self, "", &r), "idempotency_key", &r);
    assert_int_equal(p->lookup(p->self, "k", NULL), FANTASY_EINVAL);
    /* Nothing was refunded. */
    fantasy_payment_result c = cancel(p, "pk", 5000, "c");
    assert_result(&c, FANTASY_PAYMENT_APPROVED, "pay_1", "");
}

/* ---- threads ---------------------------------------------------------------------------- */

enum {
    THREADS = 16,
    ROUNDS = 50
};

typedef struct race {
    const fantasy_payment_provider *p;
    int index;
    int same_idem; /* 1: every thread replays one key; 0: one key per thread, same payment_key */
    fantasy_payment_result results[ROUNDS];
} race;

static void *racer(void *arg) {
    race *r = arg;
    fantasy_money m = krw(5000);
    char idem[32];
    (void)snprintf(idem, sizeof idem, "idem_%d", r->same_idem ? 0 : r->index);
    for (int i = 0; i < ROUNDS; i++) {
        if (r->p->confirm(r->p->self, "ord1", "pk_shared", &m, idem, &r->results[i]) !=
            FANTASY_OK) {
            r->results[i].outcome = 0;
        }
    }
    return NULL;
}

/* Odd threads use `p2` when given: two sandboxes on one store, like two processes. */
static void run_race2(const fantasy_payment_provider *p, const fantasy_payment_provider *p2,
                      int same_idem, race *races) {
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        races[i] = (race){ .p = i % 2 && p2 ? p2 : p, .index = i, .same_idem = same_idem };
        assert_int_equal(pthread_create(&t[i], NULL, racer, &races[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
}

static void run_race(const fantasy_payment_provider *p, int same_idem, race *races) {
    run_race2(p, NULL, same_idem, races);
}

static void test_threads_same_idempotency_key(void **state) {
    const fantasy_payment_provider *p = *state;
    race *races = calloc(THREADS, sizeof *races);
    assert_non_null(races);
    run_race(p, 1, races);
    for (int i = 0; i < THREADS; i++) {
        for (int j = 0; j < ROUNDS; j++) {
            assert_result(&races[i].results[j], FANTASY_PAYMENT_APPROVED, "pay_1", "");
        }
    }
    free(races);
    fantasy_payment_result next = confirm(p, "ord2", "pk_other", 5000, "idem_other");
    assert_string_equal(next.payment_id, "pay_2");
}

static void test_threads_same_payment_key(void **state) {
    const fantasy_payment_provider *p = *state;
    race *races = calloc(THREADS, sizeof *races);
    assert_non_null(races);
    run_race(p, 0, races);
    int approved = 0;
    for (int i = 0; i < THREADS; i++) {
        const fantasy_payment_result *first = &races[i].results[0];
        for (int j = 1; j < ROUNDS; j++) {
            assert_result(&races[i].results[j], first->outcome, first->payment_id, first->message);
        }
        if (first->outcome == FANTASY_PAYMENT_APPROVED) {
            approved++;
            assert_string_equal(first->payment_id, "pay_1");
        } else {
            assert_result(first, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
        }
    }
    free(races);
    assert_int_equal(approved, 1);
}

/* ---- kept in the record store ------------------------------------------------------------ */

static fantasy_payment_provider open_on(fantasy_record_store *rs) {
    fantasy_payment_provider p;
    assert_int_equal(fantasy__sandbox_provider_open(fantasy__libc_allocator(), rs, &p), FANTASY_OK);
    return p;
}

/* A sandbox opened again on the same store (a reopened park, another CLI call) knows what the
 * first one decided: lookups, replays, refunds and the payment numbers go on. */
static void test_survives_reopen(void **state) {
    (void)state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    fantasy_payment_provider a = open_on(&rs);
    fantasy_payment_result r = confirm(&a, "ord1", "timeout_net", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_UNKNOWN);
    r = confirm(&a, "ord2", "timeout_decline_net", 5000, "idem2");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_UNKNOWN);
    r = confirm(&a, "ord3", "pk_ok", 7000, "idem3");
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_2", "");
    a.destroy(a.self);

    fantasy_payment_provider b = open_on(&rs);
    r = lookup(&b, "idem1");
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_1", "");
    r = lookup(&b, "idem2");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "",
                  "declined by the sandbox (payment_key starts with \"timeout_decline\")");
    r = confirm(&b, "ord1", "timeout_net", 5000, "idem1"); /* a replay times out again */
    assert_int_equal(r.outcome, FANTASY_PAYMENT_UNKNOWN);
    r = confirm(&b, "ord3", "pk_ok", 7000, "idem3");
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_2", "");
    r = confirm(&b, "ord4", "pk_ok", 7000, "idem4");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
    r = cancel(&b, "pk_ok", 7000, "refund3");
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_2", "");
    b.destroy(b.self);

    fantasy_payment_provider c = open_on(&rs);
    r = cancel(&c, "pk_ok", 7000, "refund3_again");
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "pay_2", "already canceled");
    r = cancel(&c, "pk_ok", 7000, "refund3"); /* the first refund's replay */
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_2", "");
    r = confirm(&c, "ord5", "pk_new", 100, "idem5");
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_3", "");
    c.destroy(c.self);
    rs.destroy(rs.self);
}

/* Keys longer than a document id are kept under a digest and told apart by their full text. */
static void test_long_keys(void **state) {
    const fantasy_payment_provider *p = *state;
    char idem_a[600];
    char idem_b[600];
    char pk[400];
    memset(idem_a, 'i', sizeof idem_a - 1);
    idem_a[sizeof idem_a - 1] = '\0';
    memcpy(idem_b, idem_a, sizeof idem_b);
    idem_b[sizeof idem_b - 2] = 'j'; /* same first 598 bytes */
    memset(pk, 'p', sizeof pk - 1);
    pk[sizeof pk - 1] = '\0';
    fantasy_payment_result r = confirm(p, "ord1", pk, 5000, idem_a);
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_1", "");
    r = lookup(p, idem_b);
    assert_int_equal(r.outcome, FANTASY_PAYMENT_NOT_FOUND);
    r = confirm(p, "ord2", pk, 5000, idem_b);
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", "payment_key already used");
    r = lookup(p, idem_a);
    assert_result(&r, FANTASY_PAYMENT_APPROVED, "pay_1", "");
    r = cancel(p, pk, 5000, idem_a);
    assert_result(&r, FANTASY_PAYMENT_DECLINED, "", "idempotency key reused with other arguments");
}

/* Two sandboxes on one store (two processes on one database) racing for one payment_key: the
 * store's create-only writes let exactly one capture it. */
static void test_two_sandboxes_one_payment_key(void **state) {
    world *w = *state;
    fantasy_payment_provider other = open_on(&w->rs);
    race *races = calloc(THREADS, sizeof *races);
    assert_non_null(races);
    run_race2(&w->p, &other, 0, races);
    int approved = 0;
    for (int i = 0; i < THREADS; i++) {
        const fantasy_payment_result *first = &races[i].results[0];
        for (int j = 1; j < ROUNDS; j++) {
            assert_result(&races[i].results[j], first->outcome, first->payment_id, first->message);
        }
        approved += first->outcome == FANTASY_PAYMENT_APPROVED;
    }
    assert_int_equal(approved, 1);
    fantasy_payment_result next = confirm(&other, "ord2", "pk_other", 5000, "idem_other");
    assert_string_equal(next.payment_id, "pay_2");
    free(races);
    other.destroy(other.self);
}

/* A stored request that does not read back is reported, never taken for "not found". */
static void test_damaged_request(void **state) {
    world *w = *state;
    static const char junk[] = "{\"key\":\"idem1\"}";
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "sandbox_requests",
                                   .id = "k:idem1",
                                   .doc = junk,
                                   .doc_len = sizeof junk - 1 };
    assert_int_equal(w->rs.apply(w->rs.self, &op, 1, NULL), FANTASY_OK);
    fantasy_payment_result r;
    assert_int_equal(w->p.lookup(w->p.self, "idem1", &r), FANTASY_EBACKEND);
    fantasy_money m = krw(100);
    assert_int_equal(w->p.confirm(w->p.self, "ord", "pk", &m, "idem1", &r), FANTASY_EBACKEND);
    assert_int_equal(r.outcome, 0);
    assert_int_equal(w->p.lookup(w->p.self, "idem2", &r), FANTASY_OK);
    assert_int_equal(r.outcome, FANTASY_PAYMENT_NOT_FOUND);
}

/* ---- allocation failures ---------------------------------------------------------------- */

/* Fails the allocation numbered `fail_at` (from 1) and no other, so the code after a failure
 * runs too; counts live blocks to prove nothing leaks. */
typedef struct failing {
    long calls;
    long fail_at;
    long failed;
    long live;
} failing;

static int should_fail(failing *f) {
    if (++f->calls == f->fail_at) {
        f->failed++;
        return 1;
    }
    return 0;
}

static void *failing_alloc(void *self, size_t n) {
    failing *f = self;
    if (should_fail(f)) {
        return NULL;
    }
    void *p = malloc(n);
    f->live += p != NULL;
    return p;
}

static void *failing_realloc(void *self, void *ptr, size_t n) {
    failing *f = self;
    if (should_fail(f)) {
        return NULL;
    }
    void *p = realloc(ptr, n);
    f->live += (p != NULL) - (ptr != NULL && p != NULL);
    return p;
}

static void failing_free(void *self, void *ptr) {
    failing *f = self;
    f->live -= ptr != NULL;
    free(ptr);
}

/* A confirm or cancel under allocation failure: ENOMEM leaves no trace, else it is recorded. */
static void step(const fantasy_payment_provider *p, int i) {
    char key[32];
    char idem[32];
    fantasy_payment_result r;
    fantasy_payment_result l;
    fantasy_money m = krw(1000);
    (void)snprintf(key, sizeof key, "pk_%d", i / 2);
    (void)snprintf(idem, sizeof idem, "%s_%d", i % 2 ? "cancel" : "confirm", i / 2);
    fantasy_status st = i % 2 ? p->cancel(p->self, key, &m, "r", idem, &r)
                              : p->confirm(p->self, "ord", key, &m, idem, &r);
    fantasy_status ls = p->lookup(p->self, idem, &l);
    if (st == FANTASY_ENOMEM) {
        /* Only one allocation fails, so the lookup after it runs in full. */
        assert_int_equal(ls, FANTASY_OK);
        assert_int_equal(l.outcome, FANTASY_PAYMENT_NOT_FOUND);
        return;
    }
    assert_int_equal(st, FANTASY_OK);
    if (ls == FANTASY_ENOMEM) {
        return; /* the lookup held the failing allocation; nothing to compare */
    }
    assert_int_equal(ls, FANTASY_OK);
    assert_int_equal(l.outcome, r.outcome);
}

static void test_allocation_failure_sweep(void **state) {
    (void)state;

    enum {
        STEPS = 40
    }; /* confirms and refunds in turn; the sweep costs about STEPS squared */

    for (long n = 1;; n++) {
        failing f = { .fail_at = n };
        fantasy_allocator a = { .version = FANTASY_ALLOCATOR_VERSION,
                                .self = &f,
                                .alloc = failing_alloc,
                                .realloc = failing_realloc,
                                .free = failing_free };
        fantasy_record_store rs;
        assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
        fantasy_payment_provider p;
        fantasy_status st = fantasy__sandbox_provider_open(&a, &rs, &p);
        if (st != FANTASY_OK) {
            assert_int_equal(st, FANTASY_ENOMEM);
            assert_int_equal(f.live, 0);
            rs.destroy(rs.self);
            continue;
        }
        for (int i = 0; i < STEPS; i++) {
            step(&p, i);
        }
        p.destroy(p.self);
        rs.destroy(rs.self);
        assert_int_equal(f.live, 0);
        if (!f.failed) {
            break; /* every allocation of a full run has been failed once */
        }
    }
}

/* ---- through the park ------------------------------------------------------------------- */

static void test_default_park_uses_sandbox(void **state) {
    (void)state;
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(conf, &park);
    fantasy_conf_free(conf);
    if (st != FANTASY_OK) {
        fail_msg("fantasy_park_open: %s: %s", fantasy_status_code(st), fantasy_error_last());
    }
    const fantasy_payment_provider *p = &park->payments;
    assert_int_equal(park->own_payments, 1); /* built from "sandbox:", so closed with the park */
    fantasy_payment_result r = confirm(p, "ord1", "decline_x", 5000, "idem1");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_DECLINED);
    r = confirm(p, "ord2", "timeout_x", 5000, "idem2");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_UNKNOWN);
    r = lookup(p, "idem2");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_APPROVED);
    r = confirm(p, "ord3", "pk_ok", 5000, "idem3");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_APPROVED);
    r = cancel(p, "pk_ok", 5000, "refund3");
    assert_int_equal(r.outcome, FANTASY_PAYMENT_APPROVED);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_vtable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_any_other_key_is_approved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_resolves_approved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_decline_resolves_declined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_norefund, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirm_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payment_key_single_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_full_and_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_partial_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_unknown_payment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_payments_unique_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirm_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_lookup_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_same_idempotency_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_same_payment_key, setup, teardown),
        cmocka_unit_test(test_survives_reopen),
        cmocka_unit_test_setup_teardown(test_long_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_sandboxes_one_payment_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_request, setup, teardown),
        cmocka_unit_test(test_allocation_failure_sweep),
        cmocka_unit_test(test_default_park_uses_sandbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
