/* Shared by the stock store suite's files: the fixture each test gets and small helpers
 * that call the vtable and assert. Private to tests/conformance. */
#ifndef FANTASY_TESTS_STOCK_HELPERS_H
#define FANTASY_TESTS_STOCK_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conformance/conformance.h"

typedef struct stock_fixture {
    const fantasy_conformance_backend *b;
    fantasy_stock_store st;
} stock_fixture;

/* ---- helpers ----------------------------------------------------------------------------- */

#define LATER 1000000 /* an expiry no test's "now" reaches unless it means to */

static inline fantasy_status set(const stock_fixture *f, const char *product, int64_t stock) {
    return f->st.set_stock(f->st.self, product, stock);
}

static inline fantasy_status rsv_at(const stock_fixture *f, const char *hold, const char *product,
                                    const char *user, int64_t qty, int64_t limit,
                                    int64_t expires_at) {
    const fantasy_hold h = { .hold_id = hold,
                             .product_id = product,
                             .user_id = user,
                             .qty = qty,
                             .per_user_limit = limit,
                             .expires_at_ms = expires_at };
    return f->st.reserve(f->st.self, &h);
}

static inline fantasy_status rsv(const stock_fixture *f, const char *hold, const char *product,
                                 const char *user, int64_t qty, int64_t limit) {
    return rsv_at(f, hold, product, user, qty, limit, LATER);
}

static inline fantasy_status confirm(const stock_fixture *f, const char *hold, int64_t now) {
    return f->st.confirm(f->st.self, hold, now);
}

static inline fantasy_status release(const stock_fixture *f, const char *hold) {
    return f->st.release(f->st.self, hold);
}

static inline fantasy_status give_back(const stock_fixture *f, const char *hold) {
    return f->st.give_back(f->st.self, hold);
}

static inline fantasy_status extend(const stock_fixture *f, const char *hold, int64_t expires_at) {
    return f->st.extend(f->st.self, hold, expires_at);
}

/* Counters as one comparable value, plus the invariant checked on every read. */
static inline void expect_counts(const stock_fixture *f, const char *product, int64_t stock,
                                 int64_t held, int64_t sold, int64_t available) {
    fantasy_stock_counts c;
    assert_int_equal(f->st.counts(f->st.self, product, &c), FANTASY_OK);
    assert_int_equal(c.stock, stock);
    assert_int_equal(c.held, held);
    assert_int_equal(c.sold, sold);
    assert_int_equal(c.available, available);
    if (c.stock >= 0) {
        assert_int_equal(c.available + c.held + c.sold, c.stock);
    }
}

static inline int64_t used(const stock_fixture *f, const char *product, const char *user) {
    int64_t n = -12345;
    assert_int_equal(f->st.used(f->st.self, product, user, &n), FANTASY_OK);
    return n;
}

static inline fantasy_hold_state state_of(const stock_fixture *f, const char *hold) {
    fantasy_hold_info info;
    assert_int_equal(f->st.hold(f->st.self, hold, &info), FANTASY_OK);
    return info.state;
}

static inline fantasy_list *new_list(void) {
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    return l;
}

/* 1 when the list holds `id` with `num`. */
static inline int list_has(const fantasy_list *l, const char *id, int64_t num) {
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        if (strcmp(fantasy_list_str(l, i), id) == 0) {
            return fantasy_list_num(l, i) == num;
        }
    }
    return 0;
}

static inline size_t expire(const stock_fixture *f, int64_t now, size_t max, fantasy_list *out) {
    fantasy_list_clear(out);
    assert_int_equal(f->st.expire(f->st.self, now, max, out), FANTASY_OK);
    return fantasy_list_size(out);
}

/* The concurrency tests (suite_stock_threads.c). */
void fantasy_ct_stock_contention_one_product(void **state);
void fantasy_ct_stock_concurrent_same_hold_id(void **state);
void fantasy_ct_stock_invariant_under_load(void **state);
void fantasy_ct_stock_expire_races_confirm(void **state);

#endif
